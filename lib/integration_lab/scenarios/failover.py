"""A Redis primary killed in the middle of a Stripe payment, its replica promoted: what was lost, and what repairs it.

`await failover_world(lab, pair, wait_for_replica)` is a buyer's-journey world (journeys.journey_world: the
Telegram and Stripe fakes and our shop, in-process) whose Redis is one shard of a cluster, modelled:
`pair`, a primary and its replica (runtime/replication.py). `wait_for_replica` names where our side asks for a
replica before it tells anyone outside Redis (Options.wait_replicas): "webhook" (Stripe is answered 2xx only
then) and "outbox" (the goods are sent only then).

`play(world, link_held, outbox_drains_before_kill)` tells one story. Ada checks out a tea and opens the card
payment (Stripe's PaymentIntent), everything on both nodes. Then, from t = 0: the link to the replica holds
(or not); Ada pays on Stripe; Stripe sends payment_intent.succeeded and our webhook answers; the outbox
drains on the primary (or not); the primary is killed; after the node timeout and the election delay the
replica is promoted; a minute later the dead node rejoins as its replica; Stripe retries what it was not
answered 2xx; the outbox delivers. The promises are judged ("before the repair"); then the hourly catch-up
(app/payments/stripe_catch_up.py) applies what Stripe took and the ledger lacks, the outbox delivers, and
the promises are judged again ("after the repair").

Every step is an arrow on one timeline (`timeline_table`, `timeline_picture`): buyer, Stripe, our app, and
the two nodes, the model's own events folded in (the writes each node acknowledged or received, WAIT's
answers, the kill, the promotion, the rejoin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from ..app.payments.ledger import Ledger
from ..app.payments.stripe_catch_up import catch_up
from ..notebook.picture import Picture
from ..runtime.lab import Lab
from ..runtime.replication import Event, ReplicatedPair, command_name
from .journeys import ROUTE_BUTTONS, JourneyWorld, journey_world
from .trace import redis_summary

# Redis Cluster's timing (https://redis.io/topics/cluster-spec/): a primary unreachable for the node timeout
# is PFAIL, then FAIL once the majority of primaries say so; its replica then waits "500 milliseconds + random
# delay between 0 and 500 milliseconds + REPLICA_RANK * 1000 milliseconds" before it is elected.
NODE_TIMEOUT = 5.0  # seconds: `cluster-node-timeout 5000`, the cluster tutorial's example configuration
ELECTION_DELAY = 0.75  # 500 ms + the random part (the lab draws 250 ms) + rank 0 (the only replica)
REJOIN_AFTER = 60.0  # seconds after the kill its supervisor has the dead node running again
CATCH_UP_AT = 3600.0  # the catch-up job is hourly: at the latest an hour after the payment
WAIT_PLACES = ("webhook", "outbox")
LANES = ("buyer", "Stripe", "our app", "node A", "node B")
LANE_COLOURS = {"buyer": "tab:purple", "Stripe": "tab:blue", "our app": "tab:green", "node A": "tab:red",
                "node B": "tab:orange"}
SHOWN = 70  # characters of an arrow's message in the picture


@dataclass
class FailoverWorld:
    journey: JourneyWorld
    pair: ReplicatedPair
    lab: Any = field(repr=False)
    wait_for_replica: tuple[str, ...] = ()
    order_id: str = ""
    start: float = 0.0  # lab time of t = 0, when the story's timeline begins
    arrows: list[dict] = field(default_factory=list)  # t (s), from, to, message
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)  # "node A (the primary) when it died" -> key -> summary
    verdicts: dict[str, dict[str, bool]] = field(default_factory=dict)  # moment -> promise -> held
    statements: dict[str, pd.DataFrame] = field(default_factory=dict)  # moment -> the reconciliation
    caught_up: list[dict] = field(default_factory=list)  # the catch-up's rows
    answers: list[str] = field(default_factory=list)  # our answers to Stripe's payment_intent.succeeded, in order
    order_on_replica: str = ""  # the order's status on the replica when it was promoted
    _acked: list[Event] = field(default_factory=list)  # acknowledged writes not yet drawn

    @property
    def shop(self):
        return self.journey.shop

    def _t(self) -> float:
        return round(self.lab.clock.time() - self.start, 3)

    # the timeline ------------------------------------------------------------------------------------------
    def note(self, sender: str, receiver: str, message: str) -> None:
        self._draw_writes()
        self.arrows.append({"t (s)": self._t(), "from": sender, "to": receiver, "message": message})

    def _heard(self, event: Event) -> None:
        """The model's events: writes are gathered into one arrow per stretch between two other steps."""
        if event.kind == "acknowledged":
            self._acked.append(event)
            return
        if event.kind == "wait":
            self.note("our app", event.node, event.detail)
        elif event.kind in ("killed", "promoted"):
            self.note(event.node, event.node, f"{event.kind}: {event.detail}")
        elif event.kind == "rejoined":
            self.note(self.pair.primary, event.node, f"full resynchronisation: {event.detail}")
        elif event.kind in ("held", "released", "delivered"):
            self.note(event.node, self.pair.replica or event.node, f"link {event.kind}: {event.detail}")

    def _draw_writes(self) -> None:
        acked, self._acked = self._acked, []
        if not acked:
            return
        primary, commands = acked[0].node, [c for e in acked for c in e.commands]
        at = round(acked[0].at - self.start, 3)  # when the first of them was acknowledged
        self.arrows.append({"t (s)": at, "from": "our app", "to": primary,
                            "message": f"{len(acked)} round trip(s), acknowledged: {redis_summary(commands)}"})
        streamed = [e for e in acked if e.detail == "replicated at once"]
        if streamed:
            self.arrows.append({"t (s)": at, "from": primary, "to": _other(primary),
                                "message": f"streamed at once: {sum(len(e.commands) for e in streamed)} write(s)"})
        if len(streamed) < len(acked):
            held = sum(len(e.commands) for e in acked if e not in streamed)
            self.arrows.append({"t (s)": at, "from": primary, "to": primary,
                                "message": f"{held} write(s) only here: the link holds them back"})

    # the story's steps ----------------------------------------------------------------------------------
    async def advance(self, seconds: float) -> None:
        self._draw_writes()
        await self.journey.advance(seconds)

    async def stripe_delivers(self) -> None:
        """Stripe sends every delivery due now, one at a time; each is an arrow there and one back."""
        j = self.journey
        fake = j.stripe_fake
        fake.catch_up()
        for delivery in fake.deliveries.due():
            kind = fake.objects[delivery.event_id]["type"]
            self.note("Stripe", "our app", f"POST {kind} (attempt {delivery.attempt})")
            row = await fake.deliveries.deliver_one(delivery, j.http)
            said = self.shop.webhooks.handled[-1]["outcome"] if row["status"] else row["error"]
            self.note("our app", "Stripe", f"HTTP {row['status']}: {said}" + (" (Stripe retries)" if row["error"]
                                                                              else ""))
            if kind == "payment_intent.succeeded":
                self.answers.append(f"HTTP {row['status']}")

    async def drain(self) -> None:
        """The outbox sends what is due: the goods and the receipt go to the buyer's chat."""
        rows = await self.shop.outbox.drain()
        for row in rows:
            kind = row["job"].split(":")[1]
            if row["outcome"] == "sent":
                again = kind == "goods" and self.goods_in_chat() > 1
                self.note("our app", "buyer", f"{kind} sent{' again' if again else ''} (Telegram sendMessage)")
            else:
                self.note("our app", "our app", f"{kind} not sent: {row['outcome']}, {row['detail']}")
        if not rows:
            self.note("our app", "our app", "outbox: nothing due")

    async def fail_over(self) -> None:
        """The primary dies; the cluster notices after the node timeout and elects its replica."""
        dead, replica = self.pair.primary, self.pair.replica
        self.nodes[f"{dead} (the primary) when it died"] = await self.keyspace(dead)
        self.pair.kill_primary()
        await self.advance(NODE_TIMEOUT)
        self.note(replica, replica, f"{dead} unreachable for the node timeout ({NODE_TIMEOUT:g} s): PFAIL, then FAIL")
        await self.advance(ELECTION_DELAY)
        self.nodes[f"{replica} (its replica) when promoted"] = await self.keyspace(replica)
        order = await Ledger(self.pair.node(replica), self.lab.keys, self.lab.clock).order(self.order_id)
        self.order_on_replica = order.status if order else "none"
        self.pair.promote()

    async def judge(self, moment: str) -> None:
        """The promises now, and Stripe's statement beside our ledger."""
        self._draw_writes()
        self.statements[moment] = await self.journey.statement()
        invariants = await self.journey.invariants()
        statement = self.statements[moment]
        charged = set(statement[statement["provider_says"] == "paid"]["order_id"])
        goods = self.goods_in_chat()
        self.verdicts[moment] = {
            "no order paid twice": bool((invariants["payments kept"] <= 1).all()),
            "Stripe took the money ⇒ the goods reached the buyer once": goods == int(self.order_id in charged),
            "the goods reached the buyer at most once": goods <= 1,
            "ledger = Stripe": bool(invariants["statement agrees"].all()),
        }

    async def repair(self) -> None:
        """The hourly catch-up: Stripe's paid events set against the ledger, what it lacks applied."""
        await self.advance(CATCH_UP_AT - self._t())
        self.note("our app", "Stripe", "catch-up: GET /v1/events?type=payment_intent.succeeded")
        self.caught_up = await catch_up(self.journey.stripe, self.shop.webhooks)
        for row in self.caught_up:
            self.note("our app", "our app", f"{row['event']}: the ledger had {row['ledger had']}: {row['outcome']}")
        await self.drain()

    # what a notebook shows --------------------------------------------------------------------------------
    async def keyspace(self, node: str) -> dict[str, str]:
        """Every key of the scenario on one node, summarised (what it is, not every byte)."""
        client, found = self.pair.node(node), {}
        async for key in client.scan_iter(match=self.lab.keys.pattern("*"), count=500):
            found[self.lab.keys.strip(key)] = await _summarised(client, key)
        return dict(sorted(found.items()))

    def nodes_table(self) -> pd.DataFrame:
        """What the dead primary had, what its replica had when promoted: the keys that differ, then a count."""
        (had, had_name), (got, got_name) = [(v, k) for k, v in self.nodes.items()]
        differ = sorted(k for k in had.keys() | got.keys() if had.get(k) != got.get(k))
        rows = [{"key": k, had_name: had.get(k, "—"), got_name: got.get(k, "—"),
                 "lost with the primary": "yes" if had.get(k) != got.get(k) else ""} for k in differ]
        same = len(had.keys() & got.keys()) - len(set(differ) & had.keys() & got.keys())
        rows.append({"key": f"… {same} other key(s)", had_name: "the same", got_name: "the same",
                     "lost with the primary": ""})
        return pd.DataFrame(rows, columns=["key", had_name, got_name, "lost with the primary"])

    def lost_table(self) -> pd.DataFrame:
        """The writes the primary acknowledged and took with it, in the order it ran them."""
        rows = [{"write": n, "command": redis_summary([command_name(w.command)]),
                 "keys": ", ".join(_keys(self.lab, w.command))}
                for n, w in enumerate(self.pair.lost, start=1)]
        return pd.DataFrame(rows, columns=["write", "command", "keys"])

    def timeline_table(self) -> pd.DataFrame:
        self._draw_writes()
        return pd.DataFrame(self.arrows, columns=["t (s)", "from", "to", "message"])

    def broken(self, moment: str) -> list[str]:
        """The promises that did not hold at `moment`."""
        return [promise for promise, held in self.verdicts[moment].items() if not held]

    def verdict_table(self) -> pd.DataFrame:
        moments = list(self.verdicts)
        promises = list(self.verdicts[moments[0]])
        return pd.DataFrame([{"promise": p, **{m: self.verdicts[m][p] for m in moments}} for p in promises],
                            columns=["promise", *moments])

    def catch_up_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.caught_up, columns=["event", "payment_intent", "order", "ledger had", "outcome"])

    def goods_in_chat(self) -> int:
        goods = f"Your order {self.order_id} is ready"
        return sum(r["text"].startswith(goods) for r in self.journey.people.transcript(self.journey.user("Ada")["id"]))

    async def close(self) -> None:
        self.pair.on_event = None
        await self.journey.close()


