"""Many updates at once, each conversation's in order: what aiogram and python-telegram-bot's
`concurrent_updates` do, with the order a state machine needs (and the outbox's sends, a chat's in order).

Every job has a lane (the person it comes from: `lane_of(update)`); a lane's jobs run one after another in
the order they were submitted, different lanes run side by side, and at most `limit` jobs run at once. A
buyer's /buy, Checkout and Pay therefore reach their session in the order they were sent, while a hundred
other buyers are handled meanwhile.

A lane whose job failed is not left to run ahead: with `stop_on_failure` (a getUpdates batch), its later jobs
are skipped (`Skipped`) and come back with the batch, which Telegram gives again because its offset was not
confirmed. In a webhook the lane is only a mutex: Telegram redelivers the failed update itself and sends a
chat's next update only after that one is confirmed.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Hashable, TypeVar

T = TypeVar("T")
LIMIT = 64  # jobs in flight at once: enough to hide Redis's round trips, few enough to keep memory flat


class Skipped(Exception):
    """Not run: an earlier job of the same lane failed (its batch comes back)."""


def lane_of(update: dict) -> Hashable:
    """Whose conversation the update belongs to: the person (`from.id`) of its payload, else its chat,
    else the update alone (nothing to keep in order with)."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        person = payload.get("from") or payload.get("user")
        if isinstance(person, dict) and type(person.get("id")) is int:
            return person["id"]
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if isinstance(chat, dict) and type(chat.get("id")) is int:
            return chat["id"]
    return ("update", update.get("update_id"))


class Lanes:
    def __init__(self, limit: int = LIMIT):
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._tails: dict[Hashable, asyncio.Future] = {}  # lane -> settles when its last submitted job has

    def submit(self, lane: Hashable, job: Callable[[], Awaitable[T]],
               stop_on_failure: bool = False) -> asyncio.Task[T]:
        """Start `job` after the lane's earlier jobs; returns its task. Lanes are ordered by submission,
        so call this in the order the updates arrived."""
        previous = self._tails.get(lane)
        settled = asyncio.get_running_loop().create_future()
        self._tails[lane] = settled
        return asyncio.create_task(self._run(lane, job, previous, settled, stop_on_failure))

    async def run(self, lane: Hashable, job: Callable[[], Awaitable[T]]) -> T:
        """`job` in its lane (a webhook request: one at a time per lane), its result or its failure."""
        return await self.submit(lane, job)

    async def _run(self, lane, job, previous, settled: asyncio.Future, stop_on_failure: bool):
        failed = True  # until the job returns: a skip, a failure and a cancellation all count as failed
        try:
            if previous is not None and await asyncio.shield(previous) and stop_on_failure:
                raise Skipped(f"an earlier update of lane {lane!r} failed")
            async with self._slots:
                result = await job()
            failed = False
            return result
        finally:
            settled.set_result(failed)
            if self._tails.get(lane) is settled:
                del self._tails[lane]

    @property
    def busy(self) -> int:
        """Lanes with a job submitted and not yet settled."""
        return len(self._tails)


async def handle_batch(lanes: Lanes, handle: Callable[[dict], Awaitable], updates: list[dict]) -> list:
    """A getUpdates batch through the lanes: returns each update's result in order, once all have settled;
    raises the first failure (its lane's later updates were skipped), so the caller leaves the batch
    unconfirmed and it comes again."""
    tasks = [lanes.submit(lane_of(u), lambda u=u: handle(u), stop_on_failure=True) for u in updates]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, Skipped):
            raise result
    return results
