"""The reconciliation report covers exactly the orders asked for, whichever providers paid them."""

from __future__ import annotations

from integration_lab.app.payments.reconciliation import reconcile
from integration_lab.scenarios.merchant import merchant_world

AMOUNT = 500000  # tiyin


async def _three_orders_three_providers(world):
    by_payme, by_click, by_stripe = [await world.order(AMOUNT) for _ in range(3)]
    _, performed = await world.payme.pay(by_payme, AMOUNT)
    assert performed["result"]["state"] == 2, performed
    _, _, completed = await world.click.pay(by_click, AMOUNT)
    assert completed["error"] == 0, completed
    _, refused = await world.payme.create(by_click, AMOUNT)  # Payme is told the order is taken: no row
    assert refused["error"]["code"] == -31052, refused
    await world.stripe.client.v1.payment_intents.create_async(params={
        "amount": AMOUNT, "currency": "uzs", "payment_method_types": ["card"], "confirm": True,
        "payment_method": "pm_card_visa", "metadata": {"order_id": by_stripe}})
    await world.stripe.deliver()
    return by_payme, by_click, by_stripe


async def test_each_order_s_report_holds_its_own_payments_only(lab):
    world = await merchant_world(lab, stripe=True)
    orders = await _three_orders_three_providers(world)
    for order, provider in zip(orders, ["payme", "click", "stripe"]):
        report = await world.reconciliation(order)
        assert report[["provider", "order_id", "ledger", "provider_says", "check"]].values.tolist() == \
            [[provider, order, "paid", "paid", "ok"]], report
    everything = await world.reconciliation(*orders)
    assert sorted(everything["provider"]) == ["click", "payme", "stripe"]
    assert set(everything["check"]) == {"ok"} and set(everything["order_id"]) == set(orders), everything


async def test_a_payment_only_the_provider_knows_is_still_reported_for_its_order(lab):
    world = await merchant_world(lab)
    paid, other = await world.order(AMOUNT), await world.order(AMOUNT)
    txid, _ = await world.payme.pay(paid, AMOUNT)
    stray = [{"provider": "click", "ref": "77", "order_id": paid, "amount": AMOUNT, "status": "paid"},
             {"provider": "click", "ref": "78", "order_id": other, "amount": AMOUNT, "status": "paid"},
             {"provider": "click", "ref": "79", "order_id": "not-asked", "amount": AMOUNT, "status": "paid"}]
    report = await reconcile(world.ledger, iter([paid]), world.payme.statement_rows() + stray)
    assert [[row["provider"], row["ref"], row["check"]] for row in report] == \
        [["click", "77", "missing in ledger"], ["payme", txid, "ok"]], report
    assert (await world.reconciliation(other)).empty
