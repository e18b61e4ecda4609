"""Our side of Payme's Merchant API: the JSON-RPC endpoint Payme calls to check, create, perform and cancel.

A Payme transaction's state is not kept twice: it is the shared ledger's payment `payme:<id>` (pending is
state 1, succeeded is 2, canceled is -1, succeeded and fully refunded is -2), so the ledger's atomic
transitions decide every race with Click and Stripe. Beside it we keep only what Payme alone needs: its
`time`, our `transaction` number, the cancel reason and fiscal data.

Round trips: what a method reads up front goes in one pipeline (app/batch.py), the transaction's record and
the ledger's attempt go in one (in that order), and the ledger's answers carry the payment, so nothing is
read back after it is written.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
from typing import Any, Awaitable, Callable

from redis.exceptions import RedisError

from ...runtime.keyspace import tag
from ..batch import Batch
from ..scripts import register
from ..unicode import is_unicode
from .ledger import Ledger
from .payme_errors import (
    ACCOUNT_FIELD, CANNOT_CANCEL, CANNOT_PERFORM, INSUFFICIENT_PRIVILEGE, INTERNAL_ERROR, INVALID_REQUEST,
    METHOD_NOT_FOUND, NOT_FOUND, NOT_POST, ORDER_BUSY, ORDER_CLOSED, ORDER_NOT_FOUND, PARSE_ERROR,
    WRONG_AMOUNT, PaymeError, account_error,
)

PROVIDER = "payme"
TIMEOUT_MS = 43_200_000  # a created transaction not performed within 12 h is cancelled (reason 4)
REASONS = (1, 2, 3, 4, 5, 10)  # receiver not found, debit failed, execution error, timeout, refund, unknown
REASON_TIMEOUT, REASON_UNKNOWN = 4, 10
MAX_INTEGER = 2 ** 53 - 1  # JSON numbers are exact up to here; Payme's (ms times, tiyin) stay far below
CURRENCY = "UZS"  # Payme pays in tiyin
log = logging.getLogger(__name__)


def authorization(key: str, login: str = "Paycom") -> str:
    """The Authorization header Payme sends: Basic base64("Paycom:" + key)."""
    return "Basic " + base64.b64encode(f"{login}:{key}".encode()).decode()


class PaymeMerchant:
    def __init__(self, ledger: Ledger, key: str, on_paid: Callable[[str], Awaitable[Any]] | None = None,
                 refund_agreed: Callable[[str, str], Awaitable[bool]] | None = None,
                 on_refunded: Callable[[str], Awaitable[Any]] | None = None):
        self.ledger, self.redis, self.clock = ledger, ledger.redis, ledger.clock
        # async (order_id, paid): the shop's fulfilment, after a perform that paid the order (paid: the payment
        # as the ledger stored it)
        self.on_paid = on_paid
        # async (order_id, transaction id): did the shop agree to give this delivered order's money back?
        self.refund_agreed = refund_agreed
        self.on_refunded = on_refunded  # async (order_id): tell the buyer; repeatable, as a resend calls it again
        self._expected = authorization(key).encode()
        self._record = register(self.redis, "payme_open")
        self._methods = {
            "CheckPerformTransaction": self.check_perform, "CreateTransaction": self.create,
            "PerformTransaction": self.perform, "CancelTransaction": self.cancel, "CheckTransaction": self.check,
            "GetStatement": self.statement, "SetFiscalData": self.set_fiscal_data,
        }

    def __repr__(self) -> str:
        return "PaymeMerchant(key=***)"

    async def handle(self, verb: str, authorization_header: str | None, body: bytes) -> dict[str, Any]:
        """One HTTP request to the answer Payme expects (always HTTP 200; errors in the JSON-RPC body)."""
        request_id = None
        try:
            if verb != "POST":
                raise PaymeError(NOT_POST)
            try:
                request = json.loads(body)
            except (ValueError, RecursionError):  # bad UTF-8 or JSON; nesting deeper than Python recurses
                raise PaymeError(PARSE_ERROR) from None
            if isinstance(request, dict):
                request_id = request.get("id")
                if not _echoable(request_id):  # JSON-RPC 2.0: an id not detected is answered null
                    request_id = None
                    raise PaymeError(INVALID_REQUEST)
            if not (isinstance(request, dict) and is_unicode(request.get("method"))
                    and isinstance(request.get("params"), dict)):
                raise PaymeError(INVALID_REQUEST)
            if not self._authorized(authorization_header):
                raise PaymeError(INSUFFICIENT_PRIVILEGE)
            method = self._methods.get(request["method"])
            if method is None:
                raise PaymeError(METHOD_NOT_FOUND, request["method"])
            return {"id": request_id, "result": await method(request["params"])}
        except PaymeError as error:
            return error.body(request_id)
        except RedisError:  # our store is down: Payme will ask again
            return PaymeError(INTERNAL_ERROR).body(request_id)
        except Exception as failure:  # a bug of ours: still Payme's answer, and one line in the log
            log.error("Payme request failed with %s", type(failure).__name__)
            return PaymeError(INTERNAL_ERROR).body(request_id)

    def _authorized(self, header: str | None) -> bool:
        return hmac.compare_digest((header or "").encode("utf-8", "replace"), self._expected)

    # the seven methods ---------------------------------------------------------------------------------
    async def check_perform(self, params: dict) -> dict:
        await self._payable(_account(params), _amount(params))
        return {"allow": True}

    async def create(self, params: dict) -> dict:
        txid, time = _string(params, "id"), _integer(params, "time")
        amount, order_id = _amount(params), _account(params)
        batch = Batch(self.redis)  # the transaction, and the order a new one would be for: one round trip
        read = (batch.command("HGETALL", self._key("tx", txid)), self.ledger.stage_order(batch, order_id),
                self.ledger.stage_payments(batch, order_id))
        await batch.send()
        known, order, payments = (answer.value for answer in read)
        stored = await self._transaction(txid, known)
        if stored is None:
            if self.clock.ms() - time >= TIMEOUT_MS:
                raise PaymeError(CANNOT_PERFORM)
            await self._payable(order_id, amount, order, payments)
            stored = await self._open(txid, time, amount, order_id)
        tx, pay = stored
        if _state(pay) != 1 or await self._expire_if_late(tx, pay):
            raise PaymeError(CANNOT_PERFORM)
        return {"create_time": pay["at"], "transaction": tx["transaction"], "state": 1}

    async def perform(self, params: dict) -> dict:
        tx, pay = await self._existing(_string(params, "id"))
        if _state(pay) == 1:
            if await self._expire_if_late(tx, pay):
                raise PaymeError(CANNOT_PERFORM)
            claimed = await self.ledger.claim(tx["order_id"], PROVIDER, tx["id"], int(tx["amount"]), CURRENCY)
            if claimed.outcome not in ("paid", "duplicate"):
                raise PaymeError(CANNOT_PERFORM)  # paid by someone else meanwhile: Payme will cancel
            pay = claimed.payment or await self._payment(tx)  # as the claim stored it
        if _state(pay) != 2:
            raise PaymeError(CANNOT_PERFORM)
        if self.on_paid:  # on every performed answer, a resend too: it repairs a cut before the hook finished
            await self.on_paid(tx["order_id"], pay)
        return {"transaction": tx["transaction"], "perform_time": pay["settled_at"], "state": 2}

    async def cancel(self, params: dict) -> dict:
        txid, reason = _string(params, "id"), params.get("reason")
        # Payme sends an integer (1.0 == 1 would pass `in`); a wrong type is -32600 in Payme's error table
        # (developer.help.paycom.uz/metody-merchant-api/oshibki-errors)
        if type(reason) is not int or reason not in REASONS:
            raise PaymeError(INVALID_REQUEST)
        tx, pay = await self._existing(txid)
        if _state(pay) == 1:
            await self._set_reason(tx, reason)
            await self.ledger.fail(tx["order_id"], PROVIDER, txid, canceled=True)
            pay = await self._payment(tx)  # performed meanwhile? then it is refunded below
        if _state(pay) == 2:
            order = await self.ledger.order(tx["order_id"])
            if order.delivered and order.paid_by == f"{PROVIDER}:{txid}" and not await self._agreed(tx, txid):
                raise PaymeError(CANNOT_CANCEL)  # the goods went out: only a refund the shop agreed to
            await self._set_reason(tx, reason)
            await self.ledger.refund(tx["order_id"], PROVIDER, txid, pay["amount"])
            pay = await self._payment(tx)
        if _state(pay) == -2 and self.on_refunded is not None:
            await self.on_refunded(tx["order_id"])
        tx = await self._load(txid)
        return {"transaction": tx["transaction"], "cancel_time": _cancel_time(pay), "state": _state(pay)}

    async def _agreed(self, tx: dict, txid: str) -> bool:
        return self.refund_agreed is not None and await self.refund_agreed(tx["order_id"], txid)

    async def check(self, params: dict) -> dict:
        tx, pay = await self._existing(_string(params, "id"))
        return _check_result(tx, pay)

    async def statement(self, params: dict) -> dict:
        start, end = _integer(params, "from"), _integer(params, "to")
        found = []
        for txid in await self.redis.zrangebyscore(self._key("statement"), start, end):
            stored = await self._transaction(txid)
            if stored is None:  # still being created
                continue
            tx, pay = stored
            found.append({"id": tx["id"], "time": int(tx["time"]), "amount": int(tx["amount"]),
                          "account": {ACCOUNT_FIELD: tx["order_id"]}, **_check_result(tx, pay), "receivers": None})
        return {"transactions": found}

    async def set_fiscal_data(self, params: dict) -> dict:
        txid, kind, data = _string(params, "id"), params.get("type"), params.get("fiscal_data")
        if kind not in ("PERFORM", "CANCEL") or not isinstance(data, dict):
            raise PaymeError(INVALID_REQUEST)
        await self._existing(txid)
        await self.redis.hset(self._key("tx", txid), f"fiscal_{kind.lower()}", json.dumps(data, sort_keys=True))
        return {"success": True}

    # what they share -----------------------------------------------------------------------------------
    async def _payable(self, order_id: str, amount: int, order=None, payments: list | None = None) -> None:
        """Payme's own order: unknown order, wrong amount, order closed, another transaction in progress.
        `order` and `payments`: the order and its payments as the caller read them (else read here, at once)."""
        if payments is None:
            batch = Batch(self.redis)
            read = self.ledger.stage_order(batch, order_id), self.ledger.stage_payments(batch, order_id)
            await batch.send()
            order, payments = (answer.value for answer in read)
        if order is None:
            raise account_error(ORDER_NOT_FOUND)
        if order.prices.get(CURRENCY) != amount:  # the order's price in sum (tiyin), whatever else it has
            raise PaymeError(WRONG_AMOUNT)
        if order.paid_by or order.status == "canceled":
            raise account_error(ORDER_CLOSED)
        for pay in payments:
            if pay["provider"] == PROVIDER and pay["status"] == "pending":
                tx = await self._load(pay["ref"])
                if tx and not await self._expire_if_late(tx, pay):
                    raise account_error(ORDER_BUSY)

    async def _open(self, txid: str, time: int, amount: int, order_id: str) -> tuple[dict, dict]:
        # Two atomic steps, each repeatable: the transaction record (one script: number, fields, statement
        # entry), then the ledger's attempt, in one pipeline (in that order). Not one script: the ledger keeps
        # each order in its own hash slot, while Payme's statement spans orders. A cut between them (a
        # connection lost mid-pipeline) leaves a record without a payment, which every reader skips and
        # Payme's resend completes. Both answer with what they stored: nothing is read back.
        batch = Batch(self.redis)
        recorded = batch.script(self._record, [self._key("tx", txid), self._key("statement"), self._key("sequence")],
                                [txid, time, amount, order_id], parse=lambda flat: dict(zip(flat[::2], flat[1::2])))
        attempted = self.ledger.stage_apply(batch, "attempt", order_id, PROVIDER, txid, amount, CURRENCY)
        await batch.send()
        attempt, tx = attempted.value, recorded.value
        if attempt.outcome in ("already_paid", "canceled", "wrong_amount"):  # lost a race since _payable
            raise account_error(ORDER_CLOSED)
        if tx["order_id"] != order_id:  # the id was recorded for another order: its own payment, as stored
            return await self._existing(txid)
        if attempt.payment is None:
            raise PaymeError(NOT_FOUND)
        return tx, attempt.payment

    async def _expire_if_late(self, tx: dict, pay: dict) -> bool:
        """Payme's 12-hour rule on the lab clock: a stale created transaction is cancelled with reason 4."""
        if _state(pay) != 1 or self.clock.ms() - pay["at"] <= TIMEOUT_MS:
            return False
        await self._set_reason(tx, REASON_TIMEOUT)
        await self.ledger.fail(tx["order_id"], PROVIDER, tx["id"], canceled=True)
        return True

    async def _set_reason(self, tx: dict, reason: int) -> None:
        await self.redis.hsetnx(self._key("tx", tx["id"]), "reason", reason)  # the first cancel's reason stays

    async def _existing(self, txid: str) -> tuple[dict, dict]:
        stored = await self._transaction(txid)
        if stored is None:
            raise PaymeError(NOT_FOUND)
        return stored

    async def _transaction(self, txid: str, known: dict | None = None) -> tuple[dict, dict] | None:
        """The transaction and its payment; `known`: its hash as the caller read it (else read here)."""
        tx = await self._load(txid) if known is None else (known if "order_id" in known else None)
        if tx is None:
            return None
        pay = await self._payment(tx)
        return (tx, pay) if pay else None

    async def _load(self, txid: str) -> dict | None:
        tx = await self.redis.hgetall(self._key("tx", txid))
        return tx if "order_id" in tx else None

    async def _payment(self, tx: dict) -> dict | None:
        return await self.ledger.payment(tx["order_id"], PROVIDER, tx["id"])

    def _key(self, *parts: str) -> str:
        # one hash tag for Payme's records (a transaction, the sequence and the statement go in one script)
        return self.ledger.keys.key(tag(PROVIDER), *parts)


