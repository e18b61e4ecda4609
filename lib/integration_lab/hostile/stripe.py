"""Hostile Stripe API calls for `serve stripe`: create and confirm PaymentIntents, refunds and customers.

Bodies are forms as the SDKs send them, then spoilt: values that are not numbers (`--5`, `²`), keys
nested 3,000 deep or never closed (`expand[²]`, `a[`), bad percent-encoding, JSON where a form belongs,
odd keys and header bytes. The protected PaymentIntent has no payment method, so only a confirm naming a
valid one could change it; calls aimed at it never name one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from .values import Draw, Raw, Req, to_form, to_json

KEY = "sk_test_hostile_bench_0000000000000000"  # any sk_test_ key is accepted by serve stripe
TEST_METHODS = ["pm_card_visa", "pm_card_visa_chargeDeclined", "pm_card_authenticationRequired",
                "pm_card_chargeDeclinedExpiredCard", "pm_card_mastercard"]
NOT_A_METHOD = ["pm_card_nonexistent", "", "pm_card_visa\x00", "PM_CARD_VISA", "pm_card_visa ", "pm_", "pm_\ud800",
                "pm_" + "a" * 5000, "card_visa", "%zz", "null"]


@dataclass
class StripeTargets:
    protected_intent: str  # requires_payment_method: only a valid payment method could move it
    intents: list[str] = field(default_factory=list)  # others, some succeeded (refundable)
    charges: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)


def amount(d: Draw) -> object:
    return d.pick(["--5", "-5", "0", "1e3", "5.5", d.digits(25), "NaN", "Infinity", "٥", "²", "", " 5", "5 ",
                   "0x10", "+5", "1_000", "2000", "2000", "99999999", "100000000", Raw("%zz"), Raw("%ff")])


def currency(d: Draw) -> object:
    return d.pick(["usd", "usd", "", "USD", "xxx", "us", "ü", "usd\x00", "a" * 300, "uzs", "\ud800", Raw("us%d")])


def junk_pairs(d: Draw) -> list[tuple[object, object]]:
    """Keys a form parser may trip on."""
    n = d.r.randint(1, 4)
    return [d.pick([
        lambda: ("expand[²]", "x"), lambda: ("expand[]", d.text()),
        lambda: (Raw("a" + "[b]" * d.r.randint(100, 3000)), "1"),
        lambda: ("metadata[", "x"), lambda: ("metadata]]", "x"), lambda: ("[]", "x"), lambda: ("amount[]", "1"),
        lambda: ("amount[x]", "1"), lambda: ("metadata[" + "k" * 100 + "]", "v"), lambda: ("metadata[k]", "v" * 1000),
        lambda: (Raw("am%zzount"), "1"), lambda: (Raw("%ff"), "1"), lambda: (Raw(""), Raw("")),
        lambda: ("unknown", "1"),
        lambda: ("metadata[\ud800]", "\ud800"), lambda: ("expand[0][1]", "x"), lambda: ("expand[99999999999]", "x"),
        lambda: ("metadata[a][b][c]", "x"), lambda: (Raw("=" * 10), Raw("&" * 10)), lambda: ("metadata", "flat"),
    ])() for _ in range(n)]


def many_metadata(d: Draw) -> list[tuple[object, object]]:
    return [(f"metadata[k{i}]", "v") for i in range(d.r.randint(40, 120))]


def _intent_id(d: Draw, t: StripeTargets) -> str:
    return d.pick([lambda: d.pick(t.intents), lambda: d.pick(t.intents), lambda: "pi_123",
                   lambda: quote(d.text(), errors="surrogatepass")[:4000], d.percent, lambda: "pi_" + "a" * 5000,
                   lambda: "..", lambda: "%2e%2e", lambda: "pi_x%2Fconfirm"])()


def create_intent(d: Draw, t: StripeTargets) -> Req:
    pairs: list = []
    if d.chance(0.85):
        pairs.append(("amount", amount(d)))
    if d.chance(0.85):
        pairs.append(("currency", currency(d)))
    for name, values in (("payment_method", TEST_METHODS + NOT_A_METHOD),
                         ("confirm", ["true", "false", "maybe", "", "1"]),
                         ("capture_method", ["manual", "automatic", "bogus", ""]),
                         ("payment_method_types[]", ["card", "bogus", ""]), ("customer", ["cus_nope", "", "\ud800"]),
                         ("return_url", ["https://shop.example/r", "javascript:1", "not a url", "http://[::1"]),
                         ("description", ["x" * 30000, "\ud800", "ok"]),
                         ("setup_future_usage", ["bogus", "off_session"]),
                         ("automatic_payment_methods[enabled]", ["true", "maybe"]), ("off_session", ["true", "x"])):
        if d.chance(0.2):
            pairs.append((name, d.pick(values) if d.chance(0.8) else d.text()))
    if t.customers and d.chance(0.1):
        pairs.append(("customer", d.pick(t.customers)))
    return _spoil(d, pairs, "/v1/payment_intents")


def confirm_intent(d: Draw, t: StripeTargets) -> Req:
    protected = d.chance(0.35)
    pairs: list = []
    if protected or d.chance(0.5):
        pairs.append(("payment_method", d.pick(NOT_A_METHOD) if protected else d.pick(TEST_METHODS + NOT_A_METHOD)))
    for name, values in (("return_url", ["https://shop.example/r", "javascript:1", "http://[::1", ""]),
                         ("off_session", ["true", "maybe", ""]),
                         ("expand[]", ["latest_charge", "bogus", "payment_method"]),
                         ("receipt_email", ["a@b.c", "nope", "\ud800"]), ("payment_method[]", ["pm_card_visa"]),
                         ("payment_method_data[type]", ["card"])):
        if d.chance(0.2):
            pairs.append((name, d.pick(values)))
    if protected:
        pairs = [p for p in pairs if p[0] != "payment_method" or p[1] in NOT_A_METHOD]
    ident = t.protected_intent if protected else _intent_id(d, t)
    req = _spoil(d, pairs, f"/v1/payment_intents/{ident}/confirm")
    req.aimed = protected
    return req


def refund(d: Draw, t: StripeTargets) -> Req:
    pairs: list = []
    roll = d.r.random()
    if roll < 0.45:
        intent = d.pick([t.protected_intent] + t.intents) if d.chance(0.7) else _intent_id(d, t)
        pairs.append(("payment_intent", intent))
    elif roll < 0.8:
        charge = d.pick(t.charges) if t.charges and d.chance(0.7) else d.pick(["ch_nope", "", d.text()])
        pairs.append(("charge", charge))
    if d.chance(0.5):
        pairs.append(("amount", amount(d)))
    if d.chance(0.3):
        pairs.append(("reason", d.pick(["duplicate", "fraudulent", "requested_by_customer", "bogus", "", d.text()])))
    if d.chance(0.1):
        pairs.append(("payment_intent", "pi_second"))  # the same key twice
    req = _spoil(d, pairs, "/v1/refunds")
    req.aimed = any(v == t.protected_intent for _, v in pairs)
    return req


def create_customer(d: Draw, t: StripeTargets) -> Req:
    pairs: list = []
    for name, values in (("email", ["a@b.c", "nope", "a" * 600 + "@b.c", "\ud800@x"]), ("name", ["Ann", "x" * 10000]),
                         ("description", ["ok", "\x00"]), ("phone", ["+998901234567", "phone"]),
                         ("payment_method", TEST_METHODS + NOT_A_METHOD), ("metadata[plan]", ["gold", ""])):
        if d.chance(0.4):
            pairs.append((name, d.pick(values) if d.chance(0.7) else d.text()))
    return _spoil(d, pairs, "/v1/customers")


def _spoil(d: Draw, pairs: list, path: str) -> Req:
    """The common spoils: junk keys, too much metadata, a JSON or junk body, odd auth and idempotency headers."""
    if d.chance(0.3):
        pairs += junk_pairs(d)
    if d.chance(0.04):
        pairs += many_metadata(d)
    if d.chance(0.1):
        d.r.shuffle(pairs)
    headers = {"authorization": b"Bearer " + KEY.encode(), "content-type": b"application/x-www-form-urlencoded"}
    body = to_form(pairs)
    roll = d.r.random()
    if roll < 0.05:
        body = to_json({str(k.data if isinstance(k, Raw) else k): d.value() for k, _ in pairs})
        headers["content-type"] = b"application/json"
    elif roll < 0.1:
        body = d.junk_bytes()
    elif roll < 0.15:
        headers["content-type"] = d.content_type(b"application/x-www-form-urlencoded")
    if d.chance(0.08):
        headers["authorization"] = d.pick([b"", b"Bearer", b"Bearer sk_live_x", b"Bearer sk_test_\xff", b"Basic !!!",
                                           b"Basic /w==", b"Bearer sk_test_" + b"a" * 5000, b"bearer  " + KEY.encode(),
                                           b"Basic " + d.header(), d.header()])
    if d.chance(0.12):  # mostly fresh keys: a reused one replays its first answer and tests nothing more
        odd = d.pick([b"k" * 300, b"\xff\xfe", d.header()])
        headers["idempotency-key"] = d.digits(24).encode() if d.chance(0.7) else odd
    if d.chance(0.05):
        headers["stripe-version"] = d.pick([b"1999-01-01", b"\xb2", b"", b"2099-99-99.bogus"])
    if d.chance(0.04):
        path += "?" + d.percent()
    return Req(d.pick(["POST"] * 40 + ["PUT", "PATCH"]), path, headers, body)


ENDPOINTS = {"POST /v1/payment_intents": create_intent, "POST /v1/payment_intents/{id}/confirm": confirm_intent,
             "POST /v1/refunds": refund, "POST /v1/customers": create_customer}
