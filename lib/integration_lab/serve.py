"""`python -m integration_lab serve <service>`: a fake on 127.0.0.1 under uvicorn, on the system clock.

`Served` runs the same thing on a background thread for tests and benchmarks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import subprocess  # nosec B404  # start_process runs our own servers from argument lists, no shell
import sys
import threading
import time

import uvicorn

from .runtime.clock import SystemClock
from .runtime.ids import IdFactory

HOST = "127.0.0.1"  # loopback only: these fakes are for tests, never for a network
# a lab server stops promptly: a client that keeps a request open (a half-sent body, a fuzzer gone) gets this
# long before uvicorn cancels it, instead of holding shutdown for ever (its default)
SHUTDOWN_GRACE = 2.0
DEFAULT_TELEGRAM_TOKEN = "4242424242:LAB_fake_token_for_local_tests_only"  # nosec B105  # made up, in README


def uvicorn_config(app, port: int, lifespan: str = "on") -> uvicorn.Config:
    # uvloop and httptools (C) instead of asyncio's loop and h11 (pure Python) halve the server's CPU per
    # request; no access log: uvicorn formats each line even when the log level hides it
    return uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan=lifespan,
                          timeout_graceful_shutdown=SHUTDOWN_GRACE, loop="uvloop", http="httptools",
                          access_log=False)


def telegram_app(tokens: list[str] | None, limits: bool, seed: int = 0, history: int = 1_000,
                 payment_providers: dict[str, str] | None = None):
    from .fakes.telegram import TelegramFake, asgi_app

    fake = TelegramFake(SystemClock(), IdFactory(seed), tokens=tokens or [DEFAULT_TELEGRAM_TOKEN], limits=limits,
                        history=history, payment_providers=payment_providers)
    return fake, asgi_app(fake)


def stripe_app(api_keys: list[str] | None, port: int, seed: int = 0, history: int = 1_000):
    from .fakes.stripe import StripeFake, asgi_app

    fake = StripeFake(SystemClock(), IdFactory(seed), api_keys=api_keys, base_url=f"http://{HOST}:{port}",
                      history=history)
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
                        help="objects kept per resource (and idempotency keys, delivery records), oldest evicted "
                             "first (default 1000)")
    from .shop_server import DEFAULTS

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
    app.add_argument("--stripe-concurrency", type=_at_least_one, default=8,
                     help="payments talking to Stripe at once (a bulkhead); the next buyer hears 'try again'")
    app.add_argument("--restock", type=_at_least_zero, default=0,
                     help="units put on the shelf of every product at start, beside the sample stock (load runs)")


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
        _fake, app = stripe_app(args.api_keys, args.port, seed=args.seed, history=args.history)
        print(f"Stripe API fake on http://{HOST}:{args.port}/v1/…; control API at /_lab/")
        uvicorn.Server(uvicorn_config(app, args.port)).run()
        return 0
    if args.service == "app":
        asyncio.run(_serve_shop(args))
        return 0
    return 2


async def _serve_shop(args: argparse.Namespace) -> None:
    from .shop_server import Options, build_shop

    shop = await build_shop(Options(args.payme_key, args.click_service_id, args.click_secret_key,
                                    args.stripe_webhook_secret, args.telegram_secret_token, args.telegram_token,
                                    args.telegram_api, args.redis_url, args.telegram_provider_token,
                                    args.stripe_api_key, args.stripe_api_base, args.stripe_concurrency))
    for sku in shop.parts.catalog if args.restock else ():
        await shop.stock.add(sku, args.restock)  # what a shopkeeper restocking does
    stripe = f"Stripe at {_where(args.stripe_api_base)}" if args.stripe_api_key else "no Stripe"
    print(f"our side on http://{HOST}:{args.port}: POST /payme, /click/prepare, /click/complete, /stripe/webhook, "
          f"/telegram/webhook; test controls at /_lab/ ({shop.backend.describe()}; {stripe})")
    # lifespan on: the app drains its delivery outbox in the background while it serves
    server = uvicorn.Server(uvicorn_config(shop.app, args.port))
    await server.serve()


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_process(command: list[str], url: str, cwd=None, stderr=subprocess.DEVNULL, wait: float = 20
                  ) -> subprocess.Popen:
    """Start a server process (ours or a peer, for benchmarks) and wait until `url` answers (at most `wait`
    seconds). `stderr`: where its stderr goes (a file, to read a traceback later)."""
    import httpx

    # no shell and no outside input: `command` is an argument list our tests and benchmarks build
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,  # nosec B603  # our own list, no shell
                            stderr=stderr)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=0.5)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{command[0]} did not start")


def stop_process(proc: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited after `grace` seconds (a loaded CI machine is slow)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class Served:
    """An ASGI app on a loopback port in a background thread: `with Served(app) as url: …`."""

    def __init__(self, app, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._server = uvicorn.Server(uvicorn_config(app, self.port))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.01)
        return self.url

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextlib.asynccontextmanager
async def serving(app, port: int | None = None):
    """The same in the running event loop, for apps that share the caller's async clients (Redis)."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn_config(app, port, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        await task
