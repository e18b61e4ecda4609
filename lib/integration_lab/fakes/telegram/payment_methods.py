"""The Bot API payments methods, with Telegram's checks in the reference server's order and its words.

Order: what the Bot API server parses itself (tdlib/telegram-bot-api, telegram-bot-api/Client.cpp at 01a3679,
Client::get_input_message_invoice: required strings, payload UTF-8, prices JSON, tips), then for sendInvoice
the reply parameters, markup and chat (do_send_message), then TDLib's checks (tdlib/td, td/telegram/
InputInvoice.cpp, LabeledPricePart.cpp: amounts, tips), then what Telegram's servers answer in CONSTANT_CASE
(the "Possible errors" of https://core.telegram.org/method/messages.sendMedia and
https://core.telegram.org/method/payments.exportInvoice). Every message goes through `worded` (the case rule
of Client::fail_query_with_error). A refused call changes nothing. [SPEC] = the Bot API catalogue
(https://core.telegram.org/bots/api, vendored in integration_lab/specs; read in 10.1, the same in 10.3).
UNCONFIRMED = not confirmed by a public source; the lab's choice.
"""

from __future__ import annotations

from typing import Any

from . import inputs
from .errors import QUERY_TOO_OLD, bad_request, worded
from .inputs import Fields, _Refused
from .methods import _chat, check_flood, replied_message
from .params import Args, NotJson, byte_len, is_utf8, to_integer, to_integer_safe
from .payments import AWAITING, CHECKOUT_WINDOW, STARS, Invoice
from .state import Bot
from .world import TelegramFake

MAX_AMOUNT = 999_999_999_999  # TDLib check_currency_amount: 12 digits
MAX_TIPS = 4
SUBSCRIPTION_PERIOD = 2_592_000  # 30 days, the only period createInvoiceLink takes
MAX_SUBSCRIPTION_STARS = 10_000
# https://core.telegram.org/bots/payments/currencies.json as archived by MarshalX/telegram-crawler
# (data/core.telegram.org/bots/payments/currencies.json at c2ff7bb): (min_amount, max_amount) of the total,
# in minor units (exp 2 each).
CURRENCY_LIMITS = {"USD": (100, 1_000_000), "EUR": (82, 828_275), "RUB": (7_497, 74_977_502),
                   "UZS": (1_055_927, 10_559_272_152)}
FLAGS = ("need_name", "need_phone_number", "need_email", "need_shipping_address", "send_phone_number_to_provider",
         "send_email_to_provider", "is_flexible")


def _required(args: Args, name: str) -> str:
    value = args.arg(name)
    if not value:
        raise bad_request(f'parameter "{name}" is required')
    return value


def _json(args: Args, name: str, what: str) -> Any:
    try:
        return args.json(name)
    except NotJson:
        raise worded(f"Can't parse {what} JSON object") from None


def _prices(value: Any) -> list[dict]:
    """Client::get_labeled_price_parts."""
    if not isinstance(value, list):
        raise _Refused("Expected an Array of labeled prices")
    prices = []
    for item in value:
        try:
            if not isinstance(item, dict):
                raise _Refused("LabeledPrice must be an Object")
            fields = Fields(item)
            label = fields.string("label", True)
            if not label:
                raise _Refused("LabeledPrice label must be non-empty")
            prices.append({"label": label, "amount": fields.integer("amount", True, bits=64)})
        except _Refused as refused:
            raise _Refused(f"Can't parse labeled price: {refused}") from None
    if not prices:
        raise _Refused("There must be at least one price")
    return prices


def _tips(value: Any) -> list[int]:
    """Client::get_suggested_tip_amounts."""
    if not isinstance(value, list):
        raise _Refused("Expected an Array of suggested tip amounts")
    tips = []
    for item in value:
        if not isinstance(item, str):  # a Num is a str: numbers and strings pass, as in td
            raise _Refused("Suggested tip amount must be of type Number or String")
        number = to_integer_safe(item, 64)
        if number is None:
            raise _Refused("Can't parse suggested tip amount as Number")
        tips.append(number)
    return tips


