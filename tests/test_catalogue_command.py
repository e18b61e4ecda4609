"""`python -m integration_lab catalogue` tells the vendored data's versions, counts, sources and sha256. The
figures are checked against the JSON files themselves and against the sha256 that SOURCES.md records; each Bot API
catalogue (10.1, which the tests use, and the later 10.2 and 10.3) is checked to add up."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.redis_free

SPECS = Path(__file__).resolve().parents[1] / "lib" / "integration_lab" / "specs"


@pytest.fixture(scope="module")
def printed() -> dict[str, dict[str, str]]:
    """The command's output: file name -> {label: value}."""
    out = subprocess.run([sys.executable, "-m", "integration_lab", "catalogue"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    blocks = {}
    for block in out.strip().split("\n\n"):
        name, *lines = block.splitlines()
        blocks[name] = dict(line.strip().split(None, 1) for line in lines)
    return blocks


def sha256(name: str) -> str:
    return hashlib.sha256((SPECS / name).read_bytes()).hexdigest()


def test_the_bot_api_catalogue_as_its_file_says(printed):
    api = json.loads((SPECS / "telegram-bot-api.json").read_text(encoding="utf-8"))
    shown = printed["telegram-bot-api.json"]
    assert (shown["version"], shown["released"]) == (api["version"], api["release_date"])
    assert shown["counts"] == f"{len(api['methods'])} methods, {len(api['types'])} types"
    assert shown["sha256"] == sha256("telegram-bot-api.json")
    assert "core.telegram.org/bots/api" in shown["source"] and shown["licence"].startswith("MIT")
    assert api["version"] == "Bot API 10.1" and len(api["methods"]) > 100  # the release the lab is built on


def test_the_later_bot_api_catalogues_as_their_files_say(printed):
    """Bot API 10.2 (built from the page) and 10.3 (from @gramio/types on it): vendored, not yet used by the tests."""
    for name, version, source in (("telegram-bot-api-10.2.json", "Bot API 10.2", "core.telegram.org/bots/api"),
                                  ("telegram-bot-api-10.3.json", "Bot API 10.3", "@gramio/types 10.3.1")):
        api = json.loads((SPECS / name).read_text(encoding="utf-8"))
        shown = printed[name]
        assert (shown["version"], shown["released"]) == (api["version"], api["release_date"])
        assert api["version"] == version
        assert shown["counts"] == f"{len(api['methods'])} methods, {len(api['types'])} types"
        assert shown["sha256"] == sha256(name) and source in shown["source"] and shown["licence"].startswith("MIT")
    assert list(printed)[:2] == ["telegram-bot-api.json", "stripe-fixtures3.json"]  # what the lab is built on first


@pytest.mark.parametrize("name", ["telegram-bot-api.json", "telegram-bot-api-10.2.json", "telegram-bot-api-10.3.json"])
def test_every_bot_api_catalogue_adds_up(name):
    """Every type a field, parameter or return names is in the file (or a core type), and each union's members
    name it in their subtype_of and nothing else does."""
    api = json.loads((SPECS / name).read_text(encoding="utf-8"))
    known = set(api["types"]) | {"String", "Boolean", "Integer", "Float"}
    named = [t for kind in ("methods", "types") for entry in api[kind].values()
             for t in [x for f in entry.get("fields", []) for x in f["types"]] + entry.get("returns", [])]
    assert {re.sub(r"^(Array of )+", "", t) for t in named} <= known
    members = {(m, union) for union, t in api["types"].items() for m in t.get("subtypes", []) if m in api["types"]
               and m != union}
    assert members == {(m, union) for m, t in api["types"].items() for union in t.get("subtype_of", [])}


def test_the_stripe_fixtures_as_their_file_says(printed):
    fixtures = json.loads((SPECS / "stripe-fixtures3.json").read_text(encoding="utf-8"))
    shown = printed["stripe-fixtures3.json"]
    assert shown["counts"] == f"{len(fixtures['resources'])} resources"
    assert shown["sha256"] == sha256("stripe-fixtures3.json")
    assert "stripe/openapi" in shown["version"] and re.fullmatch(r"\d{4}-\d\d-\d\d", shown["released"])
    assert "github.com/stripe/openapi" in shown["source"] and shown["licence"].startswith("MIT")


def test_every_vendored_file_is_shown_and_matches_sources_md(printed):
    """SOURCES.md records each file's sha256: a data file replaced without updating its provenance fails."""
    sources = (SPECS / "SOURCES.md").read_text(encoding="utf-8")
    data = sorted(p.name for p in SPECS.glob("*.json"))
    assert sorted(printed) == data
    for name in data:
        assert f"## {name}" in sources and f"sha256: {sha256(name)}" in sources, name
        licence = re.search(r"\((\S+\.LICENSE)\)", printed[name]["licence"]).group(1)  # "MIT (x.LICENSE)"
        assert (SPECS / licence).read_text().startswith(("MIT License", "The MIT License")), licence
