"""HTTP in, Stripe answers out: the one handler the server and the httpx transports share.

Order of checks, as Stripe's: route, API key, parameters, idempotency, then the operation. Every answer
carries a `Request-Id`; errors are `{"error": {...}}` with Stripe's status codes.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from ...runtime.asgi import Reply
from ...runtime.faults import SimulatedTimeout
from . import control, forms, routes
from .errors import StripeError, invalid, redact_key
from .params import Params
from .world import API_VERSION, IDEMPOTENCY_TTL, Call, Stored, StripeFake

NO_KEY = ("You did not provide an API key. You need to provide your API key in the Authorization header, using "
          "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
          "for details, or we can help at https://support.stripe.com/.")
SAME_PARAMETERS = ("Keys for idempotent requests can only be used with the same parameters they were first used "
                   "with. Try using a key other than '{key}' if you meant to execute a different request.")


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, indent=2, ensure_ascii=False).encode()


def _reply(status: int, payload: dict[str, Any], request_id: str, extra: dict[str, str] | None = None) -> Reply:
    headers = {"content-type": "application/json", "request-id": request_id, "stripe-version": API_VERSION}
    return Reply(status, _body(payload), {**headers, **(extra or {})})


def api_key(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":  # curl -u sk_test_…:
        try:
            return base64.b64decode(value).decode().partition(":")[0] or None
        except ValueError:
            return None
    return None


def _check_key(fake: StripeFake, key: str | None) -> None:
    if not key:
        raise StripeError(401, "invalid_request_error", NO_KEY)
    accepted = key in fake.api_keys if fake.api_keys else key.startswith(("sk_test_", "rk_test_"))
    if not accepted:
        raise StripeError(401, "invalid_request_error", f"Invalid API Key provided: {redact_key(key)}")


def _fingerprint(method: str, path: str, raw: dict[str, Any]) -> tuple:
    return method, path, json.dumps(raw, sort_keys=True)


async def handle(fake: StripeFake, method: str, path: str, query: bytes | str, headers: dict[str, str],
                 body: bytes) -> Reply:
    request_id = fake.request_id()
    if path.startswith("/_lab/"):
        return await control.handle(fake, method, path, query, body, request_id)
    try:
        found = routes.find(method, path)
        if found is None:
            raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}). Please see "
                              "https://stripe.com/docs or we can help at https://support.stripe.com/.")
        route, ids = found
        key = api_key(headers)
        _check_key(fake, key)
        raw = forms.decode(body if method == "POST" else query)
        idempotency_key = headers.get("idempotency-key") if method == "POST" else None
        if idempotency_key is not None:
            replay = _replay(fake, key, idempotency_key, _fingerprint(method, path, raw), request_id)
            if replay:
                return replay
        params = Params(raw, route.allowed)
    except StripeError as error:
        return _reply(error.status, error.body(), request_id, error.headers)
    call = Call(request_id, idempotency_key, headers.get("stripe-version") or API_VERSION)
    fault = fake.faults.take(route.name)
    if fault and fault.kind == "latency":
        await asyncio.sleep(float(fault.options.get("seconds", 1)))
    if fault and fault.kind == "lost_request":
        raise SimulatedTimeout(float(fault.options.get("seconds", 30)), applied=False)
    if fault and fault.kind in ("api_error", "rate_limit"):
        return _fault_reply(fault.kind, request_id)
    reply = _run(fake, route, ids, params, call)
    if idempotency_key is not None and not _validation_error(reply):
        fake.idempotency[(key, idempotency_key)] = Stored(_fingerprint(method, path, raw), reply.status, reply.body,
                                                          fake.clock.time())
    if fault and fault.kind == "lost_answer":
        raise SimulatedTimeout(float(fault.options.get("seconds", 30)), applied=True)
    return reply


def _run(fake: StripeFake, route, ids, params: Params, call: Call) -> Reply:
    try:
        result = route.run(fake, ids, params, call)
        return _reply(200, fake.expand(result, [str(p) for p in params.list("expand")]), call.request_id)
    except StripeError as error:
        return _reply(error.status, error.body(), call.request_id, error.headers)


def _validation_error(reply: Reply) -> bool:
    """Stripe saves no idempotent result when the parameters failed validation before anything ran."""
    if reply.status != 400:
        return False
    return json.loads(reply.body)["error"].get("code", "").startswith("parameter_")


def _replay(fake: StripeFake, key: str, idempotency_key: str, fingerprint: tuple, request_id: str) -> Reply | None:
    if len(idempotency_key) > 255:
        raise invalid("Idempotency-Key must be no more than 255 characters long.")  # wording unconfirmed
    stored = fake.idempotency.get((key, idempotency_key))
    if stored is None or fake.clock.time() - stored.stored_at > IDEMPOTENCY_TTL:
        return None
    if stored.fingerprint != fingerprint:
        raise StripeError(400, "idempotency_error", SAME_PARAMETERS.format(key=idempotency_key))
    original = json.loads(stored.body)
    return _reply(stored.status, original, request_id, {"idempotent-replayed": "true"})


def _fault_reply(kind: str, request_id: str) -> Reply:
    if kind == "rate_limit":
        return _reply(429, {"error": {
            "code": "rate_limit", "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
            "message": "Request rate limit exceeded. Learn more about rate limits here "
                       "https://stripe.com/docs/rate-limits.", "type": "invalid_request_error"}}, request_id)
    return _reply(500, {"error": {"message": "An unknown error occurred", "type": "api_error"}}, request_id)
