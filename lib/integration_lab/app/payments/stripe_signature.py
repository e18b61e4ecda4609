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
            timestamp = int(value) if value.isdigit() else None
        elif name == "v1":
            signatures.append(value)
    if timestamp is None:
        raise SignatureError("Unable to extract timestamp and signatures from header")
    if not signatures:
        raise SignatureError("No signatures found with expected scheme v1")
    signed = str(timestamp).encode() + b"." + payload
    expected = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets]
    # every comparison runs, so the time taken does not say which secret or signature came close
    matched = [hmac.compare_digest(e, s) for e in expected for s in signatures]
    if not any(matched):
        raise SignatureError("No signatures found matching the expected signature for payload")
    if timestamp < now - tolerance:
        raise SignatureError("Timestamp outside the tolerance zone")
    try:
        event = json.loads(payload)
    except ValueError:
        raise SignatureError("Payload is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or "type" not in event:
        raise SignatureError("Payload is not a Stripe event")
    return event
