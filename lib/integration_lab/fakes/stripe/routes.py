"""Stripe's REST routes: (HTTP method, path) -> the operation, its fault name and the parameters it takes."""

from __future__ import annotations

from typing import Any

from . import checkout, intents, products, resources
from .expand import EXPANDABLE
from .routes_base import PAGE, Operation, Route, route

PI_CREATE = {"amount", "currency", "customer", "description", "metadata", "capture_method", "confirmation_method",
             "payment_method", "payment_method_types", "automatic_payment_methods", "confirm", "return_url",
             "receipt_email", "off_session", "statement_descriptor", "setup_future_usage", "expand"}


def _pi(fake, ids) -> dict[str, Any]:
    return fake.get("payment_intent", ids["id"], "intent")


def _customer(fake, ids) -> dict[str, Any]:
    return fake.get("customer", ids["id"])


def _endpoint(fake, ids) -> dict[str, Any]:
    return fake.get("webhook_endpoint", ids["id"], label="webhook endpoint")


_TABLE: list[tuple[str, str, str, set[str], Operation]] = [
    ("POST", "/v1/customers", "customers.create",
     {"description", "email", "name", "phone", "metadata", "payment_method", "expand"},
     lambda f, i, p, c: resources.create_customer(f, p, c)),
    ("GET", "/v1/customers", "customers.list", PAGE | {"email"},
     lambda f, i, p, c: f.listing("customer", "/v1/customers", p, email=p.str("email"))),
    ("GET", "/v1/customers/{id}", "customers.retrieve", {"expand"}, lambda f, i, p, c: _customer(f, i)),
    ("POST", "/v1/customers/{id}", "customers.update", {"description", "email", "name", "phone", "metadata", "expand"},
     lambda f, i, p, c: resources.update_customer(f, _customer(f, i), p, c)),
    ("GET", "/v1/customers/{id}/payment_methods", "customers.list_payment_methods", PAGE | {"type"},
     lambda f, i, p, c: f.listing("payment_method", f"/v1/customers/{_customer(f, i)['id']}/payment_methods", p,
                                  customer=i["id"], type=p.str("type"))),
    ("GET", "/v1/payment_methods", "payment_methods.list", PAGE | {"customer", "type"},
     lambda f, i, p, c: f.listing("payment_method", "/v1/payment_methods", p, customer=p.str("customer"),
                                  type=p.str("type"))),
    ("GET", "/v1/payment_methods/{id}", "payment_methods.retrieve", {"expand"},
     lambda f, i, p, c: f.payment_method_for(i["id"])),
    ("POST", "/v1/payment_methods/{id}/attach", "payment_methods.attach", {"customer", "expand"},
     lambda f, i, p, c: resources.attach_id(f, i["id"], p.str("customer", required=True), c)),
    ("POST", "/v1/payment_methods/{id}/detach", "payment_methods.detach", {"expand"},
     lambda f, i, p, c: resources.detach_id(f, i["id"], c)),
    ("POST", "/v1/payment_intents", "payment_intents.create", PI_CREATE, lambda f, i, p, c: intents.create(f, p, c)),
    ("GET", "/v1/payment_intents", "payment_intents.list", PAGE | {"customer"},
     lambda f, i, p, c: f.listing("payment_intent", "/v1/payment_intents", p, customer=p.str("customer"))),
    ("GET", "/v1/payment_intents/{id}", "payment_intents.retrieve", {"client_secret", "expand"},
     lambda f, i, p, c: _pi(f, i)),
    ("POST", "/v1/payment_intents/{id}", "payment_intents.update",
     {"amount", "currency", "customer", "description", "metadata", "payment_method", "receipt_email", "expand"},
     lambda f, i, p, c: intents.update(f, _pi(f, i), p, c)),
    ("POST", "/v1/payment_intents/{id}/confirm", "payment_intents.confirm",
     {"payment_method", "return_url", "off_session", "receipt_email", "expand"},
     lambda f, i, p, c: intents.confirm(f, _pi(f, i), p, c)),
    ("POST", "/v1/payment_intents/{id}/capture", "payment_intents.capture", {"amount_to_capture", "expand"},
     lambda f, i, p, c: intents.capture(f, _pi(f, i), p, c)),
    ("POST", "/v1/payment_intents/{id}/cancel", "payment_intents.cancel", {"cancellation_reason", "expand"},
     lambda f, i, p, c: intents.cancel(f, _pi(f, i), p, c)),
    ("GET", "/v1/charges", "charges.list", PAGE | {"customer", "payment_intent"},
     lambda f, i, p, c: f.listing("charge", "/v1/charges", p, customer=p.str("customer"),
                                  payment_intent=p.str("payment_intent"))),
    ("GET", "/v1/charges/{id}", "charges.retrieve", {"expand"}, lambda f, i, p, c: f.get("charge", i["id"], "charge")),
    ("POST", "/v1/refunds", "refunds.create", {"payment_intent", "charge", "amount", "reason", "metadata", "expand"},
     lambda f, i, p, c: resources.create_refund(f, p, c)),
    ("GET", "/v1/refunds", "refunds.list", PAGE | {"charge", "payment_intent"},
     lambda f, i, p, c: f.listing("refund", "/v1/refunds", p, charge=p.str("charge"),
                                  payment_intent=p.str("payment_intent"))),
    ("GET", "/v1/refunds/{id}", "refunds.retrieve", {"expand"}, lambda f, i, p, c: f.get("refund", i["id"])),
    ("GET", "/v1/events", "events.list", PAGE | {"type"},
     lambda f, i, p, c: f.listing("event", "/v1/events", p, type=p.str("type"))),
    ("GET", "/v1/events/{id}", "events.retrieve", {"expand"}, lambda f, i, p, c: f.get("event", i["id"])),
    ("POST", "/v1/webhook_endpoints", "webhook_endpoints.create",
     {"url", "enabled_events", "description", "metadata", "api_version", "expand"},
     lambda f, i, p, c: resources.create_endpoint(f, p, c)),
    ("GET", "/v1/webhook_endpoints", "webhook_endpoints.list", PAGE,
     lambda f, i, p, c: f.listing("webhook_endpoint", "/v1/webhook_endpoints", p)),
    ("GET", "/v1/webhook_endpoints/{id}", "webhook_endpoints.retrieve", {"expand"},
     lambda f, i, p, c: _endpoint(f, i)),
    ("POST", "/v1/webhook_endpoints/{id}", "webhook_endpoints.update",
     {"url", "enabled_events", "description", "metadata", "disabled", "expand"},
     lambda f, i, p, c: resources.update_endpoint(f, _endpoint(f, i), p, c)),
    ("DELETE", "/v1/webhook_endpoints/{id}", "webhook_endpoints.delete", set(),
     lambda f, i, p, c: resources.delete_endpoint(f, _endpoint(f, i), p, c)),
]

_KINDS = {"customers": "customer", "payment_methods": "payment_method", "payment_intents": "payment_intent",
          "charges": "charge", "refunds": "refund", "events": "event", "webhook_endpoints": "webhook_endpoint"}


def _returns(name: str) -> tuple[str, bool]:
    resource, action = name.split(".")
    if action == "list_payment_methods":
        return "payment_method", True
    return _KINDS[resource], action == "list"


# Each family module (products, …) declares its ROUTES with `route()` and the fields it lets `expand[]` open.
FAMILIES = (products, checkout)
for _family in FAMILIES:
    EXPANDABLE.update(_family.EXPANDABLE)
ROUTES = [route(m, path, name, allowed, run, _returns(name)) for m, path, name, allowed, run in _TABLE] + \
    [r for family in FAMILIES for r in family.ROUTES]


def find(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        if candidate.method == method:
            match = candidate.pattern.match(path)
            if match:
                return candidate, match.groupdict()
    return None

