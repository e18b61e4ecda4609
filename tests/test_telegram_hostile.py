"""Hostile input to the Telegram fake: the Bot API server's own answer, never a 5xx or a traceback, and
a refused call changes nothing. The answers follow the reference server's source (tdlib/telegram-bot-api's
Client.cpp, td's HttpReader and JsonBuilder, TDLib's MessageEntity.cpp): it reads every parameter as text
and leniently, so some hostile calls are served rather than refused, exactly as Telegram serves them."""

from __future__ import annotations

import gzip
import json
import os
import random
import socket
import subprocess
import sys
import time
from urllib.parse import quote_from_bytes

import httpx
import pytest

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake, catalogue
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.serve import DEFAULT_TELEGRAM_TOKEN
from integration_lab.runtime.processes import HOST, free_port, stop_process

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

ADA = {"id": 501, "first_name": "Ada"}
JSON = {"content-type": "application/json"}
SURROGATE_TEXT = "Bad Request: strings must be encoded in UTF-8"


@pytest.fixture
def world():
    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(5))
    people = People(fake)
    people.send(501, ADA, "hi")
    http = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")
    return fake, people, http, f"/bot{fake.default_bot.token}"


async def call(http, base, method, body: bytes, headers=JSON) -> tuple[int, dict]:
    response = await http.post(f"{base}/{method}", content=body, headers=headers)
    return response.status_code, response.json()


def refused(description: str, code: int = 400) -> tuple[int, dict]:
    return code, {"ok": False, "error_code": code, "description": description}


# ---- the issue's examples: each raised inside the fake before (a bare 500 when served) ---------------

async def test_allowed_updates_that_is_not_an_array_is_ignored_as_telegram_does(world):
    fake, people, http, base = world
    status, body = await call(http, base, "getUpdates", b'{"allowed_updates": ["callback_query"]}')
    assert (status, body["result"]) == (200, [])  # the message update is not wanted now
    # get_allowed_update_types: a JSON value that is not an array of strings leaves the setting alone
    for hostile in (b'{"allowed_updates": 5}', b'{"allowed_updates": "["}', b'{"allowed_updates": [1]}',
                    b'{"allowed_updates": {"a": 1}}'):
        assert (await call(http, base, "getUpdates", hostile)) == (200, {"ok": True, "result": []})
        assert fake.default_bot.allowed_updates == ["callback_query"]
    status, body = await call(http, base, "getUpdates", b'{"allowed_updates": ["MESSAGE", "bogus"]}')
    assert [u["message"]["text"] for u in body["result"]] == ["hi"]


async def test_a_number_json_cannot_parse_ends_the_parameters_and_the_call_is_served(world):
    fake, people, http, base = world
    people.send(501, ADA, "again")
    # HttpReader stops at Infinity and serves the parameters read before it: the offset never arrives,
    # so nothing is confirmed; the limit before it still counts
    status, body = await call(http, base, "getUpdates", b'{"limit": 1, "offset": Infinity, "timeout": 50}')
    assert status == 200 and [u["message"]["text"] for u in body["result"]] == ["hi"]
    for hostile in (b'{"offset": NaN}', b'{"offset": -Infinity}', b'{"offset": 1e999}'):
        status, body = await call(http, base, "getUpdates", hostile)
        assert status == 200 and len(body["result"]) == 2
    assert len(fake.default_bot.updates) == 2


