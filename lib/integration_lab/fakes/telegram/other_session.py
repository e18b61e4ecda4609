"""logOut and close: the bot's session on the (cloud) Bot API server, and what every call meets after them.

Sources: the Bot API docs ("logOut", "close") and Client.cpp of tdlib/telegram-bot-api (Client::on_cmd,
get_closing_error, on_closed, finish_closing):

- logOut answers True, then the server forgets the bot's webhook (webhook_db_ erased) and its pending updates
  (clear_tqueue). Until the bot may log in again ("will not be able to log in back to the cloud Bot API server
  for 10 minutes") every call gets 400 "Logged out" (no "Bad Request:" prefix: get_closing_error's own text, as
  real bots report it, tdlib/telegram-bot-api#566). After that, any call logs the bot back in (levlam in
  tdlib/telegram-bot-api#324: "invocation of any method (including getMe) logs you back").
- close answers True and stops the bot's instance; the next call starts a new one. close "will return error 429
  in the first 10 minutes after the bot is launched": retry_after = 600 - the instance's age, but only for an
  instance launched more than 10 minutes after the server started (one started with the server, as the fake's
  bots are, may close at once).

Kept per bot in `bot.extra["session"]`; the gate (`before_call`, called by wire.py for every method) costs one
two dict lookups while the bot has never logged out or closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .control_routes import family_state
from .errors import ApiError, too_many_requests
from .params import Args
from .state import Bot
from .world import TelegramFake

LOGIN_AGAIN_AFTER = 10 * 60  # seconds: the docs' "will not be able to log in back … for 10 minutes"
CLOSE_AFTER = 10 * 60  # seconds: close "will return error 429 in the first 10 minutes after the bot is launched"
LOGGED_OUT = "Logged out"  # get_closing_error, as the cloud server answers (error_code 400)


@dataclass
class Session:
    logged_out_until: float | None = None
    closed: bool = False  # close answered; the next call launches a new instance
    launched_at: float | None = None  # None: launched with the server (the fake's bots are)


def _server(fake: TelegramFake) -> dict:
    return family_state(fake, "session_server", lambda: {"started_at": fake.clock.time()})


def before_call(fake: TelegramFake, bot: Bot) -> None:
    """What a call meets first: "Logged out" while the bot may not log in again; a closed instance relaunched."""
    if "session_server" not in fake.extra:
        _server(fake)  # the first call the server answers (since it was made or reset): its start
    session = bot.extra.get("session")
    if session is None:
        return
    now = fake.clock.time()
    if session.logged_out_until is not None:
        if now < session.logged_out_until:
            raise ApiError(400, LOGGED_OUT)
        session.logged_out_until, session.launched_at = None, now  # logged back in: a new instance
    if session.closed:
        session.closed, session.launched_at = False, now


def log_out(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    session = family_state(bot, "session", Session)
    session.logged_out_until = fake.clock.time() + LOGIN_AGAIN_AFTER
    bot.use_webhook(None)
    bot.allowed_updates = None
    bot.drop_updates()
    bot.poll_generation += 1  # a long poll in flight ends
    fake.wake()
    return True


def close(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    server_started = _server(fake)["started_at"]
    session = family_state(bot, "session", Session)
    now = fake.clock.time()
    launched = session.launched_at
    if launched is not None and launched > server_started + CLOSE_AFTER:
        retry_after = int(CLOSE_AFTER - (now - launched))
        if retry_after > 0:
            raise too_many_requests(retry_after)
    session.closed = True
    return True


METHODS = {"logOut": log_out, "close": close}
