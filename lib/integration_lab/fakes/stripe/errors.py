"""Stripe's error answers: `{"error": {...}}` with the status the SDK maps to its exception classes.

Keys that Stripe leaves out when empty (param, decline_code, …) are left out here too.
"""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    def __init__(self, status: int, type: str, message: str, code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(message)
        self.status, self.type, self.message, self.code, self.param = status, type, message, code, param
        self.headers = headers or {}
        self.extra = extra  # decline_code, charge, payment_intent, payment_method, …
        self.validation = False  # refused before anything ran (see params._refuse)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = DOCS + self.code.replace("_", "-")
        if self.param:
            error["param"] = self.param
        error.update({k: v for k, v in self.extra.items() if v is not None})
        return {"error": dict(sorted(error.items()))}


def invalid(message: str, code: str | None = None, param: str | None = None, status: int = 400) -> StripeError:
    return StripeError(status, "invalid_request_error", message, code, param)


def missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    return invalid(f"No such {kind}: '{object_id}'", "resource_missing", param, status=404)


def unexpected_state(message: str) -> StripeError:
    return invalid(message, "payment_intent_unexpected_state")


def redact_key(key: str) -> str:
    """'sk_test_abcdef1234' -> 'sk_test_******1234', the way Stripe quotes a wrong key back."""
    head = next((p for p in ("sk_test_", "rk_test_", "sk_live_", "rk_live_", "pk_test_", "pk_live_") if key.startswith(p)), "")
    rest = key[len(head):]
    return head + "*" * max(len(rest) - 4, 0) + rest[-4:]
