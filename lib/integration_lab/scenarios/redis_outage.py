"""A full Redis outage while buyers browse and while they pay, with degradation on and off.

`await outage_world(lab, degrade)` is a buyer's-journey world (journeys.journey_world: the Telegram, Stripe,
Payme and Click fakes and our shop, in-process) whose bot answers /catalog and /help without Redis when
`degrade` is on, plus the shop's catalog pages read through the tagged cache (app/catalog.py), which serves
a stale copy or the source when Redis is down. Every buyer action and every payment callback is noted as
a row (when, who, what, Redis up or down, the answer), for the notebook's tables.

The two stories: `browsing` (buyers read the catalog and ask for help while Redis is down, one tries to
buy) and `checkout` (orders opened before the outage; Payme's PerformTransaction, Click's Prepare, Stripe's
webhook and Telegram's successful_payment arrive during it, and are resent after it).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd
from redis.exceptions import RedisError

from ..app.catalog import Catalog
from ..app.shop import CATALOG
from ..app.tagged_cache import TaggedCache
from ..shop_server import shop_app
from .journeys import JourneyWorld, journey_world

STORIES = ("browsing", "checkout")
PAGE_SIZE = 2  # products per catalog page: the shop's three make two pages


@dataclass
class OutageWorld:
    journey: JourneyWorld
    catalog: Catalog
    degrade: bool
    lab: Any = field(default=None, repr=False)
    actions: list[dict] = field(default_factory=list)  # one row per buyer action
    callbacks: list[dict] = field(default_factory=list)  # one row per provider callback
    pages: list[dict] = field(default_factory=list)  # one row per catalog page read
    health: list[dict] = field(default_factory=list)  # what GET /healthz answered before, during and after
    repaired_at: int | None = None  # trace rows up to the redeliveries after Redis came back

    @property
    def shop(self):
        return self.journey.shop

    @property
    def redis_up(self) -> bool:
        return self.shop.cut.allowed is None

    def _t(self) -> float:
        return self.journey._t()

    # Redis ---------------------------------------------------------------------------------------------
    async def advance(self, seconds: float) -> None:
        """Time passes on the lab clock. On a real server the lab follows it by moving TTLs (lab.advance), on
        our Redis client: that is the lab's business, not the shop's, so the cut lets it through."""
        cut, armed = self.shop.cut, self.shop.cut.allowed
        cut.reconnect()
        try:
            with self.journey.trace.aside():
                await self.lab.advance(seconds)
        finally:
            if armed is not None:
                cut.fail_after(armed)

    async def redis_down(self) -> None:
        await self.ask_health("before the outage")
        self.shop.cut.disconnect()
        self.journey.trace.note("Redis", "our bot", "down: every command fails")
        await self.ask_health("Redis down")

    async def redis_back(self) -> None:
        """Redis answers again; Telegram redelivers what the bot could not handle."""
        self.shop.cut.reconnect()
        self.journey.trace.note("Redis", "our bot", "back")
        await self._hear("Telegram", "redelivers")
        self.repaired_at = len(self.journey.trace.rows())  # the outage's story ends here (outage_arrows)
        await self.ask_health("Redis back")

    async def ask_health(self, moment: str) -> None:
        """GET /healthz on the shop's own ASGI app, as a load balancer would."""
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shop_app(self.shop)), base_url="https://shop.lab") \
                as http:
            response = await http.get("/healthz")
        health = response.json()
        self.health.append({"moment": moment, "HTTP": response.status_code, "status": health["status"],
                            **{name: dependency["status"] + (f" ({dependency['detail']})" if "detail" in dependency
                                                             else "")
                               for name, dependency in health["dependencies"].items()}})

    # buyers ---------------------------------------------------------------------------------------------
    async def says(self, name: str, text: str) -> None:
        await self.journey.advance(2.0)
        user = self.journey.user(name)
        self.journey.people.send(user["id"], user, text)
        await self._hear(name, text)

    async def presses(self, name: str, button: str) -> None:
        try:
            await self.journey.presses(name, button)
            self._noted(name, f"[{button}]", len(self.shop.bot.log) - 1, None)
        except RedisError as failure:
            self._noted(name, f"[{button}]", len(self.shop.bot.log), failure)

    async def _hear(self, name: str, text: str) -> None:
        before = len(self.shop.bot.log)
        try:
            await self.journey.sync()
        except RedisError as failure:
            return self._noted(name, text, before, failure)
        self._noted(name, text, before, None)

    def _noted(self, name: str, text: str, before: int, failure: Exception | None) -> None:
        handled = list(self.shop.bot.log)[before:]
        if failure is not None:
            outcome, reply = "failed: Telegram resends it", ""
        elif not handled:
            outcome, reply = "nothing new", ""
        else:
            outcome = "answered without Redis" if any(h.degraded for h in handled) else "answered"
            reply = " | ".join(h.reply[:60] for h in handled)
        self.actions.append({"t (s)": self._t(), "who": name, "sent": text,
                             "Redis": "up" if self.redis_up else "down", "outcome": outcome, "bot replied": reply})

    async def read_page(self, page: int) -> None:
        """The shop's web catalog (a Mini App page) reads a page through the cache."""
        counts, reads = dict(self.catalog.outage), self.catalog.database_reads
        try:
            items = await self.catalog.page(page)
            served = ", ".join(item["sku"] for item in items)
            source = ("stale copy" if self.catalog.outage["stale_served"] > counts["stale_served"] else
                      "source (Redis down)" if self.catalog.outage["source_reads"] > counts["source_reads"] else
                      "source, now cached" if self.catalog.database_reads > reads else "Redis")
        except RedisError as failure:
            served, source = f"error: {type(failure).__name__}", "—"
        self.pages.append({"t (s)": self._t(), "page": page, "Redis": "up" if self.redis_up else "down",
                           "served from": source, "items": served})

    # payments ---------------------------------------------------------------------------------------------
    async def callback(self, provider: str, what: str, send) -> Any:
        """One provider callback into our app: the answer it got is noted."""
        answer = send()
        if inspect.isawaitable(answer):
            answer = await answer
        self.callbacks.append({"t (s)": self._t(), "provider": provider, "callback": what,
                               "Redis": "up" if self.redis_up else "down", "answer": answer})
        return answer

    # tables ------------------------------------------------------------------------------------------------
    def actions_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.actions, columns=["t (s)", "who", "sent", "Redis", "outcome", "bot replied"])

    def callbacks_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.callbacks, columns=["t (s)", "provider", "callback", "Redis", "answer"])

    def pages_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.pages, columns=["t (s)", "page", "Redis", "served from", "items"])

    def outage_arrows(self) -> pd.DataFrame:
        """The journey's arrows from Redis going down to the redeliveries after it came back."""
        arrows = self.journey.arrows()
        down = arrows.index[(arrows["from"] == "Redis") & arrows["message"].str.startswith("down")]
        if not len(down):
            return arrows.iloc[0:0]
        return arrows.iloc[down[0]:self.repaired_at].reset_index(drop=True)

    def health_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.health, columns=["moment", "HTTP", "status", "redis", "telegram", "stripe"])

    def limiter_table(self) -> pd.DataFrame:
        """Command rate-limit decisions taken without Redis, by the policy's outage rule."""
        taken = self.shop.bot.limiter.outage_decisions
        return pd.DataFrame([{"on_outage": "open (browsing: allowed)", "decisions": taken["open"]},
                             {"on_outage": "closed (everything else: refused)", "decisions": taken["closed"]}])

    def catalog_table(self) -> pd.DataFrame:
        return pd.DataFrame([{"what": k.replace("_", " "), "count": v} for k, v in self.catalog.outage.items()])

    async def close(self) -> None:
        self.shop.cut.reconnect()
        await self.journey.close()


