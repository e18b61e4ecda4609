"""The Telegram fake keeps bounded state: `history` messages per chat (older ones behave as deleted),
updates for 24 hours, callback queries while they can be answered, flood windows while they count."""

from __future__ import annotations

import httpx
import pytest

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.fakes.telegram.limits import SWEEP_EVERY
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.serve import add_arguments, telegram_app

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

ADA = {"id": 501, "first_name": "Ada"}


def make(history: int | None = None, limits: bool = False):
    clock = FrozenClock("2026-01-05T09:00:00Z")
    fake = TelegramFake(clock, IdFactory(5), limits=limits, **({} if history is None else {"history": history}))
    http = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")
    return clock, fake, People(fake), http, f"/bot{fake.default_bot.token}"


async def send(http, base, text: str, **extra) -> dict:
    return (await http.post(f"{base}/sendMessage", json={"chat_id": 501, "text": text, **extra})).json()


async def test_a_chat_keeps_the_newest_messages_and_the_oldest_behave_as_deleted():
    clock, fake, people, http, base = make(history=3)
    people.send(501, ADA, "hi")
    sent = [(await send(http, base, f"m{i}"))["result"]["message_id"] for i in range(4)]
    chat = fake.default_bot.chats[501]
    assert [m.text for m in chat.messages.values()] == ["m1", "m2", "m3"]
    gone = sent[0]
    edit = (await http.post(f"{base}/editMessageText", json={"chat_id": 501, "message_id": gone, "text": "x"})).json()
    assert edit == {"ok": False, "error_code": 400, "description": "Bad Request: message to edit not found"}
    delete = (await http.post(f"{base}/deleteMessage", json={"chat_id": 501, "message_id": gone})).json()
    assert delete["description"] == "Bad Request: message to delete not found"
    reply = await send(http, base, "re", reply_to_message_id=gone)
    assert reply["description"] == "Bad Request: message to be replied not found"
    kept = await send(http, base, "re", reply_parameters={"message_id": sent[-1]})
    assert kept["result"]["reply_to_message"]["text"] == "m3"
    assert len(chat.messages) == 3 and chat.next_message_id == sent[-1] + 2  # ids never reused


async def test_an_evicted_message_no_longer_holds_the_chain_of_replies_behind_it():
    clock, fake, people, http, base = make(history=2)
    people.send(501, ADA, "hi")
    previous = None
    for i in range(6):
        extra = {"reply_to_message_id": previous} if previous else {}
        previous = (await send(http, base, f"m{i}", **extra))["result"]["message_id"]
    newest = list(fake.default_bot.chats[501].messages.values())
    assert [m.text for m in newest] == ["m4", "m5"]
    assert newest[0].reply_to.text == "m3" and newest[0].reply_to.reply_to is None


def test_the_default_history_is_a_thousand_and_it_must_be_positive():
    assert make()[1].history == 1_000
    with pytest.raises(ValueError):
        make(history=0)


def test_serve_telegram_takes_history():
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["telegram"]).history == 1_000
    assert parser.parse_args(["telegram", "--history", "5"]).history == 5
    for bad in ("0", "-1", "x"):
        with pytest.raises(SystemExit):
            parser.parse_args(["telegram", "--history", bad])
    fake, _app = telegram_app(None, limits=True, history=7)
    assert fake.history == 7


async def test_unconfirmed_updates_expire_after_24_hours():
    clock, fake, people, http, base = make()
    people.send(501, ADA, "old")
    clock.advance(12 * 3600)
    people.send(501, ADA, "new")
    clock.advance(12 * 3600)
    body = (await http.post(f"{base}/getUpdates")).json()
    assert [u["message"]["text"] for u in body["result"]] == ["new"]
    await http.post(f"{base}/getUpdates", json={"offset": body["result"][0]["update_id"] + 1})
    bot = fake.default_bot
    assert len(bot.updates) == 0 and len(bot.queued_at) == 0


async def test_callback_queries_are_forgotten_once_too_old_to_answer():
    clock, fake, people, http, base = make()
    people.send(501, ADA, "hi")
    keyboard = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy"}]]}
    mid = (await send(http, base, "x", reply_markup=keyboard))["result"]["message_id"]
    for _ in range(50):
        people.press(501, ADA, mid, "buy")
        clock.advance(1)
    assert len(fake.default_bot.callbacks) <= 17  # the last 15 s of presses, and the edges


def test_flood_windows_of_quiet_chats_are_swept():
    clock, fake, people, http, base = make(limits=True)
    for user in range(SWEEP_EVERY):
        people.send(10_000 + user, {"id": 10_000 + user, "first_name": "U"}, "hi")
        assert fake.flood.check(fake.default_bot.account.id, 10_000 + user, "private") == 0
        clock.advance(0.1)
    assert len(fake.flood._sent) <= 602  # the overall window and the chats of the last minute; 1,025 unswept
