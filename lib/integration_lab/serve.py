"""`python -m integration_lab serve <service>`: a fake on 127.0.0.1 under uvicorn, on the system clock.

The process helpers (free ports, starting and stopping, `Served` on a background thread for tests and
benchmarks) are in runtime/processes.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import uvicorn

from .runtime.clock import SystemClock
from .runtime.ids import IdFactory
from .runtime.processes import HOST, SHUTDOWN_GRACE, uvicorn_config

DEFAULT_TELEGRAM_TOKEN = "4242424242:LAB_fake_token_for_local_tests_only"  # nosec B105  # made up; the guide shows it


def telegram_app(tokens: list[str] | None, limits: bool, seed: int = 0, history: int = 1_000,
                 payment_providers: dict[str, str] | None = None):
    from .fakes.telegram import TelegramFake, asgi_app

    fake = TelegramFake(SystemClock(), IdFactory(seed), tokens=tokens or [DEFAULT_TELEGRAM_TOKEN], limits=limits,
                        history=history, payment_providers=payment_providers)
    return fake, asgi_app(fake)


def stripe_app(api_keys: list[str] | None, port: int, seed: int = 0, history: int = 1_000,
               idempotency_keys: int = 1_000):
    from .fakes.stripe import StripeFake, asgi_app

    fake = StripeFake(SystemClock(), IdFactory(seed), api_keys=api_keys, base_url=f"http://{HOST}:{port}",
                      history=history, idempotency_keys=idempotency_keys)
    return fake, asgi_app(fake)


def add_arguments(serve: argparse.ArgumentParser) -> None:
    services = serve.add_subparsers(dest="service", required=True)
    telegram = services.add_parser("telegram", help="the Bot API at /bot<token>/<method>, control API at /_lab/")
    telegram.add_argument("--port", type=int, default=8081)
    telegram.add_argument("--token", action="append", dest="tokens",
                          help=f"a bot token to accept (repeatable; default {DEFAULT_TELEGRAM_TOKEN})")
    telegram.add_argument("--no-limits", action="store_true", help="no flood limits (for load tests)")
    telegram.add_argument("--seed", type=int, default=0, help="seed for generated ids")
    telegram.add_argument("--history", type=_at_least_one, default=1_000,
                          help="messages kept per chat, oldest forgotten first (default 1000)")
    telegram.add_argument("--payment-provider", action="append", dest="payment_providers", type=_provider,
                          metavar="NAME=TOKEN", help="a payment provider connected in BotFather, its token "
                          "<id>:TEST:<secret> (repeatable)")
    stripe = services.add_parser("stripe", help="the Stripe API at /v1/…, control API at /_lab/")
    stripe.add_argument("--port", type=int, default=12111)
    stripe.add_argument("--api-key", action="append", dest="api_keys",
                        help="accept only this secret key (repeatable; default: any sk_test_/rk_test_ key)")
    stripe.add_argument("--seed", type=int, default=0, help="seed for generated ids")
    stripe.add_argument("--history", type=_at_least_one, default=1_000,
                        help="objects kept per resource (and delivery records), oldest evicted first (default 1000)")
    stripe.add_argument("--idempotency-keys", type=_at_least_one, default=1_000,
                        help="idempotency keys whose first answer is replayed, oldest evicted first (then a repeat "
                             "runs anew); each also expires after 24 hours, and the replies kept take at most 16 MB "
                             "(default 1000)")
    from .app.service import DEFAULTS

    app = services.add_parser("app", help="our side: /payme, /click/…, /stripe/webhook, /telegram/webhook, /_lab/")
    app.add_argument("--port", type=int, default=8000)
    app.add_argument("--payme-key", default=DEFAULTS["payme_key"], help="the cashbox key Payme authenticates with")
    app.add_argument("--click-service-id", type=int, default=DEFAULTS["click_service_id"])
    app.add_argument("--click-secret-key", default=DEFAULTS["click_secret_key"])
    app.add_argument("--stripe-webhook-secret", default=DEFAULTS["stripe_webhook_secret"])
    app.add_argument("--telegram-secret-token", default=DEFAULTS["telegram_secret_token"])
    app.add_argument("--telegram-token", default=DEFAULTS["telegram_token"], help="the bot token replies are sent with")
    app.add_argument("--telegram-api", default=DEFAULTS["telegram_api"], help="the Bot API the bot replies through")
    app.add_argument("--telegram-provider-token", default=DEFAULTS["telegram_provider_token"],
                     help="the payment provider token card invoices are sent with (made-up lab default; give "
                          "`serve telegram` the same one with --payment-provider)")
    app.add_argument("--stripe-api-key", default=None,
                     help="a Stripe secret key (sk_test_…): with it the shop takes cards through Stripe")
    app.add_argument("--stripe-api-base", default=None,
                     help="where that Stripe is, e.g. `serve stripe` at http://127.0.0.1:12111 (default: Stripe)")
    app.add_argument("--redis-url", default=None, help="a real Redis (default: $REDIS_URL, else embedded fakeredis)")
    app.add_argument("--public-url", default=None,
                     help="where buyers' browsers reach this app, for Stripe Checkout's success page "
                          "(default: http://127.0.0.1:<port>)")
    app.add_argument("--stripe-concurrency", type=_at_least_one, default=8,
                     help="payments talking to Stripe at once (a bulkhead); the next buyer hears 'try again'")
    app.add_argument("--restock", type=_at_least_zero, default=0,
                     help="units put on the shelf of every product at start, beside the sample stock (load runs)")
    app.add_argument("--join", action="store_true",
                     help="serve the shop another `serve app` already serves on this Redis (--redis-url): keep its "
                          "keys instead of starting on an empty keyspace")
    app.add_argument("--reuse-port", action="store_true",
                     help="bind --port with SO_REUSEPORT, so several `serve app --join` share one address and the "
                          "kernel spreads the connections over them (Linux)")


def _at_least_zero(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return int(text)


def _provider(text: str) -> tuple[str, str]:
    name, equals, token = text.partition("=")
    head, mode, secret = (token.split(":", 2) + ["", ""])[:3]
    if not (equals and name and head.isdigit() and mode in ("TEST", "LIVE") and secret):
        raise argparse.ArgumentTypeError("must be NAME=<id>:TEST:<secret>")  # the token stays out of the message
    return name, token


def main(args: argparse.Namespace) -> int:
    if args.service == "telegram":
        from .fakes.telegram.asgi import service
        from .runtime import httpserver

        fake, _app = telegram_app(args.tokens, limits=not args.no_limits, seed=args.seed, history=args.history,
                                  payment_providers=dict(args.payment_providers or []))
        print(f"Telegram Bot API fake on http://{HOST}:{args.port}/bot<token>/<method>; control API at /_lab/",
              flush=True)
        # the same handler as under uvicorn, on a server of its own: uvicorn's per-request work was twice the
        # fake's own (runtime/httpserver.py, benchmarks/bench_saturation.py)
        try:
            httpserver.run(HOST, args.port, SHUTDOWN_GRACE, **service(fake))
        except OSError as error:  # the port is taken: one line, as uvicorn says it, not a traceback
            print(f"error while attempting to bind on address ('{HOST}', {args.port}): {error.strerror}",
                  file=sys.stderr)
            return 1
        return 0
    if args.service == "stripe":
        _fake, app = stripe_app(args.api_keys, args.port, seed=args.seed, history=args.history,
                                idempotency_keys=args.idempotency_keys)
        print(f"Stripe API fake on http://{HOST}:{args.port}/v1/…; control API at /_lab/")
        uvicorn.Server(uvicorn_config(app, args.port)).run()
        return 0
    if args.service == "app":
        if args.join and not (args.redis_url or os.environ.get("REDIS_URL")):
            print("serve app: --join needs the Redis the other process uses (--redis-url or $REDIS_URL); the "
                  "embedded fakeredis is this process's own", file=sys.stderr)
            return 2
        asyncio.run(_serve_shop(args))
        return 0
    return 2


async def _serve_shop(args: argparse.Namespace) -> None:
    from .app.service import Options, build_shop
    from .shop_server import shop_app

    shop = await build_shop(Options(args.payme_key, args.click_service_id, args.click_secret_key,
                                    args.stripe_webhook_secret, args.telegram_secret_token, args.telegram_token,
                                    args.telegram_api, args.redis_url, args.telegram_provider_token,
                                    args.stripe_api_key, args.stripe_api_base, args.stripe_concurrency,
                                    args.public_url or f"http://{HOST}:{args.port}"), join=args.join)
    for sku in shop.parts.catalog if args.restock else ():
        await shop.stock.add(sku, args.restock)  # what a shopkeeper restocking does
    stripe = f"Stripe at {_where(args.stripe_api_base)}" if args.stripe_api_key else "no Stripe"
    print(f"our side on http://{HOST}:{args.port}: POST /payme, /click/prepare, /click/complete, /stripe/webhook, "
          f"/telegram/webhook; test controls at /_lab/ ({shop.backend.describe()}; {stripe})")
    # lifespan on: the app drains its delivery outbox in the background while it serves
    server = uvicorn.Server(uvicorn_config(shop_app(shop), args.port))
    await server.serve(sockets=[_shared_socket(args.port)] if args.reuse_port else None)


def _shared_socket(port: int):
    """A listening socket on HOST:port that other processes may bind too (SO_REUSEPORT): the kernel hands
    each new connection to one of them, as a load balancer in front of several replicas would."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, port))
    sock.set_inheritable(True)
    return sock


def _where(base: str | None) -> str:
    """Scheme, host and port only: a URL's user:password part, path or query never reaches the log."""
    from urllib.parse import urlsplit

    if not base:
        return "api.stripe.com"
    try:
        url = urlsplit(base)
        return f"{url.scheme}://{url.hostname}" + (f":{url.port}" if url.port else "")
    except ValueError:
        return "the given --stripe-api-base"
