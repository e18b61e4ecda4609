"""Checkout Sessions: a page Stripe hosts where a buyer pays for line items (mode `payment`), saves a card
(`setup`) or subscribes (`subscription`).

A session is `open` until it is paid (`complete`, `checkout.session.completed`) or it expires: by
`expire`, or when the lab clock passes `expires_at` (default 24 h after creation), applied whenever the
fake catches up with its clock (the webhook pump, any checkout call, the hosted page). Paying runs the
same machinery as everywhere: mode payment creates and confirms a PaymentIntent (`intents`), so test
cards decline and ask for 3-D Secure as they do elsewhere. Cards are never asynchronous, so
`checkout.session.async_payment_succeeded`/`_failed` are never emitted (Stripe sends them only for
delayed methods such as bank debits).

The page itself is `hosted_page.py`; scripts complete a session through `/_lab/checkout/sessions/{id}/complete`.
"""

from __future__ import annotations

import heapq
from typing import Any

from . import checkout_objects, intents, objects, products, resources
from .cards import AUTHENTICATION_FAILED
from .errors import StripeError, invalid
from .nested import Nested
from .params import Params
from .routes_base import PAGE, route
from .world import CLOCK_HOOKS, Call, StripeFake

KIND = "checkout.session"
MODES = ("payment", "setup", "subscription")
UI_MODES = ("hosted_page", "embedded_page", "elements", "form")  # the names since 2026-03-25.dahlia
MIN_LIFETIME, MAX_LIFETIME = 30 * 60, 24 * 3600  # "anywhere from 30 minutes to 24 hours after creation"
MAX_ITEMS = {"payment": 100, "subscription": 20}  # subscription: 20 recurring and 20 one-time (Stripe's docs)
MAX_QUANTITY = 999_999  # adjustable_quantity's ceiling in Stripe's docs; assumed for a fixed quantity too
MAX_TRIAL_DAYS = 730
TEMPLATE = "{CHECKOUT_SESSION_ID}"
CREATE = {"mode", "line_items", "success_url", "cancel_url", "return_url", "ui_mode", "customer", "customer_email",
          "customer_creation", "client_reference_id", "metadata", "payment_intent_data", "setup_intent_data",
          "subscription_data", "expires_at", "currency", "payment_method_types", "expand"}
LINE_ITEM = {"price", "price_data", "quantity", "metadata"}
PRICE_DATA = {"currency", "product", "product_data", "unit_amount", "unit_amount_decimal", "recurring",
              "tax_behavior"}
PRODUCT_DATA = {"name", "description", "images", "metadata", "tax_code", "unit_label"}
PI_FIELDS = frozenset({"amount", "currency", "customer", "description", "metadata", "payment_method",
                       "payment_method_types", "confirm", "return_url", "receipt_email"})
ONE_OF = "You may only specify one of these parameters: {}, {}."
NOT_OPEN = ('Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status '
            'of `{}`.')  # Stripe's words (Sylius/PayumStripePlugin#70)
RECURRING_IN_PAYMENT = ("You specified `payment` mode but passed a recurring price. Either switch to `subscription` "
                        "mode or use only one-time prices.")  # Stripe's words, as quoted in public notes
NO_RECURRING = "You must provide at least one recurring price in `subscription` mode when using prices."
QUANTITY_REQUIRED = "Quantity is required. Add `quantity` to `line_items[{}]`"  # Stripe's words
INACTIVE_PRICE = "The price specified is inactive. This field only accepts active prices."  # Stripe's words
ROUTE_PREFIX = "/v1/checkout/sessions"


# line items ----------------------------------------------------------------------------------------
def _price_from_data(fake: StripeFake, data: Nested, index: int, created: list[dict]) -> dict[str, Any]:
    """price_data: an inline Price (and Product, from product_data), kept once the session is created."""
    prefix = data.prefix
    if ("product" in data) == ("product_data" in data):  # wording unconfirmed
        raise invalid(f"You must specify either `product` or `product_data` in `{prefix}`.", param=prefix)
    if "product" in data:
        product = fake.get("product", data.str("product"), data.name("product"))
    else:
        product_data = data.nested("product_data", PRODUCT_DATA)
        name = product_data.str("name", required=True) or ""
        if not name.strip():
            raise invalid(products.NOT_UNSET.format(name=product_data.name("name")), param=product_data.name("name"))
        product = objects.product(fake.new_id("prod")[:19], fake.now(), {
            "name": name, "description": product_data.str("description"),
            "metadata": product_data.metadata(), "unit_label": product_data.str("unit_label")})
        created.append(product)
    raw = {k[len(prefix) + 1:-1]: v for k, v in data.p.raw.items()}
    raw = {k: v for k, v in raw.items() if k not in ("product", "product_data")}
    price = products._new_price(fake, Params(raw, frozenset(PRICE_DATA)), product["id"], prefix=prefix)
    created.append(price)
    return price


