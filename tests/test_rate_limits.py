import asyncio
import math
import os
from importlib.resources import files

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import integration_lab as il
from integration_lab.app.ratelimit import ALGORITHMS, Decision, Limit, Policy, RateLimiter, _allowed
from integration_lab.app.scripts import lua_source


def limiter(lab):
    return RateLimiter(lab.redis, lab.keys, lab.clock, lab.ids)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_each_decision_is_one_script_call(lab, count_commands, algorithm):
    rl, policy = limiter(lab), Policy("buy", ("3/minute", "20/day"), algorithm)
    await rl.hit(policy, 42)  # the first call may load the script (EVALSHA, NOSCRIPT, EVAL)
    count_commands.reset()
    for _ in range(6):
        await rl.hit(policy, 42)
    assert count_commands.commands == ["EVALSHA"] * 6


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_limit_is_enforced_and_remaining_counts_down(lab, algorithm):
    rl, policy = limiter(lab), Policy("buy", ("3/minute",), algorithm)
    decisions = [await rl.hit(policy, 42) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].blocked_by == Limit(3, 60)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("pattern", [[0.0] * 5, [0, 0.1, 0.2, 59.9, 60.0, 60.1], [10, 25, 40, 55, 59, 61, 62, 80]])
async def test_retry_after_is_exact(lab, algorithm, pattern):
    """A refused user who waits retry_after is let in, one millisecond sooner is not."""
    rl, policy = limiter(lab), Policy("buy", ("3/minute",), algorithm)
    now = 0.0
    for t in pattern:
        await lab.advance(t - now)
        now = t
        decision = await rl.hit(policy, 42)
    while decision.allowed:  # press on at the last instant until refused
        decision = await rl.hit(policy, 42)
    await lab.advance((decision.retry_after_ms - 1) / 1000)
    assert not (await rl.hit(policy, 42)).allowed
    await lab.advance(0.001)
    assert (await rl.hit(policy, 42)).allowed


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_several_limits_count_all_or_nothing(lab, algorithm):
    rl = limiter(lab)
    policy = Policy("buy", ("3/minute", "5/hour"), algorithm)
    allowed = 0
    for minute in range(4):
        for _ in range(3):
            allowed += (await rl.hit(policy, 7)).allowed
        await lab.advance(60)
    assert allowed == 5
    refused = await rl.hit(policy, 7)
    assert refused.blocked_by == Limit(5, 3600)
    # the refused requests were not counted against the minute limit either
    assert (await rl.hit(Policy("buy", ("3/minute",), algorithm), 7)).remaining >= 1


async def test_subjects_are_isolated(lab):
    rl, policy = limiter(lab), Policy("buy", ("1/minute",), "fixed_window")
    assert (await rl.hit(policy, 1)).allowed
    assert (await rl.hit(policy, 2)).allowed
    assert not (await rl.hit(policy, 1)).allowed


async def test_boundary_burst_fixed_window_lets_double_through_sliding_log_does_not(lab):
    rl = limiter(lab)
    fixed, log = Policy("buy", ("3/minute",), "fixed_window"), Policy("buy", ("3/minute",), "sliding_log")
    got = {"fixed": 0, "log": 0}
    now = 0.0
    for t in (59.5, 59.6, 59.7, 60.2, 60.3, 60.4):
        await lab.advance(t - now)
        now = t
        got["fixed"] += (await rl.hit(fixed, 1)).allowed
        got["log"] += (await rl.hit(log, 1)).allowed
    assert got == {"fixed": 6, "log": 3}


async def test_sliding_log_counts_requests_in_the_same_millisecond(lab):
    rl, policy = limiter(lab), Policy("buy", ("5/minute",), "sliding_log")
    for _ in range(5):
        assert (await rl.hit(policy, 1)).allowed  # frozen clock: all at one instant
    assert not (await rl.hit(policy, 1)).allowed


async def test_every_key_written_has_a_ttl(lab):
    rl = limiter(lab)
    for algorithm in ALGORITHMS:
        await rl.hit(Policy("buy", ("3/minute", "20/day"), algorithm), 1)
    keys = await lab.backend.scan_keys()
    assert keys and all([await lab.redis.pttl(k) > 0 for k in keys])


@pytest.mark.parametrize("bad", [lambda: Limit(-1, 60), lambda: Limit(0, 60), lambda: Limit(True, 60),
                                 lambda: Limit(3, 0), lambda: Limit(3, 60, burst=0), lambda: Limit.parse("-3/minute"),
                                 lambda: Limit.parse("three/minute"), lambda: Policy("buy", ()),
                                 lambda: Policy("", ("1/minute",)), lambda: Policy("buy", ("1/minute",), "leaky")])
def test_bad_limits_are_refused(bad):
    with pytest.raises(ValueError):
        bad()


