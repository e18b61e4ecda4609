"""Request parameters read the way the Bot API server reads them: every value is text.

Facts from the reference server (tdlib/telegram-bot-api, whose HTTP reader is td's
tdnet/td/net/HttpReader.cpp): the query string comes first and the first occurrence of a name wins; a
JSON body's string values are unescaped and any other value is kept as its JSON source text; a JSON body
it cannot parse is read up to the fault and the rest is ignored (logged, never refused); a body whose
type is not JSON, a form or multipart carries no parameters. Methods then read the text leniently
(`int32`, `flag`) as Client.cpp does. Text that is not UTF-8 stays in Python as lone surrogates, so it
reaches the checks that refuse it instead of crashing an encoder.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_PARAMETERS = 1 << 20  # HttpReader MAX_TOTAL_PARAMETERS_LENGTH: query string plus form/JSON fields
MAX_UPLOAD = 50 * 1024 * 1024  # Bot API docs: bots upload files of up to 50 MB (multipart)
MAX_DEPTH = 100  # td's JSON parsers give up deeper than this ("Too big object depth")
_SPACE = b" \t\r\n\0\v"  # td::is_space
_PERCENT = re.compile(rb"%([0-9A-Fa-f]{2})")
_INTEGER = re.compile(r"-?[0-9]*", re.ASCII)
_SPECIAL = re.compile(rb'["\\]')


class Num(str):
    """A JSON number, kept as its source text, as td keeps it."""


class NotJson(ValueError):
    pass


def text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def byte_len(value: str) -> int:
    """Bytes of the text as sent: a byte that was not UTF-8 counts one, a surrogate from a JSON escape three."""
    if value.isascii():  # a flag CPython keeps: no scan
        return len(value)
    try:
        return len(value.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return len(value.encode("utf-8", "surrogatepass"))


def is_utf8(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def to_integer(value: str, bits: int = 32) -> int:
    """td::to_integer: an optional '-', then digits up to the first non-digit; wraps like C integers."""
    if len(value) < 10 and value.isascii() and value.isdigit():  # below 10**9: no wrap, any width
        return int(value)
    if not value:
        return 0
    match = _INTEGER.match(value)
    digits = match.group().lstrip("-")
    number = int(digits[-64:] or 0) % (1 << bits)  # 10**64 wraps to 0: only the last 64 digits count
    if match.group().startswith("-"):
        number = -number % (1 << bits)
    return number - (1 << bits) if number >= 1 << (bits - 1) else number


def to_integer_safe(value: str, bits: int = 32) -> int | None:
    """td::to_integer_safe: the text must be exactly the integer it reads as."""
    number = to_integer(value, bits)
    return number if str(number) == value else None


def to_bool(value: str) -> bool:
    return value.strip(" \t\r\n\0\v").lower() in ("true", "yes", "1")


class Args:
    """A request's parameters by name; Telegram's `Query::arg` gives "" for a missing one."""

    def __init__(self, pairs: list[tuple[str, str]], files: list[tuple[str, Any]] = ()):
        self.values: dict[str, str] = {}
        self.files: dict[str, Any] = {}  # a multipart body's file parts by field name (files.Upload)
        for name, value in pairs:
            self.values.setdefault(name, value)
        for name, upload in files:
            self.files.setdefault(name, upload)

    def file(self, name: str) -> Any:
        """The multipart file part named `name` (a files.Upload), as the reference server's `Query::file`."""
        return self.files.get(name)

    def arg(self, name: str) -> str:
        return self.values.get(name, "")

    def has(self, name: str) -> bool:
        return name in self.values

    def int32(self, name: str, default: int = 0, low: int = -(1 << 31), high: int = (1 << 31) - 1) -> int:
        """Client::get_integer_arg: lenient, then clamped."""
        raw = self.arg(name)
        return min(max(to_integer(raw) if raw else default, low), high)

    def flag(self, name: str) -> bool:
        return to_bool(self.arg(name))

    def json(self, name: str) -> Any:
        """The parameter as JSON (numbers as `Num`); NotJson where td's json_decode would fail."""
        return decode_json(self.arg(name))


def _no_constant(name: str):
    raise NotJson(f"Unexpected symbol '{name[0]}'")  # td's JSON has no NaN or Infinity


