"""runtime.httpserver, the server `serve telegram` runs: the same answers as the fake under uvicorn, and HTTP/1.1
done right (keep-alive, pipelining in order, a call that waits, refusals before a body is read, shutdown)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import pytest
import uvloop

from integration_lab.fakes.telegram import People, TelegramFake
from integration_lab.fakes.telegram.asgi import asgi_app, service
from integration_lab.runtime import httpserver
from integration_lab.runtime.asgi import Reply
from integration_lab.runtime.clock import FrozenClock, SystemClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.serve import DEFAULT_TELEGRAM_TOKEN
from integration_lab.runtime.processes import HOST, Served, free_port

pytestmark = pytest.mark.redis_free  # never reaches a Redis server

SEND = f"/bot{DEFAULT_TELEGRAM_TOKEN}/sendMessage"


class Running:
    """`httpserver.serve` on a loopback port in a background thread, stopped as `serve telegram` is stopped."""

    def __init__(self, **service):
        self.port, self.service = free_port(), service
        self.url = f"http://{HOST}:{self.port}"
        self.ready, self.loop, self.stop = threading.Event(), None, None
        self.thread = threading.Thread(target=lambda: uvloop.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self.loop, self.stop = asyncio.get_running_loop(), asyncio.Event()
        await httpserver.serve(HOST, self.port, 0.5, stop=self.stop, started=self.ready.set, **self.service)

    def __enter__(self) -> str:
        self.thread.start()
        assert self.ready.wait(10)
        return self.url

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(10)
        assert not self.thread.is_alive()


def telegram(clock=None) -> TelegramFake:
    fake = TelegramFake(clock or SystemClock(), IdFactory(3), tokens=[DEFAULT_TELEGRAM_TOKEN], limits=False)
    People(fake).send(501, {"id": 501, "first_name": "Ada"}, "hi")
    return fake


@pytest.fixture
def served():
    fake = telegram()
    with Running(**service(fake)) as url:
        yield fake, url


def raw(url: str, data: bytes, until: int = 1, timeout: float = 5) -> bytes:
    """Send `data` on one connection; read until `until` answers have come or the server closes."""
    host, port = url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while answer.count(b"HTTP/1.1 ") < until or not _complete(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.rpartition(b"HTTP/1.1 ")[2].partition(b"\r\n\r\n")
    length = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    return bool(length) and len(body) >= int(length[0].split(b":")[1])


def post(path: str, body: bytes, extra: str = "") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


CALLS = [("POST", SEND, {"chat_id": 501, "text": "<b>Заказ</b> 😀", "parse_mode": "HTML"}),
         ("POST", SEND, {"chat_id": 999, "text": "nobody"}),
         ("GET", f"/bot{DEFAULT_TELEGRAM_TOKEN}/getMe?x=1", None),
         ("GET", "/bot123:bad token/getMe", None),
         ("GET", f"/bot{DEFAULT_TELEGRAM_TOKEN}/noSuchMethod", None),
         ("GET", "/elsewhere", None),
         ("GET", "/_lab/bots", None),
         ("POST", "/_lab/faults", {"kind": "server_error", "method": "getMe", "status": 503})]


def test_answers_are_what_uvicorn_serves_for_the_same_fake():
    answers = []
    for serving in (lambda fake: Running(**service(fake)), lambda fake: Served(asgi_app(fake))):
        with serving(telegram(FrozenClock("2026-01-05T09:00:00Z"))) as url, httpx.Client(base_url=url) as client:
            got = []
            for verb, path, body in CALLS:
                response = client.request(verb, path, json=body)
                got.append((response.status_code, response.headers["content-type"], response.content))
            got.append(client.get(f"/bot{DEFAULT_TELEGRAM_TOKEN}/getMe").status_code)  # the planned 503
            got.append(client.get("/bot%34%32%34%32%34%32%34%32%34%32:LAB_fake_token_for_local_tests_only/getMe")
                       .status_code)  # a percent-encoded path is read decoded, as uvicorn gives it
            answers.append(got)
    assert answers[0] == answers[1]
    assert answers[0][-2:] == [503, 200]


def test_keep_alive_pipelining_in_order_head_and_http_1_0(served):
    _fake, url = served
    calls = b"".join(post(SEND, f'{{"chat_id":501,"text":"n{i}"}}'.encode()) for i in range(5))
    answer = raw(url, calls, until=5)
    assert [part.rsplit(b'"text":"', 1)[1][:2] for part in answer.split(b"HTTP/1.1 200 OK")[1:]] == \
        [b"n0", b"n1", b"n2", b"n3", b"n4"]
    head = raw(url, f"HEAD /bot{DEFAULT_TELEGRAM_TOKEN}/getMe HTTP/1.1\r\nHost: lab\r\n\r\n".encode() +
               f"GET /bot{DEFAULT_TELEGRAM_TOKEN}/getMe HTTP/1.0\r\n\r\n".encode(), until=2)
    first, second = head.split(b"HTTP/1.1 ")[1:]
    assert first.endswith(b"\r\n\r\n") and b"content-length: 0" not in first  # HEAD: the length, no body
    assert b"connection: close" in second and second.endswith(b"}")  # HTTP/1.0: answered, then closed


def test_a_call_that_waits_holds_the_calls_behind_it_and_a_timeout_answers_502_later(served):
    fake, url = served
    fake.faults.add("latency", "sendMessage", seconds=0.3)
    started = time.monotonic()
    answer = raw(url, post(SEND, b'{"chat_id":501,"text":"slow"}') + post(SEND, b'{"chat_id":501,"text":"next"}'),
                 until=2)
    assert time.monotonic() - started >= 0.3
    assert answer.index(b'"text":"slow"') < answer.index(b'"text":"next"')
    fake.faults.add("timeout", "getMe", seconds=0.2)
    with httpx.Client(base_url=url) as client:
        response = client.get(f"/bot{DEFAULT_TELEGRAM_TOKEN}/getMe")
        assert response.status_code == 502 and response.json()["description"] == "Bad Gateway"
        fake.faults.add("timeout", "sendMessage", seconds=0.2, applied=True)  # raised after the call took effect
        assert client.post(SEND, json={"chat_id": 501, "text": "lost"}).status_code == 502


def test_bodies_past_the_limit_are_refused_before_they_are_read(served):
    _fake, url = served
    declared = raw(url, f"POST {SEND} HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {(1 << 20) + 1}\r\n\r\n".encode() + b"x" * 100)
    chunk = b"x" * 65536
    streamed = raw(url, f"POST {SEND} HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
                        f"Transfer-Encoding: chunked\r\n\r\n".encode() + (b"10000\r\n" + chunk + b"\r\n") * 17)
    for answer in (declared, streamed):
        assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n") and b"connection: close" in answer
        assert answer.endswith(b'{"ok":false,"error_code":413,"description":"Request Entity Too Large"}')


def test_malformed_and_oversized_heads_and_100_continue(served):
    _fake, url = served
    assert raw(url, b"NOT HTTP AT ALL\r\n\r\n").startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert raw(url, b"GET /\xff HTTP/1.1\r\nHost: lab\r\n\r\n").endswith(b"Invalid HTTP request received.")
    huge = b"GET / HTTP/1.1\r\nHost: lab\r\n" + b"X-Pad: " + b"a" * (httpserver.MAX_HEAD + 1) + b"\r\n\r\n"
    assert raw(url, huge).startswith(b"HTTP/1.1 431 ")
    body = b'{"chat_id":501,"text":"expected"}'
    answer = raw(url, post(SEND, body, "Expect: 100-continue\r\n"), until=2)
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")


def test_a_handler_that_fails_gives_500_and_the_background_task_ends_with_the_server():
    ended = asyncio.Event()

    async def handle(method, path, query, headers, body):
        if path == "/wait":
            await asyncio.sleep(0.01)
            raise RuntimeError("a bug after waiting")
        if path == "/slow":
            await asyncio.sleep(5)  # still running at shutdown: given the grace, then cut off
        raise RuntimeError("a bug")

    async def background():
        try:
            await asyncio.Event().wait()
        finally:
            ended.set()

    running = Running(handle=handle, background=background, bad_gateway=lambda: Reply(502, b""))
    with running as url:
        assert raw(url, b"GET / HTTP/1.1\r\nHost: lab\r\n\r\n").startswith(b"HTTP/1.1 500 Internal Server Error")
        assert raw(url, b"GET /wait HTTP/1.1\r\nHost: lab\r\n\r\n").startswith(b"HTTP/1.1 500 ")
        slow = socket.create_connection((HOST, running.port))
        slow.sendall(b"GET /slow HTTP/1.1\r\nHost: lab\r\n\r\n")
        time.sleep(0.1)
    assert ended.is_set()
    assert slow.recv(100) == b""  # closed at shutdown without an answer
    slow.close()


def test_an_upgrade_is_answered_as_plain_http_and_a_client_gone_mid_call_is_no_error(served):
    fake, url = served
    upgrade = raw(url, f"GET /bot{DEFAULT_TELEGRAM_TOKEN}/getMe HTTP/1.1\r\nHost: lab\r\nConnection: Upgrade\r\n"
                       f"Upgrade: websocket\r\n\r\n".encode())
    assert upgrade.startswith(b"HTTP/1.1 200 OK\r\n") and b'"is_bot":true' in upgrade
    fake.faults.add("latency", "sendMessage", seconds=0.2)
    host, port = url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(post(SEND, b'{"chat_id":501,"text":"gone"}'))
    time.sleep(0.4)  # the call ends after its client left: it took effect, there is nothing to answer
    with httpx.Client(base_url=url) as client:
        sent = client.post(SEND, json={"chat_id": 501, "text": "after"}).json()["result"]
    assert sent["message_id"] == 3  # 1 was Ada's "hi", 2 the call whose client left


def test_a_client_that_does_not_read_its_answers_is_not_read_from_until_it_does():
    class Transport:
        def __init__(self):
            self.reading, self.written = True, []

        def is_closing(self):
            return False

        def pause_reading(self):
            self.reading = False

        def resume_reading(self):
            self.reading = True

        def write(self, data):
            self.written.append(data)

    connection = httpserver._Connection(httpserver._Service(**service(telegram())))
    transport = Transport()
    connection.connection_made(transport)
    connection.pause_writing()  # the transport's buffer is over its high-water mark
    assert not transport.reading
    connection.data_received(post(SEND, b'{"chat_id":501,"text":"queued answer"}'))
    assert not transport.reading and b'"text":"queued answer"' in transport.written[0]
    connection.resume_writing()
    assert transport.reading


def test_serve_telegram_on_a_taken_port_says_so_in_one_line(capsys):
    import argparse

    from integration_lab.serve import add_arguments, main

    parser = argparse.ArgumentParser()
    add_arguments(parser.add_subparsers(dest="command").add_parser("serve"))
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        args = parser.parse_args(["serve", "telegram", "--port", str(taken.getsockname()[1])])
        assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error while attempting to bind on address") and "Traceback" not in err


def test_answer_heads_and_request_targets_read_once_follow_what_they_were_read_from(monkeypatch):
    """The head of an answer is built once per (status, headers) and a URL is parsed once: another status, header
    value or URL gets its own, and past CACHED entries the tables start again (they never grow without bound)."""
    monkeypatch.setattr(httpserver, "CACHED", 3)
    monkeypatch.setattr(httpserver, "_heads", {})
    monkeypatch.setattr(httpserver, "_targets", {})
    headers = {"content-type": "application/json"}
    assert httpserver._response(Reply(200, b"{}", headers), False, False) == \
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
    assert httpserver._response(Reply(200, b"{}", headers), True, True) == \
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n"
    headers["content-type"] = "text/plain"  # the same dict, changed: a new head
    assert httpserver._response(Reply(404, b"no", headers), False, False) == \
        b"HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nno"
    assert httpserver._response(Reply(599, b"", {"x-a": "1", "x-b": "2"}), False, False) == \
        b"HTTP/1.1 599 \r\nx-a: 1\r\nx-b: 2\r\ncontent-length: 0\r\n\r\n"
    assert len(httpserver._heads) <= 3
    assert httpserver._response(Reply(200, b"{}", {"content-type": "application/json"}), False, False) == \
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
    assert len(httpserver._heads) <= 3

    fake = telegram()
    with Running(**service(fake)) as url:
        for path in ("/bot1:x/getMe?a=1", "/bot1:x/getMe?a=2", "/_lab/bots", "/_l%61b/bots", "/bot1:x/getMe?a=1"):
            answer = raw(url, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            assert answer.startswith(b"HTTP/1.1 200" if "lab" in path or "l%61b" in path else b"HTTP/1.1 401")
    assert len(httpserver._targets) <= 3
    assert httpserver._target(b"/_l%61b/bots?x=%20") == ("/_lab/bots", b"x=%20")
    assert httpserver._targets[b"/bot1:x/getMe?a=1"] == ("/bot1:x/getMe", b"a=1")


def test_header_names_read_once_are_lower_cased_and_the_table_stays_bounded(monkeypatch):
    monkeypatch.setattr(httpserver, "CACHED", 2)
    monkeypatch.setattr(httpserver, "_names", {})
    seen = []
    fake = telegram()

    async def handle(method, path, query, headers, body):
        seen.append(dict(headers))
        return Reply(200, b"{}")

    with Running(**{**service(fake), "handle": handle}) as url:
        raw(url, b"GET / HTTP/1.1\r\nHost: x\r\nX-One: 1\r\nx-one: 2\r\nX-TWO: 3\r\nConnection: close\r\n\r\n")
        raw(url, b"GET / HTTP/1.1\r\nHOST: y\r\nX-Two: 4\r\nConnection: close\r\n\r\n")
    assert seen == [{"host": "x", "x-one": "2", "x-two": "3", "connection": "close"},
                    {"host": "y", "x-two": "4", "connection": "close"}]
    assert len(httpserver._names) <= 2