@pytest.mark.parametrize("entities, description", [
    ("[1]", "can't parse MessageEntity: expected an Object"),
    ('[{"type": "bold", "length": 1}]', 'can\'t parse MessageEntity: Can\'t find field "offset"'),
    ('[{"type": "bold", "offset": "x", "length": 1}]',
     'can\'t parse MessageEntity: Field "offset" must be a valid Number'),
    ('[{"type": "bold", "offset": [], "length": 1}]', 'can\'t parse MessageEntity: Field "offset" must be a Number'),
    ('[{"type": 5, "offset": 0, "length": 1}]', "can't parse MessageEntity: Unsupported type specified"),
    ('[{"type": [], "offset": 0, "length": 1}]', 'can\'t parse MessageEntity: Field "type" must be of type String'),
    ('[{"type": "text_link", "offset": 0, "length": 1}]', 'can\'t parse MessageEntity: Can\'t find field "url"'),
    ('[{"type": "bold", "offset": -1, "length": 1}]', "receive an entity with incorrect offset -1"),
])
async def test_entities_that_are_not_message_entities_get_telegrams_answer(world, entities, description):
    fake, people, http, base = world
    body = json.dumps({"chat_id": 501, "text": "x"})[:-1].encode() + b', "entities": ' + entities.encode() + b"}"
    assert await call(http, base, "sendMessage", body) == refused(f"Bad Request: {description}")
    assert len(fake.default_bot.chats[501].messages) == 1


async def test_callback_data_that_is_not_utf8_is_kept_as_telegram_shows_it(world):
    fake, people, http, base = world
    markup = (b'{"inline_keyboard": [[{"text": "a", "callback_data": "\\ud800"}], '
              b'[{"text": "b", "callback_data": "\xff"}]]}')
    body = b'{"chat_id": 501, "text": "x", "reply_markup": ' + markup + b"}"
    status, body = await call(http, base, "sendMessage", body)
    assert status == 200  # Client.cpp shows callback data that is not UTF-8 as "INVALID"
    assert [row[0]["callback_data"] for row in body["result"]["reply_markup"]["inline_keyboard"]] == ["INVALID"] * 2


async def test_entities_json_that_does_not_parse_is_ignored_and_a_parse_mode_wins(world):
    fake, people, http, base = world
    status, body = await call(http, base, "sendMessage", b'{"chat_id": 501, "text": "x", "entities": "{"}')
    assert status == 200 and "entities" not in body["result"]
    status, body = await call(http, base, "sendMessage",
                              b'{"chat_id": 501, "text": "<b>x</b>", "parse_mode": "HTML", "entities": [1]}')
    assert status == 200 and body["result"]["entities"] == [{"offset": 0, "length": 1, "type": "bold"}]


@pytest.mark.parametrize("body, headers, description", [
    (b'{"chat_id": 501, "text": "\\ud800"}', JSON, SURROGATE_TEXT),
    (b'{"chat_id": 501, "text": "a\\udfffb"}', JSON, SURROGATE_TEXT),
    (b"chat_id=501&text=%ED%A0%80", {"content-type": "application/x-www-form-urlencoded"}, SURROGATE_TEXT),
    (b"chat_id=501&text=%FF", {"content-type": "application/x-www-form-urlencoded"}, SURROGATE_TEXT),
    (b'{"chat_id": 501, "text": "\xc3"}', JSON, SURROGATE_TEXT),
    (b'{"chat_id": 501, "text": "\\ud800", "parse_mode": "HTML"}', JSON, "Bad Request: text must be encoded in UTF-8"),
    (b'{"chat_id": 501, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "\\ud800", "url": "https://a"}]]}}',
     JSON, "Bad Request: inline keyboard button text must be encoded in UTF-8"),
    (b'{"chat_id": 501, "text": "x", "entities": [{"type": "text_link", "offset": 0, "length": 1, "url": "\\ud800"}]}',
     JSON, "Bad Request: messageEntityTextUrl.url must be encoded in UTF-8"),
    (b'{"chat_id": 501, "text": "x", "entities": [{"type": "pre", "offset": 0, "length": 1, "language": "\\udfff"}]}',
     JSON, "Bad Request: messageEntityPreCode.language must be encoded in UTF-8"),
])
async def test_text_that_is_not_utf8_is_refused_in_telegrams_words(world, body, headers, description):
    fake, people, http, base = world
    assert await call(http, base, "sendMessage", body, headers) == refused(description)
    assert len(fake.default_bot.chats[501].messages) == 1


