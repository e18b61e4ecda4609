"""`serve stripe`'s app on a loopback port for the SDK tests, and a stripe SDK client pointed at it."""

from __future__ import annotations

from contextlib import contextmanager

import stripe

from integration_lab.serve import stripe_app
from integration_lab.runtime.processes import Served


@contextmanager
def served_stripe():
    """(url, fake): the fake knows its own URL, as `serve stripe` does (3-D Secure links point at it)."""
    fake, app = stripe_app(None, port=0)
    server = Served(app)
    fake.base_url = server.url
    with server as url:
        yield url, fake


def sdk_client(url: str, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0,
                               http_client=stripe.HTTPXClient(allow_sync_methods=True))
