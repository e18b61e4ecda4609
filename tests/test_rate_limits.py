import pytest

from integration_lab.app.ratelimit import ALGORITHMS, Limit, Policy, RateLimiter


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