async def outage_world(lab, degrade: bool = True) -> OutageWorld:
    journey = await journey_world(lab)
    journey.shop.bot.degrade = degrade
    products = {n: {"sku": sku, "title": p.title, "price": p.prices[p.currency], "currency": p.currency}
                for n, (sku, p) in enumerate(CATALOG.items(), start=1)}
    catalog = Catalog(TaggedCache(lab.redis, lab.keys, lab.clock), products, page_size=PAGE_SIZE, degrade=degrade)
    world = OutageWorld(journey, catalog, degrade, lab)
    journey.advance = world.advance  # the journey's own waits (a buyer thinking) pass through the cut too
    return world


# the two stories ---------------------------------------------------------------------------------------------
async def browsing(world: OutageWorld) -> None:
    """Ada browses with Redis up; Redis goes down; Ada and Bo (new) browse, Ada tries to buy; Redis comes back."""
    await world.says("Ada", "/start")
    await world.says("Ada", "/catalog")
    await world.read_page(1)
    await world.redis_down()
    await world.says("Ada", "/catalog")
    await world.says("Ada", "/help")
    await world.says("Bo", "/catalog")
    await world.read_page(1)
    await world.read_page(2)
    await world.says("Ada", "/buy tea")
    await world.redis_back()


async def checkout(world: OutageWorld) -> dict[str, str]:
    """Four buyers reach the payment step with Redis up, one per way to pay; Redis goes down; the payments'
    callbacks arrive (and Eve browses); Redis comes back and each provider resends. Returns the orders."""
    j = world.journey
    orders = {}
    for name, route in (("Ada", "payme"), ("Bo", "click"), ("Cy", "stripe"), ("Di", "stars")):
        orders[route] = await j.checks_out(name, "tea")
        await j.presses(name, {"payme": "Payme", "click": "Click", "stripe": "Card (Stripe)",
                               "stars": "Telegram Stars"}[route])
    amount = {route: (await world.shop.ledger.order(o)).prices["UZS"] for route, o in orders.items()
              if route in ("payme", "click")}
    # before the outage: Payme creates its transaction; Stripe's PaymentIntent is open
    txid, _ = await j.payme.create(orders["payme"], amount["payme"])
    intent = [p["ref"] for p in await world.shop.ledger.payments(orders["stripe"]) if p["provider"] == "stripe"][-1]

    await world.redis_down()
    await world.says("Eve", "/catalog")
    await world.callback("Payme", "PerformTransaction", lambda: _payme(j.payme.perform(txid)))
    await world.callback("Click", "Prepare", lambda: _click(j, orders["click"], amount["click"]))
    await world.callback("Stripe", "webhook payment_intent.succeeded", lambda: _stripe(j, intent))
    await world.callback("Telegram", "update pre_checkout_query (Di presses Pay)", lambda: _stars(world, "Di"))

    await world.redis_back()
    await world.callback("Payme", "PerformTransaction (resent)", lambda: _payme(j.payme.perform(txid)))
    await world.callback("Payme", "PerformTransaction (resent again)", lambda: _payme(j.payme.perform(txid)))
    await world.callback("Click", "Prepare + Complete (paid again)", lambda: _click(j, orders["click"], amount["click"]))
    await world.callback("Telegram", "pre_checkout_query + successful_payment (Di pays again)",
                         lambda: _stars(world, "Di"))
    await j.advance(300)  # Stripe's first retry
    await world.callback("Stripe", "webhook payment_intent.succeeded (retry)", lambda: _stripe_retry(j))
    await j.deliver()
    return orders


