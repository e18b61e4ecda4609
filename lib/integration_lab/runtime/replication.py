"""A primary and its replica, in process: one shard of a Redis Cluster, and what its failover loses.

Redis replicates asynchronously: the primary answers a write, then sends it down the link to its replicas
("Redis uses by default asynchronous replication", https://redis.io/topics/replication). A primary that dies
with writes still in flight takes them along, and the replica promoted in its place never had them (the
cluster spec's "Write safety", https://redis.io/topics/cluster-spec/). `WAIT n timeout` makes a client wait
until n replicas have its writes, and answers how many did (https://redis.io/docs/latest/commands/wait/).

`ReplicatedPair` models exactly that, deterministically, on two fakeredis servers (node A, the primary, and
node B, its replica), whatever REDIS_URL says. `client` is the one client the app holds, a FakeAsyncRedis
whose commands, pipelines and scripts run on whichever node is primary now:

- a command that writes is acknowledged by the primary and appended to the backlog; the link delivers the
  backlog to the replica at once (`replicate`), unless it is held (`hold`): then the writes are the
  primary's alone until `release`;
- the replica applies the very commands the primary ran. Redis 7 replicates a script's effects, not the
  script (https://redis.io/topics/eval-intro); our scripts take the lab clock as an argument and are
  deterministic, so replaying the script (EVAL with its source) writes what its effects would. Each write
  is replayed at the time the primary ran it, so a relative TTL expires when it did on the primary (Redis 7
  replicates TTLs as absolute times, https://github.com/redis/redis/pull/8474);
- WAIT is answered by the model: 1 once the backlog is on the replica, else 0 after the timeout (waited on
  `sleep`, the lab clock's, if given);
- `kill_primary`: every command fails as a dead node's connection does, and the backlog is lost (`lost`);
  `promote`: the replica becomes the primary, which the same client now talks to. Redis 7 does not
  replicate SCRIPT LOAD (https://github.com/redis/redis/issues/14314), so the new primary knows no script
  and the first EVALSHA of each is answered NOSCRIPT, as on a real failover; `rejoin`: the dead node comes
  back empty (no persistence, like the lab's cluster nodes) and resynchronises in full as the new
  primary's replica, as a failed-over primary rejoins (the cluster spec's "How nodes rejoin the cluster").

Read-only commands are not replicated. The failure detection and election that decide *when* a replica is
promoted are the story's to tell (the lab clock moves); the model promotes when told.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass, field

import time_machine
from fakeredis import FakeAsyncRedis, FakeServer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from .keyspace import Keyspace
from .redis_backend import RedisBackend

# Commands that only read: not sent down the link. Anything else is replicated (a read replayed by mistake
# changes nothing; a write left out would be a silent loss the model must not invent).
READS = frozenset({
    "GET", "MGET", "GETRANGE", "STRLEN", "EXISTS", "TYPE", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME",
    "HGET", "HMGET", "HGETALL", "HEXISTS", "HLEN", "HKEYS", "HVALS", "HSCAN",
    "LRANGE", "LLEN", "LINDEX", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SSCAN",
    "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZREVRANGEBYSCORE", "ZSCORE", "ZMSCORE", "ZCARD", "ZCOUNT",
    "ZRANK", "ZSCAN", "SCAN", "KEYS", "DBSIZE", "DUMP", "PING", "ECHO", "INFO", "TIME", "SCRIPT EXISTS",
    "EVAL_RO", "EVALSHA_RO",
})
NODES = ("node A", "node B")


def command_name(args: tuple) -> str:
    """'EVALSHA <sha>' and 'EVAL <sha>' name a script by its SHA-1; any other command by its name."""
    name = str(args[0]).upper()
    if name == "EVAL" and len(args) > 1:
        # Redis names a script by the SHA-1 of its source: an id, not a security use
        return f"EVAL {hashlib.sha1(str(args[1]).encode(), usedforsecurity=False).hexdigest()}"
    return f"EVALSHA {args[1]}" if name == "EVALSHA" and len(args) > 1 else name


def _verb(name: str) -> str:
    return name.split(" ", 1)[0] if name.startswith(("EVAL ", "EVALSHA ")) else name


class NodeDown(RedisConnectionError):
    """What the app sees while no node serves: redis-py's own ConnectionError."""


@dataclass(frozen=True)
class Write:
    command: tuple  # the arguments, as the client sent them
    at: float  # time.time() when the primary acknowledged it


