"""`python -m integration_lab catalogue build --from-html PAGE --out FILE` and `catalogue diff OLD NEW`
(integration_lab/specs/build_bot_api.py).

The page is tests/fixtures/bot-api-page.html: a small page of our own in the structure of
https://core.telegram.org/bots/api. tests/fixtures/bot-api-page.json is what the scraper the vendored catalogue
came from (PaulSonOfLars/telegram-bot-api-spec's scrape.py, on BeautifulSoup and html5lib) made of that page; the
builder must make the same, byte for byte. (On the real pages of June 18 and July 20, 2026 it gives the vendored
Bot API 10.1 file back exactly and the same 10.2 file as that scraper: SOURCES.md.)
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from integration_lab.__main__ import main
from integration_lab.specs import BOT_API, bot_api
from integration_lab.specs.build_bot_api import build, diff, dumps, parse_html

pytestmark = pytest.mark.redis_free

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGE = FIXTURES / "bot-api-page.html"
EXPECTED = FIXTURES / "bot-api-page.json"


def test_the_page_builds_into_what_the_scraper_made_of_it():
    catalogue, problems = build(PAGE.read_text(encoding="utf-8"))
    assert problems == []
    assert dumps(catalogue) == EXPECTED.read_text(encoding="utf-8")


def test_the_catalogue_rules_on_the_page():
    catalogue, _ = build(PAGE.read_text(encoding="utf-8"))
    methods, types = catalogue["methods"], catalogue["types"]
    assert (catalogue["version"], catalogue["release_date"], catalogue["changelog"]) == (
        "Bot API 10.2", "July 14, 2026", "https://core.telegram.org/bots/api#july-14-2026")
    assert "Formatting options" not in types and "formatting-options" not in methods  # a dashed anchor: a section
    send = {f["name"]: f for f in methods["sendTestMessage"]["fields"]}
    assert (send["chat_id"]["types"], send["chat_id"]["required"]) == (["Integer", "String"], True)
    assert send["photo"]["description"].endswith(": https://core.telegram.org/bots/api#sending-files")  # "»" links
    assert methods["editTestMessageText"]["returns"] == ["Message", "Boolean"]
    assert methods["getTestMe"]["returns"] == ["User"] and "fields" not in methods["getTestMe"]
    message = {f["name"]: f for f in types["Message"]["fields"]}
    assert (message["from"]["required"], message["message_id"]["required"]) == (False, True)
    dice = 'Optional. Value of the dice, 1-6 for "🎲" dice... and 1-64 for "🎰"'  # images, quotes, … and dash
    assert message["dice_value"]["description"] == dice
    assert types["User"]["fields"][-1]["types"] == ["Boolean"]  # "True" is spelled Boolean
    assert types["PhotoSize"]["fields"][-1]["types"] == ["Float"]  # "Float number"
    assert types["MessageOrigin"]["subtypes"] == ["MessageOriginUser", "MessageOriginChat"]
    assert types["MessageOriginChat"]["subtype_of"] == ["MessageOrigin"]
    # the members said in words, then the listed ones
    assert types["RichText"]["subtypes"] == ["String", "Array of RichText", "RichTextBold"]
    assert types["Update"]["description"] == ["This object is an incoming update.",
                                              "At most one of the optional fields is present."]  # <br> splits lines


def test_the_builder_writes_in_the_vendored_files_format():
    """The vendored file is its own JSON as `dumps` writes it, and each entry's keys come in one of its orders."""
    raw = BOT_API.read_text(encoding="utf-8")
    assert dumps(json.loads(raw)) == raw
    built, _ = build(PAGE.read_text(encoding="utf-8"))
    assert list(built) == list(bot_api())
    for kind in ("methods", "types"):
        orders = {tuple(entry) for entry in bot_api()[kind].values()}
        assert {tuple(entry) for entry in built[kind].values()} <= orders, kind
    field_keys = {tuple(f) for entry in bot_api()["methods"].values() for f in entry.get("fields", [])}
    assert field_keys == {("name", "types", "required", "description")}


def test_unclosed_paragraphs_and_list_items_end_where_html_says():
    root = parse_html("<div><p>one<p>two<table><tr><td>a<td>b</table><ul><li>x<li>y</ul></div>")
    div = root.elements()[0]
    assert [e.name for e in div.elements()] == ["p", "p", "table", "ul"]
    assert [li.text() for li in div.first("ul").elements()] == ["x", "y"]
    assert [td.text() for td in div.first("tr").elements()] == ["a", "b"]


