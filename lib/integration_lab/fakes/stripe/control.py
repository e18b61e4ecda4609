"""The `/_lab/` control API: what a test does to the fake that no Stripe API call can.

    POST /_lab/payment_intents/{id}/authenticate  {"outcome": "succeed" | "fail"}   the 3-D Secure challenge
    GET  /_lab/3ds/{id}?outcome=succeed|fail       the page `next_action` points to (redirects to return_url)
    GET|POST|DELETE /_lab/faults                   API faults: {"kind", "method": "payment_intents.confirm", …}
    GET|POST|DELETE /_lab/webhook_faults           delivery faults: {"kind", "method": "<event type>", …}
    GET  /_lab/webhooks/log                        every delivery attempt so far
"""

from __future__ import annotations

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
    except (ValueError, TypeError, KeyError) as exc:
        return _json(400, {"error": {"type": "invalid_request_error", "message": f"control API: {exc}"}}, request_id)
    except StripeError as error:
        return _json(error.status, error.body(), request_id)


def _route(fake: StripeFake, method: str, path: str, query, body: bytes, request_id: str) -> Reply:
    from . import intents

    match = _AUTH.match(path)
    if match:
        args = dict(parse_qsl(query.decode() if isinstance(query, bytes) else query))
        if body.strip():
            args.update(json.loads(body))
        outcome = args.get("outcome", "succeed")
        if outcome not in ("succeed", "fail"):
            raise ValueError("outcome must be 'succeed' or 'fail'")
        pi = fake.get("payment_intent", match["pi"] or match["page"], "intent")
        return_url = ((pi.get("next_action") or {}).get("redirect_to_url") or {}).get("return_url")
        pi = intents.authenticate(fake, pi, outcome == "succeed", Call(request_id))
        if match["page"] and return_url:  # the browser goes back to the shop, as after a real challenge
            query = urlencode({"payment_intent": pi["id"], "payment_intent_client_secret": pi["client_secret"],
                               "redirect_status": "succeeded" if outcome == "succeed" else "failed"})
            return Reply(302, b"", {"location": f"{return_url}?{query}", "request-id": request_id})
        return _json(200, pi, request_id)
    plans = {"/_lab/faults": fake.faults, "/_lab/webhook_faults": fake.deliveries.faults}
    if path in plans:
        plan = plans[path]
        if method == "POST":
            rule = json.loads(body or b"{}")
            plan.add(rule.pop("kind"), rule.pop("method", "*"), rule.pop("times", 1), **rule)
        elif method == "DELETE":
            plan.clear()
        return _json(200, plan.describe(), request_id)
    if path == "/_lab/webhooks/log" and method == "GET":
        return _json(200, fake.deliveries.log, request_id)
    return _json(404, {"error": {"type": "invalid_request_error", "message": f"no control route {method} {path}"}},
                 request_id)