@pytest.mark.parametrize("text, stored", [
    ("&#x110000;", "&#x110000;"),  # TDLib's decode_html_entity: no such character, the '&' stays as written
    ("&#x10FFFF; &#1114111;", "&#x10FFFF; &#1114111;"),
    ("&#x10FFFE;", "\U0010fffe"),
    ("&#99999999999;", "&#99999999999;"),  # ten characters or more: not an entity
    ("&amp &lt;b&gt &#65 &nbsp;", "& <b> A &nbsp;"),  # ';' optional; only four names are known
    ("&#0; &#x; &#", "&#0; &#x; &#"),
])
async def test_html_character_references_decode_as_tdlib_decodes_them(world, text, stored):
    fake, people, http, base = world
    body = json.dumps({"chat_id": 501, "text": text, "parse_mode": "HTML"}).encode()
    status, answer = await call(http, base, "sendMessage", body)
    assert status == 200 and answer["result"]["text"] == stored


async def test_html_decoding_to_a_lone_surrogate_is_refused(world):
    fake, people, http, base = world
    for text in ("&#xd800;", "&#xd83d;&#xde00;", "&#56320;"):
        body = json.dumps({"chat_id": 501, "text": text, "parse_mode": "HTML"}).encode()
        assert await call(http, base, "sendMessage", body) == refused(
            "Bad Request: can't parse entities: Text contains invalid Unicode characters after decoding HTML "
            "entities, check for unmatched surrogate code units")
    assert len(fake.default_bot.chats[501].messages) == 1


@pytest.mark.parametrize("url", ["http://[::1", "https://[zz]/", "ftp://127.0.0.1/", "https://", "//127.0.0.1",
                                 "https://127.0.0.1:0/", "https://h:65536/", "javascript:alert(1)",
                                 "https://a%zz.b/", "https://a b/", "https://\ud800/"])
async def test_a_webhook_url_td_cannot_parse_is_refused_and_the_webhook_stays(world, url):
    fake, people, http, base = world
    assert (await call(http, base, "setWebhook", b'{"url": "https://shop.example/h"}'))[0] == 200
    body = json.dumps({"url": url}).encode()
    assert await call(http, base, "setWebhook", body) == refused("Bad Request: invalid webhook URL specified")
    assert fake.default_bot.webhook.url == "https://shop.example/h"


async def test_a_url_without_scheme_is_https_as_td_reads_it(world):
    fake, people, http, base = world
    status, body = await call(http, base, "setWebhook", b'{"url": "shop.example/h?a b"}')
    assert (status, body["description"]) == (200, "Webhook was set")
    assert fake.default_bot.webhook.target == "https://shop.example/h?a%20b"


# ---- wrong types, read as the server reads them -----------------------------------------------------------

