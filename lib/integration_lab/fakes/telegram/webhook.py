"""Webhook delivery as the Bot API server does it (tdlib/telegram-bot-api, WebhookActor.cpp and Client.cpp).

What the server does, read from its source:

- Each update belongs to a queue: Client.cpp's `webhook_queue_id`, the chat for messages and channel posts, the
  sender for callback and inline queries, and so on (`queue_id` below). Within a queue one update is sent at a
  time, and the next only after the previous one was answered 2xx (or given up): per-queue order, nothing more.
- Up to `max_connections` requests are in flight for the bot (setWebhook, 1..100, default 40), one per
  connection; the other queues keep going while one waits or backs off. The server loads updates into at
  most 2 x max_connections queues at a time (`max_loaded_updates_`), in update order, and loads more only as
  a queue empties: when that many queues are all backing off, later queues wait behind them.
- A non-2xx answer, a timeout or a broken connection keeps the update; it is tried again after 0 s (the first
  failure: at once), then 2, 4, 8, … s, the step at most a random 60..120 s (`on_update_error`). A numeric
  `Retry-After` header, clamped to 0..3600, replaces the wait. An update whose next try would come after it
  expires is dropped. Each failure sets getWebhookInfo's `last_error_date`/`last_error_message` (a success
  does not clear them); `pending_update_count` is every update not yet confirmed, those in flight included.
- A 2xx answer confirms the update; one naming a `method` is run as a Bot API call, its result told to nobody.
- setWebhook with new settings and deleteWebhook close the old delivery: requests in flight are abandoned
  (their updates stay pending) and nothing more goes to the old URL.

Here the waits are on the lab clock, the random 60..120 s step is drawn from the update id (reproducible), and
a refused connection counts as a failure of the update it carried (the server retries connecting on its own
schedule, and grows its connections slowly while nothing succeeds; the fake does not model connections).

Two drivers share this bookkeeping: `deliver` (in-process callers, notebooks) sends in rounds, every round the
due queue heads at once, and returns one row per attempt in a fixed order; `pump` (the served fake) starts a
queue's next request as soon as its previous one is answered.
"""

from __future__ import annotations

import asyncio
import ipaddress
import hashlib
import json
import logging
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from itertools import islice

import httpx

from .errors import ApiError
from .params import Args, parse_body
from .registry import METHODS
from .state import Bot, Webhook
from .world import TelegramFake

DELIVERY_TIMEOUT = 10.0
MAX_RESEND_TIMEOUT = 60  # WebhookActor's WEBHOOK_MAX_RESEND_TIMEOUT: the step is capped at 60..120 s
MAX_RETRY_AFTER = 3600
LOADED_QUEUES_PER_CONNECTION = 2  # max_loaded_updates_ = max_connections * 2, counted in queues
log = logging.getLogger(__name__)
PUMP_IDLE = 0.5  # seconds of real time the served pump waits at most before looking again

# Client.cpp adds `kind << 33` to the chat or user id, so that, say, a user's callback queries and the same
# user's private chat are separate queues. (update kind -> (tag, where the id is))
_QUEUES = {
    "message": (0, "chat"), "edited_message": (0, "chat"), "channel_post": (0, "chat"),
    "edited_channel_post": (0, "chat"), "inline_query": (1, "from"), "chosen_inline_result": (2, "from"),
    "callback_query": (3, "from"), "shipping_query": (4, "from"), "pre_checkout_query": (4, "from"),
    "my_chat_member": (5, "chat"), "chat_member": (6, "member"), "chat_join_request": (6, "from"),
    "chat_boost": (7, "chat"), "removed_chat_boost": (7, "chat"), "message_reaction": (8, "chat"),
    "message_reaction_count": (9, "chat"), "business_connection": (10, "user"), "business_message": (11, "chat"),
    "edited_business_message": (11, "chat"), "deleted_business_messages": (11, "chat"),
    "purchased_paid_media": (12, "from"), "guest_message": (12, "chat"), "managed_bot": (13, "user"),
}
_UNIQUE = 1 << 60  # a kind without a queue gets one of its own (WebhookActor's unique_queue_id_)


