"""The Telegram fake's wire: envelopes, parameter encodings, Telegram's exact errors, limits, faults, polling."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake, TelegramTransport
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

ADA = {"id": 501, "first_name": "Ada"}


@pytest.fixture
def world():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    fake = TelegramFake(clock, IdFactory(5))
    http = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")
    return clock, fake, People(fake), http, f"/bot{fake.default_bot.token}"


def answer(response: httpx.Response) -> tuple[int, dict]:
    return response.status_code, response.json()


async def test_parameters_arrive_as_json_form_multipart_or_query(world):
    clock, fake, people, http, base = world
    people.send(501, ADA, "hi")
    bodies = [dict(json={"chat_id": 501, "text": "json"}), dict(data={"chat_id": "501", "text": "form"}),
              dict(data={"chat_id": "501", "text": "multipart"}, files={"unused": ("f.txt", b"x")}),
              dict(params={"chat_id": "501", "text": "query"})]
    texts = []
    for body in bodies:
        clock.advance(2)
        status, reply = answer(await http.post(f"{base}/sendmessage", **body))
        assert status == 200 and reply["ok"] is True and set(reply) == {"ok", "result"}
        texts.append(reply["result"]["text"])
    assert texts == ["json", "form", "multipart", "query"]


@pytest.mark.parametrize("path, status, description", [
    ("/getMe", 404, "Not Found"),
    ("/bot{token}/sendInvoiceNope", 404, "Not Found: method not found"),
    ("/bot123456:unknown-token-xyz/getMe", 401, "Unauthorized"),
    ("/botnot-a-token/getMe", 401, "Unauthorized: invalid token specified"),
])
async def test_routes_and_tokens(world, path, status, description):
    *_, http, base = world
    code, body = answer(await http.post(path.format(token=base[4:])))
    assert (code, body) == (status, {"ok": False, "error_code": status, "description": description})


@pytest.mark.parametrize("params, description", [
    ({"text": "x"}, "Bad Request: chat_id is empty"),
    ({"chat_id": 404, "text": "x"}, "Bad Request: chat not found"),
    ({"chat_id": 501}, "Bad Request: message text is empty"),
    ({"chat_id": 501, "text": "x" * 4097}, "Bad Request: message is too long"),
    ({"chat_id": 501, "text": "<b>x", "parse_mode": "HTML"},
     "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""),
    ({"chat_id": 501, "text": "1.5", "parse_mode": "MarkdownV2"},
     "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'"),
    # TDLib's own test vectors: the offset is where the unclosed mark stands, in bytes of the source
    ({"chat_id": 501, "text": "🏟 🏟_abacaba", "parse_mode": "MarkdownV2"},
     "Bad Request: can't parse entities: Can't find end of Italic entity at byte offset 9"),
    ({"chat_id": 501, "text": "🏟 🏟_abac * asd ", "parse_mode": "MarkdownV2"},
     "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 15"),
    ({"chat_id": 501, "text": "x", "parse_mode": "BBCode"}, "Bad Request: unsupported parse_mode"),
    ({"chat_id": 501, "text": "x", "reply_markup": "{"}, "Bad Request: can't parse reply keyboard markup JSON object"),
    ({"chat_id": 501, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "d" * 65}]]}},
     "Bad Request: BUTTON_DATA_INVALID"),
    ({"chat_id": 501, "text": "x", "reply_to_message_id": 99}, "Bad Request: message to be replied not found"),
])
async def test_bad_send_message_gets_telegrams_answer_and_sends_nothing(world, params, description):
    _, fake, people, http, base = world
    people.send(501, ADA, "hi")
    code, body = answer(await http.post(f"{base}/sendMessage", json=params))
    assert (code, body) == (400, {"ok": False, "error_code": 400, "description": description})
    assert len(fake.default_bot.chats[501].messages) == 1


async def test_edits_deletes_and_callback_answers(world):
    clock, fake, people, http, base = world
    people.send(501, ADA, "hi")
    keyboard = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy"}]]}
    sent = (await http.post(f"{base}/sendMessage", json={"chat_id": 501, "text": "x", "reply_markup": keyboard})).json()
    mid = sent["result"]["message_id"]
    code, body = answer(await http.post(f"{base}/editMessageText",
                                        json={"chat_id": 501, "message_id": mid, "text": "x", "reply_markup": keyboard}))
    assert code == 400 and body["description"].startswith("Bad Request: message is not modified")
    code, body = answer(await http.post(f"{base}/editMessageText", json={"chat_id": 501, "message_id": 1, "text": "y"}))
    assert (code, body["description"]) == (400, "Bad Request: message can't be edited")
    query = people.press(501, ADA, mid, "buy")
    clock.advance(16)
    code, body = answer(await http.post(f"{base}/answerCallbackQuery", json={"callback_query_id": query["id"]}))
    assert body["description"] == "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert (await http.post(f"{base}/deleteMessage", json={"chat_id": 501, "message_id": mid})).json()["result"] is True
    code, body = answer(await http.post(f"{base}/deleteMessage", json={"chat_id": 501, "message_id": mid}))
    assert body["description"] == "Bad Request: message to delete not found"
    code, body = answer(await http.post(f"{base}/sendChatAction", json={"chat_id": 501, "action": "dancing"}))
    assert body["description"] == "Bad Request: wrong parameter action in request"
    with pytest.raises(ValueError, match="no bot message"):
        people.press(501, ADA, 1, "buy")


async def test_flood_limits_on_the_lab_clock_and_switchable(world):
    clock, fake, people, http, base = world
    people.send(501, ADA, "hi")
    codes = [(await http.post(f"{base}/sendMessage", json={"chat_id": 501, "text": "x"})).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    body = (await http.post(f"{base}/sendMessage", json={"chat_id": 501, "text": "x"})).json()
    assert body == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3}}
    clock.advance(3)
    assert (await http.post(f"{base}/sendMessage", json={"chat_id": 501, "text": "x"})).status_code == 200
    for user in range(1000, 1040):
        people.send(user, {"id": user, "first_name": "U"}, "hi")
    overall = [(await http.post(f"{base}/sendMessage", json={"chat_id": u, "text": "x"})).status_code
               for u in range(1000, 1040)]
    assert overall.count(200) == 29 and overall[-1] == 429  # 30 per second, one already spent
    fake.flood.enabled = False
    assert (await http.post(f"{base}/sendMessage", json={"chat_id": 1039, "text": "x"})).status_code == 200


async def test_faults_server_error_latency_and_timeouts(world):
    _, fake, people, http, base = world
    people.send(501, ADA, "hi")
    fake.faults.add("server_error", "sendMessage", status=502, description="Bad Gateway")
    assert answer(await http.post(f"{base}/sendMessage", json={"chat_id": 501, "text": "x"})) == (
        502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    fake.faults.add("timeout", "sendMessage")
    with pytest.raises(httpx.ReadTimeout):
        await http.post(f"{base}/sendMessage", json={"chat_id": 501, "text": "lost"})
    fake.faults.add("timeout", "sendMessage", applied=True)
    with pytest.raises(httpx.ReadTimeout):
        await http.post(f"{base}/sendMessage", json={"chat_id": 501, "text": "delivered, answer lost"})
    assert [m.text for m in fake.default_bot.chats[501].messages.values()] == ["hi", "delivered, answer lost"]
    fake.faults.add("latency", "getMe", seconds=0.01)
    assert (await http.get(f"{base}/getMe")).status_code == 200
    with pytest.raises(ValueError, match="unknown fault"):
        fake.faults.add("meteor")


async def test_long_poll_waits_on_the_lab_clock_and_wakes_for_an_update(world):
    clock, fake, people, http, base = world
    waiting = asyncio.create_task(http.post(f"{base}/getUpdates", json={"timeout": 30}))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    people.send(501, ADA, "/start")
    updates = (await asyncio.wait_for(waiting, 2)).json()["result"]
    assert [u["message"]["text"] for u in updates] == ["/start"]
    empty = asyncio.create_task(http.post(f"{base}/getUpdates", json={"offset": updates[0]["update_id"] + 1, "timeout": 30}))
    await asyncio.sleep(0.05)
    clock.advance(29)
    await asyncio.sleep(0.05)
    assert not empty.done()
    clock.advance(1)
    assert (await asyncio.wait_for(empty, 2)).json() == {"ok": True, "result": []}


async def test_a_second_poll_terminates_the_first_and_a_webhook_forbids_polling(world):
    *_, http, base = world
    first = asyncio.create_task(http.post(f"{base}/getUpdates", json={"timeout": 30}))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(http.post(f"{base}/getUpdates", json={"timeout": 1}))
    code, body = answer(await asyncio.wait_for(first, 2))
    assert code == 409 and body["description"].startswith("Conflict: terminated by other getUpdates request")
    second.cancel()
    reply = (await http.post(f"{base}/setWebhook", data={"url": "https://shop.example/h", "secret_token": "ok_1"})).json()
    assert reply == {"ok": True, "result": True, "description": "Webhook was set"}
    assert (await http.post(f"{base}/setWebhook", data={"url": "https://shop.example/h", "secret_token": "ok_1"})
            ).json()["description"] == "Webhook is already set"
    code, body = answer(await http.post(f"{base}/getUpdates"))
    assert code == 409 and "webhook is active" in body["description"]
    for bad, description in [({"url": "http://shop.example/h"}, "bad webhook: An HTTPS URL must be provided for webhook"),
                             ({"url": "https://shop.example/h", "secret_token": "no spaces"},
                              "secret token contains unallowed characters"),
                             ({"url": "https://shop.example/h", "secret_token": "x" * 257}, "secret token is too long")]:
        assert answer(await http.post(f"{base}/setWebhook", json=bad))[1]["description"] == f"Bad Request: {description}"
    assert (await http.post(f"{base}/deleteWebhook")).json()["description"] == "Webhook was deleted"
    assert (await http.post(f"{base}/deleteWebhook")).json()["description"] == "Webhook is already deleted"


async def test_webhook_delivery_secret_retries_and_reply_method(world):
    clock, fake, people, http, base = world
    seen, status = [], {"code": 503}

    def receiver(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers.get("x-telegram-bot-api-secret-token"), json.loads(request.content)["update_id"]))
        if status["code"] != 200:
            return httpx.Response(status["code"])
        return httpx.Response(200, json={"method": "sendMessage", "chat_id": 501, "text": "from the reply"})

    fake.webhook_client = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    await http.post(f"{base}/setWebhook", json={"url": "https://shop.example/h", "secret_token": "s3cret"})
    people.send(501, ADA, "/start")
    from integration_lab.fakes.telegram import deliver_all

    # the first failure is retried at once, the second after 2 s (WebhookActor::on_update_error)
    assert [row["status"] for row in await deliver_all(fake, fake.webhook_client)] == [503, 503]
    info = (await http.get(f"{base}/getWebhookInfo")).json()["result"]
    assert info["pending_update_count"] == 1
    assert info["last_error_message"] == "Wrong response from the webhook: 503 Service Unavailable"
    assert await deliver_all(fake, fake.webhook_client) == []  # backing off on the lab clock
    status["code"] = 200
    clock.advance(1)
    assert await deliver_all(fake, fake.webhook_client) == []
    clock.advance(1)
    await deliver_all(fake, fake.webhook_client)
    assert [s for s, _ in seen] == ["s3cret"] * 3 and len({u for _, u in seen}) == 1
    assert (await http.get(f"{base}/getWebhookInfo")).json()["result"]["pending_update_count"] == 0
    assert [m.text for m in fake.default_bot.chats[501].messages.values()] == ["/start", "from the reply"]


def test_sync_transport_serves_the_same_model():
    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(5))
    People(fake).send(501, ADA, "/start")
    transport = TelegramTransport(fake)
    with httpx.Client(transport=transport, base_url="https://api.telegram.org") as http:
        body = http.post(f"/bot{fake.default_bot.token}/getUpdates", json={"timeout": 5}).json()
    transport.close()
    assert body["result"][0]["message"]["text"] == "/start"


def test_reprs_never_show_the_token():
    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(5))
    secret = fake.default_bot.token.partition(":")[2]
    assert secret not in repr(fake) and secret not in repr(fake.default_bot)
