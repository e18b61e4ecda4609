"""The buyer's journey across every wire: Telegram, a provider, our shop (the app `serve app` serves) and Redis.

`await journey_world(lab)` gives a `JourneyWorld`: the Telegram fake (Payments on, a card provider
registered), the Stripe fake, Payme's and Click's simulators, and our shop built by `app.service.build_shop`
on the lab's Redis and clock, everything in-process. A buyer acts (`says`, `presses`, `pays`); the bot hears
Telegram by polling; `deliver()` lets the outbox send. Every exchange is noted on a `Trace`, so a notebook
can draw the journey as a sequence picture and print the same arrows as a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd
import stripe
from redis.exceptions import RedisError

from ..app.bot import poll_once
from ..app.scripts import lua_source, script_names
from ..app.service import DEFAULTS, Options, Shop, build_shop
from ..fakes.click import ClickSimulator
from ..fakes.payme import PaymeSimulator
from ..fakes.stripe import StripeFake, checkout, intents
from ..fakes.stripe.errors import StripeError
from ..fakes.stripe.transport import AsyncStripeTransport
from ..fakes.stripe.world import Call
from ..fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from ..shop_server import shop_app
from . import journey_wires as wires
from .merchant import stripe_statement
from .payments import orders_table, payments_table, reconciliation_table
from .trace import Trace, TracedTransport

PROVIDER = "Stripe TEST"  # the card provider connected in BotFather, as Telegram names it
STRIPE_KEY = "sk_test_lab_0000000000000000000000000000"  # a test-mode key the fake accepts; never a real one
BASE = "https://shop.lab"  # our app, in-process: any host reaches it
THINK = 2.0  # seconds a buyer takes before each action
ROUTE_BUTTONS = {"stars": "Telegram Stars", "card": "Card (Telegram)", "payme": "Payme", "click": "Click",
                 "stripe": "Card (Stripe)", "stripe_checkout": "Card (Stripe Checkout)"}
STRIPE_ROUTES = ("stripe", "stripe_checkout")  # we hear of the payment only by Stripe's webhook
CARDS = {"visa": "pm_card_visa", "3ds": "pm_card_threeDSecure2Required", "declined": "pm_card_chargeDeclined"}
TELEGRAM_ROUTES = ("stars", "card")
MAX_DRAIN_ROUNDS = 20  # a flood or an outage makes the outbox wait; a journey gives it this many rounds


@dataclass
class JourneyWorld:
    lab: Any
    telegram: TelegramFake
    people: People
    stripe_fake: StripeFake
    stripe: stripe.StripeClient
    shop: Shop
    http: httpx.AsyncClient  # the providers' way into our app (Payme, Click, Stripe's webhooks)
    payme: PaymeSimulator
    click: ClickSimulator
    trace: Trace
    options: Options = field(repr=False)
    offset: int | None = None
    users: dict[str, dict] = field(default_factory=dict)
    orders: list[str] = field(default_factory=list)
    catalog: dict | None = field(default=None, repr=False)  # None: the shop's own (app/shop/catalog.py)
    stripe_wire: TracedTransport | None = field(default=None, repr=False)  # how our side's Stripe SDK reaches the fake

    async def advance(self, seconds: float) -> None:
        """Time passes on the lab clock; what the lab does to Redis to follow it (a real server's TTLs) is not
        part of the journey."""
        with self.trace.aside():
            await self.lab.advance(seconds)

    # the buyer -----------------------------------------------------------------------------------------
    def user(self, name: str) -> dict:
        if name not in self.users:
            self.users[name] = {"id": self.lab.ids.integer(100_000_000, 999_999_999), "first_name": name}
        return self.users[name]

    async def says(self, name: str, text: str) -> None:
        await self.advance(THINK)
        self.trace.note("buyer", "Telegram", text)
        self.people.send(self.user(name)["id"], self.user(name), text)
        await self.sync()

    async def presses(self, name: str, button: str) -> None:
        """Press the newest button whose label starts with `button` in the buyer's chat."""
        await self.advance(THINK)
        chat = self.telegram.default_bot.chats[self.user(name)["id"]]
        for message in reversed([m for m in chat.messages.values() if m.reply_markup and not m.deleted]):
            for b in (x for row in message.reply_markup.get("inline_keyboard", []) for x in row):
                if b["text"].startswith(button) and "callback_data" in b:
                    self.trace.note("buyer", "Telegram", f"presses {b['text']}")
                    self.people.press(chat.id, self.user(name), message.message_id, b["callback_data"])
                    return await self.sync()
        raise LookupError(f"no button {button!r} in {name}'s chat")

    async def checks_out(self, name: str, *skus: str) -> str:
        """/start, /buy each sku, Checkout: the order the shop opened."""
        await self.says(name, "/start")
        for sku in skus:
            await self.says(name, f"/buy {sku}")
        await self.presses(name, "Checkout")
        order_id = self.shop.bot.log[-1].reply.split(":")[0].removeprefix("Order ")
        if not order_id or " " in order_id:
            raise RuntimeError(f"checkout did not open an order: {self.shop.bot.log[-1].reply}")
        self.orders.append(order_id)
        return order_id

    async def pays(self, name: str, route: str, order_id: str, card: str = "visa", cut_at: int | None = None,
                   restart: bool = False, webhook: bool = True) -> str:
        """The buyer chooses `route` and pays: what the provider (or Telegram) said at the end. For the Telegram
        routes, `cut_at` drops Redis before that command of the payment's handling and `restart` restarts the
        bot before it hears of the payment; for Stripe (either way), `webhook=False` keeps Stripe's webhook back."""
        if (cut_at is not None or restart) and route not in TELEGRAM_ROUTES:
            raise ValueError("cut_at and restart are for the Telegram routes (Telegram redelivers); the crash-point "
                             "notebook cuts Payme, Click and Stripe at every command")
        await self.presses(name, ROUTE_BUTTONS[route])
        await self.advance(THINK)
        if route in TELEGRAM_ROUTES:
            return await self._pay_invoice(name, route, cut_at, restart)
        price = (await self.shop.ledger.order(order_id)).prices
        if route == "payme":
            self.trace.note("buyer", "provider", "Payme: opens the link, pays")
            _, answer = await self.payme.pay(order_id, price["UZS"])
            return "Payme: " + ("performed" if "result" in answer else f"error {answer['error']['code']}")
        if route == "click":
            self.trace.note("buyer", "provider", "Click: opens the link, pays")
            _, prepared, completed = await self.click.pay(order_id, price["UZS"])
            last = completed or prepared
            return f"Click: error {last['error']} {last['error_note']}"
        if route == "stripe_checkout":
            return await self.pays_on_checkout_page(name, card, webhook)
        return await self._pay_stripe(order_id, card, webhook)

    async def pays_again(self, name: str, route: str) -> str:
        """The buyer presses Pay once more on the same invoice."""
        await self.advance(THINK)
        return await self._pay_invoice(name, route)

    async def pays_both(self, name: str, first: str, then: str) -> str:
        """Two invoices of the same order (two Telegram routes), Pay pressed on both before the bot hears of
        either: both pre-checkout queries find the order unpaid, so Telegram charges twice."""
        for route in (first, then):
            await self.presses(name, ROUTE_BUTTONS[route])
        user = self.user(name)
        chat = self.telegram.default_bot.chats[user["id"]]
        invoices = [m for m in chat.messages.values() if "invoice" in m.service][-2:]
        checkouts = []
        for route, invoice in zip((first, then), invoices):
            self.trace.note("buyer", "Telegram", f"presses Pay {_amount(invoice.service['invoice'])}")
            checkouts.append(self.people.pay(user["id"], user, invoice.message_id, order_info=self._order_info(route)))
        await self.sync()
        await self.sync()
        return "Telegram: " + ", ".join(self.telegram.payments.refresh(c).status for c in checkouts)

    def _order_info(self, route: str) -> dict | None:
        return {"email": f"{route}@buyer.example"} if route == "card" else None

    async def _pay_invoice(self, name: str, route: str, cut_at: int | None = None, restart: bool = False) -> str:
        user = self.user(name)
        chat = self.telegram.default_bot.chats[user["id"]]
        invoice = [m for m in chat.messages.values() if "invoice" in m.service][-1]
        self.trace.note("buyer", "Telegram", f"presses Pay {_amount(invoice.service['invoice'])}")
        checkout = self.people.pay(user["id"], user, invoice.message_id, order_info=self._order_info(route))
        await self.sync()  # the bot hears the pre-checkout query and answers
        checkout = self.telegram.payments.refresh(checkout)
        if checkout.status != "paid":
            self.trace.note("Telegram", "buyer", f"payment failed: {checkout.error_message or 'no answer in time'}")
            return f"Telegram: {checkout.status}"
        if restart:
            await self.restart()
        if cut_at is not None:
            self.shop.cut.fail_after(cut_at)
            try:
                await self.sync()  # the bot meets the cut while it settles; the update stays unconfirmed
            except RedisError:
                pass
            self.shop.cut.reconnect()
            self.trace.note("Redis", "our bot", "back")
        await self.sync()  # ... and the successful_payment (again, after a cut or a restart)
        return f"Telegram: {checkout.status}"

    async def _pay_stripe(self, order_id: str, card: str, webhook: bool = True) -> str:
        """On Stripe's side: the buyer confirms the PaymentIntent our gateway opened (3-D Secure if the card
        asks for it); we hear of it only by webhook."""
        opened = [p["ref"] for p in await self.shop.ledger.payments(order_id) if p["provider"] == "stripe"]
        if not opened:
            return "Stripe: no payment opened"
        self.trace.note("buyer", "provider", f"Stripe: enters card {card}")
        pi = await self.stripe.v1.payment_intents.confirm_async(opened[-1], params={"payment_method": CARDS[card]})
        if pi.status == "requires_action":
            self.trace.note("buyer", "provider", "Stripe: passes 3-D Secure")
            intents.authenticate(self.stripe_fake, self.stripe_fake.objects[pi.id], True, Call())
        if webhook:
            await self.stripe_webhooks()
        return f"Stripe: {self.stripe_fake.objects[pi.id]['status']}"

    def checkout_link(self, name: str) -> str | None:
        """The newest Stripe Checkout link the bot sent the buyer (the URL of its Pay with Stripe button)."""
        chat = self.telegram.default_bot.chats[self.user(name)["id"]]
        for message in reversed([m for m in chat.messages.values() if m.reply_markup and not m.deleted]):
            for b in (x for row in message.reply_markup.get("inline_keyboard", []) for x in row):
                if b["text"] == "Pay with Stripe" and "url" in b:
                    return b["url"]
        return None

    async def pays_on_checkout_page(self, name: str, card: str = "visa", webhook: bool = True,
                                    link: str | None = None) -> str:
        """On Stripe's side: the buyer opens the Checkout link (the newest, or `link`) and pays with `card`
        (3-D Secure passed if the card asks); a decline leaves the page open. We hear of it only by webhook."""
        link = link or self.checkout_link(name)
        if link is None:
            return "Stripe Checkout: no link opened"
        session = self.stripe_fake.get(checkout.KIND, link.rstrip("/").rsplit("/", 1)[-1], "session")
        self.trace.note("buyer", "provider", f"Stripe Checkout: opens the link, enters card {card}")
        try:
            checkout.complete_for_script(self.stripe_fake, session, CARDS[card], Call(), None, "succeed")
        except StripeError as declined:  # the page says so and stays open for another card
            return f"Stripe Checkout: declined ({declined.extra.get('decline_code') or declined.code}), still open"
        if webhook:
            await self.stripe_webhooks()
        return f"Stripe Checkout: {session['status']}, {session['payment_status']}"

    def stripe_outcome(self) -> str:
        """What our webhook endpoint made of Stripe's latest payment_intent.succeeded (or, paid on a Checkout
        page, checkout.session.completed: both settle the same payment)."""
        paid = ("payment_intent.succeeded", "checkout.session.completed")
        outcomes = [h["outcome"] for h in self.shop.webhooks.handled if h["type"] in paid]
        return "webhook: " + (outcomes[-1] if outcomes else "none yet")

    async def broadcast(self, name: str, count: int) -> str:
        """The shop sends `count` news messages to the buyer at once (its own business, not the journey's)."""
        chat_id = self.user(name)["id"]
        for i in range(count):
            await self.shop.bot.api.send_message(chat_id, f"News {i + 1}: new teas this week!")
        return f"{count} messages"

    def blocks(self, name: str) -> None:
        self.trace.note("buyer", "Telegram", "blocks the bot")
        self.people.block(self.user(name)["id"])

    async def provider_refunds(self) -> str:
        """Each provider gives back what our side asked for: Payme cancels with reason 5 (as its cabinet
        does), Stripe's refund events arrive, Telegram's refunded_payment reaches the bot."""
        done = []
        for order_id, txid in (await self.shop.parts.refunds.payme_requests()).items():
            answer = await self.payme.cancel(txid, 5)
            said = f"state {answer['result']['state']}" if answer.get("result") else f"error {answer['error']}"
            done.append(f"Payme CancelTransaction (reason 5): {said}")
        await self.stripe_webhooks()
        await self.sync()
        refunded = [h for h in self.shop.bot.log if h.input == "(refunded_payment)"]
        done += [f"Telegram refunded_payment: {h.reply}" for h in refunded]
        done += [f"Stripe {h['type']}: {h['outcome']}" for h in self.shop.webhooks.handled if h["type"] == "charge.refunded"]
        return "; ".join(done) or "nothing to refund"

    async def stripe_webhooks(self) -> None:
        """Stripe delivers whatever events have fallen due."""
        await self.stripe_fake.deliveries.deliver_due(self.http)

    # the bot and its outbox -------------------------------------------------------------------------------
    async def sync(self) -> None:
        """One polling round of our bot. A failure inside (Redis cut) leaves the updates unconfirmed, so the
        next round gets them again, as Telegram would."""
        try:
            self.offset = await poll_once(self.shop.bot.api, self.shop.bot, self.offset)
        except Exception as failure:  # noqa: BLE001  # the bot crashed on this update: Telegram keeps it
            self.trace.note("our bot", "our bot", f"failed: {type(failure).__name__}")
            raise

    async def deliver(self, rounds: int = MAX_DRAIN_ROUNDS) -> pd.DataFrame:
        """Let the outbox send what is due, waiting (on the lab clock) for what it must wait for."""
        rows = []
        await self.stripe_webhooks()  # Stripe's events that fell due (a refund's, say) reach us first
        for _ in range(rounds):
            sent = await self.shop.outbox.drain()
            rows += [{"t (s)": self._t(), **r} for r in sent]
            with self.trace.aside():
                jobs = await self.shop.outbox.jobs()
            waiting = [j for j in jobs if j["state"] == "due"]
            if not waiting:
                break
            due = min(int(j["due_at"] or 0) for j in waiting)
            await self.advance(max(1.0, (due - self.lab.clock.ms()) / 1000))
        return pd.DataFrame(rows)

    async def restart(self) -> None:
        """The bot process restarts: everything in memory is gone, Redis keeps what it had."""
        self.trace.note("our bot", "our bot", "restarts")
        await self.shop.bot.api.close()
        self.shop = await build_shop(self.options, backend=self.lab.backend, clock=self.lab.clock,
                                     stripe_client=self.stripe, telegram_transport=self._telegram_transport(),
                                     sleep=self.advance, catalog=self.catalog)
        await self.shop.start()  # a started bot sets its menu and descriptions again
        self.http._transport.inner = httpx.ASGITransport(app=shop_app(self.shop))  # the providers now reach the new process
        self.offset = None  # a fresh process does not know what it confirmed: Telegram resends the rest

    def _telegram_transport(self) -> TracedTransport:
        return TracedTransport(AsyncTelegramTransport(self.telegram), self.trace, wires.telegram_api)

    def _t(self) -> float:
        return round(self.lab.clock.time() - self.trace.start, 3)

    # what a notebook prints -----------------------------------------------------------------------------
    def chat(self, name: str) -> pd.DataFrame:
        """The buyer's chat as they saw it, both directions, with the payment screens' outcomes."""
        rows = [{"t (s)": round(r["date"] - int(self.trace.start), 1), "direction": r["direction"], "text": r["text"],
                 "buttons": r["buttons"]} for r in self.people.transcript(self.user(name)["id"])]
        return pd.DataFrame(rows, columns=["t (s)", "direction", "text", "buttons"])

    async def ledger(self, *order_ids: str) -> pd.DataFrame:
        with self.trace.aside():
            return await orders_table(self.shop.ledger, order_ids or self.orders, delivered=True)

    async def payments(self, order_id: str) -> pd.DataFrame:
        with self.trace.aside():
            return await payments_table(self.shop.ledger, order_id)

    async def outbox(self) -> pd.DataFrame:
        with self.trace.aside():
            jobs = await self.shop.outbox.jobs()
        return pd.DataFrame([{"job": j["id"], "state": j["state"], "attempts": j["attempts"], "error": j["error"]}
                             for j in jobs], columns=["job", "state", "attempts", "error"])

    async def stock(self) -> pd.DataFrame:
        with self.trace.aside():
            levels = await self.shop.stock.levels()
        return pd.DataFrame([{"sku": sku, **level} for sku, level in sorted(levels.items())],
                            columns=["sku", "available", "held", "sold"])

    def telegram_statement(self) -> list[dict]:
        """Telegram's side: every payment it charged for our bot, in the reconciliation's words."""
        book = self.telegram.payments.ledger(self.telegram.default_bot.account.id)
        refunded = {c for c, p in book.star_payments.items() if p.refunded}
        rows = []
        for checkout in book.checkouts.values():
            if checkout.status != "paid":
                continue
            paid = checkout.successful_payment["successful_payment"]
            charge = paid["telegram_payment_charge_id"]
            rows.append({"provider": "stars" if paid["currency"] == "XTR" else "telegram", "ref": charge,
                         "order_id": paid["invoice_payload"], "amount": paid["total_amount"],
                         "status": "refunded" if charge in refunded else "paid"})
        return rows

    async def statement(self, *order_ids: str) -> pd.DataFrame:
        """Our ledger beside each provider's own statement: one row per payment, `check` ok when they agree."""
        order_ids = order_ids or tuple(self.orders)
        rows = (self.telegram_statement() + self.payme.statement_rows() + self.click.statement_rows()
                + stripe_statement(self.stripe_fake, order_ids))
        with self.trace.aside():
            return await reconciliation_table(self.shop.ledger, order_ids, rows)

    def arrows(self) -> pd.DataFrame:
        """Every message of the journey so far, in order: the table beside the sequence picture."""
        return pd.DataFrame(self.trace.rows(), columns=["t (s)", "from", "to", "message"])

    async def invariants(self) -> pd.DataFrame:
        """The promises, over every order of the journey: paid at most once, every paid order delivered
        exactly once, the ledger equal to the providers' statements, stock never negative."""
        with self.trace.aside():
            return await self._invariants()

    async def _invariants(self) -> pd.DataFrame:
        rows = []
        sent = [j for j in await self.shop.outbox.jobs() if j["id"].endswith(":goods") and j["state"] in ("sent", "done")]
        report = await self.statement()
        levels = await self.shop.stock.levels()
        for order_id in self.orders:
            payments = await self.shop.ledger.payments(order_id)
            order = await self.shop.ledger.order(order_id)
            kept = [p for p in payments if p["status"] == "succeeded" and p.get("refunded", 0) < p["amount"]]
            goods = sum(j["id"] == f"{order_id}:goods" for j in sent)
            rows.append({"order": order_id, "payments kept": len(kept), "goods sent": goods,
                         # paid: the goods went once; otherwise once if they went before a refund, else never
                         "paid ⇒ delivered once": goods == 1 if order.status == "paid" else goods == int(order.delivered),
                         "statement agrees": bool((report[report["order_id"] == order_id]["check"] == "ok").all())})
        table = pd.DataFrame(rows, columns=["order", "payments kept", "goods sent", "paid ⇒ delivered once",
                                            "statement agrees"])
        table.attrs["stock never negative"] = all(v >= 0 for level in levels.values() for v in level.values())
        return table

    async def close(self) -> None:
        self.trace.enabled = False
        await self.shop.bot.api.close()
        await self.http.aclose()


async def journey_world(lab, limits: bool = True, catalog: dict | None = None, history: int | None = None
                        ) -> JourneyWorld:
    """`catalog` replaces the shop's products; `history` is what each fake keeps per table (a load run's
    statements must cover every buyer)."""
    trace = Trace(lab.clock, enabled=False)  # setup is not part of the journey
    kept = {"history": history} if history else {}
    telegram = TelegramFake(lab.clock, lab.ids, limits=limits,
                            payment_providers={PROVIDER: DEFAULTS["telegram_provider_token"]}, **kept)

    stripe_fake = StripeFake(lab.clock, lab.ids, base_url="https://stripe.lab", **kept)
    stripe_wire = TracedTransport(AsyncStripeTransport(stripe_fake), trace, wires.stripe_api)
    client = stripe.StripeClient(STRIPE_KEY, http_client=_stripe_http(stripe_wire), max_network_retries=0)
    endpoint = await client.v1.webhook_endpoints.create_async(params={"url": f"{BASE}/stripe/webhook",
                                                                      "enabled_events": ["*"]})
    options = Options(stripe_webhook_secret=endpoint.secret, telegram_token=telegram.default_bot.token)
    world = JourneyWorld(lab, telegram, People(telegram), stripe_fake, client, None, None, None, None, trace, options,
                         catalog=catalog, stripe_wire=stripe_wire)
    telegram.sleep = world.advance  # a latency fault takes lab time, as a slow network would
    world.shop = await build_shop(options, backend=lab.backend, clock=lab.clock, stripe_client=client,
                                  telegram_transport=world._telegram_transport(), sleep=world.advance, catalog=catalog)
    await world.shop.start()  # the bot's start-up step: its menu and descriptions (setup, so not traced)
    world.http = httpx.AsyncClient(transport=TracedTransport(httpx.ASGITransport(app=shop_app(world.shop)), trace,
                                                             wires.provider_calls), base_url=BASE)
    world.payme = PaymeSimulator(world.http, f"{BASE}/payme", DEFAULTS["payme_key"], lab.clock, lab.ids)
    world.click = ClickSimulator(world.http, f"{BASE}/click", DEFAULTS["click_service_id"],
                                 DEFAULTS["click_secret_key"], lab.clock, lab.ids)
    await _load_scripts(lab.redis)
    trace.start = lab.clock.time()
    trace.watch_redis(lab.redis)
    trace.enabled = True
    return world


def _amount(invoice: dict) -> str:
    return f"{invoice['total_amount']} {invoice['currency']}"


def _stripe_http(wire: TracedTransport) -> stripe.HTTPXClient:
    """The SDK's own httpx client, wired to the fake through `wire` (the trace's transport)."""
    http_client = stripe.HTTPXClient(allow_sync_methods=True)
    http_client._client_async = httpx.AsyncClient(transport=wire)
    return http_client


async def _load_scripts(redis) -> None:
    """Load every Lua script up front: a real redis-server may already have them, fakeredis not, and a
    first EVALSHA answered NOSCRIPT would add commands to one run's picture and not another's."""
    for name in script_names():
        await redis.script_load(lua_source(name))