def queue_id(update: dict) -> int:
    """The queue an update waits in: updates of one queue are delivered one at a time, in order."""
    kind = next(k for k in update if k != "update_id")
    payload = update[kind] if isinstance(update[kind], dict) else {}
    try:
        if kind in ("poll", "poll_answer"):  # by poll: a poll's updates and its answers share one queue
            return int(payload["id" if kind == "poll" else "poll_id"])
        tag, where = _QUEUES[kind]
        holder = payload["new_chat_member"]["user"] if where == "member" else payload[where]
        return int(holder["id"]) + (tag << 33)
    except (KeyError, TypeError, ValueError):
        return _UNIQUE + update["update_id"]


@dataclass
class _Retry:
    """One update's failures (WebhookActor's Update: delay_, fail_count_, wakeup_at_)."""
    wakeup_at: float = 0.0
    delay: int = 1
    fails: int = 0


@dataclass
class _Delivery:
    """What WebhookActor keeps for one webhook: its loaded queues, the updates not loaded yet, retries, requests."""
    loaded: dict[int, deque] = field(default_factory=dict)  # queue id -> its loaded updates, oldest first
    backlog: deque = field(default_factory=deque)  # pending updates not loaded into a queue yet, oldest first
    in_flight: dict[int, dict] = field(default_factory=dict)  # queue id -> the update being sent
    retries: dict[int, _Retry] = field(default_factory=dict)  # update id -> its failures so far
    queued_seen: int = 0  # Bot.queued_count when `backlog` last took the new updates
    forgotten_seen: int = -1  # Bot.forgotten_count when loaded; another value: load again from `Bot.updates`


