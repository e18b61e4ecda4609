"""Telegram misbehaving while our outbox owes buyers their goods: a 5xx storm, a 429 flood, a revoked token.

`await outbox_under(lab, weather, breaker=…)` queues one goods message per buyer, sets the weather up on
the Telegram fake (the way Telegram produces it), and drains the outbox once every lab second, as
`serve app` does, until everything is delivered or the horizon is reached. It returns the run: a row per
second (breaker state, calls on the wire, messages sent), the breaker's changes, and what each buyer got.

    storm    sendMessage answers 502 Bad Gateway for `storm_seconds`, then Telegram is back
    flood    more buyers at once than Telegram's ~30 messages a second: 429 with retry_after
    revoked  the token was revoked in @BotFather (401) until `storm_seconds`, when a new one is in place
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field

import httpx
import pandas as pd

from ..app.resilience import CircuitBreaker
from ..app.shop.outbox import Job, Outbox
from ..app.telegram.client import BotApi, TelegramError, trips_breaker
from ..fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from ..runtime.keyspace import Keyspace

WEATHER = ("storm", "flood", "revoked")
BREAKER_STATES = ("closed", "half_open", "open")


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the requests that reached Telegram: the calls a breaker is there to spare."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner, self.calls = inner, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return await self.inner.handle_async_request(request)


@dataclass
class OutboxRun:
    weather: str
    breaker: CircuitBreaker | None
    seconds: list[dict] = field(default_factory=list)  # one row per drain
    outcomes: dict[str, int] = field(default_factory=dict)  # drain outcome -> jobs
    buyers: int = 0
    delivered_at: dict[str, int] = field(default_factory=dict)  # job -> the second its goods were sent
    start: float = 0.0

    @property
    def calls(self) -> int:
        return sum(row["calls"] for row in self.seconds)

    def per_second(self) -> pd.DataFrame:
        return pd.DataFrame(self.seconds, columns=["second", "breaker", "calls", "sent", "owed"])

    def changes(self) -> pd.DataFrame:
        """The breaker's state changes, in lab seconds since the run began."""
        rows = [] if self.breaker is None else [
            {"second": round(c.at - self.start), "state": c.state, "why": c.why} for c in self.breaker.changes]
        return pd.DataFrame(rows, columns=["second", "state", "why"])

    def phases(self) -> pd.DataFrame:
        """The per-second table folded into spans of one breaker state: the timeline picture's numbers."""
        rows: list[dict] = []
        for row in self.seconds:
            if rows and rows[-1]["breaker"] == row["breaker"]:
                span = rows[-1]
                span["to"], span["calls"], span["sent"] = row["second"], span["calls"] + row["calls"], \
                    span["sent"] + row["sent"]
            else:
                rows.append({"from": row["second"], "to": row["second"], "breaker": row["breaker"],
                             "calls": row["calls"], "sent": row["sent"]})
        return pd.DataFrame(rows, columns=["from", "to", "breaker", "calls", "sent"])

    def summary(self) -> dict:
        last = max(self.delivered_at.values(), default=None)
        return {"with breaker": self.breaker is not None, "buyers": self.buyers, "calls to Telegram": self.calls,
                "delivered": len(self.delivered_at), "last delivery (s)": last,
                "refused by the breaker": self.breaker.refused if self.breaker else 0}


