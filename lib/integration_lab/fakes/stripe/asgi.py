"""The fake as an ASGI app for uvicorn; while it runs, a task delivers webhook events as they fall due."""

from __future__ import annotations

import asyncio

import httpx

from ...runtime.asgi import fake_app
from .wire import MAX_BODY, _reply, handle, too_large
from .world import StripeFake

PUMP_INTERVAL = 0.05  # seconds between looks at the delivery queue
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def asgi_app(fake: StripeFake):
    """Served: a body over MAX_BODY is refused before it is read whole."""
    return fake_app(lambda *request: handle(fake, *request), lambda: _pump(fake), lambda: _reply(
        502, {"error": {"type": "api_error", "message": "Bad Gateway"}}, fake.request_id()),
        limit=MAX_BODY, too_large=lambda: too_large(fake.request_id()))


class LoopbackOnly(httpx.AsyncHTTPTransport):
    """The lab sends traffic to 127.0.0.1 only: a webhook URL elsewhere is an endpoint that cannot be reached."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host not in LOOPBACK:
            raise httpx.ConnectError("the lab delivers webhooks to loopback addresses only", request=request)
        return await super().handle_async_request(request)


async def _pump(fake: StripeFake) -> None:
    async with httpx.AsyncClient(timeout=10, transport=LoopbackOnly()) as client:
        while True:
            await fake.deliveries.deliver_due(client)
            await asyncio.sleep(PUMP_INTERVAL)
