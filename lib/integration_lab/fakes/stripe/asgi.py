"""The fake as an ASGI app for uvicorn; while it runs, a task delivers webhook events as they fall due."""

from __future__ import annotations

import asyncio

import httpx

from ...runtime.asgi import fake_app
from .wire import _reply, handle
from .world import StripeFake

PUMP_INTERVAL = 0.05  # seconds between looks at the delivery queue


def asgi_app(fake: StripeFake):
    return fake_app(lambda *request: handle(fake, *request), lambda: _pump(fake), lambda: _reply(
        502, {"error": {"type": "api_error", "message": "Bad Gateway"}}, fake.request_id()))


async def _pump(fake: StripeFake) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            await fake.deliveries.deliver_due(client)
            await asyncio.sleep(PUMP_INTERVAL)
