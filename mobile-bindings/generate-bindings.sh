#!/usr/bin/env bash
# Builds lvzhi-mobile for this machine (release) and generates its Kotlin,
# Swift and Python bindings into mobile-bindings/out/{kotlin,swift,python}
# (or into the folder given as the second argument).
# For phones, build the library per target first (see README.md) and pass it:
#   mobile-bindings/generate-bindings.sh path/to/liblvzhi_mobile.so [out-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
# LVZHI_PROFILE=dev reuses a debug build (CI checks the script that way).
profile="${LVZHI_PROFILE:-release}"
dir="$profile"
[ "$profile" = dev ] && dir=debug
cargo build --profile "$profile" -p lvzhi-mobile -p uniffi-bindgen
case "$(uname -s)" in
  Darwin) ext=dylib ;;
  *) ext=so ;;
esac
lib="${1:-$target/$dir/liblvzhi_mobile.$ext}"
out="${2:-mobile-bindings/out}"
rm -rf "$out"
for lang in kotlin swift python; do
  "$target/$dir/uniffi-bindgen" generate --library "$lib" --language "$lang" \
    --out-dir "$out/$lang" --no-format
done
cp "$lib" "$out/python/"
echo "bindings in $out/"
