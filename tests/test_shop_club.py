"""The club: a monthly membership sold as a Stripe subscription or a Telegram Stars subscription. Renewals extend
access, a failed renewal tells the buyer, a canceled subscription ends it; every fact applied twice, late or
in any order changes nothing more; a Redis cut at any command of a club handler is repaired by the resend."""

from __future__ import annotations

import itertools
import json

import httpx
import pytest
from redis.exceptions import RedisError

from integration_lab.app.service import DEFAULTS, Options, build_shop
from integration_lab.app.shop.club import ClubStore
from integration_lab.app.shop.club_sales import GRACE, PERIOD
from integration_lab.app.shop.outbox import Outbox
from integration_lab.app.telegram import BotApi
from integration_lab.fakes.stripe.webhooks import signature
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.redis_cut import RedisCut
from tests.test_shop_checkout import shop_world
from tests.test_shop_outbox import TOKEN, Telegram

START = 1_767_603_600  # the lab's start, 2026-01-05T09:00:00Z
DAY, MONTH = 86_400, 2_592_000
USER, SUB = 7001, "sub_1ClubLabTest000001"


# the store: monotonic, idempotent facts ----------------------------------------------------------------------
async def test_paid_through_only_extends_and_an_end_only_ends_earlier(lab):
    store = ClubStore(lab.redis, lab.keys, lab.clock)
    first = await store.paid_through(USER, f"stripe:{SUB}", START + MONTH, chat_id=USER)
    assert (first.paid_through, first.source, first.ended_at, first.changed) == (START + MONTH, f"stripe:{SUB}",
                                                                                   None, True)
    assert first.active(lab.clock.time())
    again = await store.paid_through(USER, f"stripe:{SUB}", START + MONTH)
    late = await store.paid_through(USER, f"stripe:{SUB}", START + 1)  # an older period's invoice, late
    assert (again.changed, late.changed, late.paid_through, late.chat_id) == (False, False, START + MONTH, USER)
    ended = await store.ended(USER, f"stripe:{SUB}", START + DAY)
    assert (ended.paid_through, ended.ended_at, ended.changed) == (START + DAY, START + DAY, True)
    assert not (await store.ended(USER, f"stripe:{SUB}", START + 2 * DAY)).changed  # a later end changes nothing
    lab.clock.advance(DAY)
    assert not (await store.get(USER)).active(lab.clock.time())


async def test_any_order_of_the_same_facts_converges(lab):
    facts = [("through", f"stripe:{SUB}", START + MONTH), ("through", f"stripe:{SUB}", START + 2 * MONTH),
             ("end", f"stripe:{SUB}", START + 2 * MONTH - DAY), ("through", "stars:stx1", START + MONTH + DAY)]
    seen = set()
    for n, order in enumerate(itertools.permutations(facts)):
        store = ClubStore(lab.redis, lab.keys, lab.clock)
        for op, source, at in order:
            await (store.paid_through if op == "through" else store.ended)(n, source, at)
        got = await store.get(n)
        seen.add((got.paid_through, got.source, got.ended_at))
    assert seen == {(START + 2 * MONTH - DAY, f"stripe:{SUB}", START + 2 * MONTH - DAY)}


async def test_a_stars_renewal_counts_for_the_subscription_its_first_payment_started(lab):
    store = ClubStore(lab.redis, lab.keys, lab.clock)
    await store.paid_through(USER, "stars:stx-first", START + MONTH, USER, link="club:7001:5", first=True)
    renewed = await store.paid_through(USER, "stars:stx-second", START + 2 * MONTH, USER, link="club:7001:5")
    assert (renewed.source, renewed.paid_through) == ("stars:stx-first", START + 2 * MONTH)


