"""The sample shop bot: commands, inline buttons, a conversation per user in Redis, command rate limits.

    /start /help /catalog /show <sku> /buy <sku> /refund [order] /club
    buttons: buy:<sku>, checkout, cancel, pay:<route>, club:<route>

With the shop's parts (`shop=`, app/shop), Checkout opens an order and offers six ways to pay it, and the
bot answers Telegram's payment updates: shipping_query, pre_checkout_query (always within 10 s), and the
successful_payment and refunded_payment service messages; /club sells the monthly club (app/shop/club_sales.py),
whose Stars payments (the first and each renewal) are successful_payment messages with a `club:` payload. Without them, Checkout only names the total.

Each user's conversation is a `SessionStore` session (browsing → cart → checkout), so users never see
each other's carts and an abandoned cart lapses after `session_ttl`. Every update is handled once (its
update_id is remembered in Redis), whether it came by polling or by webhook.

Crash-safety: the update_id is remembered only after the update's steps are written, so a Redis cut at
any command leaves the update unremembered and Telegram's redelivery runs it again. Each step is one
atomic script and repeatable: a session move or cart change carries the update's id, so a redelivery
finds it already made instead of adding the item twice or being refused. The command rate limiter counts
the redelivery as another command (a cut costs the buyer one command of their budget, never money).

Concurrency: an update may be handled twice at once (Telegram redelivers while the first delivery is still
running), and a buyer's updates may run at once (app/lanes.py keeps them in order within one process, but two
processes share the buyer). The cart change is a compare-and-set on the session's data as the first call read
it (session_transition.lua's `expected`), and the data names the updates whose item is in the cart
(`cart_updates`), so no delivery, however late or concurrent, doubles an item or loses one; every other step is
one atomic script keyed by the update or the order (the order opens once, stock is held once, a payment settles
once), and `notebooks/resilience/05_races` runs such pairs interleaved at every Redis command.

Round trips: an update's first call is one script (bot_update.lua): the repeat check, whether the chat has
outbox jobs parked (only then are they resumed), the command rate limit, and the session step the update
needs (start, touch, or a move), so the session comes back with it. Writes the reply does not wait for (a
checkout's order id in the session, an emptied cart, a short order canceled, a paid order's goods queued)
go in the update's last round trip: one pipeline (app/batch.py), in order, with the update_id remembered
last, after the reply went out, as before.

A full Redis outage (`degrade=True`, the default): the read-only commands, /catalog and /help, still answer
from the bot's own products. Their dedupe check, session touch, held-back-delivery resume and rate limit may
fail (the limiter then lets browsing through: BROWSE_POLICY is the command policy, fail-open); a redelivered
read-only update answered twice is harmless, so it is not remembered. Every writing step (/start, /buy,
buttons, payments) still fails with the Redis error, so nothing is half-written and Telegram redelivers the
update (the webhook answers 500; polling leaves it unconfirmed); a command refused by the limiter only
because Redis could not be asked fails the same way rather than telling the buyer to slow down.
`degrade=False` is the old behaviour: any Redis error fails the update.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from ...runtime.keyspace import tag
from ..batch import Answer, Batch
from ..lanes import lane_of
from ..money import money
from ..ratelimit import ALGORITHMS, Decision, Policy, RateLimiter
from ..scripts import composition, register
from ..sessions import InvalidTransition, Session, SessionExpired, SessionStore, moved
from ..shop import Product, ShopParts
from ..shop.club_sales import PAYLOAD as CLUB_PAYLOAD
from ..telegram.client import BotApi, ChatMigrated, TelegramError
from .product_photos import ProductPhotos

HELP = ("Commands: /catalog to browse, /show <sku> for a product's photo, /buy <sku> to add to your cart, "
        "/help for this list.")
COMMAND_POLICY = Policy("telegram_command", ("5/10s",), "sliding_log")  # on a Redis outage: refused
CART_TRIES = 8  # compare-and-set rounds for one cart change while other updates of the buyer change the cart
READ_ONLY = ("/catalog", "/help")  # commands that write nothing the buyer relies on: they answer in an outage
UPDATE_MEMORY = 86400  # seconds an update_id is remembered (Telegram stops redelivering long before)
LOG_KEPT = 1000  # recent updates kept in memory for notebooks; the record of what was handled is in Redis
# an update's first call, one per rate-limit algorithm: bot_update.lua with that algorithm and the session's
# scripts composed in
FIRST_STEP = {algorithm: composition(f"bot_update+{algorithm}", "bot_update", rate_limit=algorithm,
                                     start="session_start", touch="session_touch", transition="session_transition")
              for algorithm in ALGORITHMS}


class CartBusy(Exception):
    """The buyer's cart changed under every try (their other updates at once): the update fails and Telegram
    delivers it again, when the others are done."""


@dataclass
class Handled:
    update_id: int
    user_id: int | None
    input: str
    reply: str
    degraded: bool = False  # answered without Redis (a read-only command during an outage)


class StoreDown(RedisConnectionError):
    """A step could not be decided without Redis: the update fails, and Telegram delivers it again."""


@dataclass
class Plan:
    """What an update's first call asks for (`ShopBot._plan`)."""
    user_id: int | None = None
    policy: Policy | None = None  # the command rate limit to count it against
    session: str = ""  # start, ensure, touch, transition ('' none)
    event: str = ""  # the transition's event
    parked_chat: int | None = None  # the chat whose parked outbox jobs to look for


