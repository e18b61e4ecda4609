"""The fake as an ASGI app, for uvicorn: any client in any language talks to it over loopback HTTP."""

from __future__ import annotations

import asyncio

import httpx

from ...runtime.asgi import lifespan, read_request, send_response
from .replies import json_reply
from .webhook import deliver_all
from ...runtime.faults import SimulatedTimeout
from .wire import handle
from .world import TelegramFake


def asgi_app(fake: TelegramFake):
    """Serves the Bot API and the control API; while it runs, a task delivers updates to webhooks."""

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await lifespan(receive, send, lambda: _pump_webhooks(fake))
            return
        if scope["type"] != "http":
            return
        headers, body = await read_request(scope, receive)
        try:
            reply = await handle(fake, scope["method"], scope["path"], scope["query_string"], headers, body)
        except SimulatedTimeout as timeout:
            await asyncio.sleep(timeout.seconds)  # clients with a shorter timeout give up first
            reply = json_reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
        await send_response(send, reply.status, reply.body, reply.headers)

    return app


async def _pump_webhooks(fake: TelegramFake) -> None:
    """Deliver as soon as updates arrive; look again every half second for retries that fell due."""
    async with httpx.AsyncClient() as client:
        fake.webhook_client = client
        try:
            while True:
                await deliver_all(fake, client)
                await fake.changed(real_timeout=0.5)
        finally:
            fake.webhook_client = None
