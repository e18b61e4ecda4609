"""Webhook delivery as the Bot API server does it (tdlib/telegram-bot-api, WebhookActor.cpp): up to max_connections
requests in flight, one at a time and in order per queue (a chat), per-queue retries on the lab clock, getWebhookInfo
right throughout, deleteWebhook/setWebhook abandoning what is in flight. Our bot's side is a real HTTP endpoint on a
loopback port (uvicorn); the fake delivers to it with the served fake's pump, or with `deliver` as notebooks do."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import httpx
import pytest

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake, deliver
from integration_lab.fakes.telegram.webhook import delivery_client, pump, queue_id
from integration_lab.runtime.asgi import read_request
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.runtime.processes import serving

pytestmark = pytest.mark.redis_free  # never reaches a Redis server

FAILED_503 = "Wrong response from the webhook: 503 Service Unavailable"


def user(n: int) -> dict:
    return {"id": 1000 + n, "first_name": f"User{n}"}


class Receiver:
    """Our bot's endpoint in these tests: records when each request starts and ends, per chat and overall;
    holds requests while `gate` is closed, answers each chat's requests with `status[chat]` (200 unless told)."""

    def __init__(self):
        self.in_flight, self.peak = 0, 0
        self.per_chat: Counter = Counter()
        self.overlaps: list[int] = []  # chats that had two requests in flight at once
        self.started: list[tuple[int, int]] = []  # (chat, update_id) as requests arrived
        self.answered: list[tuple[int, int, int]] = []  # (chat, update_id, status)
        self.gate = asyncio.Event()
        self.gate.set()
        self.delay: dict[int, float] = {}
        self.status: dict[int, int] = {}
        self.headers: dict[int, list] = {}

    async def __call__(self, scope, receive, send):
        _headers, body = await read_request(scope, receive)
        update = json.loads(body)
        chat = update["message"]["chat"]["id"]
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.per_chat[chat] += 1
        if self.per_chat[chat] > 1:
            self.overlaps.append(chat)
        self.started.append((chat, update["update_id"]))
        try:
            await self.gate.wait()
            await asyncio.sleep(self.delay.get(chat, 0.0))
        finally:
            self.in_flight -= 1
            self.per_chat[chat] -= 1
        status = self.status.get(chat, 200)
        self.answered.append((chat, update["update_id"], status))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), *self.headers.get(chat, [])]})
        await send({"type": "http.response.body", "body": b"{}"})

    def attempts(self, chat: int) -> list[int]:
        return [u for c, u in self.started if c == chat]


class Lab:
    """The fake on a frozen lab clock, its Bot API in-process, people who write to the bot."""

    def __init__(self):
        self.clock = FrozenClock("2026-01-05T09:00:00Z")
        self.fake = TelegramFake(self.clock, IdFactory(7), limits=False)
        self.people = People(self.fake)
        self.api = httpx.AsyncClient(transport=AsyncTelegramTransport(self.fake), base_url="https://api.telegram.org")
        self.bot = self.fake.default_bot

    async def call(self, method: str, **params):
        reply = (await self.api.post(f"/bot{self.bot.token}/{method}", json=params)).json()
        assert reply["ok"], reply
        return reply["result"]

    async def info(self) -> dict:
        return await self.call("getWebhookInfo")

    def says(self, n: int, text: str) -> int:
        self.people.send(user(n)["id"], user(n), text)
        return self.bot.updates[-1]["update_id"]


async def until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


