"""Two ways the shop bot hears from Telegram: long polling, and a webhook endpoint (an ASGI app).

The webhook app also serves the bot's web side: a Mini App's initData check and the Login Widget
callback. Each refuses forged or stale payloads with 401 (403 for a wrong webhook secret, as
python-telegram-bot's webhook server answers) and changes nothing. Telegram redelivers an update after
any non-2xx answer: so garbage (which Telegram never sends) gets a 400 before the bot sees it, a body over
1 MiB a 413, and our own failure (Redis down) a 500, after which the redelivery is handled.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from ...runtime.asgi import BodyTooLarge, read_request, send_response
from ..telegram.client import BotApi
from ..telegram.signed_data import SignedDataError, secret_token_matches, verify_init_data, verify_login_widget
from ..lanes import Lanes, handle_batch, lane_of
from .shop_bot import ShopBot

BODY_LIMIT = 1 << 20  # bytes, as for every endpoint of ours
MAX_ID = 2 ** 63  # Telegram's ids are 64-bit integers at most


async def poll_once(api: BotApi, bot: ShopBot, offset: int | None = None, timeout: int = 0,
                    lanes: Lanes | None = None) -> int | None:
    """One getUpdates round: handle what arrived, return the offset that confirms it. With `lanes`, the
    batch is handled concurrently, each person's updates in order (app/lanes.py); either way a failure
    raises before the offset moves, so the batch comes again and what was handled is recognised."""
    updates = await api.get_updates(offset=offset, timeout=timeout)
    if lanes is not None:
        await handle_batch(lanes, bot.handle, updates)
    else:
        for update in updates:
            await bot.handle(update)
    return updates[-1]["update_id"] + 1 if updates else offset


def webhook_app(bot: ShopBot, bot_token: str, secret_token: str | None, clock, path: str = "/telegram/webhook",
                lanes: Lanes | None = None):
    """POST `path`: updates from Telegram. POST /telegram/webapp: initData. GET /telegram/login: Login Widget.

    Requests are handled concurrently, as the server runs them; `lanes` keeps one person's updates one at a
    time in this process (a redelivery that arrives while the first delivery is still being handled waits
    for it, and is then recognised as handled)."""
    lanes = lanes or Lanes()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        try:
            headers, body = await read_request(scope, receive, limit=BODY_LIMIT)
        except BodyTooLarge as refused:
            status, answer = 413, {"error": str(refused)}
        else:
            query = scope["query_string"].decode("utf-8", "replace")
            status, answer = await _route(scope["method"], scope["path"], query, headers, body)
        await send_response(send, status, json.dumps(answer).encode(), {"content-type": "application/json"})

    async def _route(verb: str, route: str, query: str, headers: dict, body: bytes) -> tuple[int, dict]:
        if route == path:
            if verb != "POST":
                return 405, {"error": "method not allowed"}
            if not secret_token_matches(secret_token, headers.get("x-telegram-bot-api-secret-token")):
                return 403, {"error": "wrong secret token"}
            try:
                update = json.loads(body)
            except (ValueError, RecursionError):
                return 400, {"error": "not JSON"}
            problem = update_problem(update)
            if problem:
                return 400, {"error": problem}
            try:
                handled = await lanes.run(lane_of(update), lambda: bot.handle(update))
            except Exception as failure:  # Telegram will deliver the update again later
                return 500, {"error": type(failure).__name__}
            return 200, {} if handled else {"duplicate": True}
        try:
            if route == "/telegram/webapp" and verb == "POST":
                text = body.decode("utf-8", "replace")  # undecodable bytes then fail the hash check
                init_data = dict(parse_qsl(text)).get("initData", text)
                fields = verify_init_data(init_data, bot_token, clock.time())
                return 200, {"user": fields.get("user")}
            if route == "/telegram/login" and verb == "GET":
                fields = verify_login_widget(dict(parse_qsl(query)), bot_token, clock.time())
                return 200, {"user": {k: v for k, v in fields.items() if k not in ("hash", "auth_date")}}
        except SignedDataError as refused:
            return 401, {"error": refused.reason}
        return 404, {"error": "not found"}

    return app


def update_problem(update) -> str | None:
    """Why `update` is not an Update as Telegram sends it (in the parts the shop bot reads); None if it is."""
    if not isinstance(update, dict) or not _integer(update.get("update_id")) or update["update_id"] < 0:
        return "not an Update: update_id must be an integer"
    if len(update) != 2:
        return "an Update carries exactly one payload"
    try:
        json.dumps(update, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        return "an Update holds text only, as UTF-8"
    if "message" in update and not _message_ok(update["message"]):
        return "message: chat.id, from.id or text malformed or missing"
    if "callback_query" in update and not _query_ok(update["callback_query"]):
        return "callback_query: id, from.id, data or message.chat.id malformed or missing"
    for kind in ("pre_checkout_query", "shipping_query"):
        if kind in update and not _payment_query_ok(update[kind], kind):
            return f"{kind}: id, from.id, invoice_payload or the amount malformed or missing"
    for service in ("successful_payment", "refunded_payment"):
        if service in (update.get("message") or {}) and not _payment_ok(update["message"][service]):
            return f"message.{service}: currency, total_amount, invoice_payload or charge id malformed or missing"
    return None


def _payment_query_ok(query, kind: str) -> bool:
    """The fields our pre-checkout and shipping answers read (Telegram always sends them)."""
    if not (isinstance(query, dict) and isinstance(query.get("id"), str) and _has_id(query.get("from"))
            and isinstance(query.get("invoice_payload"), str)):
        return False
    if kind == "shipping_query":
        return isinstance(query.get("shipping_address"), dict)
    return isinstance(query.get("currency"), str) and _integer(query.get("total_amount"))


def _payment_ok(payment) -> bool:
    return (isinstance(payment, dict) and isinstance(payment.get("currency"), str)
            and _integer(payment.get("total_amount")) and isinstance(payment.get("invoice_payload"), str)
            and isinstance(payment.get("telegram_payment_charge_id"), str))


def _message_ok(message) -> bool:
    if not (isinstance(message, dict) and _has_id(message.get("chat"))):
        return False
    text = message.get("text")
    if text is not None and not isinstance(text, str):
        return False
    return _has_id(message.get("from")) if "from" in message or text else True  # a text has a sender


def _query_ok(query) -> bool:
    return (isinstance(query, dict) and isinstance(query.get("id"), str) and _has_id(query.get("from"))
            and isinstance(query.get("data", ""), str)
            and ("message" not in query or (isinstance(query["message"], dict)
                                            and _has_id(query["message"].get("chat")))))


def _integer(value) -> bool:
    return type(value) is int and -MAX_ID < value < MAX_ID


def _has_id(value) -> bool:
    return isinstance(value, dict) and _integer(value.get("id"))
