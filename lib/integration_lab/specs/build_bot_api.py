"""Build the Bot API catalogue from Telegram's documentation page, and tell what changed between two catalogues.

- `python -m integration_lab catalogue build --from-html PAGE --out FILE`: PAGE is https://core.telegram.org/bots/api
  saved by a browser or `curl`; FILE gets the catalogue in the format of the vendored `telegram-bot-api.json`, key
  for key and byte for byte: that file is the output of PaulSonOfLars/telegram-bot-api-spec's `scrape.py` (MIT,
  Copyright (c) 2020 Paul Larsen, `telegram-bot-api.LICENSE`), and this module applies the same rules to the page
  (how a description is cleaned, a field's types split, a method's return type read from its description, a
  union type's members listed), written again on the standard library's `html.parser` instead of BeautifulSoup
  and html5lib. Rebuilt from the page of June 18, 2026, it gives the vendored Bot API 10.1 file back exactly.
- `python -m integration_lab catalogue build --from-gramio DIR --base FILE --out FILE`: a later release's catalogue
  from the npm package `@gramio/types` on one built from the page (from_gramio.py says how, and what it can't say).
- `python -m integration_lab catalogue diff OLD NEW`: versions and dates, methods and types added and removed,
  and per method and type the fields added, removed or changed (types, required), return types and subtypes.

Standard library only, and nothing else of the lab: like the rest of specs/, it sits at the bottom of the layers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import string
import sys
from html.parser import HTMLParser
from pathlib import Path

PAGE_URL = "https://core.telegram.org/bots/api"
SITE = "https://core.telegram.org"
CORE_TYPES = {"String", "Boolean", "Integer", "Float"}
NO_SUBTYPES_NEEDED = {"InputFile"}  # abstract, yet nothing is listed under it: that is how Telegram names a file
EXPECTED_MULTI_RETURNS = [["Message", "Boolean"]]  # the edit methods: the edited Message, or True


# ---- a small document tree ---------------------------------------------------------------------------------
class Element:
    """An HTML element: its tag, attributes and children (Elements and strings), as far as the page needs."""

    __slots__ = ("attrs", "children", "name")

    def __init__(self, name: str, attrs: dict[str, str | None]):
        self.name, self.attrs, self.children = name, attrs, []

    def get(self, attr: str) -> str | None:
        return self.attrs.get(attr)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element)]

    def descendants(self, name: str):
        """Every element `name` under this one, in document order (a parent before what it holds)."""
        for child in self.elements():
            if child.name == name:
                yield child
            yield from child.descendants(name)

    def first(self, name: str) -> Element | None:
        return next(self.descendants(name), None)

    def replace_all(self, name: str, make) -> None:
        """Put `make(element)` (a string) in the place of every element `name` under this one."""
        for i, child in enumerate(self.children):
            if isinstance(child, Element):
                if child.name == name:
                    self.children[i] = make(child)
                else:
                    child.replace_all(name, make)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# a start tag of these ends an open <p> (HTML's "closes a p element" rule); a table too, the page being standards mode
CLOSES_P = {"address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure",
            "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "menu", "nav", "ol", "p",
            "pre", "section", "table", "ul"}
P_SCOPE_EDGE = {"button", "table", "td", "th", "caption", "html", "object", "marquee", "applet", "template"}
IMPLIED = {"li": ({"li"}, {"ul", "ol"}), "dt": ({"dt", "dd"}, {"dl"}), "dd": ({"dt", "dd"}, {"dl"}),
           "tr": ({"tr", "td", "th"}, {"table", "thead", "tbody", "tfoot"}), "td": ({"td", "th"}, {"tr", "table"}),
           "th": ({"td", "th"}, {"tr", "table"}), "thead": ({"thead", "tbody", "tfoot", "tr"}, {"table"}),
           "tbody": ({"thead", "tbody", "tfoot", "tr"}, {"table"}), "tfoot": ({"thead", "tbody", "tr"}, {"table"})}


class TreeBuilder(HTMLParser):
    """Builds the Element tree of a page, with the end tags HTML lets a page leave out (p, li, tr, td, …)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def close_up_to(self, index: int) -> None:
        del self.stack[index:]

    def open_index(self, names: set[str], edge: set[str]) -> int | None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].name in names:
                return i
            if self.stack[i].name in edge:
                return None
        return None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in CLOSES_P and (i := self.open_index({"p"}, P_SCOPE_EDGE)) is not None:
            self.close_up_to(i)
        if tag in IMPLIED and (i := self.open_index(*IMPLIED[tag])) is not None:
            self.close_up_to(i)
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack[-1].name == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].name == tag:
                self.close_up_to(i)
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Element:
    builder = TreeBuilder()
    builder.feed(html.replace("\r\n", "\n").replace("\r", "\n"))
    builder.close()
    return builder.root


