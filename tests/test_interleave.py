"""The interleaving harness (runtime/interleave.py): lanes stop before every Redis command and every gated HTTP
call, exactly one moves at a time, and the order is the seed's (or the schedule's), every run alike."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from integration_lab.runtime.interleave import GatedTransport, Interleaving, watch_redis
from integration_lab.runtime.redis_cut import RedisCut


def counter(lab, name: str, times: int = 3):
    """A lane that reads and writes one key `times` times: two round trips a step apart."""
    async def lane():
        key = lab.keys.key("n", name)
        for _ in range(times):
            value = int(await lab.redis.get(key) or 0)
            await lab.redis.set(key, value + 1)
        return value + 1
    return lane


async def test_a_seed_chooses_the_order_and_the_same_seed_the_same_order(lab):
    watch_redis(lab.redis)

    async def order(seed: int) -> list[str]:
        run = Interleaving(seed)
        results = await run.run({"a": counter(lab, "a"), "b": counter(lab, "b")})
        assert [results[lane].value for lane in "ab"] == [3, 3] and not any(r.error for r in results.values())
        await lab.backend.clean()
        assert [s.n for s in run.steps] == list(range(1, 13))
        assert {s.command for s in run.steps} == {"GET", "SET"}
        return [s.lane for s in run.steps]

    runs = {seed: await order(seed) for seed in range(6)}
    assert runs[3] == await order(3)
    assert len({tuple(r) for r in runs.values()}) > 1  # seeds differ
    assert all(sorted(r) == ["a"] * 6 + ["b"] * 6 for r in runs.values())


async def test_a_schedule_names_lanes_or_picks_among_those_waiting(lab):
    watch_redis(lab.redis)
    run = Interleaving(schedule=["b", "b", "a", 1, 0, "zz"])
    results = await run.run({"a": counter(lab, "a", 2), "b": counter(lab, "b", 2)})
    assert [s.lane for s in run.steps[:5]] == ["b", "b", "a", "b", "a"]
    assert run.steps[5].lane == "a"  # no lane "zz": the first waiting goes
    assert run.steps[0].waiting == ("a",) and run.steps[0].key == lab.keys.key("n", "b")
    assert (results["a"].first, results["b"].first, results["b"].last) == (3, 1, 7)
    assert sorted(s.lane for s in run.steps) == ["a"] * 4 + ["b"] * 4


async def test_a_lost_update_shows_under_some_schedule_and_never_outside_lanes(lab):
    watch_redis(lab.redis)
    key = lab.keys.key("shared")

    async def add():  # read, then write: two round trips, no guard
        await lab.redis.set(key, int(await lab.redis.get(key) or 0) + 1)

    await add()  # outside a lane: straight through
    totals = set()
    for seed in range(8):
        await lab.redis.set(key, 0)
        await Interleaving(seed).run({"one": add, "two": add})
        totals.add(int(await lab.redis.get(key)))
    assert totals == {1, 2}


async def test_a_pipeline_and_a_script_are_one_step_each_with_their_first_key(lab):
    watch_redis(lab.redis)
    script = lab.redis.register_script("return redis.call('INCR', KEYS[1])")
    await script(keys=[lab.keys.key("warm")])  # loaded outside the lane: the lane's EVALSHA is one step

    async def lane():
        async with lab.redis.pipeline(transaction=True) as pipe:
            pipe.set(lab.keys.key("{t}", "p"), 1)  # a transaction's keys share a slot
            pipe.incr(lab.keys.key("{t}", "q"))
            await pipe.execute()
        return await script(keys=[lab.keys.key("s")])

    run = Interleaving()
    results = await run.run({"only": lane})
    assert results["only"].value == 1
    assert [(s.command.split(" ")[0], s.key) for s in run.steps] == [("MULTI", lab.keys.key("{t}", "p")),
                                                                      ("EVALSHA", lab.keys.key("s"))]


async def test_an_error_is_the_lane_outcome_and_the_others_go_on(lab):
    watch_redis(lab.redis)

    async def fails():
        await lab.redis.get(lab.keys.key("x"))
        raise ValueError("refused")

    results = await Interleaving(1).run({"fails": fails, "counts": counter(lab, "c", 2)})
    assert isinstance(results["fails"].error, ValueError) and results["counts"].value == 2


async def test_a_lane_that_never_reaches_a_stop_is_reported_not_waited_for(lab):
    watch_redis(lab.redis)

    async def hangs():
        await asyncio.get_running_loop().create_future()

    with pytest.raises(RuntimeError, match="neither reached a stop nor ended"):
        await Interleaving(stall=0.2).run({"hangs": hangs, "counts": counter(lab, "c", 1)})
    with pytest.raises(ValueError):
        await Interleaving().run({})


async def test_http_calls_through_a_gated_transport_are_steps(lab):
    watch_redis(lab.redis)

    async def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True})

    telegram = httpx.AsyncClient(transport=GatedTransport(httpx.MockTransport(answer), "Telegram"))
    stripe = httpx.AsyncClient(transport=GatedTransport(httpx.MockTransport(answer), "Stripe", rest=True))

    async def lane():
        await telegram.post("https://api.telegram.org/bot1:x/sendMessage")
        await stripe.post("https://api.stripe.com/v1/refunds")
        await lab.redis.get(lab.keys.key("k"))

    run = Interleaving()
    await run.run({"one": lane})
    assert [(s.kind, s.command, s.key) for s in run.steps] == [
        ("http", "sendMessage", "Telegram"), ("http", "POST /v1/refunds", "Stripe"),
        ("redis", "GET", lab.keys.key("k"))]
    assert (await telegram.get("https://api.telegram.org/bot1:x/getMe")).status_code == 200  # outside: straight
    await telegram.aclose()
    await stripe.aclose()


async def test_the_gate_waits_before_the_cut_is_consulted(lab):
    cut = watch_redis(lab.redis)
    assert RedisCut.of(lab.redis) is cut and cut.gate is not None
    cut.fail_after(1)

    async def lane():
        await lab.redis.set(lab.keys.key("a"), 1)
        await lab.redis.set(lab.keys.key("b"), 1)

    run = Interleaving()
    results = await run.run({"cut": lane})
    cut.reconnect()
    assert [s.key for s in run.steps] == [lab.keys.key("a"), lab.keys.key("b")]  # the cut command is a step too
    assert type(results["cut"].error).__name__ == "RedisCutError"
