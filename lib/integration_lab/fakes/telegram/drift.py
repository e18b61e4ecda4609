"""The drift check: everything the pinned client libraries know of the Bot API is in the vendored catalogue
(catalogue.py) and answered by the fake (registry.METHODS).

What the clients know, read from the installed packages themselves:

- aiogram (3.31): every `TelegramMethod` in `aiogram.methods` (its `__api_method__` and its fields, by their
  aliases) and every `TelegramObject` in `aiogram.types` (its fields). Fields and types aiogram marks deprecated
  (`json_schema_extra={"deprecated": True}`, a class docstring with `.. deprecated::`) are the ones Telegram took
  out of its documentation; Telegram still reads them, the catalogue does not list them, so they are no drift.
  aiogram's own classes (`TelegramObject`, `ErrorEvent`) are not Bot API types. A union type (MenuButton) is
  one aiogram class with every variant's fields, which its variants inherit: a variant is checked for the fields
  it declares itself, the union for the fields of all its variants.
- python-telegram-bot (22.8): the methods of `telegram.Bot` by their Bot API names (its camelCase aliases,
  and `close`).
- @grammyjs/types (5.0.0, npm; grammY's TypeScript declarations of the Bot API): every method of `ApiMethods`
  and its parameters, and every `export interface` and its fields (but the `@deprecated` ones, and those built
  by `extends`, whose fields TypeScript spreads over several declarations: Message, InaccessibleMessage).
  `read_grammy(folder)` reads the unpacked package (`npm pack @grammyjs/types@5.0.0`, then untar);
  tests/fixtures/grammyjs-types-5.0.0.json is what it read, vendored with the package's licence.

`check()` lists what drifted (a method or type missing from the catalogue, a field missing from a method or
type, a method the fake does not answer); `python -m integration_lab catalogue drift` prints it and fails, and
tests/test_telegram_drift.py runs it in `make test`.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

AIOGRAM_ONLY = {"TelegramObject", "ErrorEvent"}  # aiogram's base class and its error event: not Bot API types
GRAMMY_ONLY = {"ApiError", "ApiSuccess", "UserFromGetMe"}  # grammY's envelope and getMe's narrower User
# What a client declares that Telegram's page no longer does, though the client does not mark it deprecated: no
# drift of ours. (client name, where) -> why
UPSTREAM_LAG = {
    ("@grammyjs/types", "BusinessBotRights.can_delete_outgoing_messages"):
        "Telegram's page calls the right can_delete_sent_messages (the catalogue has it); aiogram 3.31 keeps the "
        "old name marked deprecated, @grammyjs/types 5.0.0 still declares only the old one",
}
GRAMMY = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "grammyjs-types-5.0.0.json"


@dataclass(frozen=True, order=True)
class Known:
    """What one client library knows: {method: fields}, {type: fields}."""
    client: str
    methods: dict
    types: dict


@dataclass(frozen=True, order=True)
class Drift:
    client: str
    kind: str  # "method missing", "method field missing", "type missing", "type field missing", "not answered"
    where: str  # "sendMessage", "sendMessage.text", "Message.text"

    def __str__(self) -> str:
        return f"{self.client}: {self.kind}: {self.where}"


def _deprecated(field) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("deprecated"))


def aiogram_knows() -> Known:
    import aiogram
    from aiogram import methods, types
    from aiogram.methods.base import TelegramMethod
    from aiogram.types import TelegramObject

    known_methods = {}
    for cls in vars(methods).values():
        if isinstance(cls, type) and issubclass(cls, TelegramMethod) and cls is not TelegramMethod:
            known_methods[cls.__api_method__] = {f.alias or name for name, f in cls.model_fields.items()
                                                 if not _deprecated(f)}
    classes = {name: cls for name, cls in vars(types).items()
               if isinstance(cls, type) and issubclass(cls, TelegramObject) and name not in AIOGRAM_ONLY
               and ".. deprecated::" not in (cls.__doc__ or "")}
    known_types = {}
    for name, cls in classes.items():
        inherited = set()
        for base in cls.__mro__[1:]:
            if base.__name__ in classes and base.__name__ != name:  # a union's fields, which a variant inherits
                inherited |= set(base.model_fields) - set(cls.__dict__.get("__annotations__", {}))
        known_types[name] = {f.alias or field for field, f in cls.model_fields.items()
                             if not _deprecated(f) and field not in inherited}
    return Known(f"aiogram {aiogram.__version__}", known_methods, known_types)


def ptb_knows() -> Known:
    import telegram

    bot = telegram.Bot
    names = [n for n in dir(bot) if n[:1].islower() and n != n.lower() and inspect.isfunction(getattr(bot, n))]
    return Known(f"python-telegram-bot {telegram.__version__}", {n: set() for n in names + ["close"]}, {})


def _declared(lines: list[str], start: re.Pattern, field: re.Pattern, end: re.Pattern) -> dict[str, set[str]]:
    """Names a TypeScript declaration file declares (`start`) with their members (`field`), skipping members
    whose doc comment says @deprecated and anything inside a comment."""
    found: dict[str, set[str]] = {}
    current, comment, deprecated = None, False, False
    for line in lines:
        stripped = line.strip()
        if comment or stripped.startswith("/**"):
            comment = "*/" not in stripped
            deprecated = deprecated or "@deprecated" in stripped
            continue
        if (opened := start.match(line)) is not None:
            current, deprecated = opened.group(1), False
            found[current] = set()
        elif current and end.match(line):
            current = None
        elif current and (member := field.match(line)) is not None:
            if not deprecated:
                found[current].add(member.group(1))
            deprecated = False
    return found


def read_grammy(folder: Path) -> dict:
    """{"version", "methods": {name: [parameters]}, "types": {name: [fields]}} of an unpacked @grammyjs/types."""
    folder = Path(folder)
    source = (folder / "methods.d.ts").read_text(encoding="utf-8")
    block = source[source.index("export type ApiMethods<F> = {"):]
    methods = _declared(block[:block.index("\n};")].split("\n"), re.compile(r"^    (\w+)\("),
                        re.compile(r"^        (\w+)\??: "), re.compile(r"^    \}"))
    types: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.d.ts")):
        if path.name != "methods.d.ts":
            types.update(_declared(path.read_text(encoding="utf-8").split("\n"),
                                   re.compile(r"^export interface (\w+)(?:<[^>]*>)? \{"),
                                   re.compile(r"^    (\w+)\??: "), re.compile(r"^\}")))
    version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    return {"version": version, "source": f"npm @grammyjs/types {version}, read by drift.read_grammy",
            "methods": {k: sorted(v) for k, v in sorted(methods.items())},
            "types": {k: sorted(v) for k, v in sorted(types.items()) if k not in GRAMMY_ONLY}}


def grammy_knows(path: Path = GRAMMY) -> Known | None:
    """What the vendored reading of @grammyjs/types declares (None outside a checkout, where it is not)."""
    if not Path(path).exists():
        return None
    read = json.loads(Path(path).read_text(encoding="utf-8"))
    return Known(f"@grammyjs/types {read['version']}", {k: set(v) for k, v in read["methods"].items()},
                 {k: set(v) for k, v in read["types"].items()})


def _type_fields(api: dict, name: str) -> set[str]:
    spec = api["types"].get(name, {})  # a union may name a scalar (e.g. String)
    if spec.get("subtypes"):
        return {f for sub in spec["subtypes"] for f in _type_fields(api, sub)}
    return {f["name"] for f in spec.get("fields", [])}


def check(api: dict, answered: Iterable[str], knowns: Iterable[Known]) -> list[Drift]:
    """Everything a client knows that the catalogue `api` lacks, or that the fake (method names in `answered`,
    in any case) does not answer."""
    answering = {name.lower() for name in answered}
    found = []
    for known in knowns:
        for method, names in known.methods.items():
            if method not in api["methods"]:
                found.append(Drift(known.client, "method missing", method))
            else:
                listed = {f["name"] for f in api["methods"][method].get("fields", [])}
                found += [Drift(known.client, "method field missing", f"{method}.{f}") for f in names - listed]
            if method.lower() not in answering:
                found.append(Drift(known.client, "not answered", method))
        for type_name, names in known.types.items():
            if type_name not in api["types"]:
                found.append(Drift(known.client, "type missing", type_name))
                continue
            found += [Drift(known.client, "type field missing", f"{type_name}.{f}")
                      for f in names - _type_fields(api, type_name)]
    return sorted(d for d in found if (d.client.split(" ")[0], d.where) not in UPSTREAM_LAG)


def knowns() -> list[Known]:
    return [aiogram_knows(), ptb_knows()] + [k for k in [grammy_knows()] if k is not None]


def report(drifts: list[Drift], knowns_: list[Known], version: str) -> str:
    if not drifts:
        sizes = ", ".join(f"{k.client} ({len(k.methods)} methods" + (f", {len(k.types)} types)" if k.types else ")")
                          for k in knowns_)
        return f"no drift: {version} and the fake know everything {sizes} know"
    return "\n".join([f"{len(drifts)} drifted from {version}:"] + [f"- {d}" for d in drifts])


def main() -> int:
    """`python -m integration_lab catalogue drift`: prints what drifted; 1 when anything did."""
    from . import catalogue
    from .registry import METHODS

    found_knowns = knowns()
    drifts = check(catalogue.API, METHODS, found_knowns)
    print(report(drifts, found_knowns, catalogue.VERSION))
    return 1 if drifts else 0
