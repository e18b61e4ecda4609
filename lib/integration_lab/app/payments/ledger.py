"""The payments ledger every provider shares: orders and their payments as a state machine in Redis.

An order is `awaiting_payment` until one payment settles it (`paid`), after which refunds move it to
`partially_refunded` or `refunded`; an unpaid order can be `canceled`. Every transition is one Lua script
over the order's keys (hash-tagged, so Cluster-safe), so concurrent and repeated notifications from any
provider can never pay an order twice: a second settlement is recorded as `refused` (to be refunded).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..batch import Answer
from ..scripts import register

CURRENCIES = ("USD", "UZS", "XTR")  # minor units: cents and tiyin; XTR is whole Telegram Stars


class LedgerError(ValueError):
    pass


@dataclass(frozen=True)
class Outcome:
    outcome: str  # paid, duplicate, already_paid, wrong_amount, canceled, failed, refunded, unknown_order, …
    order_status: str
    # what the transition left, so the caller reads nothing back: the payment as stored (None: not recorded)
    # and the order's paid_by ("provider:ref" of the paying payment, "" while unpaid)
    payment: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    paid_by: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Order:
    order_id: str
    amount: int
    currency: str
    status: str
    paid_by: str
    refunded: int
    description: str
    delivered: bool = False
    prices: dict[str, int] = field(default_factory=dict)  # every currency it may be paid in, at its price


def _checked(amount: int, currency: str) -> str:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise LedgerError(f"amount must be a positive integer in minor units, got {amount!r}")
    currency = str(currency).upper()
    if currency not in CURRENCIES:
        raise LedgerError(f"currency must be one of {', '.join(CURRENCIES)}, got {currency!r}")
    return currency


class Ledger:
    def __init__(self, redis, keys, clock):
        self.redis, self.keys, self.clock = redis, keys, clock
        self._apply = register(redis, "ledger_apply")
        self._open = register(redis, "ledger_open")

    def _keys(self, order_id: str) -> list[str]:
        tag = "{" + order_id + "}"  # one hash slot per order
        return [self.keys.key("order", tag), self.keys.key("order", tag, "payments"),
                self.keys.key("order", tag, "journal")]

    async def open_order(self, amount: int, currency: str, order_id: str | None = None,
                         description: str = "", prices: dict[str, int] | None = None) -> Order:
        """An order payable in `currency` at `amount`, and in each other currency of `prices` at its price."""
        if order_id is None:
            _open_args(amount, currency, "1", description, prices, 0)  # bad input takes no number
            order_id = str(1000 + await self.redis.incr(self.keys.key("orders", "sequence")))
        args = _open_args(amount, currency, order_id, description, prices, self.clock.ms())
        created, order = _opened(await self._open(keys=self._keys(order_id)[:1], args=args))
        if not created:
            raise LedgerError(f"order {order_id} already exists")
        return order

    def stage_open(self, batch, amount: int, currency: str, order_id: str, description: str = "",
                   prices: dict[str, int] | None = None):
        """`open_order` staged in a batch (app/batch.py), or found if it exists: its answer is (opened now?,
        the Order as it stands). Bad input raises now, before anything is sent."""
        args = _open_args(amount, currency, order_id, description, prices, self.clock.ms())
        return batch.script(self._open, self._keys(order_id)[:1], args, parse=_opened)

    async def order(self, order_id: str) -> Order | None:
        return _order(await self.redis.hgetall(self._keys(order_id)[0]))  # the lab's clients decode responses

    def stage_order(self, batch, order_id: str):
        """`order` staged in a batch: its answer is the Order, or None."""
        return batch.command("HGETALL", self._keys(order_id)[0], parse=_order)

    async def order_ids(self) -> list[str]:
        """Every order in this keyspace: numbered ones in number order, then named ones by name. A SCAN, for
        the lab's controls and reports; no payment path calls it."""
        found = {self.keys.strip(key)[len("order:{"):-1]
                 async for key in self.redis.scan_iter(match=self.keys.pattern("order:{*}"), count=500)}
        return sorted(found, key=lambda order_id: (not order_id.isdigit(), int(order_id) if order_id.isdigit()
                                                   else 0, order_id))

    async def paid_at(self, order_id: str) -> int | None:
        """When the paying payment settled (lab ms), or None while unpaid."""
        at = await self.redis.hget(self._keys(order_id)[0], "paid_at")
        return int(at) if at else None

    async def apply(self, op: str, order_id: str, provider: str, ref: str, amount: int = 0, currency: str = "",
                    detail: str = "") -> Outcome:
        if not _named(order_id):
            return Outcome("unknown_order", "")
        return _outcome(await self._apply(keys=self._keys(str(order_id)), args=[
            op, provider, ref, int(amount), currency.upper(), self.clock.ms(), detail]))

    def stage_apply(self, batch, op: str, order_id: str, provider: str, ref: str, amount: int = 0,
                    currency: str = "", detail: str = ""):
        """`apply` staged in a batch: its answer is the Outcome (an order id `apply` would not look up is
        answered unknown_order without being staged)."""
        if not _named(order_id):
            return Answer.known(Outcome("unknown_order", ""))
        return batch.script(self._apply, self._keys(str(order_id)), [
            op, provider, ref, int(amount), currency.upper(), self.clock.ms(), detail], parse=_outcome)

    # the verbs handlers use --------------------------------------------------------------------------
    async def attempt(self, order_id, provider, ref, amount, currency) -> Outcome:
        return await self.apply("attempt", order_id, provider, ref, amount, currency)

    async def authorize(self, order_id, provider, ref, amount, currency) -> Outcome:
        return await self.apply("authorize", order_id, provider, ref, amount, currency)

    async def settle(self, order_id, provider, ref, amount, currency) -> Outcome:
        return await self.apply("settle", order_id, provider, ref, amount, currency)

    async def claim(self, order_id, provider, ref, amount, currency) -> Outcome:
        """Settle only if the order can still be paid; a refusal records nothing (the provider takes no money)."""
        return await self.apply("claim", order_id, provider, ref, amount, currency)

    async def deliver(self, order_id) -> Outcome:
        return await self.apply("deliver", order_id, "ledger", "-")

    async def fail(self, order_id, provider, ref, canceled: bool = False) -> Outcome:
        return await self.apply("fail", order_id, provider, ref, detail="canceled" if canceled else "failed")

    async def refund(self, order_id, provider, ref, refunded_total: int) -> Outcome:
        return await self.apply("refund", order_id, provider, ref, refunded_total)

    async def cancel(self, order_id) -> Outcome:
        return await self.apply("cancel", order_id, "ledger", "-")

    # what notebooks and reports read ------------------------------------------------------------------
    async def payments(self, order_id: str) -> list[dict[str, Any]]:
        return _payments(await self.redis.hgetall(self._keys(order_id)[1]))

    def stage_payments(self, batch, order_id: str):
        """`payments` staged in a batch: its answer is the list."""
        return batch.command("HGETALL", self._keys(order_id)[1], parse=_payments)

    async def payment(self, order_id: str, provider: str, ref: str) -> dict[str, Any] | None:
        return _payment(await self.redis.hget(self._keys(order_id)[1], f"{provider}:{ref}"))

    def stage_payment(self, batch, order_id: str, provider: str, ref: str):
        """`payment` staged in a batch: its answer is the payment, or None."""
        return batch.command("HGET", self._keys(order_id)[1], f"{provider}:{ref}", parse=_payment)

    async def journal(self, order_id: str) -> list[dict[str, Any]]:
        return [json.loads(v) for v in await self.redis.lrange(self._keys(order_id)[2], 0, -1)]


