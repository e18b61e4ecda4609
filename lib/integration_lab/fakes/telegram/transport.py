"""The fake in-process, as httpx transports: `httpx.AsyncClient(transport=AsyncTelegramTransport(fake))`.

Same handler as the server, so the same answers; a `timeout` fault raises httpx.ReadTimeout at once.
The sync transport runs the handler on a private event loop thread, so long polls work there too.
"""

from __future__ import annotations

import asyncio
import threading

import httpx

from .wire import SimulatedTimeout, handle
from .world import TelegramFake


async def _answer(fake: TelegramFake, request: httpx.Request, body: bytes) -> httpx.Response:
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        reply = await handle(fake, request.method, request.url.path, request.url.query, headers, body)
    except SimulatedTimeout as timeout:
        raise httpx.ReadTimeout(str(timeout), request=request) from None
    return httpx.Response(reply.status, headers=reply.headers, content=reply.body, request=request)


class AsyncTelegramTransport(httpx.AsyncBaseTransport):
    def __init__(self, fake: TelegramFake):
        self.fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await _answer(self.fake, request, await request.aread())


class TelegramTransport(httpx.BaseTransport):
    def __init__(self, fake: TelegramFake):
        self.fake = fake
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="telegram-fake", daemon=True).start()
            return self._loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        future = asyncio.run_coroutine_threadsafe(_answer(self.fake, request, request.read()), self._running_loop())
        return future.result()

    def close(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop = None
