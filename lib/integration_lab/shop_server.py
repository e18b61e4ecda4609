"""`python -m integration_lab serve app`: our side of every integration behind one ASGI app.

    POST /payme                  Payme Merchant API (JSON-RPC; Basic auth)
    POST /click/prepare          Click SHOP-API prepare (action 0)
    POST /click/complete         Click SHOP-API complete (action 1)
    POST /stripe/webhook         Stripe events (Stripe-Signature)
    GET  /stripe/checkout/success  where Stripe Checkout sends a buyer after paying: thanks, nothing more
    POST /telegram/webhook       Telegram updates (X-Telegram-Bot-Api-Secret-Token)
    GET  /healthz                each dependency's health (below)

and the lab's test controls under /_lab/: orders (`GET /_lab/orders` lists them, `POST /_lab/orders` opens
one to pay), the clock, a Redis outage, the outbox (`GET /_lab/outbox`, `POST /_lab/outbox/drain`) and the
stock (`GET /_lab/stock`). Only HTTP lives here: the shop it routes to is assembled by app/service.py
(`build_shop`), with the same handlers notebooks drive in-process. The outbox is drained every second in
the background, and at start-up the bot tells Telegram its commands and descriptions (`Shop.start`).

GET /healthz answers within HEALTH_TIMEOUT (plus a moment) even when every dependency hangs: Redis gets
one PING bounded by HEALTH_TIMEOUT, and Telegram and Stripe are judged by their circuit breakers, without
calling them (closed: ok, half_open: degraded, open: down):

    {"status": "ok" | "degraded" | "down",
     "checked_at_ms": 1767603600000,                      # the shop's clock
     "dependencies": {
       "redis":    {"status": "ok" | "down", "detail": "PING answered" | "PING failed: ConnectionError"
                                                         | "no answer to PING within 0.25 s"},
       "telegram": {"status": "ok" | "degraded" | "down",
                    "breaker": {"state": "closed" | "half_open" | "open", "failures": 0, "refused": 0,
                                "retry_at_ms": null | 1767603630000}},
       "stripe":   {"status": …, "breaker": {…},
                    "bulkhead": {"limit": 8, "in_flight": 0, "admitted": 0, "refused": 0, "peak": 0}}
                   or  {"status": "not_configured"}}}

`status` is "ok" when every configured dependency is ok, "down" when every one is down, else "degraded"
(with Redis down the bot still answers /catalog and /help, and payment callbacks get their provider's
retry answer). HTTP 200 for ok and degraded, 503 for down.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import asdict
from typing import Any

from redis.exceptions import RedisError

from .app.bot.runners import webhook_app
from .app.payments.click_merchant import NOTES
from .app.payments.ledger import LedgerError
from .app.payments.payme_errors import INTERNAL_ERROR, INVALID_REQUEST, PaymeError
from .app.payments.stripe_webhook import stripe_webhook_app
from .app.shop.outbox import BATCH
from .app.service import SUCCESS_PATH, Shop
from .app.unicode import is_unicode
from .runtime.asgi import BodyTooLarge, lifespan, read_request, send_response
from .runtime.clock import SteppableClock
from .runtime.redis_cut import RedisCut

BODY_LIMIT = 1 << 20  # bytes: our own endpoints take at most 1 MiB, refused before it is read whole
MAX_AMOUNT = 2 ** 53 - 1  # the ledger's Lua scripts hold numbers as doubles, exact up to here
LATEST = 253_402_300_799  # 9999-12-31T23:59:59Z: past it the clock's datetimes overflow
log = logging.getLogger(__name__)

DRAIN_EVERY = 1.0  # seconds between background outbox drains
DRAIN_LANES = 16  # goods messages sent at once by a drain, each chat's in order (app/lanes.py)
HEALTH_TIMEOUT = 0.25  # seconds /healthz waits for Redis's PING
BREAKER_HEALTH = {"closed": "ok", "half_open": "degraded", "open": "down"}
# The success page only thanks: the webhook alone pays the order (anyone may open this URL, and a buyer who
# closes the tab never does), so it reads nothing, writes nothing and echoes none of its query.
THANKS = (b"<!doctype html><html><head><meta charset=\"utf-8\"><title>Thank you</title></head><body>"
          b"<h1>Thank you!</h1><p>Your payment is being confirmed. The Lab Shop bot will write to you in Telegram "
          b"as soon as Stripe tells us it went through.</p></body></html>")


SERVED = ("/telegram/webhook", "/stripe/webhook", "/payme", "/click/prepare", "/click/complete")  # counted


def shop_app(shop: Shop):
    """The ASGI app `serve app` serves: the shop's endpoints, /healthz and the /_lab test controls."""
    options = shop.options
    return _router(shop, stripe_webhook_app(shop.webhooks),
                   webhook_app(shop.bot, options.telegram_token, options.telegram_secret_token, shop.clock))


