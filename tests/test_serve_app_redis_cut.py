"""`POST /_lab/redis` on a served `serve app`: cut Redis at an exact command, on the embedded fakeredis and
(when the suite runs with REDIS_URL) on the real server, and watch Payme's resend repair the cut."""

from __future__ import annotations

import json
import os

import pytest
from shop_process import PAYME_KEY, shop_process

from integration_lab.app.payments.payme_merchant import authorization


@pytest.fixture(scope="module")
def http():
    with shop_process(os.environ.get("REDIS_URL", "")) as client:
        yield client


def payme(http, method: str, params: dict) -> dict:
    body = json.dumps({"id": 1, "method": method, "params": params})
    return http.post("/payme", content=body, headers={"authorization": authorization(PAYME_KEY)}).json()


def test_fail_after_cuts_the_k_plus_first_command_and_the_resend_repairs_it(http):
    order = http.post("/_lab/orders", json={"amount": 500000, "currency": "UZS"}).json()["order_id"]
    now = http.post("/_lab/clock", json={"advance": 0}).json()["now_ms"]
    params = {"id": "6761ab0c1de7b1ed1ab0c0" + order[-2:], "time": now, "amount": 500000,
              "account": {"order_id": order}}
    # CreateTransaction makes two round trips (its reads, then the record and the ledger's attempt): the cut
    # lets the reads through and drops the connection before the writes
    assert http.post("/_lab/redis", json={"fail_after": 1}).json() == {"connected": False, "fail_after": 1}
    cut = payme(http, "CreateTransaction", params)
    assert cut["error"]["code"] == -32400  # Payme's internal error: Payme asks again
    assert http.get(f"/_lab/orders/{order}").status_code == 503  # still cut: every later command fails
    assert http.post("/_lab/redis", json={"connected": True}).json() == {"connected": True, "fail_after": None}
    created = payme(http, "CreateTransaction", params)
    assert created["result"]["state"] == 1, created
    assert payme(http, "PerformTransaction", {"id": params["id"]})["result"]["state"] == 2
    seen = http.get(f"/_lab/orders/{order}").json()
    assert seen["order"]["status"] == "paid" and len(seen["payments"]) == 1


@pytest.mark.parametrize("body", [{"fail_after": -1}, {"fail_after": 1.5}, {"fail_after": True},
                                  {"connected": "yes"}, {}, {"fail_after": 1, "connected": True}])
def test_the_control_refuses_what_it_cannot_mean(http, body):
    answer = http.post("/_lab/redis", json=body)
    assert answer.status_code == 400 and "error" in answer.json()
    assert http.get("/_lab/orders/none").status_code == 404  # still connected
