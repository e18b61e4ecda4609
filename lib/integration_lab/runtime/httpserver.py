"""A small HTTP/1.1 server on uvloop and httptools for one fake: what `asgi.fake_app` does under uvicorn, for the
same `handle(method, path, query, headers, body)`, without uvicorn's per-request machinery (a scope and
message dicts, a task per request, head and body as two socket writes), which cost the served Telegram fake
twice its own work at saturation (benchmarks/bench_saturation.py). Loopback only, HTTP/1.1 with keep-alive
and pipelining; no TLS, no upgrades.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import signal
import urllib.parse
from collections import deque
from typing import Awaitable, Callable

import httptools
import uvloop

from .asgi import Reply
from .faults import SimulatedTimeout

MAX_HEAD = 64 * 1024  # request line and headers; past this the client gets 431 and the connection closes
_REASONS = {status.value: status.phrase.encode() for status in http.HTTPStatus}
CACHED = 256  # distinct answer heads, and request targets, kept read once; past this the tables start again
_heads: dict[tuple, bytes] = {}  # (status, header items) -> the status line and those headers, as sent
_targets: dict[bytes, tuple[str, bytes]] = {}  # a request's raw URL -> (path as uvicorn gives it, query)
_verbs = {b"GET": "GET", b"POST": "POST", b"HEAD": "HEAD"}
_names: dict[bytes, str] = {}  # a header name as sent -> lower-cased text


class _Service:
    def __init__(self, handle, background, bad_gateway, limit, too_large):
        self.handle, self.background, self.bad_gateway = handle, background, bad_gateway
        self.limit, self.too_large = limit, too_large
        self.limit_of = limit if callable(limit) else lambda _headers: limit
        self.connections: set[_Connection] = set()


def _head(status: int, headers: dict[str, str]) -> bytes:
    """The status line and the reply's own headers: built once per distinct (status, headers), not per answer."""
    key = (status, tuple(headers.items()))
    head = _heads.get(key)
    if head is None:
        lines = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b""))]
        lines += [f"{name}: {value}\r\n".encode("latin-1") for name, value in headers.items()]
        head = b"".join(lines)
        if len(_heads) >= CACHED:
            _heads.clear()
        _heads[key] = head
    return head


def _response(reply: Reply, head_only: bool, close: bool) -> bytes:
    body = reply.body
    return b"%scontent-length: %d\r\n%s\r\n%s" % (  # one write: head and body leave in one segment
        _head(reply.status, reply.headers), len(body), b"connection: close\r\n" if close else b"",
        b"" if head_only else body)


def _error(status: int) -> bytes:
    body = b"Invalid HTTP request received." if status == 400 else _REASONS[status]  # uvicorn's words
    return b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n" \
           b"connection: close\r\n\r\n%s" % (status, _REASONS[status], len(body), body)


class _Resume:
    """Awaits the rest of a coroutine already run up to its first suspension (see `_Connection._answer`)."""

    def __init__(self, coro, suspended_on):
        self.coro, self.suspended_on = coro, suspended_on

    def __await__(self):
        value = self.suspended_on
        while True:
            try:
                try:
                    sent = yield value
                except GeneratorExit:  # as `yield from` does: the awaiter is gone, so is the coroutine
                    self.coro.close()
                    raise
                except BaseException as error:  # noqa: B036  # cancellation goes on into the coroutine
                    value = self.coro.throw(error)
                else:
                    value = self.coro.send(sent)
            except StopIteration as done:
                return done.value


