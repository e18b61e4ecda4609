"""Our Stripe webhook endpoint: verify, apply each event's fact to the ledger, remember the event id.

Events may come twice, late, or out of order. Each handler applies what the event says as a monotonic
fact (a PaymentIntent succeeded; a charge's refunded total is now N) in one atomic ledger transition, so
any order converges on the same ledger and applying a fact twice changes nothing. That is what makes the
endpoint crash-safe without a claim: the event id is marked done only after its fact is applied, so a
Redis cut at any command leaves the event either unapplied or applied-but-unmarked, and Stripe's retry
(any non-2xx answer) finishes it. A claim taken first would instead outlive the cut and turn the retry away.

Stripe Checkout (stripe_checkout.py): a paid session sends `checkout.session.completed` and its PaymentIntent
its own `payment_intent.succeeded`, in either order, maybe at once, maybe each twice. Neither is the only
truth: both settle the one ledger payment `stripe:<PaymentIntent id>` (the session names it in
`payment_intent`), so whichever lands first pays the order and the other is the ledger's `duplicate`, which
only repeats the repeatable follow-ups (fulfilment, or the refund of a second payment). Keying the session
by its own id would make one payment look like two, and refund the buyer's only one. A second session paid
for the same order (two tabs) has a PaymentIntent of its own: `already_paid`, refunded as any second payment.
`checkout.session.expired` hands the order to the shop (`on_expired`): the stock back, the buyer told.

Round trips: an event that applies nothing (a type we ignore, or no order) is remembered in one command
that also tells a repeat (SET … GET, Redis 6.2 or later). Otherwise the repeat check, then the fact: a plain
ledger transition goes in one pipeline with the event's done mark after it (app/batch.py; in order, so the
mark still lands only after the fact), and a payment that settles hands the shop (`on_paid`) that last
round trip for its own writes.

Failover (`wait_replicas`, default 0: off): Redis replicates asynchronously, so a primary can acknowledge the
fact and the done mark, die before its replica has them, and the promoted replica never saw the payment;
Stripe, answered 2xx, never resends it. With `wait_replicas` n, the last round trip ends with WAIT n, and
fewer than n replicas is answered 503: Stripe retries, the retry finds the event not done if the writes were
lost, and applies it once more (every step is repeatable). A repeat (the event already done) is answered 200
without asking. WAIT is per node: in a cluster it covers the node the last round trip went to
(notebooks/resilience/06_redis_failover).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence

from redis.exceptions import RedisError

from ...runtime.asgi import BodyTooLarge, read_request, send_response
from ..batch import Answer, Batch, short_of, stage_wait
from .ledger import Ledger
from .stripe_signature import SignatureError, verify

PROVIDER = "stripe"
DONE_SECONDS = 30 * 24 * 3600  # Stripe keeps events (and may retry them) for 30 days
BODY_LIMIT = 1 << 20  # bytes, as for every endpoint of ours (Stripe's events are a few KB)
CLUB_EVENTS = ("invoice.paid", "invoice.payment_failed", "customer.subscription.deleted",
               "customer.subscription.updated")  # a subscription's life: the club's (app/shop/club_stripe.py)
HANDLED_KEPT = 1000  # the in-memory list of recent deliveries, for notebooks; the record is in Redis


@dataclass
class StripeWebhooks:
    ledger: Ledger
    secrets: Sequence[str] = field(repr=False)
    tolerance: int = 300
    refund_refused: Any = None  # async (payment_intent) -> None: gives back a second payment for a paid order
    # async (order_id, paid, last): the shop's fulfilment, after the order's paying intent succeeded (paid: the
    # payment as the ledger stored it; last: the batch our done mark goes in, for the shop's own writes)
    on_paid: Any = None
    on_refused: Any = None  # async (order_id, payment_intent): tell the buyer a second payment was given back
    club: Any = None  # the club's subscription events (app/shop/club_stripe.py): apply(event), malformed(event)
    on_expired: Any = None  # async (order_id, session_id) -> str: a Checkout link lapsed unpaid
    handled: deque = field(default_factory=lambda: deque(maxlen=HANDLED_KEPT))
    wait_replicas: int = 0  # answer 2xx only once this many replicas have the event's writes (WAIT); 0: never ask

    async def receive(self, payload: bytes, signature: str | None) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for one delivery."""
        try:
            event = verify(payload, signature, self.secrets, self.ledger.clock.time(), self.tolerance)
        except SignatureError as error:
            self._note("-", "-", 400, str(error))
            return 400, {"error": str(error)}
        problem = _malformed(event)
        if problem is None and self._for_club(event):
            problem = self.club.malformed(event)
        if problem:  # signed, so Stripe's own: answered 400 and recorded nowhere, as nothing can be applied
            self._note(event["id"], event["type"], 400, problem)
            return 400, {"error": problem}
        redis, key = self.ledger.redis, self.ledger.keys.key("stripe", "event", event["id"])
        try:
            routed = self._route(event)
            if isinstance(routed, str):  # nothing to apply: remembered in one command, which tells a repeat
                repeat = await redis.set(key, "done", ex=DONE_SECONDS, get=True) == "done"
            else:
                repeat = await redis.get(key) == "done"
            if repeat:
                self._note(event["id"], event["type"], 200, "duplicate (done)")
                return 200, {"received": True, "duplicate": True}
            if isinstance(routed, str):
                outcome = routed
            else:
                last = Batch(redis)
                result = await routed(last)
                last.command("SET", key, "done", "EX", DONE_SECONDS)  # after the fact, in the same round trip
                copies = stage_wait(last, self.wait_replicas)
                await last.send()
                outcome = _outcome(result)
                if short_of(copies, self.wait_replicas):  # a failover now would lose it: let Stripe ask again
                    self._note(event["id"], event["type"], 503, f"{outcome}, on {copies.value} of "
                                                                f"{self.wait_replicas} replica(s)")
                    return 503, {"error": "not on a replica yet, retry later"}
        except RedisError:  # our store is down: any non-2xx makes Stripe retry later
            self._note(event["id"], event["type"], 503, "redis unavailable")
            return 503, {"error": "temporarily unavailable, retry later"}
        self._note(event["id"], event["type"], 200, outcome)
        return 200, {"received": True}

    def _for_club(self, event: dict[str, Any]) -> bool:
        return self.club is not None and event["type"] in CLUB_EVENTS

    async def apply(self, event: dict[str, Any]) -> str:
        """Apply the event's fact (not remembering the event: `receive` does); returns the outcome."""
        routed = self._route(event)
        if isinstance(routed, str):
            return routed
        batch = Batch(self.ledger.redis)
        result = await routed(batch)
        await batch.send()
        return _outcome(result)

    def _route(self, event: dict[str, Any]) -> str | Callable[[Batch], Awaitable[str | Answer]]:
        """What applying the event takes: its outcome when it needs no Redis (ignored), else the step, which
        may stage its last write in the batch it is given (its answer then an Answer holding an Outcome)."""
        obj, kind = event["data"]["object"], event["type"]
        if self._for_club(event):
            return lambda last: self.club.apply(event)
        order_id = (obj.get("metadata") or {}).get("order_id")
        if not order_id:
            return "ignored (no order)"
        if kind.startswith("payment_intent."):
            return self._intent(kind, order_id, obj)
        if kind.startswith("checkout.session."):
            return self._session(kind, order_id, obj)
        if kind in ("charge.refunded", "charge.captured") and obj.get("payment_intent"):
            if obj["amount_refunded"]:
                return self._staged("refund", order_id, obj["payment_intent"], obj["amount_refunded"])
            return "ignored"
        return "ignored"

    def _staged(self, op: str, order_id: str, ref: str, amount: int = 0, currency: str = "", detail: str = ""):
        """One ledger transition, staged in the event's last round trip (before its done mark)."""
        async def step(last: Batch) -> Answer:
            return self.ledger.stage_apply(last, op, order_id, PROVIDER, ref, amount, currency, detail)
        return step

    def _intent(self, kind: str, order_id: str, pi: dict[str, Any]):
        ref, amount, currency = pi["id"], pi["amount"], pi["currency"]
        if kind == "payment_intent.succeeded":
            return lambda last: self._succeeded(order_id, ref, amount, currency, last)
        if kind == "payment_intent.amount_capturable_updated":
            return self._staged("authorize", order_id, ref, amount, currency)
        if kind == "payment_intent.payment_failed":
            return self._staged("fail", order_id, ref, detail="failed")
        if kind == "payment_intent.canceled":
            return self._staged("fail", order_id, ref, detail="canceled")
        if kind in ("payment_intent.created", "payment_intent.requires_action"):
            return self._staged("attempt", order_id, ref, amount, currency)
        return "ignored"

    async def _succeeded(self, order_id: str, ref: str, amount: int, currency: str, last: Batch) -> str:
        """The PaymentIntent `ref` took the money (its own event, or its Checkout Session's): settle, then fulfil
        or give a second payment back. Every step is repeatable, so a retry, or the other event, may repeat it."""
        ledger = self.ledger
        result = await ledger.settle(order_id, PROVIDER, ref, amount, currency)
        paying, refused = result.outcome == "paid", result.outcome == "already_paid"
        if result.outcome == "duplicate":  # Stripe's retry, maybe after a cut before the steps below
            pay = result.payment or {}  # this payment, as the ledger stored it
            paying, refused = pay.get("status") == "succeeded", pay.get("reason") == "already_paid"
        if refused:
            if self.refund_refused:  # each step below is idempotent, so a retry may repeat it
                await self.refund_refused(ref)
                if self.on_refused:
                    await self.on_refused(order_id, ref)
                return "already_paid, refunded"
        elif paying and self.on_paid:
            await self.on_paid(order_id, result.payment, last)
        return result.outcome

    def _session(self, kind: str, order_id: str, session: dict[str, Any]):
        if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            if session.get("payment_status") != "paid":  # a delayed method: async_payment_succeeded follows
                return "ignored (not paid yet)"
            return lambda last: self._succeeded(order_id, session["payment_intent"], session["amount_total"],
                                                session["currency"], last)
        if kind == "checkout.session.expired" and self.on_expired:
            return lambda last: self.on_expired(order_id, session["id"])
        return "ignored"

    def _note(self, event_id: str, kind: str, status: int, outcome: str) -> None:
        self.handled.append({"event": event_id, "type": kind, "status": status, "outcome": outcome})