# ---- the catalogue's cleaning rules ------------------------------------------------------------------------
def clean_lines(element: Element, url: str = PAGE_URL) -> list[str]:
    """A description as the catalogue keeps it: emoji images as their text, <br> as line breaks, "more »" links
    spelled out ("text: https://…"), runs of whitespace made one, typographic quotes, dashes and ellipses plain,
    split into its non-empty lines. Changes `element` the way the catalogue's scraper does."""
    element.replace_all("img", lambda img: img.get("alt") or "")
    element.replace_all("br", lambda br: "\n")

    def spelled_out(a: Element) -> str | Element:
        text = a.text()
        if "»" not in text:
            return a
        link = a.get("href") or ""
        link = url + link if link.startswith("#") else SITE + link if link.startswith("/") else link
        return text.replace(" »", ": " + link)

    element.replace_all("a", spelled_out)
    text = re.sub(r"(\s){2,}", r"\1", element.text())
    for fancy, plain in (("”", '"'), ("“", '"'), ("…", "..."), ("\u2013", "-"), ("\u2014", "-"), ("\u2019", "'")):
        text = text.replace(fancy, plain)
    return [line.strip() for line in text.split("\n") if line.strip()]


def proper_type(name: str) -> str:
    return {"Messages": "Message", "Float number": "Float", "Int": "Integer", "True": "Boolean",
            "Bool": "Boolean"}.get(name, name)


def split_types(text: str) -> list[str]:
    """"Integer or String" -> ["Integer", "String"]; "Array of A and B" -> ["Array of A", "Array of B"]."""
    prefix = "Array of " if text.startswith("Array of ") else ""
    text = text[len(prefix):]
    parts = [p.strip() for part in text.split(" or ") for p in part.strip().split(" and ")]
    return [prefix + proper_type(p.strip()) for part in parts for p in part.split(", ")]


def return_types(description: list[str]) -> list[str] | None:
    """What a method returns, read from its description the way the catalogue does ("Returns True on success",
    "On success, the sent Message is returned", "an Array of Update objects")."""
    text = "\n".join(description)
    for pattern in (r".*(?:on success,)([^.]*)", r".*(?:returns)([^.]*)(?:on success)?", r".*([^.]*)(?:is returned)"):
        if found := re.search(pattern, text, re.IGNORECASE):
            phrase = found.group(1).strip()
            break
    else:
        return None
    if array := re.search(r"(?:array of )+(\w*)", phrase, re.IGNORECASE):
        return [f"Array of {t}" for t in split_types(array.group(1))]
    no_punctuation = str.maketrans("", "", string.punctuation)
    return [t for word in phrase.split() if word[0].isupper() for t in split_types(word.translate(no_punctuation))]


# ---- the page ----------------------------------------------------------------------------------------------
def build(html: str, url: str = PAGE_URL) -> tuple[dict, list[str]]:
    """The catalogue of a saved Bot API page, and what is wrong with it (empty when it is whole)."""
    content = next((d for d in parse_html(html).descendants("div") if d.get("id") == "dev_page_content"), None)
    if content is None:
        raise ValueError("no <div id=\"dev_page_content\">: is this the page https://core.telegram.org/bots/api?")
    date = next((e for e in content.elements() if e.name == "h4"), None)
    version = next((e for e in content.elements() if e.name == "p"), None)
    if date is None or version is None or date.first("a") is None:
        raise ValueError("no release date (<h4>) or version (<p>) at the top of the page")
    items = {"version": version.text(), "release_date": date.text(),
             "changelog": url + (date.first("a").get("href") or ""), "methods": {}, "types": {}}
    kind = name = ""
    for element in content.elements():
        if element.name in ("h3", "hr"):
            kind = name = ""
        if element.name == "h4":
            anchor = element.first("a")
            if anchor is not None and "-" in (anchor.get("name") or ""):  # a date or a section, not a method or type
                kind = name = ""
                continue
            name = element.text()
            kind = "types" if name[:1].isupper() else "methods"
            items[kind][name] = {"name": name}
            if anchor is not None and anchor.get("href"):
                items[kind][name]["href"] = url + anchor.get("href")
        if not kind or not name:
            continue
        entry = items[kind][name]
        if element.name == "p":
            entry.setdefault("description", []).extend(clean_lines(element, url))
        elif element.name == "table":
            entry["fields"] = fields_of(kind, name, element, url)
        elif element.name == "ul" and name != "InputFile":
            listed = [line for li in element.descendants("li") for line in clean_lines(li, url)]
            if kind == "types":
                entry["subtypes"] = listed
            entry.setdefault("description", []).extend(f"- {s}" for s in listed)
        if kind == "methods" and entry.get("description"):
            returns = return_types(entry["description"])
            if returns is not None:
                entry["returns"] = returns
    return items, link_subtypes(items) + check_methods(items)


