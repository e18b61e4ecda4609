"""`POST /_lab/checkout/sessions/{id}/complete`: a script pays a Checkout Session as its buyer would.

Body `{"payment_method": "pm_card_visa", "email"?: "…", "three_d_secure"?: "succeed" | "fail"}`: any test
PaymentMethod of cards.py (or a `pm_…` the fake holds). 200 with the session as Stripe shows it once
complete; a decline answers Stripe's 402 `card_error` and leaves the session open; a session that is
not open answers 400.
"""

from __future__ import annotations

import json
import re

from ...runtime.asgi import Reply
from . import checkout
from .world import Call, StripeFake

_COMPLETE = re.compile(r"^/_lab/checkout/sessions/(?P<id>[^/]+)/complete$")


def handle(fake: StripeFake, method: str, path: str, body: bytes, request_id: str) -> Reply | None:
    match = _COMPLETE.match(path)
    if not match or method != "POST":
        return None
    args = json.loads(body) if body.strip() else {}
    if not isinstance(args, dict):
        raise ValueError("the body must be a JSON object")
    pm = args.get("payment_method")
    if not isinstance(pm, str) or not pm:
        raise ValueError("payment_method must be a test PaymentMethod such as pm_card_visa")
    email = args.get("email")
    if email is not None and not isinstance(email, str):
        raise ValueError("email must be a string")
    outcome = args.get("three_d_secure", "succeed")
    if outcome not in ("succeed", "fail"):
        raise ValueError("three_d_secure must be 'succeed' or 'fail'")
    fake.catch_up()
    session = fake.get(checkout.KIND, match["id"], "session")
    session = checkout.complete_for_script(fake, session, pm, Call(request_id), email, outcome)
    return Reply(200, json.dumps(session, indent=2).encode(), {"content-type": "application/json",
                                                                "request-id": request_id})
