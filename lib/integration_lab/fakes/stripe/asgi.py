"""The fake as an ASGI app for uvicorn; while it runs, a task delivers webhook events as they fall due."""

from __future__ import annotations

import asyncio

import httpx

from ...runtime.asgi import lifespan, read_request, send_response
from ...runtime.faults import SimulatedTimeout
from .wire import _reply, handle
from .world import StripeFake

PUMP_INTERVAL = 0.05  # seconds between looks at the delivery queue


def asgi_app(fake: StripeFake):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await lifespan(receive, send, lambda: _pump(fake))
            return
        if scope["type"] != "http":
            return
        headers, body = await read_request(scope, receive)
        try:
            reply = await handle(fake, scope["method"], scope["path"], scope["query_string"], headers, body)
        except SimulatedTimeout as timeout:
            await asyncio.sleep(timeout.seconds)  # clients with a shorter timeout give up first
            reply = _reply(502, {"error": {"type": "api_error", "message": "Bad Gateway"}}, fake.request_id())
        await send_response(send, reply.status, reply.body, reply.headers)

    return app


async def _pump(fake: StripeFake) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            await fake.deliveries.deliver_due(client)
            await asyncio.sleep(PUMP_INTERVAL)