def fields_of(kind: str, name: str, table: Element, url: str) -> list[dict]:
    body = table.first("tbody") or table
    fields = []
    for row in body.descendants("tr"):
        cells = [c for c in row.elements() if c.name == "td"]
        if not cells:  # a header row
            continue
        if kind == "types" and len(cells) == 3:
            description = " ".join(clean_lines(cells[2], url))
            required = not description.startswith("Optional. ")
        elif kind == "methods" and len(cells) == 4:
            description = " ".join(clean_lines(cells[3], url))
            required = cells[2].text() == "Yes"
        else:
            expected = 3 if kind == "types" else 4
            raise ValueError(f"{name}: a row of {len(cells)} cells in its table ({kind} have {expected})")
        fields.append({"name": cells[0].text(), "types": split_types(cells[1].text()), "required": required,
                       "description": description})
    return fields


def bare(type_name: str) -> str:
    while type_name.startswith("Array of "):
        type_name = type_name[len("Array of "):]
    return type_name


def link_subtypes(items: dict) -> list[str]:
    """Fills each union's members' `subtype_of` (and the members a description lists in words: "it can be either
    a String for plain text, an Array of RichText, or any of the following types:"), and names what doesn't add
    up: a type without fields or members, a member or field type that is no type of the page."""
    types, problems = items["types"], []
    for name, spec in types.items():
        if not spec.get("href"):
            problems.append(f"type {name} has no link")
            continue
        fields = spec.get("fields", [])
        if not fields:
            subtypes = spec.get("subtypes", [])
            description = "".join(spec.get("description", []))
            if not subtypes and "currently holds no information" not in description.lower() \
                    and name not in NO_SUBTYPES_NEEDED:
                problems.append(f"type {name} has no fields or subtypes")
                continue
            if said := re.search(r"it can be either (.*?), or any of the following types:", description, re.IGNORECASE):
                in_words = []
                for part in said.group(1).split(","):
                    if found := re.search(r"(?:a|an)\s+(?:(\w*\s+of\s+\w*)|(\w*))", part.strip()):
                        in_words.append(found.group(1) or found.group(2))
                subtypes = spec["subtypes"] = in_words + subtypes
            for member in subtypes:
                if member.removeprefix("Array of ") in CORE_TYPES or member.removeprefix("Array of ") == name:
                    continue
                if member in types:
                    types[member].setdefault("subtype_of", []).append(name)
                else:
                    problems.append(f"type {name} lists {member}, which is no type")
        for field in fields:
            problems += [f"{name}.{field['name']}: unknown type {t}" for t in field["types"]
                         if bare(t) not in types and bare(t) not in CORE_TYPES]
    return problems


def check_methods(items: dict) -> list[str]:
    known, problems = items["types"].keys() | CORE_TYPES, []
    for name, spec in items["methods"].items():
        if not spec.get("href"):
            problems.append(f"method {name} has no link")
            continue
        if not spec.get("returns"):
            problems.append(f"method {name}: no return type found in its description")
            continue
        problems += [f"{name}({field['name']}): unknown type {t}" for field in spec.get("fields", [])
                     for t in field["types"] if bare(t) not in known]
        problems += [f"{name} returns an unknown type {t}" for t in spec["returns"] if bare(t) not in known]
    return problems


def dumps(catalogue: dict) -> str:
    """The catalogue as its file holds it (two-space indent, ASCII escapes, no final newline)."""
    return json.dumps(catalogue, indent=2)


# ---- diff --------------------------------------------------------------------------------------------------
def describe(field: dict) -> str:
    return f"{' or '.join(field['types'])}, {'required' if field['required'] else 'optional'}"


def field_changes(old: list[dict], new: list[dict]) -> list[str]:
    before, after = {f["name"]: f for f in old}, {f["name"]: f for f in new}
    lines = [f"    + {n}: {describe(after[n])}" for n in after if n not in before]
    lines += [f"    - {n}: {describe(before[n])}" for n in before if n not in after]
    for n in (n for n in after if n in before):
        was, now = before[n], after[n]
        if (was["types"], was["required"]) != (now["types"], now["required"]):
            lines.append(f"    ~ {n}: {describe(was)} -> {describe(now)}")
    return lines


