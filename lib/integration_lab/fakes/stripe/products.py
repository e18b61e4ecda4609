"""Products and Prices: what a shop sells, and for how much, once or every interval.

A Price never changes its amount (Stripe's rule: make a new Price and archive the old one); a Product
with prices cannot be deleted, only archived (`active=false`). `default_price_data` and `product_data`
create the other half in the same call. Searchable as Stripe's Search API allows (search.py).
"""

from __future__ import annotations

from typing import Any

from . import objects
from .errors import invalid
from .params import Params
from .routes_base import PAGE, route
from .search import compile_query
from .world import Call, StripeFake

INTERVALS = {"day": 1095, "week": 156, "month": 36, "year": 3}  # interval_count at most three years (Stripe's docs)
PRODUCT_FIELDS = {"active", "description", "images", "marketing_features", "metadata", "name", "package_dimensions",
                  "shippable", "statement_descriptor", "tax_code", "unit_label", "url", "expand"}
PRICE_UPDATE = {"active", "lookup_key", "metadata", "nickname", "tax_behavior", "transfer_lookup_key", "expand"}
PRICE_CREATE = PRICE_UPDATE | {"currency", "product", "product_data", "unit_amount", "unit_amount_decimal",
                               "recurring", "billing_scheme", "custom_unit_amount"}
# Search fields (docs.stripe.com/search#supported-query-fields-for-each-resource)
PRODUCT_SEARCH = {"active": "bool", "description": "text", "metadata": "metadata", "name": "text",
                  "shippable": "bool", "url": "text", "created": "number"}
PRICE_SEARCH = {"active": "bool", "currency": "string", "lookup_key": "string", "metadata": "metadata",
                "product": "string", "type": "string", "created": "number"}
NOT_UNSET = ("You passed an empty string for '{name}'. We assume empty values are an attempt to unset a parameter; "
             "however '{name}' cannot be unset. You should remove '{name}' from your request or supply a non-empty "
             "value.")
HAS_PRICES = "This product cannot be deleted because it has one or more user-created prices."  # wording unconfirmed


def _required_text(p: Params, name: str, param: str | None = None) -> str:
    value = p.str(name, required=True) or ""
    if not value.strip():
        raise invalid(NOT_UNSET.format(name=param or name), param=param or name)
    return value


def _product_fields(p: Params) -> dict[str, Any]:
    fields: dict[str, Any] = {name: p.str(name) or None for name in
                              ("description", "statement_descriptor", "tax_code", "unit_label", "url") if name in p}
    if "name" in p:
        fields["name"] = _required_text(p, "name")
    if "active" in p:
        fields["active"] = p.bool("active")
    if "shippable" in p:
        fields["shippable"] = p.bool("shippable")
    if "images" in p:
        fields["images"] = p.strings("images")[:8]
    if "marketing_features" in p:
        fields["marketing_features"] = [{"name": f.get("name")} for f in p.list("marketing_features")
                                        if isinstance(f, dict)]
    return fields


