"""Click's SHOP-API over HTTP against `python -m integration_lab serve app`: forms as Click posts them, each
signature computed here from Click's documented formula (not with the lab's code), and every error code."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import pytest
from shop_process import CLICK_SECRET, CLICK_SERVICE_ID, open_order, redis_outage, shop_process, state

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out


@pytest.fixture(scope="module")
def http():
    with shop_process() as client:
        yield client


def form(trans: int, order: str, amount: str, action: int, prepare_id=None, error: int = 0,
         secret: str = CLICK_SECRET, service_id: int = CLICK_SERVICE_ID) -> dict:
    fields = {"click_trans_id": str(trans), "service_id": str(service_id), "click_paydoc_id": str(trans + 7),
              "merchant_trans_id": order, "amount": amount, "action": str(action), "error": str(error),
              "error_note": "Success" if error == 0 else "Insufficient funds", "sign_time": "2026-01-05 14:00:00"}
    middle = ""
    if action == 1:
        fields["merchant_prepare_id"] = str(prepare_id)
        middle = str(prepare_id)
    text = (fields["click_trans_id"] + fields["service_id"] + secret + order + middle + amount + str(action)
            + fields["sign_time"])
    fields["sign_string"] = hashlib.md5(text.encode()).hexdigest()
    return fields


def send(http, step: str, fields: dict | bytes) -> dict:
    body = fields if isinstance(fields, bytes) else urlencode(fields).encode()
    answer = http.post(f"/click/{step}", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200
    return answer.json()


def prepared(http, order: str, trans: int, amount: str = "5000.00") -> int:
    answer = send(http, "prepare", form(trans, order, amount, 0))
    assert answer == {"click_trans_id": trans, "merchant_trans_id": order,
                      "merchant_prepare_id": answer["merchant_prepare_id"], "error": 0, "error_note": "Success"}
    assert isinstance(answer["merchant_prepare_id"], int)
    return answer["merchant_prepare_id"]


def test_prepare_then_complete_pays_the_order(http):
    order = open_order(http)
    prepare_id = prepared(http, order, 4001)
    assert prepared(http, order, 4001) == prepare_id  # a repeated prepare gets the same id
    done = send(http, "complete", form(4001, order, "5000.00", 1, prepare_id))
    assert done == {"click_trans_id": 4001, "merchant_trans_id": order, "merchant_confirm_id": prepare_id,
                    "error": 0, "error_note": "Success"}
    assert state(http, order)["order"]["paid_by"] == "click:4001"
    # Click resends complete (a lost answer): Already paid, as Click's own library answers
    assert send(http, "complete", form(4001, order, "5000.00", 1, prepare_id))["error"] == -4


def test_the_amount_is_hashed_as_sent_and_compared_exactly(http):
    order = open_order(http, 500050)
    assert prepared(http, order, 4002, "5000.5")
    assert send(http, "prepare", form(4003, order, "5000.501", 0))["error"] == -2
    assert send(http, "prepare", form(4004, order, "5000.49", 0))["error"] == -2


@pytest.mark.parametrize("error,note", [
    (-1, "SIGN CHECK FAILED!"), (-2, "Incorrect parameter amount"), (-3, "Action not found"),
    (-4, "Already paid"), (-5, "User does not exist"), (-6, "Transaction does not exist"),
    (-8, "Error in request from click"), (-9, "Transaction cancelled")])
def test_each_error_code_with_its_note_and_no_state_change(http, error, note):
    order = open_order(http)
    trans = 5000 - error
    if error == -4:
        prepare_id = prepared(http, order, trans)
        send(http, "complete", form(trans, order, "5000.00", 1, prepare_id))
    if error == -9:
        prepare_id = prepared(http, order, trans)
        assert send(http, "complete", form(trans, order, "5000.00", 1, prepare_id, error=-5017))["error"] == -9
    before = state(http, order)
    request = {
        -1: ("prepare", form(trans + 100, order, "5000.00", 0, secret="guessed")),
        -2: ("prepare", form(trans + 100, order, "4999.99", 0)),
        -3: ("prepare", form(trans + 100, order, "5000.00", 1, prepare_id=1)),
        -4: ("prepare", form(trans + 100, order, "5000.00", 0)),
        -5: ("prepare", form(trans + 100, "no-such-order", "5000.00", 0)),
        -6: ("complete", form(trans + 100, order, "5000.00", 1, prepare_id=99999)),
        -8: ("prepare", {k: v for k, v in form(trans + 100, order, "5000.00", 0).items() if k != "click_paydoc_id"}),
        -9: ("complete", form(trans, order, "5000.00", 1, prepare_id=prepare_id if error == -9 else 0)),
    }[error]
    answer = send(http, *request)
    assert (answer["error"], answer["error_note"]) == (error, note)
    assert answer.get("merchant_prepare_id", answer.get("merchant_confirm_id")) is None
    assert state(http, order) == before


def test_error_7_when_our_store_fails_then_click_may_retry(http):
    order = open_order(http)
    with redis_outage(http):
        answer = send(http, "prepare", form(6001, order, "5000.00", 0))
    assert (answer["error"], answer["error_note"]) == (-7, "Failed to update user")
    assert prepared(http, order, 6001)


@pytest.mark.parametrize("broken", [
    b"", b"\xff\xfe\x00", b"click_trans_id=1&service_id=2", b'{"click_trans_id": 1}',
    "amount=five", "click_trans_id=1_000", "sign_time=yesterday", "service_id=1", "amount=1e3",
    "merchant_trans_id=", "error=", "action=2"])
def test_malformed_requests_are_8_in_click_s_check_order(http, broken):
    order = open_order(http)
    if isinstance(broken, bytes):
        body = broken
    else:  # one field spoilt, the signature recomputed so that only the field is wrong
        name, value = broken.split("=", 1)
        fields = form(7001, order, "5000.00", 0)
        fields[name] = value
        fields["sign_string"] = hashlib.md5((fields["click_trans_id"] + fields["service_id"] + CLICK_SECRET
                                             + fields["merchant_trans_id"] + fields["amount"] + fields["action"]
                                             + fields["sign_time"]).encode()).hexdigest()
        body = urlencode(fields).encode()
    before = state(http, order)
    answer = send(http, "prepare", body)
    expected = -3 if broken == "action=2" else -8  # a well-formed but unknown action is -3
    assert answer["error"] == expected and answer["error_note"] == {-3: "Action not found",
                                                                    -8: "Error in request from click"}[expected]
    assert state(http, order) == before


def test_complete_for_another_order_s_prepare_is_6(http):
    first, second = open_order(http), open_order(http)
    prepare_id = prepared(http, first, 8001)
    assert send(http, "complete", form(8001, second, "5000.00", 1, prepare_id))["error"] == -6
    assert send(http, "complete", form(8002, first, "5000.00", 1, prepare_id))["error"] == -6


def test_only_post_is_accepted(http):
    assert http.get("/click/prepare").status_code == 405
