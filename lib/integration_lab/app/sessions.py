"""Per-user conversation sessions in Redis: one hash per user, a state machine, a sliding TTL.

Every use (read, update, transition) pushes expiry `ttl` seconds into the future. An expiry index
(ZSET user -> expiry, lab ms) lets cleanup() find the sessions that lapsed, e.g. to release stock held
by an abandoned cart; Redis itself deletes the session hashes.

A session hash is tagged with its user (`session:{42}`), the slot of everything that is one buyer's (their
updates, rate limits, club membership); the index spans every user, so it lives in a slot of its own and its
entry is written after a step that left the session live, never inside the step's script (a cluster refuses
a script whose keys are in two slots): a second round trip for the store's own calls, and in the bot, part
of the update's last pipeline. The index is advisory: an entry a cut lost
only delays cleanup(), and Redis expires the hash whatever the index says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..runtime.keyspace import Keyspace, tag
from .batch import Batch
from .cache import check_ttl, encode_json
from .scripts import register

# (state, event) -> next state: a shop conversation from browsing to a paid order.
SHOP_FLOW: dict[tuple[str, str], str] = {
    ("browsing", "add_to_cart"): "cart",
    ("cart", "add_to_cart"): "cart",
    ("cart", "checkout"): "checkout",
    ("checkout", "pay"): "paid",
    ("cart", "cancel"): "browsing",
    ("checkout", "cancel"): "browsing",
}


class SessionError(Exception):
    pass


class SessionExpired(SessionError):
    """No live session for this user: it never existed, ended, or its TTL ran out."""


class InvalidTransition(SessionError):
    """The event is not allowed in the session's current state; the session is left unchanged."""


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Session:
    user_id: str
    state: str
    data: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    update_id: str = field(default="", repr=False, compare=False)  # the Telegram update that last changed it, or ''


