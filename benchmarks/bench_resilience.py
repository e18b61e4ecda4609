"""What the resilience patterns cost a call that succeeds: BotApi.call (tenacity's retry loop, plus the
circuit breaker and the bulkhead) against the same request sent bare (BotApi._once, the peer), in one run.

The transport answers at once in-process (httpx.MockTransport), so the figures are the client's own
overhead, which every sendMessage of a load run pays. Prints the median per-call time of each way over
`--repeats` rounds of `--calls` calls, and each one's ratio to the bare request.

    .venv/bin/python benchmarks/bench_resilience.py [--calls 2000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from integration_lab.app.resilience import Bulkhead, CircuitBreaker
from integration_lab.app.telegram.client import BotApi, trips_breaker
from integration_lab.runtime.clock import FrozenClock

OK = httpx.Response(200, json={"ok": True, "result": {"message_id": 1}})


def api(**options) -> BotApi:
    return BotApi("1:bench", "http://127.0.0.1:9", transport=httpx.MockTransport(lambda request: OK), **options)


async def per_call(send, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await send()
    return (time.perf_counter() - started) / calls * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    clock = FrozenClock("2026-01-05T09:00:00Z")
    bare, plain = api(), api()
    guarded = api(breaker=CircuitBreaker("telegram", clock, trips=trips_breaker), bulkhead=Bulkhead("telegram", 64))
    params = {"chat_id": 1, "text": "Your goods"}
    ways = {"bare request (BotApi._once)": lambda: bare._once("sendMessage", params),
            "BotApi.call: tenacity's retry loop": lambda: plain.call("sendMessage", **params),
            "BotApi.call + breaker + bulkhead": lambda: guarded.call("sendMessage", **params)}
    for send in ways.values():  # warm up: URLs cached, code paths hot
        await per_call(send, 200)
    rounds: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.repeats):  # interleaved, so a noisy moment on the machine hits every way alike
        for name, send in ways.items():
            rounds[name].append(await per_call(send, args.calls))
    peer = statistics.median(rounds["bare request (BotApi._once)"])
    print(f"{args.repeats} rounds of {args.calls} successful sendMessage calls each, in-process transport")
    print(f"{'way':38} {'median µs/call':>15} {'vs bare':>8}")
    for name, times in rounds.items():
        median = statistics.median(times)
        print(f"{name:38} {median:15.1f} {median / peer:7.2f}×")
    for client in (bare, plain, guarded):
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
