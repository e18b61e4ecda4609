"""Every object the Telegram fake emits validates against the Bot API catalogue it answers (Bot API 10.3)."""

from __future__ import annotations

import json

import httpx
import pytest

from catalogue import catalogue, method_returns, problems
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake, deliver_all
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

ADA = {"id": 501, "first_name": "Ada", "last_name": "Lovelace", "username": "ada", "language_code": "en"}
BO = {"id": 502, "first_name": "Bo"}
KEYBOARD = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:1"}, {"text": "Site", "url": "https://x.example"}]]}


class Recorder:
    """Calls the fake through its transport and validates each result against the method's return type."""

    def __init__(self, fake: TelegramFake):
        self.fake, self.checked = fake, []
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")

    async def __call__(self, method: str, **params):
        response = await self.http.post(f"/bot{self.fake.default_bot.token}/{method}", json=params)
        body = response.json()
        assert body["ok"], body
        assert not problems(body["result"], method_returns(method)), problems(body["result"], method_returns(method))
        self.checked.append(method_returns(method))
        return body["result"]


async def test_every_emitted_object_matches_the_catalogue():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    fake = TelegramFake(clock, IdFactory(5))
    people, call = People(fake), Recorder(fake)
    emitted = []  # (type, object) the people's side produced
    await call("getMe")
    emitted.append(("Message", people.send(501, ADA, "/start deep-link")))
    assert emitted[0][1]["date"] == 1767603600  # seconds, never milliseconds
    sent = await call("sendMessage", chat_id=501, text="<b>Hi</b> <a href=\"https://x.example\">there</a>",
                      parse_mode="HTML", reply_markup=KEYBOARD)
    emitted.append(("Message", people.send(501, ADA, "a reply", reply_to_message_id=sent["message_id"])))
    await call("sendMessage", chat_id=501, text="quoted", reply_parameters={"message_id": sent["message_id"]})
    emitted.append(("CallbackQuery", people.press(501, ADA, sent["message_id"], "buy:1")))
    clock.advance(5)
    await call("editMessageText", chat_id=501, message_id=sent["message_id"], text="*Edited*",
               parse_mode="MarkdownV2", reply_markup=KEYBOARD)
    await call("editMessageReplyMarkup", chat_id=501, message_id=sent["message_id"])
    await call("sendChatAction", chat_id=501, action="typing")
    await call("getChat", chat_id=501)
    group = people.create_group("Buyers", ADA, [BO])
    people.send(group["id"], BO, "/catalog@lab_shop_bot")
    await call("getChat", chat_id=group["id"])
    supergroup = people.upgrade_group(group["id"], ADA)
    await call("sendMessage", chat_id=supergroup["id"], text="moved")
    people.block(501)
    updates = await call("getUpdates", allowed_updates=[])
    kinds = {next(k for k in u if k != "update_id") for u in updates}
    assert kinds == {"message", "callback_query", "my_chat_member"}
    await call("setWebhook", url="https://shop.example/hook", secret_token="s3cret", max_connections=3)
    fake.webhook_client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    await deliver_all(fake, fake.webhook_client)
    info = await call("getWebhookInfo")
    assert info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    delivered = []
    fake.webhook_client = httpx.AsyncClient(transport=httpx.MockTransport(
        lambda r: delivered.append(json.loads(r.content)) or httpx.Response(200)))
    clock.advance(60)
    await deliver_all(fake, fake.webhook_client)
    # every update once; in order within a chat (a queue), not across chats (WebhookActor.cpp)
    assert sorted(u["update_id"] for u in delivered) == [u["update_id"] for u in updates]
    await call("deleteWebhook")
    await call("deleteMessage", chat_id=supergroup["id"], message_id=2)  # its own "moved": no admin rights needed
    for kind, obj in emitted + [("Update", u) for u in updates + delivered]:
        assert not problems(obj, kind), problems(obj, kind)
    assert {"User", "Message", "ChatFullInfo", "Array of Update", "WebhookInfo", "Boolean"} <= set(call.checked)