def build_items(fake: StripeFake, raw_items: list[Any], created: list[dict], prefix: str = "line_items",
                allowed: set[str] = LINE_ITEM) -> list[dict[str, Any]]:
    """`item` objects for the given line items, refusing in Stripe's words before anything is kept;
    inline prices and products land in `created` for the caller to keep."""
    items = []
    for index, raw in enumerate(raw_items):
        line = Nested(raw, allowed, f"{prefix}[{index}]")
        if ("price" in line) == ("price_data" in line):  # wording unconfirmed
            raise invalid(f"You must specify either `price` or `price_data` in `{line.prefix}`.", param=line.prefix)
        if "price" in line:
            price = fake.get("price", line.str("price"), line.name("price"))
            if not price["active"]:
                raise invalid(INACTIVE_PRICE, param=line.name("price"))
        else:
            price = _price_from_data(fake, line.nested("price_data", PRICE_DATA), index, created)
        if "quantity" not in line:
            raise invalid(QUANTITY_REQUIRED.format(index), param=line.prefix)
        quantity = line.int("quantity")
        if quantity < 1:
            raise invalid("This value must be greater than or equal to 1.", "parameter_invalid_integer",
                          line.name("quantity"))
        if quantity > MAX_QUANTITY:  # wording as Stripe's integer bounds; the limit is assumed
            raise invalid(f"This value must be less than or equal to {MAX_QUANTITY}.", "parameter_invalid_integer",
                          line.name("quantity"))
        product = fake.objects.get(price["product"]) or next((o for o in created if o["id"] == price["product"]), {})
        items.append(checkout_objects.item(fake.new_id("li"), price, product.get("name", ""), quantity,
                                           line.metadata() if "metadata" in line else None))
    return items


def check_items(items: list[dict[str, Any]], mode: str) -> str:
    """Stripe's rules on a session's prices; answers their one currency."""
    recurring = [i for i in items if i["price"]["recurring"]]
    if mode == "payment" and recurring:
        raise invalid(RECURRING_IN_PAYMENT)
    if mode == "subscription" and not recurring:
        raise invalid(NO_RECURRING)
    if mode == "payment" and len(items) > MAX_ITEMS["payment"]:  # wording unconfirmed; the limit is Stripe's
        raise invalid(f"You can only pass up to {MAX_ITEMS['payment']} line items in `payment` mode.",
                      param="line_items")
    if mode == "subscription" and max(len(recurring), len(items) - len(recurring)) > MAX_ITEMS["subscription"]:
        raise invalid("You can only pass up to 20 line items with recurring prices and 20 with one-time prices in "
                      "`subscription` mode.", param="line_items")  # wording unconfirmed; the limit is Stripe's
    currencies = {i["currency"] for i in items}
    if len(currencies) > 1:  # wording unconfirmed
        raise invalid("All line items must have the same currency: a Checkout Session is paid in one currency.",
                      param="line_items")
    total = sum(i["amount_total"] for i in items)
    if total > intents.MAXIMUM:  # wording unconfirmed; Stripe's amounts have at most eight digits
        raise invalid(f"The Checkout Session's total amount must be no more than {intents.MAXIMUM}.",
                      "amount_too_large", "line_items")
    currency = currencies.pop()
    low = intents.MINIMUM.get(currency)
    if mode == "payment" and low and total < low[1]:  # wording unconfirmed
        raise invalid(f"The Checkout Session's total amount due must add up to at least {low[0]}", "amount_too_small")
    return currency


# create ---------------------------------------------------------------------------------------------
def _url(p: Params, name: str) -> str | None:
    value = p.str(name)
    if value is None:
        return None
    try:
        resources._check_url(value.replace(TEMPLATE, "x"))
    except StripeError:
        raise invalid("Not a valid URL", "url_invalid", name) from None  # wording unconfirmed
    return value