@pytest.mark.parametrize("subject,cost", [("", 1), ("a{b", 1), (42, 0), (42, -1), (42, 4), (42, True)])
async def test_bad_requests_change_nothing(lab, count_commands, subject, cost):
    rl = limiter(lab)
    count_commands.reset()
    with pytest.raises(ValueError):
        await rl.hit(Policy("buy", ("3/minute",), "gcra"), subject, cost)
    assert count_commands.commands == []
    assert await lab.backend.scan_keys() == []


def test_limit_text():
    assert Limit.parse("20 per day") == Limit(20, 86400)
    assert Limit.parse("5/10s") == Limit(5, 10)
    assert str(Limit.parse("3/minute")) == "3/minute" and str(Limit(5, 10)) == "5/10s"


# The scripts' decisions against a plain-Python model of each algorithm, over random traffic: the model is
# the scripts' arithmetic written out once more (the same floating-point expressions, so the same figures),
# with state in dicts instead of Redis. It pins the decisions the scripts made before their wire was
# trimmed (issue 14): allowed, remaining, retry-after and which limit refused, for several limits and costs.

class Model:
    """One subject's limits for one policy, as the Lua scripts keep them."""

    def __init__(self, policy: Policy):
        self.policy, self.counts, self.logs, self.tats = policy, {}, {}, {}

    def hit(self, now: int, cost: int) -> tuple[bool, int, int, Limit | None]:
        allowed, remaining, retry, blocker, writes = True, None, 0, None, []
        for lim in self.policy.limits:
            left, wait, write = getattr(self, self.policy.algorithm)(lim, lim.period_ms, now, cost)
            writes.append(write)
            if left < 0 or wait is not None:
                allowed, left = False, 0
                if wait > retry:
                    retry, blocker = wait, lim
            remaining = left if remaining is None else min(remaining, left)
        if allowed:
            for write in writes:
                write()
        return allowed, remaining, retry, blocker

    def fixed_window(self, lim, period, now, cost):
        key = (lim, now // period)
        left = lim.limit - self.counts.get(key, 0) - cost
        return left, (period - now % period) if left < 0 else None, lambda: self._add(key, cost)

    def sliding_log(self, lim, period, now, cost):
        log = self.logs[lim] = [t for t in self.logs.get(lim, []) if t > now - period]
        left = lim.limit - len(log) - cost
        wait = sorted(log)[-left - 1] + period - now if left < 0 else None
        return left, wait, lambda: log.extend([now] * cost)

    def sliding_counter(self, lim, period, now, cost):
        window, elapsed = now // period, now % period
        current, previous = self.counts.get((lim, window), 0), self.counts.get((lim, window - 1), 0)
        left = math.floor(lim.limit - (previous * (period - elapsed) / period + current) - cost)
        wait = None
        if left < 0:
            if current + cost <= lim.limit:
                wait = math.ceil(period - elapsed - (lim.limit - current - cost) * period / previous)
            else:
                wait = period - elapsed + max(0, math.ceil(period - period * (lim.limit - cost) / current))
        return left, wait, lambda: self._add((lim, window), cost)

    def gcra(self, lim, period, now, cost):
        interval, burst = period / lim.limit, lim.burst or lim.limit
        new_tat = max(self.tats.get(lim, 0), now) + interval * cost
        allow_at = new_tat - burst * interval
        if now < allow_at:
            return -1, math.ceil(allow_at - now), None
        return math.floor((now - allow_at) / interval), None, lambda: self.tats.__setitem__(lim, float(f"{new_tat:.3f}"))

    def _add(self, key, cost):
        self.counts[key] = self.counts.get(key, 0) + cost


@st.composite
def traffic(draw, algorithm):
    limits = draw(st.lists(st.builds(Limit, st.integers(1, 6), st.sampled_from([0.5, 1, 2.5, 10, 60, 3600]),
                                     st.one_of(st.none(), st.integers(1, 8))),
                           min_size=1, max_size=3, unique_by=lambda lim: (lim.limit, lim.period_ms)))
    policy = Policy("buy", tuple(limits), algorithm)
    most = min((lim.burst or lim.limit) if algorithm == "gcra" else lim.limit for lim in limits)
    gaps = st.one_of(st.just(0), st.integers(1, 3_000), st.integers(1, 70_000), st.sampled_from([1, 999, 1000, 60_000]))
    requests = draw(st.lists(st.tuples(gaps, st.integers(1, most), st.sampled_from(["1", "1", "2"])),
                             min_size=3, max_size=30))
    return policy, requests


async def play(policy, requests):
    # a keyspace per worker process: xdist workers share a real Redis
    lab = await il.setup(f"test/rate-limit-model-{os.getpid()}", start="2026-01-05T09:00:00Z", seed=3)
    try:
        rl, models = limiter(lab), {"1": Model(policy), "2": Model(policy)}
        for gap_ms, cost, subject in requests:
            if gap_ms:
                await lab.advance(gap_ms / 1000)
            got = await rl.hit(policy, subject, cost)
            expected = models[subject].hit(lab.clock.ms(), cost)
            assert (got.allowed, got.remaining, got.retry_after_ms, got.blocked_by) == expected, (gap_ms, cost, subject)
    finally:
        await lab.backend.clean()
        await lab.close()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_decisions_match_the_model_over_random_traffic(algorithm, data):
    asyncio.run(play(*data.draw(traffic(algorithm))))


@pytest.mark.parametrize("policy,requests", [
    (Policy("buy", ("3/minute", "5/hour"), "fixed_window"), [(0, 1, "1")] * 4 + [(60_000, 2, "1")] * 3),
    (Policy("buy", (Limit(2, 10, burst=4), Limit(5, 60)), "gcra"), [(0, 3, "1"), (0, 1, "1"), (2500, 2, "1")]),
    (Policy("buy", ("2/10s", "3/minute"), "sliding_counter"), [(0, 1, "1"), (9_000, 1, "1"), (2_000, 1, "1")] * 3),
    (Policy("buy", ("4/10s",), "sliding_log"), [(0, 2, "1"), (1_000, 1, "1"), (0, 2, "1"), (9_000, 2, "1")]),
])
def test_decisions_match_the_model_on_chosen_traffic(policy, requests):
    asyncio.run(play(policy, requests))


def test_scripts_sent_to_redis_are_small_and_free_of_comments():
    for name in ALGORITHMS:
        sent, kept = lua_source(name), (files("integration_lab.app.lua") / f"{name}.lua").read_text()
        assert "--" in kept and "--" not in sent, name  # the commentary stays in the file only
        assert len(sent) < 1250, (name, len(sent))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_one_packed_argument_out_one_integer_back(lab, algorithm):
    rl, policy, sent = limiter(lab), Policy("buy", ("3/minute", "20/day"), algorithm), []
    await rl.hit(Policy("other", ("1/second",), algorithm), 42)  # the first call may load the script
    original = lab.redis.execute_command

    async def spy(*args, **options):
        answer = await original(*args, **options)
        sent.append((args, answer))
        return answer

    lab.redis.execute_command = spy
    for _ in range(4):
        await rl.hit(policy, 42)
    keys = 4 if algorithm == "sliding_counter" else 2
    assert [len(args) for args, _ in sent] == [3 + keys + 1] * 4  # EVALSHA sha numkeys keys… packed
    assert [answer for _, answer in sent[:3]] == [3, 2, 1]  # remaining + 1
    assert isinstance(sent[3][1], int) and sent[3][1] < 0  # refused: -(retry_after_ms * 3 + blocker)


def test_an_allowed_decision_made_the_quick_way_is_the_same_decision():
    quick, usual = _allowed(7), Decision(True, 7, 0)
    assert type(quick) is Decision and vars(quick) == vars(usual)  # every field, a default added later too
    assert quick == usual and hash(quick) == hash(usual) and repr(quick) == repr(usual)
    with pytest.raises(AttributeError):
        quick.remaining = 8  # still frozen


async def test_a_script_the_server_does_not_know_is_loaded_and_run(lab):
    rl, policy = limiter(lab), Policy("buy", ("3/minute",), "gcra")
    assert (await rl.hit(policy, 1)).remaining == 2
    rl._scripts["gcra"].sha = "0" * 40  # as if unknown: no SCRIPT FLUSH on a server other tests share
    assert (await rl.hit(policy, 1)).remaining == 1


@pytest.mark.parametrize("algorithm", ["fixed_window", "sliding_counter", "gcra"])
async def test_a_refusal_leaves_every_key_as_it_was(lab, algorithm):
    rl, policy = limiter(lab), Policy("buy", ("1/hour", "3/minute"), algorithm)
    assert (await rl.hit(policy, 1)).allowed
    await lab.advance(60)  # a new minute: the fixed window counts it in a key that does not exist yet
    before = {k: (await lab.redis.get(k), await lab.redis.pttl(k) > 0) for k in await lab.backend.scan_keys()}
    refused = await rl.hit(policy, 1)
    assert not refused.allowed and refused.blocked_by == Limit(1, 3600)
    after = {k: (await lab.redis.get(k), await lab.redis.pttl(k) > 0) for k in await lab.backend.scan_keys()}
    assert after == before


def test_limits_that_would_share_a_key_are_refused():
    with pytest.raises(ValueError, match="share a key"):
        Policy("buy", ("3/minute", "3/60s"))
    with pytest.raises(ValueError, match="millisecond"):
        Limit(3, 0.0004)


async def test_burst_only_widens_the_cost_gcra_accepts(lab):
    rl, wide = limiter(lab), (Limit(3, 60, burst=6),)
    assert (await rl.hit(Policy("buy", wide, "gcra"), 1, cost=5)).allowed
    with pytest.raises(ValueError, match="never fit"):
        await rl.hit(Policy("buy", wide, "sliding_log"), 1, cost=5)  # the log has room for 3, never 5
