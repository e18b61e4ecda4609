"""The fake in-process, as httpx transports: `httpx.AsyncClient(transport=AsyncTelegramTransport(fake))`.

Same handler as the server, so the same answers; a `timeout` fault raises httpx.ReadTimeout at once.
The sync transport runs the handler on a private event loop thread, so long polls work there too.
"""

from __future__ import annotations


from ...runtime.transport import AsyncHandlerTransport, HandlerTransport, answerer
from .wire import handle
from .world import TelegramFake


class AsyncTelegramTransport(AsyncHandlerTransport):
    def __init__(self, fake: TelegramFake):
        super().__init__(answerer(handle, fake))
        self.fake = fake


class TelegramTransport(HandlerTransport):
    def __init__(self, fake: TelegramFake):
        super().__init__(answerer(handle, fake), name="telegram-fake")
        self.fake = fake
