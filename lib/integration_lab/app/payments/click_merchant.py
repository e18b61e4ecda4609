"""Our side of Click's SHOP-API: the prepare (action 0) and complete (action 1) requests Click sends us.

Checks run in the order of Click's own merchant library: -8 missing or malformed fields, -1 signature,
-3 action, -5 order, -6 prepare (complete only), -4 already paid, -2 amount, -9 cancelled. A complete that
reports Click's own error (`error < 0`) cancels the prepare and is answered -9. The payment's state is the
shared ledger's `click:<click_trans_id>`, so Payme and Stripe race through the same atomic transitions.

Round trips: the order, the prepare and the payment are read in one pipeline (app/batch.py); a complete that
pays hands the shop (`on_paid`) the payment the ledger's claim answered with and its last round trip, in
which the mark that Click was answered follows the shop's writes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl

from redis.exceptions import RedisError

from ...runtime.keyspace import tag
from ..batch import Batch
from ..scripts import register
from .ledger import Ledger

PROVIDER = "click"
CURRENCY = "UZS"  # Click sends sums ("1000.00"); the ledger keeps tiyin
NOTES = {
    0: "Success", -1: "SIGN CHECK FAILED!", -2: "Incorrect parameter amount", -3: "Action not found",
    -4: "Already paid", -5: "User does not exist", -6: "Transaction does not exist", -7: "Failed to update user",
    -8: "Error in request from click", -9: "Transaction cancelled",
}
PREPARE, COMPLETE = 0, 1
_INTEGERS = ("click_trans_id", "service_id", "click_paydoc_id", "action", "error")
_REQUIRED = (*_INTEGERS, "merchant_trans_id", "amount", "error_note", "sign_time", "sign_string")
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_AMOUNT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")
_REFUSALS = {"already_paid": -4, "wrong_amount": -2, "canceled": -9}


def sign(fields: dict[str, str], secret_key: str) -> str:
    """Click's sign_string: md5 over the fields exactly as sent (merchant_prepare_id only on complete)."""
    prepare_id = fields.get("merchant_prepare_id", "") if str(fields.get("action")) == "1" else ""
    text = (f"{fields['click_trans_id']}{fields['service_id']}{secret_key}{fields['merchant_trans_id']}"
            f"{prepare_id}{fields['amount']}{fields['action']}{fields['sign_time']}")
    # Click's protocol mandates MD5 for sign_string; it authenticates a request, it protects no stored secret
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def tiyin(amount: str) -> Decimal:
    """Click's sum as tiyin, exactly: '1000.5' is 100050, '1000.001' is 100000.1 (and matches no order)."""
    return Decimal(amount) * 100


