"""The fake in-process: httpx transports, and a `stripe.HTTPXClient` that uses them.

    client = stripe.StripeClient("sk_test_…", http_client=sdk_http_client(fake))

A `lost_request`/`lost_answer` fault raises httpx.ReadTimeout, which the SDK treats as a network error
(and retries, with the same Idempotency-Key).
"""

from __future__ import annotations

import httpx
import stripe

from ...runtime.transport import AsyncHandlerTransport, HandlerTransport, answerer
from .wire import handle
from .world import StripeFake

BASE = "https://api.stripe.com"


class AsyncStripeTransport(AsyncHandlerTransport):
    def __init__(self, fake: StripeFake):
        super().__init__(answerer(handle, fake))


class StripeTransport(HandlerTransport):
    def __init__(self, fake: StripeFake):
        super().__init__(answerer(handle, fake), name="stripe-fake")


def sdk_http_client(fake: StripeFake) -> stripe.HTTPXClient:
    """The SDK's own httpx-based client, its httpx clients swapped for ones wired to the fake."""
    http_client = stripe.HTTPXClient(allow_sync_methods=True)
    http_client._client = httpx.Client(transport=StripeTransport(fake))
    http_client._client_async = httpx.AsyncClient(transport=AsyncStripeTransport(fake))
    return http_client
