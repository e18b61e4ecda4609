"""Bounded memory in the Stripe fake: at most `history` objects per resource (oldest evicted first, then
Stripe's resource_missing 404), idempotency keys gone after 24 hours on the fake's clock or past their own
bound (oldest first, in keys and in bytes), delivery records bounded, an index that holes do not grow, and list
pages that touch O(limit) objects however many were created."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import stripe

from integration_lab.fakes.stripe import StripeFake, sdk_http_client
from integration_lab.fakes.stripe.control import state
from integration_lab.fakes.stripe.wire import handle
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

BASE = {"amount": 2000, "currency": "usd", "payment_method_types": ["card"]}


def _world(history: int, **options):
    fake = StripeFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(3), history=history, **options)
    return fake, stripe.StripeClient("sk_test_history", http_client=sdk_http_client(fake), max_network_retries=0)


def test_oldest_objects_are_evicted_per_resource_and_then_missing():
    fake, client = _world(history=3)
    intents = [client.v1.payment_intents.create(params=BASE) for _ in range(5)]
    customer = client.v1.customers.create(params={"email": "kept@example.com"})
    for old in intents[:2]:
        with pytest.raises(stripe.InvalidRequestError) as gone:
            client.v1.payment_intents.retrieve(old.id)
        assert (gone.value.http_status, gone.value.code, gone.value.user_message) == (
            404, "resource_missing", f"No such payment_intent: '{old.id}'")
    assert [pi.id for pi in client.v1.payment_intents.list(params={"limit": 10}).data] == [
        pi.id for pi in reversed(intents[2:])]
    assert client.v1.customers.retrieve(customer.id).email == "kept@example.com"  # other resources keep theirs
    assert all(count <= 3 for count in state(fake)["objects"].values())


def test_pages_walk_the_index_in_both_directions():
    fake, client = _world(history=50)
    ids = [client.v1.customers.create(params={"email": f"{i}@example.com"}).id for i in range(12)]
    newest_first = ids[::-1]
    page = client.v1.customers.list(params={"limit": 5, "starting_after": newest_first[4]})
    assert ([c.id for c in page.data], page.has_more) == (newest_first[5:10], True)
    page = client.v1.customers.list(params={"limit": 5, "ending_before": newest_first[9]})
    assert ([c.id for c in page.data], page.has_more) == (newest_first[4:9], True)
    page = client.v1.customers.list(params={"limit": 5, "ending_before": newest_first[3]})
    assert ([c.id for c in page.data], page.has_more) == (newest_first[:3], False)
    assert [c.id for c in client.v1.customers.list(params={"limit": 100}).auto_paging_iter()] == newest_first


def test_deletes_behind_a_survivor_leave_no_growing_index():
    fake, client = _world(history=1000)
    kept = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/kept", "enabled_events": ["*"]})
    for _ in range(500):
        gone = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/gone", "enabled_events": ["*"]})
        client.v1.webhook_endpoints.delete(gone.id)
    newest = client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/new", "enabled_events": ["*"]})
    index = fake.store.indexes["webhook_endpoint"]
    assert len(index) == 2 and len(index.slots) - index.head < 100  # not 502 slots, mostly holes
    assert [e.id for e in client.v1.webhook_endpoints.list().data] == [newest.id, kept.id]
    page = client.v1.webhook_endpoints.list(params={"starting_after": newest.id})
    assert ([e.id for e in page.data], page.has_more) == ([kept.id], False)


class CountingDict(dict):
    lookups = 0

    def __getitem__(self, key):
        CountingDict.lookups += 1
        return super().__getitem__(key)


def test_a_list_page_touches_limit_objects_not_everything():
    fake, client = _world(history=2000)
    for _ in range(1500):
        fake.add({"id": f"cus_{fake.new_id('x')}", "object": "customer", "email": None})
    marker = client.v1.customers.list(params={"limit": 100}).data[50].id
    counting = CountingDict(fake.store.objects)
    fake.store.objects = counting
    CountingDict.lookups = 0
    page = client.v1.customers.list(params={"limit": 3, "starting_after": marker})
    assert len(page.data) == 3 and CountingDict.lookups <= 4


def test_idempotency_keys_expire_after_24_hours_on_the_fake_clock():
    fake, client = _world(history=10)
    first = client.v1.payment_intents.create(params=BASE, options={"idempotency_key": "order-1"})
    fake.clock.advance(24 * 3600)
    assert client.v1.payment_intents.create(params=BASE, options={"idempotency_key": "order-1"}).id == first.id
    fake.clock.advance(1)
    again = client.v1.payment_intents.create(params=BASE, options={"idempotency_key": "order-1"})
    assert again.id != first.id  # the key is forgotten, the request runs anew
    fake.clock.advance(24 * 3600 + 1)
    client.v1.customers.create(params={})  # any later call sweeps expired keys away (it brings its own)
    assert [key for _api_key, key in fake.idempotency.entries if key == "order-1"] == []
    assert len(fake.idempotency) == 1


def test_idempotency_keys_are_bounded_too():
    fake, client = _world(history=5)
    for i in range(20):
        client.v1.customers.create(params={}, options={"idempotency_key": f"k{i}"})
    assert len(fake.idempotency) == 20  # its own bound (default 1,000), not the objects' history
    fake, client = _world(history=1000, idempotency_keys=5)
    for i in range(20):
        client.v1.customers.create(params={}, options={"idempotency_key": f"k{i}"})
    assert len(fake.idempotency) == 5


def test_the_oldest_idempotency_key_is_evicted_first_and_then_runs_anew():
    fake, client = _world(history=1000, idempotency_keys=3)
    first = {f"order-{i}": client.v1.payment_intents.create(params=BASE, options={"idempotency_key": f"order-{i}"})
             for i in range(4)}  # order-0 is evicted by order-3
    assert [key for _api_key, key in fake.idempotency.entries] == ["order-1", "order-2", "order-3"]
    for key in ("order-1", "order-2", "order-3"):  # kept: the same answer, replayed
        repeat = client.v1.payment_intents.create(params=BASE, options={"idempotency_key": key})
        assert repeat.id == first[key].id and repeat.last_response.headers["idempotent-replayed"] == "true"
    again = client.v1.payment_intents.create(params=BASE, options={"idempotency_key": "order-0"})
    assert again.id != first["order-0"].id and "idempotent-replayed" not in again.last_response.headers
    assert [key for _api_key, key in fake.idempotency.entries] == ["order-2", "order-3", "order-0"]
    assert len([o for o in fake.objects.values() if o["object"] == "payment_intent"]) == 5


def test_idempotency_replies_are_bounded_in_bytes_and_stored_compressed():
    fake, client = _world(history=1000)
    fake.idempotency.max_bytes = 4000  # a few compressed replies
    big = {f"k{i}": "x" * 500 for i in range(40)}  # 20 kB of metadata in each answer
    for i in range(30):
        client.v1.customers.create(params={"metadata": big, "description": f"n{i}"},
                                   options={"idempotency_key": f"big-{i}"})
    kept = [entry for entry in fake.idempotency.entries.values()]
    assert fake.idempotency.bytes == sum(len(entry.compressed) for entry in kept) <= 4000
    assert 1 < len(kept) < 30 and "big-29" == list(fake.idempotency.entries)[-1][1]
    assert all(len(entry.compressed) * 10 < len(entry.body) and len(entry.fingerprint) == 32 for entry in kept)


def test_evicted_events_stop_their_deliveries_and_the_log_is_bounded():
    fake, client = _world(history=4)
    client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]})
    for _ in range(6):
        client.v1.customers.create(params={})
    assert len(fake.deliveries.pending) == 4  # one per event still kept
    assert set(fake.deliveries.by_event) == {o["id"] for o in fake.objects.values() if o["object"] == "event"}

    async def deliver_all():
        transport = httpx.MockTransport(lambda request: httpx.Response(500))
        async with httpx.AsyncClient(transport=transport) as http:
            for _ in range(4):
                await fake.deliveries.deliver_due(http)
                fake.clock.advance(7200)
                client.v1.customers.create(params={})  # new events evict old ones meanwhile

    asyncio.run(deliver_all())
    assert len(fake.deliveries.log) == 4
    assert len(fake.deliveries.pending) <= 4


def test_a_payment_whose_method_was_evicted_answers_404_not_500():
    fake, client = _world(history=2)
    pi = client.v1.payment_intents.create(params={**BASE, "payment_method": "pm_card_authenticationRequired",
                                                  "confirm": True, "return_url": "https://s.example/r"})
    assert pi.status == "requires_action"
    for _ in range(2):
        client.v1.payment_methods.retrieve("pm_card_visa")  # mints two more: the one above is evicted
    reply = asyncio.run(handle(fake, "POST", f"/_lab/payment_intents/{pi.id}/authenticate", b"", {}, b""))
    assert reply.status == 404 and json.loads(reply.body)["error"]["code"] == "resource_missing"
