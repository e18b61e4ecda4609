"""The shop's products: a title, a price in each currency it sells in (minor units), and opening stock."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    prices: dict[str, int] = field(default_factory=dict)  # {"USD": cents, "UZS": tiyin, "XTR": Stars}
    stock: int = 0  # units on the shelf when the shop first opens

    @property
    def currency(self) -> str:
        """The currency the bot quotes in: the first one listed."""
        return next(iter(self.prices))

    @property
    def price(self) -> int:
        return self.prices[self.currency]


def cart_prices(catalog: dict[str, Product], items: dict[str, int]) -> dict[str, int]:
    """The cart's total in every currency all its products are priced in."""
    products = [catalog[sku] for sku in items]
    shared = [cur for cur in products[0].prices if all(cur in p.prices for p in products)] if products else []
    return {cur: sum(catalog[sku].prices[cur] * n for sku, n in items.items()) for cur in shared}


def count(cart: list[str]) -> dict[str, int]:
    """['tea', 'mug', 'tea'] -> {'tea': 2, 'mug': 1}, in the order first added."""
    items: dict[str, int] = {}
    for sku in cart:
        items[sku] = items.get(sku, 0) + 1
    return items


CATALOG: dict[str, Product] = {
    "tea": Product("tea", "Green tea", {"USD": 1250, "UZS": 15_000_000, "XTR": 60}, stock=20),
    "mug": Product("mug", "Lab mug", {"USD": 900, "UZS": 11_000_000, "XTR": 45}, stock=5),
    "beans": Product("beans", "Coffee beans", {"USD": 2400, "UZS": 29_000_000, "XTR": 120}, stock=10),
}