# Stripe: invoices and subscription events, signed as Stripe signs them --------------------------------------
def invoice(number: int, reason: str, period_start: int, paid: bool = True) -> dict:
    """An invoice of the club's subscription as API versions from 2025-03-31 write it (stripe-fixtures3.json)."""
    metadata = {"user_id": str(USER), "chat_id": str(USER)}
    return {"id": f"in_1ClubLab{number:011d}", "object": "invoice", "billing_reason": reason, "currency": "usd",
            "amount_due": 499, "amount_paid": 499 if paid else 0, "status": "paid" if paid else "open",
            "customer": "cus_ClubLab0001", "metadata": {},
            "period_start": period_start - MONTH if reason == "subscription_cycle" else period_start,
            "period_end": period_start,
            "parent": {"type": "subscription_details", "quote_details": None,
                       "subscription_details": {"metadata": metadata, "subscription": SUB}},
            "lines": {"object": "list", "has_more": False, "data": [{
                "id": f"il_1ClubLab{number:011d}", "object": "line_item", "amount": 499, "currency": "usd",
                "period": {"start": period_start, "end": period_start + MONTH},
                "parent": {"type": "subscription_item_details", "invoice_item_details": None,
                           "subscription_item_details": {"subscription": SUB, "subscription_item": "si_Club1",
                                                         "proration": False}}}]}}


def subscription(status: str, ended_at: int | None = None) -> dict:
    return {"id": SUB, "object": "subscription", "status": status, "customer": "cus_ClubLab0001",
            "metadata": {"user_id": str(USER), "chat_id": str(USER)}, "ended_at": ended_at,
            "canceled_at": ended_at, "cancel_at_period_end": False}


class Stripe:
    """Our shop with its outbox on a stub Telegram; Stripe's events delivered to its webhook, signed."""

    def __init__(self, lab, shop):
        self.lab, self.shop, self.clock, self.telegram, self.number = lab, shop, shop.clock, Telegram(), 0
        api = BotApi(TOKEN, transport=httpx.MockTransport(self.telegram.handler), max_retries=0)
        shop.parts.outbox = shop.parts.club.outbox = Outbox(lab.redis, lab.keys, shop.clock, api)

    def event(self, kind: str, obj: dict, event_id: str | None = None) -> tuple[bytes, str]:
        self.number += 1
        payload = json.dumps({"id": event_id or f"evt_club{self.number}", "object": "event", "type": kind,
                              "created": int(self.clock.time()), "data": {"object": obj}}).encode()
        return payload, signature(payload, DEFAULTS["stripe_webhook_secret"], int(self.clock.time()))

    async def send(self, kind: str, obj: dict, event_id: str | None = None) -> tuple[int, dict]:
        return await self.shop.webhooks.receive(*self.event(kind, obj, event_id))

    async def said(self) -> list[str]:
        await self.shop.outbox.drain()
        return [m["text"] for m in self.telegram.sent]

    async def membership(self):
        return await self.shop.parts.club.store.get(USER)


@pytest.fixture
async def stripe_shop(lab):
    return Stripe(lab, await build_shop(Options(), backend=lab.backend, clock=lab.clock))


async def test_a_stripe_club_renews_three_times_and_access_follows(lab, stripe_shop):
    assert await stripe_shop.send("invoice.paid", invoice(0, "subscription_create", START)) == (200, {"received": True})
    assert (await stripe_shop.membership()).paid_through == START + MONTH
    for n in (1, 2, 3):
        lab.clock.advance(MONTH)  # Stripe bills the next period as it starts
        await stripe_shop.send("invoice.paid", invoice(n, "subscription_cycle", START + n * MONTH))
        membership = await stripe_shop.membership()
        assert (membership.paid_through, membership.source) == (START + (n + 1) * MONTH, f"stripe:{SUB}")
        assert membership.active(lab.clock.time())
    said = await stripe_shop.said()
    assert said[0] == "Your club membership is paid until 2026-02-04 09:00 UTC (4.99 USD by card). Thank you!"
    assert said[-1] == "Your club membership is paid until 2026-05-05 09:00 UTC (4.99 USD by card). Thank you!"
    assert len(said) == 4
    lab.clock.advance(MONTH)  # no fourth renewal came: access stops at the last paid period's end
    assert not (await stripe_shop.membership()).active(lab.clock.time())


