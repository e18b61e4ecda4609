"""The fake in-process, as httpx transports: `httpx.AsyncClient(transport=AsyncTelegramTransport(fake))`.

Same handler as the server, so the same answers; a `timeout` fault raises httpx.ReadTimeout at once.
The sync transport runs the handler on a private event loop thread, so long polls work there too.
"""

from __future__ import annotations

import httpx

from ...runtime.faults import SimulatedTimeout
from ...runtime.transport import AsyncHandlerTransport, HandlerTransport
from .wire import handle
from .world import TelegramFake


def _answerer(fake: TelegramFake):
    async def answer(request: httpx.Request, body: bytes) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            reply = await handle(fake, request.method, request.url.path, request.url.query, headers, body)
        except SimulatedTimeout as timeout:
            raise httpx.ReadTimeout(str(timeout), request=request) from None
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body, request=request)
    return answer


class AsyncTelegramTransport(AsyncHandlerTransport):
    def __init__(self, fake: TelegramFake):
        super().__init__(_answerer(fake))
        self.fake = fake


class TelegramTransport(HandlerTransport):
    def __init__(self, fake: TelegramFake):
        super().__init__(_answerer(fake), name="telegram-fake")
        self.fake = fake