async def failover_world(lab, pair: ReplicatedPair, wait_for_replica=()) -> FailoverWorld:
    unknown = set(wait_for_replica) - set(WAIT_PLACES)
    if unknown:
        raise ValueError(f"unknown place(s) to wait for a replica {sorted(unknown)}; choose from {', '.join(WAIT_PLACES)}")
    if lab.redis is not pair.client:
        raise ValueError("the story's Redis must be the pair: il.setup(…, backend=pair.backend(scenario_id))")
    journey = await journey_world(lab)
    journey.trace.enabled = False  # this story draws its own timeline, the two nodes in it
    world = FailoverWorld(journey, pair, lab, tuple(wait_for_replica))
    journey.shop.webhooks.wait_replicas = int("webhook" in wait_for_replica)
    journey.shop.outbox.wait_replicas = int("outbox" in wait_for_replica)
    pair.sleep = journey.advance  # a WAIT that times out takes its timeout on the lab clock
    return world


async def play(world: FailoverWorld, link_held: bool, outbox_drains_before_kill: bool) -> FailoverWorld:
    j, pair = world.journey, world.pair
    world.order_id = await j.checks_out("Ada", "tea")
    await j.presses("Ada", ROUTE_BUTTONS["stripe"])  # our gateway opens the PaymentIntent
    await j.stripe_webhooks()  # payment_intent.created
    world.start = j.trace.start = world.lab.clock.time()  # t = 0 in the timeline and the buyer's chat alike
    pair.on_event = world._heard
    if link_held:
        pair.hold()
    world.note("buyer", "Stripe", "enters card visa, confirms the PaymentIntent")
    said = await j._pay_stripe(world.order_id, "visa", webhook=False)
    world.note("Stripe", "buyer", f"the card is charged ({said})")
    await world.stripe_delivers()
    if outbox_drains_before_kill:
        await world.drain()
    await world.fail_over()
    await world.advance(REJOIN_AFTER - NODE_TIMEOUT - ELECTION_DELAY)
    await pair.rejoin()
    due = j.stripe_fake.deliveries.next_due()
    if due is not None and due - world.lab.clock.time() < CATCH_UP_AT:
        await world.advance(max(0.0, due - world.lab.clock.time()))
        await world.stripe_delivers()  # Stripe's retry of what it was not answered 2xx
    await world.drain()
    await world.judge("before the repair")
    await world.repair()
    await world.judge("after the repair")
    return world


