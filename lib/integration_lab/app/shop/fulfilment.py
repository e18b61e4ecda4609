"""Settlement, exactly once whichever way the buyer paid, then the goods.

Every route ends in one ledger transition keyed by the provider's own id (Stars and card through Telegram:
telegram_payment_charge_id; Payme and Click: their transaction ids; Stripe: the PaymentIntent id), so one
order is paid once. `on_paid(order_id)` follows the paying payment: it sells the held stock and queues the
goods and a receipt in the outbox. Its steps are each repeatable, not one script (the stock, the outbox
and the order record are separate keys, and the ledger keeps each order in its own hash slot): a Redis cut
at any of them leaves the provider's resend to run `on_paid` again, which finds the done steps done.

A second payment of a paid order (two routes raced) is recorded `refused` by the ledger and given back by
its own route: Stars by refundStarPayment here, Stripe by the gateway (the webhook's refund_refused); the
buyer is told in the outbox, keyed by the payment, so a resend tells them once.

A Stripe Checkout link that lapsed unpaid (`checkout.session.expired`) gives the order's lapsed hold back and
tells the buyer once; the order stays open, so a new link or another way to pay still pays it.

Round trips: the caller hands `on_paid` the paying payment its settlement answered with (nothing to read
back), and its last round trip (`last`, app/batch.py): the goods and the receipt are queued, then the order
marked fulfilled, in it, before the caller's own marker (the update remembered, the event done), in order.
"""

from __future__ import annotations

from ..batch import Batch
from ..money import money
from ..payments.ledger import Ledger
from ..telegram.client import BadRequest, BotApi
from .catalog import Product
from .orders import ShopOrder, ShopOrders
from .outbox import Job, Outbox
from .stock import Stock

STARS, TELEGRAM_CARD = "stars", "telegram"  # ledger providers of the two Telegram routes
ROUTE_NAMES = {STARS: "Telegram Stars", TELEGRAM_CARD: "card (Telegram)", "payme": "Payme", "click": "Click",
               "stripe": "card (Stripe)"}
UNREAD = object()  # on_paid: the caller did not read the order's record
# by then the buyer's conversation (15 minutes) has lapsed too, so its pay buttons no longer answer
EXPIRED = ("The Stripe payment link for order {order_id} expired; nothing was charged. To buy, start again with "
           "/catalog.")


