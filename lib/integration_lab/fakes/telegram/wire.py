"""HTTP in, Bot API answers out: the one request handler the server and the httpx transports share.

`/bot<token>/<method>` takes parameters from the query string and from a JSON, form-urlencoded or
multipart body; the answer is Telegram's envelope with the HTTP status equal to `error_code`.
`/_lab/…` is the control API (control.py).
"""

from __future__ import annotations

import asyncio
import inspect
import json
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from ...runtime.faults import SimulatedTimeout
from . import control
from .errors import METHOD_NOT_FOUND, NOT_FOUND, ApiError, bad_request
from .methods import METHODS, Described, Params
from .replies import Reply, json_reply
from .world import TelegramFake


def parse_params(query: bytes, headers: dict[str, str], body: bytes) -> dict:
    params: dict = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    content_type = headers.get("content-type", "")
    if not body.strip():
        return params
    if content_type.startswith("application/json"):
        try:
            decoded = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(decoded, dict):
            raise bad_request("can't parse JSON object")
        params.update(decoded)
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        for part in message.iter_parts() if message.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            if name:
                payload = part.get_payload(decode=True) or b""
                params[name] = payload.decode("utf-8", "replace") if part.get_filename() is None else payload
    else:  # Telegram reads any other body as a form
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


async def handle(fake: TelegramFake, verb: str, path: str, query: bytes, headers: dict[str, str],
                 body: bytes) -> Reply:
    if path.startswith("/_lab/"):
        return await control.handle(fake, verb, path, body, query)
    if not path.startswith("/bot"):
        return json_reply(404, {"ok": False, "error_code": 404, "description": NOT_FOUND})
    token, _, name = path[4:].partition("/")
    try:
        bot = fake.authenticate(token)
        method = METHODS.get(name.lower())
        if method is None:
            raise ApiError(404, METHOD_NOT_FOUND)
        params = Params(parse_params(query, headers, body))
        lost_answer = await _apply_faults(fake, name)
        try:
            result = method(fake, bot, params)
            if inspect.isawaitable(result):
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
        await asyncio.sleep(float(fault.options.get("seconds", 0.2)))
        return None
    timeout = SimulatedTimeout(float(fault.options.get("seconds", 10)), bool(fault.options.get("applied", False)))
    if not timeout.applied:
        raise timeout
    return timeout
