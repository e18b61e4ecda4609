"""Test clocks (/v1/test_helpers/test_clocks): a frozen time that customers created on it live by.

Advancing answers `advancing` at once; the renewals, invoices and events of the clock's subscriptions then
happen (here synchronously, after the answer is formed), each at the moment it fell due, and the clock is
`ready` at its new time. Advancing one clock moves nothing of another's, nor of the lab clock's.
"""

from __future__ import annotations

import copy
from typing import Any

from . import billing, billing_objects, resources
from .errors import invalid
from .params import Params
from .routes_base import PAGE, route
from .world import Call, StripeFake

KIND = "test_helpers.test_clock"
# docs.stripe.com/billing/testing/test-clocks/api-advanced-usage, "Limitations" (numbers unconfirmed here)
CUSTOMERS_PER_CLOCK = 3
SUBSCRIPTIONS_PER_CUSTOMER = 3
# Stripe's words, quoted in stream-labs/sl-payments-assignment's README from a live answer
TOO_FAR = ("The frozen time of this clock is {now} ({now_shown}). You can only advance it up to {limit} "
           "({limit_shown}). You can only advance a test clock up to two intervals from the current frozen time at "
           "a time, based on the shortest subscription interval in the test clock. For example, if a test clock has a "
           "monthly and yearly subscription, you may only advance up to two months at a time. If the test clock has "
           "no subscriptions or subscription schedules, you can advance up to 2 years from the current frozen time.")
BACKWARDS = "The frozen_time must be after the test clock's current frozen time ({now})."  # wording unconfirmed
BUSY = "The test clock {id} is advancing; wait until its status is `ready`."  # wording unconfirmed
FULL = ("The test clock {id} already has the maximum of {n} customers.")  # wording unconfirmed
SUBS_FULL = ("The customer {id} is on a test clock and already has the maximum of {n} subscriptions.")  # unconfirmed


def _clock(fake: StripeFake, clock_id: str, param: str = "id") -> dict[str, Any]:
    return fake.get(KIND, clock_id, param, label="test_clock")


def create(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    frozen = p.int("frozen_time", required=True)
    name = p.str("name")
    if name is not None and len(name) > 300:  # the API reference: "Max length: 300"
        raise invalid(f"Invalid string: {name[:10]}...{name[-10:]}; must be at most 300 characters", param="name")
    clock = fake.add(billing_objects.test_clock(fake.new_id("clock"), fake.now(), frozen, name))
    fake.emit(f"{KIND}.created", clock, call)
    return clock


def _clock_customers(fake: StripeFake, clock_id: str) -> list[dict[str, Any]]:
    return [o for o in list(fake.objects.values()) if o["object"] == "customer" and o["test_clock"] == clock_id]


def _limit(fake: StripeFake, clock: dict[str, Any]) -> int:
    """Two intervals of the shortest live subscription on the clock; two years without one."""
    frozen, limits = clock["frozen_time"], []
    for sub in billing._subscriptions(fake, clock["id"]):
        for item in sub["items"]["data"]:
            recurring = item["price"]["recurring"]
            limits.append(billing.shift(frozen, recurring["interval"], 2 * recurring["interval_count"]))
    return min(limits, default=billing.shift(frozen, "year", 2))


def advance(fake: StripeFake, clock: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    target = p.int("frozen_time", required=True)
    if clock["status"] == "advancing":
        raise invalid(BUSY.format(id=clock["id"]))
    now = clock["frozen_time"]
    if target <= now:
        raise invalid(BACKWARDS.format(now=now), param="frozen_time")
    limit = _limit(fake, clock)
    if target > limit:
        raise invalid(TOO_FAR.format(now=now, now_shown=billing.shown(now), limit=limit,
                                     limit_shown=billing.shown(limit)), param="frozen_time")
    clock["status"] = "advancing"
    fake.emit(f"{KIND}.advancing", clock, call)
    answer = copy.deepcopy(clock)  # Stripe answers before the clock's objects move
    try:
        billing.run_due(fake, clock["id"], target)
    except Exception:  # a bug of ours leaves the clock as Stripe leaves one it could not advance
        clock["status"] = "internal_failure"
        return answer
    clock.update(frozen_time=target, status="ready")
    with billing.at(fake, target):
        fake.emit(f"{KIND}.ready", clock, billing.AUTOMATIC)
    return answer


def delete(fake: StripeFake, clock: dict[str, Any], call: Call) -> dict[str, Any]:
    """The clock goes, and its customers with everything of theirs."""
    customers = {c["id"] for c in _clock_customers(fake, clock["id"])}
    gone: set[str] = set()
    for obj in list(fake.objects.values()):
        owner = obj["id"] if obj["object"] == "customer" else obj.get("customer")
        if owner in customers and obj["object"] != "event":
            fake.remove(obj["id"])
            gone.add(obj["id"])
    for obj in list(fake.objects.values()):  # an invoice's payments name only the invoice
        if obj["object"] == "invoice_payment" and obj["invoice"] in gone:
            fake.remove(obj["id"])
    fake.remove(clock["id"])
    fake.emit(f"{KIND}.deleted", clock, call)
    billing.touched(fake)
    return {"id": clock["id"], "object": KIND, "deleted": True}


def create_customer(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    """customers.create with `test_clock`: the customer lives on that clock's time from its creation."""
    clock_id = p.str("test_clock")
    if not clock_id:
        return resources.create_customer(fake, p, call)
    clock = _clock(fake, clock_id, "test_clock")
    if len(_clock_customers(fake, clock_id)) >= CUSTOMERS_PER_CLOCK:
        raise invalid(FULL.format(id=clock_id, n=CUSTOMERS_PER_CLOCK), param="test_clock")
    with billing.at(fake, clock["frozen_time"]):
        return resources.create_customer(fake, p, call, test_clock=clock_id)


def check_room(fake: StripeFake, customer: dict[str, Any]) -> None:
    if not customer["test_clock"]:
        return
    live = [s for s in billing._subscriptions(fake, customer["test_clock"]) if s["customer"] == customer["id"]]
    if len(live) >= SUBSCRIPTIONS_PER_CUSTOMER:
        raise invalid(SUBS_FULL.format(id=customer["id"], n=SUBSCRIPTIONS_PER_CUSTOMER), param="customer")


ROUTES = [
    route("POST", "/v1/test_helpers/test_clocks", "test_clocks.create", {"frozen_time", "name", "expand"},
          lambda f, i, p, c: create(f, p, c), (KIND, False)),
    route("GET", "/v1/test_helpers/test_clocks", "test_clocks.list", PAGE,
          lambda f, i, p, c: f.listing(KIND, "/v1/test_helpers/test_clocks", p), (KIND, True)),
    route("GET", "/v1/test_helpers/test_clocks/{id}", "test_clocks.retrieve", {"expand"},
          lambda f, i, p, c: _clock(f, i["id"]), (KIND, False)),
    route("DELETE", "/v1/test_helpers/test_clocks/{id}", "test_clocks.delete", set(),
          lambda f, i, p, c: delete(f, _clock(f, i["id"]), c), (KIND, False)),
    route("POST", "/v1/test_helpers/test_clocks/{id}/advance", "test_clocks.advance", {"frozen_time", "expand"},
          lambda f, i, p, c: advance(f, _clock(f, i["id"]), p, c), (KIND, False)),
]
EXPANDABLE: dict[str, dict[str, str | None]] = {KIND: {}}