class Fulfilment:
    def __init__(self, ledger: Ledger, stock: Stock, orders: ShopOrders, outbox: Outbox,
                 catalog: dict[str, Product], api: BotApi | None = None):
        self.ledger, self.stock, self.orders, self.outbox = ledger, stock, orders, outbox
        self.catalog, self.api = catalog, api

    async def on_paid(self, order_id: str, paid: dict | None = None, last: Batch | None = None,
                      record: ShopOrder | None | object = UNREAD) -> str:
        """not_ours (not a shop order: one Redis read), duplicate, or queued. `paid`: the paying payment as
        the ledger stored it, when the caller has it; `last`: the caller's last round trip, which queues the
        goods and marks the order fulfilled (sent by the caller, after this returns), else one of its own;
        `record`: the order's record as the caller read it (None: there is none)."""
        if record is UNREAD:
            record = await self.orders.get(order_id)
        if record is None:
            return "not_ours"
        if record.fulfilled:
            return "duplicate"
        sold = await self.stock.commit(order_id, record.items)  # repeatable: a second commit is a duplicate
        if paid is None:
            order = await self.ledger.order(order_id)
            provider, _, ref = order.paid_by.partition(":")
            paid = await self.ledger.payment(order_id, provider, ref)
        provider = paid["provider"]
        lines = ", ".join(f"{self.catalog[sku].title} x{n}" for sku, n in record.items.items())
        goods = (f"Your order {order_id} is ready: {lines}. Enjoy!" if sold != "short" else
                 f"Your order {order_id} is paid, but {lines} sold out meanwhile; we will ship it as soon as it "
                 "is back, or refund you: write /refund.")
        receipt = (f"Receipt for order {order_id}: {lines}. Paid {money(paid['amount'], paid['currency'])} "
                   f"by {ROUTE_NAMES.get(provider, provider)}.")
        batch = last if last is not None else Batch(self.ledger.redis)
        self.outbox.stage_enqueue(batch, Job(f"{order_id}:goods", record.chat_id, goods, order_id, deliver=True),
                                  Job(f"{order_id}:receipt", record.chat_id, receipt))  # one script; repeatable
        self.orders.stage_mark_fulfilled(batch, order_id, "committed" if sold == "duplicate" else sold)
        if last is None:
            await batch.send()  # in order: queued, then marked
        return "queued"

    async def successful_payment(self, message: dict, last: Batch | None = None) -> str:
        """Telegram says the buyer paid an invoice (Stars or card): settle it, then fulfil or give it back.
        `last`: the update's last round trip (see on_paid)."""
        paid = message["successful_payment"]
        order_id, ref = paid["invoice_payload"], paid["telegram_payment_charge_id"]
        provider = STARS if paid["currency"] == "XTR" else TELEGRAM_CARD
        batch = Batch(self.ledger.redis)  # the settlement and the order's record (for on_paid): one round trip
        settled = self.ledger.stage_apply(batch, "settle", order_id, provider, ref, paid["total_amount"],
                                          paid["currency"])
        record = self.orders.stage_get(batch, order_id) if len(batch) else None
        await batch.send()
        result = settled.value
        payment = result.payment  # this payment as the ledger stored it
        if result.outcome == "paid" or (result.outcome == "duplicate" and payment and payment["status"] == "succeeded"):
            return f"paid: {await self.on_paid(order_id, payment, last, record.value)}"
        user_id = (message.get("from") or {}).get("id") or message["chat"]["id"]
        return await self.give_back(order_id, provider, ref, paid["total_amount"], paid["currency"], user_id,
                                    message["chat"]["id"], result.outcome, last)

    async def give_back(self, order_id: str, provider: str, ref: str, amount: int, currency: str, user_id: int,
                        chat_id: int, why: str, last: Batch | None = None) -> str:
        """A payment the ledger refused (the order was paid another way, or is gone): Stars go back at once
        (refundStarPayment; a repeat is CHARGE_ALREADY_REFUNDED, which we read as done); a card payment
        through Telegram has no Bot API refund, so support gives it back."""
        if provider == STARS and self.api is not None:
            try:
                await self.api.refund_star_payment(user_id, ref)
            except BadRequest as error:
                if "CHARGE_ALREADY_REFUNDED" not in error.description:
                    raise
            await self.ledger.refund(order_id, provider, ref, amount)
            text = (f"Order {order_id} was already paid, so your {money(amount, currency)} payment has been "
                    "refunded.")
        else:
            text = (f"Order {order_id} was already paid, so your second payment of {money(amount, currency)} "
                    "will be refunded by our support team.")
        if why == "unknown_order":
            text = f"We could not find order {order_id}; your {money(amount, currency)} payment will be refunded."
        if last is None:
            await self.outbox.enqueue(Job(f"{order_id}:refused:{ref}", chat_id, text))
        else:
            self.outbox.stage_enqueue(last, Job(f"{order_id}:refused:{ref}", chat_id, text))
        return f"refused ({why}): refunded" if provider == STARS else f"refused ({why}): support"

    async def refunded(self, order_id: str) -> None:
        """A provider gave a paid order's money back (Payme's cancel with reason 5): tell the buyer, once."""
        record, order = await self.orders.get(order_id), await self.ledger.order(order_id)
        if record is None or order is None or order.status != "refunded":
            return
        provider, _, ref = order.paid_by.partition(":")
        paid = await self.ledger.payment(order_id, provider, ref)
        await self.outbox.enqueue(Job(f"{order_id}:refunded", record.chat_id,
                                      f"Your refund of {money(paid['amount'], paid['currency'])} for order {order_id} "
                                      f"is done by {ROUTE_NAMES.get(provider, provider)}."))

    async def stripe_refused(self, order_id: str, payment_intent: str) -> None:
        """The Stripe webhook gave back a second payment of a paid order: tell the buyer, once."""
        record = await self.orders.get(order_id)
        if record is not None:
            await self.outbox.enqueue(Job(f"{order_id}:refused:{payment_intent}", record.chat_id,
                                          f"Order {order_id} was already paid, so your card payment with Stripe "
                                          "has been refunded."))

    async def checkout_expired(self, order_id: str, session_id: str) -> str:
        """A Stripe Checkout link lapsed unpaid: the hold goes back as a lapsed hold does (one script; a hold
        renewed since by another way to pay stays), and the buyer is told in the outbox, keyed by the session,
        so a resend tells them once. Both steps are repeatable: a cut between them is finished by the resend."""
        record, order = await self.orders.get(order_id), await self.ledger.order(order_id)
        if record is None or order is None:
            return "not_ours"
        if order.paid_by or order.status == "canceled":  # paid another way (or by another tab), or given up
            return f"ignored ({order.status})"
        released = await self.stock.release_if_lapsed(order_id)
        await self.outbox.enqueue(Job(f"{order_id}:expired:{session_id}", record.chat_id,
                                      EXPIRED.format(order_id=order_id)))
        return "expired: stock released" if released else "expired"
