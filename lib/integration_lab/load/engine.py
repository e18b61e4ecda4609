"""The in-process load run: every buyer walks the whole journey through our real code and the real fakes.

The world is the journey notebooks' (`scenarios.journeys.journey_world`: the Telegram fake, Stripe's,
Payme's and Click's simulators, our shop on the lab's Redis and clock, all joined by httpx transports, no
sockets), with a catalog stocked for the crowd. Time moves on the lab clock in ticks of one second. In each
tick the buyers whose next action is due act (Telegram's people write, press, pay; Payme and Click call our
endpoints as the buyer pays there; the buyer confirms at Stripe); then our side does its work the way it
does in production, one process after another: the bot polls until no update is left, Stripe's due
webhooks arrive, the outbox sends what is due. A buyer's next action comes THINK seconds later, after
reading what the bot said.

Our side's handling is timed per step (each update by kind, each provider callback, each delivery) by
wrapping the entry points (`ShopBot.handle`, our app's transport, `Outbox._send`), never the harness.
"""

from __future__ import annotations

import json
import math
import re
import resource
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Callable

import httpx
from redis.exceptions import RedisError

from ..app.bot import poll_once
from ..app.lanes import Lanes
from ..app.shop.catalog import CATALOG, cart_prices, count
from ..scenarios.journeys import JourneyWorld, journey_world
from .plan import TELEGRAM_ROUTES, Buyer

THINK = 2  # lab seconds between a buyer's actions
HOLD_LAPSES = 901  # lab seconds: past the checkout's 15-minute hold, when abandoned carts give stock back
FAST_FORWARD_EVERY = 30  # lab seconds between bringing a real server's TTLs in line with the lab clock
SCARCE = "mug"  # stocked for a quarter of the buyers: some sell out, and stock must never go below zero
CARD_ORDER_INFO = {"email": "buyer@load.example"}
_ORDER = re.compile(r"^Order (\S+): ")
_INTENT = re.compile(r"\(payment (pi_\w+)\)")