def _router(shop: Shop, stripe_app, telegram_app):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            return await lifespan(receive, send, lambda: _background(shop))
        if scope["type"] != "http":
            return
        verb, path = scope["method"], scope["path"]
        if path in SERVED:
            shop.served[path] += 1
        if path.startswith("/telegram/"):  # bounds its bodies and answers its own failures
            return await telegram_app(scope, receive, send)
        if path == SUCCESS_PATH and verb in ("GET", "HEAD"):
            return await send_response(send, 200, THANKS, {"content-type": "text/html; charset=utf-8"})
        if path == "/healthz" and verb in ("GET", "HEAD"):  # no body to read; never waits on a dependency
            health = await healthz(shop)
            return await _send_json(send, 503 if health["status"] == "down" else 200, health)
        try:
            headers, body = await read_request(scope, receive, limit=BODY_LIMIT)
        except BodyTooLarge as refused:
            status, answer = _refused(path, 413, str(refused))
        else:
            if path == "/stripe/webhook":
                return await _delegate(stripe_app, scope, body, send)
            try:
                status, answer = await _route(shop, verb, path, headers, body)
            except Exception as failure:  # answered in the caller's words, never as a bare 500
                status, answer = _failed(verb, path, failure)
        await _send_json(send, status, answer)

    return app


async def _send_json(send, status: int, answer: Any) -> None:
    # "replace": a lone surrogate that slipped into an answer must not cost the whole answer
    body = json.dumps(answer, ensure_ascii=False).encode("utf-8", "replace")
    await send_response(send, status, body, {"content-type": "application/json; charset=utf-8"})


async def _delegate(app, scope, body: bytes, send) -> None:
    """Hand a body already read (and bounded) to a mounted ASGI app; a failure before it answered is
    answered here: 503 for the store (the sender retries), 500 for anything else, with no traceback."""
    started, given = False, False

    async def replay():
        nonlocal given
        message = {"type": "http.disconnect"} if given else {"type": "http.request", "body": body}
        given = True
        return message

    async def tracked(message):
        nonlocal started
        started = True
        await send(message)

    try:
        await app(scope, replay, tracked)
    except Exception as failure:
        if started:
            raise
        await _send_json(send, *_failed(scope["method"], scope["path"], failure))


async def healthz(shop: Shop) -> dict:
    """Each dependency's health, in the shape the module's docstring shows."""
    checked_at = shop.clock.ms()
    try:
        await asyncio.wait_for(shop.backend.client.ping(), HEALTH_TIMEOUT)
        redis = {"status": "ok", "detail": "PING answered"}
    except asyncio.TimeoutError:
        redis = {"status": "down", "detail": f"no answer to PING within {HEALTH_TIMEOUT:g} s"}
    except (RedisError, OSError) as failure:
        redis = {"status": "down", "detail": f"PING failed: {type(failure).__name__}"}
    dependencies = {"redis": redis}
    for name in ("telegram", "stripe"):
        breaker = shop.breakers.get(name)
        if breaker is None:
            dependencies[name] = {"status": "not_configured"}
        else:
            described = breaker.describe()
            dependencies[name] = {"status": BREAKER_HEALTH[described["state"]], "breaker": described}
            if name in shop.bulkheads:
                dependencies[name]["bulkhead"] = shop.bulkheads[name].describe()
    seen = [d["status"] for d in dependencies.values() if d["status"] != "not_configured"]
    status = "ok" if all(s == "ok" for s in seen) else "down" if all(s == "down" for s in seen) else "degraded"
    return {"status": status, "checked_at_ms": checked_at, "dependencies": dependencies}


def _failed(verb: str, path: str, failure: Exception) -> tuple[int, Any]:
    if isinstance(failure, RedisError):
        return _refused(path, 503, "the store is unavailable; try again later")
    log.error("serve app: %s %s failed with %s", verb, path, type(failure).__name__)
    return _refused(path, 500, "internal error; try again later")


