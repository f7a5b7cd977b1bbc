#!/usr/bin/env bash
# Installs what the console's browser tests need (tests/tests/console/browser.rs):
# Debian's Chromium and its driver, Noto CJK fonts (without them Chinese
# renders as boxes in screenshots), and Playwright for Python in a venv under
# the user's cache. Playwright drives the system Chromium; it never downloads
# a browser of its own. Prints the venv's python.
#
#   XDG_CACHE_HOME   the venv is $XDG_CACHE_HOME/lvzhi-playwright (default ~/.cache)
set -euo pipefail

PLAYWRIGHT_VERSION=1.65.2

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
if ((${#missing[@]})); then
    echo "== installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

venv=${XDG_CACHE_HOME:-$HOME/.cache}/lvzhi-playwright
if [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("playwright"))' 2>/dev/null)" != "$PLAYWRIGHT_VERSION" ]]; then
    echo "== installing playwright $PLAYWRIGHT_VERSION into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "playwright==$PLAYWRIGHT_VERSION" >&2
fi
echo "$venv/bin/python"
