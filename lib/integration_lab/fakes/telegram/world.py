"""The fake Telegram: its bots, the people who talk to them, their update queues. No HTTP here.

`TelegramFake` is the model both wire layers (ASGI server, httpx transports) call. People act through
`simulate.People`; bots act through the Bot API methods in `methods.py`.
"""

from __future__ import annotations

import asyncio
import functools
import string

from ...runtime.faults import FaultPlan
from .errors import ApiError, BLOCKED, DEACTIVATED, KICKED, bad_request, migrated
from .limits import FloodControl
from .payments import Payments
from .state import Account, Bot, Chat, Message, redact_token

FAULT_KINDS = {"server_error", "timeout", "latency"}
DEFAULT_HISTORY = 1_000  # messages kept per chat; older ones are gone, as if deleted
_TOKEN_ALPHABET = frozenset(string.ascii_letters + string.digits + "_-")


@functools.lru_cache(maxsize=256)  # a bot's every call carries the same token: checked once, not per character
def _well_formed(token: str) -> bool:
    head, colon, tail = token.partition(":")
    return bool(colon and head.isdigit() and tail and all(c in _TOKEN_ALPHABET for c in tail))


class TelegramFake:
    def __init__(self, clock, ids, tokens: list[str] | None = None, limits: bool = True,
                 bot_username: str = "lab_shop_bot", bot_name: str = "Lab Shop", history: int = DEFAULT_HISTORY,
                 payment_providers: dict[str, str] | None = None):
        if history < 1:
            raise ValueError("history must keep at least one message per chat")
        self.clock, self.ids, self.history = clock, ids, history
        self.accounts: dict[int, Account] = {}
        self.bots: dict[str, Bot] = {}
        self.flood = FloodControl(clock, enabled=limits)
        self.faults = FaultPlan(FAULT_KINDS)
        self.webhook_client = None  # the httpx.AsyncClient webhook deliveries use (set by whoever serves)
        self.sleep = asyncio.sleep  # how a latency fault waits; a notebook's fake waits on the lab clock instead
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        clock.on_advance(lambda _seconds: self.wake())
        self.payments = Payments(self, payment_providers)  # name -> provider token (BotFather's Payments)
        self.extra: dict[str, object] = {}  # a method family's state shared by every bot (files), by family name
        for i, token in enumerate(tokens or [None]):
            suffix = f"_{i + 1}" if i else ""
            self.add_bot(token, username=bot_username.replace("_bot", f"{suffix}_bot"), first_name=bot_name)

    # ---- bots -------------------------------------------------------------------------------------
    def add_bot(self, token: str | None = None, username: str = "lab_shop_bot", first_name: str = "Lab Shop") -> Bot:
        if token is None:
            bot_id = self.ids.integer(1_000_000_000, 7_999_999_999)
            token = f"{bot_id}:AA" + self.ids.token("", 33)
        bot_id = int(token.partition(":")[0])
        account = Account(bot_id, first_name, is_bot=True, username=username)
        self.accounts[bot_id] = account
        bot = Bot(account, token, next_update_id=self.ids.integer(100_000_000, 899_999_999))
        self.bots[token] = bot
        return bot

    @property
    def default_bot(self) -> Bot:
        return next(iter(self.bots.values()))

    def bot_by_id(self, bot_id: int | None) -> Bot:
        if bot_id is None:
            return self.default_bot
        for bot in self.bots.values():
            if bot.account.id == bot_id:
                return bot
        raise KeyError(f"no bot with id {bot_id}")

    def authenticate(self, token: str) -> Bot:
        if not _well_formed(token):
            raise ApiError(401, "Unauthorized: invalid token specified")
        bot = self.bots.get(token)
        if bot is None or bot.revoked:
            raise ApiError(401, "Unauthorized")
        return bot

    # ---- updates and waiting ----------------------------------------------------------------------
    def enqueue(self, bot: Bot, kind: str, payload: dict) -> dict:
        update = {"update_id": bot.next_update_id, kind: payload}
        bot.next_update_id += 1
        bot.queue(update, self.clock.time())
        self.wake()
        return update

    def wake(self) -> None:
        """Something changed (an update, the clock, a newer poll): every waiting getUpdates looks again."""
        for loop, event in list(self._waiters):
            if loop.is_closed():
                self._waiters.discard((loop, event))
            else:
                loop.call_soon_threadsafe(event.set)

    async def changed(self, real_timeout: float | None) -> None:
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(event.wait(), real_timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    # ---- chats --------------------------------------------------------------------------------------
    def person(self, user: dict | Account) -> Account:
        """The account for a `{"id": …, "first_name": …}` (created on first sight)."""
        if isinstance(user, Account):
            return user
        if not isinstance(user, dict) or not isinstance(user.get("id"), int) or user["id"] <= 0:
            raise ValueError('"from" needs a positive integer "id"')
        known = self.accounts.get(user["id"])
        if known is None:
            if not user.get("first_name"):
                raise ValueError('a new user needs a "first_name"')
            known = Account(user["id"], user["first_name"], last_name=user.get("last_name"),
                            username=user.get("username"), language_code=user.get("language_code"))
            self.accounts[known.id] = known
        if known.is_bot:
            raise ValueError("bots cannot be simulated as people")
        return known

    def chat_for_bot(self, bot: Bot, chat_id: int) -> Chat:
        """The chat a bot writes to, or Telegram's error for why it cannot."""
        chat = bot.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise migrated(chat.migrated_to)
        if chat.type == "private":
            if chat.person.deactivated:
                raise ApiError(403, DEACTIVATED)
            if chat.id in bot.blocked_by:
                raise ApiError(403, BLOCKED)
        elif chat.bot_removed:  # True, or the words for how the bot left (chats_methods: "…supergroup chat")
            raise ApiError(403, chat.bot_removed if isinstance(chat.bot_removed, str) else KICKED)
        return chat

    def post(self, chat: Chat, sender: Account, text: str | None, entities: list[dict] | None = None,
             reply_markup: dict | None = None, reply_to: Message | None = None, content: dict | None = None,
             **service) -> Message:
        message = Message(chat.next_message_id, chat, sender, int(self.clock.time()), text, entities or [],
                          reply_markup, reply_to, service=service, content=content or {})
        chat.messages[message.message_id] = message
        chat.next_message_id += 1
        while len(chat.messages) > self.history:  # oldest first: ids only grow, and dicts keep insertion order
            evicted = chat.messages.pop(next(iter(chat.messages)))
            evicted.reply_to = None  # a kept reply may still show it; the chain behind it goes
        return message

    def reset(self) -> None:
        """Forget every chat, update, webhook, fault and flood count; bots and their tokens stay."""
        for bot in self.bots.values():
            bot.revoked = False
            bot.blocked_by.clear()
            bot.drop_updates()
            bot.chats.clear()
            bot.callbacks.clear()
            bot.use_webhook(None)
            bot.allowed_updates = None
            bot.poll_generation += 1
            bot.extra.clear()
        self.extra.clear()
        self.accounts = {bot.account.id: bot.account for bot in self.bots.values()}
        self.faults.clear()
        self.flood.reset()
        self.payments.reset()
        self.wake()

    def __repr__(self) -> str:
        tokens = ", ".join(redact_token(t) for t in self.bots)
        return f"TelegramFake(bots=[{tokens}], payments={self.payments!r}, clock={self.clock!r})"