def _refused(path: str, status: int, reason: str) -> tuple[int, Any]:
    """A refusal in the words of whoever calls `path`: Payme and Click always get HTTP 200."""
    if path == "/payme":
        return 200, PaymeError(INVALID_REQUEST if status < 500 else INTERNAL_ERROR).body(None)
    if path in ("/click/prepare", "/click/complete"):
        error = -8 if status < 500 else -7  # Click's "Error in request from click" / "Failed to update user"
        prepared = "merchant_prepare_id" if path == "/click/prepare" else "merchant_confirm_id"
        return 200, {"click_trans_id": None, "merchant_trans_id": None, prepared: None, "error": error,
                     "error_note": NOTES[error]}
    return status, {"error": reason}


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
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python recurses
        return 400, {"error": "the body must be a JSON object"}
    if parts == ["orders"] and verb == "GET":
        return 200, {"orders": [asdict(order) for order in [await shop.ledger.order(o)
                                                             for o in await shop.ledger.order_ids()] if order]}
    if parts == ["orders"] and verb == "POST":
        problem = _order_problem(request)
        if problem:
            return 400, {"error": problem}
        try:
            order = await shop.ledger.open_order(request["amount"], request.get("currency") or "",
                                                 request.get("order_id"), request.get("description") or "")
        except LedgerError as refused:
            return 400, {"error": str(refused)}
        return 201, asdict(order)
    if len(parts) >= 2 and parts[0] == "orders":
        if not _order_id_ok(parts[1]):
            return 404, {"error": "no such order"}
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
        # NaN and infinities fail the range check; past the year 9999 the clock's datetimes overflow
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or \
                not isinstance(shop.clock, SteppableClock) or not 0 <= seconds <= LATEST - shop.clock.time():
            return 400, {"error": "advance: seconds, a number >= 0 that keeps the clock before the year 10000 "
                                  "(on serve app's own clock)"}
        shop.clock.advance(seconds)
        return 200, {"now_ms": shop.clock.ms()}
    if parts == ["redis"] and verb == "POST":
        return _redis_control(shop.cut, request)
    if parts == ["outbox"] and verb == "GET":
        return 200, {"jobs": await shop.outbox.jobs()}
    if parts == ["outbox", "drain"] and verb == "POST":
        return 200, {"drained": await shop.outbox.drain(concurrency=DRAIN_LANES)}
    if parts == ["stock"] and verb == "GET":
        return 200, {"stock": await shop.stock.levels()}
    if parts == ["process"] and verb == "GET":  # which of several `serve app --join` answered, and its share
        return 200, {"pid": os.getpid(), "served": dict(shop.served)}
    return 404, {"error": "not found"}


def _order_problem(request: dict) -> str | None:
    """What is wrong with a new order's fields before the ledger sees them (its own checks follow)."""
    amount = request.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        return f"amount must be an integer in minor units from 1 to {MAX_AMOUNT}"
    for name in ("currency", "order_id", "description"):
        value = request.get(name)
        if value is not None and not (is_unicode(value) and len(value) <= 1000):
            return f"{name} must be a string of at most 1000 characters"
    return None


def _order_id_ok(order_id: str) -> bool:
    return 0 < len(order_id) <= 64 and not any(c in order_id for c in "{}: ")  # the ledger's rule for ids


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


async def _background(shop: Shop) -> None:
    """From lifespan startup: the bot's start-up step (its menu and descriptions, once; it never raises) beside
    the outbox drain, so a Telegram not yet up delays neither the drain nor serving."""
    await asyncio.gather(shop.start(), _drain_forever(shop))


async def _drain_forever(shop: Shop) -> None:
    """Send what the outbox owes, give lapsed checkouts' stock back and tell lapsed club members, every DRAIN_EVERY seconds of real
    time, from lifespan startup to shutdown (in-process notebooks send no lifespan events, so they drain when
    they choose); a failed round (Redis down, Telegram unreachable) is simply tried again next round."""
    while True:
        try:
            if shop.cut is None or shop.cut.allowed is None:  # an armed cut counts the test's commands only
                while len(await shop.outbox.drain(concurrency=DRAIN_LANES)) >= BATCH:
                    pass  # a full batch: more may be due already
                await shop.stock.release_lapsed()  # abandoned checkouts give their stock back
                await shop.parts.club.sweep()  # Stars memberships that lapsed unrenewed: the buyer is told
        except Exception as failure:  # the next round retries; the jobs stay in Redis
            log.warning("outbox drain failed with %s", type(failure).__name__)
        if asyncio.current_task().cancelling():  # shutdown came while a Redis command ran, and the client
            raise asyncio.CancelledError  # swallowed it (redis-py's asyncio client can): stop, or shutdown hangs
        await asyncio.sleep(DRAIN_EVERY)