def _state(pay: dict) -> int:
    if pay["status"] == "pending":
        return 1
    if pay["status"] == "succeeded":
        return -2 if pay["refunded"] >= pay["amount"] else 2
    return -1


def _cancel_time(pay: dict) -> int:
    return {-1: pay.get("closed_at", 0), -2: pay.get("refunded_at", 0)}.get(_state(pay), 0)


def _check_result(tx: dict, pay: dict) -> dict:
    state = _state(pay)
    return {"create_time": pay["at"], "perform_time": pay.get("settled_at", 0), "cancel_time": _cancel_time(pay),
            "transaction": tx["transaction"], "state": state,
            "reason": _stored_reason(tx["reason"]) if state < 0 and "reason" in tx else None}


def _stored_reason(stored: str) -> int:
    """A reason as kept; before reasons were checked, 1.0 was kept as "1.0": it reads as 1, and anything
    else unreadable as 10 (unknown), so CheckTransaction and GetStatement keep answering."""
    try:
        reason = int(float(stored))
    except (ValueError, OverflowError):
        return REASON_UNKNOWN
    return reason if reason in REASONS else REASON_UNKNOWN


def _echoable(request_id) -> bool:
    """Ids Payme sends are numbers; a string one is echoed too if UTF-8 can carry it."""
    return request_id is None or type(request_id) is int or is_unicode(request_id)


def _string(params: dict, name: str) -> str:
    value = params.get(name)
    if not is_unicode(value) or not 0 < len(value) <= 64:
        raise PaymeError(INVALID_REQUEST)
    return value


def _integer(params: dict, name: str) -> int:
    value = params.get(name)
    if type(value) is not int or abs(value) > MAX_INTEGER:
        raise PaymeError(INVALID_REQUEST)
    return value


def _amount(params: dict) -> int:
    amount = _integer(params, "amount")
    if amount <= 0:
        raise PaymeError(WRONG_AMOUNT)
    return amount


def _account(params: dict) -> str:
    account = params.get("account")
    if not isinstance(account, dict):
        raise PaymeError(INVALID_REQUEST)
    order_id = account.get(ACCOUNT_FIELD)
    if type(order_id) is int and abs(order_id) <= MAX_INTEGER:
        order_id = str(order_id)
    if not is_unicode(order_id) or not 0 < len(order_id) <= 64 or any(c in order_id for c in "{}: "):
        raise account_error(ORDER_NOT_FOUND)  # the ledger's ids are 1-64 characters without these
    return order_id
