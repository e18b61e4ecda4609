"""Our side of the Telegram wire: client retries, signed-data checks, the shop bot and its webhook endpoint."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from integration_lab.app.telegram import (BotApi, ChatMigrated, FloodWait, Forbidden, ServerError, SignedDataError,
                                          TimedOut, Unauthorized, secret_token_matches, verify_init_data,
                                          verify_login_widget)
from integration_lab.fakes.telegram import webapp
from integration_lab.scenarios.telegram import WEBHOOK_URL, shop_world

TOKEN = "123456789:AAFakeTokenForSignatureTestsOnly_xyz"
NOW = 1_767_603_600
USER = {"id": 501, "first_name": "Ada", "username": "ada"}


# ---- signed data: our checks against payloads signed independently here -------------------------
def independent_init_data(token: str, fields: dict) -> str:
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return urlencode({**fields, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()})


def test_init_data_signed_by_the_formula_verifies_both_ways():
    fields = {"query_id": "AAH1", "user": json.dumps(USER), "auth_date": str(NOW)}
    assert verify_init_data(independent_init_data(TOKEN, fields), TOKEN, NOW)["user"] == USER
    ours = webapp.init_data(TOKEN, USER, NOW)  # the fake's signer agrees with the formula
    parsed = dict(parse_qsl(ours))
    assert independent_init_data(TOKEN, {k: v for k, v in parsed.items() if k != "hash"}) == ours


@pytest.mark.parametrize("tamper, reason", [
    (lambda q: q.replace("Ada", "Eve"), "hash does not match"),
    (lambda q: q + "&extra=1", "hash does not match"),
    (lambda q: "&".join(p for p in q.split("&") if not p.startswith("hash=")), "hash is missing"),
    (lambda q: q + "&auth_date=1", "a field appears twice"),
])
def test_forged_init_data_is_refused(tamper, reason):
    with pytest.raises(SignedDataError) as refused:
        verify_init_data(tamper(webapp.init_data(TOKEN, USER, NOW)), TOKEN, NOW)
    assert refused.value.reason == reason


def test_init_data_freshness_and_other_bots_token():
    genuine = webapp.init_data(TOKEN, USER, NOW)
    with pytest.raises(SignedDataError, match="too old"):
        verify_init_data(genuine, TOKEN, NOW + 3601)
    with pytest.raises(SignedDataError, match="future"):
        verify_init_data(genuine, TOKEN, NOW - 120)
    with pytest.raises(SignedDataError, match="does not match"):
        verify_init_data(genuine, "987654321:AAAnotherBotsTokenEntirely_abcdefg", NOW)


def test_login_widget_uses_sha256_of_the_token_as_key():
    fields = {"id": "501", "first_name": "Ada", "auth_date": str(NOW)}
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    signed = {**fields, "hash": hmac.new(hashlib.sha256(TOKEN.encode()).digest(), check.encode(),
                                         hashlib.sha256).hexdigest()}
    assert verify_login_widget(signed, TOKEN, NOW)["id"] == "501"
    assert webapp.login_widget(TOKEN, {"id": 501, "first_name": "Ada"}, NOW) == signed
    with pytest.raises(SignedDataError, match="does not match"):  # a Mini App key does not sign Login data
        verify_login_widget(dict(parse_qsl(independent_init_data(TOKEN, fields))), TOKEN, NOW)


def test_secret_token_comparison():
    assert secret_token_matches("s3cret", "s3cret") and secret_token_matches(None, None)
    assert not secret_token_matches("s3cret", "s3cre") and not secret_token_matches("s3cret", None)


# ---- the client ------------------------------------------------------------------------------------
def scripted(*answers):
    """A Bot API that answers each call with the next scripted (status, body), or raises a timeout."""
    calls = []

    def handler(request):
        calls.append(request.url.path.rsplit("/", 1)[1])
        status, body = answers[len(calls) - 1]
        if status == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(status, json=body)

    return calls, httpx.MockTransport(handler)


async def test_client_honours_retry_after_then_gives_up():
    flood = (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
                   "parameters": {"retry_after": 7}})
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    calls, transport = scripted(flood, flood, (200, {"ok": True, "result": {"message_id": 1}}))
    api = BotApi(TOKEN, transport=transport, sleep=sleep, max_retries=2)
    assert await api.send_message(1, "hi") == {"message_id": 1}
    assert slept == [7, 7] and len(calls) == 3
    calls, transport = scripted(flood, flood, flood)
    api = BotApi(TOKEN, transport=transport, sleep=sleep, max_retries=2)
    with pytest.raises(FloodWait) as gave_up:
        await api.send_message(1, "hi")
    assert gave_up.value.retry_after == 7 and len(calls) == 3
    assert TOKEN.partition(":")[2] not in repr(api)


async def no_sleep(seconds):
    pass


async def test_client_never_repeats_an_unsafe_call_after_a_timeout_or_5xx():
    calls, transport = scripted(("timeout", None))
    with pytest.raises(TimedOut):
        await BotApi(TOKEN, transport=transport, sleep=no_sleep).send_message(1, "hi")
    assert calls == ["sendMessage"]
    calls, transport = scripted((502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}))
    with pytest.raises(ServerError):
        await BotApi(TOKEN, transport=transport).send_message(1, "hi")
    calls, transport = scripted(("timeout", None), (200, {"ok": True, "result": {"id": 1}}))
    assert await BotApi(TOKEN, transport=transport, sleep=no_sleep).get_me() == {"id": 1}
    assert calls == ["getMe", "getMe"]


@pytest.mark.parametrize("status, body, error", [
    (400, {"ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat",
           "parameters": {"migrate_to_chat_id": -1001}}, ChatMigrated),
    (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, Forbidden),
    (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, Unauthorized),
])
async def test_client_maps_errors_to_types(status, body, error):
    _, transport = scripted((status, body))
    with pytest.raises(error) as caught:
        await BotApi(TOKEN, transport=transport).send_message(1, "hi")
    assert caught.value.description == body["description"]


# ---- the shop bot over the fake --------------------------------------------------------------------
async def test_users_conversations_are_isolated_and_expire(lab):
    world = await shop_world(lab, session_ttl=60)
    await world.says("Ada", "/buy tea")
    await world.says("Bo", "/buy mug")
    await world.presses("Ada", "Checkout")
    assert (await world.bot.sessions.get(world.user("Ada")["id"])).state == "checkout"
    assert (await world.bot.sessions.get(world.user("Bo")["id"])).data["cart"] == ["mug"]
    await lab.advance(61)
    await world.presses("Bo", "Checkout")
    assert world.handled().iloc[-1]["reply"] == "Your cart expired. Send /catalog to start again."
    await world.close()


async def test_commands_are_rate_limited_per_user(lab):
    world = await shop_world(lab)
    world.think = 0.5
    for _ in range(6):
        await world.says("Ada", "/help")
    await world.says("Bo", "/help")
    replies = list(world.handled()["reply"])
    assert replies[5].startswith("Too many commands") and replies[6].startswith("Commands:")
    await world.close()


async def test_webhook_endpoint_refuses_forged_and_stale_payloads_without_changing_anything(lab):
    world = await shop_world(lab, mode="webhook")
    client = world.fake.webhook_client
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                          "from": {"id": 5, "is_bot": False, "first_name": "Eve"}, "text": "/start"}}
    forged = await client.post(WEBHOOK_URL, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
    missing = await client.post(WEBHOOK_URL, json=update)
    garbage = await client.post(WEBHOOK_URL, content=b"{", headers={"X-Telegram-Bot-Api-Secret-Token": "lab-webhook-secret"})
    senderless = {"update_id": 2, "message": {k: v for k, v in update["message"].items() if k != "from"}}
    unsigned = await client.post(WEBHOOK_URL, json=senderless, headers={"X-Telegram-Bot-Api-Secret-Token": "lab-webhook-secret"})
    assert (forged.status_code, missing.status_code, garbage.status_code, unsigned.status_code) == (403, 403, 400, 400)
    stale = webapp.init_data(world.token, USER, int(lab.clock.time()) - 7200)
    forged_init = webapp.init_data("1:AAother", USER, int(lab.clock.time()))
    for payload in (stale, forged_init):
        refused = await client.post("https://shop.example/telegram/webapp", content=payload.encode())
        assert refused.status_code == 401
    assert list(world.bot.log) == [] and await lab.redis.keys(lab.keys.pattern("*")) == []
    genuine = webapp.init_data(world.token, USER, int(lab.clock.time()) - 60)
    assert (await client.post("https://shop.example/telegram/webapp", data={"initData": genuine})).json() == {"user": USER}
    accepted = await client.post(WEBHOOK_URL, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "lab-webhook-secret"})
    again = await client.post(WEBHOOK_URL, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "lab-webhook-secret"})
    assert accepted.json() == {} and again.json() == {"duplicate": True} and len(world.bot.log) == 1
    assert list(world.bot.undelivered) == [(5, "Bad Request: chat not found")]  # Eve never wrote to the fake
    await world.close()


async def test_bot_follows_a_group_to_its_supergroup(lab):
    world = await shop_world(lab)
    ada = world.user("Ada")
    group = world.people.create_group("Buyers", ada)
    world.people.upgrade_group(group["id"], ada)
    await world.bot._say(group["id"], "hello group")
    supergroup = -1_000_000_000_000 + group["id"]
    assert world.bot.moved_chats == {group["id"]: supergroup}
    assert world.people.transcript(supergroup)[-1]["text"] == "hello group"
    await world.close()


async def test_a_text_without_a_sender_is_noted_not_crashed_and_remembered(lab):
    world = await shop_world(lab, mode="manual")
    update = {"update_id": 9, "channel_post": {"message_id": 1, "chat": {"id": -100, "type": "channel"}, "date": 0,
                                               "text": "/start"}}
    anonymous = {"update_id": 10, "message": {"message_id": 2, "chat": {"id": -5, "type": "group"}, "date": 0,
                                              "text": "/catalog"}}
    assert (await world.bot.handle(update)).reply == ""
    assert (await world.bot.handle(anonymous)).reply == ""
    assert await world.bot.handle(anonymous) is None  # remembered: a redelivery is not handled twice
    await world.close()


async def test_buy_where_the_cart_cannot_take_it_is_answered_not_failed(lab):
    world = await shop_world(lab)
    replies = await world.play([{"user": "Ada", "says": "/buy tea"}, {"user": "Ada", "presses": "Checkout"},
                                {"user": "Ada", "says": "/buy mug"}])
    assert list(replies["reply"])[-1] == "That step is not available now."
    await world.close()
