"""The ASGI chores every small app here repeats: read the whole request, send a whole response, run a
background task for the app's lifetime, and serve a fake with its planned timeouts."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from .faults import SimulatedTimeout


@dataclass
class Reply:
    """An HTTP answer as the wire layers hand it to uvicorn or httpx."""
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})


class BodyTooLarge(Exception):
    """The request declared or sent more than the endpoint accepts; the caller answers in its provider's words."""

    def __init__(self, limit: int):
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def request_headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


async def read_request(scope, receive, limit: int | None = None) -> tuple[dict[str, str], bytes]:
    """(headers with lower-cased names, body) of an HTTP request. With `limit`, a body declared or growing
    past it raises BodyTooLarge as soon as that is known, so an oversized request is never held whole."""
    headers = request_headers(scope)
    return headers, await read_body(receive, headers, limit)


async def read_body(receive, headers: dict[str, str], limit: int | None = None) -> bytes:
    if limit is not None:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(limit)
    message = await receive()
    if not message.get("more_body"):  # the usual small request comes in one message: no copy
        body = message.get("body", b"")
        if limit is not None and len(body) > limit:
            raise BodyTooLarge(limit)
        return body
    body = bytearray()
    while True:
        body += message.get("body", b"")
        if limit is not None and len(body) > limit:
            raise BodyTooLarge(limit)
        if not message.get("more_body"):
            return bytes(body)
        message = await receive()


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


def fake_app(handle: Callable[..., Awaitable[Reply]], background: Callable[[], Awaitable[None]],
             bad_gateway: Callable[[], Reply], limit: int | Callable[[dict[str, str]], int] | None = None,
             too_large: Callable[[], Reply] | None = None):
    """A fake served under uvicorn: `handle(method, path, query, headers, body)` answers each request, and
    `background()` (a webhook pump) runs from startup to shutdown. A planned timeout holds the answer that
    long, then gives what a gateway in front would (clients with a shorter timeout give up first).
    With `limit` (bytes, or a function of the lower-cased headers) a larger body is answered `too_large()`
    before it is read whole."""
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            await lifespan(receive, send, background)
            return
        if scope["type"] != "http":
            return
        headers = request_headers(scope)
        try:
            body = await read_body(receive, headers, limit(headers) if callable(limit) else limit)
        except BodyTooLarge:
            reply = too_large()
            await send_response(send, reply.status, reply.body, reply.headers)
            return
        try:
            reply = await handle(scope["method"], scope["path"], scope["query_string"], headers, body)
        except SimulatedTimeout as timeout:
            await asyncio.sleep(timeout.seconds)
            reply = bad_gateway()
        await send_response(send, reply.status, reply.body, reply.headers)

    return app
