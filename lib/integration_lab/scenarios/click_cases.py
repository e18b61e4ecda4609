"""The Click flow notebook's cases: what Click sends our prepare and complete endpoints in each."""

from __future__ import annotations

import pandas as pd

from ..fakes.click.simulator import sums
from .merchant import MerchantWorld

FORGED_KEY = "guessed-secret"  # a wrong key on purpose: these cases forge Click's signature
CASES = ("happy_path", "repeated", "forged_sign", "already_paid", "cancelled", "wrong_amount", "unknown_order")


async def run(world: MerchantWorld, case: str, order: str, amount: int) -> int | None:
    """Play one case against `order`; returns the click_trans_id it is about."""
    click, sum_text = world.click, sums(amount)
    if case == "forged_sign":  # someone without our secret key
        trans, _ = await click.prepare(order, sum_text, secret_key=FORGED_KEY)
        await click.complete(order, sum_text, trans, 1, secret_key=FORGED_KEY)
        return trans
    if case == "wrong_amount":
        trans, _ = await click.prepare(order, sums(amount - 100))
        return trans
    if case == "unknown_order":
        trans, _ = await click.prepare("999999", sum_text)
        return trans
    if case == "cancelled":  # Click could not take the money and says so on complete
        trans, _, _ = await click.pay(order, amount, error=-5017)
        await click.complete(order, sum_text, trans, 1)  # a later complete for it is refused
        return trans
    trans, prepared, _ = await click.pay(order, amount)
    if case == "repeated":  # both requests again, as Click resends when an answer is lost
        await click.prepare(order, sum_text, click_trans_id=trans)
        await click.complete(order, sum_text, trans, prepared["merchant_prepare_id"])
    if case == "already_paid":  # a second Click payment for the paid order
        await click.pay(order, amount)
    return trans


async def hostile(world: MerchantWorld, order: str, amount: int) -> pd.DataFrame:
    """Broken and hostile requests; each gets Click's own error, in Click's check order."""
    click, sum_text = world.click, sums(amount)
    fresh = 1_000_000_001
    good = click.form(0, fresh, order, sum_text)
    sent = [
        ("not a form", "prepare", b"\xff\xfe{json?"),
        ("sign_string missing", "prepare", {k: v for k, v in good.items() if k != "sign_string"}),
        ("amount is words", "prepare", click.form(0, fresh, order, "five thousand")),
        ("another service_id", "prepare", {**good, "service_id": 1}),
        ("sign from another secret", "prepare", click.form(0, fresh, order, sum_text, secret_key=FORGED_KEY)),
        ("amount changed after signing", "prepare", {**good, "amount": sums(amount + 100)}),
        ("complete sent to prepare", "prepare", click.form(1, fresh, order, sum_text, prepare_id=1)),
        ("unknown order", "prepare", click.form(0, fresh, "999999", sum_text)),
        ("unknown prepare id", "complete", click.form(1, fresh, order, sum_text, prepare_id=987654)),
    ]
    rows = []
    for what, step, form in sent:
        answer = await click.send(step, form)
        rows.append({"request": what, "step": step, "error": answer["error"], "error_note": answer["error_note"]})
    return pd.DataFrame(rows, columns=["request", "step", "error", "error_note"])
