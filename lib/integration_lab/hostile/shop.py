"""Hostile calls to `serve app`: /payme (JSON-RPC, with and without valid Basic auth), /click/prepare and
/click/complete (random forms, and forms signed as Click signs them then spoilt), /stripe/webhook (bad
Stripe-Signature headers, and well-signed garbage), /telegram/webhook and /_lab/orders.

Calls aimed at the protected order never carry its right amount, and a signed Stripe event naming it always
has an id or amount no Stripe object has, so nothing a provider could really send reaches it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from .values import Draw, Raw, Req, to_form, to_json

PAYME_METHODS = ["CheckPerformTransaction", "CreateTransaction", "PerformTransaction", "CancelTransaction",
                 "CheckTransaction", "GetStatement", "SetFiscalData"]
CLICK_FIELDS = ["click_trans_id", "service_id", "click_paydoc_id", "merchant_trans_id", "merchant_prepare_id",
                "amount", "action", "error", "error_note", "sign_time", "sign_string"]
CLICK_SPOILS = ["", "-1", "1e3", "NaN", "Infinity", "99999999999999999999", "5000.001", "-5000.00", "5000,00",
                "٥٠٠٠",
                " 1", "1_0", "0x10", "2026-13-45 99:00:00", "\ud800", "a" * 3000, "１", "None", "[]", "²"]
EVENT_TYPES = ["payment_intent.succeeded", "payment_intent.created", "payment_intent.payment_failed",
               "payment_intent.canceled", "payment_intent.amount_capturable_updated", "charge.refunded",
               "charge.captured", "customer.created", "bogus", ""]


@dataclass
class ShopTargets:
    protected_order: str
    protected_amount: int  # tiyin; never sent for the protected order
    orders: list[tuple[str, int]] = field(default_factory=list)  # (order id, tiyin) that may really be paid
    prepared: list[tuple[int, str, int, int]] = field(default_factory=list)  # Click (trans, order, tiyin, prepare id)
    users: list[int] = field(default_factory=list)  # Telegram users the Bot API fake knows
    payme_key: str = field(default="", repr=False)
    click_service_id: int = 0
    click_secret: str = field(default="", repr=False)
    stripe_secret: str = field(default="", repr=False)
    telegram_secret: str = field(default="", repr=False)
    tx_ids: list[str] = field(default_factory=lambda: [f"{0x63f0c1a2b3c4d5e6f7a8b900 + i:024x}" for i in range(12)])


def _order(d: Draw, t: ShopTargets) -> tuple[object, object, bool]:
    """(order id, tiyin, aimed at the protected order)."""
    roll = d.r.random()
    if roll < 0.3:
        amount = t.protected_amount
        wrong = d.pick([amount + 1, amount - 1, 0, -amount, 1, amount * 100])
        return t.protected_order, wrong if d.chance(0.7) else d.pick([d.number(), d.text(), None, [], {}]), True
    if roll < 0.75 and t.orders:
        order, tiyin = d.pick(t.orders)
        return order, tiyin if d.chance(0.6) else d.number(), False
    return d.pick([lambda: "999999", d.text, d.number, lambda: None, lambda: {"a": 1}])(), d.number(), False


def _safe_amount(value, t: ShopTargets, protected: bool):
    """A number drawn for the protected order is replaced if it equals its amount."""
    try:
        if protected and not isinstance(value, (str, Raw, list, dict, bool)) and value == t.protected_amount:
            return t.protected_amount + 1
    except TypeError:
        pass
    return value


def payme(d: Draw, t: ShopTargets) -> Req:
    order, tiyin, protected = _order(d, t)
    method = d.pick(PAYME_METHODS) if d.chance(0.9) else d.pick(["checktransaction", "", "ChangePassword", d.text()])
    tx = d.pick(t.tx_ids) if d.chance(0.8) else d.pick([d.text, d.number, lambda: "0" * 25, lambda: None])()
    params = _payme_params(d, method, order, tiyin, tx)
    if d.chance(0.15):
        params[d.pick(list(params) + ["account", d.key()])] = d.value()  # a field wrongly typed or unknown
    if d.chance(0.1) and params:
        params.pop(d.pick(list(params)))
    if protected and "amount" in params:
        params["amount"] = _safe_amount(params["amount"], t, True)
    rpc: dict = {"jsonrpc": "2.0", "id": d.r.randint(1, 10 ** 6) if d.chance(0.85) else d.scalar(), "method": method,
                 "params": params}
    if d.chance(0.1):
        rpc[d.pick(["jsonrpc", "id", "method", "params"])] = d.value()
    if d.chance(0.05):
        rpc.pop(d.pick(list(rpc)))
    body = to_json(rpc) if d.chance(0.85) else d.pick([d.junk_bytes, lambda: to_json(d.value()),
                                                        lambda: b'{"id": "\\ud800", "method": "CheckTransaction"}'])()
    good = "Basic " + base64.b64encode(f"Paycom:{t.payme_key}".encode()).decode()
    auth = good.encode() if d.chance(0.7) else d.pick([
        None, b"Basic " + base64.b64encode(f"Paycom:{t.payme_key}x".encode()), b"Basic \xff", b"Bearer x",
        b"Basic " + b"A" * 5000, b"Basic ====", b"Basic " + base64.b64encode(b"Paycom:\xff\xfe"),
        b"Basic " + base64.b64encode(b"Paycom"),
        b"basic " + good[6:].encode(), d.header()])
    headers = {"content-type": d.content_type(b"application/json")}
    if auth is not None:
        headers["authorization"] = auth
    if d.chance(0.05):
        headers["x-odd"] = d.header()
    return Req("POST" if d.chance(0.97) else d.pick(["GET", "PUT"]), "/payme", headers, body)


def _payme_params(d: Draw, method: str, order, tiyin, tx) -> dict:
    now = int(time.time() * 1000)
    if method == "CheckPerformTransaction":
        return {"amount": tiyin, "account": {"order_id": order}}
    if method == "CreateTransaction":
        return {"id": tx, "time": d.pick([now, now, now, now - 50_000_000, d.number()]), "amount": tiyin,
                "account": {"order_id": order}}
    if method == "CancelTransaction":
        return {"id": tx, "reason": d.pick([1, 2, 3, 4, 5, 10, 1.0, "1", 99, 0, -1, None, True, 1e308, float("nan"), [],
                                            "\ud800"])}
    if method == "GetStatement":
        return {"from": d.pick([0, now - 86_400_000, d.number()]), "to": d.pick([now + 1000, 0, d.number()])}
    if method == "SetFiscalData":
        return {"id": tx, "type": d.pick(["PERFORM", "CANCEL", "", d.text()]), "fiscal_data": d.value()}
    return {"id": tx}


def click_sign(fields: dict, secret: str, action: str) -> str:
    middle = fields.get("merchant_prepare_id", "") if action == "1" else ""
    text = (str(fields.get("click_trans_id", "")) + str(fields.get("service_id", "")) + secret
            + str(fields.get("merchant_trans_id", "")) + str(middle) + str(fields.get("amount", ""))
            + str(fields.get("action", "")) + str(fields.get("sign_time", "")))
    return hashlib.md5(text.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()  # Click's formula


def click(action: str):
    def generate(d: Draw, t: ShopTargets) -> Req:
        if d.chance(0.35):
            return _click_req(d, {k: d.pick([d.text(), d.digits(d.r.randint(1, 20)), "0", "1"])
                                   for k in d.r.sample(CLICK_FIELDS, d.r.randint(0, len(CLICK_FIELDS)))})
        return _click_req(d, _spoilt_click(d, t, action), spoil_body=False)
    return generate


def _spoilt_click(d: Draw, t: ShopTargets, action: str) -> dict:
    trans = d.r.randint(10_000_000, 99_999_999)
    if action == "1" and t.prepared and d.chance(0.7):
        trans, order, tiyin, prepare_id = d.pick(t.prepared)
        protected = False
    else:
        order, tiyin, protected = _order(d, t)
        prepare_id = d.r.randint(1, 10 ** 6)
        if not isinstance(tiyin, int) or isinstance(tiyin, bool):
            tiyin = t.protected_amount + 100
    if protected and tiyin == t.protected_amount:
        tiyin += 1
    fields = {"click_trans_id": str(trans), "service_id": str(t.click_service_id), "click_paydoc_id": str(trans + 7),
              "merchant_trans_id": str(order), "amount": f"{tiyin // 100}.{tiyin % 100:02d}", "action": action,
              "error": "0", "error_note": "Success", "sign_time": time.strftime("%Y-%m-%d %H:%M:%S")}
    if action == "1":
        fields["merchant_prepare_id"] = str(prepare_id)
    how, name = d.pick(["after", "before", "secret", "sign", "drop"]), d.pick(CLICK_FIELDS[:-1])
    if how == "before":  # the spoilt value is signed: every check past the signature sees it
        extra = {"action": ["0", "1", "2"], "error": ["-5017"]}.get(name, [])
        fields[name] = d.pick(CLICK_SPOILS + extra)
    if how == "drop":
        fields.pop(name, None)
    fields["sign_string"] = click_sign(fields, t.click_secret if how != "secret" else t.click_secret + "x", action)
    if how == "after":
        fields[name] = d.pick(CLICK_SPOILS)
    if how == "sign":
        fields["sign_string"] = d.pick([fields["sign_string"].upper(), fields["sign_string"][:-1], "z" * 32, "",
                                        fields["sign_string"] + "\ud800"])
    return fields


def _click_req(d: Draw, fields: dict, spoil_body: bool = True) -> Req:
    pairs = list(fields.items())
    if d.chance(0.05):
        pairs.append(d.pick([(Raw("amount"), Raw("%zz")), (Raw("%ff"), Raw("1")), ("amount", "1")]))  # odd or twice
    body = to_form(pairs)
    if d.chance(0.04):
        body = d.junk_bytes()
    headers = {"content-type": d.content_type(b"application/x-www-form-urlencoded") if d.chance(0.1)
               else b"application/x-www-form-urlencoded"}
    return Req("POST", "", headers, body)


def click_prepare(d: Draw, t: ShopTargets) -> Req:
    req = click("0")(d, t)
    req.target = "/click/prepare"
    return req


def click_complete(d: Draw, t: ShopTargets) -> Req:
    req = click("1")(d, t)
    req.target = "/click/complete"
    return req


def stripe_signature(secret: str, body: bytes, at: int | None = None) -> bytes:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}".encode()


def _event(d: Draw, t: ShopTargets) -> object:
    order, tiyin, protected = _order(d, t)
    obj: dict = {"id": "pi_" + d.digits(14), "object": "payment_intent", "amount": tiyin, "currency": "uzs",
                 "metadata": {"order_id": order}, "payment_intent": "pi_" + d.digits(14), "amount_refunded": d.number()}
    for _ in range(d.r.randint(0, 3)):
        obj[d.pick(list(obj))] = d.value()
    if protected:  # spoilt in every field a handler reads (a charge's ref or refunded total, an intent's id and
        # amount), so no event a real Stripe could send reaches the protected order
        not_ref, not_amount = [None, 5, [], {}, "", "\ud800", 2 ** 64], [None, "500000", 0.5, 1e308, True, [], -1]
        obj["id"], obj["amount"] = d.pick(not_ref), d.pick(not_amount + [float("nan")])
        if d.chance(0.5):
            obj["payment_intent"], obj["amount_refunded"] = d.pick(not_ref), d.r.randint(1, 10 ** 6)
        else:
            obj["payment_intent"], obj["amount_refunded"] = "pi_" + d.digits(14), d.pick(not_amount)
        obj["metadata"] = {"order_id": t.protected_order}
    event: dict = {"id": "evt_" + d.digits(16), "object": "event", "type": d.pick(EVENT_TYPES), "data": {"object": obj}}
    if d.chance(0.3):
        spoilt = d.value() if not protected else d.pick([None, 5, [], "\ud800"])
        event[d.pick(["id", "type", "data", "object"])] = spoilt
    if d.chance(0.1):
        event.pop(d.pick(list(event)))
    return event


def stripe_webhook(d: Draw, t: ShopTargets) -> Req:
    roll = d.r.random()
    body = to_json(_event(d, t)) if d.chance(0.7) else d.odd_body()
    if roll < 0.6:  # signed with the right secret: garbage a key holder sent (the deeper path)
        sig = stripe_signature(t.stripe_secret, body)
    else:
        good = stripe_signature(t.stripe_secret, body)
        sig = d.pick([
            b"t=" + d.digits(5000).encode() + b",v1=aa", b"t=\xb2,v1=" + good[-64:], good[:-64] + "é".encode() * 32,
            b"t=,v1=", b"t=" + str(int(time.time())).encode(), b"v0=" + good[-64:], b"," * 4000, b"t=-1,v1=aa",
            b"t=1e10,v1=aa", b"t=NaN,v1=aa", b"t=0x10,v1=aa", good.replace(b"t=", b"t=1,t="), b"t = 1 , v1 = x",
            stripe_signature(t.stripe_secret, body, int(time.time()) - 3600),
            stripe_signature(t.stripe_secret, body, int(time.time()) + 10 ** 12),
            stripe_signature(t.stripe_secret + "x", body), stripe_signature(t.stripe_secret, body + b" "),
            good + b",v1=" + b"\xff" * 64, good.replace(b"v1=", b"v1=" + b"0" * 8000), d.header(), None])
    headers = {"content-type": d.content_type(b"application/json")}
    if sig is not None:
        headers["stripe-signature"] = sig
    return Req("POST" if d.chance(0.97) else "GET", "/stripe/webhook", headers, body)


def _update(d: Draw, t: ShopTargets) -> dict:
    user = d.pick(t.users) if t.users and d.chance(0.8) else d.pick([d.number, d.text, lambda: None])()
    person = {"id": user, "is_bot": False, "first_name": d.pick(["Ann", d.text()])}
    chat = {"id": user, "type": "private"}
    text = d.pick(["/start", "/help", "/catalog", "/buy tea", "/buy mug", "/buy " + "x" * 5000, "/buy\ud800", "hi"]
                  + [d.text()] * 3)
    message: dict = {"message_id": d.r.randint(1, 10 ** 6), "date": int(time.time()), "chat": chat, "from": person,
                     "text": text}
    callback = {"id": d.digits(15), "from": person, "chat_instance": "1", "data": d.pick(
        ["buy:tea", "checkout", "cancel", "buy:\ud800", "", "a" * 65, d.text()]), "message": message}
    update: dict = {"update_id": d.r.randint(1, 2 ** 31)}
    kind = d.pick(["message", "message", "callback_query", "edited_message", "pre_checkout_query", "unknown", None])
    if kind == "callback_query":
        update[kind] = callback
    elif kind:
        update[kind] = message
    for _ in range(d.r.randint(0, 2)):  # one field spoilt somewhere
        where = d.pick([update, message, person, chat, callback])
        where[d.pick(list(where) or ["x"])] = d.value()
    if d.chance(0.1):
        where = d.pick([message, person, chat, callback, update])
        where.pop(d.pick(["text", "from", "chat", "id", "update_id", "data"]), None)
    return update


def telegram_webhook(d: Draw, t: ShopTargets) -> Req:
    body = to_json(_update(d, t)) if d.chance(0.85) else d.odd_body()
    headers = {"content-type": d.content_type(b"application/json")}
    secret = t.telegram_secret.encode() if d.chance(0.75) else d.pick([None, b"wrong", b"\xff" * 8, b"a" * 300, b""])
    if secret is not None:
        headers["x-telegram-bot-api-secret-token"] = secret
    return Req("POST" if d.chance(0.97) else "GET", "/telegram/webhook", headers, body)


def lab_orders(d: Draw, t: ShopTargets) -> Req:
    roll = d.r.random()
    segment = d.pick([lambda: quote(d.text(), errors="surrogatepass")[:3000], d.percent, lambda: "..", lambda: "",
                      lambda: d.pick(t.orders)[0] if t.orders else "x", lambda: "a" * 5000, lambda: "%2F"])()
    if roll < 0.6:
        fields: dict = {}
        for name, maker in (("amount", lambda: d.pick([500000, 1, 0, -1, 10 ** 30]) if d.chance(0.3) else d.number()),
                            ("currency", lambda: d.pick(["UZS", "USD", "", "uzs", "EUR", d.text()])),
                            ("order_id", lambda: d.pick([t.protected_order, d.text(), d.number(), None])),
                            ("description", lambda: d.pick(["x" * 100000, d.text(), d.value()]))):
            if d.chance(0.7):
                fields[name] = maker()
        if d.chance(0.1):
            fields[d.key()] = d.value()
        body = to_json(fields) if d.chance(0.85) else d.odd_body()
        return Req("POST", "/_lab/orders", {"content-type": d.content_type(b"application/json")}, body)
    if roll < 0.8:
        return Req("GET", f"/_lab/orders/{segment}" + d.pick(["", "", "/x", "?" + d.percent()]), {}, b"")
    if segment == t.protected_order:
        segment = "x"
    verb, path = d.pick([("POST", f"/_lab/orders/{segment}/deliver"), ("DELETE", "/_lab/orders"),
                         ("PUT", f"/_lab/orders/{segment}"), ("GET", "/_lab/orders"), ("POST", "/_lab/orders/x/y/z"),
                         ("POST", "/_lab/ordersX")])
    return Req(verb, path, {"content-type": b"application/json"}, d.pick([b"", b"{}", d.junk_bytes()]))


ENDPOINTS = {"/payme": payme, "/click/prepare": click_prepare, "/click/complete": click_complete,
             "/stripe/webhook": stripe_webhook, "/telegram/webhook": telegram_webhook, "/_lab/orders": lab_orders}
