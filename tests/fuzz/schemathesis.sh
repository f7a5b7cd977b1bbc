#!/usr/bin/env bash
# Fuzzes the API from its own OpenAPI document with schemathesis (issue 6).
#
# For SQLite and then PostgreSQL: starts `lvzhi-server serve` on a fresh
# database, seeds it through the API (tests/fuzz/seed.py), and runs
# `schemathesis run` against /api/v1/openapi.json first as a member, then as
# the admin. Fails on any 5xx or any status, content type, body or header the
# document does not declare (settings in tests/fuzz/schemathesis.toml).
# About two minutes for both backends on two cores.
#
# Environment (all optional; not LVZHI_*, which the server reads as its settings):
#   FUZZ_EXAMPLES    examples per operation and phase (default 40)
#   FUZZ_BACKENDS    "sqlite postgres" (default), or one of them
#   FUZZ_POSTGRES    server URL for PostgreSQL (default postgres://postgres@127.0.0.1:5432)
#   FUZZ_SERVER_BIN  a built server; otherwise `cargo build -p lvzhi-server`
#   FUZZ_PYTHON      the Python that makes the venv (default: the first of
#                    python3, python3.13, python3.12 and pyenv's versions that
#                    is 3.11.8 / 3.12.2 or newer). Older CPython loses count of
#                    AST recursion under GC (CPython gh-106905), which hypothesis
#                    hits at random as "AST constructor recursion depth mismatch".
#   FUZZ_KEEP        set: keep the work directory (server logs, seeded ids)
#   XDG_CACHE_HOME   schemathesis is installed in $XDG_CACHE_HOME/lvzhi-schemathesis
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
examples=${FUZZ_EXAMPLES:-40}
backends=${FUZZ_BACKENDS:-sqlite postgres}
pg_server=${FUZZ_POSTGRES:-postgres://postgres@127.0.0.1:5432}

fixed_python() {
    local candidate
    for candidate in python3 python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
        if "$candidate" -c 'import sys; v = sys.version_info[:3]; sys.exit(not (v >= (3, 12, 2) or (3, 11, 8) <= v < (3, 12)))' 2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
    echo "no Python 3.11.8 / 3.12.2 or newer found; set FUZZ_PYTHON" >&2
    return 1
}
python=${FUZZ_PYTHON:-$(fixed_python)}
python_version=$("$python" -c 'import sys; print(sys.version.split()[0])')
venv=${XDG_CACHE_HOME:-$HOME/.cache}/lvzhi-schemathesis
# The venv is remade when schemathesis or the Python under it is not the one wanted.
if [[ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != *" $SCHEMATHESIS_VERSION" ]] \
    || [[ "$("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null)" != "$python_version" ]]; then
    echo "== installing schemathesis $SCHEMATHESIS_VERSION into $venv (Python $python_version)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

server=${FUZZ_SERVER_BIN:-}
if [[ -z "$server" ]]; then
    (cd "$repo" && cargo build --quiet -p lvzhi-server)
    server=${CARGO_TARGET_DIR:-$repo/target}/debug/lvzhi-server
fi

work=$(mktemp -d)
server_pid=
database=
cleanup() {
    stop_server
    if [[ -n "$database" ]]; then
        psql -q "$pg_server/postgres" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null || true
    fi
    [[ -n "${FUZZ_KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts the server on $1 (database URL); sets $base, $admin_phone and $admin_password.
start_server() {
    local port log
    port=$(free_port)
    log="$work/server-$2.log"
    # Sign-in throttling stays on, but without its slow-down delay: fuzzed
    # logins would otherwise stretch the run. Tokens outlive the run.
    # Only these settings: the server refuses LVZHI_* variables it does not
    # know (CI exports LVZHI_TEST_POSTGRES_URL for the test suite), so each
    # one set here is unset (`-u NAME`, split into words on purpose).
    # shellcheck disable=SC2046
    env $(compgen -e | grep '^LVZHI_' | sed 's/^/-u /') \
        LVZHI_BIND="127.0.0.1:$port" \
        LVZHI_DATABASE_URL="$1" \
        LVZHI_LOGIN__DELAY_MILLIS_PER_FAILURE=0 \
        LVZHI_AUTH__ACCESS_TOKEN_MINUTES=60 \
        LVZHI_LOG_FORMAT=json \
        "$server" serve >"$log" 2>&1 &
    server_pid=$!
    base="http://127.0.0.1:$port"
    for _ in $(seq 1 100); do
        if curl -sf "$base/readyz" >/dev/null 2>&1; then break; fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            cat "$log"
            echo "the server did not start" >&2
            return 1
        fi
        sleep 0.2
    done
    # Printed once, on the first start, to the terminal (see server/src/main.rs).
    admin_phone=$(sed -n 's/^  phone: *\([0-9]*\).*/\1/p' "$log")
    admin_password=$(sed -n 's/^  password: \([^ ]*\).*/\1/p' "$log")
    if [[ -z "$admin_phone" || -z "$admin_password" ]]; then
        cat "$log"
        echo "the server printed no first admin password" >&2
        return 1
    fi
}

# Runs schemathesis with bearer token $1; returns its exit status.
fuzz_with() {
    # From the work directory, so nothing it writes lands in the checkout.
    (cd "$work" && FUZZ_TOKEN=$1 "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" \
        run "$base/api/v1/openapi.json" --max-examples "$examples" --no-color)
}

status=0
timings=()
for backend in $backends; do
    started=$SECONDS
    case $backend in
        sqlite) url="$work/fuzz.db" ;;
        postgres)
            # Databases of earlier runs that were killed (their process is gone).
            for old in $(psql -qAt "$pg_server/postgres" -c "SELECT datname FROM pg_database WHERE datname LIKE 'lvzhi_fuzz_%'"); do
                kill -0 "${old#lvzhi_fuzz_}" 2>/dev/null ||
                    psql -q "$pg_server/postgres" -c "DROP DATABASE IF EXISTS \"$old\" WITH (FORCE)" >/dev/null
            done
            database="lvzhi_fuzz_$$"
            psql -q "$pg_server/postgres" -c "CREATE DATABASE \"$database\"" >/dev/null
            url="$pg_server/$database"
            ;;
        *)
            echo "unknown backend $backend" >&2
            exit 2
            ;;
    esac
    echo "== $backend: starting the server"
    start_server "$url" "$backend"
    rm -f "$work"/*.dict
    cp "$here/schemathesis.toml" "$work/schemathesis.toml"
    seeded=$(python3 "$here/seed.py" "$base/api/v1" "$admin_phone" "$admin_password" "$work")
    eval "$seeded"

    # The member first: the admin's pass may disable or change what the member uses.
    for who in member admin; do
        echo "== $backend: schemathesis as the $who ($examples examples per operation)"
        token=MEMBER_TOKEN
        [[ $who == admin ]] && token=ADMIN_TOKEN
        if ! fuzz_with "${!token}"; then
            status=1
            echo "== $backend: FAILED as the $who; server errors logged:"
            grep '"level":"ERROR"' "$work/server-$backend.log" | tail -20 || true
        fi
    done

    stop_server
    if [[ $backend == postgres ]]; then
        psql -q "$pg_server/postgres" -c "DROP DATABASE \"$database\" WITH (FORCE)" >/dev/null
        database=
    fi
    timings+=("$backend $((SECONDS - started))s")
done

echo "== schemathesis: ${timings[*]}"
if [[ $status -ne 0 ]]; then
    echo "== schemathesis found contract violations (reports above)" >&2
fi
exit $status
