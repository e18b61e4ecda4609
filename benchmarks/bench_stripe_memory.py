"""Does `serve stripe` stay flat on a long soak? Its RSS growth per request after a warm-up, scaled to 100,000.

Each round starts a fresh `python -m integration_lab serve stripe` on 127.0.0.1 (a subprocess, stopped at the
end of the round), sends `--warmup` requests, reads its RSS (VmRSS), sends `--requests` more and reads it
again. The traffic is what the stripe SDKs send: create a PaymentIntent with pm_card_visa, then confirm it,
each POST with a fresh Idempotency-Key (`--no-idempotency-key`: none). The warm-up goes past every bound
(1,000 objects per resource, the idempotency keys kept) before RSS is first read, so what is left is growth.
Prints each round and the median of `--rounds`; goal: under 5 MB per 100,000 requests (exit status 1 if not).

    .venv/bin/python benchmarks/bench_stripe_memory.py [--requests 20000] [--warmup 10000] [--rounds 3]
        [--workers 4] [-- extra `serve stripe` options, e.g. --idempotency-keys 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

from integration_lab.runtime.processes import HOST, free_port, start_process, stop_process

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk_test_bench_memory_00000000000000000"
GOAL_MB_PER_100K = 5.0


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def traffic(http: httpx.AsyncClient, count: int, workers: int, keys: bool) -> tuple[int, int, float]:
    """`count` requests (create + confirm pairs) from `workers` clients: (sent, failed, seconds)."""
    sent = failed = 0
    started = time.perf_counter()

    def headers() -> dict[str, str]:
        return {"idempotency-key": os.urandom(16).hex()} if keys else {}  # the SDK's: 16 random bytes

    async def worker() -> None:
        nonlocal sent, failed
        while sent < count:
            created = await http.post("/v1/payment_intents", headers=headers(), data={
                "amount": "2000", "currency": "usd", "payment_method": "pm_card_visa",
                "payment_method_types[]": "card"})
            sent += 1
            if created.status_code != 200:
                failed += 1
                continue
            confirmed = await http.post(f"/v1/payment_intents/{created.json()['id']}/confirm", headers=headers())
            sent += 1
            failed += confirmed.status_code != 200 or confirmed.json().get("status") != "succeeded"

    await asyncio.gather(*(worker() for _ in range(workers)))
    return sent, failed, time.perf_counter() - started


def one_round(args: argparse.Namespace) -> dict:
    port = free_port()
    command = [sys.executable, "-m", "integration_lab", "serve", "stripe", "--port", str(port), *args.serve]
    proc = start_process(command, f"http://{HOST}:{port}/v1/charges", ROOT)
    try:
        async def run() -> dict:
            auth = {"authorization": f"Bearer {KEY}"}
            async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", headers=auth, timeout=30) as http:
                await traffic(http, args.warmup, args.workers, not args.no_idempotency_key)
                before = rss_kb(proc.pid)
                sent, failed, seconds = await traffic(http, args.requests, args.workers, not args.no_idempotency_key)
                after = rss_kb(proc.pid)
            per_request = (after - before) * 1024 / sent
            return {"before_mb": before / 1024, "after_mb": after / 1024, "sent": sent, "failed": failed,
                    "bytes_per_request": per_request, "mb_per_100k": per_request * 100_000 / 2 ** 20,
                    "rate": sent / seconds}
        return asyncio.run(run())
    finally:
        stop_process(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="requests measured per round (default 20,000)")
    parser.add_argument("--warmup", type=int, default=10_000, help="requests before RSS is first read")
    parser.add_argument("--rounds", type=int, default=3, help="fresh servers measured; the median is reported")
    parser.add_argument("--workers", type=int, default=4, help="concurrent clients")
    parser.add_argument("--no-idempotency-key", action="store_true", help="POSTs without an Idempotency-Key")
    parser.add_argument("serve", nargs="*", help="extra `serve stripe` options (after --)")
    args = parser.parse_args()
    keys = "none" if args.no_idempotency_key else "a fresh Idempotency-Key per POST"
    print(f"serve stripe {' '.join(args.serve)}: PaymentIntent create + confirm, {keys}; {args.warmup} requests "
          f"warm-up, then {args.requests} measured; {args.rounds} rounds on fresh servers")
    rounds = []
    for _ in range(args.rounds):
        r = one_round(args)
        rounds.append(r)
        print(f"  RSS {r['before_mb']:.1f} -> {r['after_mb']:.1f} MB over {r['sent']} requests "
              f"({r['failed']} failed, {r['rate']:.0f} req/s): {r['bytes_per_request']:+.0f} bytes per request, "
              f"{r['mb_per_100k']:+.2f} MB per 100,000")
    median = statistics.median(r["bytes_per_request"] for r in rounds)
    mb = median * 100_000 / 2 ** 20
    print(f"median: {median:+.0f} bytes per request, {mb:+.2f} MB per 100,000 requests "
          f"(goal < {GOAL_MB_PER_100K:g} MB)")
    failed = any(r["failed"] for r in rounds)
    return 1 if failed or mb >= GOAL_MB_PER_100K else 0


if __name__ == "__main__":
    sys.exit(main())
