"""100 concurrent SDK calls from Python asyncio against a running server.

For BENCHMARKS.md (issue 5). Needs the generated Python package `lvzhi` (see
mobile-bindings/generate-bindings.sh) in LVZHI_BINDINGS and a member who can
sign in (the `--demo` committee's member by default). Prints, per round, the
wall time of 100 concurrent `me()` calls and of the same 100 one after
another, and how the event loop fared meanwhile (ticks of a 1 ms ticker and
its longest gap).
"""

import asyncio
import os
import statistics
import sys
import time

sys.path.insert(0, os.environ["LVZHI_BINDINGS"])

from lvzhi import lvzhi_mobile as sdk  # noqa: E402

URL = os.environ.get("LVZHI_URL", "http://127.0.0.1:8080")
PHONE = os.environ.get("LVZHI_PHONE", "13901921476")
PASSWORD = os.environ.get("LVZHI_PASSWORD", "demo-member")
ROUNDS = int(os.environ.get("LVZHI_ROUNDS", "7"))
CALLS = 100


class MemoryStore(sdk.SessionStore):
    def __init__(self):
        self.session = None

    def load(self):
        return self.session

    def save(self, session):
        self.session = session

    def clear(self):
        self.session = None


async def measured(work):
    """Runs `work` beside a 1 ms ticker; returns (seconds, ticks, longest gap ms)."""
    done = False
    ticks = 0
    longest = 0.0

    async def ticker():
        nonlocal ticks, longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now
            ticks += 1

    task = asyncio.create_task(ticker())
    start = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - start
    done = True
    await task
    return elapsed, ticks, longest * 1000


async def main():
    client = sdk.LvzhiClient(URL, MemoryStore())
    await client.sign_in(PHONE, PASSWORD)
    for _ in range(20):  # warm the connection pool
        await client.me()

    async def concurrent():
        results = await asyncio.gather(*[client.me() for _ in range(CALLS)])
        assert len(results) == CALLS

    async def sequential():
        for _ in range(CALLS):
            await client.me()

    rows = {"concurrent": [], "sequential": []}
    for _ in range(ROUNDS):
        rows["concurrent"].append(await measured(concurrent))
        rows["sequential"].append(await measured(sequential))
    print(f"{CALLS} calls of me(), {ROUNDS} rounds, median (min–max):")
    for name, runs in rows.items():
        ms = [r[0] * 1000 for r in runs]
        ticks = [r[1] for r in runs]
        gaps = [r[2] for r in runs]
        print(
            f"  {name:10s} total {statistics.median(ms):7.1f} ms ({min(ms):.1f}–{max(ms):.1f}); "
            f"ticker ran {statistics.median(ticks):.0f} times, longest gap "
            f"{statistics.median(gaps):.1f} ms (max {max(gaps):.1f})"
        )


asyncio.run(main())
