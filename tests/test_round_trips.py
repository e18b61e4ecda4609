"""Issue 24's round trips: what a buyer's steps cost in Redis round trips, and that the shop's own steps (the
first call, the pipelines, the update's last round trip) still leave Redis untouched or whole when the
connection drops at any of them, or inside a pipeline, and Telegram's redelivery repairs the cut."""

from __future__ import annotations

import json

import pytest
from redis.exceptions import RedisError

from integration_lab.scenarios.journeys import journey_world

# a shop buyer's Telegram steps: (what the buyer does, is the step cut in the sweep)
STEPS = [("says", "/start"), ("says", "/catalog"), ("says", "/buy tea"), ("presses", "Buy Lab mug"),
         ("presses", "Checkout"), ("presses", "Telegram Stars"), ("pays", "stars")]


async def _act(world, name: str, kind: str, what: str) -> None:
    """The buyer's action, without the bot hearing it yet (the caller syncs)."""
    user = world.user(name)
    if kind == "says":
        world.people.send(user["id"], user, what)
        return
    chat = world.telegram.default_bot.chats[user["id"]]
    if kind == "pays":  # Pay on the invoice; the pre-checkout query is answered here, uncut (it refuses on a cut)
        invoice = [m for m in chat.messages.values() if "invoice" in m.service][-1]
        world.people.pay(user["id"], user, invoice.message_id)
        await world.sync()
        return
    for message in reversed([m for m in chat.messages.values() if m.reply_markup]):
        for button in (b for row in message.reply_markup.get("inline_keyboard", []) for b in row):
            if button["text"].startswith(what) and "callback_data" in button:
                world.people.press(chat.id, user, message.message_id, button["callback_data"])
                return
    raise LookupError(what)


async def _journey(lab, cut_step: int | None = None, k: int = 0, within: int | None = None):
    """The whole journey; step `cut_step`'s handling meets a cut before its round trip k (inside it, after
    `within` commands of a pipeline), then Telegram redelivers. Returns what it left, and each step's commands."""
    await lab.backend.clean()
    world = await journey_world(lab)
    cut, commands = world.shop.cut, []
    try:
        for number, (kind, what) in enumerate(STEPS):
            await lab.advance(2)
            await _act(world, "Ada", kind, what)
            cut.log = []
            if number == cut_step:
                cut.fail_after(k, within)
            try:
                await world.sync()
            except RedisError:
                pass
            cut.reconnect()
            commands.append(cut.log)
            cut.log = None
            await world.sync()  # Telegram's redelivery of what was not confirmed
        await world.deliver()
        return await _facts(world), commands, cut.tripped
    finally:
        await world.close()


async def _facts(world) -> dict:
    user = world.user("Ada")
    chat = world.telegram.default_bot.chats[user["id"]]
    said = []
    for message in chat.messages.values():  # a reply sent again after a cut at the last round trip: once here
        if message.sender is world.telegram.default_bot.account and (not said or said[-1] != message.text):
            said.append(message.text)
    order_ids = await world.shop.parts.orders.of_buyer(user["id"])
    orders = [(o.status, o.paid_by.partition(":")[0], o.delivered) for o in
              [await world.shop.ledger.order(order_id) for order_id in order_ids]]
    session = await world.shop.bot.sessions.peek(user["id"])
    if "data" in session:  # the cart names the updates that put each item in: their ids are each run's own
        data = json.loads(session["data"])
        session["data"] = json.dumps({**data, "cart_updates": len(data.get("cart_updates", []))}, sort_keys=True)
    jobs = sorted((j["id"], j["state"]) for j in await world.shop.outbox.jobs())
    keys = sorted(world.lab.keys.strip(k) for k in await world.lab.backend.scan_keys())
    facts = json.dumps({"said": said, "orders": orders, "session": (session.get("state"), session.get("data")),
                        "stock": await world.shop.stock.levels(), "jobs": jobs, "keys": keys})
    for order_id in order_ids:  # each run draws its own ids
        facts = facts.replace(order_id, "<order>")
    for number, update_id in enumerate(sorted({int(k.rpartition(":")[2]) for k in keys if k.startswith("tg-update:")})):
        facts = facts.replace(f":{update_id}\"", f":<{number}>\"")  # tg-update:{<user>}:<n>
    return json.loads(facts.replace(str(user["id"]), "<user>"))


async def test_every_cut_of_a_shop_buyers_telegram_steps_is_repaired_by_the_redelivery(lab):
    reference, commands, _ = await _journey(lab)
    assert reference["orders"] == [["paid", "stars", True]] and len(reference["jobs"]) == 2
    cuts = [(step, k, within) for step, logged in enumerate(commands) for k, name in enumerate(logged)
            for within in [None, *range(1, name.count(";") + 1 if name.startswith("PIPELINE ") else 1)]]
    assert any(within for _, _, within in cuts)  # some steps' round trips are pipelines
    for step, k, within in cuts:
        facts, _, tripped = await _journey(lab, step, k, within)
        assert tripped, (STEPS[step], k, within)
        expected = reference
        if STEPS[step][1] == "/catalog":  # read-only: answered without Redis, and not remembered
            remembered = [sum(key.startswith("tg-update:") for key in f["keys"]) for f in (reference, facts)]
            assert remembered[1] in (remembered[0], remembered[0] - 1)
            facts["keys"] = [key for key in facts["keys"] if not key.startswith("tg-update:")]
            expected = {**reference, "keys": [key for key in reference["keys"] if not key.startswith("tg-update:")]}
        assert facts == expected, (STEPS[step], k, within, commands[step][k])


async def test_round_trips_per_step_of_a_shop_buyers_journey(lab):
    """What each Telegram step costs: one round trip first (bot_update.lua, with the chat's parked jobs
    counted beside it: another slot's key), one pipeline last (writes the reply did not wait for, then the
    update remembered); in between only what the step itself must ask."""
    _, commands, _ = await _journey(lab)
    assert [len(logged) for logged in commands] == [2, 2, 3, 3, 3, 4, 4], commands
    assert all(logged[0].startswith(("EVALSHA ", "EXISTS", "PIPELINE EVAL ")) for logged in commands), commands
    assert all(logged[-1] == "SET" or (logged[-1].startswith("PIPELINE ") and logged[-1].endswith(";SET"))
               for logged in commands)


@pytest.mark.parametrize("read_only", [True, False])
async def test_a_redis_outage_at_the_first_call_still_answers_a_read_only_command(lab, read_only):
    world = await journey_world(lab)
    try:
        user = world.user("Ada")
        world.people.send(user["id"], user, "/catalog" if read_only else "/start")
        world.shop.cut.disconnect()
        try:
            if read_only:
                await world.sync()
                assert world.shop.bot.log[-1].degraded and world.shop.bot.log[-1].reply.startswith("Catalog:")
                assert world.shop.bot.limiter.outage_decisions == {"open": 1, "closed": 0}
            else:
                with pytest.raises(RedisError):
                    await world.sync()
        finally:
            world.shop.cut.reconnect()
    finally:
        await world.close()
