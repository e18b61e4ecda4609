"""What the replication model (runtime/replication.py) claims, shown on a real Redis Cluster: three primaries with a
replica each, from Debian's redis-server on loopback (runtime/cluster.py), and the same steps on the model.

- Replicated: a write acknowledged, `WAIT 1 1000` answers 1, the primary is killed (SIGKILL), its replica takes
  over (`CLUSTER FAILOVER TAKEOVER`, the deterministic way to promote it), and the write is there.
- Lost: the replica is stopped (SIGSTOP) and its link dropped on the primary's side (`CLIENT KILL TYPE replica`),
  so it can neither receive the next write nor reconnect to fetch it; the write is acknowledged, `WAIT 1 100`
  answers 0, the primary is killed, the replica resumes (SIGCONT) and takes over, and the write is gone.

Bounded: the cluster's start and both failovers take a few seconds; every node is stopped in a `finally`.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
import redis

from integration_lab.runtime import cluster
from integration_lab.runtime.replication import ReplicatedPair

pytestmark = [pytest.mark.redis_free,  # its own cluster, never $REDIS_URL
              pytest.mark.skipif(not (shutil.which("redis-server") and shutil.which("redis-cli")),
                                 reason="needs Debian's redis-server and redis-cli (apt-get install redis-server)")]
FIRST_PORT = 7300
DEADLINE = 15.0  # seconds any one wait may take (a takeover is done in well under a second on loopback)


def free_base() -> int:
    """The first run of six ports from 7300 (by tens) where neither a node's port nor its bus port answers."""
    for base in range(FIRST_PORT, FIRST_PORT + 200, 10):
        ports = [base + i for i in range(6)]
        if not any(cluster._answers(p) or cluster._answers(p + 10000) for p in ports):
            return base
    pytest.skip("no six free loopback ports (and bus ports) from 7300")


def node(port: int) -> redis.Redis:
    return redis.Redis(host=cluster.HOST, port=port, decode_responses=True, socket_timeout=5)


def shards(port: int) -> dict[int, int]:
    """primary port -> its replica's port, from CLUSTER NODES."""
    lines = [line.split() for line in cluster.cli(port, "cluster", "nodes").splitlines()]
    ports = {fields[0]: int(fields[1].split(":")[1].split("@")[0]) for fields in lines}
    return {ports[fields[3]]: ports[fields[0]] for fields in lines if "slave" in fields[2]}


def replicas_in_sync(port: int) -> bool:
    """Three primaries, each with a replica whose link is up (`cluster start` returns before they attach)."""
    pairs = shards(port)
    return len(pairs) == 3 and all(node(r).info("replication")["master_link_status"] == "up" for r in pairs.values())


def key_on(primary: int, prefix: str) -> str:
    """A key whose slot the primary serves."""
    for n in range(10_000):
        key = f"{prefix}:{n}"
        slot = node(primary).cluster("KEYSLOT", key)
        if any(int(lo) <= slot <= int(hi) for lo, hi in _ranges(primary)):
            return key
    raise AssertionError(f"no key found for {primary}")


def _ranges(primary: int) -> list[tuple[str, str]]:
    for fields in (line.split() for line in cluster.cli(primary, "cluster", "nodes").splitlines()):
        if "myself" in fields[2]:
            return [tuple(r.split("-")) if "-" in r else (r, r) for r in fields[8:] if not r.startswith("[")]
    return []


def pid(directory: Path, port: int) -> int:
    return int((directory / str(port) / "redis.pid").read_text().strip())


def take_over(replica: int) -> None:
    node(replica).execute_command("CLUSTER FAILOVER TAKEOVER")
    until(lambda: node(replica).execute_command("ROLE")[0] == "master", f"{replica} to become a primary")


def until(condition, what: str):
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            if condition():
                return
        except redis.RedisError:  # CLUSTERDOWN while the new configuration spreads
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {DEADLINE:g} s for {what}")
        time.sleep(0.05)


def replicated_on_the_cluster(directory: Path, primary: int, replica: int) -> dict:
    key = key_on(primary, "kept")
    seen = {"acknowledged": node(primary).set(key, "paid"), "wait": node(primary).wait(1, 1000)}
    os.kill(pid(directory, primary), signal.SIGKILL)
    take_over(replica)
    until(lambda: node(replica).exists(key) in (0, 1), f"{replica} to serve {key}'s slot")
    return {**seen, "after the failover": node(replica).get(key)}


def lost_on_the_cluster(directory: Path, primary: int, replica: int) -> dict:
    key = key_on(primary, "lost")
    assert node(primary).wait(1, 1000) == 1  # the replica is in sync before the story
    os.kill(pid(directory, replica), signal.SIGSTOP)  # it can neither read the stream nor reconnect
    try:
        node(primary).client_kill_filter(_type="replica")
        seen = {"acknowledged": node(primary).set(key, "paid"), "wait": node(primary).wait(1, 100)}
        os.kill(pid(directory, primary), signal.SIGKILL)
    finally:
        os.kill(pid(directory, replica), signal.SIGCONT)
    take_over(replica)
    until(lambda: node(replica).exists(key) in (0, 1), f"{replica} to serve {key}'s slot")
    return {**seen, "after the failover": node(replica).get(key)}


async def on_the_model(lose: bool) -> dict:
    pair = ReplicatedPair()
    try:
        await pair.client.set("warm", "1")
        if lose:
            pair.hold()
        seen = {"acknowledged": await pair.client.set("key", "paid"),
                "wait": await pair.client.wait(1, 100 if lose else 1000)}
        pair.fail_over()
        return {**seen, "after the failover": await pair.client.get("key")}
    finally:
        await pair.close()


async def test_a_real_cluster_loses_what_the_model_loses_and_keeps_what_it_keeps(tmp_path):
    base = free_base()
    started = time.monotonic()
    try:
        cluster.start(base, replicas=1, directory=tmp_path)
        until(lambda: replicas_in_sync(base), "every primary's replica to be in sync")
        (first, first_replica), (second, second_replica), _ = sorted(shards(base).items())
        kept = replicated_on_the_cluster(tmp_path, first, first_replica)
        lost = lost_on_the_cluster(tmp_path, second, second_replica)
    finally:
        cluster.stop(tmp_path)
    assert kept == {"acknowledged": True, "wait": 1, "after the failover": "paid"} == await on_the_model(lose=False)
    assert lost == {"acknowledged": True, "wait": 0, "after the failover": None} == await on_the_model(lose=True)
    assert time.monotonic() - started < 30
