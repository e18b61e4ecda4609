"""The Lua scripts as Redis is sent them: code only, every one still valid and still named by its SHA."""

import hashlib
from importlib.resources import files

import pytest

from integration_lab.app.scripts import lua_source, minify, script_name

NAMES = sorted(f.name[:-4] for f in files("integration_lab.app.lua").iterdir() if f.name.endswith(".lua"))


def test_comments_indentation_and_blank_lines_go_strings_stay():
    source = """-- a header
local a = '--not a comment'  -- a comment
  local b = "say \\"--\\" here" -- another

if a then return 'it''s' end
"""
    assert minify(source) == """local a = '--not a comment'
local b = "say \\"--\\" here"
if a then return 'it''s' end"""


@pytest.mark.parametrize("text", ["local s = [[-- kept]]\n", "--[[ a long\ncomment ]]\nreturn 1\n", "x = [==[a]==]"])
def test_long_brackets_are_left_alone(text):
    assert minify(text) == text


@pytest.mark.parametrize("name", NAMES)
def test_every_script_is_sent_without_comments_and_is_named_by_its_sha(name):
    sent = lua_source(name)
    assert sent and not any(line.lstrip().startswith("--") for line in sent.splitlines())
    assert script_name(hashlib.sha1(sent.encode()).hexdigest()) == name
    assert script_name("0" * 40) == "0" * 40


@pytest.mark.parametrize("name", NAMES)
async def test_every_script_still_compiles(lab, name):
    sha = await lab.redis.script_load(lua_source(name))
    assert (await lab.redis.script_exists(sha)) == [True]
