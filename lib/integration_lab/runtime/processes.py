"""Our servers as processes and threads on loopback: free ports, uvicorn's settings, starting and stopping.

Tests, benchmarks, load runs and `serve` itself use these; nothing here knows which server it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess  # nosec B404  # start_process runs our own servers from argument lists, no shell
import threading
import time
from pathlib import Path

import uvicorn

HOST = "127.0.0.1"  # loopback only: these fakes are for tests, never for a network
# a lab server stops promptly: a client that keeps a request open (a half-sent body, a fuzzer gone) gets this
# long before uvicorn cancels it, instead of holding shutdown for ever (its default)
SHUTDOWN_GRACE = 2.0


def uvicorn_config(app, port: int, lifespan: str = "on") -> uvicorn.Config:
    # uvloop and httptools (C) instead of asyncio's loop and h11 (pure Python) halve the server's CPU per
    # request; no access log: uvicorn formats each line even when the log level hides it
    return uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan=lifespan,
                          timeout_graceful_shutdown=SHUTDOWN_GRACE, loop="uvloop", http="httptools",
                          access_log=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_process(command: list[str], url: str, cwd=None, stderr=subprocess.DEVNULL, wait: float = 20
                  ) -> subprocess.Popen:
    """Start a server process (ours or a peer, for benchmarks) and wait until `url` answers (at most `wait`
    seconds). `stderr`: where its stderr goes (a file, to read a traceback later)."""
    import httpx

    # no shell and no outside input: `command` is an argument list our tests and benchmarks build
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,  # nosec B603  # our own list, no shell
                            stderr=stderr)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=0.5)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{command[0]} did not start")


def stop_process(proc: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited after `grace` seconds (a loaded CI machine is slow)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class Served:
    """An ASGI app on a loopback port in a background thread: `with Served(app) as url: …`."""

    def __init__(self, app, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._server = uvicorn.Server(uvicorn_config(app, self.port))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.01)
        return self.url

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextlib.asynccontextmanager
async def serving(app, port: int | None = None):
    """The same in the running event loop, for apps that share the caller's async clients (Redis)."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn_config(app, port, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        await task


def start_redis(log_dir: Path) -> tuple[subprocess.Popen, str] | None:
    """A throwaway redis-server on a free loopback port, no persistence, its log and files in `log_dir`:
    (the process, its URL), or None when no redis-server is installed or it did not start within 10 s."""
    binary = shutil.which("redis-server")
    if not binary:
        return None
    port = free_port()
    with (log_dir / "redis.log").open("wb") as out:
        command = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
                   "--dir", str(log_dir)]
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # nosec B603  # our own list, no shell
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return proc, f"redis://{HOST}:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    return None
