"""Our Bot API client: httpx, typed errors, and retries that cannot send a message twice.

Retries are tenacity's, waiting on the sleep we are given (a notebook's lab clock):

    429                       always retried after `retry_after` (Telegram did not run the call)
    connect or pool timeout,  always retried: the request never left us
    refused connection
    5xx, read/write timeout   retried with backoff and seeded jitter only for calls safe to repeat (reads,
                              webhook settings): a sendMessage that timed out may have been delivered, and
                              sending it again would show the buyer the message twice
    401, 403, other 4xx       never retried: the same call would get the same answer

Each phase of a request has its own timeout (httpx.Timeout: connect, write, read, pool). With a circuit
breaker, 5xx answers and timeouts count towards opening it, and an open breaker refuses calls without
sending them (NotSent); with a bulkhead, at most its limit of calls are in flight at once.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
from collections import deque
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ..resilience import Bulkhead, BulkheadFull, CircuitBreaker, CircuitOpen, SeededJitter

@dataclass(frozen=True)
class Upload:
    """A file sent in the request itself (multipart/form-data), where the Bot API takes an InputFile."""
    filename: str
    data: bytes = b""
    mime: str = "application/octet-stream"

    def __repr__(self) -> str:  # never the bytes
        return f"Upload({self.filename!r}, {len(self.data)} bytes)"


ATTEMPTS_KEPT = 1000  # the newest calls on the wire, for tables and tests; older ones are dropped
URLS_KEPT = 64  # methods whose absolute URL is kept (a bot calls a handful; `call` takes any name)
SAFE_TO_REPEAT = {"getme", "getchat", "getupdates", "getwebhookinfo", "setwebhook", "deletewebhook",
                  "sendchataction", "getstartransactions", "getmystarbalance", "setmycommands", "setmydescription",
                  "setmyshortdescription"}


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
    """No answer. `sent` False: the request never left (connect or pool timeout, a refused connection), so
    any call may be repeated; otherwise it may have run, and only calls safe to repeat are retried."""

    def __init__(self, method: str, description: str = "no answer in time", sent: bool = True):
        super().__init__(method, 0, description)
        self.sent = sent


class NotSent(TelegramError):
    """Our own refusal before the wire: the breaker is open or the bulkhead is full. Try at `retry_at`."""

    def __init__(self, method: str, description: str, retry_at: float | None = None):
        super().__init__(method, 0, description)
        self.retry_at = retry_at


def trips_breaker(error: BaseException) -> bool:
    """What says Telegram itself is unwell: 5xx and silence. A 429 or a 4xx is an answer about our call."""
    return isinstance(error, (ServerError, TimedOut))


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


TIMEOUT = httpx.Timeout(10.0, connect=5.0)  # seconds per phase: connect, write, read, pool
BACKOFF, BACKOFF_CAP = 1.0, 30.0  # seconds: the first retry's wait (before jitter), and the most


def repeatable(error: BaseException) -> bool:
    """Whether repeating the call is safe (see the module's table)."""
    if isinstance(error, FloodWait):
        return True
    if isinstance(error, TimedOut) and not error.sent:
        return True
    return isinstance(error, (ServerError, TimedOut)) and error.method.lower() in SAFE_TO_REPEAT


class BotApi:
    def __init__(self, token: str, base_url: str = "https://api.telegram.org",
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, max_retries: int = 3,
                 timeout: float | httpx.Timeout = TIMEOUT, breaker: CircuitBreaker | None = None,
                 bulkhead: Bulkhead | None = None, jitter_seed: int = 0):
        self._token = token
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), transport=transport, timeout=self._timeout,
                                       verify=_tls() if transport is None else True)
        self._urls: dict[str, httpx.URL] = {}  # per method: httpx parses and merges a relative URL on every call
        self.sleep, self.max_retries = sleep, max_retries
        self.breaker, self.bulkhead = breaker, bulkhead
        told = lambda error: error.retry_after if isinstance(error, FloodWait) else None  # noqa: E731
        self._wait = SeededJitter(BACKOFF, BACKOFF_CAP, jitter_seed, told)
        self.attempts: deque[Attempt] = deque(maxlen=ATTEMPTS_KEPT)  # what happened on the wire

    async def call(self, method: str, /, **params: Any) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        retrying = AsyncRetrying(stop=stop_after_attempt(self.max_retries + 1), wait=self._wait,
                                 retry=retry_if_exception(repeatable), sleep=self.sleep, reraise=True,
                                 before_sleep=self._note_retry)
        attempt = 0
        try:
            async for trying in retrying:
                with trying:
                    attempt = trying.retry_state.attempt_number
                    result = await self._guarded(method, params)
        except TelegramError as error:
            self.attempts.append(Attempt(method, attempt, error.description, 0))
            raise
        self.attempts.append(Attempt(method, attempt, "ok", 0))
        return result

    def _note_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception()
        self.attempts.append(Attempt(error.method, state.attempt_number, error.description, state.next_action.sleep))

    async def _guarded(self, method: str, params: dict) -> Any:
        """One attempt, through the bulkhead and the breaker when there are any."""
        if self.bulkhead is None:
            return await self._through_breaker(method, params)
        try:
            async with self.bulkhead:
                return await self._through_breaker(method, params)
        except BulkheadFull as full:
            raise NotSent(method, f"not sent: {full}") from None

    async def _through_breaker(self, method: str, params: dict) -> Any:
        if self.breaker is None:
            return await self._once(method, params)
        try:
            return await self.breaker.call(self._once, method, params)
        except CircuitOpen as refused:
            raise NotSent(method, f"not sent: {refused}", refused.retry_at) from None

    def _url(self, method: str) -> httpx.URL:
        url = self._urls.get(method)
        if url is None:
            url = self._http.build_request("POST", f"/bot{self._token}/{method}").url  # merged with base_url
            if len(self._urls) < URLS_KEPT:
                self._urls[method] = url
        return url

    async def _once(self, method: str, params: dict) -> Any:
        timeout = self._timeout
        if method.lower() == "getupdates":  # a long poll is answered up to its own timeout later
            timeout = httpx.Timeout(timeout.read + int(params.get("timeout", 0)), connect=timeout.connect,
                                    write=timeout.write, pool=timeout.pool)
        uploads = {k: v for k, v in params.items() if isinstance(v, Upload)}
        if uploads:  # multipart: the other parameters as form fields, objects JSON-serialised as the Bot API asks
            fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items() if k not in uploads}
            files = {k: (u.filename, u.data, u.mime) for k, u in uploads.items()}
            request = {"data": fields, "files": files}
        else:
            request = {"json": params}
        try:
            response = await self._http.post(self._url(method), **request, timeout=timeout)
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            phase = "connect" if isinstance(error, httpx.ConnectTimeout) else "pool"
            raise TimedOut(method, f"no answer in time ({phase})", sent=False) from None
        except httpx.TimeoutException as error:
            phase = "write" if isinstance(error, httpx.WriteTimeout) else "read"
            raise TimedOut(method, f"no answer in time ({phase})") from None
        except httpx.ConnectError:  # refused: nothing was sent
            raise TimedOut(method, "no answer: the connection failed", sent=False) from None
        except httpx.TransportError:  # cut mid-call: a TelegramError too, so callers that note a lost reply do
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

    async def send_photo(self, chat_id: int, photo: str | Upload, **options: Any) -> dict:
        """`photo` a file_id Telegram gave before (or a URL), or an Upload of the bytes."""
        return await self.call("sendPhoto", chat_id=chat_id, photo=photo, **options)

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

    # the bot's menu and profile, set once per start (app/bot/profile.py)
    async def set_my_commands(self, commands: list[dict], **options: Any) -> bool:
        return await self.call("setMyCommands", commands=commands, **options)

    async def set_my_description(self, description: str, **options: Any) -> bool:
        return await self.call("setMyDescription", description=description, **options)

    async def set_my_short_description(self, short_description: str, **options: Any) -> bool:
        return await self.call("setMyShortDescription", short_description=short_description, **options)

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
