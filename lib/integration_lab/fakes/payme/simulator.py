"""Payme toward a merchant: JSON-RPC over POST with Basic auth, and Payme's own record of each transaction.

Payme checks, creates, performs, cancels (reason 3 when the merchant refuses to perform, 4 when a created
transaction outlives 12 hours, 5 for a refund), asks CheckTransaction, and reconciles its record with the
merchant's GetStatement. When an answer is lost, Payme sends the same request again. It can also call as
a broken or hostile caller would: another key, no credentials, wrong amounts, unknown orders, replays,
malformed bodies. The key is kept out of reprs.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

STATES = {1: "open", 2: "paid", -1: "canceled", -2: "refunded"}  # Payme's states in the ledger's words
TIMEOUT_MS = 43_200_000


@dataclass
class Record:
    """What Payme itself believes about one transaction."""
    id: str
    order_id: str
    amount: int
    time: int
    state: int = 0  # 0 until the merchant accepted CreateTransaction
    reason: int | None = None


@dataclass
class PaymeSimulator:
    http: httpx.AsyncClient
    url: str
    key: str = field(repr=False)
    clock: Any = field(repr=False)
    ids: Any = field(repr=False)
    records: dict[str, Record] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    _request_id: int = 0

    # the wire ---------------------------------------------------------------------------------------
    def authorization(self, key: str | None = None, login: str = "Paycom") -> str:
        return "Basic " + base64.b64encode(f"{login}:{self.key if key is None else key}".encode()).decode()

    async def call(self, method: str, params: dict, *, authorization: str | None = "default") -> dict:
        """One JSON-RPC request; `authorization=None` sends none, any other string replaces Payme's."""
        self._request_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._request_id, "method": method, "params": params})
        answer = await self.post(body.encode(), self.authorization() if authorization == "default" else authorization)
        self._log(method, params, answer)
        return answer

    async def post(self, body: bytes, authorization: str | None, verb: str = "POST") -> dict:
        headers = {"content-type": "application/json"}
        if authorization is not None:
            headers["authorization"] = authorization
        response = await self.http.request(verb, self.url, content=body, headers=headers)
        if response.status_code != 200:
            raise AssertionError(f"Payme expects HTTP 200 for every answer, got {response.status_code}")
        return response.json()

    def _log(self, method: str, params: dict, answer: dict) -> None:
        error = answer.get("error")
        result = answer.get("result") or {}
        self.calls.append({"method": method, "id": params.get("id", ""), "code": error["code"] if error else 0,
                           "state": result.get("state", ""), "answer": (error or {}).get("message", {}).get("en", "")
                           or _brief(result)})

    # Payme's methods ------------------------------------------------------------------------------------
    async def check_perform(self, order_id: str, amount: int, **kw) -> dict:
        return await self.call("CheckPerformTransaction", {"amount": amount, "account": {"order_id": order_id}}, **kw)

    async def create(self, order_id: str, amount: int, txid: str | None = None, time: int | None = None,
                     **kw) -> tuple[str, dict]:
        txid = txid or self.ids.hex(24)
        time = self.clock.ms() if time is None else time
        record = self.records.setdefault(txid, Record(txid, order_id, amount, time))
        answer = await self.call("CreateTransaction", {"id": txid, "time": time, "amount": amount,
                                                       "account": {"order_id": order_id}}, **kw)
        self._learn(record, answer)
        return txid, answer

    async def perform(self, txid: str, **kw) -> dict:
        return self._learn(self.records.get(txid), await self.call("PerformTransaction", {"id": txid}, **kw))

    async def cancel(self, txid: str, reason: int, **kw) -> dict:
        return self._learn(self.records.get(txid), await self.call("CancelTransaction", {"id": txid, "reason": reason},
                                                                   **kw))

    async def check(self, txid: str, **kw) -> dict:
        return self._learn(self.records.get(txid), await self.call("CheckTransaction", {"id": txid}, **kw))

    async def statement(self, start: int, end: int, **kw) -> dict:
        return await self.call("GetStatement", {"from": start, "to": end}, **kw)

    async def set_fiscal_data(self, txid: str, kind: str, fiscal_data: dict, **kw) -> dict:
        return await self.call("SetFiscalData", {"id": txid, "type": kind, "fiscal_data": fiscal_data}, **kw)

    def _learn(self, record: Record | None, answer: dict) -> dict:
        result = answer.get("result")
        if record is not None and isinstance(result, dict) and "state" in result:
            record.state = result["state"]
            record.reason = result.get("reason", record.reason)
        return answer

    # what Payme does end to end ---------------------------------------------------------------------------
    async def pay(self, order_id: str, amount: int, lose_answers: int = 0) -> tuple[str, dict]:
        """A buyer pays: check, create, perform. `lose_answers` answers to Create are lost and Payme retries.
        A refused perform is cancelled with reason 3 (execution error), as Payme does."""
        check = await self.check_perform(order_id, amount)
        if "error" in check:
            return "", check
        txid, time = self.ids.hex(24), self.clock.ms()
        for _ in range(lose_answers + 1):
            _, created = await self.create(order_id, amount, txid, time)
        if "error" in created:
            return txid, created
        performed = await self.perform(txid)
        if "error" in performed:
            await self.cancel(txid, 3)
        return txid, performed

    async def expire_stale(self) -> list[str]:
        """Payme's own sweep: created transactions older than 12 hours are cancelled with reason 4."""
        stale = [r.id for r in self.records.values() if r.state == 1 and self.clock.ms() - r.time > TIMEOUT_MS]
        for txid in stale:
            await self.cancel(txid, 4)
        return stale

    async def reconcile(self, start: int, end: int) -> list[dict]:
        """Payme's record beside the merchant's GetStatement: the rows where they differ."""
        answer = await self.statement(start, end)
        theirs = {t["id"]: t for t in (answer.get("result") or {}).get("transactions", [])}
        differences = []
        for txid, record in sorted(self.records.items()):
            if record.state == 0 or not start <= record.time <= end:
                continue
            merchant = theirs.get(txid)
            if merchant is None or merchant["state"] != record.state or merchant["amount"] != record.amount:
                differences.append({"id": txid, "payme": record.state, "merchant": merchant and merchant["state"]})
        return differences

    def statement_rows(self) -> list[dict]:
        """Payme's own statement for the ledger's reconciliation report."""
        return [{"provider": "payme", "ref": r.id, "order_id": r.order_id, "amount": r.amount,
                 "status": STATES[r.state]} for r in self.records.values() if r.state]


def _brief(result: dict) -> str:
    if "allow" in result:
        return "allow"
    if "transactions" in result:
        return f"{len(result['transactions'])} transactions"
    if "success" in result:
        return "success"
    return ""
