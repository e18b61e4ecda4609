"""`python -m integration_lab catalogue build --from-gramio DIR --base FILE --out FILE`
(integration_lab/specs/from_gramio.py): a newer release's catalogue from the npm package `@gramio/types`, on a
catalogue built from Telegram's page.

The package is tests/fixtures/gramio-types/: declarations of our own in the structure of `@gramio/types`' out/
folder, one release on from tests/fixtures/bot-api-page.html, whose catalogue (bot-api-page.json) is the base.
(On the real packages: `@gramio/types` 10.1.0 on the catalogue of the 10.0 page gives the catalogue of the 10.1
page of the same day but for one field's description, and 10.3.1 on the 10.2 catalogue made
telegram-bot-api-10.3.json: SOURCES.md.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integration_lab.__main__ import main
from integration_lab.specs.build_bot_api import diff
from integration_lab.specs.from_gramio import catalogue_from_gramio, description_lines, plain, read_package

pytestmark = pytest.mark.redis_free

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PACKAGE, BASE = FIXTURES / "gramio-types", FIXTURES / "bot-api-page.json"
NUMBERS = {"getTestMemberCount.returns": "Integer", "getTestMemberCount.rating": "Float"}


@pytest.fixture(scope="module")
def base() -> dict:
    return json.loads(BASE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(base) -> dict:
    catalogue, problems = catalogue_from_gramio(read_package(PACKAGE), base, NUMBERS)
    assert problems == []
    return catalogue


def test_the_release_and_what_changed(base, built):
    assert diff(base, built) == [
        "version      Bot API 10.2 -> Bot API 10.3",
        "release_date July 14, 2026 -> August 24, 2026",
        "changelog    https://core.telegram.org/bots/api#july-14-2026 -> "
        "https://core.telegram.org/bots/api#august-24-2026",
        "methods      6 -> 7: 1 added, 0 removed, 1 changed",
        "+ method getTestMemberCount: chat_id, rating",
        "~ method sendTestMessage",
        "    + parse_mode: String, optional",
        "    + reply_markup: MessageOrigin, optional",
        "    - disable_notification: Boolean, optional",
        "types        11 -> 12: 1 added, 0 removed, 2 changed",
        "+ type Community: id, type",
        "~ type User",
        "    + community: Community, optional",
        "~ type Message",
        "    + date: Integer, optional",
    ]
    assert list(built["types"])[:3] == ["Update", "User", "Community"]  # the package's order: the page's
    assert built["methods"]["getTestMemberCount"]["href"] == "https://core.telegram.org/bots/api#gettestmembercount"


def test_what_typescript_cannot_say_comes_from_the_base(built):
    types = built["types"]
    assert types["PhotoSize"]["fields"][2]["types"] == ["Float"]  # number: the base's Float
    assert types["Message"]["fields"][-1]["types"] == ["Integer"]  # new `date`: Integer wherever else in the base
    assert types["Community"]["fields"][0]["types"] == ["Integer"]  # new `id`: the same
    assert types["PhotoSize"]["fields"][0]["types"] == ["String"]  # declared InputFile | string, the page: String
    assert types["RichText"]["subtypes"] == ["String", "Array of RichText", "RichTextBold"]  # members said in words
    assert types["RichTextBold"]["subtype_of"] == ["RichText"]
    assert built["methods"]["getTestPhotos"]["returns"] == ["Array of PhotoSize"]  # read as the page scraper does
    assert built["methods"]["editTestMessageText"]["returns"] == ["Message", "Boolean"]


def test_descriptions(base, built):
    types, methods = built["types"], built["methods"]
    assert types["User"]["description"] == ["This object represents a test user, bot or community."]  # changed
    assert types["Update"]["description"] == base["types"]["Update"]["description"]  # the package left a line out
    assert methods["getTestPhotos"]["description"] == base["methods"]["getTestPhotos"]["description"]
    assert types["Community"]["fields"][1]["description"] == 'Type of the community_chat, always "group"'
    assert types["Message"]["fields"] == base["types"]["Message"]["fields"] + [
        {"name": "date", "types": ["Integer"], "required": False,
         "description": "Optional. Date the message was last edited in Unix time"}]  # emoji, quotes, links as before
    assert methods["getTestUpdates"]["fields"][1]["description"] == (
        'A JSON-serialized list such as ["message"]. Please note: a second paragraph.')
    assert plain("[More about games »](https://core.telegram.org/bots/api#games)") == (
        "More about games: https://core.telegram.org/bots/api#games")
    assert description_lines("Text\n\n> A note in a block quote\n\n[![TITLE](/a.png)](/b.png)\n\n*   [A](#a)") == [
        "Text", "- A"]


def test_a_number_the_base_cannot_settle_is_a_problem(base):
    _, problems = catalogue_from_gramio(read_package(PACKAGE), base)
    assert [p.split(":")[0] for p in problems] == ["getTestMemberCount.returns", "getTestMemberCount.rating"]


def test_the_command(tmp_path, capsys):
    out = tmp_path / "api.json"
    args = ["catalogue", "build", "--from-gramio", str(PACKAGE), "--base", str(BASE), "--out", str(out)]
    assert main(args) == 1 and not out.exists()
    assert "--number getTestMemberCount.rating=Integer (or Float)" in capsys.readouterr().err
    assert main(args + ["--number", "getTestMemberCount.returns=Integer",
                        "--number", "getTestMemberCount.rating=Float"]) == 0
    assert capsys.readouterr().out == f"{out}: Bot API 10.3, August 24, 2026: 7 methods, 12 types\n"
    assert json.loads(out.read_text(encoding="utf-8"))["types"]["Community"]["fields"][0]["types"] == ["Integer"]
    assert main(args[:-4] + ["--out", str(out)]) == 2  # no --base
