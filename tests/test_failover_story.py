"""The failover story's driver (scenarios/failover.py), beyond what its notebook runs: its refusals, the Try-it
panel's another_story, and the picture beside the timeline."""

from __future__ import annotations

import re

import pytest

from integration_lab.runtime import lab as runtime_lab
from integration_lab.runtime.replication import ReplicatedPair
from integration_lab.scenarios import failover

pytestmark = pytest.mark.redis_free  # the story's Redis is the model
SCENARIO = "test/failover-story"


@pytest.fixture
async def modelled():
    pair = ReplicatedPair()
    lab = await runtime_lab.setup(SCENARIO, start="2026-01-05T09:00:00Z", seed=25, backend=pair.backend(SCENARIO))
    yield lab, pair
    await lab.close()
    await pair.close()


async def test_an_unknown_place_to_wait_is_refused(modelled):
    with pytest.raises(ValueError, match="choose from webhook, outbox"):
        await failover.failover_world(*modelled, ["checkout"])


async def test_a_lab_on_another_redis_is_refused(lab):
    with pytest.raises(ValueError, match="backend=pair.backend"):
        await failover.failover_world(lab, ReplicatedPair())


async def test_another_story_on_a_fresh_pair_keeps_every_promise_when_both_places_wait(modelled):
    lab, _ = modelled
    verdict = await failover.another_story(lab, link_held=True, outbox_drains_before_kill=True,
                                           wait_for_replica=("webhook", "outbox"))
    assert list(verdict.columns) == ["promise", "before the repair", "after the repair"]
    assert verdict[["before the repair", "after the repair"]].all().all(), verdict


async def test_the_picture_draws_a_row_per_step_with_its_time(modelled):
    world = await failover.failover_world(*modelled)
    try:
        await failover.play(world, link_held=True, outbox_drains_before_kill=False)
        table = world.timeline_table()
        picture = failover.timeline_picture(table, "killed before replication")
        assert picture._repr_png_().startswith(b"\x89PNG")
        times = [t.get_text() for t in picture.figure.axes[0].texts if re.fullmatch(r"[\d.]+ s", t.get_text())]
        assert times == [f"{t:g} s" for t in table["t (s)"]]
        assert "killed: 6 acknowledged write(s) never reached node B" in table["message"].tolist()
    finally:
        await world.close()
