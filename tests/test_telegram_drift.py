"""The drift check (fakes/telegram/drift.py) in `make test`: every method and every field of every type the
pinned clients (aiogram, python-telegram-bot) know is in the vendored catalogue and answered by the fake. The
check is broken on purpose once per kind of drift, on copies of the catalogue, to show it fails."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from integration_lab.fakes.telegram import catalogue, drift
from integration_lab.fakes.telegram.registry import METHODS

pytestmark = pytest.mark.redis_free


@pytest.fixture(scope="module")
def knowns():
    return drift.knowns()


def test_the_pinned_clients_know_nothing_the_catalogue_and_the_fake_lack(knowns):
    drifts = drift.check(catalogue.API, METHODS, knowns)
    assert drifts == [], drift.report(drifts, knowns, catalogue.VERSION)


def test_the_clients_are_read_whole(knowns):
    aiogram, ptb = knowns
    assert len(aiogram.methods) >= 185 and len(aiogram.types) >= 390  # aiogram 3.31: Bot API 10.3
    assert {"text", "chat_id", "reply_markup"} <= aiogram.methods["sendMessage"]
    assert "reply_to_message_id" not in aiogram.methods["sendMessage"]  # deprecated: Telegram's page dropped it
    assert {"message_id", "chat", "photo"} <= aiogram.types["Message"]
    assert aiogram.types["MenuButtonCommands"] == {"type"}  # not the union's fields it inherits in aiogram
    assert {"sendMessage", "getMe", "setMyCommands", "close", "logOut"} <= set(ptb.methods)


def test_a_field_missing_from_the_catalogue_is_drift(knowns):
    broken = copy.deepcopy(catalogue.API)
    broken["methods"]["sendMessage"]["fields"] = [f for f in broken["methods"]["sendMessage"]["fields"]
                                                  if f["name"] != "reply_markup"]
    broken["types"]["Message"]["fields"] = [f for f in broken["types"]["Message"]["fields"] if f["name"] != "photo"]
    drifts = drift.check(broken, METHODS, knowns)
    assert drift.Drift(knowns[0].client, "method field missing", "sendMessage.reply_markup") in drifts
    assert drift.Drift(knowns[0].client, "type field missing", "Message.photo") in drifts
    assert len(drifts) == 2
    assert "sendMessage.reply_markup" in drift.report(drifts, knowns, "broken")


def test_a_method_or_type_missing_or_unanswered_is_drift(knowns):
    broken = copy.deepcopy(catalogue.API)
    del broken["methods"]["setMyCommands"]
    del broken["types"]["PollAnswer"]
    answered = [name for name in METHODS if name != "sendphoto"]
    drifts = drift.check(broken, answered, knowns)
    aiogram, ptb = (k.client for k in knowns)
    assert {drift.Drift(aiogram, "method missing", "setMyCommands"), drift.Drift(ptb, "method missing", "setMyCommands"),
            drift.Drift(aiogram, "type missing", "PollAnswer"), drift.Drift(aiogram, "not answered", "sendPhoto"),
            drift.Drift(ptb, "not answered", "sendPhoto")} == set(drifts)


def test_the_command_prints_the_drift_and_its_status_says_so(tmp_path):
    done = subprocess.run([sys.executable, "-m", "integration_lab", "catalogue", "drift"], capture_output=True,
                          text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"no drift: {catalogue.VERSION}")


def test_the_command_fails_when_something_drifted(monkeypatch, capsys):
    real = drift.check
    monkeypatch.setattr(drift, "check", lambda api, answered, knowns: real(api, [], knowns))  # the fake answers none
    assert drift.main() == 1
    out = capsys.readouterr().out
    assert "not answered: sendMessage" in out and out.split()[1] == "drifted"
