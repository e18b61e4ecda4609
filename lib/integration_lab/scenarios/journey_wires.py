"""How each wire of a journey reads as arrows on the sequence picture (scenarios/trace.py labellers).

Telegram: the bot's Bot API calls (bot → Telegram), what the buyer then sees (Telegram → buyer), and the
updates Telegram hands the bot by polling or webhook (Telegram → bot). Providers: Payme's and Click's
calls to our endpoints and our answers, our calls to Stripe and Stripe's webhooks.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import httpx

SHOWN = 40  # characters of a message text on an arrow; the table beside the picture has the transcript


def _json(content: bytes):
    try:
        return json.loads(content)
    except ValueError:
        return None


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def update_label(update: dict) -> str:
    """'message: /start', 'pre_checkout_query: 60 XTR', 'message: successful_payment 60 XTR', …"""
    kind = next((k for k in update if k != "update_id"), "update")
    body = update.get(kind) or {}
    if kind == "message":
        for service in ("successful_payment", "refunded_payment"):
            if service in body:
                pay = body[service]
                return f"{service} {pay['total_amount']} {pay['currency']}"
        return f"message: {_short(body.get('text', '(no text)'))}"
    if kind == "callback_query":
        return f"button: {body.get('data', '')}"
    if kind in ("pre_checkout_query", "shipping_query"):
        amount = f" {body['total_amount']} {body['currency']}" if "total_amount" in body else ""
        return f"{kind}{amount}"
    return kind


def _call_label(method: str, params: dict) -> str:
    if method == "sendInvoice":
        prices = params.get("prices")
        prices = json.loads(prices) if isinstance(prices, str) else prices or []
        return f"sendInvoice {sum(p.get('amount', 0) for p in prices)} {params.get('currency', '')}"
    if method in ("answerPreCheckoutQuery", "answerShippingQuery"):
        return f"{method} {'ok' if params.get('ok') in (True, 'true', 'True') else 'refused'}"
    return method


def telegram_api(request: httpx.Request, response: httpx.Response | None) -> list[tuple[str, str, str]]:
    """Our bot's Bot API calls. getUpdates shows as the updates it brought, the way a webhook would."""
    method = request.url.path.rsplit("/", 1)[-1]
    params = _json(request.content) or dict(parse_qsl(request.content.decode("utf-8", "replace")))
    if response is None:
        return [] if method == "getUpdates" else [("our bot", "Telegram", _call_label(method, params))]
    body = _json(response.content) or {}
    if not body.get("ok"):
        return [("Telegram", "our bot", f"{method} error {body.get('error_code', response.status_code)}: "
                                        f"{_short(body.get('description', ''))}")]
    result = body.get("result")
    if method == "getUpdates":
        return [("Telegram", "our bot", update_label(u)) for u in result or []]
    if method in ("sendMessage", "sendInvoice") and isinstance(result, dict):
        shown = result.get("text") or (result.get("invoice") or {}).get("title", "")
        return [("Telegram", "buyer", f"{'invoice' if 'invoice' in result else 'message'}: {_short(shown)}")]
    return []


def telegram_webhook(request: httpx.Request, response: httpx.Response | None) -> list[tuple[str, str, str]]:
    """Telegram's webhook deliveries to our bot; our answer shows only when it is not a 2xx."""
    if response is None:
        update = _json(request.content)
        return [("Telegram", "our bot", update_label(update))] if isinstance(update, dict) else []
    return [] if response.is_success else [("our bot", "Telegram", f"webhook answer {response.status_code}")]


def provider_calls(request: httpx.Request, response: httpx.Response | None) -> list[tuple[str, str, str]]:
    """Payme's and Click's calls to our endpoints (and Stripe's webhooks), with our answers."""
    path = request.url.path
    if path == "/payme":
        call = _json(request.content) or {}
        if response is None:
            return [("provider", "our bot", f"Payme {call.get('method', '?')}")]
        answer = _json(response.content) or {}
        error = answer.get("error")
        return [("our bot", "provider", f"Payme: error {error['code']}" if error else "Payme: result")]
    if path.startswith("/click/"):
        step = path.rsplit("/", 1)[-1]
        if response is None:
            return [("provider", "our bot", f"Click {step}")]
        answer = _json(response.content) or {}
        return [("our bot", "provider", f"Click {step}: error {answer.get('error')}")]
    if path.endswith("/stripe/webhook"):
        if response is None:
            event = _json(request.content) or {}
            return [("provider", "our bot", f"Stripe event {event.get('type', '?')}")]
        return [] if response.is_success else [("our bot", "provider", f"Stripe webhook answer {response.status_code}")]
    return []


def stripe_api(request: httpx.Request, response: httpx.Response | None) -> list[tuple[str, str, str]]:
    """Our calls to Stripe (the gateway's SDK); Stripe's answer shows only when it refuses."""
    if response is None:
        return [("our bot", "provider", f"Stripe {request.method} {request.url.path}")]
    if response.is_success:
        return []
    error = (_json(response.content) or {}).get("error", {})
    return [("provider", "our bot", f"Stripe {response.status_code} {error.get('code') or error.get('type', '')}")]
