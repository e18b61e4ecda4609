"""Scenario drivers beyond the notebooks' parameter sets: the steps a person may type in a widget panel
(some refused with a message saying what is allowed), and the matrix runner's refusals."""

from __future__ import annotations

import re

import pytest

import integration_lab as il
from integration_lab.app.catalog import Catalog
from integration_lab.app.sessions import SessionStore
from integration_lab.app.tagged_cache import TaggedCache
from integration_lab.app.telegram.client import Forbidden
from integration_lab.matrix import cli
from integration_lab.runtime.clock import SystemClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.runtime.keyspace import Keyspace
from integration_lab.scenarios import invalidation, offers, payme_cases, rate_limits, sessions
from integration_lab.scenarios.merchant import merchant_world
from integration_lab.scenarios.subscriptions import club_world
from integration_lab.scenarios.telegram import shop_world
from notebook_files import write_notebook


async def test_a_session_script_can_look_end_and_clean_up_and_refuses_unknown_actions(lab):
    store = SessionStore(lab.redis, lab.keys, lab.clock, ttl=60)
    steps = [{"at": 0, "user": 1, "do": "start"}, {"at": 1, "user": 1, "do": "look"},
             {"at": 2, "user": 1, "do": "end"}, {"at": 3, "user": 1, "do": "look"},
             {"at": 4, "user": 2, "do": "start"}, {"at": 100, "do": "cleanup"}, {"at": 101, "do": "cleanup"}]
    transcript = await sessions.play(lab, store, steps)
    assert list(transcript["outcome"]) == ["ok", "ok", "ok", "no session", "ok", "cleaned: 2", "cleaned: nobody"]
    assert sessions.errors(transcript) == []
    with pytest.raises(ValueError, match="unknown action 'teleport'; use one of start, look"):
        await sessions.play(lab, store, [{"at": 0, "user": 1, "do": "teleport"}])


@pytest.mark.parametrize(("burst", "message"), [
    ({"at": 0, "count": 2, "every": 1}, r"unknown: \['every'\]"),
    ({"at": 0, "count": 0}, "positive count"),
    ({"at": 0, "count": 2, "spacing": -1}, "non-negative spacing"),
])
def test_a_traffic_plan_with_a_bad_burst_is_refused(burst, message):
    with pytest.raises(ValueError, match=message):
        rate_limits.traffic_times([burst])


async def test_invalidation_refuses_an_unknown_kind_and_names_the_kinds(lab):
    catalog = Catalog(TaggedCache(lab.redis, lab.keys, lab.clock), {1: {"price": 100}})
    kinds = ", ".join(invalidation.KINDS)
    with pytest.raises(ValueError, match=f"unknown invalidation 'everything'; use one of {kinds}"):
        await invalidation.invalidate(lab, catalog, "everything", "")


async def test_an_offer_plan_with_an_unknown_step_is_refused(lab):
    world = await merchant_world(lab)
    order = await world.order(500000)
    with pytest.raises(ValueError, match="unknown step 'cash'"):
        await offers.offer(world, order, ["cash"])
    table = await payme_cases.transaction_table(world, "")  # a case that never created a transaction
    assert table.empty and "payme's record" in table.columns


async def test_the_telegram_world_refuses_unknown_modes_steps_and_buttons(lab):
    with pytest.raises(ValueError, match="mode is 'polling', 'webhook' or 'manual'"):
        await shop_world(lab, mode="carrier-pigeon")
    world = await shop_world(lab, mode="manual")
    try:
        with pytest.raises(ValueError, match="use says, presses, wait or blocks"):
            await world.play([{"user": "Ada", "sings": "/start"}])
        await world.says("Ada", "/start")
        assert await world.sync() == []  # manual: nobody answers but the notebook
        with pytest.raises(LookupError, match="no button 'Checkout' in Ada's chat"):
            await world.presses("Ada", "Checkout")
        await world.play([{"user": "Ada", "blocks": True}])
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await world.api.send_message(world.user("Ada")["id"], "still there?")
        info = await world.webhook_info()
        assert list(info.columns) == ["url", "pending_update_count", "last_error_message"]
    finally:
        await world.close()


async def test_a_webhook_world_delivers_what_people_say(lab):
    world = await shop_world(lab, mode="webhook")
    try:
        handled = await world.play([{"user": "Ada", "says": "/start"}])
        assert list(handled["input"]) == ["/start"] and list(handled["user"]) == ["Ada"]
        assert (await world.webhook_info()).loc[0, "pending_update_count"] == 0
    finally:
        await world.close()


async def test_a_live_lab_runs_on_the_system_clock():
    lab = await il.setup("test/live-clock", live=True)
    try:
        assert isinstance(lab.clock, SystemClock) and re.fullmatch(r"Lab\('test/live-clock', clock at .+ UTC\)",
                                                                   repr(lab))
    finally:
        await lab.backend.clean()
        await lab.close()


def test_ids_count_per_name_and_keyspaces_take_their_prefix_as_given():
    ids = IdFactory(1)
    assert [ids.sequence("order"), ids.sequence("order"), ids.sequence("refund")] == [1, 2, 1]
    keys = Keyspace("lab:shop:")
    assert keys.key("order", 7) == "lab:shop:order:7" and repr(keys) == "Keyspace('lab:shop:')"
    with pytest.raises(ValueError, match="non-empty parts"):
        keys.key("order", "")


def test_the_matrix_refuses_a_parameter_set_that_is_no_mapping(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # run_matrix moves into the root; this puts the test's directory back
    write_notebook(tmp_path / "notebooks" / "area" / "01_x.ipynb", "n = 1", "assert n == 1")
    (tmp_path / "notebooks" / "area" / ".ipynb_checkpoints").mkdir()
    write_notebook(tmp_path / "notebooks" / "area" / ".ipynb_checkpoints" / "01_x-checkpoint.ipynb", "n = 1")
    assert cli.run_matrix(tmp_path, only="no-such-notebook") == 2
    assert "no notebook matches 'no-such-notebook'" in capsys.readouterr().err
    sets = tmp_path / "parameters" / "area" / "01_x"
    sets.mkdir(parents=True)
    (sets / "listed.yaml").write_text("- n: 2\n")
    assert cli.run_matrix(tmp_path) == 2
    assert "listed.yaml: a parameter set is a mapping of name: value" in capsys.readouterr().err


async def test_the_club_world_refuses_an_unknown_provider(lab):
    with pytest.raises(ValueError, match="provider is one of stripe, stars, not 'paypal'"):
        await club_world(lab, "paypal")


@pytest.mark.parametrize("test_clock", [True, False])
async def test_the_club_panel_moves_the_clock_and_a_stripe_renewal_follows_on_either_clock(lab, test_clock):
    world = await club_world(lab, "stripe", test_clock=test_clock)
    await world.join()
    happened = await world.try_advance(32)  # the Try-it panel: a month and a day later
    assert "invoice.paid" in set(happened["what"]) and world.renewals() == 1
    assert (world.provider_subscription()["test clock"] != "").all() == test_clock
    assert (await world.member_now())["member"]
    assert world.picture()._repr_png_().startswith(b"\x89PNG")
    await world.close()
