"""The drift check (fakes/telegram/drift.py) in `make test`: every method and every field of every type the
pinned clients (aiogram, python-telegram-bot) know is in the vendored catalogue and answered by the fake. The
check is broken on purpose once per kind of drift, on copies of the catalogue, to show it fails."""

from __future__ import annotations

import copy
import json
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
    aiogram, ptb, grammy = knowns
    assert len(aiogram.methods) >= 185 and len(aiogram.types) >= 390  # aiogram 3.31: Bot API 10.3
    assert {"text", "chat_id", "reply_markup"} <= aiogram.methods["sendMessage"]
    assert "reply_to_message_id" not in aiogram.methods["sendMessage"]  # deprecated: Telegram's page dropped it
    assert {"message_id", "chat", "photo"} <= aiogram.types["Message"]
    assert aiogram.types["MenuButtonCommands"] == {"type"}  # not the union's fields it inherits in aiogram
    assert {"sendMessage", "getMe", "setMyCommands", "close", "logOut"} <= set(ptb.methods)
    assert grammy.client == "@grammyjs/types 5.0.0" and len(grammy.methods) == 185 and len(grammy.types) >= 340
    assert {"chat_id", "text", "ephemeral_message_parameters"} <= grammy.methods["sendMessage"]
    assert "reply_to_message_id" not in grammy.methods["sendMessage"]  # @deprecated in its doc comment


def test_a_field_missing_from_the_catalogue_is_drift(knowns):
    broken = copy.deepcopy(catalogue.API)
    broken["methods"]["sendMessage"]["fields"] = [f for f in broken["methods"]["sendMessage"]["fields"]
                                                  if f["name"] != "reply_markup"]
    broken["types"]["Message"]["fields"] = [f for f in broken["types"]["Message"]["fields"] if f["name"] != "photo"]
    drifts = drift.check(broken, METHODS, knowns)
    assert drift.Drift(knowns[0].client, "method field missing", "sendMessage.reply_markup") in drifts
    assert drift.Drift(knowns[0].client, "type field missing", "Message.photo") in drifts
    assert drift.Drift(knowns[2].client, "method field missing", "sendMessage.reply_markup") in drifts
    assert len(drifts) == 3  # grammY's Message is spread over declarations it extends: not compared
    assert "sendMessage.reply_markup" in drift.report(drifts, knowns, "broken")


def test_a_method_or_type_missing_or_unanswered_is_drift(knowns):
    broken = copy.deepcopy(catalogue.API)
    del broken["methods"]["setMyCommands"]
    del broken["types"]["PollAnswer"]
    answered = [name for name in METHODS if name != "sendphoto"]
    drifts = drift.check(broken, answered, knowns)
    aiogram, ptb, grammy = (k.client for k in knowns)
    assert {drift.Drift(client, "method missing", "setMyCommands") for client in (aiogram, ptb, grammy)} | {
        drift.Drift(client, "not answered", "sendPhoto") for client in (aiogram, ptb, grammy)} | {
        drift.Drift(aiogram, "type missing", "PollAnswer"), drift.Drift(grammy, "type missing", "PollAnswer")} == set(
        drifts)


def test_grammy_s_declarations_are_read_as_typescript_declares_them(tmp_path):
    (tmp_path / "package.json").write_text('{"version": "9.9.9"}')
    (tmp_path / "methods.d.ts").write_text("""export type ApiMethods<F> = {
    /** Use this method to send text messages.
        text: not a parameter, a line of the comment */
    sendMessage(args: {
        /** Unique identifier */
        chat_id: number | string;
        /** @deprecated Use `reply_parameters` instead. */
        reply_to_message_id?: number;
        text: string;
    }): Message.TextMessage;
    getMe(): UserFromGetMe;
};
""")
    (tmp_path / "manage.d.ts").write_text("""export interface User {
    /** Unique identifier
    Example: not a field */
    id: number;
    /**
     * @deprecated gone from the page
     */
    old?: true;
    first_name: string;
}
export interface UserFromGetMe extends User {
    can_join_groups: boolean;
}
""")
    read = drift.read_grammy(tmp_path)
    assert read["version"] == "9.9.9" and read["methods"] == {"getMe": [], "sendMessage": ["chat_id", "text"]}
    assert read["types"] == {"User": ["first_name", "id"]}


def test_the_vendored_reading_of_grammy_is_what_the_reader_makes():
    read = json.loads(drift.GRAMMY.read_text(encoding="utf-8"))
    assert read["version"] == "5.0.0" and "356285d138a6d5817bbd202671399ef804f6de1b" in read["source"]
    assert read["methods"]["deleteEphemeralMessage"] == ["chat_id", "ephemeral_message_id", "receiver_user_id"]


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
