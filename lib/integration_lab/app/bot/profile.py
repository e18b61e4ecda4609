"""What the shop bot tells Telegram about itself once per start: its commands (the menu people see behind "/")
and its descriptions (the empty chat's "What can this bot do?" and the profile page's line).

Idempotent: the same values each start, and Telegram keeps the last ones set. Resilient: a refusal or an
unreachable Telegram is logged and the shop goes on serving (the menu is a convenience; the commands work
typed whether or not it is set).
"""

from __future__ import annotations

import logging

from ..telegram.client import BotApi, TelegramError

log = logging.getLogger(__name__)

# the commands ShopBot._on_text answers (app/bot/shop_bot.py), in the order a buyer needs them
COMMANDS = (
    {"command": "start", "description": "Open the shop"},
    {"command": "catalog", "description": "Browse the products"},
    {"command": "show", "description": "A product's photo: /show <sku>"},
    {"command": "buy", "description": "Add a product to your cart: /buy <sku>"},
    {"command": "refund", "description": "Ask for a refund: /refund [order]"},
    {"command": "club", "description": "The monthly club: join or see your membership"},
    {"command": "help", "description": "List the commands"},
)
DESCRIPTION = ("The Lab Shop: browse the catalog, fill a cart and pay with Telegram Stars, a card, Payme, Click "
               "or Stripe. Send /catalog to start.")
SHORT_DESCRIPTION = "Browse, fill a cart, pay in Telegram."


async def announce(api: BotApi) -> dict[str, str]:
    """setMyCommands, setMyDescription, setMyShortDescription, each tried once on its own; what each gave."""
    steps = (("setMyCommands", lambda: api.set_my_commands([dict(c) for c in COMMANDS])),
             ("setMyDescription", lambda: api.set_my_description(DESCRIPTION)),
             ("setMyShortDescription", lambda: api.set_my_short_description(SHORT_DESCRIPTION)))
    outcomes = {}
    for method, step in steps:
        try:
            await step()
            outcomes[method] = "ok"
        except TelegramError as failure:  # the shop serves without a menu rather than not at all
            log.warning("shop bot start-up: %s failed: %s", method, failure.description)
            outcomes[method] = failure.description
    return outcomes