def _urls(p: Params, ui_mode: str) -> dict[str, Any]:
    if ui_mode == "hosted_page":
        if "return_url" in p:  # wording unconfirmed
            raise invalid("`return_url` is only supported with `ui_mode: embedded_page` or `ui_mode: elements`.",
                          param="return_url")
        # required for a hosted page (stripe/stripe-node#1944, a Stripe engineer; still so as far as found)
        p.str("success_url", required=True)
        return {"success_url": _url(p, "success_url"), "cancel_url": _url(p, "cancel_url")}
    refused = [name for name in ("cancel_url", "success_url") if name in p]
    if refused:  # Stripe's words with the older ui_mode names (laravel/cashier-stripe#1815)
        raise invalid(f"The following parameters are not supported with 'ui_mode: {ui_mode}': {', '.join(refused)}.")
    return {"return_url": _url(p, "return_url")}


def _lifetime(fake: StripeFake, p: Params) -> int:
    now = fake.now()
    expires_at = p.int("expires_at")
    if expires_at is None:
        return now + MAX_LIFETIME
    if expires_at > now + MAX_LIFETIME:  # wording unconfirmed; the range is Stripe's
        raise invalid("The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
                      param="expires_at")
    if expires_at < now + MIN_LIFETIME:  # wording unconfirmed
        raise invalid("The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                      param="expires_at")
    return expires_at


def _mode_data(p: Params, mode: str) -> dict[str, Any]:
    """payment_intent_data, setup_intent_data, subscription_data: each only in its mode."""
    own = {"payment": "payment_intent_data", "setup": "setup_intent_data", "subscription": "subscription_data"}
    for other_mode, name in own.items():
        if name in p and other_mode != mode:  # wording unconfirmed
            raise invalid(f"You can not pass `{name}` in `{mode}` mode.", param=name)
    if mode == "payment":
        data = Nested(p.raw.get("payment_intent_data"), {"metadata", "description", "receipt_email"},
                      "payment_intent_data")
        return {"metadata": data.metadata(), "description": data.str("description"),
                "receipt_email": data.str("receipt_email")}
    if mode == "setup":
        data = Nested(p.raw.get("setup_intent_data"), {"metadata", "description"}, "setup_intent_data")
        return {"metadata": data.metadata(), "description": data.str("description")}
    data = Nested(p.raw.get("subscription_data"), {"metadata", "description", "trial_period_days"},
                  "subscription_data")
    trial = data.int("trial_period_days")
    if trial is not None and not 1 <= trial <= MAX_TRIAL_DAYS:  # the bounds are Stripe's; wording unconfirmed
        raise invalid(f"Trial period days must be between 1 and {MAX_TRIAL_DAYS}.",
                      param="subscription_data[trial_period_days]")
    return {"metadata": data.metadata(), "description": data.str("description"), "trial_period_days": trial}


def _customer_fields(fake: StripeFake, p: Params, mode: str) -> dict[str, Any]:
    for a, b in (("customer", "customer_email"), ("customer", "customer_creation")):
        if a in p and b in p:
            raise invalid(ONE_OF.format(a, b))
    creation = p.str("customer_creation", choices=("always", "if_required"))
    if creation and mode == "subscription":  # wording unconfirmed; the rule is Stripe's
        raise invalid("`customer_creation` can only be used in `payment` and `setup` mode.", param="customer_creation")
    customer = fake.get("customer", p.str("customer"), "customer")["id"] if "customer" in p else None
    if customer is None and mode != "subscription":
        creation = creation or "if_required"  # what Stripe shows when it was not given (assumed)
    return {"customer": customer, "customer_email": p.str("customer_email"), "customer_creation": creation}


def create(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    fake.catch_up()
    mode = p.str("mode", required=True, choices=MODES)
    ui_mode = p.str("ui_mode", choices=UI_MODES) or "hosted_page"
    fields = {"mode": mode, "ui_mode": ui_mode, **_urls(p, ui_mode), **_customer_fields(fake, p, mode),
              "client_reference_id": p.str("client_reference_id"), "metadata": p.metadata(),
              "expires_at": _lifetime(fake, p)}
    if "client_reference_id" in p and not 1 <= len(fields["client_reference_id"]) <= 200:  # Stripe's bound
        raise invalid("Invalid string: client_reference_id must be at most 200 characters",  # wording unconfirmed
                      param="client_reference_id")
    types = p.strings("payment_method_types")
    if any(t != "card" for t in types):  # the lab's Stripe takes cards only
        raise invalid(f"The payment method type provided: {next(t for t in types if t != 'card')} is invalid. "
                      "The lab's Stripe takes `card` only.", param="payment_method_types")
    mode_data = _mode_data(p, mode)
    created: list[dict] = []
    raw_items = p.list("line_items")
    if mode == "setup":
        if raw_items:  # wording unconfirmed
            raise invalid("You cannot pass `line_items` in `setup` mode.", param="line_items")
        items, currency = [], (p.str("currency") or "").lower() or None
    else:
        if not raw_items:  # wording unconfirmed
            raise invalid(f"`line_items` is required in `{mode}` mode.", "parameter_missing", "line_items")
        items = build_items(fake, raw_items, created)
        currency = check_items(items, mode)
    return open_session(fake, fields, items, currency, mode_data, created, call)


def open_session(fake: StripeFake, fields: dict[str, Any], items: list[dict], currency: str | None,
                 mode_data: dict[str, Any], created: list[dict], call: Call) -> dict[str, Any]:
    """Keep a checked session (from create, or from a Payment Link being opened)."""
    csid = fake.ids.token("cs_test_a1", 56)  # Stripe's ids are this long
    subtotal = sum(i["amount_subtotal"] for i in items) if items else None
    trial = mode_data.get("trial_period_days")
    total = 0 if trial else subtotal  # a trial: nothing is due today
    session = checkout_objects.session(csid, fake.now(), {
        **fields, "currency": currency, "amount_subtotal": total, "amount_total": total,
        "url": f"{fake.base_url}/c/pay/{csid}" if fields["ui_mode"] == "hosted_page" else None,
        "client_secret": None if fields["ui_mode"] == "hosted_page" else f"{csid}_secret_{fake.ids.token('', 24)}"})
    for obj in created:
        fake.add(obj)
    fake.add(session)
    fake.attached[csid] = {"items": items, "mode_data": mode_data, "subtotal": subtotal}
    _schedule(fake, session)
    return session


# expiry ---------------------------------------------------------------------------------------------
_HEAP = "checkout.session:expiry"  # in fake.attached: (expires_at, id) of sessions that may still be open


def _schedule(fake: StripeFake, session: dict[str, Any]) -> None:
    heap = fake.attached.setdefault(_HEAP, [])
    heapq.heappush(heap, (session["expires_at"], session["id"]))
    if len(heap) > 4 * fake.store.history:  # evicted sessions' entries: rebuild from what is kept
        index = fake.store.indexes.get(KIND)
        live = [fake.objects[i] for i in index.newer_first()] if index else []
        heap[:] = [(s["expires_at"], s["id"]) for s in live if s["status"] == "open"]
        heapq.heapify(heap)


def expire_due(fake: StripeFake) -> None:
    """Every open session whose expires_at the lab clock has reached expires, oldest deadline first."""
    heap = fake.attached.get(_HEAP)
    now = fake.now()
    while heap and heap[0][0] <= now:
        _, csid = heapq.heappop(heap)
        session = fake.objects.get(csid)
        if session is not None and session["status"] == "open":
            _expire(fake, session, Call())  # Stripe's own doing: no request behind the event


CLOCK_HOOKS.append(expire_due)


def _expire(fake: StripeFake, session: dict[str, Any], call: Call) -> dict[str, Any]:
    pi = fake.objects.get(session["payment_intent"] or "")
    if pi is not None and pi["status"] in intents.CANCELABLE:  # an attempt that never succeeded is called off
        intents.cancel(fake, pi, Params({}, frozenset()), call)
    session.update(status="expired", url=None)  # url: null once the session is no longer open (assumed)
    fake.emit("checkout.session.expired", session, call)
    return session


def expire(fake: StripeFake, session: dict[str, Any], call: Call) -> dict[str, Any]:
    if session["status"] != "open":
        raise invalid(NOT_OPEN.format(session["status"]))
    return _expire(fake, session, call)


# paying ---------------------------------------------------------------------------------------------
def return_url(fake: StripeFake, session: dict[str, Any]) -> str:
    """Where the 3-D Secure page sends the buyer back to: the hosted page finishes the payment."""
    return f"{fake.base_url}/c/pay/{session['id']}/return"


def attempt(fake: StripeFake, session: dict[str, Any], pm_id: str, call: Call,
            email: str | None = None) -> dict[str, Any] | None:
    """The buyer pays with `pm_id`: the session completes (None), or a PaymentIntent awaits 3-D Secure
    (returned); a decline raises Stripe's 402 card_error and leaves the session open."""
    if session["status"] != "open":
        raise invalid(f"This Checkout Session is no longer open: its status is `{session['status']}`.",
                      "checkout_not_active_session")  # wording unconfirmed; the code is Stripe's
    if session["mode"] == "payment":
        pi = _confirm_payment(fake, session, pm_id, call)
        if pi["status"] == "requires_action":
            return pi
        finish(fake, session, call, email)
        return None
    state = fake.attached[session["id"]]
    customer = _customer(fake, session, call, email, always=session["mode"] == "subscription")
    if session["mode"] == "setup":
        from . import setup_intents  # written beside this module by another change

        si = setup_intents.setup_for_checkout(fake, customer, pm_id, call, state["mode_data"]["metadata"])
        session["setup_intent"] = si["id"]
    else:
        from . import subscriptions  # written beside this module by another change

        items = [(i["price"]["id"], i["quantity"]) for i in state["items"]]
        sub = subscriptions.create_from_checkout(fake, customer, items, pm_id, call, state["mode_data"]["metadata"],
                                                 state["mode_data"]["trial_period_days"])
        invoice = sub.get("latest_invoice")
        session.update(subscription=sub["id"], invoice=invoice.get("id") if isinstance(invoice, dict) else invoice)
    finish(fake, session, call, email, customer)
    return None


def _confirm_payment(fake: StripeFake, session: dict[str, Any], pm_id: str, call: Call) -> dict[str, Any]:
    """The session's PaymentIntent, created at the first attempt and confirmed again at each retry."""
    data = fake.attached[session["id"]]["mode_data"]
    pi = fake.objects.get(session["payment_intent"] or "")
    back = return_url(fake, session)
    try:
        if pi is None or pi["status"] == "canceled":
            raw = {"amount": str(session["amount_total"]), "currency": session["currency"],
                   "payment_method_types": ["card"], "payment_method": pm_id, "confirm": "true", "return_url": back,
                   "metadata": data["metadata"]}
            raw.update({k: data[k] for k in ("description", "receipt_email") if data[k]})
            if session["customer"]:
                raw["customer"] = session["customer"]
            pi = intents.create(fake, Params(raw, PI_FIELDS), call)
        else:
            pi = intents.confirm(fake, pi, Params({"payment_method": pm_id, "return_url": back}, PI_FIELDS), call)
    except StripeError as error:
        declined = error.extra.get("payment_intent")
        if declined:
            session["payment_intent"] = declined["id"]
        raise
    session["payment_intent"] = pi["id"]
    return pi


def after_authentication(fake: StripeFake, session: dict[str, Any], call: Call, email: str | None = None) -> None:
    """The buyer is back from 3-D Secure: complete the session, or raise the failure as a card_error."""
    pi = fake.get("payment_intent", session["payment_intent"], "payment_intent")
    if pi["status"] in ("succeeded", "requires_capture"):
        if session["status"] == "open":
            finish(fake, session, call, email)
        return
    error = pi["last_payment_error"] or {"message": AUTHENTICATION_FAILED,
                                         "code": "payment_intent_authentication_failure"}
    raise StripeError(402, "card_error", error["message"], error.get("code"), error.get("param"),
                      decline_code=error.get("decline_code"), payment_intent=pi)


def _customer(fake: StripeFake, session: dict[str, Any], call: Call, email: str | None, always: bool) -> str | None:
    if session["customer"]:
        return session["customer"]
    if always or session["customer_creation"] == "always":
        email = email or session["customer_email"]
        customer = resources.create_customer(fake, Params({"email": email} if email else {}, frozenset({"email"})),
                                             call)
        return customer["id"]
    return None


def finish(fake: StripeFake, session: dict[str, Any], call: Call, email: str | None = None,
           customer: str | None = None) -> dict[str, Any]:
    if session["mode"] == "payment":
        customer = _customer(fake, session, call, email, always=False)
        pi = fake.objects.get(session["payment_intent"] or "")
        if pi is not None and customer and not pi["customer"]:
            pi["customer"] = customer
        paid = "paid"
    elif session["mode"] == "setup":
        paid = "no_payment_required"
    else:
        paid = "no_payment_required" if session["amount_total"] == 0 else "paid"
    shown = email or session["customer_email"] or (fake.objects.get(customer or "") or {}).get("email")
    session.update(status="complete", payment_status=paid, customer=customer, url=None,
                   customer_details=checkout_objects.customer_details(shown))
    fake.emit("checkout.session.completed", session, call)
    return session


def complete_for_script(fake: StripeFake, session: dict[str, Any], pm_id: str, call: Call, email: str | None,
                        three_d_secure: str) -> dict[str, Any]:
    """`POST /_lab/checkout/sessions/{id}/complete`: pay as a buyer would, answering 3-D Secure at once."""
    pi = attempt(fake, session, pm_id, call, email)
    if pi is not None:
        intents.authenticate(fake, pi, three_d_secure == "succeed", call)
        after_authentication(fake, session, call, email)
    return session


# the API ---------------------------------------------------------------------------------------------
def _session(fake: StripeFake, ids: dict[str, str]) -> dict[str, Any]:
    fake.catch_up()
    return fake.get(KIND, ids["id"], "session")


def update(fake: StripeFake, session: dict[str, Any], p: Params) -> dict[str, Any]:
    if "metadata" in p:
        session["metadata"] = p.merged_metadata(session["metadata"])
    return session


def _list(fake: StripeFake, p: Params) -> dict[str, Any]:
    fake.catch_up()
    email = Nested(p.raw.get("customer_details"), {"email"}, "customer_details").str("email")
    return fake.listing(KIND, ROUTE_PREFIX, p, customer=p.str("customer"), payment_intent=p.str("payment_intent"),
                        payment_link=p.str("payment_link"), subscription=p.str("subscription"),
                        status=p.str("status", choices=("complete", "expired", "open")),
                        where=(lambda s: (s["customer_details"] or {}).get("email") == email) if email else None)


def page_items(fake: StripeFake, items: list[dict[str, Any]], url: str, p: Params) -> dict[str, Any]:
    """A page of line items in their order, with Stripe's limit and cursors."""
    limit = p.int("limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise invalid("This value must be less than or equal to 100." if limit > 100 else
                      "This value must be greater than or equal to 1.", "parameter_invalid_integer", "limit")
    ids = [i["id"] for i in items]
    start, stop = 0, len(items)
    for param in ("starting_after", "ending_before"):
        cursor = p.str(param)
        if cursor:
            if cursor not in ids:
                raise invalid(f"No such item: '{cursor}'", "resource_missing", param, status=404)
            if param == "starting_after":
                start = ids.index(cursor) + 1
            else:
                stop = ids.index(cursor)
    chosen = items[start:stop]
    page = chosen[-limit:] if p.str("ending_before") and not p.str("starting_after") else chosen[:limit]
    return {"object": "list", "data": page, "has_more": len(chosen) > limit, "url": url}


ROUTES = [
    route("POST", ROUTE_PREFIX, "checkout.sessions.create", CREATE, lambda f, i, p, c: create(f, p, c),
          (KIND, False)),
    route("GET", ROUTE_PREFIX, "checkout.sessions.list",
          PAGE | {"customer", "customer_details", "payment_intent", "payment_link", "status", "subscription"},
          lambda f, i, p, c: _list(f, p), (KIND, True)),
    route("GET", ROUTE_PREFIX + "/{id}", "checkout.sessions.retrieve", {"expand"},
          lambda f, i, p, c: _session(f, i), (KIND, False)),
    route("POST", ROUTE_PREFIX + "/{id}", "checkout.sessions.update", {"metadata", "expand"},
          lambda f, i, p, c: update(f, _session(f, i), p), (KIND, False)),
    route("POST", ROUTE_PREFIX + "/{id}/expire", "checkout.sessions.expire", {"expand"},
          lambda f, i, p, c: expire(f, _session(f, i), c), (KIND, False)),
    route("GET", ROUTE_PREFIX + "/{id}/line_items", "checkout.sessions.list_line_items", PAGE,
          lambda f, i, p, c: page_items(f, f.attached[_session(f, i)["id"]]["items"],
                                        f"{ROUTE_PREFIX}/{i['id']}/line_items", p), ("item", True)),
]
EXPANDABLE = {KIND: {"customer": "customer", "payment_intent": "payment_intent", "payment_link": "payment_link",
                     "setup_intent": "setup_intent", "subscription": "subscription", "invoice": "invoice"},
              "item": {}}
