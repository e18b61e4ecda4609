"""The Telegram fake's fast paths give what the slow ones gave: replies written by orjson, byte for byte what the
standard encoder wrote; flat JSON request bodies read by regular expressions, pair for pair what td's reader reads."""

from __future__ import annotations

import dataclasses
import datetime
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integration_lab.fakes.telegram import People, TelegramFake, TelegramTransport
from integration_lab.fakes.telegram.params import Num, _read_members, parse_json_body
from integration_lab.fakes.telegram.replies import dumps
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free  # never reaches a Redis server

TOKEN = "123:ABC"  # nosec B105  # made up


def standard(value) -> bytes:
    """What the fake wrote before orjson."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclasses.dataclass
class Point:
    x: int


def sent_message() -> dict:
    """A real sendMessage answer with entities, markup and a reply: the shape most replies have."""
    import httpx

    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(0), tokens=[TOKEN])
    People(fake).send(7, {"id": 7, "first_name": "Ада 😀"}, "hi")
    with httpx.Client(transport=TelegramTransport(fake), base_url="http://fake") as client:
        first = client.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": 7, "text": "<b>Заказ</b> 🚚 \u2028 ✓",
                                                              "parse_mode": "HTML"}).json()["result"]
        return client.post(f"/bot{TOKEN}/sendMessage", json={
            "chat_id": 7, "text": "again", "reply_to_message_id": first["message_id"],
            "reply_markup": {"inline_keyboard": [[{"text": "Pay ✓", "callback_data": "pay:1"}]]}}).json()


PAYLOADS = [
    sent_message(),
    {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    {"ok": True, "result": True, "description": "Webhook was set"},
    {"text": "é ü ß 中文 עברית 😀👍🏽 \ufeff \u2028\u2029 \x7f", "quote": '"\\/', "control": "\x00\x01\x08\t\n\x0c\r\x1f"},
    {"big": 2 ** 63 - 1, "unsigned": 2 ** 64 - 1, "negative": -2 ** 63, "num": Num("12"), "zero": 0, "t": True},
    {"floats": [0.1, 1 / 3, 2.0, -0.0, 1e16, 1e22, 0.0001, 123.456, 5e-324, 1.7976931348623157e308]},
    {"nested": [[[{"a": [{}]}]], []], "order": {"z": 1, "a": 2, "m": 3}},
    {"text": "null or 1e-5 in a text, 0.00001"},  # the re-check's markers in text: still the same bytes
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_orjson_writes_the_bytes_json_wrote(payload):
    assert dumps(payload) == standard(payload)


@pytest.mark.parametrize("payload", [
    {"too_big": 2 ** 64}, {"too_small": -2 ** 63 - 1},  # orjson refuses ints past 64 bits
    {"nan": float("nan"), "inf": float("inf"), "minus": float("-inf")},  # orjson writes null
    {"small": [1e-05, 1e-07, 2.5e-300]},  # orjson writes 0.00001 and 1e-7
    {1: "int key", "k": None},  # orjson refuses non-str keys
    {"deep": json.loads("[" * 300 + "]" * 300)},  # orjson stops at 254 levels
])
def test_where_orjson_would_differ_the_standard_encoder_writes(payload):
    assert dumps(payload) == standard(payload)


@pytest.mark.parametrize("payload", [
    {"lone": "\ud800"},  # a surrogate from a JSON escape: json's bytes cannot be encoded as UTF-8 either
    {"point": Point(1)}, {"when": datetime.date(2024, 1, 1)}, {"set": {1}},  # types json refuses
])
def test_what_json_refused_is_still_refused_the_same_way(payload):
    with pytest.raises(Exception) as before:
        standard(payload)
    with pytest.raises(type(before.value)):
        dumps(payload)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20)


@given(json_values)
def test_any_json_value_gets_the_same_bytes_or_the_same_refusal(value):
    try:
        expected = standard(value)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            dumps(value)
        return
    assert dumps(value) == expected


# ---- request bodies: the flat-object fast path reads what td's member-by-member reader reads ----------------

_space = st.sampled_from([b"", b" ", b"\t", b"\r\n", b"\0", b"\v", b"  \n"])
_plain = st.binary(max_size=12).filter(lambda b: b'"' not in b and b"\\" not in b)
_token = st.sampled_from([b"0", b"-12", b"1.5e+3", b"+.", b"true", b"false", b"null", b"7e", b"truex", b"1x"])
_value = _plain.map(lambda b: b'"' + b + b'"') | _token | st.sampled_from([b'"a\\nb"', b"[1]", b'{"x":1}', b""])


@st.composite
def json_bodies(draw):
    members = [draw(_space) + b'"' + draw(_plain) + b'"' + draw(_space) + b":" + draw(_space) + draw(_value)
               + draw(_space) for _ in range(draw(st.integers(0, 5)))]
    body = draw(_space) + b"{" + b",".join(members) + draw(st.sampled_from([b"}", b",}", b"} x", b"", b"}}"]))
    return body + draw(_space)


@given(json_bodies())
def test_flat_json_bodies_read_as_the_member_reader_reads_them(body):
    assert parse_json_body(body) == _read_members(body)


@pytest.mark.parametrize("body", [b'{"chat_id":501,"text":"Your order shipped"}', b'{}', b' {"a" : "" , "b":-1} ',
                                  b'{"text":"\xff\xfe not utf-8","n":null}'])
def test_the_usual_bodies_take_the_fast_path_and_read_the_same(body):
    from integration_lab.fakes.telegram import params

    assert params._FLAT.fullmatch(body)
    assert parse_json_body(body) == _read_members(body)
