"""Stripe Checkout from both sides: the session Stripe holds, and what our shop made of it.

The buyer checks out in the shop bot and presses Card (Stripe Checkout): our side creates a Checkout Session
(app/payments/stripe_checkout.py) and the bot sends its link. The buyer pays on Stripe's page, here through
the Stripe fake's control route `POST /_lab/checkout/sessions/{id}/complete` (the same machinery as the hosted
page: a decline is Stripe's 402 `card_error` and leaves the session open, a 3-D Secure card is challenged).
Stripe's events reach our webhook (a duplicate delivery among them, as Stripe may send), the ledger settles
the order once, the stock is sold or given back, and the outbox tells the buyer.

`await tell(lab, outcome, cards)` runs one story on a `JourneyWorld` and returns a `CheckoutStory`, whose tables
a notebook prints: the steps, the sessions as Stripe holds them, the buyer's attempts, the deliveries with our
answers, and a timeline (one row per thing that happened, in lanes) beside its picture.

    paid                one card that pays
    declined-then-paid  a declined card (Stripe's message, the session still open), then one that pays
    expired             a declined card, then nothing: the lab clock passes expires_at, Stripe expires the
                        session (its attempt's PaymentIntent canceled), the stock goes back, the buyer is told
    paid-twice          the button pressed twice: two sessions (two tabs) for one order, both paid; the second
                        payment is refunded and the buyer told
    three-d-secure      a card that asks for 3-D Secure, answered through the control route's option
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd
from matplotlib.figure import Figure

from ..fakes.stripe import checkout
from ..fakes.stripe.transport import AsyncStripeTransport
from ..notebook.picture import Picture
from .journeys import BASE, ROUTE_BUTTONS, JourneyWorld, journey_world
from .payments import journal_table

OUTCOMES = ("paid", "declined-then-paid", "expired", "paid-twice", "three-d-secure")
CARDS = ("pm_card_visa", "pm_card_mastercard", "pm_card_visa_chargeDeclined",
         "pm_card_visa_chargeDeclinedInsufficientFunds", "pm_card_visa_chargeDeclinedExpiredCard",
         "pm_card_authenticationRequired", "pm_card_threeDSecure2Required")  # the Try-it panel's choice
BUTTON = ROUTE_BUTTONS["stripe_checkout"]
TYPING = 30  # lab seconds a buyer takes to type a card on the page
LANES = ("buyer", "Stripe", "our webhook", "ledger", "stock", "chat")
LANE_COLOURS = {"buyer": "tab:blue", "Stripe": "tab:purple", "our webhook": "tab:green", "ledger": "tab:orange",
                "stock": "tab:brown", "chat": "tab:cyan"}
SHOWN = 58  # characters of a timeline entry on the picture (the table has them whole)


def short(object_id: str | None) -> str:
    """cs_test_a1jTJWYyL4… : enough of a long id to tell two apart."""
    return "" if not object_id else object_id if len(object_id) <= 20 else object_id[:18] + "…"


class _Watched(httpx.AsyncBaseTransport):
    """Stripe's deliveries to our endpoint, each followed by a look at what it changed."""

    def __init__(self, inner: httpx.AsyncBaseTransport, after):
        self.inner, self.after = inner, after

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await self.after(response.status_code)
        return response


