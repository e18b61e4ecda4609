"""The shop bot: what a bot team writes on top of the Bot API client (app/telegram) and the shop's parts
(app/shop). `ShopBot` handles updates; `runners` feed it from a webhook or from long polling."""

from .runners import poll_once, webhook_app
from .shop_bot import ShopBot

__all__ = ["ShopBot", "poll_once", "webhook_app"]