def _parsed_invoice(args: Args) -> Invoice:
    """Client::get_input_message_invoice, field by field in its order."""
    title, description = _required(args, "title"), _required(args, "description")
    payload = _required(args, "payload")
    if not is_utf8(payload):
        raise worded("The payload must be encoded in UTF-8")
    currency = _required(args, "currency")
    _required(args, "prices")
    try:
        prices = _prices(_json(args, "prices", "prices"))
        max_tip = args.arg("max_tip_amount")
        max_tip_amount = to_integer_safe(max_tip, 64) if max_tip else 0
        if max_tip_amount is None:
            raise _Refused('Can\'t parse "max_tip_amount" as Number')
        tips = _tips(_json(args, "suggested_tip_amounts", "suggested_tip_amounts")) \
            if args.arg("suggested_tip_amounts") else []
    except _Refused as refused:
        raise worded(str(refused)) from None
    flags = {name: args.flag(name) for name in FLAGS}
    return Invoice(title, description, payload, currency, prices, start_parameter=args.arg("start_parameter"),
                   max_tip_amount=max_tip_amount, suggested_tip_amounts=tips, flags=flags,
                   subscription_period=max(args.int32("subscription_period", 0, 0), 0))


def _tdlib_checks(invoice: Invoice) -> None:
    """InputInvoice::process_input_message_invoice and LabeledPricePart::get_labeled_price_parts."""
    for name, value in (("title", invoice.title), ("description", invoice.description),
                        ("bot start parameter", invoice.start_parameter), ("currency", invoice.currency)):
        if not is_utf8(value):
            raise worded(f"Invoice {name} must be encoded in UTF-8")
    for price in invoice.prices:
        if not is_utf8(price["label"]):
            raise worded("Price part label must be encoded in UTF-8")
        if abs(price["amount"]) > MAX_AMOUNT:
            raise worded("Too big amount of the currency specified")
    if invoice.total_amount <= 0:
        raise worded("Total price must be positive")
    if invoice.total_amount > MAX_AMOUNT:
        raise worded("Total price is too big")
    if not 0 <= invoice.max_tip_amount <= MAX_AMOUNT:
        raise worded("Invalid max_tip_amount of the currency specified")
    for tip in invoice.suggested_tip_amounts:
        if tip <= 0:
            raise worded("Suggested tip amount must be positive")
        if tip > invoice.max_tip_amount:
            raise worded("Suggested tip amount can't be bigger than max_tip_amount")
    if len(invoice.suggested_tip_amounts) > MAX_TIPS:
        raise worded("There can be at most 4 suggested tip amounts")
    flags = invoice.flags  # the flag implications (InputInvoice.cpp L208-216)
    flags["need_phone_number"] |= flags["send_phone_number_to_provider"]
    flags["need_email"] |= flags["send_email_to_provider"]
    flags["need_shipping_address"] |= flags["is_flexible"]


def _server_checks(fake: TelegramFake, invoice: Invoice, provider_token: str) -> None:
    """What Telegram's servers answer (error names from https://core.telegram.org/method/messages.sendMedia).
    The order among them is not confirmed by a public source (the lab's choice): we check the texts the app
    shows first, then the kind of payment, then the money."""
    if len(invoice.title) > 32:
        # not confirmed by a public source (in no error list, no real report found); the lab's choice
        raise bad_request("TITLE_INVALID")
    if len(invoice.description) > 255:
        raise bad_request("DESCRIPTION_INVALID")  # not confirmed by a public source; the lab's choice
    if byte_len(invoice.payload) > 128:
        # a messages.sendMedia error; that an over-long payload gives it is not confirmed (the lab's choice)
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    if invoice.currency == STARS:
        # https://core.telegram.org/bots/api#sendinvoice: empty provider token, exactly one price, no tips;
        # which rule triggers STARS_INVOICE_INVALID is not confirmed by a public source (the lab's choice)
        if provider_token or len(invoice.prices) != 1 or invoice.max_tip_amount or invoice.suggested_tip_amounts:
            raise bad_request("STARS_INVOICE_INVALID")
        invoice.flags = {name: False for name in invoice.flags}  # "Ignored for payments in Telegram Stars"
    else:
        # an empty token with any other currency (even "TXR", "XTS") is PAYMENT_PROVIDER_INVALID, as reported in
        # rubenlagus/TelegramBots#1445 and python-telegram-bot/python-telegram-bot#4711
        provider = fake.payments.provider_named_by(provider_token) if provider_token else None
        if provider is None:
            raise bad_request("PAYMENT_PROVIDER_INVALID")
        invoice.provider = provider
        limits = CURRENCY_LIMITS.get(invoice.currency)
        if limits is None:
            # the lab's choice: Telegram takes many more ISO codes (https://core.telegram.org/bots/payments,
            # Supported Currencies); the lab knows only the ones whose limits it has from currencies.json
            raise bad_request("CURRENCY_INVALID")
        if not limits[0] <= invoice.total_amount <= limits[1]:
            raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    if invoice.subscription_period and (invoice.currency != STARS or invoice.subscription_period != SUBSCRIPTION_PERIOD
                                        or invoice.total_amount > MAX_SUBSCRIPTION_STARS):
        # the rules: https://core.telegram.org/bots/api#createinvoicelink; the text is the lab's choice
        raise bad_request("SUBSCRIPTION_PERIOD_INVALID")


