"""Reconciliation: the ledger's payments set beside each provider's own statement, one row per payment.

Both sides are reduced to one vocabulary (open, paid, refunded, canceled, refused) so a row reads `ok`
when they agree, and otherwise says which side is missing or that they differ: the rows a team chases.
"""

from __future__ import annotations

from typing import Iterable

from .ledger import Ledger

COLUMNS = ["provider", "ref", "order_id", "amount", "ledger", "provider_says", "check"]


def ledger_status(payment: dict) -> str:
    status = payment["status"]
    if status in ("succeeded", "refused"):  # refused: taken from a paid order, so it must be given back
        if payment.get("refunded", 0) >= payment["amount"]:
            return "refunded"
        return "paid" if status == "succeeded" else "refused"
    # failed: a declined attempt; Stripe keeps its PaymentIntent open for another try (requires_payment_method)
    return {"pending": "open", "authorized": "open", "failed": "open"}.get(status, status)


async def reconcile(ledger: Ledger, order_ids: Iterable[str], statements: Iterable[dict]) -> list[dict]:
    """One row per payment, its fields COLUMNS. `statements`: the providers' rows as {provider, ref, order_id, amount, status} in the same vocabulary.
    Only the rows of `order_ids` are compared: a provider's statement covers every order it has seen."""
    order_ids = [str(o) for o in order_ids]
    ours = {}
    for order_id in order_ids:
        for pay in await ledger.payments(order_id):
            ours[(pay["provider"], pay["ref"])] = {"order_id": order_id, "amount": pay["amount"],
                                                   "ledger": ledger_status(pay)}
    wanted = set(order_ids)
    theirs = {(row["provider"], row["ref"]): row for row in statements if str(row["order_id"]) in wanted}
    rows = []
    for provider, ref in sorted(ours.keys() | theirs.keys()):
        mine, said = ours.get((provider, ref)), theirs.get((provider, ref))
        check = ("missing in ledger" if mine is None else "missing at provider" if said is None
                 else "ok" if mine["ledger"] == said["status"] and mine["amount"] == said["amount"] else "differs")
        source = mine or said
        rows.append({"provider": provider, "ref": ref, "order_id": source["order_id"], "amount": source["amount"],
                     "ledger": mine["ledger"] if mine else "", "provider_says": said["status"] if said else "",
                     "check": check})
    return rows