def decode_json(source: str) -> Any:
    try:
        value = json.loads(source, parse_int=Num, parse_float=Num, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise NotJson(str(error)) from None
    if not _shallow(value, MAX_DEPTH + 1):
        raise NotJson("Too big object depth")
    return value


def _shallow(value: Any, levels: int) -> bool:
    if not isinstance(value, (list, dict)):
        return True
    if levels == 0:
        return False
    items = value.values() if isinstance(value, dict) else value
    return all(_shallow(item, levels - 1) for item in items)


# ---- the body formats ---------------------------------------------------------------------------

def _urldecode(raw: bytes) -> str:
    return text(_PERCENT.sub(lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"+", b" ")))


def parse_urlencoded(raw: bytes) -> list[tuple[str, str]]:
    pairs = []
    for item in raw.split(b"&") if raw else []:
        name, _, value = item.partition(b"=")
        pairs.append((_urldecode(name), _urldecode(value)))
    return pairs


class _Cursor:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def peek(self) -> int:
        return self.data[self.at] if self.at < len(self.data) else 0

    def skip_space(self) -> None:
        while self.at < len(self.data) and self.data[self.at] in _SPACE:
            self.at += 1

    def take(self, token: bytes) -> bool:
        if self.data.startswith(token, self.at):
            self.at += len(token)
            return True
        return False


class _Fault(Exception):
    pass


def _hex4(cur: _Cursor) -> int:
    digits = cur.data[cur.at:cur.at + 4]
    if len(digits) < 4 or not all(c in b"0123456789abcdefABCDEF" for c in digits):
        raise _Fault("bad \\u escape")
    cur.at += 4
    return int(digits, 16)


