"""A Redis outage at an exact command: `cut.fail_after(k)` lets k more commands through, then every later
one fails as a dropped connection would, until `cut.reconnect()`.

It wraps the client, not the server, so the same cut works on embedded fakeredis and on a real
redis-server. Every command funnels through `execute_command` (scripts' EVALSHA and SCAN included); a
pipeline is one round trip (a MULTI/EXEC lands whole or not at all), so it counts as one command. The log
names a plain pipeline with what it carries: `PIPELINE EVAL <sha>;HGETALL;SET` (a script by its SHA-1).

A plain pipeline is not atomic: a connection lost while the server works through it leaves the commands it
had run. `fail_after(k, within=j)` makes that cut: the (k+1)-th round trip, if it is a plain pipeline of
more than j commands, runs its first j and then fails (anything else fails whole, as with fail_after(k)).

`gate`, when set, is awaited before each command (and each pipeline) with its name and arguments, before the
cut is consulted: the interleaving harness (runtime/interleave.py) stops concurrent handlers there.
"""

from __future__ import annotations

import hashlib

from redis.exceptions import ConnectionError as RedisConnectionError


class RedisCutError(RedisConnectionError):
    """What a handler sees during a simulated outage: redis-py's own ConnectionError."""


class RedisCut:
    @classmethod
    def of(cls, client) -> "RedisCut":
        """The client's cut, wrapping it on first use (a client is wrapped once, however often asked)."""
        cut = getattr(client, "_lab_cut", None)
        return cut if cut is not None else cls(client)

    def __init__(self, client):
        client._lab_cut = self
        self.client = client
        self.allowed: int | None = None  # commands still allowed; None: connected
        self.within: int | None = None  # commands of a plain pipeline the cut lets through (None: none)
        self.tripped = False  # has a command met the cut since it was armed?
        self.count = 0  # commands that went through
        self.log: list[str] | None = None  # their names, while a sweep records (None: not kept)
        self.gate = None  # async (name, args) awaited before each command, or None
        self._execute = client.execute_command
        self._pipeline = client.pipeline
        client.execute_command = self._execute_command
        client.pipeline = self._make_pipeline

    @property
    def connected(self) -> bool:
        return self.allowed is None or self.allowed > 0

    def fail_after(self, k: int, within: int | None = None) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ValueError("fail_after: a whole number of commands >= 0")
        if within is not None and (isinstance(within, bool) or not isinstance(within, int) or within < 1):
            raise ValueError("fail_after: within, a whole number of a pipeline's commands >= 1")
        self.allowed, self.within, self.tripped = k, within, False

    def disconnect(self) -> None:
        self.fail_after(0)

    def reconnect(self) -> None:
        self.allowed = None

    def describe(self) -> dict:
        return {"connected": self.allowed is None, "fail_after": self.allowed}

    def _pass(self, name: str, commands: int = 1) -> int | None:
        """Let a round trip through, or fail it. For a plain pipeline of `commands`, the answer is how many of
        them the cut lets run before the connection drops (None: all of them)."""
        if self.allowed is not None:
            if self.allowed <= 0:
                self.tripped = True
                if self.within is not None and self.within < commands:
                    ran, self.within = self.within, None  # once: every later command fails whole
                    self.count += 1  # the server heard it, and ran a part
                    if self.log is not None:
                        self.log.append(name)
                    return ran
                raise RedisCutError(f"Connection lost before {name} (lab: Redis cut)")
            self.allowed -= 1
        self.count += 1
        if self.log is not None:
            self.log.append(name)
        return None

    async def _execute_command(self, *args, **options):
        name = str(args[0]).upper()
        name = f"EVALSHA {args[1]}" if name == "EVALSHA" and len(args) > 1 else name
        if self.gate is not None:
            await self.gate(name, args)
        self._pass(name)
        return await self._execute(*args, **options)

    def _make_pipeline(self, *args, **kwargs):
        pipe = self._pipeline(*args, **kwargs)
        execute = pipe.execute

        async def cut_execute(*a, **kw):
            stack, transaction = pipeline_commands(pipe)
            if self.gate is not None:
                first = stack[0][0] if stack else ("",)
                await self.gate("MULTI" if transaction else "PIPELINE", first)
            if transaction:
                self._pass("MULTI")
                return await execute(*a, **kw)
            ran = self._pass("PIPELINE " + ";".join(_name(args) for args, _ in stack), len(stack))
            if ran is None:
                return await execute(*a, **kw)
            total = len(stack)
            del stack[ran:]  # the server ran the first `ran` commands; then the connection dropped
            await execute(*a, **kw)
            raise RedisCutError(f"Connection lost after {ran} of a pipeline's {total} commands (lab: Redis cut)")

        pipe.execute = cut_execute
        return pipe


def pipeline_commands(pipe) -> tuple[list, bool]:
    """A pipeline's staged commands, as a list of (args, options) that cutting it short truncates, and whether
    it is a transaction: redis-py's single-server pipeline and its cluster pipeline keep them differently."""
    if hasattr(pipe, "command_stack"):
        return pipe.command_stack, pipe.is_transaction
    return _ClusterStack(pipe._execution_strategy._command_queue), bool(pipe._transaction)


class _ClusterStack(list):
    """A cluster pipeline's queue seen as (args, options) pairs; `del stack[n:]` drops its queued commands."""

    def __init__(self, queue: list):
        super().__init__((command.args, command.kwargs) for command in queue)
        self._queue = queue

    def __delitem__(self, index) -> None:
        super().__delitem__(index)
        del self._queue[index]


def _name(args: tuple) -> str:
    """A pipelined command as the log names it: EVAL and EVALSHA by the script's SHA-1."""
    name = str(args[0]).upper()
    if name == "EVAL" and len(args) > 1:
        # Redis names a script by the SHA-1 of its source: an id, not a security use
        return f"EVAL {hashlib.sha1(str(args[1]).encode(), usedforsecurity=False).hexdigest()}"
    return f"EVALSHA {args[1]}" if name == "EVALSHA" and len(args) > 1 else name
