"""Our side's WAIT for replicas (Options.wait_replicas, off by default) and Stripe's catch-up, on the replication
model (runtime/replication.py): Stripe's webhook answers 2xx, and the outbox sends the goods, only what a
replica has; an event answered 2xx and then lost in a failover is found again from Stripe's event list."""

from __future__ import annotations

import json

import httpx
import pytest

from integration_lab.app.payments.stripe_catch_up import catch_up
from integration_lab.app.service import DEFAULTS, Options, build_shop
from integration_lab.app.shop.outbox import Job, Outbox
from integration_lab.app.telegram.client import BotApi
from integration_lab.fakes.stripe.webhooks import signature
from integration_lab.runtime import lab as runtime_lab
from integration_lab.runtime.replication import ReplicatedPair
from integration_lab.scenarios.payments import stripe_world

pytestmark = pytest.mark.redis_free
ORDER = "7001"


@pytest.fixture
async def pair():
    pair = ReplicatedPair()
    lab = await runtime_lab.setup("test/replica-wait", backend=pair.backend("test/replica-wait"))
    pair.lab = lab
    yield pair
    await lab.close()
    await pair.close()


async def shop_on(pair, replicas: int = 1):
    shop = await build_shop(Options(wait_replicas=replicas), backend=pair.lab.backend, clock=pair.lab.clock)
    await shop.ledger.open_order(1250, "USD", ORDER, "a tea")
    return shop


def paid_event(lab, number: int = 1) -> tuple[bytes, str]:
    intent = {"id": "pi_3Failover0001", "object": "payment_intent", "amount": 1250, "currency": "usd",
              "metadata": {"order_id": ORDER}}
    body = json.dumps({"id": f"evt_failover{number}", "object": "event", "type": "payment_intent.succeeded",
                       "data": {"object": intent}}).encode()
    return body, signature(body, DEFAULTS["stripe_webhook_secret"], int(lab.clock.time()))


async def status(shop) -> str:
    return (await shop.ledger.order(ORDER)).status


async def test_the_webhook_answers_503_while_no_replica_has_the_payment(pair):
    shop = await shop_on(pair)
    pair.hold()
    answered, _ = await shop.webhooks.receive(*paid_event(pair.lab))
    assert answered == 503 and shop.webhooks.handled[-1]["outcome"] == "paid, on 0 of 1 replica(s)"
    assert await status(shop) == "paid"  # on the primary: it is the acknowledgement that is withheld


async def test_the_webhook_answers_200_once_the_replica_has_it(pair):
    shop = await shop_on(pair)
    assert (await shop.webhooks.receive(*paid_event(pair.lab)))[0] == 200
    assert await pair.node("node B").hget(shop.ledger._keys(ORDER)[0], "status") == "paid"


async def test_off_by_default_the_webhook_acknowledges_what_a_failover_then_loses(pair):
    shop = await shop_on(pair, replicas=0)
    pair.hold()
    assert (await shop.webhooks.receive(*paid_event(pair.lab)))[0] == 200
    assert not [e for e in pair.events if e.kind == "wait"]  # no WAIT asked
    pair.fail_over()
    assert await status(shop) == "awaiting_payment"  # Stripe was told 200 and never resends


async def test_stripe_s_retry_after_the_failover_settles_the_payment_once(pair):
    shop = await shop_on(pair)
    pair.hold()
    delivery = paid_event(pair.lab)
    assert (await shop.webhooks.receive(*delivery))[0] == 503
    pair.fail_over()
    assert await status(shop) == "awaiting_payment"
    assert (await shop.webhooks.receive(*delivery))[0] == 503  # applied on node B, which has no replica yet
    await pair.rejoin()
    assert (await shop.webhooks.receive(*delivery))[0] == 200  # done already: a repeat, answered 200
    assert [p["status"] for p in await shop.ledger.payments(ORDER)] == ["succeeded"]
    assert [h["status"] for h in shop.webhooks.handled] == [503, 503, 200]


class Telegram:
    def __init__(self):
        self.sent: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(json.loads(request.content)["text"])
        return httpx.Response(200, json={"ok": True, "result": {"message_id": len(self.sent)}})


def outbox_on(pair, telegram: Telegram, replicas: int = 1) -> Outbox:
    lab = pair.lab
    outbox = Outbox(lab.redis, lab.keys, lab.clock,
                    BotApi("1:lab", transport=httpx.MockTransport(telegram.handler), max_retries=0))
    outbox.wait_replicas = replicas
    return outbox


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_the_outbox_sends_only_what_a_replica_has(pair, concurrency):
    telegram = Telegram()
    outbox = outbox_on(pair, telegram)
    pair.hold()
    await outbox.enqueue(Job("o:goods", 42, "Your tea"))
    rows = await outbox.drain(concurrency=concurrency)
    assert [(r["outcome"], r["detail"]) for r in rows] == [
        ("unreplicated", "on 0 of 1 replica(s): not sent, the lease runs out")]
    assert telegram.sent == []
    await pair.release()
    assert await outbox.drain(concurrency=concurrency) == []  # claimed: its lease has not run out
    await pair.lab.advance(61)
    assert [r["outcome"] for r in await outbox.drain(concurrency=concurrency)] == ["sent"]
    assert telegram.sent == ["Your tea"]


async def test_off_by_default_the_outbox_sends_what_only_the_primary_has(pair):
    telegram = Telegram()
    outbox = outbox_on(pair, telegram, replicas=0)
    pair.hold()
    await outbox.enqueue(Job("o:goods", 42, "Your tea"))
    assert [r["outcome"] for r in await outbox.drain()] == ["sent"]
    assert not [e for e in pair.events if e.kind == "wait"]


async def test_catch_up_applies_a_paid_event_the_ledger_lost_and_only_once(pair):
    stripe = await stripe_world(pair.lab)  # its webhook endpoint is never delivered to here
    await stripe.ledger.open_order(1250, "USD", ORDER, "a tea")
    intent = await stripe.client.v1.payment_intents.create_async(params={
        "amount": 1250, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
        "payment_method_types": ["card"], "metadata": {"order_id": ORDER}})
    assert intent.status == "succeeded"  # Stripe took the money; our webhook never heard of it
    rows = await catch_up(stripe.client, stripe.webhooks)
    assert [(r["payment_intent"], r["ledger had"], r["outcome"]) for r in rows] == [(intent.id, "nothing", "paid")]
    assert (await stripe.ledger.order(ORDER)).status == "paid"
    assert [r["outcome"] for r in await catch_up(stripe.client, stripe.webhooks)] == ["kept"]
    assert [p["status"] for p in await stripe.ledger.payments(ORDER)] == ["succeeded"]
