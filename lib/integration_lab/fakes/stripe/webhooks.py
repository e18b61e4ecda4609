"""Webhook events as Stripe sends them: signed, POSTed to each endpoint, retried with backoff on failure.

`Stripe-Signature: t=<unix>,v1=<hex>` where v1 = HMAC-SHA256(endpoint secret, f"{t}.{raw body}").
Delivery faults (a plan per event type): `delay` (seconds), `fail` (the first `failures` attempts never
reach the endpoint), `duplicate` (sent twice), `out_of_order` (held back behind the events after it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx

from ...runtime.faults import FaultPlan

WEBHOOK_FAULTS = {"delay", "fail", "duplicate", "out_of_order"}
# Sandboxes retry "three times over a few hours" (Stripe's docs); the exact spacing is not published.
RETRY_SCHEDULE = (300, 1800, 7200)
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    v1 = hmac.new(secret.encode(), str(timestamp).encode() + b"." + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={v1}"


@dataclass
class Delivery:
    seq: int
    event_id: str
    endpoint_id: str
    due: float
    attempt: int = 1
    held: bool = False  # out_of_order: goes after everything else that is due
    failures_left: int = 0


class Deliveries:
    """Pending deliveries by sequence number, and the last `history` attempts (`log`)."""

    def __init__(self, fake, history: int = 1000):
        self.fake = fake
        self.pending: dict[int, Delivery] = {}
        self.by_event: dict[str, list[int]] = {}
        self.log: deque[dict[str, Any]] = deque(maxlen=history)
        self.faults = FaultPlan(WEBHOOK_FAULTS)
        self._seq = 0

    def _hold(self, delivery: Delivery) -> None:
        self.pending[delivery.seq] = delivery
        self.by_event.setdefault(delivery.event_id, []).append(delivery.seq)

    def _release(self, delivery: Delivery) -> None:
        del self.pending[delivery.seq]
        seqs = self.by_event[delivery.event_id]
        seqs.remove(delivery.seq)
        if not seqs:
            del self.by_event[delivery.event_id]

    def forget(self, event_id: str) -> None:
        """The event is no longer kept (history): nothing more is sent for it."""
        for seq in self.by_event.pop(event_id, []):
            del self.pending[seq]

    def queue(self, event: dict[str, Any], endpoint) -> None:
        fault = self.faults.take(event["type"])
        copies = 2 if fault and fault.kind == "duplicate" else 1
        for _ in range(copies):
            self._seq += 1
            delivery = Delivery(self._seq, event["id"], endpoint.id, self.fake.clock.time())
            if fault and fault.kind == "delay":
                delivery.due += float(fault.options.get("seconds", 60))
            if fault and fault.kind == "out_of_order":
                delivery.held = True
            if fault and fault.kind == "fail":
                delivery.failures_left = int(fault.options.get("failures", 1))
            self._hold(delivery)

    def due(self) -> list[Delivery]:
        now = self.fake.clock.time()
        ready = [d for d in self.pending.values() if d.due <= now]
        return sorted(ready, key=lambda d: (d.held, d.due, d.seq))

    def next_due(self) -> float | None:
        return min((d.due for d in self.pending.values()), default=None)

    async def deliver_due(self, client: httpx.AsyncClient) -> list[dict[str, Any]]:
        """Send every delivery that has fallen due; one row per attempt (also kept in `log`)."""
        self.fake.catch_up()  # what fell due (a session expiring) emits its events before they are sent
        rows = []
        for delivery in self.due():
            if delivery.seq not in self.pending:  # forgotten while an earlier one was being sent
                continue
            self._release(delivery)
            rows.append(await self._attempt(delivery, client))
        self.log.extend(rows)
        return rows

    async def deliver_one(self, delivery: Delivery, client: httpx.AsyncClient) -> dict[str, Any]:
        """Send one pending delivery now, whatever else is due: two copies of an event (a `duplicate` fault) sent
        at once, each by its own caller, is Stripe's at-least-once delivery racing itself. One row, as above."""
        if self.pending.get(delivery.seq) is not delivery:
            raise LookupError(f"delivery {delivery.seq} of {delivery.event_id} is not pending")
        self._release(delivery)
        row = await self._attempt(delivery, client)
        self.log.append(row)
        return row

    async def _attempt(self, delivery: Delivery, client: httpx.AsyncClient) -> dict[str, Any]:
        fake, endpoint = self.fake, self.fake.endpoints.get(delivery.endpoint_id)
        event = fake.objects.get(delivery.event_id)
        row = {"event": delivery.event_id, "type": event["type"] if event else None, "attempt": delivery.attempt,
               "status": None, "error": None}
        if event is None:  # evicted from the bounded history meanwhile
            row["error"] = "event no longer kept"
            return row
        if endpoint is None:  # deleted meanwhile: Stripe stops trying
            row["error"] = "endpoint deleted"
            return row
        payload = json.dumps(event, indent=2).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                   "Stripe-Signature": signature(payload, endpoint.secret, fake.now())}
        if delivery.failures_left:
            delivery.failures_left -= 1
            row["error"] = "Failed to connect to remote host"
        else:
            try:
                response = await client.post(endpoint.url, content=payload, headers=headers)
                row["status"] = response.status_code
                if response.is_success:
                    event["pending_webhooks"] -= 1
                    return row
                row["error"] = f"HTTP status code {response.status_code}"
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                row["error"] = f"{type(exc).__name__}: could not reach the endpoint"
        if delivery.attempt <= len(RETRY_SCHEDULE):
            delivery.due = fake.clock.time() + RETRY_SCHEDULE[delivery.attempt - 1]
            delivery.attempt += 1
            delivery.held = False
            if delivery.event_id in fake.objects:  # the send awaited: the event may have been evicted
                self._hold(delivery)
        else:
            row["error"] += "; gave up"
        return row
