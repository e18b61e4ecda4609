"""Issue 25's hash slots: no script or transaction of ours is ever given keys from two cluster slots.

On fakeredis the lab's client refuses, as a Redis Cluster does, a script or a MULTI whose keys are in two slots
(runtime/slots.py), so every test and notebook run on fakeredis checks it. Here: that the check refuses what a
cluster refuses (and lets through what a cluster client lets through), that a crowd of buyers on every payment
route gives every script of ours keys of one slot, and that breaking one hash tag on purpose is caught.
"""

from __future__ import annotations

import fakeredis
import pytest

import integration_lab as il
from integration_lab.app import scripts
from integration_lab.load.cli import DEFAULT_MIX
from integration_lab.app.payments.ledger import Ledger
from integration_lab.load import invariants
from integration_lab.load.engine import run_load
from integration_lab.load.plan import draw
from integration_lab.runtime.keyspace import Keyspace, tag
from integration_lab.runtime.slots import CROSSSLOT, CrossSlotError, check_slots, keys_of, slot
from integration_lab.scenarios.journeys import journey_world

# fakeredis's slot check is what these tests exercise: they run on it whatever REDIS_URL says (a real server has
# no slots, a cluster refuses by itself), so CI's real-Redis pass leaves them out
pytestmark = pytest.mark.redis_free

# the scripts a crowd of buyers (every route, refunds, expiries) runs; the others belong to notebooks' own
# corners (the club's, the tagged cache's, the cache-aside lock's, the rate limiters run alone)
CROWD_SCRIPTS = {"bot_update+sliding_log", "session_transition", "session_update", "ledger_open", "ledger_apply",
                 "order_record", "stock_reserve", "stock_commit", "outbox_enqueue", "outbox_claim", "outbox_mark",
                 "payme_open", "click_prepare"}


@pytest.fixture(autouse=True)
def on_fakeredis(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("REDIS_CLUSTER", raising=False)
    monkeypatch.delenv("LAB_CHECK_SLOTS", raising=False)


@pytest.fixture
async def lab(on_fakeredis):
    lab = await il.setup("test/slots", start="2026-01-05T09:00:00Z", seed=1)
    yield lab
    await lab.close()


@pytest.fixture
def client():
    return check_slots(fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True))


def test_a_hash_tag_decides_the_slot_as_redis_computes_it():
    assert slot("lab:x:session:{42}") == slot("lab:y:rl:{42}:send") == slot("42") == 8000  # CLUSTER KEYSLOT 42
    assert slot("lab:x:{}:a") != slot("lab:x:{}:b")  # an empty tag is no tag: the whole key is hashed
    with pytest.raises(ValueError):
        tag("a}b")
    with pytest.raises(ValueError):
        Keyspace("lab:{shop}")  # a brace in the prefix would be every key's tag


async def test_a_script_or_transaction_across_two_slots_is_refused_as_a_cluster_refuses_it(client):
    touch_both = "redis.call('SET', KEYS[1], 1); redis.call('SET', KEYS[2], 1); return 1"
    with pytest.raises(CrossSlotError, match=CROSSSLOT):
        await client.eval(touch_both, 2, "a", "b")
    assert not await client.exists("a") and not await client.exists("b")  # refused before it ran
    assert await client.eval(touch_both, 2, "a:{1}", "b:{1}") == 1
    async with client.pipeline(transaction=True) as pipe:
        pipe.set("order:{7}", 1).set("journal:{8}", 1)
        with pytest.raises(CrossSlotError):
            await pipe.execute()
    async with client.pipeline(transaction=False) as pipe:  # a plain pipeline: the cluster client splits it
        pipe.set("order:{7}", 1).set("journal:{8}", 1)
        assert await pipe.execute() == [True, True]
    assert await client.unlink("order:{7}", "journal:{8}") == 2  # so does redis-py with UNLINK across slots
    with pytest.raises(CrossSlotError):
        await client.execute_command("SUNIONSTORE", "dest", "a", "b")


