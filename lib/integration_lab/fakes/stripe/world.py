"""The Stripe fake's state: objects by id, events, webhook endpoints and the idempotency store, each
bounded by `history` (objects kept per resource, oldest evicted first; see store.py).

Operations live beside it (`intents`, `resources`); the wire layer (`wire`) turns HTTP into calls here.
Everything reads time from the lab clock and ids from the seeded factory, so a scenario replays exactly.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

from ...runtime.faults import FaultPlan
from . import objects
from .cards import TEST_METHODS, TestCard
from .errors import invalid, missing
from .store import DEFAULT_HISTORY, Replays, Store

API_VERSION = "2026-10-28.endive"  # the version the pinned stripe SDK sends; events carry the caller's
IDEMPOTENCY_TTL = 24 * 3600
# Family modules append what falls due on the lab clock (a Checkout Session expiring); `catch_up` runs them.
CLOCK_HOOKS: list = []
API_FAULTS = {"api_error", "rate_limit", "lost_request", "lost_answer", "latency"}


@dataclass
class Call:
    """Who is asking: the request's id and idempotency key end up in the events the call causes."""
    request_id: str | None = None
    idempotency_key: str | None = None
    api_version: str = API_VERSION


@dataclass
class Stored:
    """The first answer given to an idempotency key, replayed to every repeat for 24 hours."""
    fingerprint: tuple
    status: int
    body: bytes
    stored_at: float


@dataclass
class Endpoint:
    id: str
    secret: str = field(repr=False)
    url: str = ""
    enabled_events: list[str] = field(default_factory=list)
    enabled: bool = True

    def wants(self, kind: str) -> bool:
        return self.enabled and ("*" in self.enabled_events or kind in self.enabled_events)


class StripeFake:
    def __init__(self, clock, ids, api_keys: list[str] | None = None, base_url: str = "http://127.0.0.1",
                 history: int = DEFAULT_HISTORY):
        from .webhooks import Deliveries

        self.clock, self.ids, self.base_url = clock, ids, base_url
        self.api_keys = set(api_keys) if api_keys else None  # None: any sk_test_/rk_test_ key
        self.store = Store(history, on_evict=self._forget)
        self.objects: dict[str, dict[str, Any]] = self.store.objects
        self.cards: dict[str, TestCard] = {}  # pm id -> the test card it was minted from
        self.authenticated: set[str] = set()  # PaymentIntents whose cardholder passed 3-D Secure
        self.endpoints: dict[str, Endpoint] = {}
        self.idempotency = Replays(IDEMPOTENCY_TTL, history)
        self.faults = FaultPlan(API_FAULTS)
        self.sleep = asyncio.sleep  # how a latency fault waits; a notebook's fake waits on the lab clock instead
        self.deliveries = Deliveries(self, history)
        self.attached: dict[str, Any] = {}  # by object id: what it carries outside its JSON (a session's line items)

    # ids and time ---------------------------------------------------------------------------------
    def now(self) -> int:
        return int(self.clock.time())

    def new_id(self, prefix: str) -> str:
        return self.ids.token(prefix + "_", 24)

    def request_id(self) -> str:
        return self.ids.token("req_", 14)

    def catch_up(self) -> None:
        """Apply what fell due on the lab clock; the webhook pump and the families' reads call it."""
        for hook in CLOCK_HOOKS:
            hook(self)

    # the object store -------------------------------------------------------------------------------
    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.store.add(obj)

    def remove(self, object_id: str) -> None:
        self.store.remove(object_id)

    def _forget(self, obj: dict[str, Any]) -> None:
        """An evicted object takes what hangs on it along."""
        self.cards.pop(obj["id"], None)
        self.authenticated.discard(obj["id"])
        self.attached.pop(obj["id"], None)
        self.endpoints.pop(obj["id"], None)
        if obj["object"] == "event":
            self.deliveries.forget(obj["id"])

    def get(self, kind: str, object_id: str, param: str = "id", label: str | None = None) -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise missing(label or kind, object_id, param)
        return obj

    def listing(self, kind: str, url: str, p, **filters: Any) -> dict[str, Any]:
        """Newest first, `limit` (1..100, default 10), `starting_after`/`ending_before` cursors."""
        limit = p.int("limit")
        limit = 10 if limit is None else limit
        if limit < 1:
            raise invalid("This value must be greater than or equal to 1.", "parameter_invalid_integer", "limit")
        if limit > 100:
            raise invalid("This value must be less than or equal to 100.", "parameter_invalid_integer", "limit")
        cursors = {}
        for param in ("starting_after", "ending_before"):
            cursor = p.str(param)
            if cursor:
                cursors[param] = self.store.position(kind, cursor)
                if cursors[param] is None:
                    raise missing(kind, cursor, param)
        where = filters.pop("where", None) or (lambda o: True)  # a filter that is not an equality
        wanted = {k: v for k, v in filters.items() if v is not None}
        found, has_more = self.store.page(kind, limit, lambda o: all(o.get(k) == v for k, v in wanted.items())
                                          and where(o),
                                          after=cursors.get("starting_after"), before=cursors.get("ending_before"))
        return objects.listing(url, found, has_more)  # serialized at once; expand copies before it changes any

    def payment_method_for(self, pm_id: str, param: str = "payment_method") -> dict[str, Any]:
        """An existing PaymentMethod, or a fresh one minted from a test method id such as `pm_card_visa`."""
        card = TEST_METHODS.get(pm_id)
        if card is not None:
            pm = self.add(objects.payment_method(self.new_id("pm"), self.now(), card))
            self.cards[pm["id"]] = card
            return pm
        return self.get("payment_method", pm_id, param, label="PaymentMethod")

    # events -----------------------------------------------------------------------------------------
    def emit(self, kind: str, obj: dict[str, Any], call: Call, previous: dict[str, Any] | None = None) -> dict:
        targets = [e for e in self.endpoints.values() if e.wants(kind)]
        event = self.add(objects.event(self.new_id("evt"), self.now(), kind, copy.deepcopy(obj), call.api_version,
                                       len(targets), (call.request_id, call.idempotency_key), previous))
        for endpoint in targets:
            self.deliveries.queue(event, endpoint)
        return event

    def __repr__(self) -> str:
        return f"StripeFake({len(self.objects)} objects, {len(self.endpoints)} webhook endpoints)"
