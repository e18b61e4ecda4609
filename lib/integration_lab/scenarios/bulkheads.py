"""A bulkhead keeping our side answering while Stripe hangs, on virtual time.

Our side is modelled as a bot is run: a fixed pool of update workers (python-telegram-bot's concurrent
updates, aiogram's task limit) taking updates from one queue. Buyers who pay call Stripe through our
StripeGateway; the Stripe fake hangs every PaymentIntent create (its "latency" fault) until it is back.
Other buyers only browse: a catalog read from Redis, which must stay instant.

Without a bulkhead every worker ends up waiting on Stripe and the browsers wait in the queue until the hang
ends. With `Bulkhead("stripe", n)` at most n workers are held; the next payer is told "try again" at once
(Checkout.code "bulkhead_full") and comes back `retry_after` seconds later, and browsers are answered at once.

Virtual time: the Stripe fake's latency waits on the lab clock (`VirtualTime.sleep`) and the scenario moves
the clock one second at a time, letting every worker run until it is idle or held; so every time printed is
a lab second, the same on every run. (The event loop itself is never blocked here: an awaiting call costs it
nothing. What a hang exhausts is the bounded pool of workers, which is what the bulkhead protects.)
"""

from __future__ import annotations

import asyncio
from collections import deque
import contextvars
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..app.payments.stripe_gateway import StripeGateway
from ..app.resilience import Bulkhead
from .payments import stripe_world

CATALOG = {"coffee": "3.00 USD", "tea": "2.50 USD", "cake": "4.00 USD"}
PRICE = 900  # cents: what each payer pays
QUIET_SPINS = 20_000  # loop turns a step may take to settle (a real Redis answers within a few hundred)
_worker: contextvars.ContextVar[int | None] = contextvars.ContextVar("worker", default=None)


@dataclass
class Job:
    update: int
    buyer: str
    wants: str  # "pay" or "browse"
    arrived: int
    order_id: str | None = None
    tries: int = 1
    worker: int | None = None
    started: int | None = None
    answered: int | None = None
    outcome: str = ""
    code: str = ""


class VirtualTime:
    """Sleeps on the lab clock: a sleeper wakes when `step()` has moved the clock to its deadline."""

    def __init__(self, lab):
        self.lab, self.t0 = lab, lab.clock.time()
        self.sleepers: list[tuple[float, asyncio.Future, int | None]] = []

    def now(self) -> int:
        return round(self.lab.clock.time() - self.t0)

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self.sleepers.append((self.lab.clock.time() + seconds, future, _worker.get()))
        await future

    def held(self) -> set[int | None]:
        return {worker for _, future, worker in self.sleepers if not future.done()}

    async def step(self) -> None:
        await self.lab.advance(1)
        now = self.lab.clock.time()
        for deadline, future, _ in self.sleepers:
            if deadline <= now and not future.done():
                future.set_result(None)
        self.sleepers = [s for s in self.sleepers if not s[1].done()]


@dataclass
class Pool:
    """Our side: `workers` update workers on one queue, a StripeGateway (with or without a bulkhead)."""
    lab: Any
    gateway: StripeGateway
    time: VirtualTime
    workers: int
    retry_after: int
    # updates not yet taken, in arrival order; `dispatch` hands each to the lowest-numbered idle worker, so
    # which worker takes an update never depends on which one finished first in real time (it did with one
    # shared queue: on a Redis Cluster, round trips end in another order)
    backlog: deque = field(default_factory=deque)
    inbox: dict[int, asyncio.Queue] = field(default_factory=dict)  # worker -> the update handed to it
    state: dict[int, str] = field(default_factory=dict)  # worker -> idle / running
    jobs: list[Job] = field(default_factory=list)
    later: list[Job] = field(default_factory=list)  # payers told to try again, coming back

    async def work(self, me: int) -> None:
        _worker.set(me)
        while True:
            self.state[me] = "idle"
            job = await self.inbox[me].get()
            job.worker, job.started = me, self.time.now()
            await self.handle(job)
            job.answered = self.time.now()

    async def handle(self, job: Job) -> None:
        if job.wants == "browse":
            shown = await self.lab.redis.hgetall(self.lab.keys.key("bulkhead", "catalog"))
            job.outcome = f"catalog shown ({len(shown)} items)"
            return
        checkout = await self.gateway.pay(job.order_id, "pm_card_visa")
        job.outcome, job.code = checkout.outcome, checkout.code or ""
        if checkout.outcome == "try_again":
            self.later.append(Job(0, job.buyer, "pay", self.time.now() + self.retry_after, job.order_id, job.tries + 1))

    def dispatch(self) -> None:
        for worker in sorted(w for w, s in self.state.items() if s == "idle"):
            if not self.backlog:
                return
            self.state[worker] = "running"  # from now: the update is the worker's, before it wakes
            self.inbox[worker].put_nowait(self.backlog.popleft())

    def quiet(self) -> bool:
        """Every worker idle on an empty queue or held by Stripe: nothing more happens until time moves."""
        held = self.time.held()
        running = [w for w, s in self.state.items() if s == "running" and w not in held]
        idle = any(s == "idle" for s in self.state.values())
        return not running and (not self.backlog or not idle)

    async def settle(self) -> None:
        for spin in range(QUIET_SPINS):
            self.dispatch()
            if self.quiet():
                return
            await asyncio.sleep(0 if spin < 100 else 0.001)
        raise RuntimeError("the workers did not settle: something waits on neither the queue nor the lab clock")


