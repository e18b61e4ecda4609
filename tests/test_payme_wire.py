"""Payme's Merchant API over HTTP against `python -m integration_lab serve app`: raw JSON-RPC bodies as Payme
sends them, the Basic header built here, and every method and error code checked on the wire."""

from __future__ import annotations

import base64
import json

import pytest
from shop_process import PAYME_KEY, open_order, redis_outage, shop_process, state

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

AUTH = "Basic " + base64.b64encode(f"Paycom:{PAYME_KEY}".encode()).decode()
CHECK_KEYS = {"create_time", "perform_time", "cancel_time", "transaction", "state", "reason"}


@pytest.fixture(scope="module")
def http():
    with shop_process() as client:
        yield client


def rpc(http, method: str, params: dict, auth: str | None = AUTH, request_id: int = 7) -> dict:
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
    return post(http, body.encode(), auth)


def post(http, body: bytes, auth: str | None = AUTH, verb: str = "POST") -> dict:
    headers = {"content-type": "application/json"} | ({"authorization": auth} if auth else {})
    answer = http.request(verb, "/payme", content=body, headers=headers)
    assert answer.status_code == 200  # Payme: every answer, error or not, is HTTP 200
    return answer.json()


def assert_error(answer: dict, code: int, data=None, request_id=7) -> None:
    assert set(answer) == {"id", "result", "error"} and answer["result"] is None, answer
    assert answer["id"] == request_id
    error = answer["error"]
    assert error["code"] == code, answer
    assert set(error["message"]) == {"ru", "uz", "en"} and all(error["message"].values())
    assert error["data"] == data


def now(http) -> int:
    return http.post("/_lab/clock", json={"advance": 0}).json()["now_ms"]


def created(http, order: str, txid: str, amount: int = 500000) -> dict:
    return rpc(http, "CreateTransaction", {"id": txid, "time": now(http), "amount": amount,
                                           "account": {"order_id": order}})


def test_the_happy_path_answers_each_method_with_payme_s_shapes(http):
    order = open_order(http)
    assert rpc(http, "CheckPerformTransaction", {"amount": 500000, "account": {"order_id": order}}) == \
        {"id": 7, "result": {"allow": True}}
    txid = "63f0c1a2b3c4d5e6f7a8b9c0"
    first = created(http, order, txid)
    assert set(first["result"]) == {"create_time", "transaction", "state"} and first["result"]["state"] == 1
    assert created(http, order, txid) == first  # a repeat answers the stored result
    performed = rpc(http, "PerformTransaction", {"id": txid})
    assert set(performed["result"]) == {"transaction", "perform_time", "state"}
    assert performed["result"]["state"] == 2 and performed["result"]["transaction"] == first["result"]["transaction"]
    assert rpc(http, "PerformTransaction", {"id": txid}) == performed
    check = rpc(http, "CheckTransaction", {"id": txid})["result"]
    assert set(check) == CHECK_KEYS
    assert (check["state"], check["reason"], check["cancel_time"]) == (2, None, 0)
    assert check["create_time"] == first["result"]["create_time"]
    assert check["perform_time"] == performed["result"]["perform_time"] >= check["create_time"]
    assert state(http, order)["order"]["status"] == "paid"
    assert rpc(http, "SetFiscalData", {"id": txid, "type": "PERFORM", "fiscal_data": {
        "receipt_id": 1, "status_code": 0, "fiscal_sign": "123", "qr_code_url": "https://ofd.soliq.uz/x"}}) == \
        {"id": 7, "result": {"success": True}}
    cancelled = rpc(http, "CancelTransaction", {"id": txid, "reason": 5})["result"]
    assert set(cancelled) == {"transaction", "cancel_time", "state"} and cancelled["state"] == -2
    assert rpc(http, "CancelTransaction", {"id": txid, "reason": 1})["result"] == cancelled  # the first reason stays
    assert rpc(http, "CheckTransaction", {"id": txid})["result"]["reason"] == 5
    assert state(http, order)["order"]["status"] == "refunded"


