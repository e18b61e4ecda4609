"""The `/_lab/` control API: what a test does to the fake that no Stripe API call can.

    POST /_lab/payment_intents/{id}/authenticate  {"outcome": "succeed" | "fail"}   the 3-D Secure challenge
    GET  /_lab/3ds/{id}?outcome=succeed|fail       the page `next_action` points to (redirects to return_url)
    GET|POST|DELETE /_lab/faults                   API faults: {"kind", "method": "payment_intents.confirm", …}
    GET|POST|DELETE /_lab/webhook_faults           delivery faults: {"kind", "method": "<event type>", …}
    GET  /_lab/webhooks/log                        the latest delivery attempts (at most `history`)
    GET  /_lab/state                               objects kept per resource and a digest of them all
    POST /_lab/checkout/sessions/{id}/complete     pay a Checkout Session as its buyer would (checkout_control)
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import parse_qsl, urlencode

from ...runtime.asgi import Reply
from .errors import StripeError
from .world import Call, StripeFake

_AUTH = re.compile(r"^/_lab/(?:payment_intents/(?P<pi>[^/]+)/authenticate|3ds/(?P<page>[^/]+))$")


def _json(status: int, payload, request_id: str) -> Reply:
    return Reply(status, json.dumps(payload, indent=2).encode(), {"content-type": "application/json",
                                                                   "request-id": request_id})


async def handle(fake: StripeFake, method: str, path: str, query: bytes | str, body: bytes, request_id: str) -> Reply:
    try:
        return _route(fake, method, path, query, body, request_id)
    except StripeError as error:
        return _json(error.status, error.body(), request_id)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        message = f"control API: {type(exc).__name__}: {str(exc)[:200]}"
        return _json(400, {"error": {"type": "invalid_request_error", "message": message}}, request_id)


def state(fake: StripeFake) -> dict:
    """How much the fake holds, and a digest of every object: equal digests, unchanged state."""
    canonical = json.dumps([fake.objects, sorted(fake.endpoints)], sort_keys=True, default=str).encode()
    return {"objects": {kind: len(index) for kind, index in sorted(fake.store.indexes.items())},
            "history": fake.store.history, "idempotency_keys": len(fake.idempotency),
            "pending_deliveries": len(fake.deliveries.pending), "delivery_log": len(fake.deliveries.log),
            "digest": hashlib.sha256(canonical).hexdigest()}


def _object(body: bytes) -> dict:
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object")
    return value


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValueError("method must be a string")
    return value


def _options(rule: dict) -> dict:
    """Fault options the wire reads as numbers must be numbers, or a later API call would fail on them."""
    for name in ("seconds", "failures"):
        if name in rule and (isinstance(rule[name], bool) or not isinstance(rule[name], (int, float))
                             or not 0 <= rule[name] <= 86400):
            raise ValueError(f"{name} must be a number from 0 to 86400")
    return rule


def _route(fake: StripeFake, method: str, path: str, query, body: bytes, request_id: str) -> Reply:
    from . import intents

    match = _AUTH.match(path)
    if match:
        args = dict(parse_qsl(query.decode("utf-8", "replace") if isinstance(query, bytes) else query))
        if body.strip():
            args.update(_object(body))
        outcome = args.get("outcome", "succeed")
        if outcome not in ("succeed", "fail"):
            raise ValueError("outcome must be 'succeed' or 'fail'")
        pi = fake.get("payment_intent", match["pi"] or match["page"], "intent")
        return_url = ((pi.get("next_action") or {}).get("redirect_to_url") or {}).get("return_url")
        pi = intents.authenticate(fake, pi, outcome == "succeed", Call(request_id))
        if match["page"] and return_url:  # the browser goes back to the shop, as after a real challenge
            failed = pi["status"] == "requires_payment_method"  # the challenge failed, or the issuer declined after
            query = urlencode({"payment_intent": pi["id"], "payment_intent_client_secret": pi["client_secret"],
                               "redirect_status": "failed" if failed else "succeeded"})
            return Reply(302, b"", {"location": f"{return_url}?{query}", "request-id": request_id})
        return _json(200, pi, request_id)
    if path.startswith("/_lab/checkout/"):
        from . import checkout_control

        reply = checkout_control.handle(fake, method, path, body, request_id)
        if reply is not None:
            return reply
    plans = {"/_lab/faults": fake.faults, "/_lab/webhook_faults": fake.deliveries.faults}
    if path in plans:
        plan = plans[path]
        if method == "POST":
            rule = _object(body or b"{}")
            plan.add(rule.pop("kind"), _text(rule.pop("method", "*")), rule.pop("times", 1), **_options(rule))
        elif method == "DELETE":
            plan.clear()
        return _json(200, plan.describe(), request_id)
    if path == "/_lab/webhooks/log" and method == "GET":
        return _json(200, list(fake.deliveries.log), request_id)
    if path == "/_lab/state" and method == "GET":
        return _json(200, state(fake), request_id)
    return _json(404, {"error": {"type": "invalid_request_error", "message": f"no control route {method} {path}"}},
                 request_id)