class SessionStore:
    def __init__(self, redis, keys: Keyspace, clock, ttl: float = 900, flow: dict[tuple[str, str], str] = SHOP_FLOW,
                 initial_state: str = "browsing"):
        self.redis, self.keys, self.clock, self.flow = redis, keys, clock, flow
        self.ttl_ms, self.initial_state = check_ttl(ttl), initial_state
        self._index = keys.key("sessions", "expiry")
        self._start = register(redis, "session_start")
        self._transition = register(redis, "session_transition")
        self._touch = register(redis, "session_touch")
        self._update = register(redis, "session_update")

    def _key(self, user_id: int | str) -> str:
        return self.keys.key("session", tag(user_id))

    def keys_of(self, user_id: int | str) -> list[str]:
        """The keys a session step's script touches: the session hash (the index goes beside: stage_index)."""
        return [self._key(user_id)]

    def stage_index(self, batch: Batch, user_id: int | str) -> None:
        """The index entry of a live session, staged in a batch (the step that left it live already ran)."""
        batch.command("ZADD", self._index, self.clock.ms() + self.ttl_ms, str(user_id))

    async def _step(self, script, user_id: int | str, args: list, live=bool, index: bool = True):
        """One session script, then, when it left the session live (`live(answer)`: by default, it answered the
        session's fields), its index entry (another slot, so not in the script; a second round trip). The
        script's answer."""
        answer = await script(keys=self.keys_of(user_id), args=args)
        if index and live(answer):
            await self.redis.zadd(self._index, {str(user_id): self.clock.ms() + self.ttl_ms})
        return answer

    async def start(self, user_id: int | str, data: dict[str, Any] | None = None) -> Session:
        """A fresh session (replacing any old one) in the initial state (one script)."""
        flat = await self._step(self._start, user_id, [
            self.clock.ms(), self.ttl_ms, str(user_id), self.initial_state, encode_json(data or {})])
        return from_flat(flat)

    async def get(self, user_id: int | str) -> Session | None:
        """The session, its TTL refreshed; None when there is none."""
        flat = await self._step(self._touch, user_id, [self.clock.ms(), self.ttl_ms, str(user_id)])
        return from_flat(flat) if flat else None

    async def require(self, user_id: int | str) -> Session:
        session = await self.get(user_id)
        if session is None:
            raise SessionExpired(f"user {user_id} has no live session")
        return session

    async def update(self, user_id: int | str, update_id: str = "", **data: Any) -> Session:
        """Merge `data` into the session's data (a cart, a chosen product); the last writer wins. `update_id`
        names the Telegram update that made the change (`Session.update_id`)."""
        session = await self.require(user_id)
        return await self.write(user_id, {**session.data, **data}, update_id)

    async def write(self, user_id: int | str, data: dict[str, Any], update_id: str = "") -> Session:
        """Replace a live session's data with `data` (the caller's session, as it read it, merged with its
        change: no second read). Raises SessionExpired when the session is gone."""
        flat = await self._step(self._update, user_id, self._write_args(user_id, data, update_id))
        if not flat:
            raise SessionExpired(f"user {user_id}'s session lapsed during the update")
        return from_flat(flat)

    def stage_write(self, batch, user_id: int | str, data: dict[str, Any], update_id: str = "") -> None:
        """`write` staged in a batch (app/batch.py): sent with the batch; a session gone meanwhile stays gone.
        Its index entry is the caller's to stage (the bot's last round trip enters every live session)."""
        batch.script(self._update, self.keys_of(user_id), self._write_args(user_id, data, update_id))

    def _write_args(self, user_id: int | str, data: dict[str, Any], update_id: str) -> list:
        return [self.clock.ms(), self.ttl_ms, str(user_id), encode_json(data), update_id]

    def pairs(self, event: str) -> list[str]:
        """The (from, to) states `event` moves between, flat, as the transition script takes them."""
        pairs = [part for (state, ev), nxt in sorted(self.flow.items()) if ev == event for part in (state, nxt)]
        if not pairs:
            raise InvalidTransition(f"unknown event {event!r}")
        return pairs

    async def transition(self, user_id: int | str, event: str, update_id: str = "",
                         data: dict[str, Any] | None = None, expected: dict[str, Any] | None = None,
                         index: bool = True) -> Session:
        """Move the session on `event`. With `update_id`, a repeat of the move that update already made is
        answered with the session as it stands instead of being refused. With `data`, the move also replaces
        the session's data (both land together, or neither); with `expected` too (the data `data` was computed
        from), only if the session still holds exactly that: otherwise nothing moves, and the session as it
        stands comes back for the caller to decide again (a compare-and-set). `index=False` leaves the index entry
        to the caller (a handler that enters it in its last round trip anyway)."""
        pairs = self.pairs(event)
        status, state, _, flat = await self._step(self._transition, user_id, [
            self.clock.ms(), self.ttl_ms, str(user_id), update_id, "" if data is None else encode_json(data),
            "" if expected is None else encode_json(expected), *pairs], live=lambda moved: moved[0] == "ok",
            index=index)
        return moved(user_id, event, status, state, flat)

    async def end(self, user_id: int | str) -> bool:
        batch = Batch(self.redis)  # two slots: two commands in one round trip, not a transaction
        deleted = batch.command("UNLINK", self._key(user_id))
        batch.command("ZREM", self._index, str(user_id))
        await batch.send()
        return bool(deleted.value)

    async def peek(self, user_id: int | str) -> dict[str, str]:
        """The raw stored fields, without counting as use (no TTL refresh): for dashboards and tests."""
        return await self.redis.hgetall(self._key(user_id))

    async def ttl(self, user_id: int | str) -> int:
        """Seconds left; -2 when the session is gone."""
        return await self.redis.ttl(self._key(user_id))

    async def active_users(self) -> list[str]:
        """Users whose session has not yet lapsed by the index (cleanup() prunes the rest)."""
        return sorted(await self.redis.zrangebyscore(self._index, f"({self.clock.ms()}", "+inf"))

    async def cleanup(self) -> list[str]:
        """Forget sessions whose TTL ran out; returns their users (e.g. to release held stock)."""
        lapsed = await self.redis.zrangebyscore(self._index, "-inf", self.clock.ms())
        if lapsed:
            await self.redis.zrem(self._index, *lapsed)
        return sorted(lapsed)


def moved(user_id, event: str, status: str, state: str, flat: list) -> Session:
    """A transition script's answer as the session it left, or the error it means."""
    if status == "missing":
        raise SessionExpired(f"user {user_id} has no live session")
    if status == "refused":
        raise InvalidTransition(f"cannot {event!r} while {state!r}")
    return from_flat(flat)


def from_flat(flat: list) -> Session:
    """A Session from a script's flat list of the hash's fields."""
    return _session(dict(zip(flat[::2], flat[1::2])))


def _session(raw: dict[str, str]) -> Session:
    """A Session from the stored hash (every script that changes one answers with it, so no second read)."""
    return Session(raw["user_id"], raw["state"], json.loads(raw["data"]), _iso(int(raw["created_at"])),
                   _iso(int(raw["updated_at"])), raw.get("update_id", ""))