def test_the_keys_of_a_command_are_read_as_redis_reads_them():
    assert keys_of(("EVALSHA", "f00", 2, "k1", "k2", "arg")) == ["k1", "k2"]
    assert keys_of(("MSET", "a", 1, "b", 2)) == ["a", "b"]
    assert keys_of(("ZUNIONSTORE", "d", 2, "x", "y", "WEIGHTS", 1, 2)) == ["d", "x", "y"]
    assert keys_of(("DEL", "a", "b")) == [] and keys_of(("DEL", "a", "b"), in_transaction=True) == ["a", "b"]
    assert keys_of(("PING",)) == [] and keys_of(("HGETALL", "h")) == ["h"]


class ScriptLog:
    """The name of every script run through the client (EVALSHA, or EVAL in a pipeline); the client's own
    check refuses any run whose keys are in two slots."""

    def __init__(self, client):
        self.names: set[str] = set()
        execute, make_pipeline = client.execute_command, client.pipeline

        async def logged(*args, **options):
            self._note(args)
            return await execute(*args, **options)

        def pipeline(transaction=True, shard_hint=None):
            pipe = make_pipeline(transaction, shard_hint)
            run = pipe.execute

            async def logged_execute(*a, **kw):
                for args, _ in pipe.command_stack:
                    self._note(args)
                return await run(*a, **kw)

            pipe.execute = logged_execute
            return pipe

        client.execute_command, client.pipeline = logged, pipeline

    def _note(self, args: tuple) -> None:
        name = str(args[0]).upper()
        if name in ("EVALSHA", "EVAL"):
            sha = args[1] if name == "EVALSHA" else scripts.sha_of(args[1])
            self.names.add(scripts.script_name(sha))


async def test_a_crowd_on_every_route_gives_every_script_keys_of_one_slot():
    lab = await il.setup("test/slots-crowd", seed=5)
    try:
        log = ScriptLog(lab.redis)
        run = await run_load(lab, draw(40, DEFAULT_MIX, {}, 5), concurrency=4)
        assert invariants.outcomes(run).iloc[-1]["paid"] > 0
        assert CROWD_SCRIPTS <= log.names, sorted(log.names)
        # each run of each script was checked by the client (a refusal would have stopped the crowd): the
        # scripts a crowd runs are all ours, and every one of them ran
        assert log.names <= set(scripts.script_names()), sorted(log.names)
    finally:
        await lab.close()


def _untagged_session(self, user_id):
    return self.keys.key("session", user_id)


def _untagged_order(self, order_id):
    return [self.keys.key("order", order_id), self.keys.key("order", order_id, "payments"),
            self.keys.key("order", order_id, "journal")]


async def _a_buyer_says_start(lab):
    world = await journey_world(lab)
    try:
        user = world.user("Ada")
        world.people.send(user["id"], user, "/start")
        await world.sync()  # the bot's first call: the update's seen key, the session, the rate limit
    finally:
        await world.close()


async def _an_order_is_paid(lab):
    ledger = Ledger(lab.redis, lab.keys, lab.clock)
    order = await ledger.open_order(1250, "USD")
    await ledger.settle(order.order_id, "stripe", "pi_1", 1250, "USD")  # the order, its payments, its journal


@pytest.mark.parametrize("where, broken, step", [
    ("integration_lab.app.sessions.SessionStore._key", _untagged_session, _a_buyer_says_start),
    ("integration_lab.app.payments.ledger.Ledger._keys", _untagged_order, _an_order_is_paid),
])
async def test_a_hash_tag_broken_on_purpose_is_refused(lab, monkeypatch, where, broken, step):
    await step(lab)  # as the code stands: one slot each
    monkeypatch.setattr(where, broken)
    await lab.backend.clean()
    with pytest.raises(CrossSlotError, match=CROSSSLOT):
        await step(lab)
