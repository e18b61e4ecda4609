"""The delivery outbox: waits on the lab clock, parks for blocked buyers, continues after a restart, and
sends each job once."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from integration_lab.app.payments.ledger import Ledger
from integration_lab.app.shop.outbox import Job, Outbox
from integration_lab.app.telegram.client import BotApi

TOKEN = "1:lab"


class Telegram:
    """sendMessage answers scripted per call (`plan`), then ok; every call is kept."""

    def __init__(self):
        self.plan: list[tuple[int, dict]] = []
        self.sent: list[dict] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        params = json.loads(request.content)
        if self.plan:
            status, body = self.plan.pop(0)
            return httpx.Response(status, json={"ok": False, "error_code": status, **body})
        self.sent.append(params)
        return httpx.Response(200, json={"ok": True, "result": {"message_id": len(self.sent), "text": params["text"]}})


@pytest.fixture
def telegram():
    return Telegram()


def outbox_for(lab, telegram, ledger=None) -> Outbox:
    api = BotApi(TOKEN, transport=httpx.MockTransport(telegram.handler), max_retries=0)
    return Outbox(lab.redis, lab.keys, lab.clock, api, ledger)


async def test_enqueueing_twice_queues_once_and_a_sent_job_is_never_sent_again(lab, telegram):
    outbox = outbox_for(lab, telegram)
    job = Job("o1:goods", 42, "Your tea")
    assert [await outbox.enqueue(job), await outbox.enqueue(job)] == [1, 0]
    assert [r["outcome"] for r in await outbox.drain()] == ["sent"]
    assert await outbox.enqueue(job) == 0
    lab.clock.advance(3600)
    assert await outbox.drain() == []
    assert [m["text"] for m in telegram.sent] == ["Your tea"]
    assert (await outbox.job("o1:goods"))["message_id"] == "1"


async def test_429_waits_retry_after_on_the_clock(lab, telegram):
    outbox = outbox_for(lab, telegram)
    telegram.plan = [(429, {"description": "Too Many Requests: retry after 7", "parameters": {"retry_after": 7}})]
    await outbox.enqueue(Job("a", 42, "one"), Job("b", 42, "two"))
    assert [r["outcome"] for r in await outbox.drain()] == ["retry_after"]  # and b waits with it
    lab.clock.advance(6)
    assert await outbox.drain() == [] and telegram.sent == []
    lab.clock.advance(1)
    assert [r["outcome"] for r in await outbox.drain()] == ["sent", "sent"]


async def test_5xx_backs_off_doubling_up_to_a_cap(lab, telegram):
    outbox = outbox_for(lab, telegram)
    telegram.plan = [(502, {"description": "Bad Gateway"})] * 3
    await outbox.enqueue(Job("a", 42, "one"))
    waits = []
    for _ in range(3):
        waits.append((await outbox.drain())[0]["detail"])
        lab.clock.advance(1)
        assert await outbox.drain() == []  # still backing off
        lab.clock.advance(600)
    assert waits == ["2 s", "4 s", "8 s"]
    assert [r["outcome"] for r in await outbox.drain()] == ["sent"]


async def test_a_blocked_buyer_parks_the_job_until_they_write_again(lab, telegram):
    outbox = outbox_for(lab, telegram)
    telegram.plan = [(403, {"description": "Forbidden: bot was blocked by the user"})]
    await outbox.enqueue(Job("a", 42, "goods"))
    assert [r["outcome"] for r in await outbox.drain()] == ["parked"]
    lab.clock.advance(3600)
    assert await outbox.drain() == []
    assert await outbox.resume(7) == 0  # someone else writing changes nothing
    assert await outbox.resume(42) == 1
    assert [r["outcome"] for r in await outbox.drain()] == ["sent"]
    assert await outbox.resume(42) == 0


async def test_a_restart_continues_a_job_its_predecessor_claimed_and_the_goods_tell_the_ledger(lab, telegram):
    ledger = Ledger(lab.redis, lab.keys, lab.clock)
    await ledger.open_order(100, "USD", "o1")
    await ledger.settle("o1", "stripe", "pi_1", 100, "USD")
    first = outbox_for(lab, telegram, ledger)
    await first.enqueue(Job("o1:goods", 42, "goods", "o1", deliver=True))
    await first._claim(keys=[first._job_key("o1:goods"), first._due], args=["o1:goods", lab.clock.ms(), 60_000])
    # the first process dies here, before sending; a new one over the same Redis:
    second = outbox_for(lab, telegram, ledger)
    assert await second.drain() == []  # the lease is not over
    lab.clock.advance(61)
    assert [r["outcome"] for r in await second.drain()] == ["sent"]
    assert (await ledger.order("o1")).delivered
    assert len(telegram.sent) == 1


async def test_a_cut_at_every_command_of_a_drain_is_finished_by_the_next_drain(lab, telegram):
    """Sent once and delivered once wherever Redis is cut, except the one window no code can close: a cut at
    the mark right after Telegram took the message, where the lease runs out and the message goes again."""
    from integration_lab.runtime.redis_cut import RedisCut, RedisCutError
    cut, outcomes = RedisCut.of(lab.redis), []
    for k in range(8):
        await lab.backend.clean()
        telegram.sent.clear()
        ledger = Ledger(lab.redis, lab.keys, lab.clock)
        await ledger.open_order(100, "USD", "o1")
        await ledger.settle("o1", "stripe", "pi_1", 100, "USD")
        outbox = outbox_for(lab, telegram, ledger)
        await outbox.enqueue(Job("o1:goods", 42, "goods", "o1", deliver=True))
        await outbox.drain() if k == 0 else None  # once, to load the scripts, so every k counts the same
        if k == 0:
            continue
        await lab.backend.clean()
        telegram.sent.clear()
        await ledger.open_order(100, "USD", "o1")
        await ledger.settle("o1", "stripe", "pi_1", 100, "USD")
        await outbox.enqueue(Job("o1:goods", 42, "goods", "o1", deliver=True))
        cut.fail_after(k - 1)
        try:
            await outbox.drain()
        except RedisCutError:
            pass
        cut.reconnect()
        lab.clock.advance(61)  # past a claim's lease
        await outbox.drain()
        outcomes.append((k - 1, len(telegram.sent), (await ledger.order("o1")).delivered))
    assert all(delivered for _, _, delivered in outcomes), outcomes
    # commands: ZRANGEBYSCORE, claim, [sendMessage], mark, deliver, done: only a cut at the mark sends twice
    assert [sent for _, sent, _ in outcomes] == [1, 1, 2, 1, 1, 1, 1], outcomes


async def test_sent_jobs_expire_after_the_retention(lab, telegram):
    outbox = outbox_for(lab, telegram)
    await outbox.enqueue(Job("a", 42, "one"))
    await outbox.drain()
    assert 0 < await lab.redis.pttl(outbox._job_key("a")) <= 7 * 24 * 3600 * 1000


async def test_a_bad_request_fails_the_job_for_good(lab, telegram):
    outbox = outbox_for(lab, telegram)
    telegram.plan = [(400, {"description": "Bad Request: chat not found"})]
    await outbox.enqueue(Job("a", 42, "one"))
    assert [r["outcome"] for r in await outbox.drain()] == ["failed"]
    lab.clock.advance(3600)
    assert await outbox.drain() == [] and telegram.sent == []


def test_the_outbox_refuses_a_client_that_retries_on_its_own(lab):
    with pytest.raises(ValueError):
        Outbox(lab.redis, lab.keys, lab.clock, BotApi(TOKEN))


class SlowTelegram(Telegram):
    """sendMessage takes a few turns of the event loop, so concurrent sends overlap; overlap is recorded."""

    def __init__(self):
        super().__init__()
        self.in_flight = self.most = 0

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            for _ in range(3):
                await asyncio.sleep(0)
            return self.handler(request)
        finally:
            self.in_flight -= 1


def slow_outbox(lab, telegram: SlowTelegram) -> Outbox:
    api = BotApi(TOKEN, transport=httpx.MockTransport(telegram.async_handler), max_retries=0)
    return Outbox(lab.redis, lab.keys, lab.clock, api)


async def test_a_concurrent_drain_keeps_each_chats_order_and_sends_each_job_once(lab):
    telegram = SlowTelegram()
    outbox = slow_outbox(lab, telegram)
    await outbox.enqueue(*(Job(f"{chat}-{n}", chat, f"{chat}:{n}") for n in range(3) for chat in (1, 2, 3)))
    rows = await outbox.drain(concurrency=4)
    assert sorted(r["job"] for r in rows) == sorted(f"{c}-{n}" for c in (1, 2, 3) for n in range(3))
    for chat in (1, 2, 3):
        assert [m["text"] for m in telegram.sent if m["chat_id"] == chat] == [f"{chat}:{n}" for n in range(3)]
    assert telegram.most == 3  # the three chats side by side, never two of one chat
    assert await outbox.drain(concurrency=4) == []


async def test_two_drains_at_once_send_each_job_once(lab):
    """Two senders (two processes' background drains) take the same due jobs: the claim gives each to one."""
    telegram = SlowTelegram()
    first, second = slow_outbox(lab, telegram), slow_outbox(lab, telegram)
    await outbox_enqueue(first, 12)
    rows = await asyncio.gather(first.drain(concurrency=4), second.drain(concurrency=4))
    assert sorted(r["job"] for r in rows[0] + rows[1]) == sorted(f"o{n}:goods" for n in range(12))
    assert sorted(m["text"] for m in telegram.sent) == sorted(f"goods {n}" for n in range(12))


async def outbox_enqueue(outbox: Outbox, jobs: int) -> None:
    await outbox.enqueue(*(Job(f"o{n}:goods", 100 + n, f"goods {n}") for n in range(jobs)))
