"""Payme's side of the wire (fakes/payme) toward a scripted merchant: what Payme sends when the merchant
refuses, and what its reconciliation reports. The real merchant is tested in test_payme_wire.py."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from integration_lab.fakes.payme.simulator import PaymeSimulator
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

KEY = "scripted-merchant-key"


class ScriptedMerchant:
    """Answers each Payme method from a script; records every request Payme sent."""

    def __init__(self, **answers):
        self.answers, self.requests = answers, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append((body["method"], body["params"], request.headers.get("authorization")))
        answer = self.answers.get(body["method"], {"result": {"state": 1}})
        if isinstance(answer, int):
            return httpx.Response(answer, text="oops")
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], **answer})


def payme(merchant: ScriptedMerchant) -> PaymeSimulator:
    http = httpx.AsyncClient(transport=httpx.MockTransport(merchant))
    return PaymeSimulator(http, "http://merchant.test/payme", KEY, FrozenClock("2026-01-05T09:00:00Z"), IdFactory(5))


def error(code: int, en: str) -> dict:
    return {"error": {"code": code, "message": {"ru": en, "uz": en, "en": en}, "data": "order_id"}}


async def test_payme_authenticates_as_paycom_with_the_cashbox_key_and_never_shows_it():
    merchant = ScriptedMerchant(CheckPerformTransaction={"result": {"allow": True}})
    sim = payme(merchant)
    await sim.check_perform("42", 500000)
    sent = merchant.requests[0][2]
    assert base64.b64decode(sent.removeprefix("Basic ")).decode() == f"Paycom:{KEY}"
    assert KEY not in repr(sim)
    assert sim.calls == [{"method": "CheckPerformTransaction", "id": "", "code": 0, "state": "", "answer": "allow"}]


async def test_a_refused_check_stops_the_payment_before_any_transaction():
    merchant = ScriptedMerchant(CheckPerformTransaction=error(-31050, "Order not found"))
    txid, answer = await payme(merchant).pay("404", 500000)
    assert (txid, answer["error"]["code"]) == ("", -31050)
    assert [m for m, _, _ in merchant.requests] == ["CheckPerformTransaction"]


async def test_a_refused_create_is_not_performed():
    merchant = ScriptedMerchant(CheckPerformTransaction={"result": {"allow": True}},
                                CreateTransaction=error(-31051, "Another transaction is open"))
    sim = payme(merchant)
    txid, answer = await sim.pay("42", 500000)
    assert answer["error"]["code"] == -31051 and sim.records[txid].state == 0
    assert [m for m, _, _ in merchant.requests] == ["CheckPerformTransaction", "CreateTransaction"]


async def test_a_refused_perform_is_cancelled_with_reason_3():
    merchant = ScriptedMerchant(CheckPerformTransaction={"result": {"allow": True}},
                                CreateTransaction={"result": {"transaction": "1", "state": 1}},
                                PerformTransaction=error(-31008, "Unable to perform"),
                                CancelTransaction={"result": {"transaction": "1", "state": -1}})
    sim = payme(merchant)
    txid, answer = await sim.pay("42", 500000)
    assert answer["error"]["code"] == -31008
    assert merchant.requests[-1][:2] == ("CancelTransaction", {"id": txid, "reason": 3})
    assert sim.records[txid].state == -1
    assert sim.statement_rows() == [{"provider": "payme", "ref": txid, "order_id": "42", "amount": 500000,
                                     "status": "canceled"}]


async def test_a_lost_create_answer_is_resent_with_the_same_id_and_time():
    merchant = ScriptedMerchant(CheckPerformTransaction={"result": {"allow": True}},
                                PerformTransaction={"result": {"transaction": "1", "state": 2}})
    sim = payme(merchant)
    txid, _ = await sim.pay("42", 500000, lose_answers=2)
    creates = [params for method, params, _ in merchant.requests if method == "CreateTransaction"]
    assert len(creates) == 3 and all(p == creates[0] for p in creates) and creates[0]["id"] == txid
    assert sim.records[txid].state == 2


async def test_reconciliation_reports_a_transaction_missing_from_the_merchants_statement():
    merchant = ScriptedMerchant(CheckPerformTransaction={"result": {"allow": True}},
                                PerformTransaction={"result": {"transaction": "1", "state": 2}},
                                GetStatement={"result": {"transactions": []}})
    sim = payme(merchant)
    txid, _ = await sim.pay("42", 500000)
    now = sim.clock.ms()
    assert await sim.reconcile(now - 1000, now + 1000) == [{"id": txid, "payme": 2, "merchant": None}]
    assert await sim.reconcile(now + 1, now + 1000) == []  # outside the window asked
    assert sim.calls[-1]["answer"] == "0 transactions"


async def test_fiscal_data_is_sent_as_payme_sends_it():
    merchant = ScriptedMerchant(SetFiscalData={"result": {"success": True}})
    sim = payme(merchant)
    await sim.set_fiscal_data("abc", "PERFORM", {"receipt_id": 7})
    assert merchant.requests[0][:2] == ("SetFiscalData", {"id": "abc", "type": "PERFORM",
                                                          "fiscal_data": {"receipt_id": 7}})
    assert sim.calls[-1]["answer"] == "success"


async def test_payme_refuses_a_merchant_that_answers_other_than_http_200():
    sim = payme(ScriptedMerchant(CheckTransaction=500))
    with pytest.raises(AssertionError, match="Payme expects HTTP 200 for every answer, got 500"):
        await sim.check("abc")
