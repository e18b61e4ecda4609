"""The in-process load run: a small crowd with faults keeps every promise, and the checks that say so can fail.

A run of 150 buyers (every route, every fault, buyers who abandon and who pay twice) keeps them all; another
is broken promise by promise afterwards, and each check counts exactly what was broken.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

import pytest

import integration_lab as il
from integration_lab.load import cli, invariants, report
from integration_lab.load.engine import run_load
from integration_lab.load.plan import DEFAULT_MIX, FAULTS, draw, parse_faults, parse_mix

BUYERS = 150
FAULT_SHARES = "redis-cut=0.15,restart=0.1,telegram-5xx=0.15"
SUMMARY = re.compile(r"^journeys=(\d+) seconds=[\d.]+ p95_ms=[\d.]+ rss_mb=\d+ violations=(\d+)$")


@pytest.fixture
async def crowd(request):
    lab = await il.setup("test/load-" + request.node.name, seed=11)
    run = await run_load(lab, draw(BUYERS, DEFAULT_MIX, parse_faults(FAULT_SHARES), 11))
    yield run
    await lab.backend.clean()
    await lab.close()


CLEAN = {"paid at most once": 0, "paid ⇒ delivered once": 0, "ledger = providers' statements": 0,
         "stock never negative": 0, "stock adds up": 0, "pre-checkout answered inside 10 s": 0}


def _violations(table) -> dict:
    return dict(zip(table["invariant"], table["violations"]))


async def test_a_crowd_with_faults_keeps_every_promise(crowd):
    table = await invariants.check(crowd)
    assert invariants.violations(table) == 0, table
    assert all(table["checked"] > 0), table
    outcomes = invariants.outcomes(crowd)
    total = outcomes.iloc[-1]
    assert total["buyers"] == BUYERS and "walking" not in outcomes
    assert total["paid"] > BUYERS / 2 and total["abandoned"] > 0 and total["sold out"] > 0, outcomes
    struck = dict(zip(*invariants.troubles(crowd)[["trouble", "struck"]].T.values))
    assert all(struck.get(fault, 0) > 0 for fault in FAULTS), struck  # every fault really happened
    assert crowd.restarts > 0 and crowd.cuts > 0
    # every step was timed, and every update of every buyer was handled
    lat = report.latencies(crowd, by_kind=False).set_index("step")
    assert (lat["count"] > 0).all(), lat
    assert {"message", "button", "pre_checkout_query", "successful_payment"} <= {k for s, k in crowd.timings.kinds
                                                                               if s == "update"}
    assert crowd.redis_commands / BUYERS > 10


async def test_a_crowd_handled_concurrently_keeps_every_promise(request):
    """The bot handles each getUpdates batch through lanes (16 at once, each buyer's updates in order): Redis
    cuts then strike whichever handler is on the wire, and restarts stop a batch half-handled."""
    lab = await il.setup("test/load-" + request.node.name, seed=12)
    try:
        run = await run_load(lab, draw(BUYERS, DEFAULT_MIX, parse_faults(FAULT_SHARES), 12), concurrency=16)
        table = await invariants.check(run)
        assert invariants.violations(table) == 0, table
        assert run.restarts > 0 and run.cuts > 0
        assert invariants.outcomes(run).iloc[-1]["paid"] > BUYERS / 2
    finally:
        await lab.backend.clean()
        await lab.close()


async def test_each_broken_promise_is_counted(crowd):
    """Break the promises one after another on the finished run; each check counts what was just broken."""
    world = crowd.world
    paid = next(j for j in crowd.journeys.values() if j.outcome == "paid" and j.buyer.behaviour == "pays")
    goods = next(m.text for m in world.telegram.default_bot.chats[paid.chat_id].messages.values()
                 if (m.text or "").startswith(f"Your order {paid.order_id} is ready"))
    await world.shop.bot.api.send_message(paid.chat_id, goods)  # the goods, a second time
    assert _violations(await invariants.check(crowd)) == {**CLEAN, "paid ⇒ delivered once": 1}

    stock = world.shop.stock
    await stock.redis.hincrby(stock._keys[0], "tea", -1)  # a unit vanishes from the shelf
    await stock.redis.hset(stock._keys[0], "beans", -1)
    assert _violations(await invariants.check(crowd)) == {**CLEAN, "paid ⇒ delivered once": 1, "stock adds up": 2,
                                                          "stock never negative": 1}

    order = next(j.order_id for j in crowd.journeys.values() if j.outcome == "paid" and j.buyer.route == "payme"
                 and j.buyer.behaviour == "pays")
    ledger = world.shop.ledger
    ghost = {**(await ledger.payments(order))[0], "provider": "click", "ref": "ghost-1"}
    await ledger.redis.hset(ledger._keys(order)[1], "click:ghost-1", json.dumps(ghost))  # past the ledger's checks
    crowd.precheckout_waits.append(10.5)
    assert _violations(await invariants.check(crowd)) == {
        "paid at most once": 1, "paid ⇒ delivered once": 1, "ledger = providers' statements": 1,  # Click never saw it
        "stock never negative": 1, "stock adds up": 2, "pre-checkout answered inside 10 s": 1}


def test_the_draw_is_the_seeds_and_the_options_are_checked():
    assert draw(50, DEFAULT_MIX, {}, 3) == draw(50, DEFAULT_MIX, {}, 3) != draw(50, DEFAULT_MIX, {}, 4)
    assert {b.route for b in draw(200, parse_mix("payme=1,click=0"), {}, 1)} == {"payme"}
    assert parse_faults("storm").keys() == set(FAULTS)
    for wrong in ("paypal=1", "stars=x", "stars=-1", "stars=0"):
        with pytest.raises(ValueError):
            parse_mix(wrong)
    with pytest.raises(ValueError):
        parse_faults("redis-cut=0.7,restart=0.6")


def test_the_command_prints_its_figures_and_ends_with_the_summary():
    done = subprocess.run([sys.executable, "-m", "integration_lab", "load", "--buyers", "40", "--quiet",
                           "--faults", "storm", "--seed", "2"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "REDIS_URL": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert SUMMARY.match(lines[-1]) and SUMMARY.match(lines[-1])[1] == "40", lines[-1]
    for heading in ("journeys/s", "Redis commands per journey", "peak RSS", "p95 ms", "paid at most once"):
        assert heading in done.stdout, heading
    bad = subprocess.run([sys.executable, "-m", "integration_lab", "load", "--buyers", "5", "--mix", "paypal=1"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown 'paypal'" in bad.stderr


def test_a_violation_makes_the_command_fail(monkeypatch, capsys):
    async def broken(run):
        table = await real_check(run)
        table.loc[0, "violations"] = 1
        return table

    real_check = invariants.check
    monkeypatch.setattr(invariants, "check", broken)
    args = argparse.Namespace(buyers=10, mix=None, faults=None, seed=1, quiet=True, concurrency=4)
    assert cli.main(args) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1].endswith("violations=1")
