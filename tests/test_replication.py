"""The replication model (runtime/replication.py): asynchronous replication, WAIT, loss on failover, and one
client that keeps working across it. In-process only: the model never reaches a server."""

from __future__ import annotations

import time

import pytest
import time_machine
from redis.exceptions import ConnectionError as RedisConnectionError

from integration_lab.runtime.replication import ReplicatedPair

pytestmark = pytest.mark.redis_free

INCR_BY = "return redis.call('INCRBY', KEYS[1], ARGV[1])"


@pytest.fixture
async def pair():
    pair = ReplicatedPair()
    yield pair
    await pair.close()


async def on(pair: ReplicatedPair, node: str, key: str):
    return await pair.node(node).get(key)


async def test_a_write_streams_to_the_replica_while_the_link_is_up(pair):
    await pair.client.set("k", "v")
    assert await on(pair, "node B", "k") == "v"
    assert pair.backlog == []


async def test_a_held_link_leaves_acknowledged_writes_on_the_primary_alone(pair):
    pair.hold()
    assert await pair.client.set("k", "v") is True  # acknowledged
    assert await on(pair, "node A", "k") == "v"
    assert await on(pair, "node B", "k") is None
    assert [w.command for w in pair.backlog] == [("SET", "k", "v")]
    assert await pair.release() == 1
    assert await on(pair, "node B", "k") == "v"


async def test_reads_are_not_replicated(pair):
    pair.hold()
    await pair.client.get("k")
    await pair.client.hgetall("h")
    assert [k async for k in pair.client.scan_iter()] == []
    assert pair.backlog == []


async def test_wait_answers_one_once_the_replica_has_every_write(pair):
    await pair.client.set("k", "v")
    assert await pair.client.wait(1, 100) == 1


async def test_wait_answers_zero_after_its_timeout_while_the_link_is_held(pair):
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    pair.sleep = sleep
    pair.hold()
    await pair.client.set("k", "v")
    assert await pair.client.wait(1, 250) == 0
    assert slept == [0.25]  # it waited its timeout out
    assert await pair.client.wait(0, 250) == 0 and slept == [0.25]  # asked for none: answered at once
    with pytest.raises(RuntimeError, match="block forever"):
        await pair.client.wait(1, 0)


async def test_wait_with_nothing_unsent_answers_one_even_while_held(pair):
    await pair.client.set("k", "v")
    pair.hold()
    assert await pair.client.wait(1, 100) == 1


async def test_failover_loses_exactly_what_the_replica_never_had(pair):
    await pair.client.set("kept", "1")
    pair.hold()
    await pair.client.set("lost", "1")
    lost = pair.fail_over()
    assert [w.command for w in lost] == [("SET", "lost", "1")] and pair.backlog == []
    assert pair.roles() == {"node A": "down", "node B": "primary"}
    assert await pair.client.get("kept") == "1"  # the same client object, now on node B
    assert await pair.client.get("lost") is None


async def test_nothing_is_lost_when_the_link_delivered_before_the_kill(pair):
    pair.hold()
    await pair.client.set("k", "v")
    await pair.release()
    assert pair.fail_over() == []
    assert await pair.client.get("k") == "v"


async def test_commands_fail_as_a_dead_node_s_connection_until_the_replica_is_promoted(pair):
    pair.kill_primary()
    with pytest.raises(RedisConnectionError):
        await pair.client.set("k", "v")
    with pytest.raises(RedisConnectionError):
        async with pair.client.pipeline(transaction=False) as pipe:
            pipe.set("k", "v")
            await pipe.execute()
    pair.promote()
    assert await pair.client.set("k", "v") is True


async def test_scripts_are_replicated_and_the_promoted_replica_reloads_them(pair):
    script = pair.client.register_script(INCR_BY)
    assert await script(keys=["n"], args=[2]) == 2  # EVALSHA, NOSCRIPT, SCRIPT LOAD, EVALSHA
    assert await on(pair, "node B", "n") == "2"  # replayed on the replica
    pair.fail_over()
    assert await script(keys=["n"], args=[3]) == 5  # node B never loaded it: NOSCRIPT, loaded, run


async def test_pipelines_are_replicated_in_order_and_their_wait_is_answered(pair):
    pair.hold()
    async with pair.client.pipeline(transaction=False) as pipe:
        pipe.set("a", "1")
        pipe.execute_command("EVAL", INCR_BY, 1, "n", 5)
        pipe.get("a")
        pipe.execute_command("WAIT", 1, 100)
        assert await pipe.execute() == [True, 5, "1", 0]
    assert [w.command[0] for w in pair.backlog] == ["SET", "EVAL"]  # the GET and the WAIT are not writes
    await pair.release()
    assert await on(pair, "node B", "n") == "5"
    async with pair.client.pipeline(transaction=False) as pipe:
        pipe.incr("n")
        pipe.execute_command("WAIT", 1, 100)
        assert await pipe.execute() == [6, 1]


async def test_a_transaction_is_replicated(pair):
    async with pair.client.pipeline(transaction=True) as pipe:
        pipe.set("a", "1").incr("b")
        await pipe.execute()
    assert (await on(pair, "node B", "a"), await on(pair, "node B", "b")) == ("1", "1")


async def test_a_delayed_write_keeps_the_ttl_the_primary_gave_it(pair):
    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        pair.hold()
        await pair.client.set("k", "v", ex=60)
        traveller.shift(30)  # the write reaches the replica 30 s late
        await pair.release()
        assert 29_000 <= await pair.node("node B").pttl("k") <= 30_000
        assert time.time() == 1_800_000_030


async def test_the_dead_node_rejoins_empty_as_the_new_primary_s_replica(pair):
    await pair.client.set("kept", "1", ex=100)
    pair.hold()
    await pair.client.set("lost", "1")
    pair.fail_over()
    assert await pair.client.wait(1, 100) == 0  # the new primary has no replica yet
    await pair.client.incr("n")
    assert await pair.rejoin() == 2
    assert pair.roles() == {"node A": "replica", "node B": "primary"}
    assert await on(pair, "node A", "lost") is None  # its own unreplicated write is gone for good
    assert await on(pair, "node A", "kept") == "1" and await pair.node("node A").ttl("kept") > 0
    await pair.client.set("after", "1")
    await pair.client.incr("n")
    assert await on(pair, "node A", "after") == "1"
    assert await on(pair, "node A", "n") == "2"  # the snapshot, then the stream: each write once
    assert await on(pair, "node A", "lost") is None  # the dead primary's backlog went with it
    assert await pair.client.wait(1, 100) == 1


async def test_the_pair_refuses_impossible_moves(pair):
    with pytest.raises(RuntimeError):
        pair.promote()
    with pytest.raises(RuntimeError):
        await pair.rejoin()
    pair.kill_primary()
    with pytest.raises(RuntimeError):
        pair.kill_primary()


async def test_events_tell_the_story(pair):
    told = []
    pair.on_event = told.append
    pair.hold()
    await pair.client.set("k", "v")
    pair.fail_over()
    assert [(e.kind, e.node) for e in told] == [("held", "node A"), ("acknowledged", "node A"),
                                                ("killed", "node A"), ("promoted", "node B")]
    assert told[1].commands == ("SET",) and told[2].commands == ("SET",)