@pytest.mark.parametrize("params, answer", [
    ({"chat_id": [501], "text": "x"}, "Bad Request: chat not found"),  # "[501]" reads as 0
    ({"chat_id": "501abc", "text": "x"}, 200),  # td::to_integer stops at the first non-digit
    ({"chat_id": 501.9, "text": "x"}, 200),
    ({"chat_id": 501, "text": 5}, 200),  # numbers and arrays arrive as their JSON text
    ({"chat_id": 501, "text": ["a"]}, 200),
    ({"chat_id": 501, "text": None}, 200),  # null is the text "null"
    ({"chat_id": 501, "text": "x", "reply_markup": 5}, "Bad Request: object expected as reply markup"),
    ({"chat_id": 501, "text": "x", "reply_markup": {"inline_keyboard": 5}},
     'Bad Request: field "inline_keyboard" must be of type Array'),
    ({"chat_id": 501, "text": "x", "reply_markup": {"inline_keyboard": [5]}},
     'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'),
    ({"chat_id": 501, "text": "x", "reply_markup": {"inline_keyboard": [[5]]}},
     "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object"),
    ({"chat_id": 501, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": ""}]]}},
     "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
    ({"chat_id": 501, "text": "x", "reply_markup": {"keyboard": [[1]]}},
     "Bad Request: can't parse keyboard button: KeyboardButton must be a String or an Object"),
    ({"chat_id": 501, "text": "x", "reply_markup": {"force_reply": "maybe"}},
     'Bad Request: field "force_reply" must be of type Boolean'),
    ({"chat_id": 501, "text": "x", "reply_parameters": 5}, "Bad Request: object expected as reply parameters"),
    ({"chat_id": 501, "text": "x", "reply_parameters": {"message_id": "x"}},
     'Bad Request: field "message_id" must be a valid Number'),
    ({"chat_id": 501, "text": "x", "reply_parameters": "{"}, "Bad Request: can't parse reply parameters JSON object"),
    ({"chat_id": 501, "text": "x" * 40_000}, "Bad Request: text is too long"),
    ({"chat_id": 501, "text": "x", "parse_mode": 5}, "Bad Request: unsupported parse_mode"),
])
async def test_send_message_reads_every_value_as_text(world, params, answer):
    fake, people, http, base = world
    status, body = await call(http, base, "sendMessage", json.dumps(params).encode())
    if answer == 200:
        assert status == 200 and body["result"]["chat"]["id"] == 501
    else:
        assert (status, body) == refused(answer)
        assert len(fake.default_bot.chats[501].messages) == 1


async def test_other_methods_read_ids_leniently_and_refuse_in_their_words(world):
    fake, people, http, base = world
    sent = (await call(http, base, "sendMessage", b'{"chat_id": 501, "text": "x"}'))[1]["result"]
    cases = [
        ("deleteMessage", {"message_id": 1}, "Bad Request: chat identifier is not specified"),
        ("deleteMessage", {"chat_id": 501, "message_id": -5}, "Bad Request: message identifier is not specified"),
        ("deleteMessage", {"chat_id": 501, "message_id": [2]}, "Bad Request: message identifier is not specified"),
        ("editMessageText", {"text": "y"}, "Bad Request: message identifier is not specified"),
        ("editMessageText", {"chat_id": 501, "message_id": "abc", "text": "y"},
         "Bad Request: message to edit not found"),
        ("editMessageText", {"chat_id": 501, "message_id": sent["message_id"], "text": ""},
         "Bad Request: message text is empty"),
        ("sendChatAction", {"chat_id": 404, "action": 5}, "Bad Request: wrong parameter action in request"),
        ("getChat", {"chat_id": {"a": 1}}, "Bad Request: chat not found"),
        ("answerCallbackQuery", {"callback_query_id": [1]}, "Bad Request: " + (
            "query is too old and response timeout expired or query ID is invalid")),
    ]
    for method, params, description in cases:
        assert await call(http, base, method, json.dumps(params).encode()) == refused(description), method
    assert [m.text for m in fake.default_bot.chats[501].messages.values()] == ["hi", "x"]
    lenient = {"chat_id": "501x", "message_id": f"{sent['message_id']}.0", "text": "y"}
    status, body = await call(http, base, "editMessageText", json.dumps(lenient).encode())
    assert status == 200 and body["result"]["text"] == "y"
    status, body = await call(http, base, "sendChatAction", b'{"chat_id": 501, "action": "TYPING"}')
    assert (status, body["result"]) == (200, True)


@pytest.mark.parametrize("body, headers", [
    (b"\xff\xfe{garbage", JSON), (b"[" * 10_000, JSON), (b'{"chat_id": ' + b"[" * 200 + b"]" * 200 + b"}", JSON),
    (b'"\\ud800"', JSON), (b"{" + b'"a": 1, ' * 50_000 + b"}", JSON),
    (b"%%%&&&===", {"content-type": "application/x-www-form-urlencoded"}),
    (b"--x\r\n\r\n--x--", {"content-type": "multipart/form-data; boundary=x"}),
    (b"chat_id=501&text=hi", {"content-type": "text/plain"}),  # not parameters: the call has none
    (b"x" * 100, {"content-type": "multipart/form-data"}),
    (gzip.compress(b'{"chat_id": 501}', mtime=0), {**JSON, "content-encoding": "gzip"}),  # same id in every worker
])
async def test_bodies_that_do_not_parse_give_the_call_without_them(world, body, headers):
    fake, people, http, base = world
    status, answer = await call(http, base, "sendMessage", body, headers)
    expected = "Bad Request: boundary not found" if headers["content-type"] == "multipart/form-data" else \
        "Bad Request: message text is empty"
    assert (status, answer) == refused(expected)
    assert len(fake.default_bot.chats[501].messages) == 1


async def test_encoded_bodies_and_encodings_telegram_does_not_read(world):
    fake, people, http, base = world
    packed = gzip.compress(b'{"chat_id": 501, "text": "zipped"}')
    status, body = await call(http, base, "sendMessage", packed, {**JSON, "content-encoding": "gzip"})
    assert status == 200 and body["result"]["text"] == "zipped"
    assert await call(http, base, "sendMessage", b"\x1f\x8b\x08junk", {**JSON, "content-encoding": "gzip"}) == \
        refused("Bad Request: zlib error -3")
    assert await call(http, base, "sendMessage", b"{}", {**JSON, "content-encoding": "br"}) == \
        refused("Unsupported Media Type: unsupported content-encoding", 415)
    bomb = gzip.compress(b'{"text": "' + b"x" * (2 << 20) + b'"}')
    assert await call(http, base, "sendMessage", bomb, {**JSON, "content-encoding": "gzip"}) == \
        refused("Request Entity Too Large", 413)


async def test_parameters_over_a_mebibyte_are_refused_with_413(world):
    fake, people, http, base = world
    head = b'{"chat_id": 501, "text": "'
    at_limit = head + b"x" * ((1 << 20) - len(head) - 2) + b'"}'
    assert len(at_limit) == 1 << 20
    assert (await call(http, base, "sendMessage", at_limit))[1]["description"] == "Bad Request: text is too long"
    assert await call(http, base, "sendMessage", at_limit[:-2] + b'x"}') == refused("Request Entity Too Large", 413)
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert await call(http, base, "sendMessage", b"text=" + b"x" * (1 << 20), form) == \
        refused("Request Entity Too Large", 413)
    assert len(fake.default_bot.chats[501].messages) == 1


async def test_control_api_refuses_bad_bodies_with_json_errors(world):
    fake, people, http, base = world
    for body in (b"[" * 5000, b'{"from": {"id": 7, "first_name": "\\ud800"}, "text": "hi"}', b'{"x": NaN}',
                 b'{"from": {"id": 7, "first_name": "A"}, "text": "\\udc80"}'):
        response = await http.post("/_lab/chats/7/messages", content=body)
        assert response.status_code == 400 and response.json()["ok"] is False
    bad_faults = [{"kind": "server_error", "status": "x"}, {"kind": "server_error", "status": 700},
                  {"kind": "latency", "seconds": 1e308}, {"kind": "latency", "method": 5},
                  {"kind": "server_error", "description": []}]
    for fault in bad_faults:
        assert (await http.post("/_lab/faults", json=fault)).status_code == 400, fault
    assert fake.faults.rules == [] and 7 not in fake.default_bot.chats
    assert (await http.post("/_lab/groups", json={"title": "g", "from": ADA, "chat_id": -5.5})).status_code == 400
    assert (await http.post("/_lab/faults?bot_id=1e999", json={"kind": "latency"})).status_code in (400, 404)


# ---- served: sizes before reading, and a seeded hostile run -------------------------------------------

@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`serve telegram` as a process, its stderr kept, with people in two chats and a protected one."""
    port = free_port()
    log = tmp_path_factory.mktemp("telegram") / "stderr.log"
    with log.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "integration_lab", "serve", "telegram", "--port", str(port),
                                 "--no-limits"], stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{url}/_lab/bots", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.1)
    yield url, log
    stop_process(proc)


def raw_request(url: str, head: bytes, body: bytes = b"") -> bytes:
    host, port = url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < 10:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_served_fake_refuses_a_declared_oversized_body_before_reading_it(served):
    url, log = served
    for kind, size in (("application/json", (1 << 20) + 1), ("multipart/form-data; boundary=x", 50 * 1024 * 1024 + 1)):
        head = (f"POST /bot{DEFAULT_TELEGRAM_TOKEN}/sendMessage HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {size}\r\n\r\n").encode()
        started = time.monotonic()
        answer = raw_request(url, head, b"x" * 1000)  # the rest never comes: the answer must not wait for it
        assert time.monotonic() - started < 3
        status, _, body = answer.partition(b"\r\n")
        assert status.startswith(b"HTTP/1.1 413")
        assert json.loads(body.split(b"\r\n\r\n", 1)[1]) == {"ok": False, "error_code": 413,
                                                             "description": "Request Entity Too Large"}
    response = httpx.post(f"{url}/bot{DEFAULT_TELEGRAM_TOKEN}/getMe", files={"doc": ("a.bin", b"x" * (2 << 20))})
    assert response.status_code == 200  # an upload may exceed the 1 MiB of parameters
    assert "Traceback" not in log.read_text()


def _snapshot(http: httpx.Client, base: str, chats: list[int]) -> tuple:
    transcripts = [http.get(f"/_lab/chats/{c}/messages").json()["messages"] for c in chats]
    hook = http.get(f"{base}/getWebhookInfo").json()["result"]
    hook.pop("last_error_date", None), hook.pop("last_error_message", None)  # deliveries fail on their own
    return json.dumps(transcripts), hook


class Hostile:
    """A seeded generator of hostile Bot API calls in every encoding the server reads."""

    # every method of the catalogue (but logOut and close, which end the session for the calls after them), the
    # shop's own ones twice, a name in capitals and one Telegram does not have
    METHODS = sorted(set(catalogue.NAMES.values()) - {"logOut", "close"}) + [
        "sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage", "getUpdates", "setWebhook",
        "getChat", "sendChatAction", "answerCallbackQuery", "SENDMESSAGE", "nosuchMethod"]
    NAMES = ["chat_id", "text", "message_id", "parse_mode", "entities", "reply_markup", "reply_parameters",
             "reply_to_message_id", "offset", "limit", "timeout", "allowed_updates", "url", "secret_token",
             "max_connections", "drop_pending_updates", "action", "callback_query_id", "inline_message_id"]
    STRINGS = ["", " ", "x", "HTML", "MarkdownV2", "Markdown", "none", "<b>x", "&#x110000;", "&#xd800;", "*a",
               "typing", "http://[::1", "https://[::1]:1/h", "http://127.0.0.1:1/h", "@nobody", "١٢", "\u202e",
               "\0", "é" * 3000, "x" * 5000, "\ud800", "a\udcff", "-1", "2147483648", "9" * 400, "1e999", "true",
               "{", "[1]"]
    BUTTON = ["callback_data", "url", "web_app", "copy_text", "switch_inline_query", "pay", "login_url"]
    ENTITY = ["bold", "pre", "text_link", "text_mention", "custom_emoji", "date_time", "mention", "bogus", ""]
    URLS = ["http://[::1", "https://[::1]:1/h", "http://127.0.0.1:1/h", "http://localhost:1/", "https://127.0.0.1:0/",
            "ftp://127.0.0.1/", "", "http://127.0.0.1:1/\ud800", "javascript:alert(1)", "http://0x7f000001:1/"]
    RAW = [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-0", b"00", b"+5", b"1-2", b'"\\ud800"', b'"\\udfff\\ud800"',
           b'"\xff\xfe"', b"[1]", b'{"inline_keyboard": [[{"text": "a", "callback_data": "\\ud800"}]]}',
           b"[" * 150 + b"]" * 150, b"tru", b'"\\u12"', b"{}", b"null", b"true", b"18446744073709551616"]

    def __init__(self, seed: int, chats: list[int]):
        self.rng, self.chats = random.Random(seed), chats
        self.queue: list[str] = []  # METHODS in a seeded order, each once before any twice

    def value(self, depth: int = 0):
        rng = self.rng
        kind = rng.randrange(9 if depth < 3 else 6)
        return [lambda: rng.choice(self.STRINGS), lambda: rng.choice(self.chats),
                lambda: rng.choice([0, -1, 1, 2**31, -2**63, 2**64, 10**30]),
                lambda: rng.random() * 10.0 ** rng.randrange(309), lambda: rng.choice([True, False, None]),
                lambda: "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(8)),
                lambda: [self.value(depth + 1) for _ in range(rng.randrange(3))],
                lambda: {rng.choice(self.NAMES + ["text", "type", "offset", "length", "inline_keyboard"]):
                         self.value(depth + 1) for _ in range(rng.randrange(3))},
                lambda: rng.choice([
                    {"inline_keyboard": [[{"text": self.value(depth + 1),
                                           rng.choice(self.BUTTON): self.value(depth + 1)}]]},
                    [{"type": rng.choice(self.ENTITY), "offset": self.value(depth + 1), "length": self.value(depth + 1),
                      rng.choice(["url", "language", "user", "custom_emoji_id"]): self.value(depth + 1)}],
                    {"message_id": self.value(depth + 1), "allow_sending_without_reply": self.value(depth + 1)}]),
                ][kind]()

    def params(self, method: str = "") -> dict:
        own = [f["name"] for f in catalogue.fields(method)] if method.lower() in catalogue.METHODS else []
        names = sorted(set(self.NAMES) | set(own))  # the method's own parameters, by their catalogue names
        params = {name: self.value() for name in self.rng.sample(names, self.rng.randrange(1, min(6, len(names))))}
        if self.rng.random() < 0.5:
            params.setdefault("chat_id", self.rng.choice(self.chats))
        for name in ("url", "web_app_url"):  # a webhook the fake would deliver to must be on this machine
            if name in params:
                params[name] = self.rng.choice(self.URLS)
        return params

    def request(self) -> tuple[str, bytes, bytes, dict]:
        """(method, query string, body, headers)."""
        rng = self.rng
        if not self.queue:
            self.queue = rng.sample(self.METHODS, len(self.METHODS))
        method = self.queue.pop()
        params = self.params(method)
        if method == "getUpdates":
            params["timeout"] = rng.choice([0, "0", -1, "", "x", None, 0.5])  # a valid long poll is not hostile
        encoding = rng.choice(["json", "json", "raw-json", "form", "query", "multipart", "garbage", "gzip"])
        if encoding == "json":
            body = json.dumps(params, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
            return method, b"", body, JSON
        if encoding in ("raw-json", "gzip"):
            members = [json.dumps(k).encode() + b": " + (rng.choice(self.RAW) if rng.random() < 0.5 else
                                                       json.dumps(v).encode()) for k, v in params.items()]
            body = b"{" + b", ".join(members) + rng.choice([b"}", b"", b"},", b"} x"])
            return (method, b"", gzip.compress(body), {**JSON, "content-encoding": "gzip"}) if encoding == "gzip" \
                else (method, b"", body, JSON)
        pairs = [(k.encode(), v.encode("utf-8", "surrogatepass") if isinstance(v, str) else json.dumps(v).encode())
                 for k, v in params.items()]
        if rng.random() < 0.3:
            pairs.append((rng.choice(self.NAMES).encode(), bytes(rng.randrange(256) for _ in range(6))))
        form = b"&".join(quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs)
        if encoding == "form":
            return method, b"", form, {"content-type": "application/x-www-form-urlencoded"}
        if encoding == "query":
            return method, form, b"", {}
        if encoding == "multipart":
            parts = b"".join(b"--B\r\nContent-Disposition: form-data; name=\"" + k + b"\"\r\n\r\n" + v + b"\r\n"
                             for k, v in pairs)
            return method, b"", parts + rng.choice([b"--B--\r\n", b"", b"--B"]), {
                "content-type": rng.choice(["multipart/form-data; boundary=B", "multipart/form-data; boundary=\"B\"",
                                            "multipart/form-data", "multipart/form-data; boundary=" + "B" * 80])}
        return method, b"", bytes(rng.randrange(256) for _ in range(rng.randrange(200))), {
            "content-type": rng.choice(["application/json", "application/x-www-form-urlencoded", "text/plain", ""])}


def test_seeded_hostile_calls_get_envelopes_and_refusals_change_nothing(served):
    url, log = served
    base = f"/bot{DEFAULT_TELEGRAM_TOKEN}"
    chats = [501, 502]
    for chat in chats:
        httpx.post(f"{url}/_lab/chats/{chat}/messages", json={"from": {"id": chat, "first_name": "U"}, "text": "hi"})
    generator, failures = Hostile(11, chats), []
    with httpx.Client(base_url=url, timeout=10) as http:
        for _ in range(int(os.environ.get("TELEGRAM_HOSTILE_CALLS", 400))):
            method, query, body, headers = generator.request()
            before = _snapshot(http, base, chats)
            response = http.post(f"{base}/{method}" + (f"?{query.decode()}" if query else ""), content=body,
                                 headers=headers)
            answer = response.json()
            ok = answer.get("ok") is True
            if response.status_code >= 500 or (not ok and answer.get("error_code") != response.status_code):
                failures.append((method, query, body[:200], headers, response.status_code, answer))
            elif not ok and _snapshot(http, base, chats) != before:
                failures.append(("state changed", method, body[:200], answer))
    assert failures == []
    assert "Traceback" not in log.read_text()


# ---- every method of the catalogue at a real chat ------------------------------------------------------------

HOSTILE_VALUES = ["", " ", "{", "[1]", "-1", "0", "null", "\ud800", "x" * 5000, "1e999", '{"a": []}', "[[[[]]]]"]


def _state(fake: TelegramFake, people: People) -> str:
    bot = fake.default_bot
    return json.dumps([people.transcript(501), sorted(bot.chats), len(bot.updates), bot.allowed_updates,
                       bot.webhook and bot.webhook.url], default=str)


@pytest.mark.parametrize("method", sorted(set(catalogue.NAMES.values()) - {"logOut", "close", "getUpdates"}))
async def test_every_method_refused_at_a_real_chat_changes_nothing(world, method):
    """Each method at the chat a person opened, its other parameters hostile (and, when the reference server
    refuses to miss one before it reads the chat, that one left out): any answer in Telegram's envelope, and a
    refusal leaves the chat, the bot's chats, its updates and its webhook as they were."""
    from integration_lab.hostile.telegram import guard

    fake, people, http, base = world
    sent = (await call(http, base, "sendMessage", b'{"chat_id": 501, "text": "x"}'))[1]["result"]
    rng = random.Random(method)
    for attempt in range(3):
        params = {"chat_id": 501, "message_id": sent["message_id"]}
        for field in catalogue.fields(method):
            if field["name"] not in params and (field["required"] or rng.random() < 0.2):
                params[field["name"]] = rng.choice(HOSTILE_VALUES)
        if "url" in params:
            params["url"] = "http://127.0.0.1:1/hook"
        if attempt == 0 and guard(method) not in (None, "chat_id", "message_id"):
            params.pop(guard(method), None)  # an optional one may not have been drawn
        before = _state(fake, people)
        body = json.dumps(params).encode("utf-8", "surrogatepass")
        status, answer = await call(http, base, method, body)
        assert status < 500 and answer.get("ok") in (True, False), (method, params, answer)
        if not answer["ok"]:
            assert answer["error_code"] == status and answer["description"].startswith(("Bad Request: ",
                                                                                          "Forbidden: ")), answer
            assert _state(fake, people) == before, (method, params, answer)
        elif attempt == 0 and guard(method) not in (None, "chat_id", "message_id"):
            pytest.fail(f"{method} served a call without {guard(method)}: {params} -> {answer}")
