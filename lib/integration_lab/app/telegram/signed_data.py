"""Checks on what reaches the bot from outside: the webhook secret, Mini App initData, Login Widget data.

All comparisons are constant-time. A payload is accepted only when its hash matches and its
`auth_date` is fresh; every refusal says why (SignedDataError.reason) and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Mapping
from urllib.parse import parse_qsl

CLOCK_SKEW = 60  # seconds an auth_date may lie ahead of our clock


class SignedDataError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def secret_token_matches(expected: str | None, received: str | None) -> bool:
    """The X-Telegram-Bot-Api-Secret-Token header against ours, in constant time."""
    if not expected:
        return True  # no secret configured: nothing to check
    return received is not None and hmac.compare_digest(expected.encode(), received.encode())


def data_check_string(fields: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def _verify(fields: dict[str, str], secret: bytes, now: float, max_age: float) -> dict[str, str]:
    received = fields.get("hash")
    if not received:
        raise SignedDataError("hash is missing")
    expected = hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    # as bytes: compare_digest raises on a non-ASCII str, which is simply no match
    if not hmac.compare_digest(expected.encode(), received.lower().encode("utf-8", "replace")):
        raise SignedDataError("hash does not match")
    try:
        auth_date = int(fields.get("auth_date", ""))
    except ValueError:
        raise SignedDataError("auth_date is missing") from None
    if now - auth_date > max_age:
        raise SignedDataError("auth_date is too old")
    if auth_date - now > CLOCK_SKEW:
        raise SignedDataError("auth_date is in the future")
    return fields


def verify_init_data(init_data: str, bot_token: str, now: float, max_age: float = 3600) -> dict:
    """A Mini App's `Telegram.WebApp.initData`; returns its fields with `user` decoded."""
    pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise SignedDataError("a field appears twice")
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    verified = dict(_verify(fields, secret, now, max_age))
    if "user" in verified:
        verified["user"] = json.loads(verified["user"])
    return verified


def verify_login_widget(data: Mapping[str, str | int], bot_token: str, now: float, max_age: float = 86400) -> dict:
    """The Login Widget's callback fields (id, first_name, …, auth_date, hash)."""
    fields = {key: str(value) for key, value in data.items()}
    return _verify(fields, hashlib.sha256(bot_token.encode()).digest(), now, max_age)
