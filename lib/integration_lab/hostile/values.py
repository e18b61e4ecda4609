"""Seeded building blocks of hostile requests: odd values, JSON and forms encoded by hand so they can carry
what a library would refuse to write (lone surrogates, NaN, 5,000-digit numbers, 3,000-deep nesting, bad
UTF-8), odd header bytes and oversized bodies. Everything is drawn from one `random.Random`, so a seed
gives the same requests every run."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, field
from urllib.parse import quote

MB = 1 << 20


@dataclass
class Req:
    """One request as sent: `target` is the raw path and query (bad percent-encoding kept as is)."""
    method: str
    target: str
    headers: dict[str, bytes] = field(default_factory=dict)
    body: bytes = b""
    aimed: bool = False  # aimed at the protected object: sent alone, its state read before and after

    def describe(self, limit: int = 240) -> str:
        """A short, printable form for reports (credentials in headers are not shown)."""
        heads = {k: ("<redacted>" if k == "authorization" else v[:60]) for k, v in self.headers.items()}
        body = self.body if len(self.body) <= limit else self.body[:limit] + b"...(%d bytes)" % len(self.body)
        return f"{self.method} {self.target[:160]} {heads} {body!r}"


    def as_json(self) -> dict:
        """The whole request, replayable, except the credential in Authorization."""
        heads = {k: ("<redacted>" if k == "authorization" else v.decode("latin-1")) for k, v in self.headers.items()}
        return {"method": self.method, "target": self.target, "headers": heads,
                "body_base64": base64.b64encode(self.body).decode()}


class Raw:
    """Bytes spliced verbatim into encoded JSON or a form."""

    def __init__(self, data: bytes | str):
        self.data = data.encode() if isinstance(data, str) else data


def to_json(value) -> bytes:
    """JSON as a hostile client writes it: NaN and Infinity allowed, lone surrogates as \\u escapes, Raw kept."""
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, dict):
        return b"{" + b",".join(to_json(str(k)) + b":" + to_json(v) for k, v in value.items()) + b"}"
    if isinstance(value, (list, tuple)):
        return b"[" + b",".join(to_json(v) for v in value) + b"]"
    if isinstance(value, float):
        return json.dumps(value, allow_nan=True).encode()
    return json.dumps(value).encode()  # ensure_ascii: a lone surrogate becomes "\ud800"


def to_form(pairs: list[tuple[str | bytes | Raw, str | bytes | Raw]]) -> bytes:
    """A form body: str and bytes percent-encoded (lone surrogates as their UTF-8 bytes), Raw verbatim."""
    def part(x) -> bytes:
        if isinstance(x, Raw):
            return x.data
        if isinstance(x, str):
            return quote(x, safe="[]", errors="surrogatepass").encode()
        return quote(x, safe="[]").encode()
    return b"&".join(part(k) + b"=" + part(v) for k, v in pairs)


class Draw:
    """The seeded generator every family draws from."""

    def __init__(self, seed: int, max_body: int = 3 * MB):
        self.r = random.Random(seed)  # nosec B311  # seeded on purpose: a run's requests must repeat
        self.max_body = max_body

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, options):
        return options[self.r.randrange(len(options))]

    def digits(self, n: int) -> str:
        return str(self.r.randint(1, 9)) + "".join(self.r.choices("0123456789", k=n - 1))

    def number(self):
        """A number a parser or a typed field may choke on."""
        plain = [0, -1, 1, -(2 ** 31), 2 ** 31, 2 ** 53 + 1, 2 ** 63, 2 ** 64, -(2 ** 63) - 1, 10 ** 30, 0.5, -0.0,
                 1e308, 1e-320, float("nan"), float("inf"), float("-inf"), True, False, Raw("1e999999"), Raw("0x10"),
                 Raw("01"), Raw("+1"), Raw(".5"), Raw("1e")]
        roll = self.r.randrange(len(plain) + 3)
        if roll < len(plain):
            return plain[roll]
        return Raw(["", "-", "1."][roll - len(plain)] + self.digits(self.r.randint(20, 5000)))

    def text(self):
        """A string that is odd in content or encoding (lone surrogates go out as JSON escapes)."""
        n = self.r.randint(0, 12)
        return self.pick([
            "", " ", "\x00", "\ud800", "\udfff", "a\ud83dz", "\ufeff", "\u202e", "\U0010ffff", "𝔘𝔫𝔦",
            "é" * n, "'\";--", "<b>x", "</b>", "&#x110000;", "&#0;", "&bogus;", "*_~`[](", "\\" * n,
            "%", "%zz", "%ff", "../" * n, "a" * (4000 << n % 5), "١٢٣", "²", "NaN", "null",
            "true", "[]", "{}", "\r\n", "\t" * n, "1" * (20 + n), "ÿ" * n,
        ])

    def scalar(self):
        return self.pick([self.number, self.text, lambda: None, lambda: [], lambda: {}])()

    def value(self, depth: int = 0):
        """Any JSON-ish value, nested a little, or a structure nested far too deep."""
        roll = self.r.random()
        if roll < 0.05:
            return self.deep()
        if roll < 0.15 and depth < 3:
            return [self.value(depth + 1) for _ in range(self.r.randint(0, 4))]
        if roll < 0.25 and depth < 3:
            return {self.key(): self.value(depth + 1) for _ in range(self.r.randint(0, 4))}
        return self.scalar()

    def key(self) -> str:
        return self.pick(["", "\ud800", "id", "a" * 300, "__proto__", "é", "$", "0", "text", "x.y", "a[b]"])

    def deep(self) -> Raw:
        n = self.r.randint(500, 5000)
        return self.pick([Raw("[" * n + "]" * n), Raw('{"a":' * n + "1" + "}" * n), Raw("[" * n)])

    def junk_bytes(self) -> bytes:
        n = self.r.randint(0, 300)
        return self.pick([
            lambda: bytes(self.r.randrange(256) for _ in range(n)),
            lambda: b"\xff\xfe" + b"x" * n, lambda: b'{"a": "\xed\xa0\x80"}', lambda: b"\xc3\x28" * n,
            lambda: b"{" * n, lambda: b'{"a":1,}', lambda: b"\x00" * n, lambda: b"[1, 2", lambda: b"",
            lambda: self.big(), lambda: self.deep().data,
        ])()

    def odd_body(self) -> bytes:
        """Junk bytes, some JSON that is not what was asked for, or now and then an oversized body."""
        return self.big() if self.chance(0.05) else self.junk_bytes() if self.chance(0.5) else to_json(self.value())

    def big(self) -> bytes:
        """An oversized body, bounded by max_body."""
        size = self.r.randint(self.max_body // 4, self.max_body)
        return self.pick([b"a", b"[", b"%", b"a=1&", b'{"a":1}'[:1]]) * size

    def header(self) -> bytes:
        """A header value h11 will send: printable ASCII and obs-text (0x80-0xff), odd for the reader."""
        return self.pick([
            b"", b"\xb2", b"\xff\xfe", "é".encode(), "é".encode("latin-1"), b"x" * self.r.randint(100, 7000),
            b"=,;", b"\xe2\x80\xae", b"null", b"%00", self.digits(30).encode(),
        ])

    def content_type(self, right: bytes) -> bytes:
        return self.pick([
            right, right, right, b"application/json", b"application/x-www-form-urlencoded", b"text/plain",
            b"multipart/form-data", b"multipart/form-data; boundary=", b"application/json; charset=latin-1",
            right + b"; charset=utf-16", b"\xff", b"", b"application/xml",
        ])

    def percent(self) -> str:
        """A query or path fragment with bad percent-encoding."""
        return self.pick(["%", "%z", "%zz", "%ff", "%ed%a0%80", "%c0%af", "%00", "%%", "%e2%82", "+%2", "a=%G1"])
