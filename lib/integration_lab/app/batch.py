"""Several independent commands in one round trip: a handler stages them, `send()` sends them together.

A batch is a plain (non-transactional) pipeline: its commands run in the order staged, each on its own, and
the client waits once for all the answers. Staged commands must not depend on each other's answers (read
them after `send()`, from what `stage` returned). What it promises, and what it does not:

- in order: a marker staged last (an update remembered, a Stripe event done, a job marked) lands only after
  the writes staged before it; a connection lost mid-way leaves a prefix of the batch written, so every
  staged write must be repeatable (the resend that repairs a cut writes it again);
- not atomic: where several writes must land whole or not at all, one script does them (as before);
- scripts go as EVAL with their source, never EVALSHA: a server that lost its scripts (a restart, SCRIPT
  FLUSH) would answer NOSCRIPT to one command of the pipeline and still run the ones after it, a marker
  included. A batch of one command is sent as that command alone (a script as EVALSHA, loaded if need be).
- on a Redis Cluster the order holds too (runtime/cluster_pipeline.py), at up to one round trip per node.

`stage_wait` ends a batch with WAIT: the pipeline is one connection, and WAIT counts the writes of the
connection it is sent on (https://redis.io/docs/latest/commands/wait/), so it vouches for this batch and every
round trip before it on that connection (on a cluster: the last node's run of the batch only).
"""

from __future__ import annotations

from typing import Any, Callable

REPLICA_WAIT_MS = 100  # how long a WAIT for replicas blocks before it answers how many it got


class Answer:
    """What one staged command answered, once its batch was sent (`value`)."""

    __slots__ = ("_value", "_parse")
    _UNSENT = object()

    def __init__(self, parse: Callable[[Any], Any] | None):
        self._value, self._parse = Answer._UNSENT, parse

    @classmethod
    def known(cls, value: Any) -> "Answer":
        """An answer known without asking Redis (a command that need not be staged)."""
        answer = cls(None)
        answer._value = value
        return answer

    def _set(self, raw: Any) -> None:
        self._value = self._parse(raw) if self._parse is not None else raw

    @property
    def value(self) -> Any:
        if self._value is Answer._UNSENT:
            raise RuntimeError("the batch holding this command has not been sent")
        return self._value


class Batch:
    def __init__(self, redis):
        self.redis = redis
        self._staged: list[tuple[tuple, Any, Answer]] = []  # (command args, Script or None, answer)

    def __len__(self) -> int:
        return len(self._staged)

    def command(self, *args, parse: Callable[[Any], Any] | None = None) -> Answer:
        """Stage one command (`"HGETALL", key`); its answer as redis-py's own method would give it."""
        answer = Answer(parse)
        self._staged.append((args, None, answer))
        return answer

    def script(self, script, keys: list, args: list, parse: Callable[[Any], Any] | None = None) -> Answer:
        """Stage one run of a registered script (scripts.register)."""
        answer = Answer(parse)
        self._staged.append(((len(keys), *keys, *args), script, answer))
        return answer

    async def send(self) -> None:
        """Send what is staged (nothing: no round trip) and empty the batch."""
        staged, self._staged = self._staged, []
        if not staged:
            return
        if len(staged) == 1:
            args, script, answer = staged[0]
            if script is None:
                answer._set(await self.redis.execute_command(*args))
            else:
                numkeys, rest = args[0], args[1:]
                answer._set(await script(keys=list(rest[:numkeys]), args=list(rest[numkeys:])))
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for args, script, _ in staged:
                if script is None:
                    pipe.execute_command(*args)
                else:
                    pipe.execute_command("EVAL", script.script, *args)
            answers = await pipe.execute()
        for (_, _, answer), raw in zip(staged, answers):
            answer._set(raw)


def stage_wait(batch: Batch, replicas: int) -> Answer | None:
    """WAIT <replicas> staged last: its answer is how many replicas have the writes so far (None: not asked,
    `replicas` is 0). A primary that dies before its replica has them takes them along, and the replica
    promoted in its place never saw them: ask before telling anyone outside Redis that they happened."""
    return batch.command("WAIT", replicas, REPLICA_WAIT_MS) if replicas else None


def short_of(copies: Answer | None, replicas: int) -> bool:
    """Did a staged WAIT get fewer replicas than asked?"""
    return copies is not None and copies.value < replicas
