#!/usr/bin/env bash
# Every figure of BENCHMARKS.md's report in one command (release build):
#   bench/all.sh            # SQLite and, if reachable, PostgreSQL at 127.0.0.1:5432
#   LVZHI_BENCH_RUNS=1 bench/all.sh   # one run instead of three (quicker, noisier)
# Output: bench/out/<UTC timestamp>/{loadgen,fanout,console,meetings,points,sdk}.md and machine.txt,
# plus everything on the terminal. About 25 minutes with 3 runs on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
runs="${LVZHI_BENCH_RUNS:-3}"
unset LVZHI_BENCH_RUNS # the servers refuse LVZHI_* keys they do not know
out="bench/out/$(date -u +%Y%m%dT%H%MZ)"
mkdir -p "$out"

pg_args=()
pg_url="${LVZHI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_args=(--postgres-url "$pg_url")
else
  echo "PostgreSQL is not answering on 127.0.0.1:5432: SQLite only" >&2
fi

cargo build --release -p lvzhi-server -p lvzhi-bench \
  --bin lvzhi-server --bin lvzhi-loadgen --bin lvzhi-fanout --bin lvzhi-console-bench \
  --bin lvzhi-meetings-bench --bin lvzhi-points-bench

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1024/1024}' /proc/meminfo)"
  echo "kernel: $(uname -r); $(rustc -V)"
  [ ${#pg_args[@]} -gt 0 ] && echo "postgres: $(psql "$pg_url" -Atc 'SHOW server_version' 2>/dev/null)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

# JWT-only baseline, /healthz, /me, /me during sign-ins, the activity list,
# the sign-up race (in-process; then 1 and 2 server processes), login under flood.
"$CARGO_TARGET_DIR/release/lvzhi-loadgen" --runs "$runs" "${pg_args[@]}" | tee "$out/loadgen.md"
# Push fan-out to 10,000 phones against the fake FCM, beside the client-alone baseline.
"$CARGO_TARGET_DIR/release/lvzhi-fanout" --runs "$runs" "${pg_args[@]}" | tee "$out/fanout.md"
# The console's pages for 3,000 members, 500 activities and 50,000 sign-ups, beside /healthz.
"$CARGO_TARGET_DIR/release/lvzhi-console-bench" "${pg_args[@]}" | tee "$out/console.md"
# A provincial plenary: 800 check in with the quorum board read throughout, then vote at once.
"$CARGO_TARGET_DIR/release/lvzhi-meetings-bench" "${pg_args[@]}" | tee "$out/meetings.md"
# Duty points for a province: 40,000 members × ~50 events; the live summary, the close, one record read under load.
"$CARGO_TARGET_DIR/release/lvzhi-points-bench" "${pg_args[@]}" | tee "$out/points.md"
# The mobile SDK: library size, 100 concurrent calls from Python asyncio.
bench/sdk.sh | tee "$out/sdk.md"
echo "report in $out/"
