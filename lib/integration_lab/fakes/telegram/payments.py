"""Telegram Payments on the model: invoices, checkouts (people paying), Stars. No HTTP and no Bot API
parsing here (payment_methods.py has the methods; simulate.People.pay is the person pressing Pay).

A checkout walks awaiting_shipping (flexible invoices) → awaiting_pre_checkout → paid, or ends refused,
shipping_refused or cancelled. The bot has CHECKOUT_WINDOW seconds on the lab clock to answer each query
(https://core.telegram.org/bots/api#answerprecheckoutquery); a checkout whose window passed is cancelled the
moment anyone looks (lazy, so it works on every clock).

Sources, so each fact can be checked without us: Telegram's docs (https://core.telegram.org/bots/api, the
payments guides https://core.telegram.org/bots/payments and https://core.telegram.org/bots/payments-stars);
[BAS] = the Bot API server's source, tdlib/telegram-bot-api, telegram-bot-api/Client.cpp at commit 01a3679
("Update version to 10.0."; "L" = line there); [SPEC] = the Bot API catalogue vendored in
integration_lab/specs (read in 10.1, the same in 10.3). UNCONFIRMED = not confirmed by a public source; the
lab's choice.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from .star_subscriptions import Subscription, Subscriptions
from .state import Account, Chat

CHECKOUT_WINDOW = 10  # "The Bot API must receive an answer within 10 seconds after the pre-checkout query was sent"
# UNCONFIRMED: no source gives a window for shipping queries; the same 10 s keeps every wait bounded.
AWAITING = ("awaiting_shipping", "awaiting_pre_checkout")
STARS = "XTR"
SHIPPING_FIELDS = ("country_code", "state", "city", "street_line1", "street_line2", "post_code")
ORDER_FIELDS = {"need_name": "name", "need_phone_number": "phone_number", "need_email": "email",
                "need_shipping_address": "shipping_address"}


@dataclass
class Invoice:
    """What sendInvoice or createInvoiceLink was given, as Telegram keeps it (the provider by name only)."""

    title: str
    description: str
    payload: str
    currency: str
    prices: list[dict]
    provider: str = ""  # the registered provider's name; "" for Stars
    start_parameter: str = ""
    max_tip_amount: int = 0
    suggested_tip_amounts: list[int] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=dict)  # need_* and is_flexible (ignored for Stars)
    subscription_period: int = 0
    # sent to the private chat with the bot: "can only be paid once" (https://core.telegram.org/bots/payments)
    single_chat: bool = False
    paid: bool = False

    @property
    def total_amount(self) -> int:
        return sum(p["amount"] for p in self.prices)

    @property
    def is_flexible(self) -> bool:
        return self.flags.get("is_flexible", False)

    def to_api(self) -> dict:
        """Message.invoice, in [BAS] emission order; start_parameter is always there, maybe ""."""
        return {"title": self.title, "description": self.description, "start_parameter": self.start_parameter,
                "currency": self.currency, "total_amount": self.total_amount}


@dataclass
class Checkout:
    id: str
    chat_id: int  # the invoice's chat; for a link, the payer's private chat with the bot
    user_id: int
    message_id: int | None
    link: str | None
    status: str
    currency: str
    total_amount: int
    invoice_payload: str
    shipping_option_id: str | None
    tip_amount: int
    error_message: str | None = None
    successful_payment: dict | None = None  # the service Message, once paid
    asked_at: float | None = None  # lab time the pending query was sent
    ended_at: float | None = None
    # what the fake needs to go on, never shown
    invoice: Invoice | None = field(default=None, repr=False)
    payer: Account | None = field(default=None, repr=False)
    order_info: dict | None = field(default=None, repr=False)
    query_id: str | None = field(default=None, repr=False)
    shipping_options: list[dict] = field(default_factory=list, repr=False)

    def to_api(self) -> dict:
        return {"id": self.id, "chat_id": self.chat_id, "user_id": self.user_id, "message_id": self.message_id,
                "link": self.link, "status": self.status, "currency": self.currency,
                "total_amount": self.total_amount, "invoice_payload": self.invoice_payload,
                "shipping_option_id": self.shipping_option_id, "tip_amount": self.tip_amount,
                "error_message": self.error_message, "successful_payment": self.successful_payment,
                "asked_at": self.asked_at}


@dataclass
class StarPayment:
    charge_id: str
    user: Account
    amount: int
    payload: str
    refunded: bool = False


@dataclass
class Ledger:
    """One bot's payments. Every table keeps at most `history` entries, oldest evicted first."""

    history: int
    invoices: OrderedDict = field(default_factory=OrderedDict)  # (chat_id, message_id) -> Invoice
    links: OrderedDict = field(default_factory=OrderedDict)  # url -> Invoice
    checkouts: OrderedDict = field(default_factory=OrderedDict)  # id -> Checkout
    queries: dict[str, str] = field(default_factory=dict)  # shipping/pre-checkout query id -> checkout id
    star_payments: OrderedDict = field(default_factory=OrderedDict)  # charge id -> StarPayment
    transactions: list[dict] = field(default_factory=list)  # StarTransaction objects, chronological
    star_balance: int = 0

    def keep(self, table: OrderedDict, key, value) -> None:
        table[key] = value
        while len(table) > self.history:
            _, evicted = table.popitem(last=False)
            if isinstance(evicted, Checkout) and evicted.query_id:
                self.queries.pop(evicted.query_id, None)

    def record(self, transaction: dict) -> None:
        self.transactions.append(transaction)
        del self.transactions[:-self.history]


