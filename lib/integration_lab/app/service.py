"""Our side as one service: the only place the shop is assembled.

`build_shop(options)` wires every part of app/ (the ledger, the shop's parts, the bot, the Payme and Click
merchants, Stripe's webhook endpoint and gateway, breakers and bulkheads) to one Redis and one clock.
`serve app` puts HTTP in front of it (shop_server.py); notebooks, scenarios, load runs and the hostile-input
runs build the same shop in-process with their lab's backend, clock and fakes' transports.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import stripe

from ..runtime.clock import SteppableClock
from ..runtime.ids import IdFactory
from ..runtime.redis_backend import RedisBackend, connect
from ..runtime.redis_cut import RedisCut
from .bot.profile import announce
from .bot.shop_bot import ShopBot
from .payments import stripe_gateway
from .payments.click_merchant import ClickMerchant
from .payments.ledger import Ledger
from .payments.payme_merchant import PaymeMerchant
from .payments.stripe_gateway import StripeGateway
from .payments.stripe_webhook import StripeWebhooks
from .ratelimit import RateLimiter
from .resilience import Bulkhead, CircuitBreaker
from .sessions import SessionStore
from .shop import CATALOG, PaymentOptions, Product, ShopParts, build_parts
from .telegram import client as telegram_client
from .telegram.client import BotApi

DEFAULTS = {  # nosec B105  # lab-only credentials: each is an option of `serve app`, and none is ever a real one
    "payme_key": "lab_payme_key_for_local_tests_only",
    "click_service_id": 10001,
    "click_secret_key": "lab_click_secret_for_local_tests_only",
    "stripe_webhook_secret": "whsec_lab_webhook_secret_for_local_tests_only",
    "telegram_secret_token": "lab-telegram-secret-token",
    "telegram_token": "4242424242:LAB_fake_token_for_local_tests_only",
    "telegram_api": "http://127.0.0.1:8081",  # where the bot sends replies: `serve telegram`'s default port
    "telegram_provider_token": "284685063:TEST:lab_provider_token_for_local_tests",  # made up, Stripe-TEST style
}
log = logging.getLogger(__name__)
SUCCESS_PATH = "/stripe/checkout/success"  # the page Stripe Checkout sends a buyer to after paying (shop_server.py)
STRIPE_TIMEOUT = httpx.Timeout(30.0, connect=5.0)  # per phase; the SDK's default is one 80 s for everything


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
    telegram_provider_token: str = field(default=DEFAULTS["telegram_provider_token"], repr=False)
    stripe_api_key: str | None = field(default=None, repr=False)  # with it, the shop takes cards through Stripe
    stripe_api_base: str | None = None  # e.g. `serve stripe`'s URL; None: Stripe itself
    stripe_concurrency: int = 8  # payments talking to Stripe at once (a bulkhead); the next hears "try again"
    public_url: str = "http://127.0.0.1:8000"  # where buyers' browsers reach us: Stripe Checkout's success page
    # Stripe's webhook answers 2xx, and the outbox sends, only what this many replicas have (WAIT); 0: off
    wait_replicas: int = 0


@dataclass
class Shop:
    options: Options
    backend: RedisBackend = field(repr=False)  # a Redis URL may carry a password
    clock: SteppableClock
    ledger: Ledger
    payme: PaymeMerchant
    click: ClickMerchant
    webhooks: StripeWebhooks
    bot: ShopBot
    parts: ShopParts  # catalog, stock, checkout, fulfilment, outbox, refunds (app/shop)
    cut: RedisCut | None = field(default=None, repr=False)  # the Redis outage control (/_lab/redis)
    breakers: dict[str, CircuitBreaker] = field(default_factory=dict)  # "telegram", "stripe" (if configured)
    bulkheads: dict[str, Bulkhead] = field(default_factory=dict)  # "stripe" (if configured)
    telegram_transport: Any = field(default=None, repr=False)  # how start() reaches Telegram (None: the network)
    sleep: Any = field(default=None, repr=False)  # how start()'s retries wait (None: real time)
    announced: dict[str, str] | None = None  # start()'s outcome per method, once it ran
    served: Counter = field(default_factory=Counter)  # requests this process answered, by endpoint (/_lab/process)

    async def start(self) -> dict[str, str]:
        """The bot's start-up step, once per shop (a restart builds a new shop): its commands and descriptions
        told to Telegram (app/bot/profile.py), on a client of its own so a Telegram still starting up neither
        trips the replies' breaker nor holds anything up. Never raises: a failure is logged, the shop serves on."""
        if self.announced is not None:
            return self.announced
        self.announced = {}
        waits = {"sleep": self.sleep} if self.sleep is not None else {}
        api = BotApi(self.options.telegram_token, self.options.telegram_api, transport=self.telegram_transport,
                     **waits)
        try:
            self.announced = await announce(api)
        except Exception as failure:  # noqa: BLE001  # anything else (a bug of ours) must not stop the shop either
            log.warning("shop bot start-up failed with %s", type(failure).__name__)
            self.announced = {"start-up": type(failure).__name__}
        finally:
            await api.close()
        return self.announced

    @property
    def outbox(self):
        return self.parts.outbox

    @property
    def stock(self):
        return self.parts.stock


