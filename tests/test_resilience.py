"""Retries (tenacity), circuit breakers (the Bot API client, the outbox, the Stripe gateway): each test
fails when its pattern is taken out."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integration_lab.app.payments.buyer_messages import TRY_AGAIN
from integration_lab.app.resilience import CircuitBreaker, CircuitOpen
from integration_lab.app.shop.outbox import Job, Outbox
from integration_lab.app.telegram.client import (BotApi, NotSent, ServerError, TimedOut, Unauthorized,
                                                 trips_breaker)
from integration_lab.runtime.clock import FrozenClock
from integration_lab.scenarios.payments import stripe_world
from integration_lab.scenarios.telegram_storms import compare, one_call

TOKEN = "1:lab"


class Script:
    """Telegram answering from a script, one answer per call (an exception is raised as the transport's),
    then ok; every call is counted."""

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path.rsplit("/", 1)[-1])
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            return httpx.Response(200, json={"ok": True, "result": {"message_id": len(self.calls)}})
        status, description, parameters = answer
        return httpx.Response(status, json={"ok": False, "error_code": status, "description": description,
                                            **({"parameters": parameters} if parameters else {})})


def api_for(script: Script, slept: list, **options) -> BotApi:
    async def sleep(seconds):
        slept.append(seconds)
    return BotApi(TOKEN, transport=httpx.MockTransport(script.handler), sleep=sleep, **options)


BAD_GATEWAY = (502, "Bad Gateway", None)


# retries -------------------------------------------------------------------------------------------------

async def test_safe_calls_are_retried_after_5xx_with_jittered_exponential_waits_the_seed_repeats():
    waits = []
    for _ in range(2):
        slept = []
        script = Script(BAD_GATEWAY, BAD_GATEWAY, BAD_GATEWAY)
        assert (await api_for(script, slept, jitter_seed=7).get_me())["message_id"] == 4
        assert script.calls == ["getMe"] * 4
        waits.append(slept)
    assert waits[0] == waits[1]  # the seed fixes the jitter: a notebook prints the same waits every run
    for n, wait in enumerate(waits[0]):  # attempt n+1 waits between half and all of 2^n seconds
        assert 2 ** n / 2 <= wait <= 2 ** n
    assert len(set(waits[0])) == 3 and waits[0] != [1.0, 2.0, 4.0]  # jittered, not lock-step


async def test_a_send_that_met_a_5xx_or_a_read_timeout_is_never_repeated():
    for failure in (BAD_GATEWAY, httpx.ReadTimeout("slow")):
        slept, script = [], Script(failure)
        with pytest.raises((ServerError, TimedOut)):
            await api_for(script, slept).send_message(1, "Your goods")
        assert script.calls == ["sendMessage"] and slept == []


async def test_a_send_that_never_left_is_retried_connect_and_pool_timeouts_and_refusals():
    for failure in (httpx.ConnectTimeout("syn"), httpx.PoolTimeout("pool"), httpx.ConnectError("refused")):
        slept, script = [], Script(failure)
        assert (await api_for(script, slept).send_message(1, "Your goods"))["message_id"] == 2
        assert script.calls == ["sendMessage"] * 2 and len(slept) == 1


async def test_429_waits_exactly_retry_after_and_401_is_never_retried():
    slept, script = [], Script((429, "Too Many Requests: retry after 5", {"retry_after": 5}))
    await api_for(script, slept).send_message(1, "hi")
    assert slept == [5.0] and script.calls == ["sendMessage"] * 2
    slept, script = [], Script((401, "Unauthorized", None))
    with pytest.raises(Unauthorized):
        await api_for(script, slept).get_me()
    assert script.calls == ["getMe"] and slept == []


async def test_retries_stop_after_max_retries_and_the_attempts_table_shows_each_wait():
    slept, script = [], Script(*[BAD_GATEWAY] * 10)
    api = api_for(script, slept, max_retries=2)
    with pytest.raises(ServerError):
        await api.get_me()
    assert len(script.calls) == 3
    assert [(a.attempt, a.outcome) for a in api.attempts] == [(1, "Bad Gateway"), (2, "Bad Gateway"),
                                                              (3, "Bad Gateway")]
    assert [a.waited for a in api.attempts] == [*slept, 0]


# the breaker ---------------------------------------------------------------------------------------------

async def test_the_breaker_opens_refuses_probes_once_on_the_clock_and_closes():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    breaker = CircuitBreaker("telegram", clock, failures=3, reset_after=30, trips=trips_breaker)
    slept, script = [], Script(*[BAD_GATEWAY] * 4)
    api = api_for(script, slept, max_retries=0, breaker=breaker)
    for _ in range(3):
        with pytest.raises(ServerError):
            await api.send_message(1, "x")
    assert breaker.state == "open"
    with pytest.raises(NotSent) as refused:
        await api.send_message(1, "x")
    assert len(script.calls) == 3 and refused.value.retry_at == clock.time() + 30  # no call on the wire
    clock.advance(30)
    assert breaker.state == "half_open"
    with pytest.raises(ServerError):  # the probe fails: open for another 30 s
        await api.send_message(1, "x")
    assert breaker.state == "open" and len(script.calls) == 4
    clock.advance(30)
    assert (await api.send_message(1, "x"))["message_id"] == 5
    assert breaker.state == "closed"
    assert [c.state for c in breaker.changes] == ["closed", "open", "half_open", "open", "half_open", "closed"]


async def test_answers_about_our_call_do_not_open_the_breaker():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    breaker = CircuitBreaker("telegram", clock, failures=2, trips=trips_breaker)
    script = Script((401, "Unauthorized", None), (403, "Forbidden: bot was blocked by the user", None),
                    (400, "Bad Request: chat not found", None))
    api = api_for(script, [], max_retries=0, breaker=breaker)
    for _ in range(3):
        with pytest.raises(Exception):
            await api.send_message(1, "x")
    assert breaker.state == "closed"


async def test_half_open_lets_one_probe_through_at_a_time():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    breaker = CircuitBreaker("stripe", clock, failures=1, reset_after=5)
    breaker.failure(RuntimeError("down"))
    clock.advance(5)
    breaker.before()  # the probe
    with pytest.raises(CircuitOpen):
        breaker.before()  # a second caller while the probe is out
    breaker.success()
    assert breaker.state == "closed" and breaker.refused == 1


# the outbox: the global breaker, and a 401 that holds the goods -----------------------------------------

async def test_the_storm_costs_telegram_far_fewer_calls_with_the_breaker(lab):
    guarded, plain, table = await compare(lab, "storm", buyers=10, storm_seconds=60, horizon=120)
    assert table["delivered"].tolist() == [10, 10]
    assert guarded.calls == 5 + 1 + 10  # five open it, one failed probe at 30 s, the good probe and the rest at 60
    assert plain.calls == 10 * 6  # each job on its own: 0, 2, 6, 14, 30 s failed, 62 s sent
    assert guarded.breaker.refused > 0


async def test_an_open_breaker_holds_the_jobs_until_its_probe_without_calling(lab):
    breaker = CircuitBreaker("telegram", lab.clock, failures=1, reset_after=30, trips=trips_breaker)
    script = Script(BAD_GATEWAY)
    api = BotApi(TOKEN, transport=httpx.MockTransport(script.handler), max_retries=0, breaker=breaker)
    outbox = Outbox(lab.redis, lab.keys, lab.clock, api)
    await outbox.enqueue(Job("a", 1, "one"), Job("b", 2, "two"))
    assert [r["outcome"] for r in await outbox.drain()] == ["backoff", "breaker_open"]
    lab.clock.advance(29)
    held = await outbox.drain()  # a's 2 s backoff ran out: it is held for the probe too, b still waits
    assert [(r["job"], r["outcome"]) for r in held] == [("a", "breaker_open")] and len(script.calls) == 1
    lab.clock.advance(1)
    assert [r["outcome"] for r in await outbox.drain()] == ["sent", "sent"]
    assert script.calls == ["sendMessage"] * 3


async def test_a_revoked_token_holds_the_goods_instead_of_failing_them(lab):
    script = Script((401, "Unauthorized", None))
    outbox = Outbox(lab.redis, lab.keys, lab.clock,
                    BotApi(TOKEN, transport=httpx.MockTransport(script.handler), max_retries=0))
    await outbox.enqueue(Job("a", 1, "Your tea"))
    assert [r["outcome"] for r in await outbox.drain()] == ["held"]
    lab.clock.advance(60)
    assert [r["outcome"] for r in await outbox.drain()] == ["sent"]


async def test_one_call_under_each_weather(lab):
    assert len(await one_call(lab, "storm", "sendMessage")) == 1
    assert len(await one_call(lab, "storm", "getMe")) == 4
    assert (await one_call(lab, "flood", "sendMessage"))["waited"].tolist() == [3.0, 0.0]
    assert len(await one_call(lab, "revoked", "getMe")) == 1


# the Stripe gateway's breaker ----------------------------------------------------------------------------

async def test_stripe_down_opens_the_gateways_breaker_and_payments_are_refused_without_calling(lab):
    from integration_lab.app.payments.stripe_gateway import trips_breaker as stripe_trips
    world = await stripe_world(lab, max_network_retries=0)
    world.gateway.breaker = CircuitBreaker("stripe", lab.clock, failures=2, reset_after=10, trips=stripe_trips)
    world.fake.faults.add("api_error", "*", times=2)  # Stripe answers two calls with 500, then is fine again
    outcomes = []
    for n in range(4):
        order = await world.ledger.open_order(1250, "USD", f"o{n}")
        outcomes.append(await world.gateway.pay(order.order_id, "pm_card_visa"))
    assert [c.outcome for c in outcomes] == ["try_again"] * 4
    assert [c.code for c in outcomes] == [None, None, "circuit_open", "circuit_open"]  # the last two never called
    lab.clock.advance(10)
    paid = await world.gateway.pay("o3", "pm_card_visa")  # the probe: Stripe is back
    assert paid.outcome == "paid" and world.gateway.breaker.state == "closed"


async def test_a_cancelled_probe_frees_the_half_open_slot_without_deciding():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    breaker = CircuitBreaker("x", clock, failures=1, reset_after=5)
    breaker.failure(RuntimeError("down"))
    clock.advance(5)

    async def hangs():
        await asyncio.sleep(3600)

    probe = asyncio.ensure_future(breaker.call(hangs))
    await asyncio.sleep(0)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert breaker.state == "half_open"
    breaker.before()  # the next caller is the probe now, instead of every caller being refused for ever
    breaker.success()
    assert breaker.state == "closed"


async def test_calls_in_flight_when_it_opens_neither_restart_its_wait_nor_repeat_a_change():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    breaker = CircuitBreaker("x", clock, failures=2, reset_after=30)
    breaker.before(), breaker.before(), breaker.before()  # three calls go out together
    breaker.failure(RuntimeError("502"))
    breaker.failure(RuntimeError("502"))  # open now
    clock.advance(10)
    breaker.failure(RuntimeError("502"))  # the third comes back late
    assert breaker.retry_at == clock.time() - 10 + 30
    assert [c.state for c in breaker.changes] == ["closed", "open"]


def test_a_breaker_needs_sensible_settings():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    with pytest.raises(ValueError):
        CircuitBreaker("x", clock, failures=0)
    with pytest.raises(ValueError):
        CircuitBreaker("x", clock, reset_after=0)
    assert json.dumps(CircuitBreaker("x", clock).describe()) == \
        '{"state": "closed", "failures": 0, "refused": 0, "retry_at_ms": null}'


async def test_the_shops_stripe_route_answers_try_again_when_stripe_is_down_and_stops_asking(lab):
    from integration_lab.scenarios.journeys import journey_world
    world = await journey_world(lab)
    try:
        breaker = world.shop.breakers["stripe"]
        world.stripe_fake.faults.add("api_error", "*", times=5)  # five failures open the breaker (its default)
        answers = []
        for n in range(7):
            buyer = f"Buyer {n}"
            await world.checks_out(buyer, "tea")
            await world.presses(buyer, "Card (Stripe)")
            answers.append(world.shop.bot.log[-1].reply)  # the toast on the buyer's Pay button
        assert answers == [TRY_AGAIN] * 7  # an answer each, never a failed update Telegram would redeliver
        assert breaker.state == "open" and breaker.refused == 2  # the last two never reached Stripe
        assert world.stripe_fake.faults.take("*") is None  # exactly five calls met the five faults
        assert (await healthz_of(world.shop))["dependencies"]["stripe"]["status"] == "down"
        lab.clock.advance(breaker.reset_after)
        await world.checks_out("Buyer 7", "tea")
        await world.presses("Buyer 7", "Card (Stripe)")  # the probe: Stripe answers again
        chat = world.chat("Buyer 7")
        said = chat[chat["direction"] == "bot → user"]["text"]  # the toast before it says the same
        assert said.iloc[-1].startswith("Pay 12.50 USD by card with Stripe")
        assert breaker.state == "closed"
    finally:
        await world.close()


async def healthz_of(shop) -> dict:
    from integration_lab.shop_server import healthz
    return await healthz(shop)


# the breaker against a model, over generated histories -------------------------------------------------

EVENTS = st.lists(st.one_of(st.just("ok"), st.just("fail"), st.just("answer"), st.just("probe-out"),
                            st.integers(min_value=1, max_value=40)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(events=EVENTS, failures=st.integers(min_value=1, max_value=4), reset_after=st.integers(min_value=1, max_value=30))
def test_the_breaker_agrees_with_its_model_over_any_history(events, failures, reset_after):
    """'ok' / 'fail' (a failure that trips it) / 'answer' (an error that does not: the service answered)
    complete a call; 'probe-out' starts a call left in flight; a number moves the clock. The model: closed
    until `failures` tripping failures in a row, then open for `reset_after` s, then one probe at a time."""
    clock = FrozenClock("2026-01-05T09:00:00Z")
    breaker = CircuitBreaker("x", clock, failures, reset_after, trips=lambda error: isinstance(error, ValueError))
    state, in_row, opened_at, probing = "closed", 0, 0.0, False  # the model
    for event in events:
        if isinstance(event, int):
            clock.advance(event)
            continue
        if state == "open" and clock.time() >= opened_at + reset_after:
            state = "half_open"
        refused = state == "open" or (state == "half_open" and probing)
        if event == "probe-out":
            if refused:
                with pytest.raises(CircuitOpen):
                    breaker.before()
            else:
                breaker.before()
                probing = state == "half_open"
            continue
        if refused:
            with pytest.raises(CircuitOpen):
                breaker.before()
            continue
        breaker.before()
        if event in ("ok", "answer"):  # an answer that is not a tripping failure: the service is up
            breaker.success() if event == "ok" else breaker.failure(KeyError("answer"))
            state, in_row, probing = "closed", 0, False
        else:
            breaker.failure(ValueError("down"))
            in_row += 1
            probing = False
            if state == "half_open" or in_row >= failures:
                state, opened_at = "open", clock.time()
        assert breaker.state == state, (event, breaker.changes)
    changes = [c.state for c in breaker.changes]
    assert all(a != b for a, b in zip(changes, changes[1:])), changes  # every change is a change


async def test_serve_apps_stripe_calls_have_per_phase_timeouts_and_count_towards_its_breaker(monkeypatch):
    """build_shop's Stripe client: a Stripe that accepts and never answers costs a read timeout per try (the
    SDK's two retries included), not the SDK's 80 s default; the gateway says Stripe is unavailable and its
    breaker counts one failure."""
    from integration_lab.app import service
    from integration_lab.app.payments.stripe_gateway import StripeUnavailable
    from integration_lab.runtime.stalls import never_reads

    monkeypatch.setattr(service, "STRIPE_TIMEOUT", httpx.Timeout(5.0, read=0.3))
    async with never_reads() as silent:
        shop = await service.build_shop(service.Options(stripe_api_key="sk_test_lab", stripe_api_base=silent))
        try:
            await shop.ledger.open_order(1250, "USD", "o1")
            started = asyncio.get_running_loop().time()
            with pytest.raises(StripeUnavailable) as unavailable:
                await asyncio.wait_for(shop.parts.stripe.open_intent("o1"), 20)
            took = asyncio.get_running_loop().time() - started
        finally:
            await shop.backend.close()
    assert "A ReadTimeout was raised" in str(unavailable.value.__cause__)  # the SDK's APIConnectionError
    assert 0.9 <= took < 10  # three tries of 0.3 s each, plus the SDK's backoff between them
    assert shop.breakers["stripe"].describe()["failures"] == 1
