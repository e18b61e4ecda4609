"""HTTP in, Stripe answers out: the one handler the server and the httpx transports share.

Order of checks, as Stripe's: route, API key, parameters, idempotency, then the operation. Every answer
carries a `Request-Id`; errors are `{"error": {...}}` with Stripe's status codes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from ...runtime.asgi import Reply
from ...runtime.faults import SimulatedTimeout
from . import control, expand, forms, routes
from .errors import StripeError, invalid, redact_key
from .params import Params
from .world import API_VERSION, Call, StripeFake

NO_KEY = ("You did not provide an API key. You need to provide your API key in the Authorization header, using "
          "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
          "for details, or we can help at https://support.stripe.com/.")
FORM = "application/x-www-form-urlencoded"
# Stripe publishes no request-size limit (searched its docs, SDK issues and stripe-mock). Its largest real
# form bodies (50 metadata pairs, 5,000-character strings) stay far below 1 MiB, the common edge default
# (nginx's client_max_body_size), so a larger body is refused. Status 413 and the wording are ours.
MAX_BODY = 1 << 20
SAME_PARAMETERS = ("Keys for idempotent requests can only be used with the same parameters they were first used "
                   "with. Try using a key other than '{key}' if you meant to execute a different request.")


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, indent=2, ensure_ascii=False).encode()


def _reply(status: int, payload: dict[str, Any], request_id: str, extra: dict[str, str] | None = None) -> Reply:
    headers = {"content-type": "application/json", "request-id": request_id, "stripe-version": API_VERSION}
    return Reply(status, _body(payload), {**headers, **(extra or {})})


def too_large(request_id: str) -> Reply:
    return _reply(413, {"error": {"message": f"Request body too large: a request to the Stripe API may carry at most "
                                             f"{MAX_BODY} bytes.", "type": "invalid_request_error"}}, request_id)


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


def _fingerprint(method: str, path: str, raw: dict[str, Any]) -> bytes:
    """A digest of the request an idempotency key was first used with: 32 bytes however large the form."""
    return hashlib.sha256(json.dumps([method, path, raw], sort_keys=True).encode()).digest()


async def handle(fake: StripeFake, method: str, path: str, query: bytes | str, headers: dict[str, str],
                 body: bytes) -> Reply:
    request_id = fake.request_id()
    if len(body) > MAX_BODY:  # in-process callers; served, asgi refuses before reading the body whole
        return too_large(request_id)
    if path.startswith("/_lab/"):
        return await control.handle(fake, method, path, query, body, request_id)
    if path.startswith(("/c/pay/", "/b/")):  # the pages a buyer's browser opens (Stripe's checkout host)
        from . import hosted_page

        return await hosted_page.handle(fake, method, path, query, body, request_id)
    try:
        fake.catch_up()  # what fell due on the lab clock happens before this request sees anything
        return await _handle(fake, method, path, query, headers, body, request_id)
    except SimulatedTimeout:
        raise
    except Exception:  # a bug of ours: Stripe's own answer to an internal error, never a traceback
        return _reply(500, {"error": {"message": "An unknown error occurred", "type": "api_error"}}, request_id,
                      {"stripe-should-retry": "true"})


async def _handle(fake: StripeFake, method: str, path: str, query: bytes | str, headers: dict[str, str],
                  body: bytes, request_id: str) -> Reply:
    try:
        found = routes.find(method, path)
        if found is None:
            raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}). Please see "
                              "https://stripe.com/docs or we can help at https://support.stripe.com/.")
        route, ids = found
        key = api_key(headers)
        _check_key(fake, key)
        if method == "POST":
            _check_content_type(headers.get("content-type"), body)
        raw = forms.decode(body if method == "POST" else query)
        idempotency_key = headers.get("idempotency-key") if method == "POST" else None
        if idempotency_key is not None:
            replay = _replay(fake, key, idempotency_key, _fingerprint(method, path, raw), request_id)
            if replay:
                return replay
        params = Params(raw, route.allowed)
        paths = params.strings("expand")
        expand.check(paths, *route.returns)
    except StripeError as error:
        return _reply(error.status, error.body(), request_id, error.headers)
    call = Call(request_id, idempotency_key, headers.get("stripe-version") or API_VERSION)
    fault = fake.faults.take(route.name)
    if fault and fault.kind == "latency":
        await fake.sleep(float(fault.options.get("seconds", 1)))
    if fault and fault.kind == "lost_request":
        raise SimulatedTimeout(float(fault.options.get("seconds", 30)), applied=False)
    if fault and fault.kind in ("api_error", "rate_limit"):
        return _fault_reply(fault.kind, request_id)
    reply, validation = _run(fake, route, ids, params, paths, call)
    if idempotency_key is not None and not validation:
        fake.idempotency.put(key, idempotency_key, _fingerprint(method, path, raw), reply.status, reply.body,
                             fake.clock.time())
    if fault and fault.kind == "lost_answer":
        raise SimulatedTimeout(float(fault.options.get("seconds", 30)), applied=True)
    return reply


def _check_content_type(content_type: str | None, body: bytes) -> None:
    """Stripe's v1 API takes form bodies only (its wording, e.g. MarcinusX/flutter_stripe_demo#9)."""
    if body and content_type and content_type.partition(";")[0].strip().lower() != FORM:
        raise invalid(f"Invalid request: unsupported Content-Type {content_type}. If error persists and you need "
                      "assistance, please contact support@stripe.com.")


def _run(fake: StripeFake, route, ids, params: Params, paths: list[str], call: Call) -> tuple[Reply, bool]:
    """The answer, and whether it is a validation refusal (Stripe saves no idempotent result for those)."""
    try:
        result = route.run(fake, ids, params, call)
        return _reply(200, expand.apply(fake.objects, result, paths), call.request_id), False
    except StripeError as error:
        refused = error.validation or (error.status == 400 and (error.code or "").startswith("parameter_"))
        return _reply(error.status, error.body(), call.request_id, error.headers), refused


def _replay(fake: StripeFake, key: str, idempotency_key: str, fingerprint: tuple, request_id: str) -> Reply | None:
    if len(idempotency_key) > 255:
        raise invalid("Idempotency-Key must be no more than 255 characters long.")  # wording unconfirmed
    stored = fake.idempotency.get(key, idempotency_key, fake.clock.time())  # expired or evicted: gone
    if stored is None:
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