def diff(old: dict, new: dict) -> list[str]:
    """What changed from catalogue `old` to `new`, one line each; per method and type, its fields' lines."""
    lines = [f"{key:<12} {old.get(key)} -> {new.get(key)}" if old.get(key) != new.get(key)
             else f"{key:<12} {new.get(key)}" for key in ("version", "release_date", "changelog")]
    for kind in ("methods", "types"):
        was, now = old[kind], new[kind]
        added, removed = [n for n in now if n not in was], [n for n in was if n not in now]
        changed = []
        for name in (n for n in now if n in was):
            a, b = was[name], now[name]
            details = field_changes(a.get("fields", []), b.get("fields", []))
            for key in ("returns", "subtypes"):
                if a.get(key, []) != b.get(key, []):
                    gone = [t for t in a.get(key, []) if t not in b.get(key, [])]
                    new_ones = [t for t in b.get(key, []) if t not in a.get(key, [])]
                    details.append(f"    {key}: " + ", ".join([f"+{t}" for t in new_ones] + [f"-{t}" for t in gone]
                                                               or ["reordered"]))
            if details:
                changed.append((name, details))
        lines.append(f"{kind:<12} {len(was)} -> {len(now)}: {len(added)} added, {len(removed)} removed, "
                     f"{len(changed)} changed")
        singular = kind[:-1]
        lines += [f"+ {singular} {n}" + (f": {', '.join(f['name'] for f in now[n].get('fields', []))}"
                                         if now[n].get("fields") else "") for n in added]
        lines += [f"- {singular} {n}" for n in removed]
        for name, details in changed:
            lines += [f"~ {singular} {name}", *details]
    return lines


# ---- the command line --------------------------------------------------------------------------------------
def add_arguments(catalogue: argparse.ArgumentParser) -> None:
    """`catalogue build …` and `catalogue diff …` under the `catalogue` command (alone, it prints the versions)."""
    jobs = catalogue.add_subparsers(dest="catalogue_command", metavar="{build,diff,drift}")
    build_ = jobs.add_parser("build", help="the catalogue of a saved https://core.telegram.org/bots/api page, or of "
                                           "the npm package @gramio/types on one built from the page")
    source = build_.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-html", dest="html", type=Path,
                        help="the page, saved (a browser's 'Save page as… HTML only', or curl)")
    source.add_argument("--from-gramio", dest="gramio", type=Path,
                        help="the out/ folder of @gramio/types (npm pack @gramio/types@VERSION, then untar)")
    build_.add_argument("--base", type=Path, help="with --from-gramio: a catalogue built from the page of an earlier "
                                                  "release (its types, descriptions and what TypeScript can't say)")
    build_.add_argument("--number", action="append", default=[], metavar="WHERE=Integer|Float",
                        help="with --from-gramio: settle a new `number` the base can't (repeat; WHERE as the "
                             "problem names it, e.g. RichBlockMap.zoom or getChatMemberCount.returns)")
    build_.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    diff_ = jobs.add_parser("diff", help="what changed between two catalogue files")
    diff_.add_argument("old", type=Path)
    diff_.add_argument("new", type=Path)
    jobs.add_parser("drift", help="what the pinned clients (aiogram, python-telegram-bot) know of the Bot API that "
                                  "the catalogue lacks or the Telegram fake does not answer; fails when anything")


def main(args: argparse.Namespace) -> int:
    if args.catalogue_command == "build" and args.gramio:
        from .from_gramio import catalogue_from_gramio, read_package

        if args.base is None:
            print("catalogue build: --from-gramio needs --base (a catalogue built from the page)", file=sys.stderr)
            return 2
        numbers = dict(n.partition("=")[::2] for n in args.number)
        if set(numbers.values()) - {"Integer", "Float"}:
            print("catalogue build: --number takes WHERE=Integer or WHERE=Float", file=sys.stderr)
            return 2
        base = json.loads(args.base.read_text(encoding="utf-8"))
        catalogue, problems = catalogue_from_gramio(read_package(args.gramio), base, numbers)
    elif args.catalogue_command == "build":
        catalogue, problems = build(args.html.read_text(encoding="utf-8"))
    if args.catalogue_command == "build":
        for problem in problems:
            print(f"catalogue build: {problem}", file=sys.stderr)
        if problems:
            print(f"catalogue build: {len(problems)} problems; {args.out} not written", file=sys.stderr)
            return 1
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(dumps(catalogue), encoding="utf-8")
        print(f"{args.out}: {catalogue['version']}, {catalogue['release_date']}: {len(catalogue['methods'])} methods, "
              f"{len(catalogue['types'])} types")
        return 0
    if args.catalogue_command == "diff":
        old, new = (json.loads(p.read_text(encoding="utf-8")) for p in (args.old, args.new))
        try:
            print("\n".join(diff(old, new)), flush=True)
        except BrokenPipeError:  # `… | head`: the reader has what it wanted; no traceback at exit either
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 2