def success_url(public_url: str) -> str:
    """Stripe fills in `{CHECKOUT_SESSION_ID}` itself when it redirects the buyer."""
    return public_url.rstrip("/") + SUCCESS_PATH + "?session_id={CHECKOUT_SESSION_ID}"


async def build_shop(options: Options, backend: RedisBackend | None = None, clock=None,
                     stripe_client: stripe.StripeClient | None = None, telegram_transport=None,
                     sleep=None, catalog: dict[str, Product] | None = None, join: bool = False) -> Shop:
    """Everything `serve app` serves. By default on a clean keyspace (`lab:shop:`) of fakeredis (or of the
    Redis at `options.redis_url`) and a steppable clock; notebooks pass their lab's backend and clock (and a
    Stripe client on their Stripe fake; otherwise one is made from `options.stripe_api_key`, if given; and
    the Telegram fake as an httpx transport, with `sleep` waiting on their clock). `catalog` replaces the
    shop's products (a load run stocks more). `join`: another process serves the same shop on this Redis
    (several `serve app` behind one address): its keys are kept, not emptied."""
    catalog = catalog or CATALOG
    backend = backend or await connect("shop", options.redis_url, clean=not join)
    clock = clock or SteppableClock()
    redis, keys = backend.client, backend.keys
    ledger = Ledger(redis, keys, clock)
    if stripe_client is None and options.stripe_api_key:
        bases = {"api": options.stripe_api_base} if options.stripe_api_base else {}
        # the SDK's own retries (network errors, 409, 429, 5xx) reuse each call's idempotency key; the gateway's
        # breaker counts only what is left after them
        stripe_client = stripe.StripeClient(options.stripe_api_key, base_addresses=bases, max_network_retries=2,
                                            http_client=stripe.HTTPXClient(timeout=STRIPE_TIMEOUT))
    breakers = {"telegram": CircuitBreaker("telegram", clock, trips=telegram_client.trips_breaker)}
    gateway, bulkheads = None, {}
    if stripe_client is not None:
        breakers["stripe"] = CircuitBreaker("stripe", clock, trips=stripe_gateway.trips_breaker)
        bulkheads["stripe"] = Bulkhead("stripe", options.stripe_concurrency)
        gateway = StripeGateway(stripe_client, ledger, breaker=breakers["stripe"], bulkhead=bulkheads["stripe"])
    waits = {"sleep": sleep} if sleep is not None else {}
    api = BotApi(options.telegram_token, options.telegram_api, transport=telegram_transport,
                 breaker=breakers["telegram"], **waits)
    quiet = BotApi(options.telegram_token, options.telegram_api, transport=telegram_transport, max_retries=0,
                   breaker=breakers["telegram"])
    parts = await build_parts(api, quiet, ledger, clock,
                              catalog, PaymentOptions(options.telegram_provider_token,
                                                      click_service_id=options.click_service_id,
                                                      stripe_success_url=success_url(options.public_url)), gateway)
    on_paid = parts.fulfilment.on_paid
    payme = PaymeMerchant(ledger, options.payme_key, on_paid=on_paid, refund_agreed=parts.refunds.payme_agreed,
                          on_refunded=parts.fulfilment.refunded)
    click = ClickMerchant(ledger, options.click_service_id, options.click_secret_key, on_paid=on_paid)
    webhooks = StripeWebhooks(ledger, [options.stripe_webhook_secret], on_paid=on_paid,
                              refund_refused=gateway.refund_refused if gateway else None,
                              on_refused=parts.fulfilment.stripe_refused, club=parts.club_stripe,
                              on_expired=parts.fulfilment.checkout_expired, wait_replicas=options.wait_replicas)
    parts.outbox.wait_replicas = options.wait_replicas
    bot = ShopBot(api, SessionStore(redis, keys, clock), RateLimiter(redis, keys, clock, IdFactory(0)), catalog,
                  redis, keys, shop=parts)
    return Shop(options, backend, clock, ledger, payme, click, webhooks, bot, parts, RedisCut.of(redis), breakers,
                bulkheads, telegram_transport, sleep)