def test_get_statement_lists_transactions_by_payme_time(http):
    order = open_order(http)
    txid = "63f0c1a2b3c4d5e6f7a8b9c1"
    start = now(http)
    created(http, order, txid)
    found = rpc(http, "GetStatement", {"from": start, "to": now(http) + 1})["result"]["transactions"]
    mine = [t for t in found if t["id"] == txid]
    assert len(mine) == 1
    assert set(mine[0]) == {"id", "time", "amount", "account", "create_time", "perform_time", "cancel_time",
                            "transaction", "state", "reason", "receivers"}
    assert mine[0]["account"] == {"order_id": order} and mine[0]["state"] == 1 and mine[0]["amount"] == 500000
    earlier = rpc(http, "GetStatement", {"from": 0, "to": start - 1})["result"]["transactions"]
    assert txid not in [t["id"] for t in earlier]  # `from`/`to` bound Payme's `time`


def test_cancel_before_perform_then_perform_is_refused(http):
    order = open_order(http)
    txid = "63f0c1a2b3c4d5e6f7a8b9c2"
    created(http, order, txid)
    assert rpc(http, "CancelTransaction", {"id": txid, "reason": 3})["result"]["state"] == -1
    assert_error(rpc(http, "PerformTransaction", {"id": txid}), -31008)
    assert_error(created(http, order, txid), -31008)  # a cancelled transaction is not re-created
    check = rpc(http, "CheckTransaction", {"id": txid})["result"]
    assert (check["state"], check["reason"], check["perform_time"]) == (-1, 3, 0)
    assert state(http, order)["order"]["status"] == "awaiting_payment"


def test_the_12_hour_timeout_runs_on_the_lab_clock(http):
    order = open_order(http)
    txid = "63f0c1a2b3c4d5e6f7a8b9c3"
    created(http, order, txid)
    http.post("/_lab/clock", json={"advance": 12 * 3600 + 1})
    assert_error(rpc(http, "PerformTransaction", {"id": txid}), -31008)
    check = rpc(http, "CheckTransaction", {"id": txid})["result"]
    assert (check["state"], check["reason"]) == (-1, 4)
    stale_time = now(http) - 12 * 3600 * 1000 - 5
    assert_error(rpc(http, "CreateTransaction", {"id": "63f0c1a2b3c4d5e6f7a8b9c4", "time": stale_time,
                                                 "amount": 500000, "account": {"order_id": order}}), -31008)


def test_cancel_after_delivery_is_refused_with_31007(http):
    order = open_order(http)
    txid = "63f0c1a2b3c4d5e6f7a8b9c5"
    created(http, order, txid)
    rpc(http, "PerformTransaction", {"id": txid})
    assert http.post(f"/_lab/orders/{order}/deliver").json() == {"outcome": "delivered"}
    before = state(http, order)
    assert_error(rpc(http, "CancelTransaction", {"id": txid, "reason": 5}), -31007)
    assert state(http, order) == before


def test_account_errors_name_the_order_id_field(http):
    order = open_order(http)
    assert_error(rpc(http, "CheckPerformTransaction", {"amount": 500000, "account": {"order_id": "nope"}}),
                 -31050, "order_id")
    assert_error(rpc(http, "CheckPerformTransaction", {"amount": 500000, "account": {}}), -31050, "order_id")
    created(http, order, "63f0c1a2b3c4d5e6f7a8b9c6")
    assert_error(created(http, order, "63f0c1a2b3c4d5e6f7a8b9c7"), -31051, "order_id")  # one open at a time
    rpc(http, "PerformTransaction", {"id": "63f0c1a2b3c4d5e6f7a8b9c6"})
    assert_error(rpc(http, "CheckPerformTransaction", {"amount": 500000, "account": {"order_id": order}}),
                 -31052, "order_id")


def test_a_usd_order_or_another_amount_is_31001(http):
    assert_error(rpc(http, "CheckPerformTransaction", {"amount": 500000, "account": {"order_id":
                                                                                       open_order(http, 500000, "USD")}}),
                 -31001)
    order = open_order(http)
    for amount in (499999, 500001, -500000, 0):
        assert_error(rpc(http, "CheckPerformTransaction", {"amount": amount, "account": {"order_id": order}}), -31001)


