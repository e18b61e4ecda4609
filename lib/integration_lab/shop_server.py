"""`python -m integration_lab serve app`: our side of every integration behind one ASGI app.

    POST /payme                  Payme Merchant API (JSON-RPC; Basic auth)
    POST /click/prepare          Click SHOP-API prepare (action 0)
    POST /click/complete         Click SHOP-API complete (action 1)
    POST /stripe/webhook         Stripe events (Stripe-Signature)
    POST /telegram/webhook       Telegram updates (X-Telegram-Bot-Api-Secret-Token)

and the lab's test controls under /_lab/: orders to pay, the clock, a Redis outage. The handlers are the
ones notebooks drive in-process; this only wires them to one Redis, one ledger and one clock.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .app.payments.click_merchant import ClickMerchant
from .app.payments.ledger import Ledger, LedgerError
from .app.payments.payme_merchant import PaymeMerchant
from .app.payments.stripe_webhook import StripeWebhooks, stripe_webhook_app
from .app.ratelimit import RateLimiter
from .app.sessions import SessionStore
from .app.telegram.client import BotApi
from .app.telegram.runners import webhook_app
from .app.telegram.shop_bot import ShopBot
from .runtime.asgi import lifespan, read_request, send_response
from .runtime.clock import SteppableClock
from .runtime.ids import IdFactory
from .runtime.redis_backend import RedisBackend, connect
from .runtime.redis_cut import RedisCut

DEFAULTS = {  # lab-only credentials: each is an option of `serve app`, and none is ever a real one
    "payme_key": "lab_payme_key_for_local_tests_only",
    "click_service_id": 10001,
    "click_secret_key": "lab_click_secret_for_local_tests_only",
    "stripe_webhook_secret": "whsec_lab_webhook_secret_for_local_tests_only",
    "telegram_secret_token": "lab-telegram-secret-token",
    "telegram_token": "4242424242:LAB_fake_token_for_local_tests_only",
    "telegram_api": "http://127.0.0.1:8081",  # where the bot sends replies: `serve telegram`'s default port
}


@dataclass
class Options:
    payme_key: str = field(default=DEFAULTS["payme_key"], repr=False)
    click_service_id: int = DEFAULTS["click_service_id"]
    click_secret_key: str = field(default=DEFAULTS["click_secret_key"], repr=False)
    stripe_webhook_secret: str = field(default=DEFAULTS["stripe_webhook_secret"], repr=False)
    telegram_secret_token: str = field(default=DEFAULTS["telegram_secret_token"], repr=False)
    telegram_token: str = field(default=DEFAULTS["telegram_token"], repr=False)
    telegram_api: str = DEFAULTS["telegram_api"]
    redis_url: str | None = field(default=None, repr=False)


@dataclass
class Shop:
    backend: RedisBackend = field(repr=False)  # a Redis URL may carry a password
    clock: SteppableClock
    ledger: Ledger
    payme: PaymeMerchant
    click: ClickMerchant
    webhooks: StripeWebhooks
    bot: ShopBot
    app: Any = field(repr=False)
    cut: RedisCut | None = field(default=None, repr=False)  # the Redis outage control (/_lab/redis)


async def build_shop(options: Options, backend: RedisBackend | None = None, clock=None) -> Shop:
    """Everything `serve app` serves. By default on a clean keyspace (`lab:shop:`) of fakeredis (or of the
    Redis at `options.redis_url`) and a steppable clock; notebooks pass their lab's backend and clock."""
    backend = backend or await connect("shop", options.redis_url)
    clock = clock or SteppableClock()
    redis, keys = backend.client, backend.keys
    ledger = Ledger(redis, keys, clock)
    payme = PaymeMerchant(ledger, options.payme_key)
    click = ClickMerchant(ledger, options.click_service_id, options.click_secret_key)
    webhooks = StripeWebhooks(ledger, [options.stripe_webhook_secret])
    from .scenarios.telegram import PRODUCTS  # the sample shop's catalog

    bot = ShopBot(BotApi(options.telegram_token, options.telegram_api),
                  SessionStore(redis, keys, clock), RateLimiter(redis, keys, clock, IdFactory(0)), PRODUCTS, redis, keys)
    shop = Shop(backend, clock, ledger, payme, click, webhooks, bot, None, RedisCut.of(redis))
    shop.app = _router(shop, stripe_webhook_app(webhooks),
                       webhook_app(bot, options.telegram_token, options.telegram_secret_token, clock))
    return shop