_ESCAPES = {ord("b"): b"\b", ord("f"): b"\f", ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t"}


def _string(cur: _Cursor) -> bytes:
    """td's json_string_decode: a lone surrogate escape becomes invalid UTF-8, as there."""
    if not cur.take(b'"'):
        raise _Fault("Opening '\"' expected")
    out = bytearray()
    while True:
        special = _SPECIAL.search(cur.data, cur.at)
        if special is None:
            raise _Fault("Closing '\"' not found")
        end = special.start()
        out += cur.data[cur.at:end]
        cur.at = end + 1
        if cur.data[end] == ord('"'):
            return bytes(out)
        if cur.at >= len(cur.data):
            raise _Fault("Closing '\"' not found")
        escaped = cur.data[cur.at]
        cur.at += 1
        if escaped != ord("u"):
            out += _ESCAPES.get(escaped, bytes([escaped]))
            continue
        code = _hex4(cur)
        if 0xD800 <= code <= 0xDFFF and cur.data.startswith(b"\\u", cur.at):
            cur.at += 2
            low = _hex4(cur)
            if 0xD800 <= low <= 0xDFFF:
                code = (((code & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000
            else:
                cur.at -= 6
        out += chr(code).encode("utf-8", "surrogatepass")


def _skip_value(cur: _Cursor, depth: int) -> None:
    """td's do_json_skip: checks the shape only; numbers are any run of -+.eE and digits."""
    if depth < 0:
        raise _Fault("Too big object depth")
    cur.skip_space()
    c = cur.peek()
    for word in (b"false", b"true", b"null"):
        if c == word[0]:
            if not cur.take(word):
                raise _Fault("bad literal")
            return
    if c == ord('"'):
        _string(cur)
    elif c in b"[{":
        close = b"]" if c == ord("[") else b"}"
        cur.at += 1
        cur.skip_space()
        if cur.take(close):
            return
        while True:
            if cur.at >= len(cur.data):
                raise _Fault("Unexpected end")
            if close == b"}":
                _string(cur)
                cur.skip_space()
                if not cur.take(b":"):
                    raise _Fault("':' expected")
            _skip_value(cur, depth - 1)
            cur.skip_space()
            if cur.take(close):
                return
            if not cur.take(b","):
                raise _Fault("Unexpected symbol")
            cur.skip_space()
    elif c and c in b"-+.0123456789":
        while cur.peek() and cur.peek() in b"-+.eE0123456789":
            cur.at += 1
    else:
        raise _Fault("Unexpected symbol")


# The body most clients send, a flat object of plain strings (no escapes), numbers and literals, read with two
# regular expressions in C instead of the cursor below; anything else (nesting, escapes, faults) takes the cursor.
# Same pairs either way: a string's bytes between its quotes, any other value's source text.
_WS = rb"[ \t\r\n\0\v]*"  # td::is_space
_MEMBER = rb'"([^"\\]*)"' + _WS + rb":" + _WS + rb'(?:"([^"\\]*)"|([-+.0-9][-+.eE0-9]*|true|false|null))'
_FLAT = re.compile(_WS + rb"\{" + _WS + rb"(?:" + _MEMBER + _WS + rb"(?:," + _WS + _MEMBER + _WS + rb")*)?\}" + _WS)
_MEMBERS = re.compile(_MEMBER)


def parse_json_body(raw: bytes) -> list[tuple[str, str]]:
    """HttpReader::parse_json_parameters: an object's members, up to the first fault."""
    if _FLAT.fullmatch(raw):
        return [(name.decode("utf-8", "surrogateescape"), (string or other).decode("utf-8", "surrogateescape"))
                for name, string, other in _MEMBERS.findall(raw)]  # text(), inline: no call per name and value
    return _read_members(raw)


def _read_members(raw: bytes) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    cur = _Cursor(raw)
    cur.skip_space()
    try:
        if cur.peek() == ord('"'):
            value = _string(cur)
            return [("content", text(value))] if cur.at == len(raw) else []
        if not cur.take(b"{"):
            return pairs
        while True:
            cur.skip_space()
            if cur.take(b"}") or cur.at >= len(raw):
                return pairs
            name = _string(cur)
            cur.skip_space()
            if not cur.take(b":"):
                return pairs
            cur.skip_space()
            if cur.peek() == ord('"'):
                value = _string(cur)
            else:
                start = cur.at
                _skip_value(cur, MAX_DEPTH)
                value = raw[start:cur.at]
            pairs.append((text(name), text(value)))
            cur.skip_space()
            if cur.peek() != ord("}") and not cur.take(b","):
                return pairs
    except _Fault:
        return pairs  # the server logs the fault and serves what it read


def parse_multipart(content_type: str, raw: bytes, files: list | None = None) -> list[tuple[str, str]] | None:
    """Form fields of a multipart body; None when the boundary is missing. Files are not parameters: with
    `files`, each file part is added to it as (name, files.Upload)."""
    found = re.search(r"boundary\s*=\s*(\"[^\"]*\"|[^;]*)", content_type, re.IGNORECASE)
    boundary = found.group(1).strip().strip('"') if found else ""
    if not boundary or len(boundary) > 70:  # RFC 1341, as HttpReader checks
        return None
    pairs: list[tuple[str, str]] = []
    for part in raw.split(b"--" + boundary.encode("latin-1"))[1:]:
        head, sep, value = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        disposition = re.search(rb"(?im)^content-disposition:[ \t]*form-data;(.*)$", head)
        fields = dict(_field(item) for item in disposition.group(1).split(b";")) if disposition else {}
        if not fields.get(b"name"):
            continue  # HttpReader refuses a nameless part
        value = value[:-2] if value.endswith(b"\r\n") else value
        if b"filename" in fields:  # a file is not a parameter
            if files is not None:
                from .files import Upload

                kind = re.search(rb"(?im)^content-type:[ \t]*([^\r\n;]*)", head)
                files.append((text(fields[b"name"]), Upload(text(fields[b"filename"]),
                                                            text(kind.group(1)).strip() if kind else "", value)))
            continue
        if re.search(rb"(?im)^content-type:[ \t]*application/x-www-form-urlencoded", head):
            pairs += parse_urlencoded(value)
        else:
            pairs.append((text(fields[b"name"]), text(value)))
    return pairs


def _field(item: bytes) -> tuple[bytes, bytes]:
    name, _, value = item.partition(b"=")
    value = value.strip()
    return name.strip().lower(), value[1:-1] if len(value) > 1 and value[:1] == value[-1:] == b'"' else value


def parse_body(content_type: str, raw: bytes, files: list | None = None) -> list[tuple[str, str]] | None:
    """The parameters a body carries, by its type as HttpReader tells them apart; None for a multipart
    body without a boundary (refused there). A multipart body's files go to `files` when given."""
    kind = content_type.lower()
    if "multipart/form-data" in kind:
        return parse_multipart(content_type, raw, files)
    if "application/x-www-form-urlencoded" in kind:
        return parse_urlencoded(raw)
    if "application/json" in kind:
        return parse_json_body(raw)
    return []  # any other body is content, not parameters
