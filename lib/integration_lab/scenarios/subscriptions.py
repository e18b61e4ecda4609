"""The club's subscriptions over months of lab time: a buyer joins by Stripe Checkout (subscription mode, on a
Stripe test clock) or by a Telegram Stars subscription link, and the story runs as the providers renew,
fail, retry and cancel, while our shop (`app.service.build_shop`: the bot, the Stripe webhook, the club) keeps
the membership.

`await club_world(lab, provider)` builds it in-process: the Telegram fake (the bot polls it), the Stripe fake
with our webhook endpoint registered, and the shop on the lab's Redis and clock. `join()` is the buyer's
/club, its button and the payment; `advance(seconds)` moves time stopping at every moment something falls
due (a Stripe renewal or retry, a webhook retry, a Stars renewal, the club's lapse sweep), and at each stop
the Stripe test clock is advanced to the lab clock (both move together, so our clock and Stripe's agree),
Stripe's events are delivered to our endpoint, the bot polls Telegram, the lapse sweep runs and the outbox
sends. Every table and the timeline picture are read from what the fakes and our shop hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx
import pandas as pd
import stripe
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..app.bot import poll_once
from ..app.payments.stripe_webhook import stripe_webhook_app
from ..app.service import Options, Shop, build_shop
from ..app.shop.club_sales import GRACE
from ..fakes.stripe import StripeFake, billing, sdk_http_client
from ..fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from ..notebook.picture import Picture

DAY = 86_400
PROVIDERS = ("stripe", "stars")
BUTTONS = {"stripe": "Card (Stripe): 4.99 USD / month", "stars": "Telegram Stars: 250 Stars / month"}
LINKS = {"stripe": "Subscribe by card", "stars": "Subscribe with Stars"}
API_KEY = "sk_test_lab_0000000000000000000000000000"  # a test-mode key the fake accepts; never a real one
WEBHOOK_URL = "https://shop.example/stripe/webhook"
CARD, FAILING_CARD = "pm_card_visa", "pm_card_chargeCustomerFail"  # attaches, then every charge is declined
BUYER = "Ada"
THINK = 2.0  # seconds the buyer takes before each action
# what the bot tells the buyer about the club, by the notice's first words
NOTICES = (("Welcome to the Lab Club", "joined"), ("Your club membership is paid until", "paid"),
           ("Your club membership is renewed", "renewed"), ("Your club renewal of", "failed"),
           ("Your club subscription by card has ended", "ended"), ("We could not collect", "unpaid"),
           ("Your club membership ended on", "lapsed"))
CLUB_EVENTS = {"invoice.paid": ("tab:green", "o"), "invoice.payment_failed": ("tab:red", "x"),
               "customer.subscription.deleted": ("black", "s"), "successful_payment": ("tab:green", "o"),
               "renewal turned off": ("tab:purple", "v"), "the card starts declining": ("tab:orange", "v")}
PERIOD_COLOURS = {"paid": "tab:green", "open": "tab:red", "void": "lightgrey", "draft": "lightgrey",
                  "uncollectible": "tab:red"}


def utc(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(int(seconds), timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def notice_kind(text: str) -> str:
    return next((kind for start, kind in NOTICES if text.startswith(start)), "")


@dataclass
class ClubWorld:
    lab: Any
    provider: str
    telegram: TelegramFake
    people: People
    stripe: StripeFake
    client: stripe.StripeClient
    shop: Shop
    http: httpx.AsyncClient  # Stripe's deliveries, straight into our webhook app
    control: httpx.AsyncClient  # the Stripe fake's control routes (a buyer paying a Checkout page)
    test_clock: str | None
    buyer: dict = field(default_factory=dict)
    joined_at: float = 0.0
    subscription: str = ""  # Stripe: sub_…; Stars: the first payment's telegram_payment_charge_id
    offset: int | None = None
    delivered: list[dict] = field(default_factory=list)  # every webhook attempt, with when
    history: list[dict] = field(default_factory=list)  # the membership after each change
    actions: list[dict] = field(default_factory=list)  # what the buyer did outside our shop

    # the buyer ------------------------------------------------------------------------------------------
    async def join(self) -> pd.DataFrame:
        """/club, the provider's button, the link the bot sends, and the first payment. Returns the chat."""
        await self._says("/club")
        await self.lab.advance(THINK)
        chat = self.telegram.default_bot.chats[self.buyer["id"]]
        offer = [m for m in chat.messages.values() if m.reply_markup][-1]
        data = next(b["callback_data"] for row in offer.reply_markup["inline_keyboard"] for b in row
                    if b["text"] == BUTTONS[self.provider])
        self.people.press(chat.id, self.buyer, offer.message_id, data)
        await self._poll()
        url = next(b["url"] for m in reversed(chat.messages.values()) if m.reply_markup
                   for row in m.reply_markup["inline_keyboard"] for b in row if b.get("text") == LINKS[self.provider])
        await self.lab.advance(THINK)
        self.joined_at = int(self.lab.clock.time())
        if self.provider == "stripe":
            session = url.rstrip("/").rsplit("/", 1)[-1]
            paid = await self.control.post(f"/_lab/checkout/sessions/{session}/complete", json={"payment_method": CARD})
            paid.raise_for_status()
            self.subscription = paid.json()["subscription"]
        else:
            checkout = self.people.pay_link(url, self.buyer)
            await self._poll()  # the pre_checkout_query: the club checks the link is this buyer's
            if checkout.status != "paid":
                raise RuntimeError(f"the Stars payment was {checkout.status}: {checkout.error_message}")
            self.subscription = self._stars().charge_id
        await self._settle()
        return self.chat()

    async def card_declines(self) -> str:
        """The buyer's card starts declining: a card that attaches but fails every charge becomes the
        subscription's default payment method (which Stripe tries before the customer's default)."""
        sub = await self.client.v1.subscriptions.retrieve_async(self.subscription)
        failing = await self.client.v1.payment_methods.attach_async(FAILING_CARD, params={"customer": sub.customer})
        await self.client.v1.customers.update_async(
            sub.customer, params={"invoice_settings": {"default_payment_method": failing.id}})
        await self.client.v1.subscriptions.update_async(self.subscription,
                                                        params={"default_payment_method": failing.id})
        self._act("the card starts declining")
        await self._settle()
        return f"{self.subscription} now charges {failing.id} ({FAILING_CARD})"

    async def cancel(self) -> str:
        """The buyer turns renewal off: Stripe's cancel_at_period_end (what its customer portal sets), or
        Telegram's Settings → Stars → cancel. Paid time stays; the provider does not renew."""
        if self.provider == "stripe":
            sub = await self.client.v1.subscriptions.update_async(self.subscription,
                                                                  params={"cancel_at_period_end": True})
            said = f"{sub.id}: cancel_at_period_end, cancel_at {utc(sub.cancel_at)}"
        else:
            subscription = self._stars()
            self.telegram.payments.subscriptions.cancel_by_user(subscription)  # POST /_lab/subscriptions/…/cancel
            said = f"{subscription.charge_id}: canceled by the user, paid until {utc(subscription.expires_at)}"
        self._act("renewal turned off")
        await self._settle()
        return said

    async def run(self, days: float, decline_from_day: float = 0, cancel_on_day: float = 0) -> pd.DataFrame:
        """Run the clock `days` past joining; the card declines from `decline_from_day` and the buyer turns
        renewal off on `cancel_on_day` (0: never). Returns the timeline."""
        plan = sorted((day, what) for day, what in ((decline_from_day, "decline"), (cancel_on_day, "cancel")) if day)
        for day, what in plan + [(days, "end")]:
            await self.advance(self.joined_at + day * DAY - self.lab.clock.time())
            if what == "decline":
                await self.card_declines()
            elif what == "cancel":
                await self.cancel()
        return self.timeline()

    # time -----------------------------------------------------------------------------------------------
    async def advance(self, seconds: float) -> None:
        """Move the lab clock (and the Stripe test clock with it) by `seconds`, stopping at each moment
        something falls due, so every renewal, retry and notice happens at its own time."""
        target = self.lab.clock.time() + max(seconds, 0)
        while True:
            now = self.lab.clock.time()
            stop = min([t for t in await self._dues() if t > now] + [target])
            if stop > now:
                await self.lab.advance(stop - now)
            await self._settle()
            if stop >= target:
                return

    async def _dues(self) -> list[float]:
        dues = []
        for sub in self._stripe_subscriptions():
            due = billing.next_due(self.stripe, sub)
            if due is not None:
                dues.append(due[0])
        if (retry := self.stripe.deliveries.next_due()) is not None:
            dues.append(retry)
        dues += [s.expires_at for s in self.telegram.payments.subscriptions.of_user(self._bot_id()) if not s.lapsed]
        for key, grace in ((self.shop.parts.club.store._due, GRACE), (self.shop.parts.outbox._due, 0)):
            first = await self.lab.redis.zrange(key, 0, 0, withscores=True)
            if first:
                dues.append(first[0][1] / (1000 if grace == 0 else 1) + grace)
        return dues

    async def _settle(self) -> None:
        now = int(self.lab.clock.time())
        if self.test_clock is not None:
            clock = await self.client.v1.test_helpers.test_clocks.retrieve_async(self.test_clock)
            if clock.frozen_time < now:
                await self.client.v1.test_helpers.test_clocks.advance_async(self.test_clock,
                                                                            params={"frozen_time": now})
        for row in await self.stripe.deliveries.deliver_due(self.http):
            self.delivered.append({"at": now, **row})
        await self._poll()
        await self.shop.parts.club.sweep()
        await self.shop.outbox.drain()
        membership = await self.shop.parts.club.store.get(self.buyer["id"])
        if membership is not None:
            row = {"paid through": membership.paid_through, "source": membership.source,
                   "ended": membership.ended_at}
            if not self.history or {k: self.history[-1][k] for k in row} != row:
                self.history.append({"at": now, **row})

    async def _says(self, text: str) -> None:
        await self.lab.advance(THINK)
        self.people.send(self.buyer["id"], self.buyer, text)
        await self._poll()

    async def _poll(self) -> None:
        self.offset = await poll_once(self.shop.bot.api, self.shop.bot, self.offset)

    def _act(self, what: str) -> None:
        self.actions.append({"at": int(self.lab.clock.time()), "what": what})

    def _bot_id(self) -> int:
        return self.telegram.default_bot.account.id

    def _stars(self):
        [subscription] = self.telegram.payments.subscriptions.of_user(self._bot_id(), self.buyer["id"])
        return subscription

    def _stripe_subscriptions(self) -> list[dict]:
        return [o for o in self.stripe.objects.values() if o["object"] == "subscription"]

    def _day(self, at: float) -> float:
        return round((at - self.joined_at) / DAY, 2) + 0.0  # never -0.0

    # what the providers hold ---------------------------------------------------------------------------
    def provider_subscription(self) -> pd.DataFrame:
        """The subscription as the provider holds it now."""
        if self.provider == "stars":
            s = self._stars().to_api()
            rows = [{"subscription": s["telegram_payment_charge_id"], "amount": f"{s['amount']} XTR",
                     "period (days)": s["period"] // DAY, "paid until": utc(s["expiration_date"]),
                     "payments": s["payments"], "canceled by user": s["canceled_by_user"],
                     "lapsed": s["lapsed"] or ""}]
            return pd.DataFrame(rows)
        sub = self.stripe.objects[self.subscription]
        item = sub["items"]["data"][0]
        return pd.DataFrame([{
            "subscription": sub["id"], "status": sub["status"], "test clock": sub["test_clock"] or "",
            "current period": f"{utc(item['current_period_start'])} → {utc(item['current_period_end'])}",
            "cancel_at_period_end": sub["cancel_at_period_end"], "ended at": utc(sub["ended_at"]),
            "cancellation reason": sub["cancellation_details"]["reason"] or ""}])

    def statuses(self) -> pd.DataFrame:
        """How the provider's subscription changed: Stripe's customer.subscription.* events as delivered (the
        status each carried); Telegram's, read from its subscription (it sends the bot no such events)."""
        if self.provider == "stars":
            s, rows = self._stars(), []
            for n, at in enumerate(self._stars_payments()):
                rows.append({"at": at, "change": "first payment" if n == 0 else "renewed", "status": "renewing"})
            rows += [{"at": a["at"], "change": a["what"], "status": "canceled by user"} for a in self.actions]
            if s.lapsed:
                rows.append({"at": s.expires_at, "change": "not renewed", "status": f"lapsed ({s.lapsed})"})
        else:
            rows = []
            for d in self.delivered:
                event = self.stripe.objects.get(d["event"]) or {}
                obj = (event.get("data") or {}).get("object") or {}
                if d["attempt"] == 1 and event.get("type", "").startswith("customer.subscription.") \
                        and obj.get("id") == self.subscription:
                    rows.append({"at": d["at"], "change": event["type"], "status": obj["status"],
                                 "cancel_at_period_end": obj["cancel_at_period_end"]})
        rows.sort(key=lambda r: r["at"])
        columns = ["at", "day", "change", "status"] + (["cancel_at_period_end"] if self.provider == "stripe" else [])
        return pd.DataFrame([{**r, "at": utc(r["at"]), "day": self._day(r["at"])} for r in rows], columns=columns)

    def invoices(self) -> pd.DataFrame:
        """Stripe: the subscription's invoices, oldest first (the period each line bills, the attempts).
        Stars: each payment Telegram took, first and renewals."""
        if self.provider == "stars":
            s = self._stars()
            rows = [{"payment": n + 1, "charge": charge, "kind": "first" if n == 0 else "renewal",
                     "period": f"{utc(s.expires_at - (len(s.charge_ids) - n) * s.period)} → "
                               f"{utc(s.expires_at - (len(s.charge_ids) - n - 1) * s.period)}",
                     "amount": f"{s.amount} XTR"} for n, charge in enumerate(s.charge_ids)]
            return pd.DataFrame(rows, columns=["payment", "charge", "kind", "period", "amount"])
        rows = []
        for inv in self._invoices():
            line = inv["lines"]["data"][0]["period"]
            rows.append({"invoice": inv["id"], "billing_reason": inv["billing_reason"], "status": inv["status"],
                         "period": f"{utc(line['start'])} → {utc(line['end'])}",
                         "amount": f"{inv['amount_due'] / 100:.2f} {inv['currency'].upper()}",
                         "attempt_count": inv["attempt_count"],
                         "next_payment_attempt": utc(inv["next_payment_attempt"])})
        return pd.DataFrame(rows, columns=["invoice", "billing_reason", "status", "period", "amount",
                                           "attempt_count", "next_payment_attempt"])

    def _invoices(self) -> list[dict]:
        return sorted((o for o in self.stripe.objects.values() if o["object"] == "invoice"
                       and o["subscription"] == self.subscription), key=lambda i: (i["created"], i["id"]))

    # what reached our shop, and what it answered ----------------------------------------------------------
    def deliveries(self) -> pd.DataFrame:
        """Stripe: every webhook attempt to our endpoint and our answer; Stars: the bot's successful_payment
        updates and what the club made of them."""
        if self.provider == "stars":
            handled = [h for h in self.shop.bot.log if h.input.startswith("(successful_payment")]
            rows = [{"at": utc(at), "day": self._day(at), "update": h.update_id, "input": h.input, "our answer": h.reply}
                    for at, h in zip(self._stars_payments(), handled)]
            return pd.DataFrame(rows, columns=["at", "day", "update", "input", "our answer"])
        outcomes = {h["event"]: h["outcome"] for h in self.shop.webhooks.handled}
        rows = [{"at": utc(d["at"]), "day": self._day(d["at"]), "event": d["event"], "type": d["type"],
                 "attempt": d["attempt"], "our answer": d["status"], "outcome": outcomes.get(d["event"], "")}
                for d in self.delivered]
        return pd.DataFrame(rows, columns=["at", "day", "event", "type", "attempt", "our answer", "outcome"])

    def club_events(self) -> pd.DataFrame:
        """Only the events the club acts on (the rest are answered 200 and ignored by the club)."""
        table = self.deliveries()
        if self.provider == "stars":
            return table
        return table[table["type"].isin(list(CLUB_EVENTS))].reset_index(drop=True)

    def answers(self) -> pd.DataFrame:
        """Every delivery to our shop, counted by type and our answer (the club's and the rest)."""
        table = self.deliveries()
        by = ["type", "our answer"] if self.provider == "stripe" else ["input"]
        counts = table.groupby(by, sort=False).size().reset_index(name="deliveries")
        return counts.sort_values(by, kind="stable").reset_index(drop=True)

    def memberships(self) -> pd.DataFrame:
        """The buyer's membership in our Redis after each change: paid through, by which subscription, ended."""
        rows = [{"at": utc(h["at"]), "day": self._day(h["at"]), "paid through": utc(h["paid through"]),
                 "source": h["source"], "ended": utc(h["ended"])} for h in self.history]
        return pd.DataFrame(rows, columns=["at", "day", "paid through", "source", "ended"])

    def status(self) -> str:
        """The provider's subscription now: Stripe's status, or Telegram's renewing / lapsed (why)."""
        if self.provider == "stars":
            lapsed = self._stars().lapsed
            return f"lapsed ({lapsed})" if lapsed else "renewing"
        return self.stripe.objects[self.subscription]["status"]

    def renewals(self) -> int:
        """Renewals paid after the first payment."""
        if self.provider == "stars":
            return len(self._stars().charge_ids) - 1
        return sum(i["status"] == "paid" and i["billing_reason"] == "subscription_cycle" for i in self._invoices())

    async def try_advance(self, days: float) -> pd.DataFrame:
        """The Try-it panel: move the clock `days` on and show what happened meanwhile."""
        before = self.lab.clock.time()
        await self.advance(days * DAY)
        table = self.timeline()
        return table[table["day"] >= self._day(before)].reset_index(drop=True)

    async def member_now(self) -> dict:
        membership = await self.shop.parts.club.store.get(self.buyer["id"])
        now = self.lab.clock.time()
        return {"now": utc(now), "member": bool(membership and membership.active(now)),
                "paid through": utc(membership.paid_through) if membership else "",
                "ended": utc(membership.ended_at) if membership and membership.ended_at else ""}

    def chat(self) -> pd.DataFrame:
        """The buyer's chat, both directions."""
        rows = [{"at": utc(r["date"]), "direction": r["direction"], "text": r["text"], "buttons": r["buttons"]}
                for r in self.people.transcript(self.buyer["id"])]
        return pd.DataFrame(rows, columns=["at", "direction", "text", "buttons"])

    def told(self) -> pd.DataFrame:
        """What the bot told the buyer about their membership (the club's notices), in order."""
        rows = [{"at": utc(r["date"]), "day": self._day(r["date"]), "notice": notice_kind(r["text"]),
                 "text": r["text"]} for r in self.people.transcript(self.buyer["id"])
                if r["direction"] == "bot → user" and notice_kind(r["text"])]
        return pd.DataFrame(rows, columns=["at", "day", "notice", "text"])

    # the timeline ---------------------------------------------------------------------------------------
    def periods(self) -> list[dict]:
        """The periods billed: start, end and how the provider's payment for it went."""
        if self.provider == "stars":
            s = self._stars()
            first = s.expires_at - len(s.charge_ids) * s.period
            return [{"start": first + n * s.period, "end": first + (n + 1) * s.period, "status": "paid"}
                    for n in range(len(s.charge_ids))]
        return [{"start": inv["lines"]["data"][0]["period"]["start"], "end": inv["lines"]["data"][0]["period"]["end"],
                 "status": inv["status"]} for inv in self._invoices()]

    def access(self) -> list[tuple[float, float]]:
        """When the buyer was a member, from the membership after each change, up to now."""
        now, spans = self.lab.clock.time(), []
        for n, h in enumerate(self.history):
            until = min(self.history[n + 1]["at"] if n + 1 < len(self.history) else now, h["paid through"])
            if until > h["at"]:
                if spans and spans[-1][1] >= h["at"]:
                    spans[-1] = (spans[-1][0], until)
                else:
                    spans.append((h["at"], until))
        return spans

    def timeline(self) -> pd.DataFrame:
        """Everything the picture draws, one row each, in time order: the periods billed, the club's events
        at our endpoint, the buyer's own actions, the access our shop gave, and the buyer's notices."""
        rows = [{"at": p["start"], "lane": "periods", "what": f"period to {utc(p['end'])}: {p['status']}"}
                for p in self.periods()]
        if self.provider == "stars":
            rows += [{"at": int(d), "lane": "events", "what": "successful_payment"} for d in self._stars_payments()]
        else:
            rows += [{"at": d["at"], "lane": "events", "what": d["type"]} for d in self.delivered
                     if d["type"] in CLUB_EVENTS]
        rows += [{"at": a["at"], "lane": "events", "what": a["what"]} for a in self.actions]
        now, through = self.lab.clock.time(), self.history[-1]["paid through"] if self.history else 0
        rows += [{"at": start, "lane": "access",
                  "what": f"member until {utc(end)}" if end < now else f"member (at the end: paid through {utc(through)})"}
                 for start, end in self.access()]
        rows += [{"at": r["date"], "lane": "buyer told", "what": notice_kind(r["text"])}
                 for r in self.people.transcript(self.buyer["id"])
                 if r["direction"] == "bot → user" and notice_kind(r["text"])]
        order = {"periods": 0, "events": 1, "access": 2, "buyer told": 3}
        rows.sort(key=lambda r: (r["at"], order[r["lane"]]))
        return pd.DataFrame([{"day": self._day(r["at"]), "at": utc(r["at"]), **{k: r[k] for k in ("lane", "what")}}
                             for r in rows], columns=["day", "at", "lane", "what"])

    def _stars_payments(self) -> list[int]:
        chat = self.telegram.default_bot.chats[self.buyer["id"]]
        return [m.date for m in chat.messages.values() if "successful_payment" in m.service]

    def picture(self, title: str = "") -> Picture:
        """The timeline as lanes over days since joining (the table is `timeline()`)."""
        fig = Figure(figsize=(10, 3.2))  # no pyplot: the kernel fork server preloads scenarios/
        ax = fig.subplots()
        for p in self.periods():
            ax.barh(0, (p["end"] - p["start"]) / DAY, left=self._day(p["start"]), height=0.5,
                    color=PERIOD_COLOURS.get(p["status"], "grey"), edgecolor="white")
        for row in self.timeline().itertuples(index=False):
            if row.lane == "events":
                colour, marker = CLUB_EVENTS.get(row.what, ("grey", "."))
                ax.scatter([row.day], [1], color=colour, marker=marker, s=60, zorder=3)
            elif row.lane == "buyer told":
                ax.scatter([row.day], [3], color="tab:blue", marker="d", s=40, zorder=3)
                ax.annotate(row.what, (row.day, 3), textcoords="offset points", xytext=(0, 7), ha="center",
                            fontsize=7, rotation=30)
        for start, end in self.access():
            ax.barh(2, (end - start) / DAY, left=self._day(start), height=0.5, color="tab:cyan")
        ax.axvline(self._day(self.lab.clock.time()), color="grey", linestyle=":", linewidth=1)
        ax.set_yticks(range(4), ["periods billed", "events", "access (our shop)", "buyer told"])
        ax.set_ylim(3.8, -0.6)
        ax.set_xlabel("days since the buyer joined (dotted: now)")
        ax.set_title(title or f"{self.provider}: the club's subscription over time")
        handles = [Patch(color=c, label=f"period {s}") for s, c in PERIOD_COLOURS.items()
                   if s in {p["status"] for p in self.periods()}]
        handles += [Patch(color=CLUB_EVENTS[w][0], label=w) for w in dict.fromkeys(
            r.what for r in self.timeline().itertuples() if r.lane == "events")]
        handles.append(Patch(color="tab:cyan", label="member"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
        fig.tight_layout()
        return Picture(fig)

    async def close(self) -> None:
        await self.http.aclose()
        await self.control.aclose()
        await self.shop.bot.api.close()


async def club_world(lab, provider: str = "stripe", test_clock: bool = True) -> ClubWorld:
    """The shop with the Telegram fake and the Stripe fake in-process. With Stripe and `test_clock`, the shop
    creates each subscriber's Customer on a Stripe test clock that moves with the lab clock."""
    if provider not in PROVIDERS:
        raise ValueError(f"provider is one of {', '.join(PROVIDERS)}, not {provider!r}")
    fake = StripeFake(lab.clock, lab.ids, base_url="https://stripe.lab")
    client = stripe.StripeClient(API_KEY, http_client=sdk_http_client(fake), max_network_retries=0)
    endpoint = await client.v1.webhook_endpoints.create_async(params={"url": WEBHOOK_URL, "enabled_events": ["*"]})
    telegram = TelegramFake(lab.clock, lab.ids, limits=False)
    shop = await build_shop(Options(stripe_webhook_secret=endpoint.secret, telegram_token=telegram.default_bot.token),
                            backend=lab.backend, clock=lab.clock, stripe_client=client,
                            telegram_transport=AsyncTelegramTransport(telegram), sleep=lab.advance)
    clock_id = None
    if provider == "stripe" and test_clock:
        clock = await client.v1.test_helpers.test_clocks.create_async(
            params={"frozen_time": int(lab.clock.time()), "name": "the club's renewals"})
        clock_id = shop.parts.club.stripe.test_clock = clock.id
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=stripe_webhook_app(shop.webhooks)),
                             base_url="https://shop.example")
    control = httpx.AsyncClient(transport=sdk_http_client(fake)._client_async._transport, base_url="https://stripe.lab")
    world = ClubWorld(lab, provider, telegram, People(telegram), fake, client, shop, http, control, clock_id)
    world.buyer = {"id": lab.ids.integer(100_000_000, 999_999_999), "first_name": BUYER}
    await world._says("/start")
    return world