def _router(shop: Shop, stripe_app, telegram_app):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            return await lifespan(receive, send, _nothing_in_the_background)
        if scope["type"] != "http":
            return
        if scope["path"].startswith("/telegram/"):
            return await telegram_app(scope, receive, send)
        if scope["path"] == "/stripe/webhook":
            return await stripe_app(scope, receive, send)
        headers, body = await read_request(scope, receive)
        status, answer = await _route(shop, scope["method"], scope["path"], headers, body)
        await send_response(send, status, json.dumps(answer, ensure_ascii=False).encode(),
                            {"content-type": "application/json; charset=utf-8"})

    return app


async def _route(shop: Shop, verb: str, path: str, headers: dict, body: bytes) -> tuple[int, Any]:
    if path == "/payme":  # Payme answers every error in the body with HTTP 200
        return 200, await shop.payme.handle(verb, headers.get("authorization"), body)
    if path in ("/click/prepare", "/click/complete"):
        if verb != "POST":
            return 405, {"error": "method not allowed"}
        handler = shop.click.prepare if path == "/click/prepare" else shop.click.complete
        return 200, await handler(body)
    if path.startswith("/_lab/"):
        return await _lab(shop, verb, path.removeprefix("/_lab/").split("/"), body)
    return 404, {"error": "not found"}


async def _lab(shop: Shop, verb: str, parts: list[str], body: bytes) -> tuple[int, Any]:
    """Test controls: never part of a real deployment."""
    try:
        request = json.loads(body) if body else {}
        if not isinstance(request, dict):
            raise ValueError
    except ValueError:
        return 400, {"error": "the body must be a JSON object"}
    if parts == ["orders"] and verb == "POST":
        try:
            order = await shop.ledger.open_order(request.get("amount"), request.get("currency", ""),
                                                 _optional_str(request.get("order_id")),
                                                 str(request.get("description", "")))
        except LedgerError as refused:
            return 400, {"error": str(refused)}
        return 201, asdict(order)
    if len(parts) >= 2 and parts[0] == "orders":
        order = await shop.ledger.order(parts[1])
        if order is None:
            return 404, {"error": f"no order {parts[1]}"}
        if len(parts) == 2 and verb == "GET":
            return 200, {"order": asdict(order), "payments": await shop.ledger.payments(parts[1]),
                         "journal": await shop.ledger.journal(parts[1])}
        if parts[2:] == ["deliver"] and verb == "POST":
            return 200, {"outcome": (await shop.ledger.deliver(parts[1])).outcome}
    if parts == ["clock"] and verb == "POST":
        seconds = request.get("advance")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0 or \
                not isinstance(shop.clock, SteppableClock):
            return 400, {"error": "advance: seconds, a number >= 0 (on serve app's own clock)"}
        shop.clock.advance(seconds)
        return 200, {"now_ms": shop.clock.ms()}
    if parts == ["redis"] and verb == "POST":
        return _redis_control(shop.cut, request)
    return 404, {"error": "not found"}


def _optional_str(value) -> str | None:
    return None if value is None else str(value)


def _redis_control(cut: RedisCut, request: dict) -> tuple[int, Any]:
    """{"fail_after": k}: the (k+1)-th Redis command from now, and every later one, fails as in an outage;
    {"connected": false} is fail_after 0; {"connected": true} ends the outage. It wraps our client, so it
    works on the embedded fakeredis and on a real server alike, and it never touches Redis itself."""
    fail_after, connected = request.get("fail_after"), request.get("connected")
    if fail_after is not None and connected is None:
        if isinstance(fail_after, bool) or not isinstance(fail_after, int) or not 0 <= fail_after <= 10**9:
            return 400, {"error": "fail_after: a whole number of Redis commands, 0 to 1e9"}
        cut.fail_after(fail_after)
    elif isinstance(connected, bool) and fail_after is None:
        cut.reconnect() if connected else cut.disconnect()
    else:
        return 400, {"error": "send {\"fail_after\": k} or {\"connected\": true|false}"}
    return 200, cut.describe()


async def _nothing_in_the_background() -> None:
    pass
