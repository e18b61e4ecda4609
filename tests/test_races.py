"""Races through our real handlers (runtime/interleave.py): the bot's cart under concurrent and late deliveries,
and every race of scenarios/races.py keeping its promises."""

from __future__ import annotations

import pytest

from integration_lab.runtime.interleave import Interleaving, watch_redis
from integration_lab.scenarios import races
from integration_lab.scenarios.telegram import shop_world

SCHEDULES = 12


async def cart_world(lab):
    world = await shop_world(lab, mode="manual", limits=False)
    watch_redis(lab.redis)
    return world


def buyer(lab) -> dict:
    return {"id": lab.ids.integer(100_000_000, 999_999_999), "first_name": "Ada"}


def update(world, user: dict, update_id: int, text: str) -> dict:
    return {"update_id": update_id, "message": world.people.send(user["id"], user, text)}


async def cart(world, user: dict) -> list[str]:
    return (await world.bot.sessions.get(user["id"])).data.get("cart", [])


async def test_a_buy_delivered_twice_at_once_adds_its_item_once_under_every_schedule(lab):
    # found by tests/test_races_properties.py: the bot read the session, then moved it and wrote the cart (three
    # round trips); a twin delivery reading before the first wrote added the item again (the buyer pays twice)
    world = await cart_world(lab)
    for seed in range(SCHEDULES):
        user = buyer(lab)
        await world.bot.handle(update(world, user, 10 * seed + 1, "/start"))
        buy = update(world, user, 10 * seed + 2, "/buy tea")
        results = await Interleaving(seed).run({"first": lambda: world.bot.handle(buy),
                                                "again": lambda: world.bot.handle(buy)})
        assert not any(r.error for r in results.values()), results
        assert await cart(world, user) == ["tea"], (seed, results)
    await world.close()


async def test_two_buys_at_once_both_land_under_every_schedule(lab):
    world = await cart_world(lab)
    for seed in range(SCHEDULES):
        user = buyer(lab)
        await world.bot.handle(update(world, user, 10 * seed + 1, "/start"))
        tea, mug = update(world, user, 10 * seed + 2, "/buy tea"), update(world, user, 10 * seed + 3, "/buy mug")
        results = await Interleaving(seed).run({"tea": lambda: world.bot.handle(tea),
                                                "mug": lambda: world.bot.handle(mug)})
        assert not any(r.error for r in results.values()), results
        assert sorted(await cart(world, user)) == ["mug", "tea"], (seed, results)  # neither lost
    await world.close()


async def test_a_late_redelivery_after_another_buy_adds_nothing(lab):
    world = await cart_world(lab)
    user = buyer(lab)
    await world.bot.handle(update(world, user, 1, "/start"))
    tea = update(world, user, 2, "/buy tea")
    await world.bot.handle(tea)
    await world.bot.handle(update(world, user, 3, "/buy mug"))
    await lab.redis.delete(world.bot.seen_key(tea))  # as if the cut came after the cart, before the mark
    handled = await world.bot.handle(tea)
    assert handled.reply == "Cart: tea, mug. Total 21.50 USD." and await cart(world, user) == ["tea", "mug"]
    await world.close()


async def test_a_cut_at_any_command_of_a_buy_then_the_redelivery_adds_its_item_once(lab):
    world = await cart_world(lab)
    cut = watch_redis(lab.redis)
    for k in range(12):
        user = buyer(lab)
        await world.bot.handle(update(world, user, 10 * k + 1, "/start"))
        buy = update(world, user, 10 * k + 2, "/buy tea")
        cut.fail_after(k)
        try:
            await world.bot.handle(buy)
        except Exception:  # noqa: BLE001  # the cut: Telegram redelivers
            pass
        cut.reconnect()
        await world.bot.handle(buy)
        assert await cart(world, user) == ["tea"], k
    await world.close()


async def test_a_cart_that_keeps_changing_fails_the_update_for_telegram_to_redeliver(lab, monkeypatch):
    from integration_lab.app.bot import shop_bot

    world = await cart_world(lab)
    user = buyer(lab)
    await world.bot.handle(update(world, user, 1, "/start"))
    store, transition = world.bot.sessions, world.bot.sessions.transition

    async def another_buy_first(user_id, event, update_id="", data=None, expected=None, **options):
        if expected is not None:  # every try, another update changes the cart in between
            await store.update(user_id, cart=[*expected.get("cart", []), "beans"])
        return await transition(user_id, event, update_id, data=data, expected=expected, **options)

    monkeypatch.setattr(store, "transition", another_buy_first)
    with pytest.raises(shop_bot.CartBusy):
        await world.bot.handle(update(world, user, 2, "/buy tea"))
    assert "tea" not in await cart(world, user)
    await world.close()


@pytest.mark.parametrize("race, options", [
    ("double-tap-pay", {"route": "stars", "pays": 2}), ("double-tap-pay", {"route": "stripe"}),
    ("last-unit", {}), ("stripe-event-twice", {}), ("payme-perform-resent", {}),
    ("redelivery", {"update": "payment"}), ("redelivery", {"update": "add-to-cart"}),
    ("redelivery", {"update": "checkout"}), ("two-drains", {})])
async def test_every_race_keeps_its_promises(lab, race, options):
    table = await races.sweep(lab, race, 3, **options)
    assert table["promises held"].all(), table.to_string()
    world = await races.play(lab, race, 5, **options)
    try:
        assert (await world.verdict())["held"].all()
        steps, lanes = world.steps_table(), world.lanes_table()
        assert len(steps) == lanes["steps"].sum() and (lanes["first step"] < lanes["last step"]).all()
        assert repr(races.lanes_picture(world, race)).startswith("<picture: ")
        assert "What holds." in repr(races.Story(race, options)) and len(world.chats()) > 0
        assert set(world.callbacks_table()["provider"]) <= {"Payme", "Click", "Stripe"}
        assert (await world.orders_table())["items"].tolist() == ["tea ×1"] * len(world.journey.orders)
    finally:
        await world.close()


async def test_an_unknown_race_or_update_is_refused(lab):
    with pytest.raises(ValueError, match="unknown race"):
        await races.play(lab, "rush-hour", 0)
    with pytest.raises(ValueError, match="unknown update"):
        await races.play(lab, "redelivery", 0, update="poll")
    with pytest.raises(ValueError, match="unknown race"):
        races.Story("rush-hour", {})


def test_an_answer_keeps_its_gist_across_runs():
    assert races.gist("Order 190762864-576963957: Green tea. Total 12.50 USD. Choose how to pay:") == \
        "Order …: Green tea"
    assert races.gist("Pay 12.50 USD by card with Stripe (payment pi_AdnsoVP6CEps); we will confirm") == \
        "Pay 12.50 USD by card with Stripe (payment pi_…)"