class LoopbackOnly(httpx.AsyncHTTPTransport):
    """The served fake delivers to this machine only: any other host is unreachable, no lookup leaves it."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            loopback = request.url.host == "localhost" or ipaddress.ip_address(request.url.host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise httpx.ConnectError("the lab delivers webhooks to loopback addresses only", request=request)
        return await super().handle_async_request(request)


def delivery_client() -> httpx.AsyncClient:
    # one connection per request in flight, as many as the largest max_connections
    return httpx.AsyncClient(transport=LoopbackOnly(limits=httpx.Limits(max_connections=100,
                                                                        max_keepalive_connections=100)))


def _reason(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _retry_after(response: httpx.Response) -> int:
    """HttpQuery::get_retry_after: a plain non-negative integer, anything else counts as none."""
    value = response.headers.get("retry-after", "").strip()
    return int(value) if value.isdigit() else 0


def _state(hook: Webhook) -> _Delivery:
    if hook.delivery is None:
        hook.delivery = _Delivery()
    return hook.delivery


def _load(bot: Bot, hook: Webhook, state: _Delivery) -> None:
    """WebhookActor::load_updates: take new updates into their queues while fewer than 2 x max_connections
    queues are loaded. Follows `bot.updates` by its counters; reloads when updates left it by other ways."""
    if state.forgotten_seen != bot.forgotten_count:
        state.loaded.clear()
        state.backlog = deque(bot.updates)
        state.forgotten_seen, state.queued_seen = bot.forgotten_count, bot.queued_count
        pending = {u["update_id"] for u in bot.updates}
        state.retries = {i: r for i, r in state.retries.items() if i in pending}
    elif state.queued_seen != bot.queued_count:
        new = list(islice(reversed(bot.updates), bot.queued_count - state.queued_seen))
        state.backlog.extend(reversed(new))
        state.queued_seen = bot.queued_count
    limit = LOADED_QUEUES_PER_CONNECTION * hook.max_connections
    while state.backlog and len(state.loaded) < limit:
        update = state.backlog.popleft()
        if bot.wants(update):
            state.loaded.setdefault(queue_id(update), deque()).append(update)


def _due(bot: Bot, hook: Webhook, now: float, upto: float = float("inf")) -> list[tuple[int, dict]]:
    """The queue heads to send now: not in flight, not waiting for a retry, no more than the free connections;
    the longest-waiting first (WebhookActor's `queues_` set, by wake-up time)."""
    state = _state(hook)
    _load(bot, hook, state)
    free = hook.max_connections - len(state.in_flight)
    if free <= 0:
        return []
    ready = []
    for queue, updates in state.loaded.items():
        head = updates[0]
        retry = state.retries.get(head["update_id"])
        wakeup_at = retry.wakeup_at if retry else 0.0
        if queue not in state.in_flight and wakeup_at <= now and head["update_id"] <= upto:
            ready.append((wakeup_at, head["update_id"], queue))
    ready.sort()
    return [(queue, state.loaded[queue][0]) for _, _, queue in ready[:free]]


def _start(fake: TelegramFake, bot: Bot, hook: Webhook, client: httpx.AsyncClient, now: float,
           upto: float = float("inf")) -> list[asyncio.Task]:
    """Send every due queue head, one task each (a connection each)."""
    tasks = []
    for queue, update in _due(bot, hook, now, upto):
        hook.delivery.in_flight[queue] = update
        task = asyncio.ensure_future(_send(fake, bot, hook, queue, update, client))
        hook.tasks.add(task)
        task.add_done_callback(hook.tasks.discard)
        tasks.append(task)
    return tasks


async def _send(fake: TelegramFake, bot: Bot, hook: Webhook, queue: int, update: dict,
                client: httpx.AsyncClient) -> dict:
    """POST one update and settle it. Returns the attempt's row."""
    headers = {"Content-Type": "application/json"}
    if hook.secret_token:
        headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
    retry_after = 0
    try:
        try:
            response = await client.post(hook.target or hook.url, content=json.dumps(update), headers=headers,
                                         timeout=DELIVERY_TIMEOUT)
            if 200 <= response.status_code < 300:
                error = None
            else:
                error = f"Wrong response from the webhook: {_reason(response.status_code)}"
                retry_after = _retry_after(response)
        except httpx.TimeoutException:
            response, error = None, "Read timeout expired"
        except (httpx.TransportError, httpx.InvalidURL):
            response, error = None, "Connection refused"
    finally:  # answered, failed or abandoned: the queue may send again
        if hook.delivery.in_flight.get(queue) is update:
            del hook.delivery.in_flight[queue]
    row = {"update_id": update["update_id"], "status": response.status_code if response else None,
           "error": error or ""}
    if bot.webhook is hook:  # else the webhook was replaced or deleted meanwhile: the answer is not read
        if error:
            _failed(fake, bot, hook, queue, update, error, retry_after)
        else:
            _forget(bot, hook, queue, update)
            _run_reply_method(fake, bot, response)
    return row


def _forget(bot: Bot, hook: Webhook, queue: int, update: dict) -> None:
    """Confirmed (or given up): out of its queue and of the bot's pending updates (TQueue::forget)."""
    state = hook.delivery
    updates = state.loaded.get(queue)
    if updates and updates[0] is update:
        updates.popleft()
        if not updates:
            del state.loaded[queue]
    state.retries.pop(update["update_id"], None)
    try:
        bot.updates.remove(update)
    except ValueError:
        pass  # expired or dropped while in flight


def _failed(fake: TelegramFake, bot: Bot, hook: Webhook, queue: int, update: dict, error: str,
            retry_after: int) -> None:
    """WebhookActor::on_update_error, and the error getWebhookInfo shows."""
    now = fake.clock.time()
    hook.last_error_date, hook.last_error_message = int(now), error
    retry = hook.delivery.retries.setdefault(update["update_id"], _Retry())
    retry_after = min(max(retry_after, 0), MAX_RETRY_AFTER)
    delay, wait = retry.delay, retry_after
    if retry_after == 0 and retry.fails > 0:
        cap = _resend_cap(update["update_id"], retry.fails)
        delay = wait = min(cap, retry.delay * 2)
    if now + wait > bot.expires_at(update["update_id"]):
        _forget(bot, hook, queue, update)  # it would be gone before its next try: dropped now
        return
    retry.delay, retry.wakeup_at, retry.fails = delay, now + wait, retry.fails + 1


def _resend_cap(update_id: int, fails: int) -> int:
    """The server's td::Random::fast(60, 120), drawn here from the update and its failures: the same every run."""
    digest = hashlib.sha256(f"{update_id}:{fails}".encode()).digest()
    return MAX_RESEND_TIMEOUT + int.from_bytes(digest[:4], "big") % (MAX_RESEND_TIMEOUT + 1)


def _run_reply_method(fake: TelegramFake, bot: Bot, response: httpx.Response) -> None:
    """A webhook reply may carry one Bot API call, read like a request (WebhookActor.cpp); Telegram runs it
    and tells no one how it went. It never runs get* methods, setWebhook, deleteWebhook, close or logOut."""
    args = Args(parse_body(response.headers.get("content-type", ""), response.content) or [])
    name = args.arg("method").lower()
    method = METHODS.get(name)
    if method is None or name.startswith("get") or name in ("setwebhook", "deletewebhook", "close", "logout"):
        return
    try:
        method(fake, bot, args)
    except ApiError:
        pass


async def deliver(fake: TelegramFake, bot: Bot, client: httpx.AsyncClient) -> list[dict]:
    """Deliver this bot's due updates at this lab instant, in rounds: each round sends every due queue head
    at once (at most max_connections), waits for all their answers, then the next round; until nothing
    pending when the call began is due. One row per attempt, in the order the attempts were started, so
    the rows never depend on which answer came first. Cancelling it abandons its requests."""
    hook, rows = bot.webhook, []
    if hook is None:
        return rows
    now = fake.clock.time()
    bot.expire(now)  # what the server no longer keeps is not delivered either
    upto = bot.next_update_id - 1  # what arrives meanwhile waits for the next call
    while bot.webhook is hook:
        tasks = _start(fake, bot, hook, client, now, upto)
        if not tasks:
            break
        try:
            await asyncio.wait(tasks)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            raise
        rows += [task.result() for task in tasks if not task.cancelled()]
    return rows


async def deliver_all(fake: TelegramFake, client: httpx.AsyncClient) -> list[dict]:
    rows = []
    for bot in list(fake.bots.values()):
        rows += await deliver(fake, bot, client)
    return rows


def next_wakeup(fake: TelegramFake) -> float | None:
    """The earliest lab time a backing-off queue head falls due (None: none waits)."""
    times = []
    for bot in fake.bots.values():
        state = bot.webhook.delivery if bot.webhook is not None else None
        if state is not None:
            times += [state.retries[u[0]["update_id"]].wakeup_at for q, u in state.loaded.items()
                      if q not in state.in_flight and u[0]["update_id"] in state.retries]
    return min(times, default=None)


async def pump(fake: TelegramFake, client: httpx.AsyncClient) -> None:
    """The served fake's deliveries, until cancelled: whenever a request is answered, an update arrives, a
    webhook changes or a retry falls due, start what is due for every bot. Cancelled, it abandons its requests."""
    mine: set[asyncio.Task] = set()
    answered = asyncio.Event()

    def done(task: asyncio.Task) -> None:
        mine.discard(task)
        answered.set()
        if not task.cancelled() and task.exception() is not None:  # a fault of the fake's own: said, not fatal
            log.error("webhook delivery failed", exc_info=task.exception())

    try:
        while True:
            answered.clear()
            now = fake.clock.time()
            for bot in list(fake.bots.values()):
                if bot.webhook is not None:
                    bot.expire(now)
                    for task in _start(fake, bot, bot.webhook, client, now):
                        mine.add(task)
                        task.add_done_callback(done)
            wakeup = next_wakeup(fake)
            idle = PUMP_IDLE if wakeup is None else min(PUMP_IDLE, max(wakeup - now, 0.01))
            await _first(answered.wait(), fake.changed(real_timeout=idle))
    finally:
        for task in list(mine):
            task.cancel()
        if mine:
            await asyncio.wait(mine)


async def _first(*waits) -> None:
    """Wait until one of these is done; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
