"""HTTP in, Bot API answers out: the one request handler the server and the httpx transports share.

`/bot<token>/<method>` takes parameters from the query string and from a JSON, form-urlencoded or
multipart body; the answer is Telegram's envelope with the HTTP status equal to `error_code`.
`/_lab/…` is the control API (control.py).
"""

from __future__ import annotations

import inspect
import re
import zlib

from ...runtime.faults import SimulatedTimeout
from . import control
from .errors import METHOD_NOT_FOUND, NOT_FOUND, TOO_LARGE, ApiError, bad_request
from .media_methods import download
from .methods import Described
from .other_session import before_call
from .params import MAX_PARAMETERS, MAX_UPLOAD, Args, parse_body, parse_urlencoded
from .registry import METHODS
from .replies import Reply, json_reply
from .world import TelegramFake

_PLAIN = frozenset({dict, list, bool, str, int, Described})  # results that are never awaited


def body_limit(headers: dict[str, str]) -> int:
    """The most a request may carry: 1 MiB of parameters in a JSON or form body (with the query string),
    else 50 MB (multipart uploads; any other body is not read for parameters)."""
    kind = headers.get("content-type", "").lower()
    return MAX_PARAMETERS if "application/json" in kind or "x-www-form-urlencoded" in kind else MAX_UPLOAD


def request_args(query: bytes, headers: dict[str, str], body: bytes) -> Args:
    """The query string's parameters first, then the body's (params.py); refusals as HttpReader words them."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "deflate"):
        body = _inflate(body, body_limit(headers))
    elif encoding:
        raise ApiError(415, "Unsupported Media Type: unsupported content-encoding")
    files: list = []
    pairs = parse_body(headers.get("content-type", ""), body, files)
    if pairs is None:
        raise bad_request("boundary not found")
    # multipart fields count too; a value is never longer than its source, so a short request needs no sum
    if len(query) + len(body) > MAX_PARAMETERS and len(query) + sum(len(v) for _, v in pairs) > MAX_PARAMETERS:
        raise ApiError(413, TOO_LARGE)
    return Args(parse_urlencoded(query) + pairs, files)


def _inflate(body: bytes, limit: int) -> bytes:
    """td's GzipByteFlow (inflateInit2 with MAX_WBITS + 32: gzip or zlib), stopped past the limit."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        code = re.search(r"Error (-?\d+)", str(error))
        raise bad_request(f"zlib error {code.group(1) if code else -3}") from None
    if len(data) > limit:
        raise ApiError(413, TOO_LARGE)
    return data


async def handle(fake: TelegramFake, verb: str, path: str, query: bytes, headers: dict[str, str],
                 body: bytes) -> Reply:
    if path.startswith("/_lab/"):
        return await control.handle(fake, verb, path, body, query)
    if path.startswith("/file/bot"):  # Telegram's file server: /file/bot<token>/<file_path> (media_methods.py)
        return download(fake, path)
    if not path.startswith("/bot"):
        return json_reply(404, {"ok": False, "error_code": 404, "description": NOT_FOUND})
    token, _, name = path[4:].partition("/")
    try:
        bot = fake.authenticate(token)
        method = METHODS.get(name.lower())
        if method is None:
            raise ApiError(404, METHOD_NOT_FOUND)
        if len(body) + len(query) > body_limit(headers):
            raise ApiError(413, TOO_LARGE)
        args = request_args(query, headers, body)
        before_call(fake, bot)  # a logged-out or closed bot (other_session.py)
        lost_answer = await _apply_faults(fake, name) if fake.faults.rules else None
        try:
            result = method(fake, bot, args)
            if type(result) not in _PLAIN and inspect.isawaitable(result):
                result = await result
        finally:
            if lost_answer is not None:
                raise lost_answer  # the call took effect, its answer never arrives
    except ApiError as error:
        return json_reply(error.code, error.body())
    envelope = {"ok": True, "result": result}
    if isinstance(result, Described):
        envelope = {"ok": True, "result": result.result, "description": result.description}
    return json_reply(200, envelope)


async def _apply_faults(fake: TelegramFake, method: str) -> SimulatedTimeout | None:
    """Raise the planned fault, or return a timeout to raise once the call has taken effect."""
    fault = fake.faults.take(method)
    if fault is None:
        return None
    if fault.kind == "server_error":
        status = int(fault.options.get("status", 500))
        raise ApiError(status, fault.options.get("description", "Internal Server Error"))
    if fault.kind == "latency":
        await fake.sleep(float(fault.options.get("seconds", 0.2)))
        return None
    timeout = SimulatedTimeout(float(fault.options.get("seconds", 10)), bool(fault.options.get("applied", False)))
    if not timeout.applied:
        raise timeout
    return timeout
