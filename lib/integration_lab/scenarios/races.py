"""Races: two of our handlers at once, interleaved at every Redis command and every call to a fake.

`await race_world(lab)` is a buyer's-journey world (journeys.journey_world: the Telegram, Stripe, Payme and
Click fakes and our shop, in-process, every provider wired) whose Redis client and whose Telegram and Stripe
wires stop a handler before each command (runtime/interleave.py). A race sets its scene one step at a time as
the journeys do, then runs its handlers as lanes in the order a seed draws (`Interleaving`), then lets the
journey finish (the buyer pays, the outbox delivers), and is judged by the journey's invariants (the checks
the crash-point sweep and the Redis outage use: at most one payment kept, paid ⇒ goods sent once, the ledger
agreeing with each provider's statement, stock never negative), plus what a race can break beyond them: the
goods shown twice in the buyer's chat, units appearing or vanishing, an order other than the buyer asked for.

The races (`RACES`):

- double-tap-pay: the buyer presses a way to pay twice, two callback queries handled at once;
- last-unit: two buyers press Checkout at once for the last unit on the shelf;
- stripe-event-twice: Stripe delivers the same payment_intent.succeeded twice at once to our webhook;
- payme-perform-resent: Payme resends PerformTransaction while the first is still in flight;
- redelivery: Telegram delivers an update again while the first delivery is still being handled (the
  payment, a Buy button, Checkout);
- two-drains: two outbox drains at once (two workers, or a restart overlapping the old process).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..app.scripts import script_name
from ..app.shop import CATALOG
from ..fakes.click.simulator import sums
from ..notebook.picture import Picture
from ..runtime.interleave import GatedTransport, Interleaving, LaneResult, watch_redis
from .journeys import ROUTE_BUTTONS, JourneyWorld, journey_world

RACES = ("double-tap-pay", "last-unit", "stripe-event-twice", "payme-perform-resent", "redelivery", "two-drains")
REDELIVERED = ("payment", "add-to-cart", "checkout")  # which update Telegram delivers twice at once
KIND_COLOURS = {"redis": "tab:red", "http": "tab:blue"}
SHOWN = 16  # characters of a command shown in a picture's box


@dataclass
class Race:
    name: str
    lanes: dict[str, str]  # lane -> what it runs
    interleaving: Interleaving
    results: dict[str, LaneResult]
    answers: dict[str, str] = field(default_factory=dict)  # lane -> what its handler answered, in words


@dataclass
class RaceWorld:
    journey: JourneyWorld
    lab: Any = field(repr=False)
    race: Race | None = None  # the latest race
    races: list[Race] = field(default_factory=list)
    asked: dict[str, dict[str, int]] = field(default_factory=dict)  # buyer -> the items they put in their cart
    story: list[tuple[str, str]] = field(default_factory=list)  # around the race, one step at a time: (step, outcome)
    opening: dict[str, int] = field(default_factory=dict)  # units per sku once the scene was set

    @property
    def shop(self):
        return self.journey.shop

    # setting the scene (one step at a time) ------------------------------------------------------------------
    async def shelf(self, sku: str, units: int) -> None:
        """Leave `units` of `sku` on the shelf (scarce stock)."""
        levels = await self.shop.stock.levels()
        await self.shop.stock.add(sku, units - levels[sku]["available"])

    def press(self, name: str, data: str) -> dict:
        """The buyer presses the newest button carrying `data` in their chat; Telegram queues the update (no
        one handles it yet). Returns the callback query."""
        j = self.journey
        user = j.user(name)
        chat = j.telegram.default_bot.chats[user["id"]]
        for message in reversed([m for m in chat.messages.values() if m.reply_markup and not m.deleted]):
            if any(b.get("callback_data") == data for row in message.reply_markup.get("inline_keyboard", [])
                   for b in row):
                return j.people.press(user["id"], user, message.message_id, data)
        raise LookupError(f"no button {data!r} in {name}'s chat")

    async def updates(self) -> list[dict]:
        """What Telegram has queued for the bot, fetched (and confirmed) without handling it."""
        got = await self.shop.bot.api.get_updates(offset=self.journey.offset, timeout=0)
        if got:
            self.journey.offset = got[-1]["update_id"] + 1
        return got

    def handles(self, update: dict) -> Callable[[], Awaitable[str]]:
        """One delivery of `update` to the bot (as the webhook endpoint or a polling worker hands it over)."""
        async def handle() -> str:
            handled = await self.shop.bot.handle(update)
            return handled.reply if handled else "(a repeat: already handled, nothing done)"
        return handle

    async def placed(self, updates: list[dict]) -> list[str]:
        """The orders these Checkout presses opened (the bot names an order after its update), noted for the
        tables and the invariants; a press refused before the order opened opened none."""
        found = []
        for update in updates:
            order_id = f"{update['callback_query']['from']['id']}-{update['update_id']}"
            if order_id not in self.journey.orders and await self.shop.ledger.order(order_id) is not None:
                self.journey.orders.append(order_id)
                found.append(order_id)
        return found

    async def notifications(self, name: str, route: str, order_id: str, copies: int = 1) -> dict[str, tuple]:
        """The buyer pays `order_id` by `route` (the newest invoice or link the bot sent) up to the moment the
        provider tells us, one step at a time; returns the lanes that tell us: `copies` deliveries of the same
        notification (Telegram's successful_payment, Payme's PerformTransaction, Click's Complete). For the
        Stripe routes the events wait in the fake (`stripe_lanes`), with a second copy if `copies` is 2."""
        j, lanes = self.journey, {}
        price = (await self.shop.ledger.order(order_id)).prices
        if route in ("stars", "card"):
            user = j.user(name)
            chat = j.telegram.default_bot.chats[user["id"]]
            invoice = [m for m in chat.messages.values() if "invoice" in m.service][-1]
            checkout = j.people.pay(user["id"], user, invoice.message_id, order_info=j._order_info(route))
            await j.sync()  # the pre-checkout query, answered: Telegram charges only if we said yes
            if j.telegram.payments.refresh(checkout).status == "paid":
                update = (await self.updates())[-1]
                lanes = {f"{name}: successful_payment{_nth(n)}": ("successful_payment", self.handles(update))
                         for n in range(copies)}
        elif route == "payme":
            await j.payme.check_perform(order_id, price["UZS"])
            txid, created = await j.payme.create(order_id, price["UZS"])
            if "result" in created:
                lanes = {f"{name}: PerformTransaction{_nth(n)}": ("PerformTransaction", _payme(j, txid))
                         for n in range(copies)}
        elif route == "click":
            trans, prepared = await j.click.prepare(order_id, sums(price["UZS"]))
            if prepared.get("error") == 0:
                lanes = {f"{name}: Complete{_nth(n)}": ("Complete", _click(j, order_id, price["UZS"], trans,
                                                                         prepared["merchant_prepare_id"]))
                         for n in range(copies)}
        else:
            succeeded = "payment_intent.succeeded" if route == "stripe" else "checkout.session.completed"
            if copies == 2:
                j.stripe_fake.deliveries.faults.add("duplicate", succeeded, times=1)
            if route == "stripe":
                await j._pay_stripe(order_id, "visa", webhook=False)
            else:
                await j.pays_on_checkout_page(name, webhook=False)
        return lanes

    def stripe_lanes(self) -> dict[str, tuple]:
        """One lane per Stripe delivery due now (every copy of every event), each POSTed to our webhook."""
        fake = self.journey.stripe_fake
        return {f"Stripe: {fake.objects[d.event_id]['type']} #{d.seq}": (f"POST /stripe/webhook {d.event_id}",
                                                                        _stripe(self.journey, d))
                for d in fake.deliveries.due()}

    # the race -------------------------------------------------------------------------------------------------
    async def run(self, name: str, lanes: dict[str, tuple[str, Callable[[], Awaitable[Any]]]], seed: int,
                  schedule=()) -> Race:
        interleaving = Interleaving(seed, schedule)
        results = await interleaving.run({lane: start for lane, (_, start) in lanes.items()})
        sends = {lane: sum(s.lane == lane and s.command == "sendMessage" for s in interleaving.steps) for lane in lanes}
        self.race = Race(name, {lane: what for lane, (what, _) in lanes.items()}, interleaving, results,
                         {lane: _answer(r, sends[lane]) for lane, r in results.items()})
        self.races.append(self.race)
        self.story.append((f"the race: {' and '.join(lanes)} at once", f"{len(interleaving.steps)} steps"))
        return self.race

    async def then(self, step: str, outcome: Awaitable[Any]) -> None:
        """One step before or after the race (one at a time), noted for the story's table."""
        said = await outcome
        self.story.append((step, said if isinstance(said, str) else _answer(LaneResult("", said))))

    async def pays(self, name: str, route: str, order_id: str, invoices: int = 1) -> str:
        """The buyer pays what the bot sent them (the newest invoice or link, or the last `invoices` invoices)."""
        j = self.journey
        if route in ("stars", "card"):
            if invoices == 1:
                return await j._pay_invoice(name, route)
            user = j.user(name)
            chat = j.telegram.default_bot.chats[user["id"]]
            sent = [m for m in chat.messages.values() if "invoice" in m.service][-invoices:]
            checkouts = [j.people.pay(user["id"], user, m.message_id, order_info=j._order_info(route)) for m in sent]
            await j.sync()  # the pre-checkout queries
            await j.sync()  # the successful payments
            return "Telegram: " + ", ".join(j.telegram.payments.refresh(c).status for c in checkouts)
        price = (await self.shop.ledger.order(order_id)).prices
        if route == "payme":
            _, answer = await j.payme.pay(order_id, price["UZS"])
            return "Payme: " + ("performed" if "result" in answer else f"error {answer['error']['code']}")
        if route == "click":
            _, prepared, completed = await j.click.pay(order_id, price["UZS"])
            return f"Click: error {(completed or prepared)['error']}"
        if route == "stripe_checkout":
            return await j.pays_on_checkout_page(name)
        return await j._pay_stripe(order_id, "visa")

    # what a notebook prints --------------------------------------------------------------------------------
    def steps_table(self) -> pd.DataFrame:
        """Every step of the race in the order it ran: the lane, the command (a script by name), its key, and
        the lanes stopped beside it, waiting their turn."""
        rows = [{"step": s.n, "lane": s.lane, "command": _command(s.command), "key": self.lab.keys.strip(s.key),
                 "waiting": ", ".join(s.waiting)} for s in self.race.interleaving.steps]
        return pd.DataFrame(rows, columns=["step", "lane", "command", "key", "waiting"])

    def lanes_table(self) -> pd.DataFrame:
        """Each lane: what it ran, its first and last step (overlapping lanes ran at once), what it answered."""
        steps = self.race.interleaving.steps
        rows = [{"lane": lane, "runs": what, "first step": self.race.results[lane].first,
                 "last step": self.race.results[lane].last, "steps": sum(s.lane == lane for s in steps),
                 "calls to fakes": ", ".join(_command(s.command) for s in steps if s.lane == lane and s.kind == "http"),
                 "answered": self.race.answers[lane]} for lane, what in self.race.lanes.items()]
        return pd.DataFrame(rows, columns=["lane", "runs", "first step", "last step", "steps", "calls to fakes",
                                           "answered"])

    def story_table(self) -> pd.DataFrame:
        """The steps around the race that the story noted, in order, and what each came to."""
        return pd.DataFrame([{"step": step, "outcome": said} for step, said in self.story], columns=["step", "outcome"])

    def callbacks_table(self) -> pd.DataFrame:
        """What each provider sent our endpoints and what it was answered, in order per provider: Payme's JSON-RPC
        calls, Click's prepare and complete, Stripe's deliveries (with what our endpoint made of each)."""
        j = self.journey
        rows = [{"provider": "Payme", "request": c["method"], "answer": c["answer"] or f"state {c['state']}"}
                for c in j.payme.calls]
        rows += [{"provider": "Click", "request": c["step"], "answer": f"error {c['error']} ({c['error_note']})"}
                 for c in j.click.calls]
        rows += [{"provider": "Stripe", "request": f"{h['type']} {h['event']}", "answer": f"HTTP {h['status']}: "
                  f"{h['outcome']}"} for h in self.shop.webhooks.handled]
        return pd.DataFrame(rows, columns=["provider", "request", "answer"])

    def chats(self) -> pd.DataFrame:
        """Every buyer's chat, as they saw it (journeys.JourneyWorld.chat), one after the other."""
        tables = [self.journey.chat(name).assign(buyer=name) for name in self.journey.users]
        columns = ["buyer", "t (s)", "direction", "text", "buttons"]
        return pd.concat(tables, ignore_index=True)[columns] if tables else pd.DataFrame(columns=columns)

    async def orders_table(self) -> pd.DataFrame:
        """The ledger's orders, each with the items the shop recorded for it."""
        table = await self.journey.ledger()
        items = []
        for order_id in table["order"]:
            record = await self.shop.parts.orders.get(order_id)
            items.append(", ".join(f"{sku} ×{n}" for sku, n in record.items.items()) if record else "")
        table.insert(1, "items", items)
        return table

    async def stock_table(self) -> pd.DataFrame:
        return await self.journey.stock()

    async def invariants(self) -> pd.DataFrame:
        """The journey's invariants over every order (journeys.JourneyWorld.invariants, as the crash-point
        sweep and the outage judge them), with what a race may break beside: the goods message seen in the
        buyer's chat, the items as the buyer asked for them, every unit of stock accounted for."""
        table = await self.journey.invariants()
        seen, as_asked = [], []
        buyers = {str(user["id"]): name for name, user in self.journey.users.items()}
        for order_id in table["order"]:
            record = await self.shop.parts.orders.get(order_id)
            goods = await self.shop.outbox.job(f"{order_id}:goods")
            name = buyers.get(str(record.user_id), "") if record else ""
            texts = [r["text"] for r in self.journey.people.transcript(record.user_id)] if record else []
            seen.append(texts.count(goods["text"]) if goods else 0)
            as_asked.append(record is not None and record.items == self.asked.get(name, record.items))
        table.insert(3, "goods in chat", seen)
        table["items as asked"] = as_asked
        levels = await self.shop.stock.levels()
        table.attrs["stock never negative"] = table.attrs.get("stock never negative", True)
        table.attrs["stock accounted for"] = all(sum(level.values()) == self.opening.get(sku, sum(level.values()))
                                                 for sku, level in levels.items())
        return table

    async def verdict(self) -> pd.DataFrame:
        """The invariants table's promises, one row each: held or not."""
        table = await self.invariants()
        rows = [("no order paid twice", bool((table["payments kept"] <= 1).all())),
                ("paid ⇒ goods sent once", bool(table["paid ⇒ delivered once"].all())),
                ("goods shown at most once", bool((table["goods in chat"] <= 1).all())),
                ("ledger = providers' statements", bool(table["statement agrees"].all())),
                ("items as the buyer asked", bool(table["items as asked"].all())),
                ("stock never negative", bool(table.attrs["stock never negative"])),
                ("stock accounted for", bool(table.attrs["stock accounted for"]))]
        return pd.DataFrame([{"promise": p, "held": h} for p, h in rows], columns=["promise", "held"])

    async def close(self) -> None:
        await self.journey.close()


async def race_world(lab) -> RaceWorld:
    """A journey world whose handlers stop before each Redis command and each call to Telegram or Stripe when
    they run inside a race (anywhere else they go straight on)."""
    journey = await journey_world(lab, limits=False)
    journey.trace.enabled = False  # a race is drawn as lanes, not as a sequence of arrows
    watch_redis(lab.redis)
    for wire, service, rest in ((journey.shop.telegram_transport, "Telegram", False),
                                (journey.stripe_wire, "Stripe", True)):
        wire.inner = GatedTransport(wire.inner, service, rest)
    world = RaceWorld(journey, lab)
    world.opening = {sku: product.stock for sku, product in CATALOG.items()}
    return world


# the races ---------------------------------------------------------------------------------------------------
async def double_tap_pay(world: RaceWorld, seed: int, schedule=(), route: str = "stars", pays: int = 1) -> Race:
    """Ada checks out a tea and presses the same way to pay twice before the bot answers: two callback
    queries, handled at once. Then she pays `pays` of what she was sent."""
    j = world.journey
    order_id = await j.checks_out("Ada", "tea")
    for _ in range(2):
        world.press("Ada", f"pay:{route}")
    first, second = await world.updates()
    race = await world.run("double-tap-pay", {
        "tap 1": (f"[{ROUTE_BUTTONS[route]}] (pay:{route})", world.handles(first)),
        "tap 2": (f"[{ROUTE_BUTTONS[route]}] again", world.handles(second))}, seed, schedule)
    world.asked = {"Ada": {"tea": 1}}
    await world.then(f"Ada pays {'both invoices' if pays == 2 else 'once'}",
                     world.pays("Ada", route, order_id, invoices=pays))
    await world.then("the outbox delivers", _delivered(j))
    return race


async def last_unit(world: RaceWorld, seed: int, schedule=(), route: str = "stars") -> Race:
    """One tea left. Ada and Bo each put it in their cart, then both press Checkout at once. The one whose order
    holds the unit pays."""
    j = world.journey
    await world.shelf("tea", 1)
    world.opening["tea"] = 1
    for name in ("Ada", "Bo"):
        await j.says(name, "/start")
        await j.says(name, "/buy tea")
    for name in ("Ada", "Bo"):
        world.press(name, "checkout")
    updates = await world.updates()
    names = {user["id"]: name for name, user in j.users.items()}
    race = await world.run("last-unit", {f"{names[u['callback_query']['from']['id']]}: Checkout":
                                         ("[Checkout]", world.handles(u)) for u in updates}, seed, schedule)
    await world.placed(updates)  # both opened an order; the one short of stock canceled its own
    world.asked = {"Ada": {"tea": 1}, "Bo": {"tea": 1}}
    for lane, answer in race.answers.items():
        if answer.startswith("Order "):
            name, order_id = lane.split(":")[0], answer.split(":")[0].removeprefix("Order ")
            await j.presses(name, ROUTE_BUTTONS[route])
            await world.then(f"{name} pays", world.pays(name, route, order_id))
    await world.then("the outbox delivers", _delivered(j))
    return race


async def stripe_event_twice(world: RaceWorld, seed: int, schedule=()) -> Race:
    """Ada pays by card with Stripe; Stripe sends payment_intent.succeeded twice (at-least-once delivery), and
    both copies reach our webhook at once."""
    j = world.journey
    order_id = await j.checks_out("Ada", "tea")
    await j.presses("Ada", ROUTE_BUTTONS["stripe"])
    await j.stripe_webhooks()  # payment_intent.created
    j.stripe_fake.deliveries.faults.add("duplicate", "payment_intent.succeeded", times=1)
    await world.then("Ada confirms the PaymentIntent on Stripe", j._pay_stripe(order_id, "visa", webhook=False))
    deliveries = j.stripe_fake.deliveries
    copies = [d for d in deliveries.due() if j.stripe_fake.objects[d.event_id]["type"] == "payment_intent.succeeded"]
    race = await world.run("stripe-event-twice", {
        f"delivery {n}": (f"POST /stripe/webhook {d.event_id} (payment_intent.succeeded)", _stripe(j, d))
        for n, d in enumerate(copies, start=1)}, seed, schedule)
    world.asked = {"Ada": {"tea": 1}}
    await world.then("Stripe delivers the rest", _rest_of_stripe(j))
    await world.then("the outbox delivers", _delivered(j))
    return race


async def payme_perform_resent(world: RaceWorld, seed: int, schedule=()) -> Race:
    """Ada pays with Payme: Payme checks and creates its transaction, then sends PerformTransaction, and sends it
    again before our first answer arrives (its timeout, a retry on another connection)."""
    j = world.journey
    order_id = await j.checks_out("Ada", "tea")
    await j.presses("Ada", ROUTE_BUTTONS["payme"])
    amount = (await world.shop.ledger.order(order_id)).prices["UZS"]
    await j.payme.check_perform(order_id, amount)
    txid, _ = await j.payme.create(order_id, amount)
    race = await world.run("payme-perform-resent", {
        "PerformTransaction": (f"POST /payme PerformTransaction {txid}", _payme(j, txid)),
        "PerformTransaction (resent)": ("the same request again", _payme(j, txid))},
        seed, schedule)
    world.asked = {"Ada": {"tea": 1}}
    await world.then("the outbox delivers", _delivered(j))
    return race


async def redelivery(world: RaceWorld, seed: int, schedule=(), update: str = "payment") -> Race:
    """Telegram delivers one update twice, the second while our first handling is still running (our answer
    was slow: Telegram timed out and resent, or two workers polled the same batch)."""
    if update not in REDELIVERED:
        raise ValueError(f"unknown update {update!r}; choose one of {', '.join(REDELIVERED)}")
    j = world.journey
    if update == "add-to-cart":
        await j.says("Ada", "/start")
        await j.says("Ada", "/catalog")
        world.press("Ada", "buy:tea")
        what = "[Buy Green tea] (buy:tea)"
    elif update == "checkout":
        await j.says("Ada", "/start")
        await j.says("Ada", "/buy tea")
        world.press("Ada", "checkout")
        what = "[Checkout]"
    else:
        order_id = await j.checks_out("Ada", "tea")
        await j.presses("Ada", ROUTE_BUTTONS["stars"])
        user = j.user("Ada")
        invoice = [m for m in j.telegram.default_bot.chats[user["id"]].messages.values() if "invoice" in m.service][-1]
        j.people.pay(user["id"], user, invoice.message_id)
        await j.sync()  # the pre-checkout query, answered: Telegram charges and sends successful_payment
        what = "successful_payment (Stars)"
    (delivered,) = await world.updates()
    race = await world.run("redelivery", {"delivery": (what, world.handles(delivered)),
                                          "redelivery": ("the same update again", world.handles(delivered))},
                           seed, schedule)
    world.asked = {"Ada": {"tea": 1}}
    if update == "checkout":
        await world.placed([delivered])
    if update == "add-to-cart":
        await j.presses("Ada", "Checkout")
        j.orders.append(j.shop.bot.log[-1].reply.split(":")[0].removeprefix("Order "))
    if update != "payment":
        await j.presses("Ada", ROUTE_BUTTONS["stars"])
        await world.then("Ada pays", world.pays("Ada", "stars", j.orders[-1]))
    await world.then("the outbox delivers", _delivered(j))
    return race


async def two_drains(world: RaceWorld, seed: int, schedule=()) -> Race:
    """Ada pays in Stars; the goods and the receipt wait in the outbox; two drains run at once."""
    j = world.journey
    order_id = await j.checks_out("Ada", "tea")
    await j.presses("Ada", ROUTE_BUTTONS["stars"])
    await world.then(f"Ada pays order {order_id}", j._pay_invoice("Ada", "stars"))
    race = await world.run("two-drains", {"drain 1": ("Outbox.drain()", _drain(world)),
                                          "drain 2": ("Outbox.drain(), another worker", _drain(world))},
                           seed, schedule)
    world.asked = {"Ada": {"tea": 1}}
    await world.then("the outbox delivers what is left", _delivered(j))
    return race


STORIES = {"double-tap-pay": double_tap_pay, "last-unit": last_unit, "stripe-event-twice": stripe_event_twice,
           "payme-perform-resent": payme_perform_resent, "redelivery": redelivery, "two-drains": two_drains}


async def play(lab, race: str, seed: int, schedule=(), **options) -> RaceWorld:
    """A fresh world on the lab's (cleaned) keyspace, and one race played in it."""
    if race not in STORIES:
        raise ValueError(f"unknown race {race!r}; choose one of {', '.join(RACES)}")
    await lab.backend.clean()
    world = await race_world(lab)
    await STORIES[race](world, seed, schedule, **options)
    return world


async def sweep(lab, race: str, schedules: int, **options) -> pd.DataFrame:
    """The race under `schedules` seeds (0, 1, …): per seed, which lane took the first step, what each lane
    answered, and whether every promise held."""
    rows = []
    for seed in range(schedules):
        world = await play(lab, race, seed, **options)
        try:
            verdict = await world.verdict()
            steps = world.race.interleaving.steps
            rows.append({"seed": seed, "steps": len(steps), "first": steps[0].lane if steps else "",
                         "answers": " | ".join(f"{lane}: {gist(a)}" for lane, a in world.race.answers.items()),
                         "promises held": bool(verdict["held"].all())})
        finally:
            await world.close()
    await lab.backend.clean()
    return pd.DataFrame(rows, columns=["seed", "steps", "first", "answers", "promises held"])


def sweep_summary(table: pd.DataFrame) -> pd.DataFrame:
    """How many schedules ended each way."""
    grouped = table.groupby(["answers", "promises held"], sort=False).size().reset_index(name="schedules")
    return grouped[["schedules", "answers", "promises held"]]


# the story ---------------------------------------------------------------------------------------------------
GUARDS = {  # what the race is, why it costs a shop money, and what holds (read from app/, not hoped)
    "double-tap-pay": (
        "Ada presses a way to pay twice before the bot answers: two callback queries, two update ids, handled at "
        "once. Each is a fresh update, so `tg-update:<id>` cannot fold them: both run `Checkout.pay`.",
        "Two invoices or links for one order invite two payments; a shop that keeps both charged the buyer twice, "
        "and one that refunds by hand pays staff and fees for it.",
        "Both renew the order's one stock hold (`stock_reserve.lua` answers `held`, never takes a second unit). "
        "Stripe's PaymentIntent is created under the idempotency key `order-<id>-intent`, so both taps get the same "
        "one; a Checkout link is one session per tap (`order-<id>-checkout-<update id>`). Two Stars invoices can both "
        "be paid: `ledger_apply.lua` settles the order once and records the second payment `refused`, and the bot "
        "gives it back with refundStarPayment and tells the buyer (fulfilment.give_back)."),
    "last-unit": (
        "One tea left; Ada and Bo have it in their carts and press Checkout at once. Both open an order "
        "(`ledger_open.lua`) and ask the shelf for the unit.",
        "Selling one unit twice means a paid order the shop cannot ship: a refund, an apology, a lost customer.",
        "`stock_reserve.lua` checks and takes every unit of an order in one script (all or none, never below zero): "
        "one checkout holds the tea, the other is answered out of stock and its order canceled (`ledger_apply.lua` "
        "`cancel`), so it can never be paid."),
    "stripe-event-twice": (
        "Stripe delivers at least once: the same `payment_intent.succeeded` arrives twice, at once. Our endpoint reads "
        "`stripe:event:<id>`, applies the event, then marks it `done`: two round trips, so both deliveries pass the "
        "check and both apply it.",
        "Applying a payment twice would ship the goods twice, or count the money twice in the books.",
        "Not the event mark but what each step does: the ledger's `settle` (`ledger_apply.lua`) pays the order once "
        "(`paid`, then `duplicate`), and the follow-ups repeat safely: `stock_commit.lua` sells the hold once "
        "(`duplicate`), `outbox_enqueue.lua` queues a job id once. A claim taken first would turn away the retry "
        "after a crash (stripe_webhook.py says why)."),
    "payme-perform-resent": (
        "Payme sends PerformTransaction and, before our answer reaches it, sends it again: both see the transaction "
        "created (state 1) and both perform it.",
        "Payme takes the money once and expects the same answer to every repeat: performing twice would settle or "
        "ship twice, and an error on the resend makes Payme cancel (reason 3) a transaction our ledger counts as paid.",
        "The ledger's `claim` (`ledger_apply.lua`) settles `payme:<id>` once (`paid`, then `duplicate`); both "
        "answers are read back from the ledger's one payment: state 2, the same transaction and perform_time."),
    "redelivery": (
        "Telegram sends an update again while our first handling of it is still running (our answer was slow, or "
        "two workers hold the same batch). `ShopBot.handle` asks `EXISTS tg-update:<id>` and sets it only after "
        "the steps are written (so a crash is redone), so both deliveries run every step.",
        "A step that is not safe twice charges or ships twice, or, as this lab found for a Buy button, puts the "
        "item in the cart twice: the buyer pays 25.00 for one tea.",
        "Every step is one atomic script keyed by the update or the order: the payment settles once by its "
        "`telegram_payment_charge_id` (`ledger_apply.lua`), Checkout's order is named after the update "
        "(`ledger_open.lua` opens it once; the hold is renewed, not doubled), and the cart change is a "
        "compare-and-set on the session's data (`session_transition.lua` with `expected`) that names the updates whose "
        "item is in (`cart_updates`): the fix of issue 24."),
    "two-drains": (
        "Two outbox drains run at once (two workers, or a restarted process beside the old one): both list the "
        "due jobs and try to send the goods.",
        "Goods sent twice are a second licence key or a second parcel, given away.",
        "`outbox_claim.lua` takes a due job in one script: state `sending`, its due time a 60-second lease ahead, "
        "so the other drain's claim finds it not due and skips it. The mark (`outbox_mark.lua`) goes in the "
        "next round trip after Telegram's answer, the goods' `sent`, the ledger's `deliver` and `done` together; "
        "a drain that finds a job `sent` (its marks cut short) only finishes it, never sends it again."),
}


class Story:
    """A race told in three short paragraphs (markdown in a notebook, text elsewhere)."""

    def __init__(self, race: str, options: dict):
        if race not in GUARDS:
            raise ValueError(f"unknown race {race!r}; choose one of {', '.join(RACES)}")
        self.race, self.options = race, options
        self.what, self.cost, self.guard = GUARDS[race]

    def _repr_markdown_(self) -> str:
        knobs = ", ".join(f"{k} {v}" for k, v in self.options.items()) or "none"
        return (f"**{self.race}** ({knobs}). {self.what}\n\n**Why it costs money.** {self.cost}\n\n"
                f"**What holds.** {self.guard}")

    def __repr__(self) -> str:
        return self._repr_markdown_().replace("**", "")


# the picture -------------------------------------------------------------------------------------------------
def lanes_picture(world: RaceWorld, title: str) -> Picture:
    """One lane per handler, a box per step it took (numbered across lanes, so a box's x is when it ran), a bar
    under each lane from its first step to its last: where two bars overlap, the handlers ran at once."""
    race = world.race
    lanes = {lane: i for i, lane in enumerate(race.lanes)}
    steps = race.interleaving.steps
    fig = Figure(figsize=(max(7.0, 0.42 * len(steps) + 2.5), 1.4 + 1.5 * len(lanes)))
    ax = fig.subplots()
    for lane, y in lanes.items():
        result = race.results[lane]
        if result.first:
            ax.plot([result.first - 0.45, result.last + 0.45], [y + 0.44, y + 0.44], color="grey", linewidth=3,
                    alpha=0.5, solid_capstyle="butt")
    for step in steps:
        y = lanes[step.lane]
        ax.broken_barh([(step.n - 0.45, 0.9)], (y - 0.36, 0.72), color=KIND_COLOURS[step.kind], alpha=0.85)
        label = _command(step.command).removesuffix("()")
        ax.text(step.n, y, label if len(label) <= SHOWN else label[:SHOWN - 1] + "…", rotation=90, ha="center",
                va="center", fontsize=6, color="white")
    ax.set_yticks(range(len(lanes)), [f"{lane}\n{_short(race.answers[lane])}" for lane in lanes], fontsize=8)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    ax.set_xlim(0.3, max(len(steps), 1) + 0.7)
    ax.set_xlabel("step (one Redis command or one call to a fake; only one lane moves at a time)")
    ax.set_title(title, fontsize=10)
    ax.legend(handles=[Patch(color=KIND_COLOURS["redis"], label="Redis command"),
                       Patch(color=KIND_COLOURS["http"], label="HTTP call to a fake"),
                       Patch(color="grey", alpha=0.5, label="the handler in flight")],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.tight_layout()
    return Picture(fig)


# helpers ---------------------------------------------------------------------------------------------------
def _command(command: str) -> str:
    name, _, sha = command.partition(" ")
    return f"{script_name(sha)}()" if name == "EVALSHA" and sha else command


def gist(answer: str) -> str:
    """An answer without what differs between runs of the same race (ids, times) and after its first sentence:
    'Order 190762864-576963957: Green tea. Total …' -> 'Order …: Green tea'."""
    answer = re.sub(r"\b(pi|cs_test|ch)_\w+", r"\1_…", answer)
    answer = re.sub(r"\d{6,}(-\d{6,})?", "…", answer)
    return re.split(r"\. |; ", answer, maxsplit=1)[0].rstrip(".:")


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _answer(result: LaneResult, sends: int = 0) -> str:
    if result.error is not None:
        return f"raised {type(result.error).__name__}: {result.error}"
    value = result.value
    if isinstance(value, list):  # an outbox drain's rows; a job found sent already is only finished, not sent again
        rows = ", ".join(f"{_job(r['job'])} {r['outcome']}" for r in value) or "nothing to send"
        return f"{rows} ({sends} sendMessage)"
    return str(value)


JOB_KINDS = {"refused": "refund notice", "refunded": "refund notice", "expired": "expiry notice"}


def _job(job_id: str) -> str:
    """'<order>:goods' -> 'goods'; '<order>:refused:<charge>' -> 'refund notice'."""
    kind = job_id.split(":")[1] if ":" in job_id else job_id
    return JOB_KINDS.get(kind, kind)


async def _delivered(j: JourneyWorld) -> str:
    rows = await j.deliver()
    return ", ".join(f"{_job(job)} {outcome}" for job, outcome in zip(rows["job"], rows["outcome"])) \
        if len(rows) else "nothing left to send"


def _drain(world: RaceWorld) -> Callable[[], Awaitable[list[dict]]]:
    async def drain() -> list[dict]:
        return await world.shop.outbox.drain()
    return drain


def _stripe(j: JourneyWorld, delivery) -> Callable[[], Awaitable[str]]:
    async def deliver() -> str:
        row = await j.stripe_fake.deliveries.deliver_one(delivery, j.http)
        return f"HTTP {row['status']}" if row["status"] else row["error"]
    return deliver


async def _rest_of_stripe(j: JourneyWorld) -> str:
    rows = await j.stripe_fake.deliveries.deliver_due(j.http)
    return ", ".join(f"{r['type']} HTTP {r['status']}" for r in rows) or "nothing due"


def _payme(j: JourneyWorld, txid: str) -> Callable[[], Awaitable[str]]:
    async def send() -> str:
        answer = await j.payme.perform(txid)
        if "error" in answer:
            return f"error {answer['error']['code']}"
        result = answer["result"]
        return f"state {result['state']}, transaction {result['transaction']}, perform_time {result['perform_time']}"
    return send


def _click(j: JourneyWorld, order_id: str, amount: int, trans: int, prepare_id) -> Callable[[], Awaitable[str]]:
    async def complete() -> str:
        answer = await j.click.complete(order_id, sums(amount), trans, prepare_id)
        return f"error {answer['error']} ({answer['error_note']})"
    return complete


def _nth(n: int) -> str:
    return "" if n == 0 else " (again)" if n == 1 else f" (copy {n + 1})"
