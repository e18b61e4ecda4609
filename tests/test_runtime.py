"""The runtime every scenario stands on: the clocks, the Redis backend (and its real-server fast-forward)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import fakeredis
import pytest

from integration_lab.runtime.clock import FrozenClock, SteppableClock, SystemClock, parse_instant
from integration_lab.runtime.keyspace import Keyspace
from integration_lab.runtime.redis_backend import RedisBackend, connect, redacted_url


def test_an_instant_needs_a_timezone_and_comes_back_in_utc():
    assert parse_instant("2026-01-05T12:00:00+03:00") == datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    assert parse_instant(datetime(2026, 1, 5, 9, tzinfo=timezone.utc)).hour == 9
    with pytest.raises(ValueError, match="needs a timezone"):
        parse_instant("2026-01-05T09:00:00")


def test_the_frozen_clock_moves_only_forward_and_tells_its_listeners():
    clock, heard = FrozenClock("2026-01-05T09:00:00Z"), []
    clock.on_advance(heard.append)
    clock.advance(1.5)
    assert (clock.ms(), clock.time(), heard) == (1767603601500, 1767603601.5, [1.5])
    assert repr(clock) == "FrozenClock(2026-01-05T09:00:01.500000+00:00)"
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)


def test_the_system_clock_reads_real_time():
    clock = SystemClock()
    clock.on_advance(lambda seconds: pytest.fail("real time has no listeners"))
    before = time.time()
    assert before - 1 <= clock.time() and abs(clock.ms() / 1000 - before) < 5
    assert abs(clock.now().timestamp() - before) < 5 and repr(clock) == "SystemClock()"
    clock.advance(0.01)
    assert time.time() - before >= 0.01


def test_the_steppable_clock_jumps_ahead_of_real_time_but_never_back():
    clock = SteppableClock()
    clock.advance(12 * 3600)
    ahead = clock.ms() - time.time_ns() // 1_000_000
    assert 12 * 3600 * 1000 - 1000 < ahead <= 12 * 3600 * 1000
    assert abs(clock.now().timestamp() - clock.time()) < 1
    assert repr(clock) == "SteppableClock(+43200000 ms)"
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-5)


@pytest.mark.parametrize(("url", "shown"), [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("redis://lab:s3cret@db.internal:6379/2", "redis://lab:***@db.internal:6379/2"),
    ("rediss://:s3cret@db.internal/0", "rediss://:***@db.internal/0"),
    ("redis://s3cret@db.internal/0", "redis://:***@db.internal/0"),
])
def test_a_redis_url_is_shown_without_its_password(url, shown):
    assert redacted_url(url) == shown


async def test_an_unreachable_redis_is_named_without_its_password():
    with pytest.raises(ConnectionError) as raised:
        await connect("test/unreachable", "redis://lab:s3cret@127.0.0.1:1/0")
    assert "redis://lab:***@127.0.0.1:1/0" in str(raised.value) and "s3cret" not in str(raised.value)


def test_describe_names_the_backend_without_a_password():
    client = fakeredis.FakeAsyncRedis()
    real = RedisBackend(client, Keyspace("lab:x"), "redis", "redis://lab:s3cret@db:6379/0")
    assert real.describe() == "redis-server at redis://lab:***@db:6379/0"
    assert "s3cret" not in repr(real)
    assert RedisBackend(client, Keyspace("lab:x"), "fakeredis").describe() == "fakeredis (in-process)"


async def test_on_a_real_server_advance_fast_forwards_only_the_scenarios_ttls():
    """The real-server path (PTTL/PEXPIRE in one script), run on fakeredis's Lua as a server would run it."""
    client = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    backend = RedisBackend(client, Keyspace("lab:test/ff"), "redis", "redis://127.0.0.1:6379/0")
    await client.set("lab:test/ff:short", "1", px=10_000)
    await client.set("lab:test/ff:long", "1", px=60_000)
    await client.set("lab:test/ff:forever", "1")
    await client.set("lab:other:short", "1", px=10_000)  # another scenario's key
    await backend.fast_forward(4)
    assert 5_000 < await client.pttl("lab:test/ff:short") < 7_000  # 10 s less 4 lab seconds
    await backend.fast_forward(7)
    assert await client.exists("lab:test/ff:short") == 0  # its TTL ran out on lab time: expired
    assert 48_000 < await client.pttl("lab:test/ff:long") < 50_000
    assert await client.pttl("lab:test/ff:forever") == -1
    assert await client.pttl("lab:other:short") > 9_000
    assert await backend.clean() == 2
    await backend.close()


async def test_on_fakeredis_advance_leaves_ttls_to_time_machine():
    client = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    backend = RedisBackend(client, Keyspace("lab:test/fm"), "fakeredis")
    await client.set("lab:test/fm:k", "1", px=10_000)
    await backend.fast_forward(4)
    assert await client.pttl("lab:test/fm:k") > 9_000
    await backend.close()


@pytest.mark.parametrize("seed", [0, 1, 7, 12345])
def test_tokens_are_the_ones_random_choice_would_draw(seed):
    """IdFactory.token draws as random.choice does (every golden id depends on it), only faster."""
    import random
    import string

    from integration_lab.runtime.ids import IdFactory

    ids, reference = IdFactory(seed), random.Random(seed)
    alnum = string.ascii_letters + string.digits
    for prefix, length in [("pi_", 24), ("req_", 16), ("", 1), ("x", 0)]:
        assert ids.token(prefix, length) == prefix + "".join(reference.choice(alnum) for _ in range(length))
    assert ids.integer(1, 10**9) == reference.randint(1, 10**9)  # the stream goes on in step