@pytest.mark.parametrize("bad, expected", [
    ({"message_id": 1, "date": 1.5, "chat": {"id": 1, "type": "private"}}, "expected Integer"),
    ({"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": None}, "null"),
    ({"message_id": 1, "chat": {"id": 1, "type": "private"}}, "lacks required date"),
    ({"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "colour": "red"}, "not a field"),
])
def test_the_checker_catches_what_a_client_would_choke_on(bad, expected):
    assert catalogue()["version"] == "Bot API 10.3"
    assert any(expected in p for p in problems(bad, "Message"))


async def test_every_payments_object_matches_the_catalogue():
    """Invoice messages, shipping and pre-checkout queries, successful and refunded payments, Stars."""
    clock = FrozenClock("2026-01-05T09:00:00Z")
    stripe = "284685063:TEST:ODdmNGVkMzViZjYw"
    fake = TelegramFake(clock, IdFactory(6), payment_providers={"Stripe TEST MODE": stripe})
    people, call = People(fake), Recorder(fake)
    people.send(501, ADA, "/start")
    seen: list[dict] = []

    async def updates() -> list[dict]:
        found = await call("getUpdates", offset=seen[-1]["update_id"] + 1 if seen else 0)
        seen.extend(found)
        return found
    address = {"country_code": "UZ", "state": "", "city": "Tashkent", "street_line1": "Amir Temur 1",
               "street_line2": "", "post_code": "100000"}
    flexible = await call("sendInvoice", chat_id=501, title="Green tea", description="100 g", payload="order-1",
                          currency="USD", provider_token=stripe, prices=[{"label": "Tea", "amount": 1250}],
                          is_flexible=True, need_name=True, max_tip_amount=500, suggested_tip_amounts=[100],
                          reply_markup={"inline_keyboard": [[{"text": "Pay 12.50 USD", "pay": True}]]})
    assert flexible["invoice"]["total_amount"] == 1250 and flexible["reply_markup"]["inline_keyboard"][0][0]["pay"]
    people.pay(501, ADA, flexible["message_id"], {"name": "Ada L", "shipping_address": address}, tip_amount=100)
    shipping = (await updates())[-1]
    await call("answerShippingQuery", shipping_query_id=shipping["shipping_query"]["id"], ok=True,
               shipping_options=[{"id": "std", "title": "Post", "prices": [{"label": "Post", "amount": 300}]}])
    pre_checkout = (await updates())[-1]
    await call("answerPreCheckoutQuery", pre_checkout_query_id=pre_checkout["pre_checkout_query"]["id"], ok=True)
    stars = await call("sendInvoice", chat_id=501, title="Mug", description="A mug", payload="order-2",
                       currency="XTR", prices=[{"label": "Mug", "amount": 25}])
    people.pay(501, ADA, stars["message_id"])
    query = (await updates())[-1]
    await call("answerPreCheckoutQuery", pre_checkout_query_id=query["pre_checkout_query"]["id"], ok=True)
    paid = (await updates())[-1]
    charge = paid["message"]["successful_payment"]["telegram_payment_charge_id"]
    await call("refundStarPayment", user_id=501, telegram_payment_charge_id=charge)
    await call("createInvoiceLink", title="Mug", description="A mug", payload="order-3", currency="XTR",
               prices=[{"label": "Mug", "amount": 25}])
    transactions = await call("getStarTransactions")
    assert [("source" in t, "receiver" in t) for t in transactions["transactions"]] == [(True, False), (False, True)]
    await call("getMyStarBalance")
    await updates()
    kinds = [next(k for k in u if k != "update_id") for u in seen]
    assert {"shipping_query", "pre_checkout_query"} <= set(kinds)
    services = [k for u in seen if "message" in u for k in ("successful_payment", "refunded_payment")
                if k in u["message"]]
    assert services == ["successful_payment", "successful_payment", "refunded_payment"]
    for update in seen:
        assert not problems(update, "Update"), problems(update, "Update")
    assert {"Message", "String", "Boolean", "StarTransactions", "StarAmount"} <= set(call.checked)
