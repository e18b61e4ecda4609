"""The control API's transcript shows what a person sees: button data, toasts, Telegram's own rows."""

from __future__ import annotations

import httpx
import pytest

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada"}
KEYBOARD = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:1"}, {"text": "Site", "url": "https://x.example"}]]}


async def test_the_transcript_shows_button_data_and_the_toasts_answers_showed():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    fake = TelegramFake(clock, IdFactory(3))
    people = People(fake)
    token = fake.default_bot.token
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org") as http:
        people.send(501, ADA, "/start")
        sent = (await http.post(f"/bot{token}/sendMessage", json={"chat_id": 501, "text": "Tea", "reply_markup": KEYBOARD})).json()
        message_id = sent["result"]["message_id"]
        first = people.press(501, ADA, message_id, "buy:1")
        second = people.press(501, ADA, message_id, "buy:1")
        clock.advance(1)
        await http.post(f"/bot{token}/answerCallbackQuery", json={"callback_query_id": first["id"], "text": "Out of stock"})
        await http.post(f"/bot{token}/answerCallbackQuery", json={"callback_query_id": second["id"]})  # no text: no toast
        third = people.press(501, ADA, message_id, "buy:1")
        await http.post(f"/bot{token}/answerCallbackQuery",
                        json={"callback_query_id": third["id"], "text": "Sold out", "show_alert": True})
    rows = people.transcript(501)
    assert [(r["kind"], r["message_id"], r["text"]) for r in rows] == [
        ("message", 1, "/start"), ("message", 2, "Tea"),
        ("toast", 2, "toast: Out of stock"), ("toast", 2, "alert: Sold out")]
    assert rows[1]["keyboard"] == KEYBOARD["inline_keyboard"][0] and rows[1]["buttons"] == "Buy | Site"
    assert rows[2]["direction"] == "Telegram → user" and rows[2]["keyboard"] == []
    # a script presses a button it did not write, by reading its data from the transcript
    data = next(b["callback_data"] for b in rows[1]["keyboard"] if "callback_data" in b)
    assert people.press(501, ADA, rows[1]["message_id"], data)["data"] == "buy:1"


async def test_the_transcript_over_the_control_api_carries_kind_and_keyboard():
    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(4))
    People(fake).send(501, ADA, "/start")
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="http://t") as http:
        body = (await http.get("/_lab/chats/501/messages")).json()
    assert body["messages"][0]["kind"] == "message" and body["messages"][0]["keyboard"] == []


async def test_every_kind_of_update_of_the_catalogue_can_be_asked_for():
    """allowed_updates keeps every Update kind the catalogue has (10.3 added subscription and
    stopped_message_generation), in the Update type's order, and drops names it does not know."""
    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(4))
    token = fake.default_bot.token
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org") as http:
        await http.post(f"/bot{token}/setWebhook", json={
            "url": "https://shop.example/hook",
            "allowed_updates": ["stopped_message_generation", "nonsense", "subscription", "message"]})
        info = (await http.post(f"/bot{token}/getWebhookInfo")).json()["result"]
    assert info["allowed_updates"] == ["message", "subscription", "stopped_message_generation"]