def sending_tasks() -> list[asyncio.Task]:
    """The fake's delivery requests still alive in this loop."""
    return [t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__name__", "") == "_send" and not t.done()]


@pytest.fixture
async def lab():
    lab = Lab()
    yield lab
    await lab.api.aclose()


@pytest.fixture
async def receiver():
    receiver = Receiver()
    async with serving(receiver) as url:
        receiver.url = f"{url}/telegram/webhook"
        yield receiver
        receiver.gate.set()  # let held requests end before the server stops


@pytest.fixture
async def pumping(lab):
    """The served fake's delivery loop, running for the test."""
    async with delivery_client() as client:
        task = asyncio.create_task(pump(lab.fake, client))
        yield
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert sending_tasks() == []


def test_queue_ids_follow_client_cpp():
    chat = {"id": 77, "type": "private"}
    message = {"update_id": 1, "message": {"chat": chat, "from": {"id": 77}}}
    edited = {"update_id": 2, "edited_message": {"chat": chat, "from": {"id": 77}}}
    press = {"update_id": 3, "callback_query": {"from": {"id": 77}, "id": "q"}}
    group = {"update_id": 4, "message": {"chat": {"id": -100123, "type": "supergroup"}, "from": {"id": 77}}}
    pre_checkout = {"update_id": 5, "pre_checkout_query": {"from": {"id": 77}}}
    shipping = {"update_id": 6, "shipping_query": {"from": {"id": 77}}}
    poll, answer = {"update_id": 7, "poll": {"id": "5001"}}, {"update_id": 8, "poll_answer": {"poll_id": "5001"}}
    member = {"update_id": 9, "chat_member": {"chat": {"id": -5}, "new_chat_member": {"user": {"id": 77}}}}
    unknown = {"update_id": 10, "something_new": {}}
    assert queue_id(message) == queue_id(edited) == 77  # a chat's messages and edits: one queue
    assert queue_id(press) == 77 + (3 << 33) != queue_id(message)  # a person's presses: a queue of their own
    assert queue_id(group) == -100123
    assert queue_id(pre_checkout) == queue_id(shipping) == 77 + (4 << 33)
    assert queue_id(poll) == queue_id(answer) == 5001
    assert queue_id(member) == 77 + (6 << 33)
    assert queue_id(unknown) != queue_id({"update_id": 11, "something_new": {}})  # each alone


@pytest.mark.parametrize("max_connections", [1, 3])
async def test_no_more_than_max_connections_requests_in_flight(lab, receiver, pumping, max_connections):
    await lab.call("setWebhook", url=receiver.url, max_connections=max_connections)
    receiver.gate.clear()
    for n in range(8):  # eight chats, one update each: each could go at once
        lab.says(n, "/start")
    await until(lambda: receiver.in_flight == max_connections)
    await asyncio.sleep(0.3)  # and no more come while those are held
    assert receiver.in_flight == receiver.peak == max_connections
    info = await lab.info()
    assert (info["pending_update_count"], info["max_connections"]) == (8, max_connections)  # in flight count
    receiver.gate.set()
    await until(lambda: len(receiver.answered) == 8)
    await until(lambda: not lab.bot.updates)
    assert receiver.peak == max_connections and receiver.overlaps == []
    assert (await lab.info())["pending_update_count"] == 0


async def test_a_chat_gets_its_updates_one_at_a_time_in_order_while_chats_overlap(lab, receiver, pumping):
    await lab.call("setWebhook", url=receiver.url)
    receiver.delay = {user(n)["id"]: 0.03 + 0.04 * n for n in range(3)}  # answers come at different times
    sent = {user(n)["id"]: [] for n in range(3)}
    for i in range(4):
        for n in range(3):  # interleaved: chat 0, 1, 2, 0, 1, 2, …
            sent[user(n)["id"]].append(lab.says(n, f"message {i}"))
    await until(lambda: len(receiver.answered) == 12)
    assert receiver.overlaps == []  # never two requests of one chat at once
    assert {chat: receiver.attempts(chat) for chat in sent} == sent  # each chat in its order
    assert receiver.peak == 3  # the chats went side by side
    await until(lambda: not lab.bot.updates)


async def test_a_failing_chat_backs_off_while_the_other_chats_are_delivered(lab, receiver, pumping):
    await lab.call("setWebhook", url=receiver.url)
    failing, fine = user(0)["id"], user(1)["id"]
    receiver.status[failing] = 503
    stuck = [lab.says(0, "one"), lab.says(0, "two")]
    delivered = [lab.says(1, "a"), lab.says(1, "b"), lab.says(1, "c")]
    await until(lambda: len(receiver.attempts(fine)) == 3 and len(receiver.attempts(failing)) == 2)
    # the first failure is retried at once, then the queue waits 2 s; the other chat went on meanwhile
    assert receiver.attempts(failing) == [stuck[0], stuck[0]] and receiver.attempts(fine) == delivered
    await until(lambda: len(lab.bot.updates) == 2)
    info = await lab.info()
    assert info["pending_update_count"] == 2
    assert (info["last_error_date"], info["last_error_message"]) == (int(lab.clock.time()), FAILED_503)
    lab.clock.advance(1)
    await asyncio.sleep(0.3)
    assert len(receiver.attempts(failing)) == 2  # not due yet on the lab clock
    lab.clock.advance(1)
    await until(lambda: len(receiver.attempts(failing)) == 3)  # at 2 s; the next wait is 4 s
    await until(lambda: (lab.bot.webhook.last_error_date or 0) == int(lab.clock.time()))
    receiver.status[failing] = 200
    lab.clock.advance(3)
    await asyncio.sleep(0.3)
    assert len(receiver.attempts(failing)) == 3
    lab.clock.advance(1)
    await until(lambda: not lab.bot.updates)
    assert receiver.attempts(failing) == [stuck[0]] * 4 + [stuck[1]]
    info = await lab.info()
    assert info["pending_update_count"] == 0 and info["last_error_message"] == FAILED_503  # a success keeps it


async def test_retry_after_replaces_the_wait(lab, receiver):
    await lab.call("setWebhook", url=receiver.url)
    chat = user(0)["id"]
    receiver.status[chat], receiver.headers[chat] = 429, [(b"retry-after", b"5")]
    lab.says(0, "hi")
    async with delivery_client() as client:
        assert [r["status"] for r in await deliver(lab.fake, lab.bot, client)] == [429]  # no retry at once
        lab.clock.advance(4)
        assert await deliver(lab.fake, lab.bot, client) == []
        receiver.status[chat] = 200
        lab.clock.advance(1)
        assert [r["status"] for r in await deliver(lab.fake, lab.bot, client)] == [200]


async def test_in_process_rounds_list_attempts_in_the_order_they_started(lab, receiver):
    """`deliver` (notebooks): each round sends the due queue heads at once; rows never depend on timing."""
    await lab.call("setWebhook", url=receiver.url, max_connections=2)
    slow = user(0)["id"]
    receiver.delay[slow] = 0.2  # answers last, yet listed first: it started first
    a1, b1, c1, b2 = lab.says(0, "a1"), lab.says(1, "b1"), lab.says(2, "c1"), lab.says(1, "b2")
    async with delivery_client() as client:
        rows = await deliver(lab.fake, lab.bot, client)
    assert [r["update_id"] for r in rows] == [a1, b1, c1, b2]
    assert [u for _, u, _ in receiver.answered][:2] == [b1, a1]  # the answers came the other way round
    assert receiver.peak == 2 and not lab.bot.updates


async def test_failing_queues_filling_the_loaded_window_hold_back_later_chats(lab, receiver):
    """The server loads at most 2 x max_connections queues; while they all back off, a later chat waits."""
    await lab.call("setWebhook", url=receiver.url, max_connections=1)
    a, b = user(0)["id"], user(1)["id"]
    receiver.status.update({a: 503, b: 503})
    a1, b1, c1 = lab.says(0, "a"), lab.says(1, "b"), lab.says(2, "c")
    async with delivery_client() as client:
        rows = await deliver(lab.fake, lab.bot, client)
        assert [(r["update_id"], r["status"]) for r in rows] == [(a1, 503), (b1, 503), (a1, 503), (b1, 503)]
        assert (await lab.info())["pending_update_count"] == 3
        receiver.status[a] = 200
        lab.clock.advance(2)
        rows = await deliver(lab.fake, lab.bot, client)
    # a's queue empties, so c's is loaded, and goes before b's retry (loaded earlier than b fell due)
    assert [(r["update_id"], r["status"]) for r in rows] == [(a1, 200), (c1, 200), (b1, 503)]


async def test_delete_webhook_abandons_the_requests_in_flight_and_keeps_their_updates(lab, receiver, pumping):
    await lab.call("setWebhook", url=receiver.url)
    receiver.gate.clear()
    ids = [lab.says(n, f"first {n}") for n in range(3)] + [lab.says(n, f"second {n}") for n in range(3)]
    await until(lambda: receiver.in_flight == 3)
    hook = lab.bot.webhook
    assert await lab.call("deleteWebhook")
    await until(lambda: not hook.tasks and not sending_tasks())
    info = await lab.info()
    assert (info["url"], info["pending_update_count"]) == ("", 6)  # nothing lost
    receiver.gate.set()
    lab.clock.advance(60)
    await asyncio.sleep(0.3)
    assert len(receiver.started) == 3  # nothing more was sent
    assert [u["update_id"] for u in await lab.call("getUpdates")] == ids


async def test_set_webhook_elsewhere_moves_delivery_without_losing_or_repeating(lab, receiver, pumping):
    await lab.call("setWebhook", url=receiver.url)
    receiver.gate.clear()
    firsts = [lab.says(n, "first") for n in range(2)]
    seconds = [lab.says(n, "second") for n in range(2)]
    await until(lambda: receiver.in_flight == 2)
    other = Receiver()
    async with serving(other) as url:
        old = lab.bot.webhook
        await lab.call("setWebhook", url=f"{url}/telegram/webhook", max_connections=5)
        await until(lambda: not old.tasks and len(other.answered) == 4)
        receiver.gate.set()
    await until(lambda: not lab.bot.updates)
    assert len(receiver.started) == 2  # the old URL got nothing after the change
    for n in range(2):
        assert other.attempts(user(n)["id"]) == [firsts[n], seconds[n]]  # again from the first, in order
    assert (await lab.info())["max_connections"] == 5


async def test_the_served_fake_delivers_concurrently_and_stops_on_delete(served_telegram, receiver):
    """`serve telegram` (uvicorn, its own thread and clock): the same caps over HTTP, and deleteWebhook ends
    the requests in flight."""
    server = served_telegram
    server.control("POST", "reset")
    base = f"{server.url}/bot{server.token}"
    async with httpx.AsyncClient() as http:
        assert (await http.post(f"{base}/setWebhook", json={"url": receiver.url, "max_connections": 2})).json()["ok"]
        receiver.gate.clear()
        for n in range(3):
            server.user_says(user(n)["id"], "/start", name=user(n)["first_name"])
        await until(lambda: receiver.in_flight == 2)
        await asyncio.sleep(0.3)
        assert receiver.peak == 2
        info = (await http.get(f"{base}/getWebhookInfo")).json()["result"]
        assert (info["pending_update_count"], info["max_connections"]) == (3, 2)
        hook = server.fake.default_bot.webhook
        assert (await http.post(f"{base}/deleteWebhook")).json()["ok"]
        await until(lambda: not hook.tasks)
        receiver.gate.set()
        await asyncio.sleep(0.3)
        assert len(receiver.started) == 2
        assert (await http.get(f"{base}/getWebhookInfo")).json()["result"]["pending_update_count"] == 3
    server.control("POST", "reset")