async def test_a_failed_renewal_tells_the_buyer_and_the_deleted_subscription_ends_access(lab, stripe_shop):
    await stripe_shop.send("invoice.paid", invoice(0, "subscription_create", START))
    lab.clock.advance(MONTH)
    failed = invoice(1, "subscription_cycle", START + MONTH, paid=False)
    await stripe_shop.send("invoice.payment_failed", failed)
    await stripe_shop.send("invoice.payment_failed", {**failed, "attempt_count": 2})  # Stripe's retry fails too
    assert (await stripe_shop.membership()).paid_through == START + MONTH  # nothing was paid for the new month
    lab.clock.advance(3 * DAY)
    await stripe_shop.send("customer.subscription.updated", subscription("unpaid"))  # Stripe gave up retrying
    lab.clock.advance(1)
    await stripe_shop.send("customer.subscription.deleted", subscription("canceled", int(lab.clock.time())))
    membership = await stripe_shop.membership()
    assert (membership.paid_through, membership.ended_at) == (START + MONTH, START + MONTH + 3 * DAY + 1)
    assert not membership.active(lab.clock.time())
    assert (await stripe_shop.said())[1:] == [
        ("Your club renewal of 4.99 USD could not be charged to your card. Your membership runs until 2026-02-04 "
         "09:00 UTC. Stripe will try again; you can update your card meanwhile."),
        "We could not collect your club renewal, so your membership has ended. Send /club to join again.",
        "Your club subscription by card has ended. Send /club to join again."]


async def test_a_cancel_mid_period_ends_access_at_once(lab, stripe_shop):
    await stripe_shop.send("invoice.paid", invoice(0, "subscription_create", START))
    lab.clock.advance(10 * DAY)
    await stripe_shop.send("customer.subscription.deleted", subscription("canceled", int(lab.clock.time())))
    membership = await stripe_shop.membership()
    assert (membership.paid_through, membership.ended_at) == (START + 10 * DAY, START + 10 * DAY)
    assert not membership.active(lab.clock.time())


async def test_the_same_event_twice_or_a_late_one_changes_nothing(lab, stripe_shop):
    payload = stripe_shop.event("invoice.paid", invoice(0, "subscription_create", START))
    assert await stripe_shop.shop.webhooks.receive(*payload) == (200, {"received": True})
    assert await stripe_shop.shop.webhooks.receive(*payload) == (200, {"received": True, "duplicate": True})
    lab.clock.advance(MONTH)
    await stripe_shop.send("invoice.paid", invoice(1, "subscription_cycle", START + MONTH))
    # the first invoice again under another event id (Stripe sends invoice.paid and invoice.payment_succeeded
    # alike; a replay from the dashboard): neither access nor the buyer's messages change
    await stripe_shop.send("invoice.paid", invoice(0, "subscription_create", START))
    assert (await stripe_shop.membership()).paid_through == START + 2 * MONTH
    assert len(await stripe_shop.said()) == 2
    outcomes = [h["outcome"] for h in stripe_shop.shop.webhooks.handled]
    assert outcomes[1] == "duplicate (done)"


async def test_events_of_other_subscriptions_and_other_invoices_are_left_alone(lab, stripe_shop):
    foreign = invoice(0, "subscription_create", START)
    foreign["parent"]["subscription_details"]["metadata"] = {}
    assert await stripe_shop.send("invoice.paid", foreign) == (200, {"received": True})
    await stripe_shop.send("invoice.paid", invoice(1, "manual", START))
    assert await stripe_shop.membership() is None
    broken = invoice(2, "subscription_create", START)
    broken["lines"]["data"][0]["period"]["end"] = "soon"
    assert await stripe_shop.send("invoice.paid", broken) == (400, {"error": "malformed event: lines.data[].period.end"})
    outcomes = [h["outcome"] for h in stripe_shop.shop.webhooks.handled]
    assert outcomes[:2] == ["ignored (not a club subscription)", "ignored (billing_reason manual)"]


async def test_an_older_api_versions_invoice_names_its_subscription_at_the_top(lab, stripe_shop):
    old = invoice(0, "subscription_create", START)
    details = old.pop("parent")["subscription_details"]
    old.update(subscription=SUB, subscription_details={"metadata": details["metadata"]})
    for line in old["lines"]["data"]:
        line.pop("parent")
        line["subscription"] = SUB
    await stripe_shop.send("invoice.paid", old)
    assert (await stripe_shop.membership()).paid_through == START + MONTH


# Telegram Stars: the bot sells the club, Telegram renews it on the lab clock ------------------------------------
@pytest.fixture
async def world(lab):
    world = await shop_world(lab)
    yield world
    await world.close()


def link_of(world, name: str = "Ada") -> str:
    chat = world.fake.default_bot.chats[world.user(name)["id"]]
    [button] = [b for m in chat.messages.values() if m.reply_markup for row in m.reply_markup["inline_keyboard"]
                for b in row if b.get("text") == "Subscribe with Stars"][-1:]
    return button["url"]


