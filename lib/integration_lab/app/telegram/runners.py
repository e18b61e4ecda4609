"""Two ways the shop bot hears from Telegram: long polling, and a webhook endpoint (an ASGI app).

The webhook app also serves the bot's web side: a Mini App's initData check and the Login Widget
callback. Each refuses forged or stale payloads with 401 (403 for a wrong webhook secret, as
python-telegram-bot's webhook server answers) and changes nothing.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from ...runtime.asgi import read_request, send_response
from .client import BotApi
from .shop_bot import ShopBot
from .signed_data import SignedDataError, secret_token_matches, verify_init_data, verify_login_widget


async def poll_once(api: BotApi, bot: ShopBot, offset: int | None = None, timeout: int = 0) -> int | None:
    """One getUpdates round: handle what arrived, return the offset that confirms it."""
    for update in await api.get_updates(offset=offset, timeout=timeout):
        await bot.handle(update)
        offset = update["update_id"] + 1
    return offset


def webhook_app(bot: ShopBot, bot_token: str, secret_token: str | None, clock, path: str = "/telegram/webhook"):
    """POST `path`: updates from Telegram. POST /telegram/webapp: initData. GET /telegram/login: Login Widget."""

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        headers, body = await read_request(scope, receive)
        status, answer = await _route(scope["method"], scope["path"], scope["query_string"].decode(), headers, body)
        await send_response(send, status, json.dumps(answer).encode(), {"content-type": "application/json"})

    async def _route(verb: str, route: str, query: str, headers: dict, body: bytes) -> tuple[int, dict]:
        if route == path:
            if verb != "POST":
                return 405, {"error": "method not allowed"}
            if not secret_token_matches(secret_token, headers.get("x-telegram-bot-api-secret-token")):
                return 403, {"error": "wrong secret token"}
            try:
                update = json.loads(body)
                if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                    raise ValueError
            except ValueError:
                return 400, {"error": "not an Update"}
            try:
                handled = await bot.handle(update)
            except Exception as failure:  # Telegram will deliver the update again later
                return 500, {"error": type(failure).__name__}
            return 200, {} if handled else {"duplicate": True}
        try:
            if route == "/telegram/webapp" and verb == "POST":
                init_data = dict(parse_qsl(body.decode())).get("initData", body.decode())
                fields = verify_init_data(init_data, bot_token, clock.time())
                return 200, {"user": fields.get("user")}
            if route == "/telegram/login" and verb == "GET":
                fields = verify_login_widget(dict(parse_qsl(query)), bot_token, clock.time())
                return 200, {"user": {k: v for k, v in fields.items() if k not in ("hash", "auth_date")}}
        except SignedDataError as refused:
            return 401, {"error": refused.reason}
        return 404, {"error": "not found"}

    return app
