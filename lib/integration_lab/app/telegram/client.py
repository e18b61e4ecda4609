"""Our Bot API client: httpx, typed errors, and retries that cannot send a message twice.

429 is always retried after `retry_after` (Telegram did not run the call). 5xx answers and timeouts are
retried only for calls that are safe to repeat (reads and webhook settings): a sendMessage that timed
out may have been delivered, and sending it again would show the buyer the message twice.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections import deque
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import httpx

ATTEMPTS_KEPT = 1000  # the newest calls on the wire, for tables and tests; older ones are dropped
URLS_KEPT = 64  # methods whose absolute URL is kept (a bot calls a handful; `call` takes any name)
SAFE_TO_REPEAT = {"getme", "getchat", "getupdates", "getwebhookinfo", "setwebhook", "deletewebhook",
                  "sendchataction", "getstartransactions", "getmystarbalance"}


class TelegramError(Exception):
    def __init__(self, method: str, code: int, description: str, parameters: dict | None = None):
        super().__init__(f"{method}: {code} {description}")
        self.method, self.code, self.description = method, code, description
        self.parameters = parameters or {}


class BadRequest(TelegramError):
    pass


class ChatMigrated(BadRequest):
    @property
    def new_chat_id(self) -> int:
        return self.parameters["migrate_to_chat_id"]


class Unauthorized(TelegramError):
    pass


class Forbidden(TelegramError):
    pass


class NotFound(TelegramError):
    pass


class Conflict(TelegramError):
    pass


class FloodWait(TelegramError):
    @property
    def retry_after(self) -> int:
        # Telegram always says how long; a 429 from something in between (a proxy) may not: wait a second
        return self.parameters.get("retry_after") or 1


class ServerError(TelegramError):
    pass


class TimedOut(TelegramError):
    """No answer: the call may or may not have run, so only calls safe to repeat are retried."""

    def __init__(self, method: str, description: str = "no answer in time"):
        super().__init__(method, 0, description)


_BY_CODE = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict, 429: FloodWait}


def error_for(method: str, status: int, body: Any) -> TelegramError:
    body = body if isinstance(body, dict) else {}
    code = body.get("error_code", status)
    description = body.get("description", f"HTTP {status}")
    parameters = body.get("parameters") or {}
    if "migrate_to_chat_id" in parameters:
        return ChatMigrated(method, code, description, parameters)
    if "retry_after" in parameters:
        return FloodWait(method, code, description, parameters)
    return _BY_CODE.get(code, ServerError if code >= 500 else TelegramError)(method, code, description, parameters)


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS context, made once per process: loading the CA bundle takes ~50 ms, and every
    shop (a notebook builds dozens) makes a client of its own."""
    return httpx.create_ssl_context()


@dataclass
class Attempt:
    method: str
    attempt: int
    outcome: str  # "ok", or the error's description
    waited: float  # seconds slept before the next attempt (0 when none)


