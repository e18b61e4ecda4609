"""Payment Links: a lasting URL (`{base_url}/b/{id}`, Stripe's buy.stripe.com) for fixed line items; each
visit opens a new Checkout Session carrying `payment_link`, in mode subscription when a price recurs.

Create (line_items by price with quantity, metadata, after_completion, active, inactive_message,
customer_creation), retrieve, update (active, metadata, after_completion, inactive_message), list
(`active`), and their line items.
"""

from __future__ import annotations

from typing import Any

from . import checkout, checkout_objects
from .errors import invalid
from .nested import Nested
from .params import Params
from .routes_base import PAGE, route
from .world import Call, StripeFake

KIND = "payment_link"
UPDATE = {"active", "metadata", "after_completion", "inactive_message", "expand"}
CREATE = UPDATE | {"line_items", "customer_creation"}
INACTIVE = "This link is no longer active. Contact the seller for a new one."  # wording unconfirmed


def _after_completion(p: Params) -> dict[str, Any]:
    after = Nested(p.raw.get("after_completion"), {"type", "redirect", "hosted_confirmation"}, "after_completion")
    kind = after.str("type", required=True, choices=("hosted_confirmation", "redirect"))
    if kind == "redirect":
        redirect = after.nested("redirect", {"url"})
        url = redirect.str("url", required=True)
        checkout._url(redirect.p, redirect.name("url"))
        return {"redirect": {"url": url}, "type": "redirect"}
    confirmation = after.nested("hosted_confirmation", {"custom_message"})
    return {"hosted_confirmation": {"custom_message": confirmation.str("custom_message")},
            "type": "hosted_confirmation"}


def create(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    raw_items = p.list("line_items")
    if not raw_items:
        raise invalid("Missing required param: line_items.", "parameter_missing", "line_items")
    if len(raw_items) > 20:  # "up to 20" (Stripe's API reference); wording unconfirmed
        raise invalid("You can only pass up to 20 line items.", param="line_items")
    items = checkout.build_items(fake, raw_items, [], allowed={"price", "quantity", "adjustable_quantity"})
    mode = "subscription" if any(i["price"]["recurring"] for i in items) else "payment"
    currency = checkout.check_items(items, mode)
    after = _after_completion(p) if "after_completion" in p else {
        "hosted_confirmation": {"custom_message": None}, "type": "hosted_confirmation"}
    plid = fake.new_id("plink")
    link = checkout_objects.payment_link(plid, {
        "active": p.bool("active") if "active" in p else True, "after_completion": after, "currency": currency,
        "customer_creation": p.str("customer_creation", choices=("always", "if_required")) or "if_required",
        "inactive_message": p.str("inactive_message"), "metadata": p.metadata(), "url": f"{fake.base_url}/b/{plid}"})
    fake.add(link)
    fake.attached[plid] = {"items": items}
    fake.emit("payment_link.created", link, call)
    return link


def update(fake: StripeFake, link: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "active" in p:
        changes["active"] = p.bool("active")
    if "inactive_message" in p:
        changes["inactive_message"] = p.str("inactive_message") or None
    if "after_completion" in p:
        changes["after_completion"] = _after_completion(p)
    if "metadata" in p:
        changes["metadata"] = p.merged_metadata(link["metadata"])
    previous = {name: link[name] for name in changes}
    link.update(changes)
    fake.emit("payment_link.updated", link, call, previous)
    return link


def open_from_link(fake: StripeFake, plid: str, call: Call) -> tuple[dict[str, Any] | None, str]:
    """A visit to the link's URL: a new open session for its items, or why there is none."""
    link = fake.objects.get(plid)
    if link is None or link["object"] != KIND:
        return None, "The link you followed does not exist."
    if not link["active"]:
        return None, link["inactive_message"] or INACTIVE
    items = [checkout_objects.item(fake.new_id("li"), i["price"], i["description"], i["quantity"], None)
             for i in fake.attached[plid]["items"]]
    mode = "subscription" if any(i["price"]["recurring"] for i in items) else "payment"
    after = link["after_completion"]
    success = after["redirect"]["url"] if after["type"] == "redirect" else None
    fields = {"mode": mode, "ui_mode": "hosted_page", "success_url": success, "cancel_url": None,
              "customer": None, "customer_email": None, "client_reference_id": None,
              "customer_creation": link["customer_creation"] if mode == "payment" else None,
              "metadata": dict(link["metadata"]),  # the link's metadata travels to its sessions (assumed)
              "payment_link": plid, "expires_at": fake.now() + checkout.MAX_LIFETIME}
    mode_data = {"metadata": {}, "description": None, "receipt_email": None, "trial_period_days": None}
    return checkout.open_session(fake, fields, items, link["currency"], mode_data, [], call), ""


def _link(fake: StripeFake, ids: dict[str, str]) -> dict[str, Any]:
    return fake.get(KIND, ids["id"], "payment_link")


def _list(fake: StripeFake, p: Params) -> dict[str, Any]:
    return fake.listing(KIND, "/v1/payment_links", p, active=p.bool("active") if "active" in p else None)


ROUTES = [
    route("POST", "/v1/payment_links", "payment_links.create", CREATE, lambda f, i, p, c: create(f, p, c),
          (KIND, False)),
    route("GET", "/v1/payment_links", "payment_links.list", PAGE | {"active"}, lambda f, i, p, c: _list(f, p),
          (KIND, True)),
    route("GET", "/v1/payment_links/{id}", "payment_links.retrieve", {"expand"}, lambda f, i, p, c: _link(f, i),
          (KIND, False)),
    route("POST", "/v1/payment_links/{id}", "payment_links.update", UPDATE,
          lambda f, i, p, c: update(f, _link(f, i), p, c), (KIND, False)),
    route("GET", "/v1/payment_links/{id}/line_items", "payment_links.list_line_items", PAGE,
          lambda f, i, p, c: checkout.page_items(f, f.attached[_link(f, i)["id"]]["items"],
                                                 f"/v1/payment_links/{i['id']}/line_items", p), ("item", True)),
]
EXPANDABLE = {KIND: {"application": None, "on_behalf_of": None}}
