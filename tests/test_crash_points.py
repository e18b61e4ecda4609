"""The crash-point sweep: every flow, every cut point, on fakeredis and on a real server.

Each flow is cut before each of its Redis commands in turn; the provider resends as it does; every cut
must be repaired (same final answers as the uncut run, nothing paid twice, no paid payment missing from the
ledger or the provider's statement, the same keys; for the club's renewals, the same membership and notices). Run against the handlers before they were made
crash-safe, the sweep reported Payme's HSETNX/HSET/ZADD, Click's SET/HSET, every Stripe-webhook ledger
step and most shop-bot steps as stranded; the tests below fail on that code.
"""

from __future__ import annotations

import pytest

from integration_lab.app.shop.club_sales import ClubSales
from integration_lab.app.shop.outbox import Job
from integration_lab.runtime.redis_cut import RedisCut, RedisCutError
from integration_lab.scenarios.crash_points import FLOWS, sweep


@pytest.mark.parametrize("flow", FLOWS)
async def test_every_cut_point_is_repaired_by_the_providers_resend(lab, flow):
    table = await sweep(lab, flow)
    assert len(table) > 5  # each flow runs several Redis commands
    # a read-only command that met the cut is answered from the source, and no write is left half done
    answered = table["outcome"] == "answered without Redis"
    assert set(table.loc[answered, "request"]) <= {"/catalog", "/help"}, table[answered].to_string()
    assert list(table["outcome"][:-1][~answered[:-1]]) == ["repaired"] * int((~answered[:-1]).sum()), \
        table[(table["outcome"] != "repaired") & ~answered].to_string()
    assert table["outcome"].iloc[-1] == "not reached"
    assert (table["resends"][:-1] <= 1).all()  # the first resend after reconnecting is enough


@pytest.mark.parametrize("flow", FLOWS)
async def test_a_connection_lost_inside_a_pipeline_is_repaired_too(lab, flow):
    """A plain pipeline (one round trip, app/batch.py) is not atomic: the server may have run a part of it when
    the connection drops. Every such part, of every pipeline of every flow, is repaired by the resend."""
    table = await sweep(lab, flow, within_pipelines=True)
    inside = table[table["cut before"].str.contains(r"\) after \d+$")]
    answered = inside["outcome"] == "answered without Redis"
    assert set(inside.loc[answered, "request"]) <= {"/catalog", "/help"}, inside[answered].to_string()
    assert (inside["outcome"][~answered] == "repaired").all(), inside[inside["outcome"] != "repaired"].to_string()


async def test_a_cut_inside_a_pipeline_runs_its_first_commands_then_fails(lab):
    cut = RedisCut.of(lab.redis)
    cut.fail_after(0, within=1)
    async with lab.redis.pipeline(transaction=False) as pipe:
        pipe.set(lab.keys.key("{t}", "a"), 1).set(lab.keys.key("{t}", "b"), 2)
        with pytest.raises(RedisCutError):
            await pipe.execute()
    with pytest.raises(RedisCutError):  # once: the connection is down from then on
        await lab.redis.get(lab.keys.key("{t}", "a"))
    cut.reconnect()
    assert await lab.redis.mget(lab.keys.key("{t}", "a"), lab.keys.key("{t}", "b")) == ["1", None]


async def test_a_cut_lets_k_commands_through_then_fails_every_command_until_reconnected(lab):
    cut = RedisCut(lab.redis)
    cut.fail_after(2)
    await lab.redis.set(lab.keys.key("{t}", "a"), 1)
    async with lab.redis.pipeline(transaction=True) as pipe:  # a MULTI/EXEC is one round trip
        pipe.set(lab.keys.key("{t}", "b"), 2).set(lab.keys.key("{t}", "c"), 3)
        await pipe.execute()
    for attempt in (lab.redis.get(lab.keys.key("{t}", "a")), lab.redis.get(lab.keys.key("{t}", "a"))):
        with pytest.raises(RedisCutError):
            await attempt
    assert cut.tripped and not cut.connected
    cut.reconnect()
    assert await lab.redis.mget(lab.keys.key("{t}", "a"), lab.keys.key("{t}", "b"), lab.keys.key("{t}", "c")) == ["1", "2", "3"]
    with pytest.raises(ValueError):
        cut.fail_after(-1)


async def _remembered_before_queued(self, user_id, chat_id, notice, text):
    """A club notice marked told before it is queued: a cut between the two loses it."""
    if chat_id is None or await self.store.told(user_id, notice):
        return
    await self.store.mark_told(user_id, notice)
    await self.outbox.enqueue(Job(f"club:{user_id}:{notice}", int(chat_id), text))


async def _queued_per_delivery(self, user_id, chat_id, notice, text):
    """A club notice queued under a fresh job id each time, never remembered: a resend tells the buyer twice."""
    self.sent = getattr(self, "sent", 0) + 1
    await self.outbox.enqueue(Job(f"club:{user_id}:{notice}:{self.sent}", int(chat_id), text))


@pytest.mark.parametrize("flow", ["stripe-club-renewal", "stars-club-renewal"])
async def test_the_club_flows_judge_the_membership_and_its_notices(lab, monkeypatch, flow):
    monkeypatch.setattr(ClubSales, "notify", _remembered_before_queued)
    assert "stranded" in set((await sweep(lab, flow))["outcome"])  # a renewal's notice lost
    monkeypatch.setattr(ClubSales, "notify", _queued_per_delivery)
    assert "doubled" in set((await sweep(lab, flow))["outcome"])  # a renewal told twice
