"""Click toward a merchant: form-encoded prepare (action 0) and complete (action 1), MD5-signed.

Click sends the amount in sum as a decimal string and signs exactly that string. When it could not take
the buyer's money it still sends complete, with `error < 0`, and expects the merchant to cancel (-9).
It can also send what a broken or hostile caller sends: another secret's signature, wrong amounts,
unknown orders, replays, missing fields and bodies that are no form at all. Secrets stay out of reprs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx

TASHKENT = timezone(timedelta(hours=5))  # sign_time is Click's local time; Uzbekistan keeps no DST


def click_sign(form: dict[str, Any], secret_key: str) -> str:
    """md5(click_trans_id + service_id + secret + merchant_trans_id [+ merchant_prepare_id] + amount + action
    + sign_time), written from Click's documentation apart from the merchant's own check on purpose."""
    parts = [form["click_trans_id"], form["service_id"], secret_key, form["merchant_trans_id"]]
    if str(form["action"]) == "1":
        parts.append(form["merchant_prepare_id"])
    parts += [form["amount"], form["action"], form["sign_time"]]
    # Click's protocol mandates MD5 for sign_string (as Click's own servers compute it)
    return hashlib.md5("".join(str(p) for p in parts).encode(), usedforsecurity=False).hexdigest()


def sums(tiyin: int) -> str:
    return f"{tiyin // 100}.{tiyin % 100:02d}"


@dataclass
class ClickSimulator:
    http: httpx.AsyncClient
    url: str  # the merchant's base, e.g. http://127.0.0.1:8000/click
    service_id: int
    secret_key: str = field(repr=False)
    clock: Any = field(repr=False)
    ids: Any = field(repr=False)
    records: dict[int, dict[str, Any]] = field(default_factory=dict)  # Click's own statement
    calls: list[dict[str, Any]] = field(default_factory=list)

    def form(self, action: int, click_trans_id: int, order_id: str, amount: str, prepare_id: Any = None,
             error: int = 0, secret_key: str | None = None) -> dict[str, Any]:
        form = {"click_trans_id": click_trans_id, "service_id": self.service_id,
                "click_paydoc_id": click_trans_id + 1_000_000_000, "merchant_trans_id": order_id, "amount": amount,
                "action": action, "error": error, "error_note": "Success" if error == 0 else "Payment failed",
                "sign_time": self.clock.now().astimezone(TASHKENT).strftime("%Y-%m-%d %H:%M:%S")}
        if action == 1:
            form["merchant_prepare_id"] = prepare_id
        form["sign_string"] = click_sign(form, self.secret_key if secret_key is None else secret_key)
        return form

    async def send(self, step: str, form: dict[str, Any] | bytes) -> dict[str, Any]:
        """POST one form (or raw bytes) to `<url>/<step>`; Click reads the JSON answer."""
        body = form if isinstance(form, bytes) else urlencode(form).encode()
        response = await self.http.post(f"{self.url}/{step}", content=body,
                                        headers={"content-type": "application/x-www-form-urlencoded"})
        answer = response.json()
        fields = form if isinstance(form, dict) else {}
        self.calls.append({"step": step, "click_trans_id": fields.get("click_trans_id", ""),
                           "order_id": fields.get("merchant_trans_id", ""), "amount": fields.get("amount", ""),
                           "error": answer.get("error"), "error_note": answer.get("error_note")})
        return answer

    async def prepare(self, order_id: str, amount: str, click_trans_id: int | None = None, **form) -> tuple[int, dict]:
        click_trans_id = click_trans_id or self.ids.integer(2_000_000_000, 2_999_999_999)
        answer = await self.send("prepare", self.form(0, click_trans_id, order_id, amount, **form))
        if answer.get("error") == 0:
            self.records[click_trans_id] = {"provider": "click", "ref": str(click_trans_id), "order_id": order_id,
                                            "amount": int(Decimal(amount) * 100), "status": "open"}
        return click_trans_id, answer

    async def complete(self, order_id: str, amount: str, click_trans_id: int, prepare_id: Any, error: int = 0,
                       **form) -> dict:
        answer = await self.send("complete", self.form(1, click_trans_id, order_id, amount, prepare_id, error, **form))
        record = self.records.get(click_trans_id)
        if record is not None:
            if error < 0 or answer.get("error") == -9:
                record["status"] = "canceled"
            elif answer.get("error") == 0:
                record["status"] = "paid"
            elif record["status"] == "open":  # the merchant refused: Click gives the buyer the money back
                record["status"] = "canceled"
        return answer

    async def pay(self, order_id: str, amount_tiyin: int, error: int = 0) -> tuple[int, dict, dict | None]:
        """A buyer pays: prepare, then complete (with Click's own `error` when it could not take the money)."""
        amount = sums(amount_tiyin)
        click_trans_id, prepared = await self.prepare(order_id, amount)
        if prepared.get("error") != 0:
            return click_trans_id, prepared, None
        completed = await self.complete(order_id, amount, click_trans_id, prepared["merchant_prepare_id"], error)
        return click_trans_id, prepared, completed

    def statement_rows(self) -> list[dict]:
        return [dict(r) for r in self.records.values()]