@dataclass
class CheckoutStory:
    world: JourneyWorld
    orders: dict[str, str] = field(default_factory=dict)  # buyer -> order id
    links: dict[str, list[str]] = field(default_factory=dict)  # buyer -> the session ids, one per tab
    steps: list[dict] = field(default_factory=list)
    attempts: list[dict] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)
    timeline: list[dict] = field(default_factory=list)
    _seen: dict[str, Any] = field(default_factory=lambda: {"events": 0, "journal": {}, "chat": {}, "stock": None})

    def __post_init__(self):
        self.stripe = httpx.AsyncClient(transport=AsyncStripeTransport(self.world.stripe_fake),
                                        base_url=self.world.stripe_fake.base_url)
        self.webhook_client = httpx.AsyncClient(transport=_Watched(self.world.http._transport, self._delivered),
                                                base_url=BASE)

    @property
    def fake(self):
        return self.world.stripe_fake

    def t(self, at: float | None = None) -> float:
        return round((self.world.lab.clock.time() if at is None else at) - self.world.trace.start, 1)

    def note(self, lane: str, what: str, at: float | None = None) -> None:
        self.timeline.append({"t (s)": self.t(at), "lane": lane, "what": what})

    def session(self, session_id: str) -> dict:
        return self.fake.get(checkout.KIND, session_id, "session")

    # the buyer ----------------------------------------------------------------------------------------
    async def opens(self, buyer: str, *skus: str) -> str:
        """/start, /buy each sku, Checkout, then the Card (Stripe Checkout) button: the link the bot sent."""
        order_id = await self.world.checks_out(buyer, *skus)
        self.orders[buyer] = order_id
        self.note("buyer", f"checks out: order {order_id}")
        said = self.world.chat(buyer)["direction"].eq("bot → user").sum()
        self._seen["chat"][buyer] = int(said) - 1  # the chat lane starts at the order's message
        await self._observe(buyer)  # the order opened and the stock held, before the link
        return await self._presses(buyer, "opens the checkout link")

    async def opens_another_tab(self, buyer: str) -> str:
        """The button pressed again (another tab): our side makes another session for the same order."""
        return await self._presses(buyer, "presses the button again: a second tab")

    async def _presses(self, buyer: str, step: str) -> str:
        await self.world.presses(buyer, BUTTON)
        link = self.world.checkout_link(buyer)
        if link is None:
            raise RuntimeError(f"no checkout link: the bot said {self.world.shop.bot.log[-1].reply!r}")
        session = self.session(link.rstrip("/").rsplit("/", 1)[-1])
        self.links.setdefault(buyer, []).append(session["id"])
        self.note("buyer", f"presses {BUTTON}")
        self.note("Stripe", f"session {short(session['id'])} open, expires in "
                            f"{session['expires_at'] - session['created']} s", at=session["created"])
        await self._observe(buyer)
        await self._step(buyer, step, f"tab {len(self.links[buyer])}: session {short(session['id'])} "
                                      f"{session['status']}, {session['amount_total']} {session['currency']}")
        return session["id"]

    async def pays(self, buyer: str, card: str, tab: int | None = None, three_d_secure: str = "succeed") -> str:
        """The buyer types `card` on the page of `tab` (the newest by default), through the fake's control route;
        Stripe then delivers what fell due to our webhook."""
        await self.world.advance(TYPING)
        sessions = self.links[buyer]
        session_id = sessions[(tab or len(sessions)) - 1]
        tab = sessions.index(session_id) + 1
        self.world.trace.note("buyer", "provider", f"Stripe Checkout: pays with {card}")
        body = {"payment_method": card, "three_d_secure": three_d_secure}
        reply = await self.stripe.post(f"/_lab/checkout/sessions/{session_id}/complete", json=body)
        said = _answer(reply)
        session = self.session(session_id)
        self.attempts.append({"t (s)": self.t(), "buyer": buyer, "tab": tab, "card": card, "HTTP": reply.status_code,
                              "Stripe says": said, "session then": session["status"],
                              "payment_intent": session["payment_intent"] or ""})
        self.note("buyer", f"tab {tab}: {card} → {reply.status_code} {said}")
        await self.webhooks()
        await self._step(buyer, f"pays in tab {tab} with {card}", f"{reply.status_code}: {said}")
        return said

    async def waits_past_expiry(self, buyer: str) -> None:
        """Nobody pays: the lab clock passes the newest session's expires_at, and Stripe delivers what followed."""
        session = self.session(self.links[buyer][-1])
        await self.world.advance(session["expires_at"] - self.world.lab.clock.time() + 1)
        await self.webhooks()
        await self._step(buyer, "waits past expires_at", f"session {short(session['id'])} {session['status']}")

    async def delivers(self, buyer: str) -> None:
        """The outbox sends what the payment (or the expiry) queued: goods, receipt, notices."""
        await self.webhooks()  # anything Stripe still owes comes first
        sent = await self.world.deliver()
        await self._observe(buyer)
        jobs = ", ".join(f"{job.split(':')[1]} {outcome}" for job, outcome in zip(sent["job"], sent["outcome"])) \
            if len(sent) else "nothing sent"
        await self._step(buyer, "the outbox delivers", jobs)

    # Stripe's side ------------------------------------------------------------------------------------
    async def webhooks(self) -> None:
        """Stripe delivers every event that has fallen due (and those they caused: a refund's) to our endpoint."""
        self.fake.catch_up()  # a session past its expires_at expires now, with its event
        self._new_events()
        while self.fake.deliveries.due():
            for row in await self.fake.deliveries.deliver_due(self.webhook_client):
                if row["status"] is None:  # never reached us: a failed delivery Stripe retries later
                    self.deliveries.append({"t (s)": self.t(), "event": row["event"], "type": row["type"],
                                            "HTTP": None, "our answer": f"(never reached us: {row['error']})"})
                    self.note("Stripe", f"{row['type']}: delivery failed, retried later")

    def _new_events(self) -> None:
        events = [o for o in self.fake.objects.values() if o.get("object") == "event"]
        for event in events[self._seen["events"]:]:
            obj = event["data"]["object"]
            self.note("Stripe", f"{event['type']} ({short(obj['id'])})", at=event["created"])
        self._seen["events"] = len(events)

    async def _delivered(self, status: int) -> None:
        """Right after each delivery: our endpoint's answer, then what it changed."""
        handled = self.world.shop.webhooks.handled[-1]
        self.deliveries.append({"t (s)": self.t(), "event": handled["event"], "type": handled["type"],
                                "HTTP": status, "our answer": handled["outcome"]})
        self.note("our webhook", f"{handled['type']}: {status} {handled['outcome']}")
        self._new_events()  # a refund our answer asked for emits Stripe's events at once
        for buyer in self.orders:
            await self._observe(buyer, chat=False)

    async def _observe(self, buyer: str, chat: bool = True) -> None:
        """What changed since the last look: the order's journal, the stock, the buyer's chat."""
        world, order_id = self.world, self.orders[buyer]
        with world.trace.aside():
            journal = await world.shop.ledger.journal(order_id)
            levels = await world.shop.stock.levels()
        seen = self._seen["journal"].get(order_id, 0)
        for entry in journal[seen:]:
            ref = short(entry["ref"]) if entry["ref"] != "-" else ""
            self.note("ledger", f"{entry['op']} {ref}: {entry['outcome']}; order {entry['status']}".replace(" :", ":"),
                      at=entry["at"] / 1000)
        self._seen["journal"][order_id] = len(journal)
        totals = _totals(levels)
        if totals != self._seen["stock"]:
            self.note("stock", ", ".join(f"{k} {v}" for k, v in totals.items()))
            self._seen["stock"] = totals
        if chat:
            said = [r for _, r in world.chat(buyer).iterrows() if r["direction"] == "bot → user"]
            for row in said[self._seen["chat"].get(buyer, 0):]:
                self.note("chat", f"{buyer} reads: {row['text']}", at=world.trace.start + row["t (s)"])
            self._seen["chat"][buyer] = len(said)

    async def _step(self, buyer: str, step: str, result: str) -> None:
        with self.world.trace.aside():
            order = await self.world.shop.ledger.order(self.orders[buyer])
            totals = _totals(await self.world.shop.stock.levels())
        sessions = ", ".join(self.session(s)["status"] for s in self.links.get(buyer, []))
        self.steps.append({"buyer": buyer, "step": step, "result": result, "session(s)": sessions,
                           "order": order.status, "held": totals["held"], "sold": totals["sold"]})

    # what a notebook prints ---------------------------------------------------------------------------
    def steps_table(self, buyer: str | None = None, since: int = 0) -> pd.DataFrame:
        rows = [r for r in self.steps[since:] if buyer is None or r["buyer"] == buyer]
        return pd.DataFrame(rows, columns=["buyer", "step", "result", "session(s)", "order", "held", "sold"])

    def sessions_table(self, buyer: str | None = None) -> pd.DataFrame:
        """Each session as Stripe holds it, with its PaymentIntent's status and what was refunded of it."""
        refunds = [o for o in self.fake.objects.values() if o.get("object") == "refund"]
        rows = []
        for who, ids in self.links.items():
            if buyer is not None and who != buyer:
                continue
            for tab, session_id in enumerate(ids, 1):
                s = self.session(session_id)
                pi = self.fake.objects.get(s["payment_intent"] or "") or {}
                rows.append({"tab": tab, "session": s["id"], "status": s["status"],
                             "payment_status": s["payment_status"], "amount_total": s["amount_total"],
                             "currency": s["currency"], "payment_intent": s["payment_intent"] or "",
                             "intent status": pi.get("status", ""),
                             "refunded": sum(r["amount"] for r in refunds if r["payment_intent"] == pi.get("id")),
                             "order (metadata)": s["metadata"].get("order_id", "")})
        return pd.DataFrame(rows, columns=["tab", "session", "status", "payment_status", "amount_total", "currency",
                                           "payment_intent", "intent status", "refunded", "order (metadata)"])

    async def journal(self, buyer: str) -> pd.DataFrame:
        """Every transition the ledger applied to the buyer's order, in order."""
        with self.world.trace.aside():
            return await journal_table(self.world.shop.ledger, self.orders[buyer])

    def attempts_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.attempts, columns=["t (s)", "buyer", "tab", "card", "HTTP", "Stripe says",
                                                    "session then", "payment_intent"])

    def deliveries_table(self) -> pd.DataFrame:
        """Every delivery of Stripe's to our endpoint, in order, with our answer: the same event twice is
        answered twice, and the second changes nothing."""
        return pd.DataFrame(self.deliveries, columns=["t (s)", "event", "type", "HTTP", "our answer"]).astype(
            {"HTTP": "Int64"})

    def timeline_table(self) -> pd.DataFrame:
        """The picture's rows: one per thing that happened, in order (lab seconds since the world started)."""
        rows = sorted(enumerate(self.timeline), key=lambda r: (r[1]["t (s)"], r[0]))
        return pd.DataFrame([r for _, r in rows], columns=["t (s)", "lane", "what"])

    async def another_buyer(self, buyer: str, card: str, three_d_secure: str = "succeed") -> pd.DataFrame:
        """Try it: another buyer opens a link for coffee beans and pays with `card`; their steps."""
        since = len(self.steps)
        await self.opens(buyer, "beans")
        await self.pays(buyer, card, three_d_secure=three_d_secure)
        await self.delivers(buyer)
        return self.steps_table(since=since)

    async def close(self) -> None:
        await self.stripe.aclose()
        await self.world.close()


