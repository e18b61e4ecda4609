"""Telegram's flood limits on the lab clock: per chat, per group per minute, and per bot overall.

Telegram documents them loosely ("about 1 message per second" in a chat, "about 30 per second" in all,
"20 per minute" in a group). We model each as a sliding window; a private chat may burst 3 messages in
3 seconds, which averages 1/s and lets a bot answer a command with two quick messages, as it can on
Telegram. A refused send costs nothing; `retry_after` is whole seconds until the window has room.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


PRIVATE_CHAT = Window(3, 3.0)
GROUP_CHAT = Window(20, 60.0)
OVERALL = Window(30, 1.0)
SWEEP_EVERY = 1024  # checks between sweeps of windows that have emptied


class FloodControl:
    def __init__(self, clock, enabled: bool = True):
        self.clock, self.enabled = clock, enabled
        self._sent: defaultdict[tuple, deque[float]] = defaultdict(deque)
        self._checks = 0

    def check(self, bot_id: int, chat_id: int, chat_type: str) -> int:
        """0 when the message may go now (and it is counted), else the seconds to wait."""
        if not self.enabled:
            return 0
        now = self.clock.time()
        windows = [((bot_id,), OVERALL),
                   ((bot_id, chat_id), PRIVATE_CHAT if chat_type == "private" else GROUP_CHAT)]
        wait = max(self._wait(self._trim(key, window, now), window, now) for key, window in windows)
        if wait:
            return wait
        for key, _ in windows:
            self._sent[key].append(now)
        self._checks += 1
        if self._checks % SWEEP_EVERY == 0:
            self._sweep(now)
        return 0

    def _sweep(self, now: float) -> None:
        """Forget the chats whose windows have all passed, so the table holds only recent senders."""
        longest = max(w.seconds for w in (PRIVATE_CHAT, GROUP_CHAT, OVERALL))
        for key in [k for k, sent in self._sent.items() if not sent or sent[-1] <= now - longest]:
            del self._sent[key]

    def _trim(self, key: tuple, window: Window, now: float) -> deque[float]:
        sent = self._sent[key]
        while sent and sent[0] <= now - window.seconds:
            sent.popleft()
        return sent

    @staticmethod
    def _wait(sent: deque[float], window: Window, now: float) -> int:
        if len(sent) < window.limit:
            return 0
        return max(1, math.ceil(sent[-window.limit] + window.seconds - now))

    def reset(self) -> None:
        self._sent.clear()
