"""`serve app` as a real process on loopback, for the wire tests.

It is started with credentials other than the defaults, so the tests also prove the options are used, and
by default on its embedded fakeredis: each process empties its keyspace (`lab:shop:`) at start, so only one
test at a time may point one at a real server. The same handlers run on a real Redis in the notebooks and
properties.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

import httpx

from integration_lab.runtime.processes import HOST, free_port, start_process, stop_process

PAYME_KEY = "wire-test-payme-key&?%"
CLICK_SERVICE_ID = 31337
CLICK_SECRET = "wire-test-click-secret"
STRIPE_SECRET = "whsec_wire_test_secret"
TELEGRAM_SECRET = "wire-test-telegram-token"


@contextmanager
def shop_process(redis_url: str = ""):
    """serve app on a free port; `redis_url` "" is its embedded fakeredis."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    proc = start_process([sys.executable, "-m", "integration_lab", "serve", "app", "--port", str(port),
                          "--payme-key", PAYME_KEY, "--click-service-id", str(CLICK_SERVICE_ID),
                          "--click-secret-key", CLICK_SECRET, "--stripe-webhook-secret", STRIPE_SECRET,
                          "--telegram-secret-token", TELEGRAM_SECRET, "--redis-url", redis_url], f"{url}/_lab/none")
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            yield http
    finally:
        stop_process(proc)


def open_order(http: httpx.Client, amount: int = 500000, currency: str = "UZS") -> str:
    answer = http.post("/_lab/orders", json={"amount": amount, "currency": currency})
    assert answer.status_code == 201, answer.text
    return answer.json()["order_id"]


def state(http: httpx.Client, order_id: str) -> dict:
    """The order, its payments and journal as the server holds them."""
    answer = http.get(f"/_lab/orders/{order_id}")
    return answer.json() if answer.status_code == 200 else {"status": answer.status_code}


@contextmanager
def redis_outage(http: httpx.Client):
    assert http.post("/_lab/redis", json={"connected": False}).status_code == 200
    try:
        yield
    finally:
        http.post("/_lab/redis", json={"connected": True})