# Products ----------------------------------------------------------------------------------------------
def create_product(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    name = _required_text(p, "name")
    product_id = p.str("id") or fake.new_id("prod")[:19]
    if product_id in fake.objects:
        raise invalid("Product already exists.", "resource_already_exists", "id")
    price_data = p.dict("default_price_data")
    product = objects.product(product_id, fake.now(), {**_product_fields(p), "name": name,
                                                       "metadata": p.metadata()})
    if price_data:  # checked before anything is kept, so a refused price leaves no product behind
        price = _new_price(fake, Params(price_data, frozenset(
            {"currency", "unit_amount", "unit_amount_decimal", "recurring", "tax_behavior", "metadata"})),
            product_id, prefix="default_price_data")
    fake.add(product)
    fake.emit("product.created", product, call)
    if price_data:
        fake.add(price)
        fake.emit("price.created", price, call)
        product["default_price"] = price["id"]
    return product


def _product(fake: StripeFake, ids: dict[str, str]) -> dict[str, Any]:
    return fake.get("product", ids["id"])


def update_product(fake: StripeFake, product: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    changes = _product_fields(p)
    if "metadata" in p:
        changes["metadata"] = p.merged_metadata(product["metadata"])
    if "default_price" in p:
        price_id = p.str("default_price") or None
        if price_id is not None:
            price = fake.get("price", price_id, "default_price")
            if price["product"] != product["id"]:  # wording unconfirmed
                raise invalid(f"The price `{price_id}` does not belong to this product.", param="default_price")
        changes["default_price"] = price_id
    previous = {name: product[name] for name in changes}
    product.update(changes, updated=fake.now())
    fake.emit("product.updated", product, call, previous)
    return product


def delete_product(fake: StripeFake, product: dict[str, Any], call: Call) -> dict[str, Any]:
    prices, _ = fake.store.page("price", 1, lambda o: o["product"] == product["id"])
    if prices:
        raise invalid(HAS_PRICES)
    fake.remove(product["id"])
    fake.emit("product.deleted", product, call)
    return {"id": product["id"], "object": "product", "deleted": True}


# Prices ------------------------------------------------------------------------------------------------
def _recurring(p: Params, prefix: str) -> dict[str, Any] | None:
    if "recurring" not in p:
        return None
    raw = p.dict("recurring")
    recurring = Params(raw, frozenset({"interval", "interval_count", "usage_type", "trial_period_days", "meter"}))
    interval = recurring.str("interval", required=True, choices=tuple(INTERVALS))
    count = recurring.int("interval_count")
    count = 1 if count is None else count
    if not 1 <= count <= INTERVALS[interval]:  # wording unconfirmed; the limit is Stripe's
        raise invalid("The maximum billing interval is three years (3 years, 36 months, 156 weeks or 1095 days).",
                      param=f"{prefix}[recurring][interval_count]" if prefix else "recurring[interval_count]")
    usage = recurring.str("usage_type", choices=("licensed", "metered")) or "licensed"
    return {"interval": interval, "interval_count": count, "meter": recurring.str("meter"), "usage_type": usage,
            "trial_period_days": recurring.int("trial_period_days")}


def _amount(p: Params, prefix: str) -> tuple[int, str]:
    if "unit_amount_decimal" in p and "unit_amount" not in p:
        decimal = p.str("unit_amount_decimal") or ""
        try:
            cents = float(decimal)
        except ValueError:
            raise invalid(f"Invalid decimal: {decimal}", param="unit_amount_decimal") from None
        if cents < 0 or cents != int(cents):  # the lab keeps money in whole minor units
            raise invalid("The lab's Stripe takes whole minor units only (unit_amount_decimal without a fraction).",
                          param="unit_amount_decimal")
        return int(cents), decimal
    amount = p.int("unit_amount", required=True)
    if amount < 0:
        raise invalid("This value must be greater than or equal to 0.", "parameter_invalid_integer",
                      f"{prefix}[unit_amount]" if prefix else "unit_amount")
    return amount, str(amount)


def _new_price(fake: StripeFake, p: Params, product_id: str, prefix: str = "") -> dict[str, Any]:
    currency = (p.str("currency", required=True) or "").lower()
    if p.str("billing_scheme", choices=("per_unit", "tiered")) == "tiered":
        raise invalid("Tiered prices are not modelled by the lab's Stripe; use billing_scheme=per_unit.",
                      param="billing_scheme")
    recurring = _recurring(p, prefix)
    amount, decimal = _amount(p, prefix)
    return objects.price(fake.new_id("price"), fake.now(), {
        "currency": currency, "product": product_id, "unit_amount": amount, "unit_amount_decimal": decimal,
        "recurring": recurring, "metadata": p.metadata(), "nickname": p.str("nickname"),
        "lookup_key": p.str("lookup_key"), "active": p.bool("active") if "active" in p else True,
        "tax_behavior": p.str("tax_behavior", choices=("exclusive", "inclusive", "unspecified")) or "unspecified"})


def _claim_lookup_key(fake: StripeFake, p: Params, price_id: str | None) -> None:
    key = p.str("lookup_key")
    if not key:
        return
    found, _ = fake.store.page("price", 1, lambda o: o["lookup_key"] == key and o["id"] != price_id)
    if found:
        if not p.bool("transfer_lookup_key"):  # wording unconfirmed
            raise invalid(f"A price (`{found[0]['id']}`) already uses that lookup key.", param="lookup_key")
        found[0]["lookup_key"] = None


def create_price(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    if ("product" in p) == ("product_data" in p):  # wording unconfirmed
        raise invalid("You must specify either `product` or `product_data` when creating a price.")
    product = None
    if "product" in p:
        product_id = fake.get("product", p.str("product"), "product")["id"]
    else:
        data = Params(p.dict("product_data"), frozenset({"name", "active", "metadata", "statement_descriptor",
                                                         "tax_code", "unit_label", "id"}))
        name = _required_text(data, "name", "product_data[name]")
        product = objects.product(data.str("id") or fake.new_id("prod")[:19], fake.now(),
                                  {**_product_fields(data), "name": name, "metadata": data.metadata()})
        product_id = product["id"]
    price = _new_price(fake, p, product_id)
    _claim_lookup_key(fake, p, None)
    if product is not None:
        fake.add(product)
        fake.emit("product.created", product, call)
    fake.add(price)
    fake.emit("price.created", price, call)
    return price


def update_price(fake: StripeFake, price: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "active" in p:
        changes["active"] = p.bool("active")
    if "nickname" in p:
        changes["nickname"] = p.str("nickname") or None
    if "tax_behavior" in p:
        changes["tax_behavior"] = p.str("tax_behavior", choices=("exclusive", "inclusive", "unspecified"))
    if "lookup_key" in p:
        _claim_lookup_key(fake, p, price["id"])
        changes["lookup_key"] = p.str("lookup_key") or None
    if "metadata" in p:
        changes["metadata"] = p.merged_metadata(price["metadata"])
    previous = {name: price[name] for name in changes}
    price.update(changes)
    fake.emit("price.updated", price, call, previous)
    return price


def _price_filters(p: Params):
    recurring = p.dict("recurring")
    lookup_keys = set(p.strings("lookup_keys"))

    def match(price: dict[str, Any]) -> bool:
        if lookup_keys and price["lookup_key"] not in lookup_keys:
            return False
        wanted = price["recurring"] or {}
        return all(wanted.get(k) == v for k, v in recurring.items() if k in ("interval", "usage_type"))
    return match


def _list_prices(fake: StripeFake, p: Params) -> dict[str, Any]:
    active = p.bool("active") if "active" in p else None
    return fake.listing("price", "/v1/prices", p, active=active, currency=p.str("currency"),
                        product=p.str("product"), type=p.str("type", choices=("one_time", "recurring")),
                        where=_price_filters(p))


def _list_products(fake: StripeFake, p: Params) -> dict[str, Any]:
    active = p.bool("active") if "active" in p else None
    shippable = p.bool("shippable") if "shippable" in p else None
    ids, url = set(p.strings("ids")), p.str("url")  # `url` is also listing()'s own argument: filtered here
    return fake.listing("product", "/v1/products", p, active=active, shippable=shippable,
                        where=lambda o: (not ids or o["id"] in ids) and (url is None or o["url"] == url))


def search(fake: StripeFake, kind: str, url: str, fields: dict[str, str], p: Params) -> dict[str, Any]:
    """A page of `search_result`: newest first, `page` is the previous answer's `next_page`."""
    match = compile_query(p.str("query", required=True) or "", fields)
    limit = p.int("limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise invalid("This value must be less than or equal to 100." if limit > 100 else
                      "This value must be greater than or equal to 1.", "parameter_invalid_integer", "limit")
    page = p.str("page")
    after = None
    if page:
        position = page.removeprefix("page_")
        if not position.isdigit():
            raise invalid(f"Invalid page: {page}", param="page")  # wording unconfirmed
        after = int(position)
    found, has_more = fake.store.page(kind, limit, match, after=after)
    next_page = f"page_{fake.store.position(kind, found[-1]['id'])}" if has_more else None
    return {"object": "search_result", "data": found, "has_more": has_more, "next_page": next_page, "url": url}


SEARCH = {"query", "limit", "page", "expand"}
ROUTES = [
    route("POST", "/v1/products", "products.create", PRODUCT_FIELDS | {"id", "default_price_data"},
          lambda f, i, p, c: create_product(f, p, c), ("product", False)),
    route("GET", "/v1/products", "products.list", PAGE | {"active", "ids", "shippable", "url"},
          lambda f, i, p, c: _list_products(f, p), ("product", True)),
    route("GET", "/v1/products/search", "products.search", SEARCH,
          lambda f, i, p, c: search(f, "product", "/v1/products/search", PRODUCT_SEARCH, p), ("product", True)),
    route("GET", "/v1/products/{id}", "products.retrieve", {"expand"}, lambda f, i, p, c: _product(f, i),
          ("product", False)),
    route("POST", "/v1/products/{id}", "products.update", PRODUCT_FIELDS | {"default_price"},
          lambda f, i, p, c: update_product(f, _product(f, i), p, c), ("product", False)),
    route("DELETE", "/v1/products/{id}", "products.delete", set(),
          lambda f, i, p, c: delete_product(f, _product(f, i), c), ("product", False)),
    route("POST", "/v1/prices", "prices.create", PRICE_CREATE, lambda f, i, p, c: create_price(f, p, c),
          ("price", False)),
    route("GET", "/v1/prices", "prices.list", PAGE | {"active", "currency", "product", "type", "recurring",
                                                      "lookup_keys"},
          lambda f, i, p, c: _list_prices(f, p), ("price", True)),
    route("GET", "/v1/prices/search", "prices.search", SEARCH,
          lambda f, i, p, c: search(f, "price", "/v1/prices/search", PRICE_SEARCH, p), ("price", True)),
    route("GET", "/v1/prices/{id}", "prices.retrieve", {"expand"}, lambda f, i, p, c: f.get("price", i["id"]),
          ("price", False)),
    route("POST", "/v1/prices/{id}", "prices.update", PRICE_UPDATE,
          lambda f, i, p, c: update_price(f, f.get("price", i["id"]), p, c), ("price", False)),
]
EXPANDABLE = {"product": {"default_price": "price"}, "price": {"product": "product"}}