async def stars_member(world, name: str = "Ada"):
    await world.says(name, "/club")
    assert world.bot.log[-1].reply.startswith("Lab Club (monthly): ")
    await world.presses(name, "Telegram Stars: 250 Stars / month")
    checkout = world.people.pay_link(link_of(world, name), world.user(name))
    await world.sync()  # the pre_checkout_query: the club checks the link was made for this buyer
    await world.sync()  # the successful_payment
    assert checkout.status == "paid"
    return checkout


async def test_a_stars_club_renews_on_the_lab_clock_and_lapses_after_a_cancel(lab, world):
    await stars_member(world)
    ada = world.user("Ada")["id"]
    store = world.parts.club.store
    joined = await store.get(ada)
    assert (joined.paid_through, joined.source[:8]) == (int(lab.clock.time()) + PERIOD, "stars:st")
    start = joined.paid_through - PERIOD
    for n in (2, 3):
        lab.clock.advance(PERIOD)  # Telegram renews as the period ends
        await world.sync()
        renewed = await store.get(ada)
        assert (renewed.paid_through, renewed.source) == (start + n * PERIOD, joined.source)
    assert await world.parts.club.sweep() == []  # renewing: nobody lapsed
    subscription = world.fake.payments.subscriptions.find(world.fake.default_bot.account.id, joined.source[6:])
    world.fake.payments.subscriptions.cancel_by_user(subscription)  # Settings → Stars → cancel; the bot hears nothing
    lab.clock.advance(PERIOD)
    await world.sync()
    assert (await store.get(ada)).paid_through == start + 3 * PERIOD  # not renewed
    assert not (await store.get(ada)).active(lab.clock.time())
    assert await world.parts.club.sweep() == []  # within the grace a late renewal may still come
    lab.clock.advance(GRACE)
    assert await world.parts.club.sweep() == [ada]
    assert await world.parts.club.sweep() == []  # told once
    await world.parts.outbox.drain()
    texts = [t for t in world.transcript("Ada")["text"] if "club" in t.lower()]
    assert texts[-4:] == [
        ("Welcome to the Lab Club (monthly)! You are a member until 2026-02-04 09:00 UTC; it renews monthly for "
         "250 Stars."),
        "Your club membership is renewed until 2026-03-06 09:00 UTC. Thank you!",
        "Your club membership is renewed until 2026-04-05 09:00 UTC. Thank you!",
        "Your club membership ended on 2026-04-05 09:00 UTC: it was not renewed. Send /club to join again."]
    await world.says("Ada", "/club")
    assert world.bot.log[-1].reply.startswith("Lab Club (monthly): A monthly")  # offered again


async def test_club_shows_the_membership_and_refuses_someone_elses_link(lab, world):
    await stars_member(world)
    await world.says("Ada", "/club")
    assert world.bot.log[-1].reply == ("Lab Club (monthly): you are a member until 2026-02-04 09:00 UTC; it renews "
                                       "then (paid by Telegram Stars).")
    await world.says("Bo", "/start")
    refused = world.people.pay_link(link_of(world), world.user("Bo"))
    await world.sync()
    assert refused.status == "refused"
    assert refused.error_message == "This subscription link was made for someone else. Send /club for your own."


async def test_stripe_button_without_stripe_says_so(world):
    await world.says("Ada", "/club")
    await world.presses("Ada", "Card (Stripe): 4.99 USD / month")
    assert world.bot.log[-1].reply == "Card payments with Stripe are not available right now."


# the crash-point sweep over the club's handlers ----------------------------------------------------------------
def stars_payment(charge: str, until: int, first: bool) -> dict:
    paid = {"currency": "XTR", "total_amount": 250, "invoice_payload": f"club:{USER}:5",
            "telegram_payment_charge_id": charge, "provider_payment_charge_id": "", "is_recurring": True,
            "subscription_expiration_date": until}
    if first:
        paid["is_first_recurring"] = True
    return {"message_id": 9, "from": {"id": USER, "first_name": "Ada"}, "chat": {"id": USER, "type": "private"},
            "date": 0, "successful_payment": paid}


