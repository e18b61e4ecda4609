"""Property-based journeys (hypothesis): two or three buyers, each with one or two orders, every order paid by
one of the five routes (sometimes twice: Stripe's webhook held back while the buyer pays another way, or two
Telegram invoices paid at once), their steps interleaved with each other and with troubles (a Telegram 5xx
storm or a flood of 429s while the outbox delivers, Stripe webhooks sent twice or out of order or failing,
Redis cut at command k of a Telegram payment's handling, the bot restarting, a buyer blocking the bot before
delivery and writing again, a /refund afterwards). Once everything due has been delivered, the money promises
hold for every order: at most one payment kept, a paid order's goods sent exactly once and seen once in the
chat, every extra payment given back (or, for a card paid through Telegram, which has no refund API, left
to support and the buyer told so), the ledger agreeing with each provider's statement, stock never negative
and never lost."""

from __future__ import annotations

import asyncio
from collections import Counter

import stripe
from hypothesis import HealthCheck, Phase, event, example, given, note, settings
from hypothesis import strategies as st

import integration_lab as il
from integration_lab.app.shop import CATALOG
from integration_lab.scenarios.journeys import ROUTE_BUTTONS, TELEGRAM_ROUTES, journey_world

BUYERS = ("Ada", "Bo", "Cy")
ROUTES = ("stars", "card", "payme", "click", "stripe")
SKUS = ("tea", "mug", "beans")
MUGS = CATALOG["mug"].stock - 1  # checkouts never run the shelf dry (a sold-out checkout is another test's)
SETTLE_ROUNDS = 12  # final rounds of: Telegram back up, providers act, Stripe retries fall due, outbox drains
SUPPORT = "will be refunded by our support team"  # a card payment through Telegram: no Bot API refund


# the program -------------------------------------------------------------------------------------------------
@st.composite
def orders_of(draw, buyer: str, mugs: list[int]) -> list[tuple]:
    """One buyer's own steps, in their order: per order, checkout, the payment(s), maybe trouble, maybe /refund."""
    steps: list[tuple] = []
    for i in range(draw(st.integers(1, 2))):
        skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=2))
        for n, sku in enumerate(skus):
            if sku == "mug":
                skus[n] = "mug" if mugs[0] > 0 else "tea"
                mugs[0] -= skus[n] == "mug"
        steps.append(("checkout", buyer, i, tuple(skus)))
        how = draw(st.sampled_from(["once", "once", "held-then", "both", "abandon"]))
        if how == "abandon":  # chooses a way to pay, never pays
            steps.append(("abandon", buyer, i, draw(st.sampled_from(ROUTES))))
        elif how == "both":  # two invoices of the same order, Pay pressed on both
            steps.append(("pay_both", buyer, i, draw(st.sampled_from(TELEGRAM_ROUTES)),
                          draw(st.sampled_from(TELEGRAM_ROUTES))))
        else:
            routes = (["stripe", draw(st.sampled_from(ROUTES[:-1]))] if how == "held-then"  # webhook held back
                      else [draw(st.sampled_from(ROUTES))])
            for n, route in enumerate(routes):
                held = how == "held-then" and n == 0
                if route == "stripe" and draw(st.booleans()):
                    steps.append(("stripe_fault", draw(st.sampled_from(["duplicate", "out_of_order", "fail"])),
                                  "payment_intent.succeeded", draw(st.integers(1, 2))))
                trouble = "none"
                if route in TELEGRAM_ROUTES:
                    trouble = draw(st.sampled_from(["none", "none", "cut", "restart"]))
                card = {"card": draw(st.sampled_from(["visa", "visa", "3ds", "declined"]))} if route == "stripe" else {}
                steps.append(("pay", buyer, i, route, {**card, "webhook": not held,
                                                      "cut_at": draw(st.integers(1, 12)) if trouble == "cut" else None,
                                                      "restart": trouble == "restart"}))
        if draw(st.integers(0, 3)) == 0:  # blocks the bot before delivery, writes /start again later
            steps += [("block", buyer), ("unblock", buyer)]
        if draw(st.integers(0, 2)) == 0:
            if draw(st.booleans()):
                steps.append(("stripe_fault", draw(st.sampled_from(["duplicate", "out_of_order"])),
                              "charge.refunded", 1))
            steps.append(("refund", buyer, i))
    return steps


