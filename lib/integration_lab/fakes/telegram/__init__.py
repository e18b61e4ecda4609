"""A faithful fake of the Telegram Bot API: model (world, simulate, methods) apart from the wire.

    fake = TelegramFake(clock, ids)
    client = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")
    People(fake).send(42, {"id": 42, "first_name": "Ada"}, "/start")
"""

from .asgi import asgi_app
from .simulate import People
from .state import redact_token
from .transport import AsyncTelegramTransport, TelegramTransport
from .webhook import deliver, deliver_all
from .world import TelegramFake

__all__ = ["AsyncTelegramTransport", "People", "TelegramFake", "TelegramTransport", "asgi_app", "deliver",
           "deliver_all", "redact_token"]
