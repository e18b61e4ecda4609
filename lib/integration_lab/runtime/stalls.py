"""Misbehaving endpoints on loopback, one per httpx timeout phase that a fake's own faults cannot provoke,
plus a fake served on a real socket inside the running event loop. Each is an async context manager that
listens on 127.0.0.1 only, on a port of its own, and closes every socket it opened when the block ends.

    full_backlog()   connect: a listening socket whose accept queue is full and never accepted from; the
                     kernel drops further SYNs, so a client's connect hangs until its connect timeout
    never_reads()    write: accepts and never reads, with a small receive buffer; a body bigger than the
                     socket buffers cannot be written, so the client's write timeout fires
    served(service)  read and pool: a fake's handler (e.g. fakes.telegram.asgi.service) on
                     runtime.httpserver; its latency faults hang a call on the wire

`Gate` is a fake's `sleep` for those latency faults: a call waits until the gate is opened or its own
seconds have passed on the wall clock, whichever comes first, so a hang is both bounded and released at a
point the scenario chooses (what a notebook prints then does not depend on how fast the machine is).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import AsyncIterator

from . import httpserver
from .processes import HOST, free_port

FILLERS = 8  # connections made to fill a backlog of 0 (Linux queues backlog + 1; the rest wait as SYNs)
SMALL_BUFFER = 4096  # bytes: the receive buffer of a server that never reads
SETTLE = 0.05  # seconds for the fillers' handshakes to land in the accept queue


def _listener(backlog: int, receive_buffer: int | None = None) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:  # set before listen: accepted sockets inherit it, and the window it offers
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    listener.bind((HOST, 0))
    listener.listen(backlog)
    listener.setblocking(False)
    return listener


@contextlib.asynccontextmanager
async def full_backlog() -> AsyncIterator[str]:
    """The base URL of a server that never completes a handshake in time: listen(0), never accept()."""
    listener = _listener(0)
    fillers: list[socket.socket] = []
    try:
        port = listener.getsockname()[1]
        for _ in range(FILLERS):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            fillers.append(filler)
            with contextlib.suppress(BlockingIOError):
                filler.connect((HOST, port))
        await asyncio.sleep(SETTLE)
        yield f"http://{HOST}:{port}"
    finally:
        for sock in fillers + [listener]:
            sock.close()


@contextlib.asynccontextmanager
async def never_reads() -> AsyncIterator[str]:
    """The base URL of a server that accepts and then never reads a byte (a stuck proxy, a frozen peer)."""
    listener = _listener(16, SMALL_BUFFER)
    loop = asyncio.get_running_loop()
    held: list[socket.socket] = []

    async def accept() -> None:
        while True:
            conn, _ = await loop.sock_accept(listener)
            held.append(conn)

    accepting = asyncio.ensure_future(accept())
    try:
        yield f"http://{HOST}:{listener.getsockname()[1]}"
    finally:
        accepting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await accepting
        for sock in held + [listener]:
            sock.close()


async def _idle() -> None:
    """No background work: the served fake delivers no webhooks here."""


@contextlib.asynccontextmanager
async def served(service: dict, grace: float = 0.5) -> AsyncIterator[str]:
    """A fake's handler on runtime.httpserver, on a free loopback port in this event loop; the base URL.
    On exit the server stops accepting, gives calls in flight `grace` seconds, and closes."""
    stop, ready = asyncio.Event(), asyncio.Event()
    port = free_port()
    task = asyncio.ensure_future(httpserver.serve(HOST, port, grace, **{**service, "background": _idle},
                                                  stop=stop, started=ready.set))
    waiting = asyncio.ensure_future(ready.wait())
    await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
    if task.done():  # it could not listen: say why
        waiting.cancel()
        task.result()
    try:
        yield f"http://{HOST}:{port}"
    finally:
        stop.set()
        await task


class Gate:
    """A fake's sleep for latency faults: waits until `open()` or until its seconds pass, whichever first.
    `waiting` is how many calls are held right now; `held` how many it has held in all."""

    def __init__(self):
        self._opened = asyncio.Event()
        self.waiting = self.held = 0

    async def sleep(self, seconds: float) -> None:
        self.waiting += 1
        self.held += 1
        try:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._opened.wait(), seconds)
        finally:
            self.waiting -= 1

    def open(self) -> None:
        self._opened.set()

    def close(self) -> None:
        self._opened.clear()

    async def drained(self, within: float = 5.0) -> None:
        """Wait (bounded) until no call is held and the calls it let go have had their turn to finish."""
        deadline = asyncio.get_running_loop().time() + within
        while self.waiting and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        for _ in range(10):  # a released call writes its answer in the loop's next few turns
            await asyncio.sleep(0)