async def outbox_under(lab, weather: str = "storm", breaker: bool = True, buyers: int = 20,
                       storm_seconds: int = 90, horizon: int = 240, failures: int = 5,
                       reset_after: float = 30.0) -> OutboxRun:
    """Queue goods for `buyers`, bring on the weather, drain once a lab second until all is delivered or
    `horizon` seconds have passed. Each call keeps its own keyspace prefix, so two runs can share a lab."""
    if weather not in WEATHER:
        raise ValueError(f"unknown weather {weather!r}; choose one of {', '.join(WEATHER)}")
    if buyers < 1 or horizon < 1 or storm_seconds < 0:
        raise ValueError("buyers and horizon must be positive and storm_seconds not negative")
    fake = TelegramFake(lab.clock, lab.ids, limits=weather == "flood")
    people, wire = People(fake), CountingTransport(AsyncTelegramTransport(fake))
    chats = []
    for n in range(buyers):
        user = {"id": lab.ids.integer(100_000_000, 999_999_999), "first_name": f"Buyer {n + 1}"}
        people.send(user["id"], user, "/start")  # a private chat exists once the buyer wrote first
        chats.append(user["id"])
    guard = CircuitBreaker("telegram", lab.clock, failures, reset_after, trips=trips_breaker) if breaker else None
    api = BotApi(fake.default_bot.token, transport=wire, max_retries=0, breaker=guard)
    keys = Keyspace(lab.keys.key(weather, "breaker" if breaker else "plain"))
    outbox = Outbox(lab.redis, keys, lab.clock, api)
    await outbox.enqueue(*(Job(f"order-{n + 1}:goods", chat, f"Your order {n + 1}: the goods are here.")
                           for n, chat in enumerate(chats)))
    if weather == "storm":
        fake.faults.add("server_error", "sendMessage", times=None, status=502, description="Bad Gateway")
    elif weather == "revoked":
        fake.default_bot.revoked = True
    run = OutboxRun(weather, guard, buyers=buyers, start=lab.clock.time())
    for second in range(horizon):
        if second == storm_seconds:  # the weather clears
            fake.faults.clear()
            fake.default_bot.revoked = False
        before = wire.calls
        rows = await outbox.drain()
        sent = 0
        for row in rows:
            run.outcomes[row["outcome"]] = run.outcomes.get(row["outcome"], 0) + 1
            if row["outcome"] == "sent":
                sent += 1
                run.delivered_at[row["job"]] = second
        run.seconds.append({"second": second, "breaker": guard.state if guard else "none",
                            "calls": wire.calls - before, "sent": sent, "owed": buyers - len(run.delivered_at)})
        if len(run.delivered_at) == buyers:
            break
        await lab.advance(1)
    await api.close()
    return run


async def compare(lab, weather: str = "storm", **options) -> tuple[OutboxRun, OutboxRun, pd.DataFrame]:
    """The same weather twice, with the breaker and without: the calls each made is the pattern's point."""
    guarded = await outbox_under(lab, weather, breaker=True, **options)
    plain = await outbox_under(lab, weather, breaker=False, **options)
    table = pd.DataFrame([guarded.summary(), plain.summary()]).set_index("with breaker")
    return guarded, plain, table


async def one_call(lab, weather: str, method: str = "sendMessage", max_retries: int = 3,
                   jitter_seed: int = 0) -> pd.DataFrame:
    """One call by the bot's own client (retries on, waiting on the lab clock) under the weather: which
    answers it retried, after how long, and which it gave up on at once. Returns its attempts."""
    if weather not in WEATHER:
        raise ValueError(f"unknown weather {weather!r}; choose one of {', '.join(WEATHER)}")
    fake = TelegramFake(lab.clock, lab.ids, limits=weather == "flood")
    user = {"id": lab.ids.integer(100_000_000, 999_999_999), "first_name": "Ada"}
    People(fake).send(user["id"], user, "/start")
    api = BotApi(fake.default_bot.token, transport=AsyncTelegramTransport(fake), sleep=lab.advance,
                 max_retries=max_retries, jitter_seed=jitter_seed)
    if weather == "storm":
        fake.faults.add("server_error", "*", times=None, status=502, description="Bad Gateway")
    elif weather == "revoked":
        fake.default_bot.revoked = True
    else:  # three messages fill a private chat's window; the call under test is the fourth
        for n in range(3):
            await api.send_message(user["id"], f"Part {n + 1}")
        api.attempts.clear()
    with suppress(TelegramError):  # the attempts say what happened; the notebook shows them
        await api.call(method, **({"chat_id": user["id"], "text": "Your goods"} if method == "sendMessage" else {}))
    await api.close()
    return pd.DataFrame([vars(a) for a in api.attempts], columns=["method", "attempt", "outcome", "waited"])


def outcomes_table(run: OutboxRun) -> pd.DataFrame:
    """What the drains decided, job by job, summed: sent, backoff, breaker_open, retry_after, held, …"""
    return pd.DataFrame(sorted(run.outcomes.items()), columns=["outcome", "jobs"])
