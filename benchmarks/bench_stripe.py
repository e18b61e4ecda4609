"""PaymentIntent create + confirm per second through the official stripe SDK: our Stripe fake against
localstripe (PyPI), both served over loopback HTTP in their own process in the same run, and ours in-process.

Each payment is two SDK calls: create a PaymentIntent with a card PaymentMethod, then confirm it. The
PaymentMethod is made once per server: localstripe does not know Stripe's test ids (`pm_card_visa`
answers "Not implemented"), so it gets one from raw test card data, which it accepts and we do not.
Medians of R rounds of N payments; localstripe is installed into benchmarks/.localstripe on first use.

    .venv/bin/python benchmarks/bench_stripe.py [--payments N] [--rounds R]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import stripe

from integration_lab.fakes.stripe import StripeFake, sdk_http_client
from integration_lab.runtime.clock import SystemClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.runtime.processes import HOST, free_port, start_process

ROOT = Path(__file__).resolve().parents[1]
PEER_VENV = ROOT / "benchmarks" / ".localstripe"
PEER = "localstripe==1.15.10"
KEY = "sk_test_bench_000000000000000000000000"


def install_peer() -> Path:
    binary = PEER_VENV / "bin" / "localstripe"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "--quiet", PEER], check=True)
    return binary


def served_client(url: str) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": url}, max_network_retries=0,
                               http_client=stripe.HTTPXClient(allow_sync_methods=True))


def payments_per_second(client: stripe.StripeClient, payment_method: str, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        pi = client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "payment_method_types": ["card"],
                                                      "payment_method": payment_method})
        assert client.v1.payment_intents.confirm(pi.id).status == "succeeded"
    return n / (time.perf_counter() - started)


def measure(name: str, client: stripe.StripeClient, payment_method: str, n: int, rounds: int) -> float:
    payments_per_second(client, payment_method, 20)  # warm up
    rates = [payments_per_second(client, payment_method, n) for _ in range(rounds)]
    median = statistics.median(rates)
    print(f"{name:<44} {median:8.0f} payments/s   (rounds: {', '.join(f'{r:.0f}' for r in rates)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"PaymentIntent create + confirm through stripe {stripe.VERSION}; {args.rounds} rounds x {args.payments}")

    ours_port, peer_port = free_port(), free_port()
    ours = start_process([sys.executable, "-m", "integration_lab", "serve", "stripe", "--port", str(ours_port)],
                         f"http://{HOST}:{ours_port}/v1/charges", ROOT)
    peer = start_process([str(install_peer()), "--port", str(peer_port)], f"http://{HOST}:{peer_port}/v1/charges",
                         ROOT)
    try:
        client = served_client(f"http://{HOST}:{ours_port}")
        ours_pm = client.v1.payment_methods.retrieve("pm_card_visa").id
        served = measure("ours, uvicorn, loopback HTTP", client, ours_pm, args.payments, args.rounds)
        client = served_client(f"http://{HOST}:{peer_port}")
        peer_pm = client.v1.payment_methods.create(params={"type": "card", "card": {
            "number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}}).id
        other = measure("localstripe 1.15.10 (aiohttp), loopback HTTP", client, peer_pm, args.payments, args.rounds)
    finally:
        for proc in (ours, peer):
            proc.terminate()
            proc.wait(timeout=10)
    fake = StripeFake(SystemClock(), IdFactory(0))
    client = stripe.StripeClient(KEY, http_client=sdk_http_client(fake), max_network_retries=0)
    inproc = measure("ours, in-process httpx transport", client, client.v1.payment_methods.retrieve("pm_card_visa").id,
                     args.payments, args.rounds)
    print(f"ratio ours/localstripe over HTTP: {served / other:.2f}; in-process/HTTP: {inproc / served:.1f}")


if __name__ == "__main__":
    main()