class ClickMerchant:
    def __init__(self, ledger: Ledger, service_id: int, secret_key: str,
                 on_paid: Callable[[str], Awaitable[Any]] | None = None):
        self.ledger, self.redis = ledger, ledger.redis
        # async (order_id, paid, last): the shop's fulfilment, after a complete that paid the order (paid: the
        # payment as the ledger stored it; last: the batch our own mark goes in, for the shop's writes)
        self.on_paid = on_paid
        self.service_id, self._secret = int(service_id), secret_key
        self._prepare_id = register(self.redis, "click_prepare")

    def __repr__(self) -> str:
        return f"ClickMerchant(service_id={self.service_id}, secret_key=***)"

    async def prepare(self, body: bytes) -> dict[str, Any]:
        return await self._answer(body, PREPARE)

    async def complete(self, body: bytes) -> dict[str, Any]:
        return await self._answer(body, COMPLETE)

    async def _answer(self, body: bytes, endpoint: int) -> dict[str, Any]:
        fields = _form(body)
        id_name = "merchant_prepare_id" if endpoint == PREPARE else "merchant_confirm_id"
        reply = {"click_trans_id": _echo(fields.get("click_trans_id")),
                 "merchant_trans_id": fields.get("merchant_trans_id"), id_name: None}
        try:
            error, prepare_id = await self._run(fields, endpoint)
        except RedisError:  # our store is down: nothing was written
            error, prepare_id = -7, None
        if error == 0:
            reply[id_name] = prepare_id
        return {**reply, "error": error, "error_note": NOTES[error]}

    async def _run(self, fields: dict[str, str], endpoint: int) -> tuple[int, int | None]:
        if not self._well_formed(fields):
            return -8, None
        if not hmac.compare_digest(sign(fields, self._secret).encode(), fields["sign_string"].lower().encode()):
            return -1, None
        if int(fields["action"]) != endpoint:
            return -3, None
        order_id, click_ref = fields["merchant_trans_id"], fields["click_trans_id"]
        batch = Batch(self.redis)  # everything the checks read: one round trip
        read = (self.ledger.stage_order(batch, order_id), self.ledger.stage_payment(batch, order_id, PROVIDER, click_ref),
                batch.command("HGETALL", self._key("trans", click_ref)) if endpoint == COMPLETE else None)
        await batch.send()
        order, pay = read[0].value, read[1].value
        if order is None:
            return -5, None
        prepared = None
        if endpoint == COMPLETE:
            prepared = read[2].value
            if prepared.get("prepare_id") != fields["merchant_prepare_id"] or prepared.get("order_id") != order_id:
                return -6, None
        price = order.prices.get(CURRENCY)  # the order's price in sum (tiyin), whatever else it has
        if endpoint == COMPLETE and self.on_paid and order.paid_by == f"{PROVIDER}:{click_ref}" \
                and prepared.get("confirmed") != "1":  # our answer to the first complete was lost in a cut
            return await self._confirm(order_id, click_ref, fields, pay)
        if order.paid_by:
            if endpoint == COMPLETE and pay and pay["status"] == "pending":  # paid elsewhere meanwhile:
                await self.ledger.fail(order_id, PROVIDER, click_ref, canceled=True)  # Click returns the money
            return -4, None
        if price is None or tiyin(fields["amount"]) != price:
            return -2, None
        if order.status == "canceled" or (pay and pay["status"] == "canceled"):
            return -9, None
        if endpoint == PREPARE:
            return await self._prepare(order_id, click_ref, price)
        if int(fields["error"]) < 0:  # Click could not take the money: cancel this payment
            await self.ledger.fail(order_id, PROVIDER, click_ref, canceled=True)
            return -9, None
        claimed = await self.ledger.claim(order_id, PROVIDER, click_ref, price, CURRENCY)
        if claimed.outcome in _REFUSALS:
            return _REFUSALS[claimed.outcome], None
        if self.on_paid:
            return await self._confirm(order_id, click_ref, fields, claimed.payment)
        return 0, int(fields["merchant_prepare_id"])

    async def _confirm(self, order_id: str, click_ref: str, fields: dict[str, str],
                       paid: dict | None) -> tuple[int, int | None]:
        """The shop's hook, then a mark that Click was answered (in the hook's last round trip, after its
        writes). Both repeatable: a cut before the mark is answered -7, and Click's resend runs them again and
        gets the success it missed (after the mark, a resend is "Already paid", as Click's own library answers)."""
        last = Batch(self.redis)
        await self.on_paid(order_id, paid, last)
        last.command("HSET", self._key("trans", click_ref), "confirmed", 1)
        await last.send()
        return 0, int(fields["merchant_prepare_id"])

    async def _prepare(self, order_id: str, click_ref: str, amount: int) -> tuple[int, int | None]:
        """One prepare id per click_trans_id: a repeated prepare gets the same one back. The id is written
        in one script and the ledger's attempt after it, both repeatable, so Click's resend repairs a cut."""
        prepare_id, prepared_for = await self._prepare_id(keys=[self._key("trans", click_ref), self._key("sequence")],
                                                          args=[order_id])
        if prepared_for != order_id:
            return -8, None  # the same click_trans_id for another order
        attempt = await self.ledger.attempt(order_id, PROVIDER, click_ref, amount, CURRENCY)
        if attempt.outcome in _REFUSALS:
            return _REFUSALS[attempt.outcome], None
        return 0, int(prepare_id)

    def _well_formed(self, fields: dict[str, str]) -> bool:
        names = _REQUIRED + (("merchant_prepare_id",) if fields.get("action") == "1" else ())
        if any(name not in fields for name in names):
            return False
        if not all(_INTEGER.fullmatch(fields[name]) for name in _INTEGERS + names[len(_REQUIRED):]):
            return False
        if not _AMOUNT.fullmatch(fields["amount"]) or fields["merchant_trans_id"] == "":
            return False
        try:
            datetime.strptime(fields["sign_time"], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return False
        return int(fields["service_id"]) == self.service_id

    def _key(self, *parts: str) -> str:
        # one hash tag for Click's records (a transaction, the sequence and the statement go in one script)
        return self.ledger.keys.key(tag(PROVIDER), *parts)


def _form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        return {}


def _echo(value: str | None) -> int | str | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
