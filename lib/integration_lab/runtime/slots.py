"""Hash slots: the fakeredis client refuses what a Redis Cluster refuses, so CROSSSLOT is caught everywhere.

A Redis Cluster keeps each key in one of 16384 hash slots (CRC16 of the key, or of its hash tag: the part
between the first `{` and the next `}`, when that part is not empty) and refuses, with CROSSSLOT, a script or
a MULTI/EXEC transaction whose keys are in more than one slot; a single multi-key command too, unless the
cluster client splits it (redis-py does so for DEL, UNLINK, EXISTS, TOUCH). fakeredis has no slots, so
`check_slots(client)` makes the client (fakeredis, or a single server) answer such a request with the
cluster's own error instead of running it. The lab does this on fakeredis by default, so every test and
notebook proves, on every run, that no script or transaction of ours crosses slots.
"""

from __future__ import annotations

from redis.crc import key_slot
from redis.exceptions import ResponseError

from .redis_cut import pipeline_commands

CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"
# commands whose every argument after the name is a key; those the cluster client splits itself are left out
_ALL_KEYS = {"MGET", "SINTER", "SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE", "WATCH",
             "PFCOUNT", "PFMERGE"}
_TWO_KEYS = {"RENAME", "RENAMENX", "SMOVE", "LMOVE", "RPOPLPUSH", "COPY", "BLMOVE", "BRPOPLPUSH"}
_NUMKEYS = {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"}
_SPLIT_BY_CLIENT = {"DEL", "UNLINK", "EXISTS", "TOUCH"}
_NO_KEY = {"PING", "TIME", "INFO", "SCRIPT", "SCAN", "DBSIZE", "FLUSHDB", "FLUSHALL", "CLIENT", "CONFIG", "WAIT",
           "ECHO", "MULTI", "EXEC", "DISCARD", "UNWATCH", "KEYS", "RANDOMKEY", "LASTSAVE", "MEMORY"}


class CrossSlotError(ResponseError):
    """What a cluster answers a request whose keys are in more than one slot."""


def slot(key: str | bytes) -> int:
    return key_slot(key.encode() if isinstance(key, str) else key)


def keys_of(args: tuple, in_transaction: bool = False) -> list:
    """The keys a command names (args as sent: name first)."""
    name = str(args[0]).upper()
    if name in _NUMKEYS:
        return list(args[3:3 + int(args[2])])
    if name in _ALL_KEYS or (in_transaction and name in _SPLIT_BY_CLIENT):
        return list(args[1:])
    if name in ("MSET", "MSETNX"):
        return list(args[1::2])
    if name in _TWO_KEYS:
        return list(args[1:3])
    if name in ("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"):
        return [args[1], *args[3:3 + int(args[2])]]
    if name in _NO_KEY or name in _SPLIT_BY_CLIENT or len(args) < 2:
        return []
    return [args[1]]


def check(keys: list, what: str) -> None:
    if len({slot(k) for k in keys}) > 1:
        raise CrossSlotError(f"{CROSSSLOT} ({what}: {', '.join(map(str, keys))})")


def check_slots(client):
    """Make `client` refuse what a cluster refuses (see the module's docstring); returns it."""
    execute, make_pipeline = client.execute_command, client.pipeline

    async def execute_command(*args, **options):
        check(keys_of(args), str(args[0]).upper())
        return await execute(*args, **options)

    def pipeline(transaction=True, shard_hint=None):
        pipe = make_pipeline(transaction, shard_hint)
        run, watch, watched = pipe.execute, pipe.watch, []

        async def checked_watch(*names):
            watched.extend(names)
            return await watch(*names)

        async def checked_execute(*a, **kw):
            commands, transaction = pipeline_commands(pipe)
            stack = [args for args, _ in commands]
            if transaction:  # MULTI/EXEC: every key of every command in one slot (WATCHed ones too)
                check([k for args in stack for k in keys_of(args, True)] + watched, "MULTI")
            else:  # the cluster client splits a plain pipeline by node: each command on its own
                for args in stack:
                    check(keys_of(args), str(args[0]).upper())
            return await run(*a, **kw)

        pipe.execute, pipe.watch = checked_execute, checked_watch
        return pipe

    client.execute_command, client.pipeline = execute_command, pipeline
    return client