def club_flow(lab, stripe: Stripe) -> list:
    """Every club handler once, in a buyer's order: each a provider's delivery, repeated after a cut."""
    club, webhooks = stripe.shop.parts.club, stripe.shop.webhooks
    events = [stripe.event("invoice.paid", invoice(0, "subscription_create", START)),
              stripe.event("invoice.paid", invoice(1, "subscription_cycle", START + MONTH)),
              stripe.event("invoice.payment_failed", invoice(2, "subscription_cycle", START + 2 * MONTH, False)),
              stripe.event("customer.subscription.deleted", subscription("canceled", START + 2 * MONTH + DAY))]

    def webhook(payload):
        async def send():
            status, _ = await webhooks.receive(*payload)
            if status != 200:
                raise RedisError("non-2xx: Stripe retries")
        return send

    async def sweep():  # past the Stars membership's end (the run's own clock): its lapse is told
        if stripe.clock.time() < START + 4 * MONTH + GRACE:  # a resend sweeps again at the same time
            stripe.clock.advance(4 * MONTH + GRACE)
        await club.sweep()
    return [*(webhook(e) for e in events),
            lambda: club.successful_payment(stars_payment("stx-first", START + 3 * MONTH, True)),
            lambda: club.successful_payment(stars_payment("stx-renew", START + 4 * MONTH, False)),
            lambda: club.successful_payment(stars_payment("stx-renew", START + 4 * MONTH, False)),  # redelivered
            sweep]


async def club_run(lab, cut: RedisCut, k: int | None) -> tuple:
    """One run on a clean keyspace, cut before command k (None: never): the membership, the notices, the keys."""
    await lab.backend.clean()
    clock = FrozenClock("2026-01-05T09:00:00Z")  # each run's own, so every run sees the same times
    stripe = Stripe(lab, await build_shop(Options(), backend=lab.backend, clock=clock))
    if k is not None:
        cut.fail_after(k)
    for send in club_flow(lab, stripe):
        try:
            await send()
        except RedisError:
            cut.reconnect()
            await send()  # the provider's resend (the sweep's next round)
    cut.reconnect()
    tripped, cut.tripped = cut.tripped, False
    stored = await lab.redis.hgetall(lab.keys.key("club", "{" + str(USER) + "}"))
    keys = sorted(lab.keys.strip(key) for key in await lab.backend.scan_keys())
    said = await stripe.said()
    return tripped, stored, said, keys


async def test_a_cut_at_every_command_of_the_club_handlers_is_repaired_by_the_resend(lab):
    cut = RedisCut.of(lab.redis)
    await club_run(lab, cut, None)  # loads every script, so each run counts the same commands
    _, stored, said, keys = await club_run(lab, cut, None)
    assert stored["paid_through"] == str(START + 4 * MONTH) and stored["source"] == "stars:stx-first"
    assert len(said) == len(set(said)) == 7  # 2 paid, 1 failed, 1 ended, joined, renewed, lapsed
    runs = 0
    for k in itertools.count():
        tripped, got, told, got_keys = await club_run(lab, cut, k)
        if not tripped:
            break
        runs += 1
        # no renewal lost, none applied twice, no notice lost or sent twice, nothing stranded
        assert (got, told, got_keys) == (stored, said, keys), k
    assert runs > 20