def load_catalog(buyers: int) -> dict:
    """The shop's products, stocked for `buyers`: enough of each for everyone, except the scarce one."""
    return {sku: replace(p, stock=max(1, buyers // 4) if sku == SCARCE else 2 * buyers)
            for sku, p in CATALOG.items()}


class Restart(Exception):
    """Raised in place of handling an update: the bot process stops here (the restart fault)."""


@dataclass
class Journey:
    buyer: Buyer
    user: dict
    step: str = "start"
    skus_left: list[str] = field(default_factory=list)
    order_id: str = ""
    outcome: str = "walking"  # at the end: paid, abandoned, sold out, or no payment opened (Stripe)
    faulted: bool = False  # the buyer's fault has happened
    pressed: str = ""  # the id of the buyer's last button press (its toast says what came of it)

    @property
    def chat_id(self) -> int:
        return self.user["id"]


class Timings:
    """Our side's handling times (seconds), per kind within each step."""

    def __init__(self):
        self.kinds: dict[tuple[str, str], list[float]] = defaultdict(list)

    def add(self, step: str, kind: str, seconds: float) -> None:
        self.kinds[(step, kind)].append(seconds)

    def of(self, step: str) -> list[float]:
        """Every time of `step`, whatever its kind."""
        return [t for (s, _), times in self.kinds.items() if s == step for t in times]


class TimedTransport(httpx.AsyncBaseTransport):
    """Our app as the providers reach it, timed per callback; `before` may arm a fault for one request."""

    def __init__(self, inner: httpx.AsyncBaseTransport, timings: Timings, before: Callable | None = None):
        self.inner, self.timings, self.before = inner, timings, before

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        kind = "payme" if path == "/payme" else "click" if path.startswith("/click/") else "stripe webhook"
        disarm = self.before(request) if self.before else None
        started = time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
        finally:
            self.timings.add("provider callback", kind, time.perf_counter() - started)
            if disarm:
                disarm()
        return response


def update_kind(update: dict) -> str:
    if "callback_query" in update:
        return "button"
    if "pre_checkout_query" in update:
        return "pre_checkout_query"
    message = update.get("message") or {}
    if "successful_payment" in message:
        return "successful_payment"
    return "message" if "text" in message else next((k for k in update if k != "update_id"), "update")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


class LoadRun:
    def __init__(self, world: JourneyWorld, buyers: list[Buyer], progress=None, concurrency: int = 1):
        self.world, self.progress = world, progress
        # the bot handles each getUpdates batch through lanes (concurrently, a buyer's updates in order), or
        # one update after another when concurrency is 1
        self.concurrency = concurrency
        self.lanes = Lanes(concurrency) if concurrency > 1 else None
        self.timings = Timings()
        self.journeys: dict[int, Journey] = {}  # by user id
        self.by_order: dict[str, Journey] = {}
        self.agenda: dict[int, list[Journey]] = defaultdict(list)
        self.tick = 0
        self.unsynced = 0.0  # lab seconds a real server's TTLs have not followed yet
        self.asked_at: dict[int, float] = {}  # user id -> perf_counter when they pressed Pay (Telegram routes)
        self.precheckout_waits: list[float] = []  # seconds from Pay to our answer, in the bot's queue included
        self.redis_commands = 0  # our side's, over the run (the harness's own are left out)
        self._harness_commands = 0
        self.restarts = self.cuts = 0
        self.wall = 0.0
        self.updates = 0
        # per tick: lab second, wall seconds since start, journeys done, wall seconds our side worked in it
        self.ticks: list[tuple[int, float, int, float]] = []
        self.done = 0
        ids = world.lab.ids
        for buyer in buyers:
            user = {"id": ids.integer(100_000_000, 999_999_999), "first_name": buyer.name}
            while user["id"] in self.journeys:
                user["id"] = ids.integer(100_000_000, 999_999_999)
            journey = Journey(buyer, user, skus_left=list(buyer.skus))
            self.journeys[user["id"]] = journey
            self.agenda[buyer.arrives].append(journey)
        self._install()

    # ---- timing our side, and the faults that strike it --------------------------------------------------
    def _install(self) -> None:
        """Wrap our side's entry points (again after a restart: a new process has new objects)."""
        shop, timings = self.world.shop, self.timings
        handle, send = shop.bot.handle, shop.outbox._send

        async def timed_handle(update: dict):
            kind = update_kind(update)
            journey = self._fault_target(update, kind)
            if journey is not None and journey.buyer.fault == "restart":
                journey.faulted = True
                raise Restart()
            if journey is not None:  # redis-cut: Redis drops before command k of the payment's handling
                journey.faulted = True
                shop.cut.fail_after(journey.buyer.number % 4)
            if kind == "pre_checkout_query":
                asked = self.asked_at.pop(update["pre_checkout_query"]["from"]["id"], None)
                if asked is not None:
                    self.precheckout_waits.append(time.perf_counter() - asked)
            started = time.perf_counter()
            try:
                return await handle(update)
            finally:
                timings.add("update", kind, time.perf_counter() - started)
                self.updates += 1
                if journey is not None:
                    shop.cut.reconnect()

        async def timed_send(job: dict):
            journey = self.by_order.get(job.get("order_id", ""))
            if journey is not None and journey.buyer.fault == "telegram-5xx" and not journey.faulted:
                journey.faulted = True
                self.world.telegram.faults.add("server_error", "sendMessage", status=502, description="Bad Gateway")
            started = time.perf_counter()
            try:
                return await send(job)
            finally:
                timings.add("delivery", "goods" if job["id"].endswith(":goods") else "other",
                            time.perf_counter() - started)

        shop.bot.handle, shop.outbox._send = timed_handle, timed_send
        traced = self.world.http._transport  # restart() swaps its inner transport for the new process's app
        traced.inner = TimedTransport(traced.inner, timings, self._cut_webhook)

    def _fault_target(self, update: dict, kind: str) -> Journey | None:
        if kind != "successful_payment":
            return None
        journey = self.journeys.get(update["message"]["from"]["id"])
        if journey and journey.buyer.fault in ("restart", "redis-cut") and not journey.faulted:
            return journey
        return None

    def _cut_webhook(self, request: httpx.Request):
        """redis-cut on the Stripe route: our webhook endpoint loses Redis mid-way; Stripe retries later."""
        if request.url.path != "/stripe/webhook":
            return None
        event = json.loads(request.content)
        if event.get("type") != "payment_intent.succeeded":
            return None
        journey = self.by_order.get(event["data"]["object"].get("metadata", {}).get("order_id", ""))
        if journey is None or journey.buyer.fault != "redis-cut" or journey.faulted:
            return None
        journey.faulted = True
        cut = self.world.shop.cut
        cut.fail_after(journey.buyer.number % 4)
        return cut.reconnect

    # ---- the run ---------------------------------------------------------------------------------------
    async def run(self) -> None:
        started = time.perf_counter()
        cut = self.world.shop.cut
        counted = cut.count
        while True:
            for journey in self.agenda.pop(self.tick, []):
                await self._act(journey)
            busy = time.perf_counter()
            await self._our_side()
            now = time.perf_counter()
            self.ticks.append((self.tick, now - started, self.done, now - busy))
            following = await self._next_tick()
            if following is None:
                break
            await self._advance(following - self.tick)
            self.tick = following
        # every cart left unpaid lapses: its stock goes back on the shelf
        await self._advance(HOLD_LAPSES)
        await self.world.shop.stock.release_lapsed()
        self.wall = time.perf_counter() - started
        self.redis_commands = cut.count - counted - self._harness_commands

    async def _advance(self, seconds: float) -> None:
        self.world.lab.clock.advance(seconds)
        self.unsynced += seconds
        if self.unsynced >= FAST_FORWARD_EVERY or seconds >= HOLD_LAPSES:
            before = self.world.shop.cut.count
            await self.world.lab.backend.fast_forward(self.unsynced)
            self._harness_commands += self.world.shop.cut.count - before
            self.unsynced = 0.0

    async def _next_tick(self) -> int | None:
        """The next second at which anything is due: a buyer, a delivery waiting out a backoff, a webhook."""
        candidates = [min(self.agenda)] if self.agenda else []
        before = self.world.shop.cut.count
        due = await self.world.shop.outbox.redis.zrange(self.world.shop.outbox._due, 0, 0, withscores=True)
        self._harness_commands += self.world.shop.cut.count - before
        now = self.world.lab.clock.time()
        if due:
            candidates.append(self.tick + max(1, math.ceil(due[0][1] / 1000 - now)))
        webhook = self.world.stripe_fake.deliveries.next_due()
        if webhook is not None:
            candidates.append(self.tick + max(1, math.ceil(webhook - now)))
        return min(candidates) if candidates else None

    async def _our_side(self) -> None:
        """The bot hears everything Telegram has, Stripe's due webhooks arrive, the outbox sends."""
        world = self.world
        while True:
            offset = world.offset
            try:
                world.offset = await poll_once(world.shop.bot.api, world.shop.bot, offset, lanes=self.lanes)
            except Restart:
                self.restarts += 1
                await world.restart()
                self._install()
                continue
            except RedisError:  # the cut: Telegram keeps the update unconfirmed and gives it again
                self.cuts += 1
                continue
            if world.offset == offset:
                break
        await world.stripe_webhooks()
        while await world.shop.outbox.drain(concurrency=self.concurrency):
            pass

    # ---- the buyers ------------------------------------------------------------------------------------
    def _next(self, journey: Journey, step: str) -> None:
        journey.step = step
        self.agenda[self.tick + THINK].append(journey)

    def _finish(self, journey: Journey, outcome: str) -> None:
        journey.outcome, journey.step = outcome, "done"
        self.done += 1
        if self.progress is not None:
            self.progress.update(1)

    async def _act(self, journey: Journey) -> None:
        people, uid, user = self.world.people, journey.chat_id, journey.user
        step = journey.step
        if step == "start":
            people.send(uid, user, "/start")
            self._next(journey, "catalog")
        elif step == "catalog":
            people.send(uid, user, "/catalog")
            self._next(journey, "buy")
        elif step == "buy":
            people.send(uid, user, f"/buy {journey.skus_left.pop(0)}")
            self._next(journey, "buy" if journey.skus_left else "checkout")
        elif step == "checkout":
            self._press(journey, "checkout")
            self._next(journey, "choose")
        elif step == "choose":
            await self._choose(journey)
        elif step == "pay":
            await self._pay(journey)

    def _bot_messages(self, journey: Journey):
        chat = self.world.telegram.default_bot.chats[journey.chat_id]
        account = self.world.telegram.default_bot.account
        return [m for m in reversed(chat.messages.values()) if m.sender is account and not m.deleted]

    def _press(self, journey: Journey, data: str) -> None:
        for message in self._bot_messages(journey):
            for button in (b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row):
                if button.get("callback_data") == data:
                    journey.pressed = self.world.people.press(journey.chat_id, journey.user, message.message_id,
                                                              data)["id"]
                    return
        raise LookupError(f"no button {data!r} in {journey.buyer.name}'s chat")

    async def _choose(self, journey: Journey) -> None:
        """The buyer reads the bot's answer to Checkout: an order to pay, or sold out."""
        for message in self._bot_messages(journey):
            found = _ORDER.match(message.text or "")
            if found:
                journey.order_id = found[1]
                self.by_order[journey.order_id] = journey
                break
        else:  # no order: the answer was only a toast
            toast = self.world.telegram.default_bot.callbacks[journey.pressed].answer
            if " out of stock" in toast:
                return self._finish(journey, "sold out")
            raise LookupError(f"{journey.buyer.name} pressed Checkout and the bot said {toast!r}")
        buyer = journey.buyer
        self._press(journey, f"pay:{buyer.route}")
        if buyer.behaviour == "pays twice" and buyer.route in TELEGRAM_ROUTES:  # a second invoice, other route
            self._press(journey, f"pay:{_other(buyer.route)}")
        if buyer.behaviour == "pays twice" and buyer.route == "stripe_checkout":  # a second link: another tab
            self._press(journey, f"pay:{buyer.route}")
        if buyer.behaviour == "abandons":
            return self._finish(journey, "abandoned")
        self._next(journey, "pay")

    async def _pay(self, journey: Journey) -> None:
        buyer, world = journey.buyer, self.world
        twice = buyer.behaviour == "pays twice"
        if buyer.route in TELEGRAM_ROUTES:
            invoices = [m for m in self._bot_messages(journey) if "invoice" in m.service][: 2 if twice else 1]
            # paying twice, the card goes first: the Stars payment that settles second is given back by the bot
            # (refundStarPayment); a card charged through Telegram is refunded only in the provider's dashboard
            invoices.sort(key=lambda m: m.service["invoice"]["currency"] == "XTR")
            self.asked_at[journey.chat_id] = time.perf_counter()
            for invoice in invoices:
                order_info = CARD_ORDER_INFO if invoice.service["invoice"]["currency"] != "XTR" else None
                world.people.pay(journey.chat_id, journey.user, invoice.message_id, order_info=order_info)
        elif buyer.route in ("payme", "click"):
            amount = cart_prices(world.shop.parts.catalog, count(list(buyer.skus)))["UZS"]
            pay = world.payme.pay if buyer.route == "payme" else world.click.pay
            for _ in range(2 if twice else 1):  # a second payment of a paid order must be refused
                await pay(journey.order_id, amount)
        elif buyer.route == "stripe_checkout":
            links = [b["url"] for m in self._bot_messages(journey)
                     for b in (x for row in (m.reply_markup or {}).get("inline_keyboard", []) for x in row)
                     if b.get("text") == "Pay with Stripe"][: 2 if twice else 1]
            if not links:
                return self._finish(journey, "no payment opened")
            for link in links:  # paying twice: both tabs; the second payment must be given back
                await world.pays_on_checkout_page(buyer.name, link=link, webhook=False)
        else:
            intent = next(filter(None, (_INTENT.search(m.text or "") for m in self._bot_messages(journey))), None)
            if intent is None:
                return self._finish(journey, "no payment opened")
            if twice:  # Stripe sends the event twice: our endpoint must settle once
                world.stripe_fake.deliveries.faults.add("duplicate", "payment_intent.succeeded")
            await world.stripe.v1.payment_intents.confirm_async(intent[1], params={"payment_method": "pm_card_visa"})
        self._finish(journey, "paid")


def _other(route: str) -> str:
    return "card" if route == "stars" else "stars"


async def run_load(lab, buyers: list[Buyer], progress=None, concurrency: int = 1) -> LoadRun:
    """Build the world for these buyers and walk every journey; returns the run (its timings and state).
    `concurrency`: updates our bot handles at once (1: one after another)."""
    world = await journey_world(lab, limits=False, catalog=load_catalog(len(buyers)),
                                history=max(1000, 3 * len(buyers)))
    world.trace.enabled = False
    world.shop.cut.log = None  # the trace's command log: nobody reads it here, and it would only grow
    run = LoadRun(world, buyers, progress, concurrency)
    await run.run()
    return run