def _pay_button_first(markup: dict | None) -> None:
    """https://core.telegram.org/bots/api#sendinvoice: "If not empty, the first button must be a Pay button".
    Error names from https://core.telegram.org/method/messages.sendMedia; which for which case is the lab's
    choice (not confirmed by a public source)."""
    if markup is None:
        return
    buttons = [b for row in markup["inline_keyboard"] for b in row]
    if not any(b.get("pay") for b in buttons):
        raise bad_request("REPLY_MARKUP_BUY_EMPTY")
    if not buttons[0].get("pay"):
        raise bad_request("BUTTON_POS_INVALID")


def send_invoice(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    invoice = _parsed_invoice(args)
    reply_id, without_reply = inputs.reply_to(args)
    markup = inputs.reply_markup(args)
    chat = _chat(fake, bot, args)
    _tdlib_checks(invoice)
    _server_checks(fake, invoice, args.arg("provider_token"))
    _pay_button_first(markup)
    invoice.subscription_period = 0  # subscriptions only via createInvoiceLink (.../bots/api#createinvoicelink)
    reply_to = replied_message(chat, reply_id, without_reply)
    check_flood(fake, bot, chat)
    invoice.single_chat = chat.type == "private"  # paid once (https://core.telegram.org/bots/payments)
    # UNCONFIRMED: without markup the apps draw a Pay button, but the Bot API message carries none
    message = fake.post(chat, bot.account, None, reply_markup=markup, reply_to=reply_to, invoice=invoice.to_api())
    ledger = fake.payments.ledger(bot.account.id)
    ledger.keep(ledger.invoices, (chat.id, message.message_id), invoice)
    return message.to_api()


def create_invoice_link(fake: TelegramFake, bot: Bot, args: Args) -> str:
    invoice = _parsed_invoice(args)
    _tdlib_checks(invoice)
    _server_checks(fake, invoice, args.arg("provider_token"))
    # business_connection_id is not modelled (no business connections in the lab). Slug format UNCONFIRMED.
    url = "https://t.me/$" + fake.ids.token("", 22)
    ledger = fake.payments.ledger(bot.account.id)
    ledger.keep(ledger.links, url, invoice)
    return url


def _shipping_options(args: Args) -> list[dict]:
    """Client::get_shipping_options."""
    _required(args, "shipping_options")
    try:
        value = args.json("shipping_options")
    except NotJson:
        raise worded("Can't parse shipping options JSON object") from None
    try:
        if not isinstance(value, list):
            raise _Refused("Expected an Array of shipping options")
        options = [_shipping_option(item) for item in value]
        if not options:
            raise _Refused("There must be at least one shipping option")
    except _Refused as refused:
        raise worded(str(refused)) from None
    return options


def _shipping_option(item: Any) -> dict:
    try:
        if not isinstance(item, dict):
            raise _Refused("ShippingOption must be an Object")
        fields = Fields(item)
        option_id = fields.string("id", True)
        if not option_id:
            raise _Refused("ShippingOption identifier must be non-empty")
        title = fields.string("title", True)
        if not title:
            raise _Refused("ShippingOption title must be non-empty")
        if "prices" not in item:
            raise _Refused('Can\'t find field "prices"')
        if not isinstance(item["prices"], list):
            raise _Refused('Field "prices" must be of type Array')
        try:
            prices = _prices(item["prices"])
        except _Refused as refused:
            raise _Refused(f"Can't parse shipping option prices: {refused}") from None
    except _Refused as refused:
        raise _Refused(f"Can't parse shipping option: {refused}") from None
    return {"id": option_id, "title": title, "prices": prices}


def _query(fake: TelegramFake, bot: Bot, query_id: str, status: str):
    """The checkout waiting for this query's answer, or QUERY_ID_INVALID's text (as Client.cpp's
    Client::fail_query_with_error rewrites it): unknown id, answered already, or past the window (then the
    checkout is cancelled: https://core.telegram.org/bots/payments)."""
    checkout = fake.payments.by_query(bot.account.id, str(to_integer(query_id, 64)) if query_id else "")
    if checkout is None or checkout.status != status:
        raise bad_request(QUERY_TOO_OLD)
    if fake.clock.time() - checkout.asked_at > CHECKOUT_WINDOW:
        fake.payments.cancel_late(checkout)
        raise bad_request(QUERY_TOO_OLD)
    return checkout


def answer_shipping_query(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    query_id = args.arg("shipping_query_id")
    if args.flag("ok"):
        options, error_message = _shipping_options(args), ""
    else:
        options, error_message = None, _required(args, "error_message")
    checkout = _query(fake, bot, query_id, AWAITING[0])
    fake.payments.shipping_answered(bot, checkout, options, error_message)
    return True


def answer_pre_checkout_query(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    query_id = args.arg("pre_checkout_query_id")
    error_message = "" if args.flag("ok") else _required(args, "error_message")  # a missing ok is false
    checkout = _query(fake, bot, query_id, AWAITING[1])
    fake.payments.pre_checkout_answered(bot, checkout, error_message)
    return True


def refund_star_payment(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    user_id = max(to_integer(args.arg("user_id"), 64), 0)
    if user_id == 0:
        raise bad_request("invalid user_id specified")
    charge_id = _required(args, "telegram_payment_charge_id")
    if user_id not in fake.accounts:
        raise bad_request("USER_ID_INVALID")  # payments.refundStarsCharge's documented error
    payment = fake.payments.ledger(bot.account.id).star_payments.get(charge_id)
    if payment is None or payment.user.id != user_id:
        # UNCONFIRMED: refundStarsCharge documents no error for an unknown charge; CHARGE_ID_INVALID is
        # what https://core.telegram.org/method/payments.botCancelStarsSubscription answers for one
        raise bad_request("CHARGE_ID_INVALID")
    if payment.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    fake.payments.refund(bot, payment)
    return True


def edit_user_star_subscription(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """Client::process_edit_user_star_subscription_query: get_user_id, then the charge id and is_canceled as given
    (neither is required there), then payments.botCancelStarsSubscription on Telegram's servers."""
    user_id = max(to_integer(args.arg("user_id"), 64), 0)
    if user_id == 0:
        raise bad_request("invalid user_id specified")
    charge_id, is_canceled = args.arg("telegram_payment_charge_id"), args.flag("is_canceled")
    if user_id not in fake.accounts:
        raise bad_request("USER_ID_INVALID")  # payments.botCancelStarsSubscription's documented error
    subscription = fake.payments.subscriptions.find(bot.account.id, charge_id)
    if subscription is None or subscription.user.id != user_id:
        # CHARGE_ID_INVALID is documented for the method (gotd.dev's and gogram's lists of its errors); that
        # an unknown id, another user's, a renewal's or a one-off payment's gets it is UNCONFIRMED
        raise bad_request("CHARGE_ID_INVALID")
    # UNCONFIRMED: an expired subscription, a second cancel, or a restore of one the bot never canceled answers
    # True and changes nothing; a restore never undoes the user's own cancellation
    fake.payments.subscriptions.cancel_by_bot(subscription, is_canceled)
    return True


def get_star_transactions(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    fake.payments.subscriptions.renew_due()  # a clock that moves by itself tells no listener
    offset = args.int32("offset", 0, 0)
    limit = args.int32("limit", 100, 1, 100)
    transactions = fake.payments.ledger(bot.account.id).transactions
    return {"transactions": transactions[offset:offset + limit]}


def get_my_star_balance(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    fake.payments.subscriptions.renew_due()
    return {"amount": fake.payments.ledger(bot.account.id).star_balance}  # nanostar_amount only if ≠ 0


PAYMENT_METHODS = {"sendInvoice": send_invoice, "createInvoiceLink": create_invoice_link,
                   "answerShippingQuery": answer_shipping_query, "answerPreCheckoutQuery": answer_pre_checkout_query,
                   "refundStarPayment": refund_star_payment, "getStarTransactions": get_star_transactions,
                   "getMyStarBalance": get_my_star_balance, "editUserStarSubscription": edit_user_star_subscription}

from . import star_subscriptions_people  # noqa: F401  (registers the subscription control routes)
