"""The fake as an ASGI app, for uvicorn: any client in any language talks to it over loopback HTTP."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from ...runtime.asgi import read_request, send_response
from .replies import json_reply
from .webhook import deliver_all
from ...runtime.faults import SimulatedTimeout
from .wire import handle
from .world import TelegramFake


def asgi_app(fake: TelegramFake):
    """Serves the Bot API and the control API; while it runs, a task delivers updates to webhooks."""

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await _lifespan(fake, receive, send)
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


async def _lifespan(fake: TelegramFake, receive, send) -> None:
    pump = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            pump = asyncio.create_task(_pump_webhooks(fake))
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if pump:
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pump
            await send({"type": "lifespan.shutdown.complete"})
            return


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
