"""The Payme lifecycle notebook's cases: what Payme sends our endpoint in each, as the simulator's calls."""

from __future__ import annotations

import pandas as pd

from .merchant import HOURS_12, MerchantWorld

CASES = ("happy_path", "answer_lost", "timeout", "cancel_before_perform", "cancel_after_perform",
         "cancel_after_delivery", "second_transaction", "wrong_amount", "unknown_order", "bad_credentials")


async def run(world: MerchantWorld, case: str, order: str, amount: int) -> str:
    """Play one case against `order`; returns the Payme transaction id it is about ('' if none was made)."""
    payme = world.payme
    if case == "happy_path":
        return (await payme.pay(order, amount))[0]
    if case == "answer_lost":  # Payme got no answer to CreateTransaction and sends it again
        return (await payme.pay(order, amount, lose_answers=1))[0]
    if case == "wrong_amount":
        await payme.check_perform(order, amount + 100)
        return (await payme.create(order, amount - 100))[0]
    if case == "unknown_order":
        await payme.check_perform("999999", amount)
        return (await payme.create("999999", amount))[0]
    if case == "bad_credentials":
        await payme.check_perform(order, amount, authorization=payme.authorization("not-the-key"))
        await payme.check_perform(order, amount, authorization=payme.authorization(login="Uzcard"))
        await payme.check_perform(order, amount, authorization=None)
        return (await payme.create(order, amount, authorization=None))[0]
    await payme.check_perform(order, amount)
    txid, _ = await payme.create(order, amount)
    if case == "timeout":  # the buyer never confirms: 12 h later Perform is refused and the sweep cancels
        await world.lab.advance(HOURS_12 + 1)
        await payme.perform(txid)
        await payme.expire_stale()
    elif case == "cancel_before_perform":
        await payme.cancel(txid, 2)  # the debit failed
        await payme.perform(txid)
    elif case == "second_transaction":  # another Payme transaction for the same order while one is open
        await payme.create(order, amount)
        await payme.perform(txid)
    else:
        await payme.perform(txid)
        if case == "cancel_after_delivery":
            await world.ledger.deliver(order)
        await payme.cancel(txid, 5)  # a refund
        await payme.cancel(txid, 5)  # repeated: the same answer
    return txid


async def transaction_table(world: MerchantWorld, txid: str) -> pd.DataFrame:
    """CheckTransaction as Payme asks it, beside the state Payme itself recorded."""
    columns = ["answer", "state", "reason", "create_time", "perform_time", "cancel_time", "payme's record"]
    if not txid:
        return pd.DataFrame(columns=columns)
    answer, record = await world.payme.check(txid), world.payme.records[txid]
    if "error" in answer:
        row = {"answer": answer["error"]["code"], "state": "", "reason": "", "create_time": "", "perform_time": "",
               "cancel_time": ""}
    else:
        row = {"answer": "ok", **answer["result"]}
        row["reason"] = "" if row["reason"] is None else row["reason"]
    return pd.DataFrame([{**{c: row[c] for c in columns[:6]}, "payme's record": record.state}], columns=columns)


async def hostile(world: MerchantWorld, order: str, amount: int, txid: str) -> pd.DataFrame:
    """What a broken or hostile caller sends; every answer is Payme's own error, HTTP 200."""
    payme, right = world.payme, world.payme.authorization()
    sent = [
        ("not JSON", b"{'method': ", right, "POST"),
        ("a GET", b"", right, "GET"),
        ("params missing", b'{"id": 9, "method": "CheckTransaction"}', right, "POST"),
        ("unknown method", b'{"id": 9, "method": "ChargeTwice", "params": {}}', right, "POST"),
        ("id is a number", b'{"id": 9, "method": "PerformTransaction", "params": {"id": 12345}}', right, "POST"),
        ("amount as text", b'{"id": 9, "method": "CheckPerformTransaction", "params": {"amount": "500000", '
                           b'"account": {"order_id": "%s"}}}' % order.encode(), right, "POST"),
        ("order_id missing", b'{"id": 9, "method": "CheckPerformTransaction", "params": {"amount": %d, '
                             b'"account": {}}}' % amount, right, "POST"),
        ("unknown transaction", b'{"id": 9, "method": "PerformTransaction", "params": {"id": "%s"}}'
                                % (b"0" * 24), right, "POST"),
        ("cancel reason 7", b'{"id": 9, "method": "CancelTransaction", "params": {"id": "%s", "reason": 7}}'
                            % (txid or "x").encode(), right, "POST"),
        ("replayed with another key", b'{"id": 9, "method": "PerformTransaction", "params": {"id": "%s"}}'
                                      % (txid or "x").encode(), payme.authorization("guess"), "POST"),
    ]
    rows = []
    for what, body, authorization, verb in sent:
        answer = await payme.post(body, authorization, verb)
        rows.append({"request": what, "code": answer["error"]["code"], "en": answer["error"]["message"]["en"],
                     "data": answer["error"]["data"] or ""})
    return pd.DataFrame(rows, columns=["request", "code", "en", "data"])