@dataclass
class BulkheadRun:
    bulkhead: Bulkhead | None
    workers: int
    jobs: list[Job]
    until: int
    stripe_back_at: int

    def timeline(self) -> pd.DataFrame:
        """One row per update handled, in arrival order: who, which worker, when, and what they heard."""
        rows = [{"update": j.update, "buyer": j.buyer, "wants": j.wants, "try": j.tries, "arrived (s)": j.arrived,
                 "worker": j.worker, "started (s)": j.started, "answered (s)": j.answered,
                 "waited (s)": None if j.started is None else j.started - j.arrived,
                 "took (s)": None if j.answered is None else j.answered - j.started, "outcome": j.outcome or "(waiting)",
                 "code": j.code} for j in self.jobs]
        columns = ["update", "buyer", "wants", "try", "arrived (s)", "worker", "started (s)", "answered (s)",
                   "waited (s)", "took (s)", "outcome", "code"]
        return pd.DataFrame(rows, columns=columns).astype({c: "Int64" for c in columns[4:10]}).set_index("update")

    def summary(self) -> pd.DataFrame:
        """Per kind of buyer: how many, how long the slowest waited for a worker, how it ended."""
        rows = []
        for wants in ("browse", "pay"):
            mine = [j for j in self.jobs if j.wants == wants]
            buyers = {j.buyer for j in mine}
            waits = [(j.answered if j.answered is not None else self.until) - j.arrived for j in mine]
            last = {j.buyer: j for j in mine}  # each buyer's last try
            rows.append({"buyers": len(buyers), "wants": wants, "updates": len(mine),
                         "slowest answer (s)": max(waits, default=0),
                         "answered within 1 s": sum(w <= 1 for w in waits),
                         "told try again": sum(j.outcome == "try_again" for j in mine),
                         "ended": ", ".join(f"{n} {o}" for o, n in pd.Series(
                             [j.outcome if j.wants == "pay" else "browsed" for j in last.values()]
                         ).value_counts().sort_index().items())})
        return pd.DataFrame(rows).set_index("wants")

    def per_worker(self) -> pd.DataFrame:
        """What the picture shows, per worker: lab seconds held by Stripe, payments and browsers handled."""
        rows = []
        for w in range(1, self.workers + 1):
            mine = [j for j in self.jobs if j.worker == w]
            held = sum((self.until if j.answered is None else j.answered) - j.started for j in mine if j.wants == "pay")
            rows.append({"worker": f"worker {w}", "held by Stripe (s)": held,
                         "payments": sum(j.wants == "pay" for j in mine),
                         "browsers answered": sum(j.wants == "browse" and j.answered is not None for j in mine)})
        return pd.DataFrame(rows).set_index("worker")

    def stripe_calls(self) -> pd.DataFrame:
        """The bulkhead's counters: payments let through to Stripe, refused, most at once."""
        if self.bulkhead is None:
            paying = [j for j in self.jobs if j.wants == "pay" and j.started is not None]
            return pd.DataFrame([{"bulkhead": "none", "admitted": len(paying), "refused": 0,
                                  "most at once": _most_at_once(paying)}]).set_index("bulkhead")
        d = self.bulkhead.describe()
        return pd.DataFrame([{"bulkhead": f"{self.bulkhead.name} ({d['limit']})", "admitted": d["admitted"],
                              "refused": d["refused"], "most at once": d["peak"]}]).set_index("bulkhead")


def _most_at_once(jobs: list[Job]) -> int:
    edges = sorted([(j.started, 1) for j in jobs] + [(j.answered if j.answered is not None else 10**9, -1)
                                                      for j in jobs], key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, change in edges:
        now += change
        most = max(most, now)
    return most


async def hang_stripe(lab, workers: int = 4, bulkhead: int = 0, payers: int = 4, browsers: int = 6,
                      browse_every: int = 3, hang: int = 30, stripe_back_at: int = 30, retry_after: int = 10,
                      until: int = 45) -> BulkheadRun:
    """Payers arrive one a second from 0, browsers every `browse_every` s after them; Stripe hangs each create
    for `hang` lab seconds until `stripe_back_at`. `bulkhead` 0: none."""
    if workers < 1 or payers < 0 or browsers < 0 or browse_every < 1 or bulkhead < 0 or until < 1:
        raise ValueError("need at least one worker, no negative counts, browse_every and until of at least 1")
    world = await stripe_world(lab)
    time = VirtualTime(lab)
    world.fake.sleep = time.sleep  # the hang runs on the lab clock
    world.fake.faults.add("latency", "payment_intents.create", times=None, seconds=hang)
    guard = Bulkhead("stripe", bulkhead) if bulkhead else None
    gateway = StripeGateway(world.client, world.ledger, breaker=None, bulkhead=guard)
    await lab.redis.hset(lab.keys.key("bulkhead", "catalog"), mapping=CATALOG)
    pool = Pool(lab, gateway, time, workers, retry_after)
    arrivals = [Job(0, f"payer {i + 1}", "pay", i, await world.order(PRICE)) for i in range(payers)]
    arrivals += [Job(0, f"browser {i + 1}", "browse", payers + i * browse_every) for i in range(browsers)]
    pool.state = {w: "running" for w in range(1, workers + 1)}  # starting: each goes idle on its inbox first
    pool.inbox = {w: asyncio.Queue() for w in pool.state}
    tasks = [asyncio.ensure_future(pool.work(w)) for w in pool.state]
    try:
        for t in range(until + 1):
            if t:
                await time.step()
            if t == stripe_back_at:
                world.fake.faults.clear()
            due = sorted([j for j in arrivals + pool.later if j.arrived == t], key=lambda j: (j.wants, j.buyer))
            for job in due:
                pool.jobs.append(job)
                job.update = len(pool.jobs)
                pool.backlog.append(job)
            await pool.settle()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for _, future, _ in time.sleepers:
            future.cancel()
        await world.http.aclose()
    return BulkheadRun(guard, workers, pool.jobs, until, stripe_back_at)
