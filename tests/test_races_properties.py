"""Property-based races (hypothesis): two or three buyers in a shop with scarce stock, whose updates our handlers
take at once, interleaved at every Redis command and every call to a fake in an order hypothesis draws
(runtime/interleave.py). Each phase runs at once: the buyers' Buy taps (some redelivered by Telegram while the
first delivery is still being handled, and two of a buyer's own), their Checkout presses (some redelivered),
their taps on a way to pay (some pressed twice), then the providers' notifications (Telegram's successful_payment
redelivered, Payme's PerformTransaction or Click's Complete resent, Stripe's events delivered twice) beside up to
two outbox drains, and last one to three drains at once with the goods due. Once everything due has been
delivered, the promises hold (scenarios.races.RaceWorld.verdict, the journey's invariants as the crash-point
sweep judges them): no order paid twice, a paid order's goods sent once and seen once in the chat, the ledger
agreeing with every provider's statement, stock never negative and every unit accounted for, and each order
holding exactly the items its buyer tapped."""

from __future__ import annotations

import asyncio
from collections import Counter

from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st

import integration_lab as il
from integration_lab.scenarios.races import race_world

BUYERS = ("Ada", "Bo", "Cy")
ROUTES = ("stars", "payme", "click", "stripe", "stripe_checkout")
SKUS = ("tea", "mug")
PHASES = ("taps", "checkout", "pay", "notify", "deliver")
MAX_DRAINS = 3


@st.composite
def plans(draw) -> dict:
    """The shop (buyers, teas on the shelf) and what each buyer does, with the duplicates, and the schedules."""
    buyers = {}
    for name in BUYERS[:draw(st.integers(2, 3))]:
        buyers[name] = {"taps": draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=2)),
                        "tap_twice": draw(st.lists(st.booleans(), min_size=2, max_size=2)),
                        "checkout_twice": draw(st.booleans()), "route": draw(st.sampled_from(ROUTES)),
                        "pay_taps": draw(st.integers(1, 2)), "notify": draw(st.integers(1, 2))}
    return {"teas": draw(st.integers(1, 2)), "buyers": buyers, "drains": draw(st.integers(0, MAX_DRAINS - 1)),
            "drains_after": draw(st.integers(1, MAX_DRAINS)),
            # per phase: the first choices spelled out (hypothesis shrinks them), the rest drawn from a seed
            "schedules": {phase: draw(st.lists(st.integers(0, 5), max_size=12)) for phase in PHASES},
            "seeds": {phase: draw(st.integers(0, 2**16)) for phase in PHASES}}


async def race(world, plan: dict, phase: str, lanes: dict) -> None:
    if not lanes:
        return
    done = await world.run(phase, lanes, plan["seeds"][phase], plan["schedules"][phase])
    note(f"{phase}: " + " | ".join(f"{lane}: {answer}" for lane, answer in done.answers.items()))
    note(f"  order of steps: {''.join(str(list(lanes).index(s.lane)) for s in done.interleaving.steps)}")
    for lane, result in done.results.items():  # a handler may answer a refusal, never crash
        assert result.error is None, f"{phase}: {lane} raised {result.error!r}"


def buyer_of(world, update: dict) -> str:
    return next(n for n, u in world.journey.users.items() if u["id"] == update["callback_query"]["from"]["id"])


def presses(world, update: dict, label: str, copies: int) -> dict:
    """`copies` deliveries of one button press (Telegram's redelivery while the first is handled)."""
    name = f"{buyer_of(world, update)}: {label} #{update['update_id'] % 1000}"
    return {name + (" again" if n else ""): (label, world.handles(update)) for n in range(copies)}