def _outcome(result: str | Answer) -> str:
    return result if isinstance(result, str) else result.value.outcome


_AMOUNTS = range(0, 10**12)  # minor units; Stripe's own cap is 99,999,999 (8 digits)


def _malformed(event: dict[str, Any]) -> str | None:
    """Why the fields this endpoint reads could not be applied to the ledger, or None."""
    obj, kind = event["data"]["object"], event["type"]
    if not (_token(event["id"]) and _token(kind)):  # the id names a Redis key; Stripe's are short ASCII
        return "malformed event: id or type"
    metadata = obj.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return "malformed event: metadata"
    order_id = (metadata or {}).get("order_id")
    if not order_id:
        return None  # not ours: ignored
    if not isinstance(order_id, str) or len(order_id) > 64 or not order_id.isprintable() or not order_id.isascii():
        return "malformed event: metadata.order_id"
    wanted = ()
    if kind.startswith("payment_intent."):
        wanted = (("id", str), ("amount", int), ("currency", str))
    elif kind in ("charge.refunded", "charge.captured") and obj.get("payment_intent"):
        wanted = (("payment_intent", str), ("amount_refunded", int))
    elif kind.startswith("checkout.session."):
        wanted = (("id", str),)
        if obj.get("payment_status") == "paid":  # what settles: the PaymentIntent's id, never expanded in events
            wanted += (("payment_intent", str), ("amount_total", int), ("currency", str))
    for name, kind_of in wanted:
        value = obj.get(name)
        if not isinstance(value, kind_of) or isinstance(value, bool) or (kind_of is int and value not in _AMOUNTS) \
                or (kind_of is str and not _token(value)):
            return f"malformed event: {name}"
    return None


def _token(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255 and value.isascii() and value.isprintable()


def stripe_webhook_app(webhooks: StripeWebhooks, path: str = "/stripe/webhook"):
    """ASGI: POST <path> with Stripe's signed body. 400 for a bad signature, 200 once handled."""

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        try:
            headers, body = await read_request(scope, receive, limit=BODY_LIMIT)
        except BodyTooLarge:
            await send_response(send, 413, b'{"error": "request body over 1 MiB"}', {"content-type": "application/json"})
            return
        if scope["path"] != path or scope["method"] != "POST":
            status, answer = 404, {"error": "not found"}
        else:
            status, answer = await webhooks.receive(body, headers.get("stripe-signature"))
        await send_response(send, status, json.dumps(answer).encode(), {"content-type": "application/json"})

    return app