class Payments:
    """Every bot's ledger, the registered payment providers, and the checkout state machine."""

    def __init__(self, fake, providers: dict[str, str] | None = None):
        self.fake = fake
        self.providers: dict[str, str] = {}  # name -> token; tokens are secrets (see __repr__)
        for name, token in (providers or {}).items():
            self.add_provider(name, token)
        self.ledgers: dict[int, Ledger] = {}
        fake.clock.on_advance(lambda _seconds: self.expire())
        self.subscriptions = Subscriptions(self)  # renewals follow the clock too

    def add_provider(self, name: str, token: str) -> None:
        head, mode, secret = (token.split(":", 2) + ["", ""])[:3]
        if not (name and head.isdigit() and mode in ("TEST", "LIVE") and secret):
            # the shape BotFather hands out: "123:LIVE:XXXX" (https://core.telegram.org/bots/payments, Going Live)
            raise ValueError(f"provider {name!r}: a token looks like <id>:TEST:<secret>")
        self.providers[name] = token

    def provider_named_by(self, token: str) -> str | None:
        return next((name for name, known in self.providers.items() if known == token), None)

    def ledger(self, bot_id: int) -> Ledger:
        return self.ledgers.setdefault(bot_id, Ledger(self.fake.history))

    def reset(self) -> None:
        self.ledgers.clear()
        self.subscriptions.reset()

    # ---- reading checkouts (the lazy 10-second rule) ----------------------------------------------------
    def refresh(self, checkout: Checkout) -> Checkout:
        """A checkout whose query went unanswered past the window is cancelled
        (https://core.telegram.org/bots/payments: "within 10 seconds after receiving this update or the
        transaction is canceled"); no update tells the bot (not confirmed by a public source; the lab's choice,
        inferred because the Bot API has no such update type)."""
        if checkout.status in AWAITING and self.fake.clock.time() - checkout.asked_at > CHECKOUT_WINDOW:
            checkout.status = "cancelled"
            checkout.ended_at = checkout.asked_at + CHECKOUT_WINDOW
            self.fake.wake()
        return checkout

    def expire(self) -> None:
        for ledger in self.ledgers.values():
            for checkout in ledger.checkouts.values():
                self.refresh(checkout)

    def checkout(self, checkout_id: str) -> Checkout:
        """The checkout now (KeyError when unknown or evicted)."""
        for ledger in self.ledgers.values():
            if checkout_id in ledger.checkouts:
                return self.refresh(ledger.checkouts[checkout_id])
        raise KeyError(f"no checkout {checkout_id}")

    def by_query(self, bot_id: int, query_id: str) -> Checkout | None:
        ledger = self.ledger(bot_id)
        checkout_id = ledger.queries.get(query_id)
        return self.refresh(ledger.checkouts[checkout_id]) if checkout_id in ledger.checkouts else None

    # ---- the steps ----------------------------------------------------------------------------------------
    def start(self, bot, chat_id: int, payer: Account, invoice: Invoice, message_id: int | None, link: str | None,
              order_info: dict | None, shipping_option_id: str | None, tip_amount: int) -> Checkout:
        ledger = self.ledger(bot.account.id)
        checkout = Checkout(f"checkout_{self.fake.ids.sequence('telegram_checkout')}", chat_id, payer.id, message_id,
                            link, "", invoice.currency, invoice.total_amount + tip_amount, invoice.payload,
                            shipping_option_id, tip_amount, invoice=invoice, payer=payer, order_info=order_info)
        ledger.keep(ledger.checkouts, checkout.id, checkout)
        if invoice.is_flexible:
            self._ask(bot, checkout, "awaiting_shipping", "shipping_query", {
                "from": payer.to_api(), "invoice_payload": invoice.payload,
                "shipping_address": order_info["shipping_address"]})
        else:
            self._ask_pre_checkout(bot, checkout)
        return checkout

    def _ask(self, bot, checkout: Checkout, status: str, kind: str, body: dict) -> None:
        ledger = self.ledger(bot.account.id)
        if checkout.query_id:
            ledger.queries.pop(checkout.query_id, None)
        # [BAS] JsonShippingQuery, JsonPreCheckoutQuery: the id is an int64 written as a decimal string
        checkout.query_id = str(self.fake.ids.integer(10**17, 2**63 - 1))
        ledger.queries[checkout.query_id] = checkout.id
        checkout.status, checkout.asked_at = status, self.fake.clock.time()
        self.fake.enqueue(bot, kind, {"id": checkout.query_id, **body})

    def _ask_pre_checkout(self, bot, checkout: Checkout) -> None:
        """PreCheckoutQuery in [BAS] order: shipping_option_id only if non-empty, order_info only if present."""
        body: dict[str, Any] = {"from": checkout.payer.to_api(), "currency": checkout.currency,
                                "total_amount": checkout.total_amount, "invoice_payload": checkout.invoice_payload}
        if checkout.shipping_option_id:
            body["shipping_option_id"] = checkout.shipping_option_id
        if checkout.order_info:
            body["order_info"] = checkout.order_info
        self._ask(bot, checkout, "awaiting_pre_checkout", "pre_checkout_query", body)

    def shipping_answered(self, bot, checkout: Checkout, options: list[dict] | None, error_message: str) -> None:
        if options is None:
            self._end(checkout, "shipping_refused", error_message)
            return
        offered = [o["id"] for o in options]
        chosen = checkout.shipping_option_id or offered[0]  # the app preselects the first option
        if chosen not in offered:  # the person (the lab's caller) picked an option the bot never offered
            self._end(checkout, "cancelled", f"shipping option {chosen!r} was not offered")
            return
        option = next(o for o in options if o["id"] == chosen)
        checkout.shipping_options, checkout.shipping_option_id = options, chosen
        checkout.total_amount += sum(p["amount"] for p in option["prices"])
        self._ask_pre_checkout(bot, checkout)

    def pre_checkout_answered(self, bot, checkout: Checkout, error_message: str) -> None:
        if error_message:
            self._end(checkout, "refused", error_message)
            return
        if checkout.invoice.single_chat and checkout.invoice.paid:  # two forms were open; the first one paid
            self._end(checkout, "cancelled", "this invoice was already paid")
            return
        self._charge(bot, checkout)

    def _end(self, checkout: Checkout, status: str, error_message: str | None) -> None:
        checkout.status, checkout.error_message, checkout.ended_at = status, error_message, self.fake.clock.time()
        self.fake.wake()

    def cancel_late(self, checkout: Checkout) -> None:
        """An answer after the window: the transaction was canceled already."""
        if checkout.status in AWAITING:
            self._end(checkout, "cancelled", None)

    # ---- the charge ----------------------------------------------------------------------------------------
    def _charge(self, bot, checkout: Checkout) -> None:
        """The provider charges (or Stars move), then a successful_payment service message
        (https://core.telegram.org/bots/payments, the checkout steps) from the payer in the payer's private chat
        with the bot (for invoices in groups: not confirmed by a public source; the lab's choice)."""
        invoice, payer = checkout.invoice, checkout.payer
        stars = invoice.currency == STARS
        if stars and not self.subscriptions.can_pay(payer.id, checkout.total_amount):
            self._end(checkout, "cancelled", "not enough Stars")  # the balance fell while the form was open
            return
        payment: dict[str, Any] = {"currency": invoice.currency, "total_amount": checkout.total_amount,
                                   "invoice_payload": invoice.payload}
        if checkout.shipping_option_id:
            payment["shipping_option_id"] = checkout.shipping_option_id
        if checkout.order_info:
            payment["order_info"] = checkout.order_info
        payment["telegram_payment_charge_id"] = self._telegram_charge_id(stars)
        # [BAS] JsonSuccessfulPaymentBot always emits the key; its value for Stars is not confirmed by a public
        # source (the lab's choice: "").
        payment["provider_payment_charge_id"] = "" if stars else self._provider_charge_id(invoice.provider)
        now = int(self.fake.clock.time())
        if invoice.subscription_period:
            payment.update(is_recurring=True, is_first_recurring=True,
                           subscription_expiration_date=now + invoice.subscription_period)
            self.subscriptions.begin(bot.account.id, payer, invoice, payment["telegram_payment_charge_id"],
                                     now + invoice.subscription_period)
        chat = self.private_chat(bot, payer)
        message = self.fake.post(chat, payer, None, successful_payment=payment)
        checkout.successful_payment = message.to_api()
        if invoice.single_chat:
            invoice.paid = True
        if stars:
            self._stars_in(bot, payment["telegram_payment_charge_id"], payer, invoice, checkout.total_amount, now)
        self._end(checkout, "paid", None)
        self.fake.enqueue(bot, "message", checkout.successful_payment)

    def charge_renewal(self, bot, subscription: Subscription, due: int) -> str:
        """A renewal at `due`: Stars move and the payer's successful_payment reaches the bot, dated `due` (the
        clock may have jumped past several periods at once). Returns the new charge id."""
        invoice, payer = subscription.invoice, subscription.user
        charge_id = self._telegram_charge_id(True)
        payment = {"currency": STARS, "total_amount": subscription.amount, "invoice_payload": invoice.payload,
                   "telegram_payment_charge_id": charge_id, "provider_payment_charge_id": "",
                   "is_recurring": True, "subscription_expiration_date": subscription.expires_at}
        message = self.fake.post(self.private_chat(bot, payer), payer, None, successful_payment=payment)
        message.date = due
        self._stars_in(bot, charge_id, payer, invoice, subscription.amount, due)
        self.fake.enqueue(bot, "message", message.to_api())
        return charge_id

    def _stars_in(self, bot, charge_id: str, payer: Account, invoice: Invoice, amount: int, date: int) -> None:
        ledger = self.ledger(bot.account.id)
        self.subscriptions.debit(payer.id, amount)
        ledger.keep(ledger.star_payments, charge_id, StarPayment(charge_id, payer, amount, invoice.payload))
        ledger.star_balance += amount
        ledger.record(self._transaction(charge_id, amount, payer, invoice.payload, invoice.subscription_period, date))

    def refund(self, bot, payment: StarPayment) -> None:
        """The whole payment back (https://core.telegram.org/bots/api#refundstarpayment has no amount); a
        refunded_payment service message; a transaction with the same id (.../bots/api#startransaction)."""
        ledger = self.ledger(bot.account.id)
        payment.refunded = True
        ledger.star_balance -= payment.amount
        ledger.record(self._transaction(payment.charge_id, -payment.amount, payment.user, payment.payload))
        refunded = {"currency": STARS, "total_amount": payment.amount, "invoice_payload": payment.payload,
                    "telegram_payment_charge_id": payment.charge_id}  # provider id left out: it is "" here
        # an outgoing message of the bot's, yet delivered to it as an update ([BAS] L17432)
        message = self.fake.post(self.private_chat(bot, payment.user), bot.account, None, refunded_payment=refunded)
        self.fake.enqueue(bot, "message", message.to_api())

    def _transaction(self, charge_id: str, amount: int, user: Account, payload: str, period: int = 0,
                     date: int | None = None) -> dict:
        """StarTransaction in [BAS] order: source for income, receiver (sign flipped) for a refund; a
        subscription's payments carry its period ([BAS] starTransactionTypeBotSubscriptionSale)."""
        partner = {"type": "user", "transaction_type": "invoice_payment", "user": user.to_api()}
        if payload:
            partner["invoice_payload"] = payload
        if period:
            partner["subscription_period"] = period
        side = "source" if amount > 0 else "receiver"
        when = int(self.fake.clock.time()) if date is None else date
        return {"id": charge_id, "date": when, side: partner, "amount": abs(amount)}

    def _telegram_charge_id(self, stars: bool) -> str:
        # Stars charge ids seen in public bot code start "stx" and run long; the format is not confirmed by a
        # public source (the lab's choice). Provider ones are opaque.
        if stars:
            return "stx" + self.fake.ids.token("", 61)
        return f"{self.fake.ids.integer(10**9, 10**10 - 1)}_{self.fake.ids.integer(10**9, 10**10 - 1)}"

    def _provider_charge_id(self, provider: str) -> str:
        """The provider's own id for the charge, in that provider's id shape (UNCONFIRMED beyond Stripe)."""
        kind = provider.lower()
        if "stripe" in kind:
            return self.fake.ids.token("ch_", 24)
        if "payme" in kind:
            return self.fake.ids.hex(24)
        if "click" in kind:
            return str(self.fake.ids.integer(10**9, 10**10 - 1))
        return self.fake.ids.token("", 24)

    def private_chat(self, bot, person: Account) -> Chat:
        return bot.chats.setdefault(person.id, Chat(person.id, "private", person=person))

    # ---- what the buyer saw --------------------------------------------------------------------------------
    def failures_in(self, bot_id: int, chat_id: int) -> list[Checkout]:
        """Checkouts in this chat that ended without a payment (the app showed the buyer an error)."""
        ledger = self.ledger(bot_id)
        return [self.refresh(c) for c in ledger.checkouts.values()
                if c.chat_id == chat_id and self.refresh(c).status in ("refused", "shipping_refused", "cancelled")]

    def __repr__(self) -> str:  # provider tokens are secrets: only the public bot id half shows
        shown = ", ".join(f"{name}={token.split(':')[0]}:***" for name, token in self.providers.items())
        return f"Payments(providers=[{shown}], bots={len(self.ledgers)})"


def money(amount: int, currency: str) -> str:
    """12.50 USD, 25 XTR: the currency's minor units (exp 2 for the table's currencies in
    https://core.telegram.org/bots/payments/currencies.json, 0 for Stars: whole Stars, the lab's reading)."""
    if currency == STARS:
        return f"{amount} {currency}"
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    return f"{sign}{amount // 100}.{amount % 100:02d} {currency}"
