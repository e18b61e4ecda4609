"""A fake's request handler as httpx transports, so clients use it in-process with no socket.

The sync transport runs the handler on a private event-loop thread: handlers are coroutines (long
polls, latency faults), and a sync caller may itself be inside a running loop (a notebook).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Awaitable, Callable

import httpx

from .faults import SimulatedTimeout

Answer = Callable[[httpx.Request, bytes], Awaitable[httpx.Response]]


def answerer(handle, fake) -> Answer:
    """Adapt a fake's wire handler `handle(fake, method, path, query, headers, body) -> Reply` to httpx;
    a timeout fault becomes httpx.ReadTimeout, which clients treat as a network error."""
    async def answer(request: httpx.Request, body: bytes) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            reply = await handle(fake, request.method, request.url.path, request.url.query, headers, body)
        except SimulatedTimeout as timeout:
            raise httpx.ReadTimeout(str(timeout), request=request) from None
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body, request=request)
    return answer


class AsyncHandlerTransport(httpx.AsyncBaseTransport):
    def __init__(self, answer: Answer):
        self._answer = answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._answer(request, await request.aread())


class HandlerTransport(httpx.BaseTransport):
    def __init__(self, answer: Answer, name: str = "fake"):
        self._answer, self._name = answer, name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name=self._name, daemon=True).start()
            return self._loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        future = asyncio.run_coroutine_threadsafe(self._answer(request, request.read()), self._running_loop())
        return future.result()

    def close(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop = None