def test_a_page_that_does_not_add_up_is_refused(tmp_path, capsys):
    page = PAGE.read_text(encoding="utf-8").replace("<td><a href=\"#user\">User</a></td>",
                                                    "<td><a href=\"#sender\">Sender</a></td>", 1)
    _, problems = build(page)
    assert problems == ["Message.from: unknown type Sender"]
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["catalogue", "build", "--from-html", str(tmp_path / "page.html"), "--out", str(out)]) == 1
    assert not out.exists() and "unknown type Sender" in capsys.readouterr().err
    with pytest.raises(ValueError, match="dev_page_content"):
        build("<html><body><p>Not the page</p></body></html>")


def test_the_build_command(tmp_path, capsys):
    out = tmp_path / "new" / "api.json"  # its folder is made
    assert main(["catalogue", "build", "--from-html", str(PAGE), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == EXPECTED.read_text(encoding="utf-8")
    assert capsys.readouterr().out == f"{out}: Bot API 10.2, July 14, 2026: 6 methods, 11 types\n"


# ---- diff ----------------------------------------------------------------------------------------------------
def changed_copy() -> dict:
    new = copy.deepcopy(bot_api())
    new["version"], new["release_date"] = "Bot API 10.9", "December 1, 2026"
    new["methods"]["sendPing"] = {"name": "sendPing", "href": "https://core.telegram.org/bots/api#sendping",
                                  "description": ["Returns True on success."], "returns": ["Boolean"],
                                  "fields": [{"name": "chat_id", "types": ["Integer"], "required": True,
                                              "description": "Chat"}]}
    del new["methods"]["getMe"]
    send = new["methods"]["sendMessage"]["fields"]
    send.append({"name": "ping", "types": ["Boolean"], "required": False, "description": "Optional. Ping"})
    text = next(f for f in send if f["name"] == "text")
    text["types"], text["required"] = ["String", "RichText"], False
    send.remove(next(f for f in send if f["name"] == "parse_mode"))
    new["methods"]["sendMessage"]["fields"][0]["description"] = "reworded: not a change of shape"
    del new["types"]["Dice"]
    new["types"]["MessageOrigin"]["subtypes"].remove("MessageOriginChannel")
    new["methods"]["getChat"]["returns"] = ["Chat"]
    return new


def test_diff_names_every_change():
    old = bot_api()
    lines = diff(old, changed_copy())
    assert lines[:3] == ["version      Bot API 10.1 -> Bot API 10.9",
                         "release_date June 11, 2026 -> December 1, 2026",
                         "changelog    https://core.telegram.org/bots/api#june-11-2026"]
    assert lines[3:] == [
        "methods      180 -> 180: 1 added, 1 removed, 2 changed",
        "+ method sendPing: chat_id",
        "- method getMe",
        "~ method sendMessage",
        "    + ping: Boolean, optional",
        "    - parse_mode: String, optional",
        "    ~ text: String, required -> String or RichText, optional",
        "~ method getChat",
        "    returns: +Chat, -ChatFullInfo",
        "types        359 -> 358: 0 added, 1 removed, 1 changed",
        "- type Dice",
        "~ type MessageOrigin",
        "    subtypes: -MessageOriginChannel",
    ]


def test_diff_of_a_file_with_itself_changes_nothing():
    assert diff(bot_api(), bot_api())[3:] == ["methods      180 -> 180: 0 added, 0 removed, 0 changed",
                                              "types        359 -> 359: 0 added, 0 removed, 0 changed"]


def test_the_diff_command(tmp_path, capsys):
    new = tmp_path / "new.json"
    new.write_text(dumps(changed_copy()), encoding="utf-8")
    assert main(["catalogue", "diff", str(BOT_API), str(new)]) == 0
    assert capsys.readouterr().out.splitlines() == diff(bot_api(), changed_copy())


def test_catalogue_alone_still_prints_the_versions(capsys):
    assert main(["catalogue"]) == 0
    assert capsys.readouterr().out.startswith("telegram-bot-api.json\n  version   Bot API 10.1\n")
