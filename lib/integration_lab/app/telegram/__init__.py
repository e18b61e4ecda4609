"""Our side of the Telegram wire: the Bot API client and checks on signed data (the bot itself is app/bot)."""

from .client import (
                     BadRequest,
                     BotApi,
                     ChatMigrated,
                     Conflict,
                     FloodWait,
                     Forbidden,
                     NotFound,
                     ServerError,
                     TelegramError,
                     TimedOut,
                     Unauthorized,
)
from .signed_data import SignedDataError, secret_token_matches, verify_init_data, verify_login_widget

__all__ = ["BadRequest", "BotApi", "ChatMigrated", "Conflict", "FloodWait", "Forbidden", "NotFound", "ServerError",
           "SignedDataError", "TelegramError", "TimedOut", "Unauthorized", "secret_token_matches", "verify_init_data",
           "verify_login_widget"]