def _answer(reply: httpx.Response) -> str:
    body = reply.json()
    if reply.is_success:
        return f"{body['status']}, {body['payment_status']}"
    error = body.get("error", {})
    code = error.get("decline_code") or error.get("code") or error.get("type", "")
    return f"{code}: {error.get('message', '')}"


def _totals(levels: dict[str, dict[str, int]]) -> dict[str, int]:
    return {k: sum(level[k] for level in levels.values()) for k in ("available", "held", "sold")}


async def tell(lab, outcome: str, cards: list[str] | tuple[str, ...], three_d_secure: str = "succeed",
               duplicate: str = "checkout.session.completed", buyer: str = "Ada",
               skus: tuple[str, ...] = ("tea", "mug")) -> CheckoutStory:
    """One story on a fresh JourneyWorld; Stripe delivers the first `duplicate` event twice."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; choose one of {', '.join(OUTCOMES)}")
    if outcome == "paid-twice" and len(cards) != 2:
        raise ValueError("paid-twice takes two cards, one per tab")
    story = CheckoutStory(await journey_world(lab))
    story.fake.deliveries.faults.add("duplicate", duplicate, times=1)
    await story.opens(buyer, *skus)
    if outcome == "paid-twice":
        await story.opens_another_tab(buyer)
    for i, card in enumerate(cards):
        await story.pays(buyer, card, tab=i + 1 if outcome == "paid-twice" else None, three_d_secure=three_d_secure)
    if outcome == "expired":
        await story.waits_past_expiry(buyer)
    await story.delivers(buyer)
    return story


def timeline_picture(timeline: pd.DataFrame, title: str):
    """One column per lane, one row per entry of `timeline` (top to bottom, lab seconds at the left): a dot in
    its lane and its words beside it. Rows, not a time axis: an expiry an hour later must not squash the rest."""
    lanes = {lane: i for i, lane in enumerate(LANES)}
    # a Figure without pyplot: scenarios/ is preloaded by the kernel fork server, which refuses pyplot
    fig = Figure(figsize=(12, max(2.5, 0.28 * len(timeline) + 1.2)))
    ax = fig.subplots()
    for lane, x in lanes.items():
        ax.axvline(x, color=LANE_COLOURS[lane], linewidth=1.0, alpha=0.5, zorder=1)
        ax.text(x, -1.0, lane, ha="center", va="bottom", fontsize=9, fontweight="bold", color=LANE_COLOURS[lane])
    for y, (t, lane, what) in enumerate(timeline[["t (s)", "lane", "what"]].itertuples(index=False)):
        bad = any(word in what for word in ("declined", "402", "expired", "refund", "already_paid", "duplicate"))
        ax.scatter([lanes[lane]], [y], s=28, color="tab:red" if bad else LANE_COLOURS[lane], zorder=3)
        ax.text(lanes[lane] + 0.08, y, what if len(what) <= SHOWN else what[:SHOWN - 1] + "…", va="center",
                fontsize=6.5, color="tab:red" if bad else "black")
        ax.text(-0.4, y, f"{t:g} s", ha="right", va="center", fontsize=6.5, color="grey")
    ax.set_xlim(-0.9, len(LANES) + 0.2)
    ax.set_ylim(len(timeline) - 0.3, -1.3)
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return Picture(fig)
