"""Payme's and Click's requests to a merchant, built from the providers' documented formulas: shared by the
served journey tests and the Locust buyers, which act as those providers over plain HTTP (any client: these
only build bodies and headers).

Built here, not with the simulators in fakes/: a journey over HTTP must not lean on the lab's own code to
say what Payme or Click send.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from urllib.parse import urlencode

JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


def payme_request(key: str, method: str, params: dict, request_id: int = 1) -> tuple[bytes, dict]:
    """JSON-RPC 2.0 as Payme posts it, with `Authorization: Basic base64("Paycom:" + key)`."""
    auth = "Basic " + base64.b64encode(f"Paycom:{key}".encode()).decode()
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}).encode()
    return body, {**JSON, "authorization": auth}


def payme_transaction_id(seed: str) -> str:
    """A Payme-shaped transaction id (24 hex digits), the same for the same seed (an order id, say)."""
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


def click_request(step: str, trans: int, service_id: int, secret: str, order_id: str, amount: str,
                  prepare_id: int | str | None = None, sign_time: str | None = None) -> tuple[bytes, dict]:
    """Click SHOP-API prepare (action 0) or complete (action 1), form-encoded, signed with Click's MD5 formula:
    md5(click_trans_id + service_id + secret_key + merchant_trans_id [+ merchant_prepare_id] + amount + action
    + sign_time)."""
    if step not in ("prepare", "complete"):
        raise ValueError(f"a Click step is prepare or complete, not {step!r}")
    action = 0 if step == "prepare" else 1
    fields = {"click_trans_id": str(trans), "service_id": str(service_id), "click_paydoc_id": str(trans + 7),
              "merchant_trans_id": order_id, "amount": amount, "action": str(action), "error": "0",
              "error_note": "Success", "sign_time": sign_time or datetime.now().strftime("%Y-%m-%d %H:%M:%S")}
    middle = ""
    if prepare_id is not None:
        fields["merchant_prepare_id"] = middle = str(prepare_id)
    text = fields["click_trans_id"] + fields["service_id"] + secret + order_id + middle + amount + str(action) + \
        fields["sign_time"]
    fields["sign_string"] = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()  # Click's formula
    return urlencode(fields).encode(), dict(FORM)


def click_amount(tiyin: int) -> str:
    """Click's `amount`: sum with two decimals, 15_000_000 tiyin -> '150000.00'."""
    return f"{tiyin // 100}.{tiyin % 100:02d}"
