"""The fake as an ASGI app, for uvicorn: any client in any language talks to it over loopback HTTP."""

from __future__ import annotations

from ...runtime.asgi import fake_app
from .errors import TOO_LARGE, ApiError
from .replies import json_reply
from .webhook import deliver_all, delivery_client
from .wire import body_limit, handle
from .world import TelegramFake


def asgi_app(fake: TelegramFake):
    """Serves the Bot API and the control API; while it runs, a task delivers updates to webhooks."""
    return fake_app(lambda *request: handle(fake, *request), lambda: _pump_webhooks(fake),
                    lambda: json_reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
                    limit=body_limit, too_large=lambda: json_reply(413, ApiError(413, TOO_LARGE).body()))


async def _pump_webhooks(fake: TelegramFake) -> None:
    """Deliver as soon as updates arrive; look again every half second for retries that fell due."""
    async with delivery_client() as client:
        fake.webhook_client = client
        try:
            while True:
                await deliver_all(fake, client)
                await fake.changed(real_timeout=0.5)
        finally:
            fake.webhook_client = None
