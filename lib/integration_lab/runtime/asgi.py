"""The two ASGI chores every small app here repeats: read the whole request, send a whole response."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Awaitable, Callable


@dataclass
class Reply:
    """An HTTP answer as the wire layers hand it to uvicorn or httpx."""
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})


async def read_request(scope, receive) -> tuple[dict[str, str], bytes]:
    """(headers with lower-cased names, body) of an HTTP request."""
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    return headers, bytes(body)


async def send_response(send, status: int, body: bytes, headers: dict[str, str]) -> None:
    pairs = [(k.encode(), v.encode()) for k, v in headers.items()]
    pairs.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": pairs})
    await send({"type": "http.response.body", "body": body})


async def lifespan(receive, send, background: Callable[[], Awaitable[None]]) -> None:
    """ASGI lifespan: run `background()` (a webhook pump) from startup until shutdown."""
    task = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            task = asyncio.create_task(background())
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await send({"type": "lifespan.shutdown.complete"})
            return
