"""The soak: valid traffic after a warm-up, and each server's RSS growth scaled to 100,000 requests.

Telegram: sendMessage to one chat. Stripe: create then confirm with pm_card_visa (no Idempotency-Key, so
idempotency entries, which expire on their own TTL, are not what is measured). serve app: a fresh order
paid by Payme (check, create, perform) or by Click (prepare, complete), alternately.
The warm-up goes past the fakes' history bound (1,000 per chat or resource) before RSS is first read.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import statistics
import time
from dataclasses import dataclass

import httpx

from . import shop, stripe
from .run import Lab
from .targets import TG


@dataclass
class Soak:
    server: str
    requests: int
    rss_before_kb: int
    rss_after_kb: int
    failures: int
    rates: list[float]

    @property
    def growth_mb_per_100k(self) -> float:
        return (self.rss_after_kb - self.rss_before_kb) / 1024 * 100_000 / max(self.requests, 1)

    def row(self) -> list:
        return [self.server, self.requests, f"{self.rss_before_kb / 1024:.1f}", f"{self.rss_after_kb / 1024:.1f}",
                f"{self.growth_mb_per_100k:+.2f}", self.failures,
                f"{statistics.median(self.rates):.0f}" if self.rates else "-"]


class _Flows:
    """One valid unit of traffic per server; returns (requests sent, failures)."""

    def __init__(self, lab: Lab):
        self.lab, self.ids = lab, itertools.count(1)
        t = lab.targets.get("app")
        if t is not None:
            self.payme_auth = "Basic " + base64.b64encode(f"Paycom:{t.payme_key}".encode()).decode()

    async def telegram(self, http: httpx.AsyncClient) -> tuple[int, int]:
        answer = await http.post(f"{TG}/sendMessage", json={"chat_id": 7002, "text": f"soak {next(self.ids)}"})
        return 1, answer.status_code != 200

    async def stripe(self, http: httpx.AsyncClient) -> tuple[int, int]:
        auth = {"authorization": f"Bearer {stripe.KEY}"}
        created = await http.post("/v1/payment_intents", headers=auth,
                                  data={"amount": "2000", "currency": "usd", "payment_method": "pm_card_visa",
                                        "payment_method_types[]": "card"})
        if created.status_code != 200:
            return 1, 1
        confirmed = await http.post(f"/v1/payment_intents/{created.json()['id']}/confirm", headers=auth)
        return 2, confirmed.status_code != 200 or confirmed.json().get("status") != "succeeded"

    async def app(self, http: httpx.AsyncClient) -> tuple[int, int]:
        n, t = next(self.ids), self.lab.targets["app"]
        opened = await http.post("/_lab/orders", json={"amount": 500000, "currency": "UZS"})
        if opened.status_code != 201:
            return 1, 1
        order = opened.json()["order_id"]
        if n % 2:
            sent, failed = await self._payme(http, order, n)
            return 1 + sent, failed
        trans = 90_000_000 + n
        fields = {"click_trans_id": str(trans), "service_id": str(t.click_service_id), "click_paydoc_id": str(trans),
                  "merchant_trans_id": order, "amount": "5000.00", "action": "0", "error": "0", "error_note": "Success",
                  "sign_time": time.strftime("%Y-%m-%d %H:%M:%S")}
        fields["sign_string"] = shop.click_sign(fields, t.click_secret, "0")
        prepared = (await http.post("/click/prepare", data=fields)).json()
        if prepared.get("error") != 0:
            return 2, 1
        fields.update(action="1", merchant_prepare_id=str(prepared["merchant_prepare_id"]))
        fields["sign_string"] = shop.click_sign(fields, t.click_secret, "1")
        completed = (await http.post("/click/complete", data=fields)).json()
        return 3, completed.get("error") != 0

    async def _payme(self, http: httpx.AsyncClient, order: str, n: int) -> tuple[int, int]:
        tx = f"{0x700000000000000000000000 + n:024x}"
        calls = [("CheckPerformTransaction", {"amount": 500000, "account": {"order_id": order}}),
                 ("CreateTransaction", {"id": tx, "time": int(time.time() * 1000), "amount": 500000,
                                        "account": {"order_id": order}}),
                 ("PerformTransaction", {"id": tx})]
        for i, (method, params) in enumerate(calls, 1):
            answer = (await http.post("/payme", json={"jsonrpc": "2.0", "id": n, "method": method, "params": params},
                                      headers={"authorization": self.payme_auth})).json()
            if answer.get("error"):
                return i, 1
        return 3, 0


def soak(lab: Lab, server: str, requests: int, warmup: int, workers: int = 4, chunks: int = 10) -> Soak:
    return asyncio.run(_soak(lab, server, requests, warmup, workers, chunks))


async def _soak(lab: Lab, server: str, requests: int, warmup: int, workers: int, chunks: int) -> Soak:
    flow = getattr(_Flows(lab), server)
    proc = lab.procs[server]
    failures = 0
    async with httpx.AsyncClient(base_url=proc.url, timeout=30) as http:
        async def run(count: int) -> tuple[int, float]:
            done = 0
            started = time.perf_counter()

            async def worker() -> None:
                nonlocal done, failures
                while done < count:
                    sent, failed = await flow(http)
                    done += sent
                    failures += failed

            await asyncio.gather(*(worker() for _ in range(workers)))
            return done, done / (time.perf_counter() - started)

        await run(warmup)
        failures = 0
        before = proc.rss_kb()
        runs = [await run(max(requests // chunks, 1)) for _ in range(chunks)]
        after = proc.rss_kb()
    return Soak(server, sum(n for n, _ in runs), before, after, failures, [rate for _, rate in runs])