class BotApi:
    def __init__(self, token: str, base_url: str = "https://api.telegram.org",
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, max_retries: int = 3,
                 timeout: float = 10.0):
        self._token = token
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout,
                                       verify=_tls() if transport is None else True)
        self._timeout = timeout
        self._urls: dict[str, httpx.URL] = {}  # per method: httpx parses and merges a relative URL on every call
        self.sleep, self.max_retries = sleep, max_retries
        self.attempts: deque[Attempt] = deque(maxlen=ATTEMPTS_KEPT)  # what happened on the wire

    async def call(self, method: str, /, **params: Any) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        for attempt in range(1, self.max_retries + 2):
            try:
                return self._record(method, attempt, await self._once(method, params))
            except (FloodWait, ServerError, TimedOut) as error:
                wait = self._retry_wait(error, attempt)
                self.attempts.append(Attempt(method, attempt, error.description, wait or 0))
                if wait is None:
                    raise
                await self.sleep(wait)
            except TelegramError as error:
                self.attempts.append(Attempt(method, attempt, error.description, 0))
                raise
        raise AssertionError("unreachable")

    def _retry_wait(self, error: TelegramError, attempt: int) -> float | None:
        if attempt > self.max_retries:
            return None
        if isinstance(error, FloodWait):
            return error.retry_after
        return 2.0 ** (attempt - 1) if error.method.lower() in SAFE_TO_REPEAT else None

    def _record(self, method: str, attempt: int, result: Any) -> Any:
        self.attempts.append(Attempt(method, attempt, "ok", 0))
        return result

    def _url(self, method: str) -> httpx.URL:
        url = self._urls.get(method)
        if url is None:
            url = self._http.build_request("POST", f"/bot{self._token}/{method}").url  # merged with base_url
            if len(self._urls) < URLS_KEPT:
                self._urls[method] = url
        return url

    async def _once(self, method: str, params: dict) -> Any:
        try:
            wait = self._timeout + int(params.get("timeout", 0)) if method.lower() == "getupdates" else self._timeout
            response = await self._http.post(self._url(method), json=params, timeout=wait)
        except httpx.TimeoutException:
            raise TimedOut(method) from None
        except httpx.TransportError:  # refused or cut: a TelegramError too, so callers that note a lost reply do
            raise TimedOut(method, "no answer: the connection failed") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and body.get("ok"):
            return body["result"]
        raise error_for(method, response.status_code, body)

    # the calls a shop bot makes
    async def get_me(self) -> dict:
        return await self.call("getMe")

    async def send_message(self, chat_id: int, text: str, **options: Any) -> dict:
        return await self.call("sendMessage", chat_id=chat_id, text=text, **options)

    async def edit_message_text(self, chat_id: int, message_id: int, text: str, **options: Any) -> dict:
        return await self.call("editMessageText", chat_id=chat_id, message_id=message_id, text=text, **options)

    async def answer_callback_query(self, callback_query_id: str, **options: Any) -> bool:
        return await self.call("answerCallbackQuery", callback_query_id=callback_query_id, **options)

    async def get_updates(self, offset: int | None = None, timeout: int = 0, **options: Any) -> list[dict]:
        return await self.call("getUpdates", offset=offset, timeout=timeout, **options)

    async def set_webhook(self, url: str, secret_token: str | None = None, **options: Any) -> bool:
        return await self.call("setWebhook", url=url, secret_token=secret_token, **options)

    async def get_webhook_info(self) -> dict:
        return await self.call("getWebhookInfo")

    # payments: none of these is repeated after a 5xx or a timeout (an answer or a refund may have landed)
    async def send_invoice(self, chat_id: int, title: str, description: str, payload: str, currency: str,
                           prices: list[dict], provider_token: str = "", **options: Any) -> dict:
        return await self.call("sendInvoice", chat_id=chat_id, title=title, description=description,
                               payload=payload, provider_token=provider_token, currency=currency, prices=prices,
                               **options)

    async def create_invoice_link(self, title: str, description: str, payload: str, currency: str,
                                  prices: list[dict], provider_token: str = "", **options: Any) -> str:
        return await self.call("createInvoiceLink", title=title, description=description, payload=payload,
                               provider_token=provider_token, currency=currency, prices=prices, **options)

    async def answer_shipping_query(self, shipping_query_id: str, ok: bool, shipping_options: list[dict] | None = None,
                                    error_message: str | None = None) -> bool:
        return await self.call("answerShippingQuery", shipping_query_id=shipping_query_id, ok=ok,
                               shipping_options=shipping_options, error_message=error_message)

    async def answer_pre_checkout_query(self, pre_checkout_query_id: str, ok: bool,
                                        error_message: str | None = None) -> bool:
        return await self.call("answerPreCheckoutQuery", pre_checkout_query_id=pre_checkout_query_id, ok=ok,
                               error_message=error_message)

    async def refund_star_payment(self, user_id: int, telegram_payment_charge_id: str) -> bool:
        return await self.call("refundStarPayment", user_id=user_id,
                               telegram_payment_charge_id=telegram_payment_charge_id)

    async def get_star_transactions(self, offset: int | None = None, limit: int | None = None) -> dict:
        return await self.call("getStarTransactions", offset=offset, limit=limit)

    async def close(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"BotApi(bot {self._token.partition(':')[0]}:***, {self._http.base_url})"
