"""The club (a monthly membership) as the bot sells it, and what Telegram's payments say about it.

    /club        the buyer's membership, or the offer: Card (Stripe) or Telegram Stars, both monthly
    club:stripe  a Stripe Checkout Session in subscription mode for the club's recurring Price; our metadata
                 (user and chat) rides on the Subscription, so every invoice of it names the buyer
    club:stars   a createInvoiceLink in XTR with subscription_period 2592000 (30 days, the only period the
                 Bot API takes); its payload `club:<user>:<update>` comes back on every renewal

Telegram: the first payment and every renewal reach the bot as `successful_payment` with is_recurring and
subscription_expiration_date; each extends the membership to that date (ClubStore: only ever extends). A
renewal that does not happen sends nothing, so a Stars membership lapses silently: the lapse sweep (`sweep`,
run with the outbox drain) tells the buyer once, GRACE after the paid-through time passed with no renewal.
Stripe's side is app/shop/club_stripe.py. Each handler applies its fact, then queues its notice keyed by the
payment (outbox job ids), so a resend after a Redis cut repeats nothing the buyer sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..money import money
from ..payments.buyer_messages import TRY_AGAIN
from ..payments.stripe_gateway import StripeUnavailable
from ..payments.stripe_subscriptions import RecurringPlan, StripeSubscriptions
from ..telegram.client import BotApi
from .club import ClubStore, utc
from .outbox import Job, Outbox

PAYLOAD = "club:"  # a club invoice's payload starts so: `club:<user id>:<update id>`
PERIOD = 2_592_000  # seconds; createInvoiceLink's subscription_period "must always be 2592000 (30 days)"
GRACE = 3600  # seconds past a Stars membership's paid-through time before the sweep calls it lapsed


@dataclass(frozen=True)
class ClubPlan:
    title: str = "Lab Club (monthly)"
    description: str = "A monthly tea tip, members' prices and early news from the lab."
    prices: dict[str, int] = field(default_factory=lambda: {"USD": 499, "XTR": 250})  # cents; whole Stars
    lookup_key: str = "lab_club_monthly"

    @property
    def stripe(self) -> RecurringPlan:
        return RecurringPlan(self.lookup_key, self.title, self.prices["USD"], "usd")


CLUB = ClubPlan()


class ClubSales:
    def __init__(self, api: BotApi, store: ClubStore, outbox: Outbox, clock, plan: ClubPlan = CLUB,
                 stripe: StripeSubscriptions | None = None):
        self.api, self.store, self.outbox, self.clock, self.plan = api, store, outbox, clock, plan
        self.stripe = stripe

    # the offer ---------------------------------------------------------------------------------------------
    async def offer(self, user_id: int) -> tuple[str, dict | None]:
        """/club: the membership if there is one, else the plan and a button per way to pay."""
        membership = await self.store.get(user_id)
        if membership is not None and membership.active(self.clock.time()):
            renews = "ends" if membership.ended_at else "renews"
            return (f"{self.plan.title}: you are a member until {utc(membership.paid_through)}; it {renews} then "
                    f"(paid by {membership.by})."), None
        usd, stars = self.plan.prices["USD"], self.plan.prices["XTR"]
        keyboard = {"inline_keyboard": [
            [{"text": f"Card (Stripe): {money(usd, 'USD')} / month", "callback_data": "club:stripe"}],
            [{"text": f"Telegram Stars: {money(stars, 'XTR')} / month", "callback_data": "club:stars"}]]}
        return f"{self.plan.title}: {self.plan.description} Choose how to pay:", keyboard

    async def buy(self, route: str, user_id: int, chat_id: int, update_id: int) -> str:
        """A club:<route> button: the link to pay, sent as a message; returns the button's toast."""
        if route == "stars":
            return await self._stars(user_id, chat_id, update_id)
        if route == "stripe":
            return await self._stripe(user_id, chat_id, update_id)
        return "That button is no longer valid."

    async def _stars(self, user_id: int, chat_id: int, update_id: int) -> str:
        price = self.plan.prices["XTR"]
        link = await self.api.create_invoice_link(
            self.plan.title, self.plan.description, f"{PAYLOAD}{user_id}:{update_id}", "XTR",
            [{"label": "One month", "amount": price}], subscription_period=PERIOD)
        await self._link(chat_id, f"Join the club for {money(price, 'XTR')} a month:", "Subscribe with Stars", link)
        return f"Subscription link sent: {money(price, 'XTR')} a month."

    async def _stripe(self, user_id: int, chat_id: int, update_id: int) -> str:
        if self.stripe is None:
            return "Card payments with Stripe are not available right now."
        try:
            session = await self.stripe.checkout(self.plan.stripe, {"user_id": str(user_id), "chat_id": str(chat_id)},
                                                 f"{user_id}-{update_id}")
        except StripeUnavailable:
            return TRY_AGAIN
        price = self.plan.prices["USD"]
        await self._link(chat_id, f"Join the club for {money(price, 'USD')} a month by card with Stripe:",
                         "Subscribe by card", session.url)
        return f"Checkout link sent: {money(price, 'USD')} a month."

    async def _link(self, chat_id: int, text: str, label: str, url: str) -> None:
        await self.api.send_message(chat_id, text, reply_markup={"inline_keyboard": [[{"text": label, "url": url}]]})

    # Telegram's payment updates ----------------------------------------------------------------------------
    def problem(self, query: dict) -> str | None:
        """The pre-checkout check of a club link's first payment: the buyer it was made for, the plan's price."""
        payload, payer = query.get("invoice_payload", ""), (query.get("from") or {}).get("id")
        owner = payload[len(PAYLOAD):].partition(":")[0]
        if owner != str(payer):
            return "This subscription link was made for someone else. Send /club for your own."
        if query.get("currency") != "XTR" or query.get("total_amount") != self.plan.prices["XTR"]:
            return "This subscription link is out of date. Send /club for a new one."
        return None

    async def successful_payment(self, message: dict) -> str:
        """A club payment (the first one or a renewal): the membership runs to its expiration date."""
        paid = message["successful_payment"]
        until = paid.get("subscription_expiration_date")
        if not paid.get("is_recurring") or not isinstance(until, int) or paid.get("currency") != "XTR":
            return "club: not a subscription payment"
        user_id, chat_id = (message.get("from") or {}).get("id") or message["chat"]["id"], message["chat"]["id"]
        charge, first = paid["telegram_payment_charge_id"], bool(paid.get("is_first_recurring"))
        membership = await self.store.paid_through(user_id, f"stars:{charge}", until, chat_id,
                                                   link=paid["invoice_payload"], first=first)
        if membership.source.startswith("stars") and membership.ended_at is None:
            await self.store.watch(membership)
        text = (f"Welcome to the {self.plan.title}! You are a member until {utc(membership.paid_through)}; it "
                f"renews monthly for {money(paid['total_amount'], 'XTR')}." if first else
                f"Your club membership is renewed until {utc(membership.paid_through)}. Thank you!")
        await self.notify(user_id, chat_id, f"paid:{charge}", text)
        return f"club: {'joined' if first else 'renewed'} until {membership.paid_through}"

    # the lapse sweep ---------------------------------------------------------------------------------------
    async def sweep(self) -> list[int]:
        """Tell each buyer whose Stars membership lapsed (no renewal GRACE past its end) once; returns them."""
        told = []
        for user_id, due in await self.store.lapsed(self.clock.time() - GRACE):
            membership = await self.store.get(user_id)
            if membership is not None and membership.paid_through != due:  # renewed, or paid another way
                if membership.source.startswith("stars") and membership.ended_at is None:
                    await self.store.watch(membership)  # what the renewal's own watch() does (a cut may have lost it)
                else:
                    await self.store.done(user_id, due)
                continue
            if membership is not None and membership.source.startswith("stars") and membership.chat_id:
                await self.notify(user_id, membership.chat_id, f"lapsed:{due}",
                                  f"Your club membership ended on {utc(due)}: it was not renewed. Send /club to "
                                  "join again.")
                told.append(user_id)
            await self.store.done(user_id, due)  # after the notice: a cut between them tells once (job id)
        return told

    async def notify(self, user_id: int, chat_id: int | None, notice: str, text: str) -> None:
        """Tell the buyer once per `notice` (e.g. `failed:<invoice>`): queued under a job id of its own, then
        remembered with the membership (the outbox keeps a sent job a week; a resend after a cut between the
        two finds the job still queued)."""
        if chat_id is None or await self.store.told(user_id, notice):
            return
        await self.outbox.enqueue(Job(f"club:{user_id}:{notice}", int(chat_id), text))
        await self.store.mark_told(user_id, notice)

