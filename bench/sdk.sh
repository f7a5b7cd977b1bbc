#!/usr/bin/env bash
# The mobile SDK's figures in BENCHMARKS.md, in one command:
#   bench/sdk.sh
# Builds the release server and SDK, generates the Python bindings, prints the
# stripped library size, starts the server (--demo, SQLite, a temporary
# database) and runs tests/python/bench_concurrent.py against it.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release -p lvzhi-server
mobile-bindings/generate-bindings.sh "" "$work/out" >/dev/null
lib="$target/release/liblvzhi_mobile.so"
cp "$lib" "$work/stripped.so" && strip "$work/stripped.so"
echo "liblvzhi_mobile.so ($(rustc -vV | sed -n 's/^host: //p')): $(stat -c %s "$lib") bytes as built, $(stat -c %s "$work/stripped.so") bytes stripped"

mkdir -p "$work/py/lvzhi"
cp "$work/out/python/"* "$work/py/lvzhi/"
touch "$work/py/lvzhi/__init__.py"

port="${LVZHI_BENCH_PORT:-18080}"
# The server refuses LVZHI_* keys it does not know (e.g. LVZHI_TEST_POSTGRES_URL).
unset_lvzhi=()
for name in $(compgen -e | grep '^LVZHI_' || true); do unset_lvzhi+=(-u "$name"); done
env "${unset_lvzhi[@]}" LVZHI_BIND="127.0.0.1:$port" LVZHI_DATABASE_URL="$work/bench.db" \
  "$target/release/lvzhi-server" serve --demo >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

LVZHI_BINDINGS="$work/py" LVZHI_URL="http://127.0.0.1:$port" python3 tests/python/bench_concurrent.py
