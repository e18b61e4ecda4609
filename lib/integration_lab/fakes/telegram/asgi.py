"""The fake as an ASGI app, for uvicorn: any client in any language talks to it over loopback HTTP."""

from __future__ import annotations


import httpx

from ...runtime.asgi import fake_app
from .replies import json_reply
from .webhook import deliver_all
from .wire import handle
from .world import TelegramFake


def asgi_app(fake: TelegramFake):
    """Serves the Bot API and the control API; while it runs, a task delivers updates to webhooks."""
    return fake_app(lambda *request: handle(fake, *request), lambda: _pump_webhooks(fake),
                    lambda: json_reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}))


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
