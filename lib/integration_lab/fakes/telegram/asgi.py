"""The fake as an ASGI app, for uvicorn: any client in any language talks to it over loopback HTTP."""

from __future__ import annotations

from ...runtime.asgi import fake_app
from .errors import TOO_LARGE, ApiError
from .replies import json_reply
from .webhook import delivery_client, pump
from .wire import body_limit, handle
from .world import TelegramFake


def service(fake: TelegramFake) -> dict:
    """What serves the Bot API and the control API, under uvicorn (`asgi_app`) or runtime.httpserver: the
    handler, a task delivering updates to webhooks while it runs, and the answers for timeouts and big bodies."""
    return {"handle": lambda *request: handle(fake, *request), "background": lambda: _pump_webhooks(fake),
            "bad_gateway": lambda: json_reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
            "limit": body_limit, "too_large": lambda: json_reply(413, ApiError(413, TOO_LARGE).body())}


def asgi_app(fake: TelegramFake):
    return fake_app(**service(fake))


async def _pump_webhooks(fake: TelegramFake) -> None:
    """Deliver while served: up to max_connections requests per bot, each queue in order (webhook.pump)."""
    async with delivery_client() as client:
        fake.webhook_client = client
        try:
            await pump(fake, client)
        finally:
            fake.webhook_client = None
