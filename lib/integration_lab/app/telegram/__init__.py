"""Our side of the Telegram wire: the Bot API client, checks on signed data, the shop bot, its runners."""

from .client import (BadRequest, BotApi, ChatMigrated, Conflict, FloodWait, Forbidden, NotFound, ServerError,
                     TelegramError, TimedOut, Unauthorized)
from .runners import poll_once, webhook_app
from .shop_bot import ShopBot
from .signed_data import SignedDataError, secret_token_matches, verify_init_data, verify_login_widget

__all__ = ["BadRequest", "BotApi", "ChatMigrated", "Conflict", "FloodWait", "Forbidden", "NotFound", "ServerError",
           "ShopBot", "SignedDataError", "TelegramError", "TimedOut", "Unauthorized", "poll_once",
           "secret_token_matches", "verify_init_data", "verify_login_widget", "webhook_app"]
