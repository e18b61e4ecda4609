"""The control API under /_lab/: what tests in any language use to play the people and the weather.

Answers are JSON: `{"ok": true, …}`, or `{"ok": false, "error": "…"}` with 400 (bad request) or 404
(no such chat or route). Every route acts on the first bot unless `bot_id` is given (in the JSON body
or the query string). docs/guide/telegram.md ("The control API") lists the routes.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from . import control_routes
from .replies import Reply, json_reply
from .simulate import People
from .state import redact_token
from .world import TelegramFake

MAX_CONTROL_BODY = 1 << 20
_CHAT_ROUTE = re.compile(r"^/_lab/chats/(-?\d+)/(messages|callbacks|upgrade)$")
_USER_ROUTE = re.compile(r"^/_lab/users/(\d+)/(block|unblock)$")
_PAY_ROUTE = re.compile(r"^/_lab/chats/(-?\d+)/invoices/(\d+)/pay$")
_CHECKOUT_ROUTE = re.compile(r"^/_lab/checkouts/([A-Za-z0-9_]+)$")


def _reply(status: int, body: dict) -> Reply:
    return json_reply(status, body)


def _fail(status: int, error: str):
    return _reply(status, {"ok": False, "error": error})


async def handle(fake: TelegramFake, verb: str, path: str, body: bytes, query: bytes = b""):
    if len(body) > MAX_CONTROL_BODY:
        return _fail(413, f"the body must be at most {MAX_CONTROL_BODY} bytes")
    try:
        data = json.loads(body, parse_constant=_no_constant) if body.strip() else {}
        json.dumps(data, ensure_ascii=False).encode()  # lone surrogates would poison every later answer
    except (ValueError, RecursionError):
        return _fail(400, "the body must be JSON in UTF-8")
    if not isinstance(data, dict):
        return _fail(400, "the body must be a JSON object")
    try:
        asked = dict(parse_qsl(query.decode("latin-1")))
        bot_id = data.pop("bot_id", None) or asked.get("bot_id")
        if verb == "GET":  # a GET route's parameters come in the query string (GET /_lab/chats/1/menu?user_id=2)
            data = {**{k: v for k, v in asked.items() if k != "bot_id"}, **data}
        people = People(fake, fake.bot_by_id(int(bot_id) if bot_id is not None else None))
        return await _route(fake, people, verb, path, data)
    except (KeyError, LookupError) as missing:
        return _fail(404, str(missing).strip("'\""))
    except (ValueError, TypeError, OverflowError) as wrong:
        return _fail(400, str(wrong))


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


async def _route(fake: TelegramFake, people: People, verb: str, path: str, data: dict):
    chat_route, user_route = _CHAT_ROUTE.match(path), _USER_ROUTE.match(path)
    if chat_route:
        chat_id, action = int(chat_route.group(1)), chat_route.group(2)
        if action == "messages" and verb == "GET":
            return _reply(200, {"ok": True, "messages": people.transcript(chat_id)})
        if action == "messages" and verb == "POST":
            message = people.send(chat_id, data.get("from"), data.get("text"), data.get("reply_to_message_id"))
            return _reply(200, {"ok": True, "message": message})
        if action == "callbacks" and verb == "POST":
            query = people.press(chat_id, data.get("from"), data.get("message_id"), data.get("data"))
            return _reply(200, {"ok": True, "callback_query": query})
        if action == "upgrade" and verb == "POST":
            return _reply(200, {"ok": True, "chat": people.upgrade_group(chat_id, data.get("from"))})
    if user_route and verb == "POST":
        user_id, action = int(user_route.group(1)), user_route.group(2)
        (people.block if action == "block" else people.unblock)(user_id)
        return _reply(200, {"ok": True})
    payments = await _payments(fake, people, verb, path, data)
    if payments is not None:
        return payments
    if path == "/_lab/groups" and verb == "POST":
        chat = people.create_group(data.get("title"), data.get("from"), data.get("members", []), data.get("chat_id"))
        return _reply(200, {"ok": True, "chat": chat})
    if path == "/_lab/bots" and verb == "GET":
        bots = [{**b.account.to_api(), "token": redact_token(b.token)} for b in fake.bots.values()]
        return _reply(200, {"ok": True, "bots": bots})
    if path == "/_lab/faults":
        return _faults(fake, people, verb, data)
    if path == "/_lab/limits" and verb == "POST":
        if not isinstance(data.get("enabled"), bool):
            raise ValueError('"enabled" must be true or false')
        fake.flood.enabled = data["enabled"]
        return _reply(200, {"ok": True, "limits": fake.flood.enabled})
    if path == "/_lab/reset" and verb == "POST":
        fake.reset()
        return _reply(200, {"ok": True})
    if path == "/_lab/webhooks/deliver" and verb == "POST":
        from .webhook import deliver_all, delivery_client

        async with delivery_client() as client:
            attempts = await deliver_all(fake, fake.webhook_client or client)
        return _reply(200, {"ok": True, "attempts": attempts})
    found = control_routes.find(verb, path)
    if found is not None:
        handler, match = found
        body = handler(fake, people, match, data)
        if hasattr(body, "__await__"):
            body = await body
        return _reply(200, {"ok": True, **body})
    raise LookupError(f"no route {verb} {path}")


async def _payments(fake: TelegramFake, people: People, verb: str, path: str, data: dict):
    """The person paying (People.pay / pay_link), then by default waiting for the bot's answers."""
    pay_route, checkout_route = _PAY_ROUTE.match(path), _CHECKOUT_ROUTE.match(path)
    if pay_route and verb == "POST":
        checkout = people.pay(int(pay_route.group(1)), data.get("from"), int(pay_route.group(2)),
                              data.get("order_info"), data.get("shipping_option_id"), data.get("tip_amount"))
    elif path == "/_lab/invoice_links/pay" and verb == "POST":
        if not isinstance(data.get("url"), str):
            raise ValueError('"url" must be the invoice link')
        checkout = people.pay_link(data["url"], data.get("from"), data.get("order_info"),
                                   data.get("shipping_option_id"), data.get("tip_amount"))
    elif checkout_route and verb == "GET":
        return _reply(200, {"ok": True, "checkout": fake.payments.checkout(checkout_route.group(1)).to_api()})
    elif path == "/_lab/stars" and verb == "GET":
        fake.payments.subscriptions.renew_due()
        ledger = fake.payments.ledger(people.bot.account.id)
        return _reply(200, {"ok": True, "balance": ledger.star_balance, "transactions": ledger.transactions})
    else:
        return None
    if data.get("wait", True) is not False:
        await _settle(fake, checkout)
    return _reply(200, {"ok": True, "checkout": fake.payments.refresh(checkout).to_api()})


