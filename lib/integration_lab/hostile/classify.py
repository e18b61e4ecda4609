"""Is an answer in the provider's own words? Each classifier returns None when it is, else a short reason.

5xx are counted apart (a bare 500 is never on an envelope), so these look at everything else.
"""

from __future__ import annotations

import json


def _json(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return ValueError


def telegram(status: int, headers, body: bytes) -> str | None:
    """{"ok": true, "result": …} with 200, or {"ok": false, "error_code": N, "description": "…"} with status N."""
    answer = _json(body)
    if not isinstance(answer, dict):
        return "not a JSON object"
    if answer.get("ok") is True:
        return None if status == 200 and "result" in answer else "ok:true without result or not 200"
    code = answer.get("error_code")
    if answer.get("ok") is not False or not isinstance(code, int) or isinstance(code, bool):
        return "no ok/error_code"
    if not isinstance(answer.get("description"), str):
        return "no description"
    return None if code == status else f"error_code {code} with HTTP {status}"


def stripe(status: int, headers, body: bytes) -> str | None:
    """A JSON object; a 4xx is {"error": {"type": …, "message": …}}; every answer has a Request-Id."""
    answer = _json(body)
    if not isinstance(answer, dict):
        return "not a JSON object"
    if "request-id" not in headers:
        return "no Request-Id"
    if status < 400:
        return None
    error = answer.get("error")
    if not (isinstance(error, dict) and isinstance(error.get("type"), str) and isinstance(error.get("message"), str)):
        return "4xx without error{type, message}"
    return None


def payme(status: int, headers, body: bytes) -> str | None:
    """HTTP 200 and a JSON-RPC object with an id, and either error{code, message} or a result."""
    if status != 200:
        return f"HTTP {status}"
    answer = _json(body)
    if not isinstance(answer, dict) or "id" not in answer:
        return "not a JSON-RPC object with id"
    error = answer.get("error")
    if error is None:
        return None if answer.get("result") is not None else "neither result nor error"
    if not isinstance(error, dict) or not isinstance(error.get("code"), int) or "message" not in error:
        return "error without code and message"
    return None


def click(status: int, headers, body: bytes) -> str | None:
    """A JSON object with an integer error and an error_note."""
    answer = _json(body)
    if not isinstance(answer, dict):
        return "not a JSON object"
    if not isinstance(answer.get("error"), int) or not isinstance(answer.get("error_note"), str):
        return "no error/error_note"
    return None


def json_body(status: int, headers, body: bytes) -> str | None:
    """Our own endpoints (/stripe/webhook, /telegram/webhook, /_lab): any JSON body."""
    return None if _json(body) is not ValueError else "not JSON"
