"""The short cuts the sendMessage path takes (ASCII text, short plain integers, a short body) give what the
general code gives."""

from __future__ import annotations

import re

import pytest

from integration_lab.fakes.telegram import params
from integration_lab.fakes.telegram.formatting import command_entities, utf16_len

pytestmark = pytest.mark.redis_free

_INTEGER = re.compile(r"-?[0-9]*", re.ASCII)


def _to_integer(value: str, bits: int = 32) -> int:  # the general reading, as before the short cut
    match = _INTEGER.match(value)
    number = int(match.group().lstrip("-")[-64:] or 0) % (1 << bits)
    if match.group().startswith("-"):
        number = -number % (1 << bits)
    return number - (1 << bits) if number >= 1 << (bits - 1) else number


TEXTS = ["", "0", "007", "12", "999999999", "1000000000", "2147483648", "4294967297", "-5", "12abc", "abc", "٣",
         "²", "1²", " 1", "+1", "9" * 30, "-" + "9" * 30]


@pytest.mark.parametrize("value", TEXTS)
def test_to_integer_short_cut_reads_as_the_general_reading(value):
    for bits in (32, 64):
        assert params.to_integer(value, bits) == _to_integer(value, bits)


@pytest.mark.parametrize("value", ["", "plain ascii", "Заказ", "😀 /start", "\udcff", "a\ud800b"])
def test_lengths_and_utf8_checks_short_cut_on_ascii_alike(value):
    assert params.byte_len(value) == len(value.encode("utf-8", "surrogatepass" if "\ud800" in value
                                                      else "surrogateescape"))
    assert utf16_len(value) == len(value.encode("utf-16-le", "surrogatepass")) // 2
    try:
        value.encode("utf-8")
        utf8 = True
    except UnicodeEncodeError:
        utf8 = False
    assert params.is_utf8(value) is utf8


def test_commands_are_found_only_where_a_slash_is():
    assert command_entities("no command here") == []
    assert command_entities("go /start now") == [{"offset": 3, "length": 6, "type": "bot_command"}]


def test_plain_text_without_entities_or_commands_renders_as_itself():
    from integration_lab.fakes.telegram.formatting import render
    assert render("Your order shipped") == ("Your order shipped", [])
    assert render("Your order shipped", "none") == ("Your order shipped", [])
    assert render("a /start b")[1] == [{"offset": 2, "length": 6, "type": "bot_command"}]
    given = [{"offset": 0, "length": 4, "type": "bold"}]
    assert render("Your order", None, given) == ("Your order", given)
