"""Webhook delivery as Telegram does it: one JSON POST per update, in order, with the secret header.

Any 2xx confirms the update; a 2xx body naming a `method` is executed as a Bot API call (its errors
are not reported anywhere, as on Telegram). A failure keeps the update queued, records
`last_error_date`/`last_error_message` for getWebhookInfo, and waits before trying again. Telegram does
not document its retry schedule; we back off 1, 2, 4, … seconds up to 60 on the lab clock.
"""

from __future__ import annotations

import ipaddress
import json
from http import HTTPStatus

import httpx

from .errors import ApiError
from .params import Args, parse_body
from .registry import METHODS
from .state import Bot
from .world import TelegramFake

MAX_BACKOFF = 60
DELIVERY_TIMEOUT = 10.0


class LoopbackOnly(httpx.AsyncHTTPTransport):
    """The served fake delivers to this machine only: any other host is unreachable, no lookup leaves it."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            loopback = request.url.host == "localhost" or ipaddress.ip_address(request.url.host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise httpx.ConnectError("the lab delivers webhooks to loopback addresses only", request=request)
        return await super().handle_async_request(request)


def delivery_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=LoopbackOnly())


def _reason(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


async def deliver(fake: TelegramFake, bot: Bot, client: httpx.AsyncClient) -> list[dict]:
    """Deliver this bot's due updates until one fails. Returns one row per attempt."""
    hook, attempts = bot.webhook, []
    if hook is None or fake.clock.time() < hook.next_attempt_at:
        return attempts
    bot.expire(fake.clock.time())  # what the server no longer keeps is not delivered either
    for update in bot.pending():
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            response = await client.post(hook.target or hook.url, content=json.dumps(update), headers=headers,
                                         timeout=DELIVERY_TIMEOUT)
            error = None if 200 <= response.status_code < 300 else f"Wrong response from the webhook: {_reason(response.status_code)}"
        except httpx.TimeoutException:
            response, error = None, "Read timeout expired"
        except (httpx.TransportError, httpx.InvalidURL):
            response, error = None, "Connection refused"
        attempts.append({"update_id": update["update_id"], "status": response.status_code if response else None,
                         "error": error or ""})
        if bot.webhook is not hook:
            break  # the bot replaced or deleted its webhook meanwhile
        if error:
            hook.failures += 1
            hook.last_error_date, hook.last_error_message = int(fake.clock.time()), error
            hook.next_attempt_at = fake.clock.time() + min(2 ** (hook.failures - 1), MAX_BACKOFF)
            break
        hook.failures = 0
        bot.updates.remove(update)
        _run_reply_method(fake, bot, response)
    return attempts


def _run_reply_method(fake: TelegramFake, bot: Bot, response: httpx.Response) -> None:
    """A webhook reply may carry one Bot API call, read like a request (WebhookActor.cpp); Telegram runs it
    and tells no one how it went. It never runs get* methods, setWebhook, deleteWebhook, close or logOut."""
    args = Args(parse_body(response.headers.get("content-type", ""), response.content) or [])
    name = args.arg("method").lower()
    method = METHODS.get(name)
    if method is None or name.startswith("get") or name in ("setwebhook", "deletewebhook"):
        return
    try:
        method(fake, bot, args)
    except ApiError:
        pass


async def deliver_all(fake: TelegramFake, client: httpx.AsyncClient) -> list[dict]:
    attempts = []
    for bot in fake.bots.values():
        attempts += await deliver(fake, bot, client)
    return attempts