async def taps(world, plan: dict) -> None:
    """Every buyer's Buy taps at once (two of a buyer's own too); Telegram redelivers some of them."""
    for name, acts in plan["buyers"].items():
        for sku in acts["taps"]:
            world.press(name, f"buy:{sku}")
    lanes, tapped = {}, Counter()
    for update in await world.updates():
        name = buyer_of(world, update)
        twice = plan["buyers"][name]["tap_twice"][tapped[name]]
        tapped[name] += 1
        lanes.update(presses(world, update, update["callback_query"]["data"], 2 if twice else 1))
    await race(world, plan, "taps", lanes)


async def checkouts(world, plan: dict) -> dict[str, str]:
    """Every buyer presses Checkout at once (some redelivered); returns the orders that hold their stock."""
    for name in plan["buyers"]:
        world.press(name, "checkout")
    pressed, lanes = await world.updates(), {}
    for update in pressed:
        lanes.update(presses(world, update, "Checkout", 2 if plan["buyers"][buyer_of(world, update)]["checkout_twice"]
                             else 1))
    await race(world, plan, "checkout", lanes)
    await world.placed(pressed)
    orders = {}
    for order_id in world.journey.orders:
        record = await world.shop.parts.orders.get(order_id)
        if (await world.shop.ledger.order(order_id)).status == "awaiting_payment":
            orders[next(n for n, u in world.journey.users.items() if u["id"] == record.user_id)] = order_id
    event(f"{len(orders)} of {len(plan['buyers'])} orders open on {plan['teas']} teas")
    return orders


async def pays(world, plan: dict, orders: dict[str, str]) -> None:
    """A way to pay tapped once or twice by each buyer with an order, at once; then the providers tell us,
    some twice, while up to two outbox drains run."""
    for name in orders:
        for _ in range(plan["buyers"][name]["pay_taps"]):
            world.press(name, f"pay:{plan['buyers'][name]['route']}")
    lanes = {}
    for update in await world.updates():
        lanes.update(presses(world, update, update["callback_query"]["data"], 1))
    await race(world, plan, "pay", lanes)
    lanes = {}
    for name, order_id in orders.items():
        acts = plan["buyers"][name]
        lanes.update(await world.notifications(name, acts["route"], order_id, acts["notify"]))
        event(f"paid by {acts['route']}, told {acts['notify']}x")
    lanes.update(world.stripe_lanes())
    lanes.update({f"drain {n + 1}": ("drain", _drain(world)) for n in range(plan["drains"])})
    await race(world, plan, "notify", lanes)


async def delivers(world, plan: dict) -> None:
    """One to three outbox drains at once, with the goods and receipts due."""
    drains = {f"drain {n + 1}": ("drain", _drain(world)) for n in range(plan["drains_after"])}
    await race(world, plan, "deliver", drains)


async def play(plan: dict) -> None:
    lab = await il.setup("test/races-properties", seed=24)
    world = None
    try:
        world = await race_world(lab)
        await world.shelf("tea", plan["teas"])
        world.opening["tea"] = plan["teas"]
        for name, acts in plan["buyers"].items():  # one at a time: each buyer opens the shop and the catalog
            await world.journey.says(name, "/start")
            await world.journey.says(name, "/catalog")
            world.asked[name] = dict(Counter(acts["taps"]))
        await taps(world, plan)
        await pays(world, plan, await checkouts(world, plan))
        await delivers(world, plan)
        await world.journey.deliver()  # one at a time again: Stripe's retries, whatever the drains left
        verdict = await world.verdict()
        note((await world.invariants()).to_string())
        note((await world.orders_table()).to_string())
        note((await world.stock_table()).to_string())
        assert verdict["held"].all(), verdict[~verdict["held"]].to_string()
    finally:
        if world is not None:
            await world.close()
        await lab.backend.clean()
        await lab.close()


def _drain(world):
    async def drain():
        return await world.shop.outbox.drain()
    return drain


@settings(max_examples=100, deadline=None, derandomize=True, print_blob=True,
          phases=[Phase.explicit, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plans())
def test_any_interleaving_of_concurrent_updates_keeps_the_promises(plan):
    asyncio.run(play(plan))