class _Connection(asyncio.Protocol):
    def __init__(self, service: _Service):
        self.service = service
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiting: deque[tuple] = deque()  # pipelined requests behind the one being answered
        self.busy = self.paused = self.write_paused = False
        self._begin()

    def _begin(self) -> None:
        self.url, self.headers, self.head_size, self.chunks, self.size, self.cap = b"", {}, 0, [], 0, None

    # ---- asyncio ---------------------------------------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport
        self.service.connections.add(self)

    def connection_lost(self, exc) -> None:
        self.service.connections.discard(self)
        self.waiting.clear()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # no upgrades here: the request itself is answered as plain HTTP
        except httptools.HttpParserError:
            self._fail(400)

    # ---- httptools callbacks -----------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._begin()

    def on_url(self, url: bytes) -> None:
        self.url += url
        self.head_size += len(url)
        if self.head_size > MAX_HEAD:
            self._fail(431)

    def on_header(self, name: bytes, value: bytes) -> None:
        # lower-cased names; a repeated header keeps its last value
        key = _names.get(name)
        if key is None:
            key = name.decode("latin-1").lower()
            if len(_names) >= CACHED:
                _names.clear()
            _names[name] = key
        self.headers[key] = value.decode("latin-1")
        self.head_size += len(name) + len(value)
        if self.head_size > MAX_HEAD:
            self._fail(431)

    def on_headers_complete(self) -> None:
        if self.transport.is_closing():
            return
        target = _targets.get(self.url)
        if target is None:
            target = _target(self.url)
            if len(_targets) >= CACHED:
                _targets.clear()
            _targets[self.url] = target
        self.path, self.query = target
        self.cap = self.service.limit_of(self.headers)
        declared = self.headers.get("content-length", "")
        if self.cap is not None and declared.isdigit() and int(declared) > self.cap:
            self._refuse_large()  # answered before the body is read; the connection closes after it
        elif self.headers.get("expect", "").lower() == "100-continue":
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.cap is not None and self.size > self.cap:
            self._refuse_large()
        else:
            self.chunks.append(chunk)

    def on_message_complete(self) -> None:
        if self.transport.is_closing():
            return
        parser = self.parser
        keep_alive = parser.get_http_version() != "1.0" and parser.should_keep_alive()
        verb = parser.get_method()
        request = (_verbs.get(verb) or verb.decode("ascii"), self.path, self.query, self.headers,
                   b"".join(self.chunks), keep_alive)
        if self.busy or self.waiting:
            self.waiting.append(request)
            self._next()
        else:  # the usual case: nothing ahead of it
            self._answer(request)
            if self.busy or self.write_paused or self.paused:
                self._read_or_not()

    def _next(self) -> None:
        """Answer pipelined requests in order; while one waits, read no further (what is held stays small)."""
        while self.waiting and not self.busy and not self.transport.is_closing():
            self._answer(self.waiting.popleft())
        self._read_or_not()

    def pause_writing(self) -> None:
        """A client that sends but does not read its answers: read nothing more from it until it does."""
        self.write_paused = True
        self._read_or_not()

    def resume_writing(self) -> None:
        self.write_paused = False
        self._read_or_not()

    def _read_or_not(self) -> None:
        hold = self.busy or self.write_paused
        if hold != self.paused and not self.transport.is_closing():
            self.paused = hold
            (self.transport.pause_reading if hold else self.transport.resume_reading)()

    # ---- answers ---------------------------------------------------------------------------------------
    def _answer(self, request: tuple) -> None:
        """Most calls finish without waiting: run the handler inline, and only a call that waits (a long
        poll, a latency fault) continues in a task."""
        method, path, query, headers, body, keep_alive = request
        coro = self.service.handle(method, path, query, headers, body)
        try:
            suspended_on = coro.send(None)
        except StopIteration as done:
            self._send(done.value, method, keep_alive)
            return
        except SimulatedTimeout as timeout:
            pending = _stalled(timeout)
        except Exception:  # a bug in the fake: a 500, as uvicorn gives, never a dropped connection
            self._fail(500)
            return
        else:
            pending = _Resume(coro, suspended_on)
        self.busy = True
        asyncio.ensure_future(self._finish(pending, method, keep_alive))

    async def _finish(self, pending: Awaitable[Reply], method: str, keep_alive: bool) -> None:
        try:
            reply = await pending
        except SimulatedTimeout as timeout:
            await asyncio.sleep(timeout.seconds)
            reply = self.service.bad_gateway()
        except Exception:
            self._fail(500)
            return
        self.busy = False
        self._send(reply, method, keep_alive)
        self._next()

    def _send(self, reply: Reply, method: str, keep_alive: bool) -> None:
        if self.transport.is_closing():
            return
        self.transport.write(_response(reply, method == "HEAD", not keep_alive))
        if not keep_alive:
            self.transport.close()

    def _refuse_large(self) -> None:
        if not self.transport.is_closing():
            self.transport.write(_response(self.service.too_large(), False, True))
            self.transport.close()

    def _fail(self, status: int) -> None:
        if not self.transport.is_closing():
            self.transport.write(_error(status))
            self.transport.close()


def _target(url: bytes) -> tuple[str, bytes]:
    """(path, query) of a request's raw URL: the path as uvicorn gives it, ASCII and percent-decoded (a
    non-ASCII byte is the parser's 400)."""
    parsed = httptools.parse_url(url)
    path = parsed.path.decode("ascii")
    if "%" in path:
        path = urllib.parse.unquote(path)
    return path, parsed.query or b""


async def _stalled(timeout: SimulatedTimeout) -> Reply:
    raise timeout


async def serve(host: str, port: int, grace: float, handle: Callable[..., Awaitable[Reply]],
                background: Callable[[], Awaitable[None]], bad_gateway: Callable[[], Reply],
                limit=None, too_large: Callable[[], Reply] | None = None, stop: asyncio.Event | None = None,
                started: Callable[[], None] = lambda: None) -> None:
    """Serve until `stop` is set (by default: until SIGTERM or SIGINT); then stop accepting, give calls in
    flight `grace` seconds, close. `started()` is called once the port accepts."""
    service = _Service(handle, background, bad_gateway, limit, too_large)
    loop = asyncio.get_running_loop()
    if stop is None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    server = await loop.create_server(lambda: _Connection(service), host, port)
    started()
    pump = asyncio.ensure_future(background())
    try:
        await stop.wait()
    finally:
        server.close()
        deadline = loop.time() + grace
        while any(c.busy for c in service.connections) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for connection in list(service.connections):
            connection.transport.close()
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump


def run(host: str, port: int, grace: float, **service) -> None:
    uvloop.run(serve(host, port, grace, **service))