# Stripe end to end: the bot's Checkout Session, the Stripe fake's billing on the lab clock, its signed webhooks -----
class StripeWorld:
    """The shop with the Telegram fake and the Stripe fake in-process; Stripe's webhooks go to our endpoint."""

    @classmethod
    async def build(cls, lab) -> StripeWorld:
        import stripe as stripe_sdk

        from integration_lab.app.payments.stripe_webhook import stripe_webhook_app
        from integration_lab.fakes.stripe import StripeFake, sdk_http_client
        from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
        self = cls()
        self.lab, self.stripe = lab, StripeFake(lab.clock, lab.ids, base_url="https://stripe.lab")
        self.client = stripe_sdk.StripeClient("sk_test_club", http_client=sdk_http_client(self.stripe),
                                              max_network_retries=0)
        endpoint = await self.client.v1.webhook_endpoints.create_async(
            params={"url": "https://shop.example/stripe/webhook", "enabled_events": ["*"]})
        self.telegram = TelegramFake(lab.clock, lab.ids, limits=False)
        self.people = People(self.telegram)
        self.shop = await build_shop(Options(stripe_webhook_secret=endpoint.secret,
                                             telegram_token=self.telegram.default_bot.token),
                                     backend=lab.backend, clock=lab.clock, stripe_client=self.client,
                                     telegram_transport=AsyncTelegramTransport(self.telegram), sleep=lab.advance)
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=stripe_webhook_app(self.shop.webhooks)),
                                      base_url="https://shop.example")
        self.control = httpx.AsyncClient(transport=sdk_http_client(self.stripe)._client_async._transport,
                                         base_url="https://stripe.lab")
        return self

    async def subscribe(self, update_id: int = 11) -> str:
        """Ada presses Card (Stripe) under /club and pays the Checkout Session with a card; the subscription id."""
        self.people.send(USER, {"id": USER, "first_name": "Ada"}, "/start")
        assert await self.shop.parts.club.buy("stripe", USER, USER, update_id) == "Checkout link sent: 4.99 USD a month."
        [session] = (await self.client.v1.checkout.sessions.list_async()).data
        assert (session.mode, session.subscription) == ("subscription", None)
        paid = await self.control.post(f"/_lab/checkout/sessions/{session.id}/complete",
                                       json={"payment_method": "pm_card_visa"})
        assert paid.status_code == 200, paid.text
        await self.deliver()
        return paid.json()["subscription"]

    async def deliver(self) -> None:
        from integration_lab.fakes.stripe.billing import run_due
        run_due(self.stripe)  # renewals fall due on the lab clock (what the served fake's pump and requests do)
        await self.stripe.deliveries.deliver_due(self.http)
        await self.shop.outbox.drain()

    async def period_end(self, sub_id: str) -> int:
        sub = await self.client.v1.subscriptions.retrieve_async(sub_id)
        return sub["items"].data[0].current_period_end

    def said(self) -> list[str]:
        return [r["text"] for r in self.people.transcript(USER) if r["direction"] == "bot → user"]

    async def close(self) -> None:
        await self.http.aclose()
        await self.control.aclose()


@pytest.fixture
async def stripe_world(lab):
    world = await StripeWorld.build(lab)
    yield world
    await world.close()


async def test_a_stripe_checkout_subscription_renews_three_times_on_the_lab_clock(lab, stripe_world):
    sub_id = await stripe_world.subscribe()
    store = stripe_world.shop.parts.club.store
    assert (await store.get(USER)).paid_through == await stripe_world.period_end(sub_id)
    for _ in range(3):
        lab.clock.advance(await stripe_world.period_end(sub_id) - lab.clock.time() + 2 * 3600)  # past the draft's hour
        await stripe_world.deliver()
        membership = await store.get(USER)
        assert (membership.paid_through, membership.source) == (await stripe_world.period_end(sub_id),
                                                                f"stripe:{sub_id}")
        assert membership.active(lab.clock.time())
    paid = [t for t in stripe_world.said() if t.startswith("Your club membership is paid until")]
    assert len(paid) == 4


async def test_a_failed_stripe_renewal_tells_the_buyer_and_the_canceled_subscription_ends_access(lab, stripe_world):
    sub_id = await stripe_world.subscribe()
    sub = await stripe_world.client.v1.subscriptions.retrieve_async(sub_id)
    failing = await stripe_world.client.v1.payment_methods.attach_async(
        "pm_card_chargeCustomerFail", params={"customer": sub.customer})
    await stripe_world.client.v1.subscriptions.update_async(sub_id, params={"default_payment_method": failing.id})
    paid_through = await stripe_world.period_end(sub_id)
    lab.clock.advance(paid_through - lab.clock.time() + 2 * 3600)
    await stripe_world.deliver()
    assert (await stripe_world.client.v1.subscriptions.retrieve_async(sub_id)).status == "past_due"
    failed = [t for t in stripe_world.said() if "could not be charged" in t]
    assert len(failed) == 1  # once per invoice, though Stripe sends payment_failed for every try
    assert not (await stripe_world.shop.parts.club.store.get(USER)).active(lab.clock.time())
    for _ in range(21):  # Stripe's retries over two weeks, then it cancels
        lab.clock.advance(DAY)
        await stripe_world.deliver()
    assert (await stripe_world.client.v1.subscriptions.retrieve_async(sub_id)).status == "canceled"
    membership = await stripe_world.shop.parts.club.store.get(USER)
    assert membership.paid_through == paid_through and membership.ended_at is not None
    assert len([t for t in stripe_world.said() if "could not be charged" in t]) == 1
    assert stripe_world.said()[-1] == "Your club subscription by card has ended. Send /club to join again."
