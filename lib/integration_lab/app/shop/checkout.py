"""Checkout: one order from the buyer's cart, its stock held, and six ways to pay it.

    pay:stars   an invoice in Telegram Stars (XTR, provider_token "")
    pay:card    an invoice paid by card through Telegram's payment provider (USD, email asked)
    pay:payme   a link to Payme's checkout (UZS)
    pay:click   a link to Click's payment page (UZS)
    pay:stripe  a Stripe PaymentIntent the buyer confirms with their card; the webhook settles it
    pay:stripe_checkout  a link to a Stripe Checkout Session (Stripe's own payment page); the webhook settles it

Every route pays the same ledger order, which carries a price in each currency its products have.
Steps are each repeatable (a Telegram redelivery after a cut runs them again): the order opens whole or
not at all and is found on a repeat, the record is rewritten with the same fields, the hold is renewed.
Placing is one round trip (app/batch.py: the order opened or found, the record, the hold, each its own
script); paying reads the record and the order in one, then renews the hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..batch import Batch
from ..money import money
from ..payments.buyer_messages import TRY_AGAIN
from ..payments.ledger import Ledger
from ..payments.payment_links import click_payment_link, payme_checkout_link
from ..payments.stripe_checkout import Line, StripeCheckoutLinks
from ..payments.stripe_gateway import StripeGateway, StripeUnavailable
from ..telegram.client import BotApi
from .catalog import Product, cart_prices, count
from .orders import ShopOrder, ShopOrders
from .stock import Stock

ROUTES = {"stars": "Telegram Stars", "card": "Card (Telegram)", "payme": "Payme", "click": "Click",
          "stripe": "Card (Stripe)", "stripe_checkout": "Card (Stripe Checkout)"}
ROUTE_CURRENCY = {"stars": "XTR", "card": "USD", "payme": "UZS", "click": "UZS", "stripe": "USD",
                  "stripe_checkout": "USD"}
MAIN_CURRENCY = "USD"  # the ledger order's own amount; the others are its extra prices
HOLD = 900.0  # seconds stock is held for a checkout: the session's own TTL, so both lapse together


@dataclass
class PaymentOptions:
    """How the shop is set up with each provider (lab defaults; none of them is a real account)."""
    provider_token: str = field(default="284685063:TEST:lab_provider_token_for_local_tests", repr=False)
    payme_merchant_id: str = "6761ab0c1de7b1ed1ab00001"
    click_service_id: int = 10001
    click_merchant_id: int = 20001
    return_url: str | None = None
    payme_test: bool = True
    # where Stripe Checkout sends the buyer after paying: a thank-you page of ours (shop_server.py), no more
    stripe_success_url: str = "http://127.0.0.1:8000/stripe/checkout/success?session_id={CHECKOUT_SESSION_ID}"


@dataclass(frozen=True)
class Placed:
    ok: bool
    text: str
    keyboard: dict | None = None
    order_id: str = ""


class Checkout:
    def __init__(self, api: BotApi, ledger: Ledger, stock: Stock, orders: ShopOrders, catalog: dict[str, Product],
                 options: PaymentOptions | None = None, stripe: StripeGateway | None = None, hold: float = HOLD):
        self.api, self.ledger, self.stock, self.orders, self.catalog = api, ledger, stock, orders, catalog
        self.options, self.stripe, self.hold = options or PaymentOptions(), stripe, hold
        self.links = StripeCheckoutLinks(stripe, self.options.stripe_success_url) if stripe else None

    async def place(self, order_id: str, user_id: int, chat_id: int, cart: list[str],
                    last: Batch | None = None) -> Placed:
        """Open the order (or find it, on a redelivery), remember who and where, hold the stock: one round
        trip. Short of stock, the order is canceled in `last` (the caller's last round trip) if given."""
        items = count(cart)
        if not items:
            return Placed(False, "Your cart is empty. Try /catalog.")
        prices = cart_prices(self.catalog, items)
        batch = Batch(self.ledger.redis)
        opened = self.ledger.stage_open(batch, prices[MAIN_CURRENCY], MAIN_CURRENCY, order_id, self.describe(items),
                                        prices)  # or found: opened by an earlier delivery of the same update
        self.orders.stage_record(batch, order_id, user_id, chat_id, items)
        reserved = self.stock.stage_reserve(batch, order_id, items, self.hold)
        await batch.send()
        (_, order), held = opened.value, reserved.value
        if held.outcome == "short":
            if last is None:
                await self.ledger.cancel(order_id)
            else:
                self.ledger.stage_apply(last, "cancel", order_id, "ledger", "-")
            return Placed(False, f"Sorry, {self.catalog[held.short_of].title} is out of stock. Your cart is "
                                 "unchanged; remove it with Cancel.")
        buttons = [[{"text": f"{name}: {money(order.prices[ROUTE_CURRENCY[route]], ROUTE_CURRENCY[route])}",
                     "callback_data": f"pay:{route}"}]
                   for route, name in ROUTES.items() if ROUTE_CURRENCY[route] in order.prices]
        return Placed(True, f"Order {order_id}: {self.describe(items)}. Total "
                            f"{money(order.amount, order.currency)}. Choose how to pay:",
                      {"inline_keyboard": buttons}, order_id)

    def describe(self, items: dict[str, int]) -> str:
        return ", ".join(self.catalog[sku].title + (f" x{n}" if n > 1 else "") for sku, n in items.items())

    async def pay(self, route: str, order_id: str, attempt: str = "1") -> str:
        """One of the six ways for an order placed by this buyer; what to tell them. `attempt` names this press
        of the button (the bot gives the update id), so a redelivered update opens no second Checkout link."""
        batch = Batch(self.ledger.redis)
        read = self.orders.stage_get(batch, order_id), self.ledger.stage_order(batch, order_id)
        await batch.send()
        record, order = (answer.value for answer in read)
        if route not in ROUTES:
            return "That button is no longer valid."
        if record is None or order is None:
            return "We couldn't find that order. Please start again with /buy."
        if order.paid_by:
            return f"Order {order_id} is already paid."
        if order.status == "canceled":
            return f"Order {order_id} was canceled. Please start again with /buy."
        held = await self.stock.reserve(order_id, record.items, self.hold)  # renewed while they pay
        if held.outcome == "short":
            return f"Sorry, {self.catalog[held.short_of].title} sold out meanwhile; nothing was charged."
        currency = ROUTE_CURRENCY[route]
        price = order.prices.get(currency)
        if price is None:
            return f"Order {order_id} cannot be paid with {ROUTES[route]}."
        if route == "stripe_checkout":
            return await self._stripe_checkout(record, order_id, price, attempt)
        if route == "stripe":
            return await self._stripe(record, order_id, price, order)
        return await getattr(self, f"_{route}")(record, order_id, price)

    async def _stars(self, record: ShopOrder, order_id: str, price: int) -> str:
        no_provider = ""  # Stars take no payment provider: the Bot API wants an empty token
        await self.api.send_invoice(record.chat_id, f"Lab Shop order {order_id}"[:32],
                                    self.describe(record.items)[:255], order_id, "XTR",
                                    [{"label": f"Order {order_id}", "amount": price}], provider_token=no_provider)
        return f"Invoice sent: {money(price, 'XTR')}."

    async def _card(self, record: ShopOrder, order_id: str, price: int) -> str:
        lines = [{"label": self.catalog[sku].title + (f" x{n}" if n > 1 else ""),
                  "amount": self.catalog[sku].prices["USD"] * n} for sku, n in record.items.items()]
        await self.api.send_invoice(record.chat_id, f"Lab Shop order {order_id}"[:32],
                                    self.describe(record.items)[:255], order_id, "USD", lines,
                                    provider_token=self.options.provider_token, need_email=True)
        return f"Invoice sent: {money(price, 'USD')}."

    async def _payme(self, record: ShopOrder, order_id: str, price: int) -> str:
        link = payme_checkout_link(self.options.payme_merchant_id, order_id, price, self.options.return_url,
                                   test=self.options.payme_test)
        return await self._link(record, f"Pay {money(price, 'UZS')} with Payme:", "Pay with Payme", link)

    async def _click(self, record: ShopOrder, order_id: str, price: int) -> str:
        link = click_payment_link(self.options.click_service_id, self.options.click_merchant_id, order_id, price,
                                  self.options.return_url)
        return await self._link(record, f"Pay {money(price, 'UZS')} with Click:", "Pay with Click", link)

    async def _link(self, record: ShopOrder, text: str, label: str, url: str) -> str:
        await self.api.send_message(record.chat_id, text,
                                    reply_markup={"inline_keyboard": [[{"text": label, "url": url}]]})
        return text

    async def _stripe(self, record: ShopOrder, order_id: str, price: int, order=None) -> str:
        if self.stripe is None:
            return "Card payments with Stripe are not available right now."
        try:
            intent = await self.stripe.open_intent(order_id, order=order)
        except StripeUnavailable:  # down, or its breaker open, or its bulkhead full: an answer, not a failure
            return TRY_AGAIN
        text = (f"Pay {money(price, 'USD')} by card with Stripe (payment {intent.id}); we will confirm here as "
                "soon as Stripe tells us it went through.")
        await self.api.send_message(record.chat_id, text)
        return text

    async def _stripe_checkout(self, record: ShopOrder, order_id: str, price: int, attempt: str) -> str:
        if self.links is None:
            return "Card payments with Stripe are not available right now."
        lines = [Line(self.catalog[sku].title, self.catalog[sku].prices["USD"], n) for sku, n in record.items.items()]
        try:
            session = await self.links.open(order_id, "USD", lines, attempt)
        except StripeUnavailable:  # as for pay:stripe: an answer, and the next press reuses nothing half-made
            return TRY_AGAIN
        return await self._link(record, f"Pay {money(price, 'USD')} by card on Stripe's checkout page:",
                                "Pay with Stripe", session.url)