@st.composite
def programs(draw) -> list[tuple]:
    """The buyers' steps merged in any order (each buyer's own order kept), troubles of the world between."""
    mugs = [MUGS]
    flows = [draw(orders_of(buyer, mugs)) for buyer in BUYERS[:draw(st.integers(2, 3))]]
    buyers = [flow[0][1] for flow in flows]
    steps: list[tuple] = []
    while any(flows):
        flow = draw(st.sampled_from([f for f in flows if f]))
        steps.append(flow.pop(0))
        trouble = draw(st.integers(0, 11))
        if trouble == 0:
            steps.append(("deliver",))
        elif trouble == 1:  # Telegram answers sendMessage with 5xx for a while, while the outbox delivers
            steps.append(("storm", draw(st.integers(1, 4)), draw(st.sampled_from([500, 502, 503]))))
        elif trouble == 2:  # the shop's own broadcast fills a chat's flood window: 429s while the outbox delivers
            steps.append(("flood", draw(st.sampled_from(buyers)), draw(st.integers(1, 5))))
        elif trouble == 3:
            steps.append(("restart",))
        elif trouble == 4:
            steps.append(("provider_refunds",))
    return steps


# playing it --------------------------------------------------------------------------------------------------
async def step(world, orders: dict, action: tuple) -> str:
    kind, args = action[0], action[1:]
    if kind == "checkout":
        buyer, i, skus = args
        orders[(buyer, i)] = await world.checks_out(buyer, *skus)
        return orders[(buyer, i)]
    if kind in ("pay", "pay_both"):
        buyer, i = args[:2]
        order_id = orders[(buyer, i)]
        route = args[2]
        if (await world.shop.ledger.order(order_id)).paid_by:  # it settled meanwhile: the shop says so, no invoice
            await world.presses(buyer, ROUTE_BUTTONS[route])
            assert world.shop.bot.log[-1].reply == f"Order {order_id} is already paid.", world.shop.bot.log[-1]
            return "already paid"
        if kind == "pay_both":
            return await world.pays_both(buyer, route, args[3])
        try:
            return await world.pays(buyer, route, order_id, **args[3])
        except stripe.CardError as declined:  # Stripe's answer to the buyer; the order stays unpaid
            return f"Stripe: {declined.user_message}"
    if kind == "abandon":
        buyer, i, route = args
        await world.presses(buyer, ROUTE_BUTTONS[route])
        return world.shop.bot.log[-1].reply
    if kind == "stripe_fault":
        fault, event_type, failures = args
        options = {"failures": failures} if fault == "fail" else {}
        world.stripe_fake.deliveries.faults.add(fault, event_type, times=1, **options)
        return "armed"
    if kind == "block":
        world.blocks(args[0])
        return "blocked"
    if kind == "unblock":
        await world.says(args[0], "/start")
        return "writes again"
    if kind == "refund":
        buyer, i = args
        await world.says(buyer, f"/refund {orders[(buyer, i)]}")
        return world.shop.bot.log[-1].reply
    if kind == "deliver":
        return _sent(await world.deliver())
    if kind == "storm":
        times, status = args
        world.telegram.faults.add("server_error", "sendMessage", times=times, status=status)
        sent = _sent(await world.deliver())
        world.telegram.faults.clear()  # the storm passes (a 5xx left over would only lose the bot's next reply)
        return sent
    if kind == "flood":
        buyer, count = args
        if buyer not in world.users or world.user(buyer)["id"] in world.telegram.default_bot.blocked_by:
            return "no chat to flood"  # the broadcast is the shop's own business, not the journey's
        await world.broadcast(buyer, count)
        return _sent(await world.deliver())
    if kind == "restart":
        await world.restart()
        return "restarted"
    if kind == "provider_refunds":
        return await world.provider_refunds()
    raise AssertionError(f"unknown step {action!r}")


def _sent(rows) -> str:
    return "nothing due" if rows.empty else ", ".join(f"{j} {o}" for j, o in zip(rows["job"], rows["outcome"]))


async def settle(world) -> None:
    """Telegram is back, every provider acts on what it was asked, every retry falls due: until nothing is."""
    world.telegram.faults.clear()
    for _ in range(SETTLE_ROUNDS):
        await world.provider_refunds()  # Payme's cancels, Stripe's due events, Telegram's updates
        await world.deliver()
        pending = world.stripe_fake.deliveries.next_due()
        due = [j for j in await world.shop.outbox.jobs() if j["state"] == "due"]
        if pending is None and not due and not await world.shop.parts.refunds.payme_requests():
            return
        if pending is not None:
            await world.lab.advance(max(1.0, pending - world.lab.clock.time()))
    raise AssertionError(f"still due after {SETTLE_ROUNDS} rounds: {await world.outbox()}")


