"""The pages a buyer's browser opens, on the fake's own host and port (Stripe's checkout.stripe.com and
buy.stripe.com):

    GET  /c/pay/{session id}          the session's line items, total and a card form (or: expired, paid)
    POST /c/pay/{session id}          pay: 303 to success_url; a decline shows the page again with Stripe's
                                      message; a 3-D Secure card goes to /_lab/3ds/{pi} and comes back to
    GET  /c/pay/{session id}/return   which completes the session (or shows why not)
    GET  /b/{payment link id}         opens a new session for the link and 303s to its page

Plain HTML with inline CSS and no script; every string the shop provided is escaped. A typed card
number maps to the test card Stripe's testing page gives for it (`NUMBERS`).
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from ...runtime.asgi import Reply
from . import checkout
from .errors import StripeError
from .world import Call, StripeFake

_PAY = re.compile(r"^/c/pay/(?P<id>[A-Za-z0-9_]+)(?P<back>/return)?/?$")
_LINK = re.compile(r"^/b/(?P<id>[A-Za-z0-9_]+)/?$")
MAX_FORM = 16 * 1024
# docs.stripe.com/testing: the card numbers and the test PaymentMethod each stands for
NUMBERS = {
    "4242424242424242": "pm_card_visa", "4000056655665556": "pm_card_visa_debit",
    "5555555555554444": "pm_card_mastercard", "5200828282828210": "pm_card_mastercard_debit",
    "378282246310005": "pm_card_amex", "6011111111111117": "pm_card_discover",
    "4000000000000002": "pm_card_visa_chargeDeclined",
    "4000000000009995": "pm_card_visa_chargeDeclinedInsufficientFunds",
    "4000000000009987": "pm_card_visa_chargeDeclinedLostCard",
    "4000000000009979": "pm_card_visa_chargeDeclinedStolenCard",
    "4000000000000069": "pm_card_chargeDeclinedExpiredCard",
    "4000000000000127": "pm_card_chargeDeclinedIncorrectCvc",
    "4000000000000119": "pm_card_chargeDeclinedProcessingError",
    "4000000000006975": "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
    "4100000000000019": "pm_card_radarBlock",
    "4000002760003184": "pm_card_authenticationRequired",
    "4000002500003155": "pm_card_authenticationRequiredOnSetup",
    "4000000000003220": "pm_card_threeDSecure2Required",
    "4000000000003063": "pm_card_threeDSecureRequired",
    "4000008260003178": "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
}
# What Stripe's card form says (Stripe.js's messages; the live-card one is Stripe's API decline in test mode)
INVALID_NUMBER = "Your card number is invalid."
LIVE_CARD = "Your card was declined. Your request was in test mode, but used a non test (live) card."
PAST_EXPIRY = "Your card's expiration date is in the past."
INCOMPLETE_EXPIRY = "Your card's expiration date is incomplete."
INCOMPLETE_CVC = "Your card's security code is incomplete."
INCOMPLETE_EMAIL = "Your email is incomplete."  # wording unconfirmed
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
ZERO_DECIMAL = {"jpy", "krw", "vnd", "clp", "pyg", "ugx", "xof", "xaf", "bif", "djf", "gnf", "kmf", "mga", "rwf",
                "vuv", "xpf"}
CSS = ("body{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0}"
       "main{max-width:760px;margin:40px auto;background:#fff;border-radius:8px;padding:32px;"
       "box-shadow:0 2px 8px #0001;display:flex;gap:40px;flex-wrap:wrap}section{flex:1;min-width:280px}"
       "table{width:100%;border-collapse:collapse}td{padding:6px 0}td.amount{text-align:right}"
       "tr.total td{border-top:1px solid #e3e8ee;font-weight:600}label{display:block;margin:12px 0 4px;"
       "font-size:14px}input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #cfd7df;"
       "border-radius:6px;font-size:16px}button{margin-top:20px;width:100%;padding:12px;border:0;"
       "border-radius:6px;background:#635bff;color:#fff;font-size:16px}.error{color:#df1b41;margin-top:12px}"
       ".row{display:flex;gap:12px}.row>div{flex:1}a{color:#635bff}")


def money(amount: int | None, currency: str | None) -> str:
    if amount is None or currency is None:
        return ""
    if currency in ZERO_DECIMAL:
        return f"{amount:,} {currency.upper()}"
    symbol = SYMBOLS.get(currency)
    whole = f"{amount / 100:,.2f}"
    return f"{symbol}{whole}" if symbol else f"{whole} {currency.upper()}"


def _page(title: str, body: str, status: int = 200) -> Reply:
    text = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><style>{CSS}</style></head>'
            f"<body><main>{body}</main></body></html>")
    return Reply(status, text.encode(), {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"})


def _redirect(location: str) -> Reply:
    return Reply(303, b"", {"location": location, "cache-control": "no-store"})


def _notice(title: str, message: str, status: int = 200) -> Reply:
    return _page(title, f"<section><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></section>", status)


def _checkout_page(fake: StripeFake, session: dict, error: str | None = None, email: str = "") -> Reply:
    e = html.escape
    items = fake.attached.get(session["id"], {}).get("items", [])
    rows = "".join(f'<tr class="item"><td>{e(i["description"])} × {i["quantity"]}</td>'
                   f'<td class="amount">{e(money(i["amount_total"], i["currency"]))}</td></tr>' for i in items)
    total = (f'<tr class="total"><td>Total due today</td><td class="amount" id="total">'
             f'{e(money(session["amount_total"], session["currency"]))}</td></tr>') if items else ""
    back = f'<p><a href="{e(session["cancel_url"])}">← Back</a></p>' if session["cancel_url"] else ""
    verb = {"payment": "Pay", "setup": "Save card", "subscription": "Subscribe"}[session["mode"]]
    shown_email = email or session["customer_email"] or ""
    problem = f'<p class="error" role="alert" id="error">{e(error)}</p>' if error else ""
    return _page("Checkout", f"""<section>{back}<h1>Your order</h1><table>{rows}{total}</table></section>