def _named(order_id) -> bool:
    """Can `order_id` name an order's keys (its hash tag)?"""
    return bool(order_id) and not any(c in str(order_id) for c in "{}")


def _open_args(amount: int, currency: str, order_id: str, description: str, prices: dict[str, int] | None,
               now_ms: int) -> list:
    currency = _checked(amount, currency)
    extra = {_checked(price, cur): price for cur, price in (prices or {}).items()}
    if extra.get(currency, amount) != amount:
        raise LedgerError(f"prices[{currency}] disagrees with the amount {amount}")
    extra.pop(currency, None)  # the main price is the order's amount itself
    if not order_id or any(c in order_id for c in "{}: ") or len(order_id) > 64:
        raise LedgerError("order_id must be 1-64 characters without braces, colons or spaces")
    return [order_id, amount, currency, description, now_ms,
            *(x for cur, price in sorted(extra.items()) for x in (cur, price))]


def _opened(answer: list) -> tuple[bool, Order]:
    created, flat = answer
    return bool(created), _order(dict(zip(flat[::2], flat[1::2])))


def _order(stored: dict[str, str]) -> Order | None:
    if "amount" not in stored:
        return None
    prices = {name[6:]: int(value) for name, value in stored.items() if name.startswith("price:")}
    return Order(stored["order_id"], int(stored["amount"]), stored["currency"], stored["status"],
                 stored.get("paid_by", ""), int(stored.get("refunded", 0)), stored.get("description", ""),
                 stored.get("delivered") == "1", {stored["currency"]: int(stored["amount"]), **prices})


def _outcome(answer: list) -> Outcome:
    outcome, status, *more = answer  # more: the payment as stored and paid_by (ledger_apply.lua)
    payment, paid_by = (more + ["", ""])[:2]
    return Outcome(outcome, status, json.loads(payment) if payment else None, paid_by or "")


def _payments(raw: dict[str, str]) -> list[dict[str, Any]]:
    rows = [json.loads(v) for v in raw.values()]
    return sorted(rows, key=lambda r: (r["at"], r["provider"], r["ref"]))


def _payment(raw: str | None) -> dict[str, Any] | None:
    return json.loads(raw) if raw else None
