"""Telegram's answers are compact JSON."""

from __future__ import annotations

import json

from ...runtime.asgi import Reply


def json_reply(status: int, body: dict) -> Reply:
    return Reply(status, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