async def another_story(lab, link_held: bool, outbox_drains_before_kill: bool, wait_for_replica=()) -> pd.DataFrame:
    """The story again on a fresh pair (and a fresh shop), on the lab's clock: its promises before and after."""
    pair = ReplicatedPair()
    world = await failover_world(Lab(lab.scenario_id, lab.clock, lab.ids, pair.backend(lab.scenario_id)), pair,
                                 wait_for_replica)
    try:
        await play(world, link_held, outbox_drains_before_kill)
        return world.verdict_table()
    finally:
        await world.close()
        await pair.close()


# the picture -------------------------------------------------------------------------------------------------
def timeline_picture(table: pd.DataFrame, title: str) -> Picture:
    """One lane per actor (the two nodes last), one arrow per row, top to bottom in order, the lab-clock second
    at the left; a step on one lane alone is a dot. The table beside it holds the same rows."""
    lanes = {lane: i for i, lane in enumerate(LANES)}
    fig = Figure(figsize=(11, max(3.0, 0.34 * len(table) + 1.4)))
    ax = fig.subplots()
    for lane, x in lanes.items():
        ax.axvline(x, color=LANE_COLOURS[lane], linewidth=1.2, alpha=0.5, zorder=1)
        ax.text(x, -1.0, lane, ha="center", va="bottom", fontsize=9, fontweight="bold", color=LANE_COLOURS[lane])
    for y, (t, sender, receiver, message) in enumerate(table[["t (s)", "from", "to", "message"]].itertuples(index=False)):
        x0, x1 = lanes[sender], lanes[receiver]
        bad = any(word in message for word in ("killed", "HTTP 503", "only here", "not sent", "-> 0", "failed", "again"))
        colour = "tab:red" if bad else LANE_COLOURS[sender]
        if x0 == x1:
            ax.plot([x0], [y], marker="o", color=colour, markersize=5, zorder=3)
        else:
            ax.annotate("", xy=(x1, y), xytext=(x0, y), zorder=2,
                        arrowprops={"arrowstyle": "->", "color": colour, "linewidth": 1.1})
        text = message if len(message) <= SHOWN else message[:SHOWN - 1] + "…"
        ax.text(min(x0, x1) + 0.08, y - 0.14, text, ha="left", va="bottom", fontsize=6.5,
                color="tab:red" if bad else "black")
        ax.text(-0.45, y, f"{t:g} s", ha="right", va="center", fontsize=6.5, color="grey")
    ax.set_xlim(-1.0, len(LANES) + 0.3)
    ax.set_ylim(len(table) - 0.3, -1.3)
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return Picture(fig)


# helpers -----------------------------------------------------------------------------------------------------
def _other(node: str) -> str:
    return "node B" if node == "node A" else "node A"


def _keys(lab, args: tuple) -> list[str]:
    """The keys a write names: a script's KEYS, or a plain command's first argument."""
    name = str(args[0]).upper()
    if name in ("EVAL", "EVALSHA"):
        return [lab.keys.strip(str(k)) for k in args[3:3 + int(args[2])]]
    return [lab.keys.strip(str(args[1]))] if len(args) > 1 else []


async def _summarised(client, key: str) -> str:
    kind = await client.type(key)
    if kind == "hash":
        fields = await client.hgetall(key)
        for wanted in ("status", "state"):
            if wanted in fields:
                return f"{wanted} {fields[wanted]}"
        return f"hash of {len(fields)} field(s)"
    if kind == "string":
        value = await client.get(key)
        return value if len(value) <= 24 else value[:23] + "…"
    counts = {"list": client.llen, "set": client.scard, "zset": client.zcard}
    return f"{kind} of {await counts[kind](key)}" if kind in counts else kind
