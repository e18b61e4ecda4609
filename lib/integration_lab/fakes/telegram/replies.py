"""An HTTP answer as the wire layers hand it to uvicorn or httpx."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})


def json_reply(status: int, body: dict) -> Reply:
    return Reply(status, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