async def _stars(world: OutageWorld, name: str) -> str:
    """The buyer presses Pay on the Stars invoice: Telegram charges only if the bot answers the pre-checkout
    query within 10 s; then the bot hears of the payment (successful_payment)."""
    j = world.journey
    await j.advance(2.0)
    user = j.user(name)
    chat = j.telegram.default_bot.chats[user["id"]]
    invoice = [m for m in chat.messages.values() if "invoice" in m.service][-1]
    checkout = j.people.pay(user["id"], user, invoice.message_id)
    said = await _telegram(world)
    await j.advance(11.0)  # past Telegram's 10-second pre-checkout window
    status = j.telegram.payments.refresh(checkout).status
    if status == "paid":
        said = await _telegram(world)  # the successful_payment
    return f"bot: {said}; Telegram: {status}"


async def _payme(call) -> str:
    answer = await call
    if "error" in answer:
        return f"HTTP 200, error {answer['error']['code']} ({answer['error']['message']['en']})"
    return f"HTTP 200, state {answer['result']['state']}"


async def _click(j: JourneyWorld, order_id: str, amount: int) -> str:
    _, prepared, completed = await j.click.pay(order_id, amount)
    last = completed or prepared
    step = "Complete" if completed else "Prepare"
    return f"HTTP 200, {step} error {last['error']} ({last['error_note']})"


async def _stripe(j: JourneyWorld, intent: str) -> str:
    """The buyer confirms the PaymentIntent opened before the outage (Stripe takes the money); Stripe sends
    its webhook."""
    await j.stripe.v1.payment_intents.confirm_async(intent, params={"payment_method": "pm_card_visa"})
    return _deliveries(await j.stripe_fake.deliveries.deliver_due(j.http))


async def _stripe_retry(j: JourneyWorld) -> str:
    return _deliveries(await j.stripe_fake.deliveries.deliver_due(j.http))


def _deliveries(rows: list[dict]) -> str:
    rows = [r for r in rows if r["type"] == "payment_intent.succeeded"]
    return "; ".join(f"HTTP {r['status']}" + (" (Stripe retries)" if r["error"] else "") for r in rows) or "none due"


async def _telegram(world: OutageWorld) -> str:
    before = len(world.shop.bot.log)
    try:
        await world.journey.sync()
    except RedisError:
        return "failed: not confirmed, Telegram redelivers it"
    handled = list(world.shop.bot.log)[before:]
    return ", ".join(h.input.split(" ")[0].strip("[]()") for h in handled) + " handled" if handled else "nothing new"