async def _settle(fake: TelegramFake, checkout) -> None:
    """Wait in real time until the checkout leaves its awaiting states or its window passes. With no server
    pump (in-process) the pending updates go to a webhook from here; served, the pump already delivers."""
    import asyncio

    from .payments import AWAITING, CHECKOUT_WINDOW
    from .webhook import deliver_all, delivery_client

    loop = asyncio.get_running_loop()
    give_up = loop.time() + len(AWAITING) * CHECKOUT_WINDOW + 1  # a frozen lab clock never ends a window
    client = None  # made only when this delivers: a client's TLS context costs tens of ms per Pay
    try:
        while fake.payments.refresh(checkout).status in AWAITING and loop.time() < give_up:
            if fake.webhook_client is None and _any_webhook(fake):
                client = client or delivery_client()
                await deliver_all(fake, client)
            lab_left = checkout.asked_at + CHECKOUT_WINDOW - fake.clock.time()
            await fake.changed(real_timeout=max(0.05, min(lab_left, give_up - loop.time(), 0.5)))
    finally:
        if client is not None:
            await client.aclose()


def _any_webhook(fake: TelegramFake) -> bool:
    return any(bot.webhook is not None for bot in fake.bots.values())


def _faults(fake: TelegramFake, people: People, verb: str, data: dict):
    if verb == "GET":
        return _reply(200, {"ok": True, "faults": fake.faults.describe()})
    if verb == "DELETE":
        fake.faults.clear()
        return _reply(200, {"ok": True})
    if verb != "POST":
        raise LookupError(f"no route {verb} /_lab/faults")
    kind = data.pop("kind", None)
    if not isinstance(data.get("method", "*"), str):
        raise ValueError('"method" must be a method name or "*"')
    _check_options(data)
    if kind == "revoked_token":  # a state of the bot, not a one-off: lasts until reset
        people.bot.revoked = True
        return _reply(200, {"ok": True, "fault": {"kind": kind}})
    if kind == "blocked":
        people.block(int(data.get("user_id", 0)))
        return _reply(200, {"ok": True, "fault": {"kind": kind}})
    rule = fake.faults.add(kind, data.pop("method", "*"), data.pop("times", 1), **data)
    return _reply(200, {"ok": True, "fault": {"kind": rule.kind, "method": rule.method, "times": rule.times,
                                              **rule.options}})


def _check_options(options: dict) -> None:
    """Fault options the wire will use, checked now so a bad one is refused here, not at the call."""
    status, seconds = options.get("status", 500), options.get("seconds", 0)
    if type(status) is not int or not 400 <= status <= 599:
        raise ValueError('"status" must be an HTTP error status (400-599)')
    if type(seconds) not in (int, float) or not 0 <= seconds <= 600:
        raise ValueError('"seconds" must be a number from 0 to 600')
    if not isinstance(options.get("description", ""), str):
        raise ValueError('"description" must be a string')