async def check_promises(world, orders: dict) -> None:
    ledger, outbox = world.shop.ledger, world.shop.outbox
    statement = await world.statement()
    note(statement.to_string())
    transcripts = {name: [r["text"] for r in world.people.transcript(world.user(name)["id"])
                          if r["direction"] == "bot → user"] for name in world.users}
    for name, texts in transcripts.items():
        repeated = {t: n for t, n in Counter(texts).items() if n > 1 and t.startswith(("Your order ", "Receipt for"))}
        assert not repeated, f"{name} was shown goods or a receipt twice: {repeated}"

    for (buyer, _), order_id in orders.items():
        order, payments = await ledger.order(order_id), await ledger.payments(order_id)
        rows = statement[statement["order_id"] == order_id]
        kept = [p for p in payments if p["status"] == "succeeded" and p.get("refunded", 0) < p["amount"]]
        assert len(kept) <= 1, f"{order_id} kept {len(kept)} payments: {payments}"
        if order.status == "paid":
            assert [f"{p['provider']}:{p['ref']}" for p in kept] == [order.paid_by], (order, payments)
        else:
            assert not kept, (order, payments)

        goods = await outbox.job(f"{order_id}:goods")
        seen = transcripts[buyer].count(goods["text"]) if goods else 0
        if order.status == "paid":
            assert goods and goods["state"] in ("sent", "done"), f"{order_id} paid, goods {goods or 'never queued'}"
            assert seen == 1, f"{order_id} paid, goods seen {seen} times in {buyer}'s chat"
        elif order.status == "refunded":
            assert seen <= 1, f"{order_id} refunded, goods seen {seen} times"
        else:
            assert not goods and seen == 0, f"{order_id} {order.status}, yet goods {goods}"

        event(f"order ends {order.status}")
        if any(p["status"] == "refused" for p in payments):
            event(f"order paid twice, second by {[p['provider'] for p in payments if p['status'] == 'refused']}")
        for p in payments:  # every payment taken beyond the kept one is given back (or left to support, told)
            if p["status"] != "refused" or p.get("refunded", 0) >= p["amount"]:
                continue
            assert p["provider"] == "telegram", f"{order_id}: refused {p['provider']} payment not given back: {p}"
            told = [t for t in transcripts[buyer]
                    if t.startswith(f"Order {order_id} was already paid") and SUPPORT in t]
            assert told, f"{order_id}: refused card payment, the buyer was never told support refunds it"
        for _, row in rows.iterrows():
            support = row["provider"] == "telegram" and row["ledger"] == "refused" and row["provider_says"] == "paid"
            assert row["check"] == "ok" or support, f"statement disagrees:\n{rows.to_string()}"
        money_kept = rows[rows["provider_says"] == "paid"]
        assert len(money_kept) - sum(money_kept["ledger"] == "refused") <= 1, rows.to_string()

    levels = await world.shop.stock.levels()
    for sku, level in levels.items():
        assert all(v >= 0 for v in level.values()), f"{sku}: {level}"
        assert sum(level.values()) == CATALOG[sku].stock, f"{sku}: units appeared or vanished: {level}"
    invariants = await world.invariants()
    assert invariants["paid ⇒ delivered once"].all() and invariants.attrs["stock never negative"], \
        invariants.to_string()


async def play(program: list[tuple]) -> None:
    lab = await il.setup("test/journey-properties", seed=7)
    await lab.backend.clean()  # a fresh keyspace per example
    world = None
    try:
        world = await journey_world(lab)
        orders: dict[tuple[str, int], str] = {}
        for action in program:
            said = await step(world, orders, action)
            note(f"{action} -> {said}")
            event(f"step {action[0]}" + (f" {action[3]}" if action[0] == "pay" else ""))
            if action[0] == "pay" and (action[4]["cut_at"] or action[4]["restart"]):
                event("Telegram payment with a Redis cut or a restart")
        await settle(world)
        await check_promises(world, orders)
    finally:
        if world is not None:
            await world.close()
        await lab.backend.clean()
        await lab.close()


DECLINED_THEN_STARS = [  # found by this test: see the comment on the test
    ("checkout", "Ada", 0, ("tea",)),
    ("pay", "Ada", 0, "stripe", {"card": "declined", "webhook": True, "cut_at": None, "restart": False}),
    ("pay", "Ada", 0, "stars", {"webhook": True, "cut_at": None, "restart": False}),
]


# Found by this test and kept as a regression example: a Stripe card declined, then the order paid another way
# (or never). Stripe keeps the PaymentIntent open (requires_payment_method: the buyer may confirm it again);
# the reconciliation used to word the ledger's `failed` payment `canceled`, so the row read `differs`. It now
# reads `open` on both sides (app/payments/reconciliation.py).
# Shrinking is off so a failure is reported within the run's bound; the failing program is printed step by
# step with what each step answered.
@example(DECLINED_THEN_STARS)
@settings(max_examples=25, deadline=None, derandomize=True, print_blob=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_any_interleaving_of_journeys_keeps_the_money_promises(program):
    asyncio.run(play(program))
