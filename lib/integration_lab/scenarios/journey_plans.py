"""Whole journeys, as the notebooks run them: from /start to delivered by one way to pay, with one trouble on
the way (or none), and a refund after. Each returns a table: one row per step, what came of it.

Troubles, each where a team meets it:

    late-pre-checkout   our answer to the pre-checkout query reaches Telegram after its 10 s (a latency fault
                        on the wire): Telegram cancels, nothing is charged; the buyer tries again and pays
    paid-twice          Stripe's webhook is late, the buyer also pays in Stars: the ledger keeps the first to
                        settle and the other route gives the second back (or, `then` first, the reverse); on
                        a Stripe Checkout link with `then` stripe_checkout, two tabs: two links, both paid
    flood               the shop's broadcast fills the buyer's chat just before delivery: the outbox waits out
                        Telegram's retry_after, nothing lost, nothing sent twice
    blocked             the buyer blocks the bot after paying: the goods wait (parked) until they write again
    restart             the bot restarts between charging and settling: Telegram's unconfirmed update reaches
                        the new process, which settles and delivers once
    redis-cut           Redis drops before command `cut_at` of the payment's handling: the provider's resend
                        (Telegram's redelivery, Payme's retry) repairs it
    abandoned           the buyer never pays: when the checkout lapses its stock goes back on the shelf (a
                        Stripe Checkout link also expires after its hour, and the buyer is told)
    refund              after delivery the buyer sends /refund (Stars, Stripe, Payme with reason 5)
"""

from __future__ import annotations

import pandas as pd

from ..app.payments.stripe_checkout import LIFETIME
from .journeys import ROUTE_BUTTONS, STRIPE_ROUTES, JourneyWorld

TROUBLES = ("none", "late-pre-checkout", "paid-twice", "flood", "blocked", "restart", "redis-cut", "abandoned",
            "refund")
PRE_CHECKOUT_WINDOW = 10  # seconds Telegram waits for answerPreCheckoutQuery
HOLD_LAPSES = 901  # seconds: past the checkout's hold (the session's 15 minutes)


class Steps:
    def __init__(self, world: JourneyWorld):
        self.world, self.rows = world, []

    async def add(self, step: str, result: str) -> None:
        order = self.world.orders[-1] if self.world.orders else ""
        status = (await self.world.ledger(order))["status"].iloc[0] if order else ""
        self.rows.append({"step": step, "result": result, "order status": status})

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["step", "result", "order status"])


async def walk(world: JourneyWorld, route: str = "stars", trouble: str = "none", then: str = "stars",
               cut_at: int = 3, card: str = "visa", buyer: str = "Ada", skus: tuple[str, ...] = ("tea", "mug")
               ) -> pd.DataFrame:
    if trouble not in TROUBLES:
        raise ValueError(f"unknown trouble {trouble!r}; choose one of {', '.join(TROUBLES)}")
    steps = Steps(world)
    order = await world.checks_out(buyer, *skus)
    await steps.add("checkout", f"order {order}, {len(skus)} items held")
    if trouble == "abandoned":
        return await _abandon(world, steps, route, buyer)
    if trouble == "late-pre-checkout":
        world.telegram.faults.add("latency", "answerPreCheckoutQuery", seconds=PRE_CHECKOUT_WINDOW + 1)
        await steps.add(f"pay by {route}, our answer 11 s late", await world.pays(buyer, route, order, card))
        await steps.add("pay again", await world.pays_again(buyer, route))
    elif trouble == "paid-twice":
        await _pay_twice(world, steps, route, then, order, card, buyer)
    elif trouble == "redis-cut":
        await steps.add(f"pay by {route}, Redis cut before command {cut_at}",
                        await world.pays(buyer, route, order, card, cut_at=cut_at))
    elif trouble == "restart":
        await steps.add(f"pay by {route}, the bot restarts before settling",
                        await world.pays(buyer, route, order, card, restart=True))
    else:
        await steps.add(f"pay by {route}", await world.pays(buyer, route, order, card))
    if trouble == "flood":
        await steps.add("the shop broadcasts to the buyer", await world.broadcast(buyer, 3))
    if trouble == "blocked":
        world.blocks(buyer)
        await steps.add("the buyer blocks the bot", "blocked")
        await steps.add("the outbox tries", _sent(await world.deliver(rounds=1)))
        await world.says(buyer, "/start")
        await steps.add("the buyer writes again", "/start")
    await steps.add("delivery", _sent(await world.deliver()))
    if trouble == "refund":
        await world.says(buyer, "/refund")
        await steps.add("/refund", world.shop.bot.log[-1].reply)
        await steps.add("the provider refunds", await world.provider_refunds())
        await steps.add("the buyer is told", _sent(await world.deliver()))
    return steps.table()


async def _abandon(world: JourneyWorld, steps: Steps, route: str, buyer: str) -> pd.DataFrame:
    await world.presses(buyer, ROUTE_BUTTONS[route])
    await steps.add(f"chooses {route}, never pays", world.shop.bot.log[-1].reply)
    await world.advance(HOLD_LAPSES)
    released = await world.shop.stock.release_lapsed()
    await steps.add("the checkout lapses", f"stock released for {len(released)} order(s)")
    if route == "stripe_checkout":
        await world.advance(LIFETIME)  # past the link's expires_at
        await world.stripe_webhooks()  # Stripe expires the link and says so
        expired = [h["outcome"] for h in world.shop.webhooks.handled if h["type"] == "checkout.session.expired"]
        await steps.add("the Stripe link expires", f"webhook: {expired[-1] if expired else 'none yet'}")
        await steps.add("the buyer is told", _sent(await world.deliver()))
    return steps.table()


async def _pay_twice(world: JourneyWorld, steps: Steps, route: str, then: str, order: str, card: str,
                     buyer: str) -> None:
    """The first route's money moves but we do not hear of it yet; the buyer, waiting, pays by `then`."""
    if route == "stripe_checkout" and then == "stripe_checkout":  # two tabs: a second link, both paid
        await world.presses(buyer, ROUTE_BUTTONS[route])
        first = world.checkout_link(buyer)
        await world.presses(buyer, ROUTE_BUTTONS[route])
        await steps.add("two links, the first paid", await world.pays_on_checkout_page(buyer, card, link=first))
        await steps.add("the second paid too", await world.pays_on_checkout_page(buyer, card))
        await steps.add("Stripe's webhooks arrive", world.stripe_outcome())
        return
    if route in STRIPE_ROUTES:
        await steps.add(f"pay by {route}, webhook delayed", await world.pays(buyer, route, order, card, webhook=False))
        await steps.add(f"pay by {then}", await world.pays(buyer, then, order, card))
        await world.stripe_webhooks()
        await steps.add("Stripe's webhook arrives", world.stripe_outcome())
        return
    await steps.add(f"pay by {route} and {then} at once", await world.pays_both(buyer, route, then))


def _sent(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "nothing sent"
    return ", ".join(f"{job.split(':', 1)[1]} {outcome}" for job, outcome in zip(rows["job"], rows["outcome"]))


