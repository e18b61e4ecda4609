"""Checking a `Stripe-Signature` header the way Stripe's libraries do, without them.

`t=<unix>,v1=<hex>[,v1=<hex>…]`: accepted when any v1 equals HMAC-SHA256(secret, f"{t}.{body}") under any of
our secrets (several during a secret roll), compared in constant time, and t is no older than the tolerance.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Sequence

TOLERANCE = 300  # seconds, Stripe's default


class SignatureError(ValueError):
    pass


def verify(payload: bytes, header: str | None, secrets: Sequence[str], now: float,
           tolerance: int = TOLERANCE) -> dict[str, Any]:
    """The event, if the header proves Stripe sent exactly this body recently; SignatureError otherwise."""
    if not header:
        raise SignatureError("No Stripe-Signature header")
    timestamp, signatures = None, []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t":
            timestamp = _timestamp(value)
        elif name == "v1":
            signatures.append(value)
    if timestamp is None:
        raise SignatureError("Unable to extract timestamp and signatures from header")
    if not signatures:
        raise SignatureError("No signatures found with expected scheme v1")
    signed = str(timestamp).encode() + b"." + payload
    expected = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets]
    # every comparison runs, so the time taken does not say which secret or signature came close; as bytes,
    # since compare_digest raises on a non-ASCII str where Stripe's verifier simply finds no match
    given = [s.encode("utf-8", "replace") for s in signatures]
    matched = [hmac.compare_digest(e.encode(), s) for e in expected for s in given]
    if not any(matched):
        raise SignatureError("No signatures found matching the expected signature for payload")
    if timestamp < now - tolerance:
        raise SignatureError("Timestamp outside the tolerance zone")
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError):
        raise SignatureError("Payload is not JSON") from None
    data = event.get("data") if isinstance(event, dict) else None
    if not (isinstance(event, dict) and isinstance(event.get("id"), str) and isinstance(event.get("type"), str)
            and isinstance(data, dict) and isinstance(data.get("object"), dict)):
        raise SignatureError("Payload is not a Stripe event")
    return event


def _timestamp(value: str) -> int | None:
    """Unix seconds as Stripe writes them. int() alone would take "²" or "٥" and raise past 4,300 digits;
    Stripe's own verifier answers any unreadable header "Unable to extract timestamp and signatures"."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 20 else None