@dataclass(frozen=True)
class Event:
    """Something the pair did, for a story's timeline (`ReplicatedPair.on_event`)."""

    at: float
    kind: str  # acknowledged, delivered, wait, held, released, killed, promoted, rejoined
    node: str
    detail: str
    commands: tuple[str, ...] = field(default=())  # the writes concerned, by command_name


class ReplicatedPair:
    def __init__(self, sleep=None):
        self.servers = {name: FakeServer() for name in NODES}
        self._nodes = {name: FakeAsyncRedis(server=s, decode_responses=True) for name, s in self.servers.items()}
        self.primary: str = NODES[0]
        self.replica: str | None = NODES[1]
        self.dead: str | None = None  # the killed node, until it rejoins
        self.link_held = False
        self.backlog: list[Write] = []  # acknowledged by the primary, not yet on the replica
        self.lost: list[Write] = []  # the backlog the last killed primary took with it
        self.scripts: dict[str, str] = {}  # sha -> source, to replay an EVALSHA on a node that never loaded it
        self.sleep = sleep  # async (seconds): how a WAIT that times out waits; None: it answers at once
        self.on_event = None  # (Event) -> None, told of everything the pair does
        self.events: list[Event] = []
        # the app's one client: its own connection is never used, every command goes to the serving node
        self.client = FakeAsyncRedis(server=FakeServer(), decode_responses=True)
        self.client.execute_command = self._execute_command
        self.client.pipeline = self._pipeline

    # what the app's client does ----------------------------------------------------------------------------
    def _serving(self) -> FakeAsyncRedis:
        if self.dead == self.primary:
            raise NodeDown(f"Connection refused: the primary ({self.primary}) is down (lab: replication model)")
        return self._nodes[self.primary]

    async def _execute_command(self, *args, **options):
        name = command_name(args)
        node = self._serving()
        if name == "WAIT":
            return await self.wait(int(args[1]), int(args[2]))
        answer = await node.execute_command(*args, **options)
        if name == "SCRIPT LOAD":
            self.scripts[answer] = args[1]
        elif _verb(name) not in READS:
            await self._acknowledged([args])
        return answer

    def _pipeline(self, *args, **kwargs):
        pipe = self._serving().pipeline(*args, **kwargs)
        execute = pipe.execute

        async def replicated_execute(raise_on_error: bool = True):
            self._serving()
            sent = [stacked for stacked, _ in pipe.command_stack]
            # WAIT is the model's to answer: taken out, answered after the rest (ours is always last)
            waits = [(i, stacked) for i, stacked in enumerate(sent) if command_name(stacked) == "WAIT"]
            for i, _ in reversed(waits):
                del pipe.command_stack[i]
            try:
                answers = list(await execute(raise_on_error)) if pipe.command_stack else []
            finally:  # a command's error leaves the others run, as on a server: they are replicated
                await self._acknowledged([c for c in sent if _verb(command_name(c)) not in READS | {"WAIT"}])
            for i, (_, numreplicas, timeout) in waits:
                answers.insert(i, await self.wait(int(numreplicas), int(timeout)))
            return answers

        pipe.execute = replicated_execute
        return pipe

    async def _acknowledged(self, commands: list[tuple]) -> None:
        if not commands:
            return
        for args in commands:
            if command_name(args).startswith("EVAL "):
                self.scripts[command_name(args)[5:]] = args[1]
        now = time.time()
        self.backlog += [Write(tuple(args), now) for args in commands]
        streaming = self.replica is not None and not self.link_held
        self._note("acknowledged", self.primary, "replicated at once" if streaming else "not on a replica",
                   [command_name(c) for c in commands])
        if streaming:
            await self.replicate(quiet=True)

    # the link ----------------------------------------------------------------------------------------------
    async def replicate(self, quiet: bool = False) -> int:
        """The link delivers the backlog to the replica; how many writes (none while held, or without one)."""
        if self.link_held or self.replica is None or not self.backlog:
            return 0
        writes, self.backlog = self.backlog, []
        for write in writes:
            await self._apply(self.replica, write)
        if not quiet:
            self._note("delivered", self.replica, f"{len(writes)} write(s) applied",
                       [command_name(w.command) for w in writes])
        return len(writes)

    async def _apply(self, node: str, write: Write) -> None:
        command = write.command
        if command_name(command).startswith("EVALSHA "):
            command = ("EVAL", self.scripts[str(command[1])], *command[2:])
        with _at(write.at):
            with contextlib.suppress(ResponseError):  # the primary answered the same error and wrote nothing
                await self._nodes[node].execute_command(*command)

    def hold(self) -> None:
        """The link stops delivering (the replica lags, or a network hiccup between the two)."""
        self.link_held = True
        self._note("held", self.primary, f"the link to {self.replica} holds back what follows")

    async def release(self) -> int:
        """The link delivers again: the backlog first."""
        self.link_held = False
        self._note("released", self.primary, f"{len(self.backlog)} write(s) waiting")
        return await self.replicate()

    async def wait(self, numreplicas: int, timeout_ms: int) -> int:
        """WAIT numreplicas timeout: how many replicas have every write so far (this model has one client)."""
        await self.replicate(quiet=True)
        acked = int(self.replica is not None and not self.backlog)
        if acked < numreplicas:
            if timeout_ms == 0:
                raise RuntimeError("WAIT with timeout 0 would block forever: no replica will catch up")
            if self.sleep is not None:
                await self.sleep(timeout_ms / 1000)
        self._note("wait", self.primary, f"WAIT {numreplicas} {timeout_ms} -> {acked}")
        return acked

    # failover ----------------------------------------------------------------------------------------------
    def kill_primary(self) -> list[Write]:
        """The primary dies (SIGKILL): what it acknowledged and never sent down the link is gone."""
        if self.dead is not None:
            raise RuntimeError(f"{self.dead} is down already")
        self.dead = self.primary
        self.lost, self.backlog = self.backlog, []
        self._note("killed", self.primary, f"{len(self.lost)} acknowledged write(s) never reached "
                   f"{self.replica or 'a replica'}", [command_name(w.command) for w in self.lost])
        return self.lost

    def promote(self) -> None:
        """The replica becomes the primary; the app's client talks to it from now on."""
        if self.dead != self.primary or self.replica is None:
            raise RuntimeError("promote: a replica takes over only from a primary that is down")
        self.primary, self.replica = self.replica, None
        self._note("promoted", self.primary, "now the primary, with what it had")

    def fail_over(self) -> list[Write]:
        lost = self.kill_primary()
        self.promote()
        return lost

    async def rejoin(self) -> int:
        """The dead node restarts empty and becomes the new primary's replica: a full resynchronisation (a
        snapshot of every key with its TTL). Returns the keys copied."""
        if self.dead is None or self.dead == self.primary:
            raise RuntimeError("rejoin: no dead node beside a serving primary")
        node, self.dead = self.dead, None
        source = FakeAsyncRedis(server=self.servers[self.primary])  # bytes: DUMP's payload is binary
        target = FakeAsyncRedis(server=self.servers[node])
        await target.flushall()
        copied = 0
        async for key in source.scan_iter(count=500):
            ttl, payload = await source.pttl(key), await source.dump(key)
            if payload is not None and ttl != -2:
                await target.restore(key, max(ttl, 0), payload, replace=True)
                copied += 1
        await source.aclose()
        await target.aclose()
        self.replica, self.link_held, self.backlog = node, False, []  # the snapshot holds every write so far
        self._note("rejoined", node, f"restarted empty; a replica of {self.primary} again ({copied} keys copied)")
        return copied

    # what a story reads ------------------------------------------------------------------------------------
    def node(self, name: str) -> FakeAsyncRedis:
        """A node's own client, to read what it holds (not the app's: it goes around the model)."""
        return self._nodes[name]

    def roles(self) -> dict[str, str]:
        return {name: "down" if name == self.dead else "primary" if name == self.primary
                else "replica" if name == self.replica else "—" for name in NODES}

    def backend(self, scenario_id: str) -> RedisBackend:
        """The pair as a scenario's Redis (runtime.lab.setup's `backend`): always in-process, whatever REDIS_URL
        says, so the lab clock drives both nodes' TTLs as it drives fakeredis's."""
        return RedisBackend(self.client, Keyspace(f"lab:{scenario_id}"), "fakeredis")

    def describe(self) -> str:
        return ("a model of one Redis Cluster shard: a primary and its replica, two fakeredis servers in-process "
                f"(roles {self.roles()}), whatever REDIS_URL says")

    async def close(self) -> None:
        for client in self._nodes.values():
            await client.aclose()

    def _note(self, kind: str, node: str, detail: str, commands=()) -> None:
        event = Event(time.time(), kind, node, detail, tuple(commands))
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)


def _at(moment: float):
    """Replay at `moment` (time.time() then): fakeredis reads time.time() for a TTL's start."""
    if abs(time.time() - moment) < 1e-6:
        return contextlib.nullcontext()
    return time_machine.travel(moment, tick=False)
