"""The club's membership store: per buyer, until when they have paid and by which subscription.

A membership changes only by two monotonic facts, each one script (app/lua/club_apply.lua): "source S is paid
through T" (a renewal: only ever extends) and "source S ended at T" (a cancel: only ever ends earlier). So a
provider's resend, a late event or two events swapped change nothing more, and a handler that applies its fact
and is cut before remembering its event is repaired by the resend. A source is one subscription:
`stripe:sub_…` or `stars:<the first payment's telegram_payment_charge_id>`.

Stars subscriptions lapse silently (Telegram sends the bot nothing when one is not renewed), so their buyers
sit in a due set (a ZSET scored by paid-through time) that `lapsed()` reads for the lapse sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ..scripts import register

KEEP = 400 * 24 * 3600  # seconds a membership is remembered after its last fact, as an order's record


@dataclass(frozen=True)
class Membership:
    user_id: int
    paid_through: int  # Unix seconds; 0: never paid
    source: str  # the subscription that paid it: stripe:sub_… or stars:<charge id>
    ended_at: int | None  # the source was canceled at that time: it will not renew
    chat_id: int | None = None
    changed: bool = False  # the fact just applied moved something

    def active(self, now: float) -> bool:
        return now < self.paid_through

    @property
    def by(self) -> str:
        return "Telegram Stars" if self.source.startswith("stars") else "card (Stripe)"


def utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class ClubStore:
    def __init__(self, redis, keys, clock):
        self.redis, self.keys, self.clock = redis, keys, clock
        self._apply = register(redis, "club_apply")
        self._due_done = register(redis, "club_due_done")
        self._due = keys.key("club", "due")

    def _key(self, user_id: int) -> str:
        return self.keys.key("club", "{" + str(int(user_id)) + "}")  # one slot per buyer

    async def paid_through(self, user_id: int, source: str, until: int, chat_id: int | None = None,
                           link: str = "", first: bool = False) -> Membership:
        """A payment of `source` covers up to `until`; a Stars renewal names its `link` (invoice payload)."""
        return await self._fact("through", user_id, source, until, chat_id, link, first)

    async def ended(self, user_id: int, source: str, at: int, chat_id: int | None = None) -> Membership:
        """`source` was canceled at `at`: access it paid for stops there, and it will not renew."""
        return await self._fact("end", user_id, source, at, chat_id)

    async def _fact(self, op: str, user_id: int, source: str, at: int, chat_id, link: str = "",
                    first: bool = False) -> Membership:
        changed, through, winner, ended, chat = await self._apply(keys=[self._key(user_id)], args=[
            op, source, int(at), "" if chat_id is None else int(chat_id), link, int(first), KEEP])
        return Membership(int(user_id), int(through), winner, int(ended) if ended else None,
                          int(chat) if chat else None, bool(changed))

    async def get(self, user_id: int) -> Membership | None:
        stored = await self.redis.hmget(self._key(user_id), "paid_through", "source", "ended_at", "chat_id")
        through, source, ended, chat = stored
        if through is None:
            return None
        return Membership(int(user_id), int(through), source, int(ended) if ended else None,
                          int(chat) if chat else None)

    # notices told (the outbox forgets a sent job after a week; Stripe retries a failed invoice for two) --------
    async def told(self, user_id: int, notice: str) -> bool:
        return bool(await self.redis.hexists(self._key(user_id), f"told:{notice}"))

    async def mark_told(self, user_id: int, notice: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(user_id), f"told:{notice}", 1)
            pipe.expire(self._key(user_id), KEEP)
            await pipe.execute()

    # the lapse sweep's due set ----------------------------------------------------------------------------
    async def watch(self, membership: Membership) -> None:
        """Watch a renewing Stars membership for a lapse at its paid-through time (repeatable: a ZADD)."""
        await self.redis.zadd(self._due, {str(membership.user_id): membership.paid_through})

    async def lapsed(self, before: float) -> list[tuple[int, int]]:
        """(user id, due time) of the buyers watched whose due time is at or before `before`."""
        found = await self.redis.zrangebyscore(self._due, "-inf", before, withscores=True)
        return [(int(member), int(score)) for member, score in found]

    async def done(self, user_id: int, due: int) -> bool:
        """Stop watching a buyer whose lapse at `due` was dealt with, unless a renewal moved it meanwhile."""
        return bool(await self._due_done(keys=[self._due], args=[str(user_id), int(due)]))
