"""What hostile requests aim at on each server: one protected object that no request may change (a chat with
one bot message, a PaymentIntent without a payment method, an open order), and sandbox objects requests may
really use (chats, PaymentIntents and charges, orders and Click prepares).
"""

from __future__ import annotations

import time

import httpx

from ..app.service import DEFAULTS
from . import shop, stripe, telegram

TG = f"/bot{telegram.TOKEN}"
PROTECTED = {"telegram": "protected_chat", "stripe": "protected_intent", "app": "protected_order"}


async def protected_state(server: str, url: str, targets, http: httpx.AsyncClient) -> tuple[int, bytes]:
    """The protected object as its server shows it: a chat's transcript, a PaymentIntent, an order."""
    if server == "telegram":
        answer = await http.get(f"{url}/_lab/chats/{targets.protected_chat}/messages")
    elif server == "stripe":
        answer = await http.get(f"{url}/v1/payment_intents/{targets.protected_intent}",
                                headers={"authorization": f"Bearer {stripe.KEY}"})
    else:
        answer = await http.get(f"{url}/_lab/orders/{targets.protected_order}")
    return answer.status_code, answer.content


def _expect(answer: httpx.Response, status: int) -> None:
    if answer.status_code != status:  # not an assert: the setup must also fail under python -O
        raise RuntimeError(f"setting up targets: HTTP {answer.status_code} {answer.text}")


def telegram_targets(url: str) -> telegram.TelegramTargets:
    """Users 7001-7004 and 8001-8004 write to the bot (8001-8004 are the shop bot's buyers); 7001's chat is
    protected. Their updates are confirmed, so no webhook set by a hostile call has anything to deliver."""
    with httpx.Client(base_url=url, timeout=10) as http:
        def user_writes(uid: int) -> None:
            answer = http.post(f"/_lab/chats/{uid}/messages", json={"from": {"id": uid, "first_name": f"U{uid}"},
                                                                      "text": "hi"})
            _expect(answer, 200)

        def bot_says(chat: int, text: str) -> int:
            answer = http.post(f"{TG}/sendMessage", json={"chat_id": chat, "text": text})
            _expect(answer, 200)
            return answer.json()["result"]["message_id"]

        for uid in [7001, 7002, 7003, 7004, 8001, 8002, 8003, 8004]:
            user_writes(uid)
        targets = telegram.TelegramTargets(7001, bot_says(7001, "protected: do not touch"), [7002, 7003, 7004])
        targets.messages = [(chat, bot_says(chat, f"sandbox {chat}")) for chat in targets.chats]
        http.post(f"{TG}/deleteWebhook")
        updates = http.post(f"{TG}/getUpdates", json={"timeout": 0}).json()["result"]
        if updates:
            http.post(f"{TG}/getUpdates", json={"offset": updates[-1]["update_id"] + 1, "timeout": 0})
    return targets


def stripe_targets(url: str) -> stripe.StripeTargets:
    with httpx.Client(base_url=url, timeout=10, headers={"authorization": f"Bearer {stripe.KEY}"}) as http:
        def intent(**extra) -> dict:
            answer = http.post("/v1/payment_intents", data={"amount": "5000", "currency": "usd",
                                                             "payment_method_types[]": "card", **extra})
            _expect(answer, 200)
            return answer.json()

        targets = stripe.StripeTargets(intent()["id"])
        targets.intents = [intent()["id"] for _ in range(4)]
        for _ in range(4):
            paid = intent(payment_method="pm_card_visa", confirm="true")
            targets.intents.append(paid["id"])
            targets.charges.append(paid["latest_charge"])
        targets.customers = [http.post("/v1/customers", data={"name": "Sandbox"}).json()["id"] for _ in range(2)]
    return targets


def shop_targets(url: str) -> shop.ShopTargets:
    """A protected order of 5,000.00 UZS, 24 sandbox orders, six of them prepared by Click."""
    with httpx.Client(base_url=url, timeout=10) as http:
        def order(tiyin: int) -> str:
            answer = http.post("/_lab/orders", json={"amount": tiyin, "currency": "UZS"})
            _expect(answer, 201)
            return answer.json()["order_id"]

        targets = shop.ShopTargets(order(500000), 500000, payme_key=DEFAULTS["payme_key"],
                                   click_service_id=DEFAULTS["click_service_id"],
                                   click_secret=DEFAULTS["click_secret_key"],
                                   stripe_secret=DEFAULTS["stripe_webhook_secret"],
                                   telegram_secret=DEFAULTS["telegram_secret_token"], users=[8001, 8002, 8003, 8004])
        targets.orders = [(order(tiyin), tiyin) for tiyin in [100000 * (1 + i % 7) for i in range(24)]]
        for i, (order_id, tiyin) in enumerate(targets.orders[:6]):
            trans = 5_000_000 + i
            form = {"click_trans_id": str(trans), "service_id": str(targets.click_service_id),
                    "click_paydoc_id": str(trans + 7), "merchant_trans_id": order_id,
                    "amount": f"{tiyin // 100}.00", "action": "0", "error": "0", "error_note": "Success",
                    "sign_time": time.strftime("%Y-%m-%d %H:%M:%S")}
            form["sign_string"] = shop.click_sign(form, targets.click_secret, "0")
            answer = http.post("/click/prepare", data=form).json()
            if answer.get("error") == 0:
                targets.prepared.append((trans, order_id, tiyin, answer["merchant_prepare_id"]))
    return targets