<section><form method="post" action="/c/pay/{e(session['id'])}" autocomplete="off">
<label for="email">Email</label><input id="email" name="email" type="email" value="{e(shown_email)}">
<label for="cardnumber">Card number</label>
<input id="cardnumber" name="cardnumber" inputmode="numeric" placeholder="1234 1234 1234 1234">
<div class="row"><div><label for="exp">Expiration</label><input id="exp" name="exp" placeholder="MM / YY"></div>
<div><label for="cvc">CVC</label><input id="cvc" name="cvc" inputmode="numeric" placeholder="CVC"></div></div>
<button type="submit" id="submit">{verb}</button>{problem}</form></section>""")


def _closed_page(session: dict) -> Reply:
    if session["status"] == "complete":
        return _notice("Thanks for your payment", "This checkout is complete. You can close this page.")
    return _notice("This checkout session has expired", "Start your purchase again from the shop.")  # wording ours


def _luhn(digits: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(fake: StripeFake, form: dict[str, str]) -> tuple[str | None, str | None]:
    """The test PaymentMethod the typed card stands for, or what the form says is wrong with it."""
    number = re.sub(r"[\s-]", "", form.get("cardnumber", ""))
    if not number.isdigit() or not 13 <= len(number) <= 19 or not _luhn(number):
        return None, INVALID_NUMBER
    exp = re.sub(r"\s", "", form.get("exp", ""))
    match = re.fullmatch(r"(\d{1,2})/(\d{2}|\d{4})", exp)
    if not match or not 1 <= int(match[1]) <= 12:
        return None, INCOMPLETE_EXPIRY
    year = int(match[2]) + (2000 if len(match[2]) == 2 else 0)
    now = datetime.fromtimestamp(fake.now(), timezone.utc)
    if (year, int(match[1])) < (now.year, now.month):
        return None, PAST_EXPIRY
    cvc = form.get("cvc", "").strip()
    if not cvc.isdigit() or len(cvc) not in ((4,) if number.startswith(("34", "37")) else (3,)):
        return None, INCOMPLETE_CVC
    if not form.get("email", "").strip() or "@" not in form["email"]:
        return None, INCOMPLETE_EMAIL
    pm = NUMBERS.get(number)
    return (pm, None) if pm else (None, LIVE_CARD)


def success_location(session: dict) -> str | None:
    url = session["success_url"]
    return url.replace(checkout.TEMPLATE, session["id"]) if url else None


def _after_payment(session: dict) -> Reply:
    location = success_location(session)
    return _redirect(location) if location else _redirect(f"/c/pay/{session['id']}")


def _pay(fake: StripeFake, session: dict, body: bytes, request_id: str) -> Reply:
    if session["status"] != "open":
        return _closed_page(session)
    if len(body) > MAX_FORM:
        return _checkout_page(fake, session, "The form is too large.")
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    pm, problem = _card(fake, form)
    email = form.get("email", "").strip()[:512]
    if problem:
        return _checkout_page(fake, session, problem, email)
    try:
        pi = checkout.attempt(fake, session, pm, Call(request_id), email)
    except StripeError as error:
        return _checkout_page(fake, session, error.message, email)
    if pi is not None:  # 3-D Secure: the challenge page, which sends the buyer back to /return
        fake.attached[session["id"]]["email"] = email
        return _redirect(pi["next_action"]["redirect_to_url"]["url"])
    return _after_payment(session)


def _returned(fake: StripeFake, session: dict, request_id: str) -> Reply:
    if session["status"] == "complete":
        return _after_payment(session)
    if session["status"] != "open" or not session["payment_intent"]:
        return _closed_page(session)
    try:
        checkout.after_authentication(fake, session, Call(request_id), fake.attached[session["id"]].get("email"))
    except StripeError as error:
        return _checkout_page(fake, session, error.message)
    return _after_payment(session)


async def handle(fake: StripeFake, method: str, path: str, query, body: bytes, request_id: str) -> Reply:
    try:
        return _handle(fake, method, path, body, request_id)
    except Exception:  # a bug of ours: a page saying so, never a traceback
        return _notice("Something went wrong", "The payment page could not be shown.", 500)


def _handle(fake: StripeFake, method: str, path: str, body: bytes, request_id: str) -> Reply:
    fake.catch_up()
    link = _LINK.match(path)
    if link and method == "GET":
        from . import payment_links

        session, refusal = payment_links.open_from_link(fake, link["id"], Call(request_id))
        if session is None:
            return _notice("This link is no longer active", refusal, 404)
        return _redirect(session["url"])
    match = _PAY.match(path)
    session = fake.objects.get(match["id"]) if match else None
    if session is None or session["object"] != checkout.KIND or session["ui_mode"] != "hosted_page":
        return _notice("Something went wrong", "The page you were looking for could not be found.", 404)
    if match["back"] and method == "GET":
        return _returned(fake, session, request_id)
    if method == "POST" and not match["back"]:
        return _pay(fake, session, body, request_id)
    if method == "GET":
        return _checkout_page(fake, session) if session["status"] == "open" else _closed_page(session)
    return _notice("Method not allowed", f"{method} is not answered here.", 405)