@dataclass
class Begun:
    """What the first call found: a repeat, or the parked jobs, the rate limit's decision and the session."""
    seen: bool = False
    parked: int = 0
    decision: Decision | None = None
    status: str = ""  # the session step: ok, missing, refused ('' none asked)
    state: str = ""  # the session's state when a move was refused
    flat: list | None = None  # the session's fields (flat)
    event: str = ""
    user_id: int | None = None

    def session(self) -> Session:
        """The session the step left, or SessionExpired / InvalidTransition as the step itself would raise."""
        if not self.status:  # no step was asked: an event the flow does not know
            raise InvalidTransition(f"unknown event {self.event!r}")
        return moved(self.user_id, self.event, self.status, self.state, self.flat)


class ShopBot:
    def __init__(self, api: BotApi, sessions: SessionStore, limiter: RateLimiter, products: dict[str, Product],
                 redis, keys, policy: Policy = COMMAND_POLICY, shop: ShopParts | None = None, degrade: bool = True):
        self.api, self.sessions, self.limiter, self.products = api, sessions, limiter, products
        self.shop = shop  # the shop's parts it drives, or None: a bot that only keeps carts
        self.redis, self.keys, self.policy = redis, keys, policy
        self.browse_policy = replace(policy, on_outage="open")  # same limits and keys, fail-open
        self.degrade = degrade  # False: any Redis error fails the update (read-only commands too)
        self.log: deque[Handled] = deque(maxlen=LOG_KEPT)
        self.moved_chats: dict[int, int] = {}  # group id -> supergroup id, learnt from ChatMigrated
        self.undelivered: deque[tuple[int, str]] = deque(maxlen=LOG_KEPT)  # (chat, Telegram's description)
        self.photos = ProductPhotos(api, redis, keys)
        self._first = register(redis, FIRST_STEP[policy.algorithm])

    async def handle(self, update: dict) -> Handled | None:
        """Handle one update unless it was handled before. Returns what was done (None for a repeat)."""
        seen = self.seen_key(update)
        arrived = self.sessions.clock.ms()  # for the pre-checkout deadline, on the lab clock
        read_only = self.degrade and self._read_only(update)
        try:
            begun = await self._begin(update, seen)
        except RedisError:
            if not read_only:
                raise
            begun = None  # cannot tell: answering a read-only command twice is harmless
        if begun is not None and begun.seen:
            return None
        last = Batch(self.redis)  # the update's last round trip: writes the reply does not wait for, then `seen`
        handled = await self._dispatch(update, arrived, begun, last)
        if begun is None:
            handled.degraded = True
        else:
            if begun.status == "ok":  # the session is live: its expiry index entry (another slot) goes here
                self.sessions.stage_index(last, begun.user_id)
            last.command("SET", seen, 1, "EX", UPDATE_MEMORY)
            try:
                await last.send()
            except RedisError:
                if not read_only:
                    raise
                handled.degraded = True
        self.log.append(handled)
        return handled

    def seen_key(self, update: dict) -> str:
        """The key that says the update was handled, tagged with its person (the slot of their session and
        rate limit, which the first call checks with it); an update of nobody's keeps its own slot."""
        owner = lane_of(update)
        parts = (tag(owner),) if isinstance(owner, int) else ()
        return self.keys.key("tg-update", *parts, update["update_id"])

    def _plan(self, update: dict) -> Plan:
        """What the update's first call asks besides the repeat check, as the handlers below need it."""
        if "callback_query" in update:
            query = update["callback_query"]
            user_id, data = query["from"]["id"], query.get("data", "")
            if data.startswith("buy:") and data[4:] in self.products:
                return Plan(user_id, session="ensure")
            if data in ("checkout", "cancel"):  # an event the flow does not know is refused without a step
                known = any(event == data for _, event in self.sessions.flow)
                return Plan(user_id, session="transition" if known else "", event=data)
            if data.startswith("pay:") and self.shop is not None:
                return Plan(user_id, session="touch")
            return Plan(user_id)
        if self.shop is not None and ("pre_checkout_query" in update or "shipping_query" in update):
            return Plan()
        message = update.get("message") or {}
        text, user = message.get("text"), message.get("from") or {}
        if not isinstance(user.get("id"), int):
            return Plan()
        plan = Plan(user["id"])
        if self.shop is not None:
            plan.parked_chat = message["chat"]["id"]
            if "successful_payment" in message or "refunded_payment" in message:
                return plan
        if not text:
            return plan
        plan.policy = self.browse_policy if self.degrade and self._read_only(update) else self.policy
        command, _, argument = text.strip().partition(" ")
        command = command.split("@")[0].lower()
        if command == "/start":
            plan.session = "start"
        elif command == "/catalog" or (command == "/buy" and argument.strip() in self.products):
            plan.session = "ensure"
        return plan

    async def _begin(self, update: dict, seen: str) -> Begun:
        """The first call: one script (or a bare EXISTS when the update asks nothing else), and beside it, in
        the same round trip, the count of the chat's parked jobs (the outbox's slot) when asked."""
        plan = self._plan(update)
        if plan.policy is None and not plan.session and plan.parked_chat is None:
            return Begun(seen=bool(await self.redis.exists(seen)), event=plan.event, user_id=plan.user_id)
        keys, args = [seen], [self.sessions.clock.ms(), self.sessions.ttl_ms, str(plan.user_id), str(update["update_id"]),
                              self.sessions.initial_state, plan.session]
        if plan.session:
            keys += self.sessions.keys_of(plan.user_id)
        if plan.policy is not None:
            limit_keys, packed = self.limiter.prepare(plan.policy, plan.user_id)
            keys += limit_keys
            args.append(packed)
        else:
            args.append("")
        if plan.session == "transition":
            args += self.sessions.pairs(plan.event)
        first = Batch(self.redis)
        answer = first.script(self._first, keys, args)
        parked = (first.command("SCARD", self.shop.outbox.parked_key(plan.parked_chat))
                  if plan.parked_chat is not None else Answer.known(0))
        await first.send()
        if answer.value[0] == "seen":
            return Begun(seen=True)
        _, limit, status, state, flat = answer.value
        parked = parked.value
        decision = self.limiter.decide(plan.policy, limit) if plan.policy is not None else None
        return Begun(False, int(parked), decision, status, state, flat, plan.event, plan.user_id)

    @staticmethod
    def _read_only(update: dict) -> bool:
        """A person's /catalog or /help (nothing else in the update)."""
        message = update.get("message")
        if not isinstance(message, dict) or not isinstance(message.get("text"), str):
            return False
        if "successful_payment" in message or "refunded_payment" in message:
            return False
        command = message["text"].strip().partition(" ")[0].split("@")[0].lower()
        return command in READ_ONLY

    async def _dispatch(self, update: dict, arrived: int, begun: Begun | None, last: Batch) -> Handled:
        """`begun` is the first call's answer (None: Redis could not be asked, for a read-only command);
        `last` gathers writes for the update's last round trip."""
        uid = update["update_id"]
        if "callback_query" in update:
            query = update["callback_query"]
            return Handled(uid, query["from"]["id"], f"[{query.get('data')}]",
                           await self._on_button(query, uid, begun, last))
        if self.shop is not None and ("pre_checkout_query" in update or "shipping_query" in update):
            return await self._on_payment_query(update, arrived)
        message = update.get("message") or {}
        text, user = message.get("text"), message.get("from") or {}
        read_only = self.degrade and self._read_only(update)
        if self.shop is not None and isinstance(user.get("id"), int):
            if begun is not None and begun.parked:  # without Redis, the next message resumes them
                try:
                    await self.shop.outbox.resume(message["chat"]["id"])  # they write again: held-back deliveries go
                except RedisError:
                    if not read_only:
                        raise  # the next message resumes them; a browsing buyer still gets an answer
            if "successful_payment" in message and message["successful_payment"].get(
                    "invoice_payload", "").startswith(CLUB_PAYLOAD):
                return Handled(uid, user["id"], "(successful_payment club)",
                               await self.shop.club.successful_payment(message))
            if "successful_payment" in message:
                return Handled(uid, user["id"], "(successful_payment)",
                               await self.shop.fulfilment.successful_payment(message, last))
            if "refunded_payment" in message:
                return Handled(uid, user["id"], "(refunded_payment)",
                               await self.shop.refunds.refunded_payment(message))
        if not text or not isinstance(user.get("id"), int):  # not a person's text (a photo, a channel post)
            return Handled(uid, user.get("id"), f"({next((k for k in update if k != 'update_id'), 'empty')})", "")
        chat_id = message["chat"]["id"]
        decision = begun.decision if begun is not None else self.limiter.without_redis(self.browse_policy)
        if decision.degraded and not (decision.allowed and self.degrade):
            raise StoreDown("Redis is down: the command could not be rate-limited")
        if not decision.allowed:
            reply = f"Too many commands; try again in {decision.retry_after:g} s."
        elif text.strip().partition(" ")[0].split("@")[0].lower() == "/show":
            return Handled(uid, user["id"], text, await self._show(chat_id, text.strip().partition(" ")[2].strip()))
        elif text.strip().partition(" ")[0].split("@")[0].lower() == "/club" and self.shop is not None:
            reply, keyboard = await self.shop.club.offer(user["id"])
            await self._say(chat_id, reply, keyboard)
            return Handled(uid, user["id"], text, reply)
        else:
            reply = await self._on_text(user["id"], text, uid, begun)
        await self._say(chat_id, reply, self._keyboard_for(reply))
        return Handled(uid, user["id"], text, reply)

    async def _on_text(self, user_id: int, text: str, update_id: int, begun: Begun | None) -> str:
        command, _, argument = text.strip().partition(" ")
        command = command.split("@")[0].lower()
        if command == "/start":  # the first call started the session
            return "Welcome to the Lab Shop! " + HELP
        if command == "/help":
            return HELP
        if command == "/catalog":  # the first call made sure of a session (none without Redis: /buy starts one)
            return "Catalog: " + ", ".join(f"{p.title} {money(p.price, p.currency)}" for p in self.products.values())
        if command == "/refund" and self.shop is not None:
            return await self.shop.refunds.request(user_id, argument.strip())
        if command == "/buy":
            try:
                return await self._add(user_id, argument.strip(), update_id, begun)
            except InvalidTransition:  # e.g. at checkout: an answer, not a failure Telegram would redeliver
                return "That step is not available now."
        return "Sorry, I only understand commands. " + HELP

    async def _show(self, chat_id: int, sku: str) -> str:
        """The product's photo, its title and price as the caption, and its Buy button."""
        product = self.products.get(sku)
        if product is None:
            reply = f"No product {sku!r}. Try /catalog."
            await self._say(chat_id, reply)
            return reply
        caption = f"{product.title} {money(product.price, product.currency)}"
        keyboard = {"inline_keyboard": [[{"text": f"Buy {product.title}", "callback_data": f"buy:{sku}"}]]}
        try:
            await self.photos.send(self.moved_chats.get(chat_id, chat_id), sku, caption, keyboard)
        except TelegramError as failed:  # as _say: the update was handled; the lost photo is noted
            self.undelivered.append((chat_id, failed.description))
        return caption

    async def _add(self, user_id: int, sku: str, update_id: int, begun: Begun) -> str:
        """The item goes in the cart: the first call made sure of the session; the move and the cart land
        together (one script), as a compare-and-set on the data the first call read, and the cart remembers
        which updates put an item in it (`cart_updates`): no delivery, however late or concurrent, doubles an
        item or loses one (a Buy and its twin at once, two Buys at once, a redelivery after a later Buy)."""
        product = self.products.get(sku)
        if product is None:
            return f"No product {sku!r}. Try /catalog."
        mark, session = str(update_id), begun.session()
        for _ in range(CART_TRIES):
            if mark in session.data.get("cart_updates", []):  # in already: a redelivery, or a twin at once
                break
            data = {**session.data, "cart": [*session.data.get("cart", []), sku],
                    "cart_updates": [*session.data.get("cart_updates", []), mark]}
            session = await self.sessions.transition(user_id, "add_to_cart", mark, data=data, expected=session.data,
                                                     index=False)  # the update's last round trip enters it
        if mark not in session.data.get("cart_updates", []):
            raise CartBusy(f"user {user_id}'s cart kept changing under update {update_id}")
        cart = session.data.get("cart", [])
        total = sum(self.products[s].price for s in cart)
        return f"Cart: {', '.join(cart)}. Total {money(total, product.currency)}."

    async def _on_button(self, query: dict, update_id: int, begun: Begun, last: Batch) -> str:
        user_id, data = query["from"]["id"], query.get("data", "")
        chat_id = query["message"]["chat"]["id"] if "message" in query else user_id
        keyboard = None
        try:
            if data.startswith("buy:"):
                answer = await self._add(user_id, data[4:], update_id, begun)
            elif data == "checkout":  # the first call made the move, carrying the update's id
                session = begun.session()
                cart = session.data.get("cart", [])
                if self.shop is None:
                    total = sum(self.products[s].price for s in cart)
                    answer = f"Order placed: pay {money(total, self.products[cart[0]].currency)} to finish."
                else:
                    answer, keyboard = await self._place(session, chat_id, cart, update_id, last)
            elif data == "cancel":  # the first call made the move, carrying the update's id
                session = begun.session()
                if self.shop is not None:
                    await self._drop_order(session)
                self.sessions.stage_write(last, user_id, {**session.data, "cart": []})
                answer = "Cart emptied."
            elif data.startswith("club:") and self.shop is not None:
                answer = await self.shop.club.buy(data[5:], user_id, chat_id, update_id)
            elif data.startswith("pay:") and self.shop is not None:
                order_id = begun.session().data.get("order_id", "")  # the first call read it
                answer = await self.shop.checkout.pay(data[4:], order_id, str(update_id))
            else:
                answer = "That button is no longer valid."
        except SessionExpired:
            answer = "Your cart expired. Send /catalog to start again."
        except InvalidTransition:
            answer = "That step is not available now."
        await self._answer(query["id"], answer)
        if "message" in query and (keyboard or answer.startswith(("Cart:", "Order placed"))):
            await self._say(chat_id, answer, keyboard or self._keyboard_for(answer))
        return answer

    async def _place(self, session: Session, chat_id: int, cart: list[str], update_id: int,
                     last: Batch) -> tuple[str, dict | None]:
        """The order is named after this update, so a redelivery finds the same order instead of a second.
        The session learns the order in the update's last round trip, before the update is remembered."""
        user_id = int(session.user_id)
        order_id = f"{user_id}-{update_id}"
        placed = await self.shop.checkout.place(order_id, user_id, chat_id, cart, last)
        if placed.ok:
            self.sessions.stage_write(last, user_id, {**session.data, "order_id": order_id})
        return placed.text, placed.keyboard

    async def _drop_order(self, session: Session) -> None:
        """Cancel: the unpaid order is canceled and its stock goes back on the shelf (both repeatable)."""
        order_id = session.data.get("order_id")
        if order_id and (await self.shop.fulfilment.ledger.cancel(order_id)).outcome != "already_paid":
            await self.shop.stock.release(order_id)

    async def _on_payment_query(self, update: dict, arrived: int) -> Handled:
        uid = update["update_id"]
        if "shipping_query" in update:
            query = update["shipping_query"]
            return Handled(uid, query["from"]["id"], "[shipping_query]", await self.shop.precheckout.shipping(query))
        query = update["pre_checkout_query"]
        return Handled(uid, query["from"]["id"], f"[pre_checkout_query {query.get('invoice_payload')}]",
                       await self.shop.precheckout.answer(query, arrived))

    def _keyboard_for(self, reply: str) -> dict | None:
        if reply.startswith("Catalog:"):
            return {"inline_keyboard": [[{"text": f"Buy {p.title}", "callback_data": f"buy:{sku}"}]
                                        for sku, p in self.products.items()]}
        if reply.startswith("Cart:"):
            return {"inline_keyboard": [[{"text": "Checkout", "callback_data": "checkout"},
                                         {"text": "Cancel", "callback_data": "cancel"}]]}
        return None

    async def _answer(self, query_id: str, text: str) -> None:
        try:
            await self.api.answer_callback_query(query_id, text=text[:200])
        except TelegramError:
            pass  # a late answer only loses the toast; the reply message still goes out

    async def _say(self, chat_id: int, text: str, keyboard: dict | None = None) -> Any:
        chat_id = self.moved_chats.get(chat_id, chat_id)
        try:
            return await self.api.send_message(chat_id, text, reply_markup=keyboard)
        except ChatMigrated as moved:
            self.moved_chats[chat_id] = moved.new_chat_id
            return await self.api.send_message(moved.new_chat_id, text, reply_markup=keyboard)
        except TelegramError as failed:
            # blocked, gone, or Telegram down past our retries: the update itself was handled, so it must
            # not fail (a webhook would redeliver it and repeat the step); note the lost reply instead
            self.undelivered.append((chat_id, failed.description))
            return None
