"""A Redis outage at an exact command: `cut.fail_after(k)` lets k more commands through, then every later
one fails as a dropped connection would, until `cut.reconnect()`.

It wraps the client, not the server, so the same cut works on embedded fakeredis and on a real
redis-server. Every command funnels through `execute_command` (scripts' EVALSHA and SCAN included); a
pipeline is one round trip (a MULTI/EXEC lands whole or not at all), so it counts as one command. The log
names a plain pipeline with what it carries: `PIPELINE EVAL <sha>;HGETALL;SET` (a script by its SHA-1).
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
        self.tripped = False  # has a command met the cut since it was armed?
        self.count = 0  # commands that went through
        self.log: list[str] | None = None  # their names, while a sweep records (None: not kept)
        self._execute = client.execute_command
        self._pipeline = client.pipeline
        client.execute_command = self._execute_command
        client.pipeline = self._make_pipeline

    @property
    def connected(self) -> bool:
        return self.allowed is None or self.allowed > 0

    def fail_after(self, k: int) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ValueError("fail_after: a whole number of commands >= 0")
        self.allowed, self.tripped = k, False

    def disconnect(self) -> None:
        self.fail_after(0)

    def reconnect(self) -> None:
        self.allowed = None

    def describe(self) -> dict:
        return {"connected": self.allowed is None, "fail_after": self.allowed}

    def _pass(self, name: str) -> None:
        if self.allowed is not None:
            if self.allowed <= 0:
                self.tripped = True
                raise RedisCutError(f"Connection lost before {name} (lab: Redis cut)")
            self.allowed -= 1
        self.count += 1
        if self.log is not None:
            self.log.append(name)

    async def _execute_command(self, *args, **options):
        name = str(args[0]).upper()
        self._pass(f"EVALSHA {args[1]}" if name == "EVALSHA" and len(args) > 1 else name)
        return await self._execute(*args, **options)

    def _make_pipeline(self, *args, **kwargs):
        pipe = self._pipeline(*args, **kwargs)
        execute = pipe.execute

        async def cut_execute(*a, **kw):
            if pipe.is_transaction:
                self._pass("MULTI")
            else:
                self._pass("PIPELINE " + ";".join(_name(args) for args, _ in pipe.command_stack))
            return await execute(*a, **kw)

        pipe.execute = cut_execute
        return pipe


def _name(args: tuple) -> str:
    """A pipelined command as the log names it: EVAL and EVALSHA by the script's SHA-1."""
    name = str(args[0]).upper()
    if name == "EVAL" and len(args) > 1:
        # Redis names a script by the SHA-1 of its source: an id, not a security use
        return f"EVAL {hashlib.sha1(str(args[1]).encode(), usedforsecurity=False).hexdigest()}"
    return f"EVALSHA {args[1]}" if name == "EVALSHA" and len(args) > 1 else name