@pytest.mark.parametrize("auth", [
    None, "Basic " + base64.b64encode(b"Paycom:wrong").decode(),
    "Basic " + base64.b64encode(f"Uzcard:{PAYME_KEY}".encode()).decode(),
    "Bearer " + base64.b64encode(f"Paycom:{PAYME_KEY}".encode()).decode(), "Basic !!!not-base64",
    "Basic " + base64.b64encode(b"Paycom:lab_payme_key_for_local_tests_only").decode(),  # the default, not ours
])
def test_anything_but_our_key_is_32504_and_changes_nothing(http, auth):
    order = open_order(http)
    before = state(http, order)
    for method, params in [("CheckPerformTransaction", {"amount": 500000, "account": {"order_id": order}}),
                           ("CreateTransaction", {"id": "63f0c1a2b3c4d5e6f7a8b9c8", "time": now(http),
                                                  "amount": 500000, "account": {"order_id": order}})]:
        assert_error(rpc(http, method, params, auth=auth), -32504)
    assert state(http, order) == before


def test_envelope_errors(http):
    assert_error(post(http, b"", verb="GET"), -32300, request_id=None)
    assert_error(post(http, b'{"id": 1, "method": '), -32700, request_id=None)
    assert_error(post(http, b"\xff\xfe"), -32700, request_id=None)
    assert_error(post(http, b'[1, 2]'), -32600, request_id=None)
    assert_error(post(http, b'{"id": 3, "method": "CheckTransaction"}'), -32600, request_id=3)
    assert_error(post(http, b'{"id": 4, "method": 5, "params": {}}'), -32600, request_id=4)
    assert_error(rpc(http, "ChargeTwice", {}), -32601, "ChargeTwice")


@pytest.mark.parametrize("method,params", [
    ("CreateTransaction", {"id": 123, "time": 1, "amount": 500000, "account": {"order_id": "1"}}),
    ("CreateTransaction", {"id": "a" * 24, "time": "now", "amount": 500000, "account": {"order_id": "1"}}),
    ("CheckPerformTransaction", {"amount": "500000", "account": {"order_id": "1"}}),
    ("CheckPerformTransaction", {"amount": 500000, "account": "1"}),
    ("CancelTransaction", {"id": "a" * 24, "reason": 7}),
    ("CancelTransaction", {"id": "a" * 24, "reason": True}),
    ("GetStatement", {"from": "yesterday", "to": 1}),
    ("SetFiscalData", {"id": "a" * 24, "type": "REFUND", "fiscal_data": {}}),
    ("PerformTransaction", {"id": ""}),
])
def test_missing_fields_and_wrong_types_are_32600(http, method, params):
    assert_error(rpc(http, method, params), -32600)


def test_unknown_transactions_are_31003(http):
    for method, params in [("PerformTransaction", {"id": "f" * 24}), ("CancelTransaction", {"id": "f" * 24, "reason": 1}),
                           ("CheckTransaction", {"id": "f" * 24}),
                           ("SetFiscalData", {"id": "f" * 24, "type": "PERFORM", "fiscal_data": {"a": 1}})]:
        assert_error(rpc(http, method, params), -31003)


def test_hostile_requests_change_no_state(http):
    order = open_order(http)
    txid = "63f0c1a2b3c4d5e6f7a8b9c9"
    created(http, order, txid)
    statement = rpc(http, "GetStatement", {"from": 0, "to": now(http) + 1})
    before = state(http, order)
    hostile = [
        rpc(http, "PerformTransaction", {"id": txid}, auth="Basic " + base64.b64encode(b"Paycom:guess").decode()),
        rpc(http, "CreateTransaction", {"id": "b" * 24, "time": now(http), "amount": 1, "account": {"order_id": order}}),
        rpc(http, "CreateTransaction", {"id": "b" * 24, "time": now(http), "amount": 500000,
                                        "account": {"order_id": "99999999"}}),
        rpc(http, "CancelTransaction", {"id": txid, "reason": 99}),
        post(http, b'{"id": 7, "method": "PerformTransaction", "params": {"id": ["' + txid.encode() + b'"]}}'),
    ]
    assert [a["error"]["code"] for a in hostile] == [-32504, -31001, -31050, -32600, -32600]
    assert state(http, order) == before
    assert rpc(http, "GetStatement", {"from": 0, "to": now(http) + 1}) == statement


def test_a_store_outage_is_32400_and_payme_may_ask_again(http):
    order = open_order(http)
    with redis_outage(http):
        assert_error(rpc(http, "CheckPerformTransaction", {"amount": 500000, "account": {"order_id": order}}), -32400)
    assert rpc(http, "CheckPerformTransaction", {"amount": 500000, "account": {"order_id": order}})["result"] == \
        {"allow": True}
