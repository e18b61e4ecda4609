"""Per-phase timeouts on our Bot API client, on real loopback sockets (runtime.stalls): each phase fires within
its own short timeout, becomes TimedOut naming the phase, and is retried only when repeating it is safe."""

import time

import httpx
import pytest

from integration_lab.app.telegram.client import BotApi, TimedOut
from integration_lab.fakes.telegram import TelegramFake
from integration_lab.fakes.telegram.asgi import service
from integration_lab.fakes.telegram.simulate import People
from integration_lab.runtime.stalls import Gate, full_backlog, served
from integration_lab.scenarios.timeouts import phase_timeouts, provoke


def rows(run):
    return {row["method"]: row for row in run.calls}


async def test_a_read_timeout_fires_at_its_own_limit_and_a_send_message_is_not_sent_again(lab):
    fake = TelegramFake(lab.clock, lab.ids)
    gate = Gate()
    fake.sleep = gate.sleep
    ada = {"id": 500_000_001, "first_name": "Ada"}
    People(fake).send(ada["id"], ada, "/start")
    fake.faults.add("latency", "sendMessage", times=None, seconds=3.0)  # every sendMessage held 3 s (wall)
    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    async with served(service(fake)) as url:
        api = BotApi(fake.default_bot.token, base_url=url, sleep=sleep, max_retries=2,
                     timeout=phase_timeouts("read", 0.2, 5.0))
        started = time.perf_counter()
        with pytest.raises(TimedOut) as raised:
            await api.send_message(ada["id"], "hello")
        elapsed = time.perf_counter() - started
        gate.open()
        await gate.drained()
        await api.close()
    assert raised.value.description == "no answer in time (read)" and raised.value.sent
    assert elapsed < 1.5, "the read timeout (0.2 s) was not applied: the client waited for the fake"
    assert [(a.attempt, a.outcome) for a in api.attempts] == [(1, "no answer in time (read)")] and waits == []
    assert gate.held == 1  # one request on the wire, and it was delivered anyway
    assert [m.text for m in fake.default_bot.chats[ada["id"]].messages.values()][-1] == "hello"


async def test_a_connect_timeout_is_retried_even_for_send_message_since_nothing_left(lab):
    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    async with full_backlog() as url:
        api = BotApi("1:AAtoken", base_url=url, sleep=sleep, max_retries=2, timeout=phase_timeouts("connect", 0.2, 5))
        started = time.perf_counter()
        with pytest.raises(TimedOut) as raised:
            await api.send_message(1, "hello")
        elapsed = time.perf_counter() - started
        await api.close()
    assert raised.value.description == "no answer in time (connect)" and not raised.value.sent
    assert [a.attempt for a in api.attempts] == [1, 2, 3] and len(waits) == 2 and all(w > 0 for w in waits)
    assert elapsed < 3, "three connects of 0.2 s each"


@pytest.mark.parametrize("phase, send_attempts, getme", [
    ("connect", 3, ("TimedOut", 3)), ("read", 1, ("ok", 3)), ("write", 1, ("TimedOut", 3)), ("pool", 3, ("TimedOut", 3)),
])
async def test_each_phase_is_named_and_retried_only_where_safe(lab, phase, send_attempts, getme):
    started = time.perf_counter()
    run = await provoke(lab, phase, timeout=0.2, hang=4.0, max_retries=2, body_bytes=8_000_000)
    assert time.perf_counter() - started < 8
    send, me = rows(run)["sendMessage"], rows(run)["getMe"]
    assert (send["result"], send["description"], send["attempts"]) == \
        ("TimedOut", f"no answer in time ({phase})", send_attempts)
    assert send["sent"] == ("no" if phase in ("connect", "pool") else "may have been")
    assert (me["result"], me["attempts"]) == getme
    assert send["reached the chat"] == ("yes" if phase == "read" else "no")
    waited = [a.waited for a in run.api.attempts if a.method == "sendMessage" and a.outcome != "ok"]
    assert (sum(waited) > 0) == (send_attempts > 1)  # the retries slept (on the lab clock) between attempts


def test_an_unknown_phase_is_refused():
    with pytest.raises(ValueError, match="unknown phase"):
        phase_timeouts("dns", 0.2, 5)
    assert phase_timeouts("pool", 0.2, 5) == httpx.Timeout(connect=5, read=5, write=5, pool=0.2)
