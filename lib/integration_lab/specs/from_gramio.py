"""The Bot API catalogue of a newer release from `@gramio/types`, on a catalogue built from Telegram's page.

`python -m integration_lab catalogue build --from-gramio DIR --base FILE --out FILE`: DIR is the `out/` folder of
the npm package `@gramio/types` (MIT, github.com/gramiojs/types: TypeScript declarations generated from
https://core.telegram.org/bots/api by gramio's schema parser, published the day a release comes out); FILE is
a catalogue of an earlier release built from the page itself (`catalogue build --from-html`).

What the package gives, the catalogue takes: its methods and types in page order, every field's name and whether
it is required, types, return types, the members of each union, the links, and descriptions, turned from
gramio's Markdown back into the catalogue's plain text. Checked on Bot API 10.1 (`@gramio/types` 10.1.0 against
the file built from the page): the same methods, types, fields, order and required flags, and the same types
but for the three things a TypeScript declaration cannot say, which come from the base instead:

- Integer or Float: both are `number`. A field or return the base has keeps the base's type while they agree
  otherwise; a new one takes the type its name has everywhere else in the base (`message_thread_id`, `draft_id`:
  Integer); a name the base doesn't settle is a problem, and nothing is written.
- A file field declared `InputFile | string` where the page says String keeps String.
- The members a union's description lists in words ("either a String …, an Array of RichText, or") come back
  from the description, as the page scraper finds them.

A description the package renders the same as the base keeps the base's text. One that is a beginning of the
base's keeps the base's: gramio leaves out a paragraph that follows a list and a note after the first paragraph,
which the page still has. Otherwise the package's text stands (the page changed it). Standard library only, and
nothing of the lab's but build_bot_api, beside it.
"""

from __future__ import annotations

import calendar
import re
from pathlib import Path

from .build_bot_api import PAGE_URL, check_methods, link_subtypes

DECLARED = re.compile(r"^export (interface|type) (\w+)\s*(.*)$")
MEMBER = re.compile(r"^    (\w+)(\?)?:\s*(.*)$")
BASED_ON = re.compile(r"Based on Bot API v([\d.]+) \((\d\d)\.(\d\d)\.(\d{4})\)")
OPEN, CLOSE = "({[<", ")}]>"


# ---- reading the declarations ------------------------------------------------------------------------------
def doc_lines(doc: list[str]) -> tuple[str, str | None]:
    """A JSDoc comment's Markdown and its `[Documentation](url)` link."""
    text, href = [], None
    for line in doc:
        line = line.rstrip()
        if line.strip() in ("/**", "*/"):
            continue
        line = re.sub(r"^\s*(?:/\*\*|\*)\s?", "", re.sub(r"\s*\*/$", "", line))
        if found := re.fullmatch(r"\s*\[Documentation\]\((.*)\)\s*", line):
            href = found.group(1)
        else:
            text.append(line)
    return "\n".join(text).strip(), href


def declarations(source: str):
    """(doc, "interface"|"type", name, members or type expression) for each top-level export, in order."""
    lines, i, doc = source.split("\n"), 0, []
    while i < len(lines):
        line = lines[i]
        if line.startswith("/**"):
            doc = [line]
            while not doc[-1].rstrip().endswith("*/"):
                i += 1
                doc.append(lines[i])
            i += 1
            continue
        if found := DECLARED.match(line):
            kind, name, rest = found.groups()
            i += 1
            if kind == "interface":
                body = []
                if not rest.endswith("{}"):
                    while lines[i] != "}":
                        body.append(lines[i])
                        i += 1
                    i += 1
                yield doc, kind, name, members(body)
            else:
                expression = rest.lstrip("= ").strip()
                while i < len(lines) and lines[i].startswith("    "):
                    expression += " " + lines[i].strip()
                    i += 1
                yield doc, kind, name, expression
            doc = []
            continue
        i += 1


def unbalanced(text: str) -> bool:
    return sum(text.count(c) for c in OPEN) > sum(text.count(c) for c in CLOSE)


def members(body: list[str]) -> list[tuple[str, bool, str, str]]:
    """(name, optional, type expression, Markdown) of an interface's members."""
    found, doc, i = [], [], 0
    while i < len(body):
        line = body[i]
        if line.strip().startswith("/**"):
            doc = [line]
            while not doc[-1].rstrip().endswith("*/"):
                i += 1
                doc.append(body[i])
        elif member := MEMBER.match(line):
            name, optional, expression = member.groups()
            while i + 1 < len(body) and (body[i + 1].startswith("        ") or unbalanced(expression)):
                i += 1
                expression += " " + body[i].strip()
            found.append((name, bool(optional), expression.strip(), doc_lines(doc)[0]))
            doc = []
        i += 1
    return found


def split_top(expression: str, separator: str = "|") -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in expression:
        depth += (ch in OPEN) - (ch in CLOSE)
        if ch == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [p.strip() for p in parts + [current] if p.strip()]


def type_names(expression: str, aliases: dict[str, str]) -> list[str]:
    """A TypeScript type as the catalogue's type names; `number` stays "number" (Integer or Float: unknown).
    `aliases`: the package's names for a choice of strings ("String") or of numbers ("number")."""
    names = []
    for part in split_top(expression):
        if part.startswith("{"):  # gramio's helpers: { toJSON(): X }, { toString(): string }
            continue
        prefix = ""
        while part.endswith("[]"):
            prefix, part = prefix + "Array of ", part[:-2].strip()
        if part.startswith("(") and part.endswith(")"):
            names += [prefix + t for t in type_names(part[1:-1], aliases)]
            continue
        part = part.removeprefix("Objects.")
        if part in aliases:
            name = aliases[part]
        elif part == "number" or re.fullmatch(r"-?\d+(\.\d+)?", part):
            name = "number"
        elif part in ("string", "Blob") or part.startswith(('"', "Exclude<keyof", "keyof ")):
            name = "String"
        elif part in ("boolean", "true", "false"):
            name = "Boolean"
        elif part.startswith("Telegram"):
            name = part.removeprefix("Telegram")
        else:
            raise ValueError(f"a type gramio's declarations use that the catalogue has no name for: {part!r}")
        if prefix + name not in names:
            names.append(prefix + name)
    return names


def literal_aliases(source: str) -> dict[str, str]:
    """`export type X = "a" | "b"` (or of numbers): names that stand for String (or number)."""
    aliases = {}
    for _, kind, name, expression in declarations(source):
        if kind == "type" and (alternatives := split_top(expression)):
            if all(a.startswith('"') for a in alternatives):
                aliases[name] = "String"
            elif all(re.fullmatch(r"-?\d+", a) for a in alternatives):
                aliases[name] = "number"
    return aliases


def read_package(out: Path) -> dict:
    """The declarations of `@gramio/types` (its out/ folder) as {"version", "date", "methods", "types"}, each
    entry {"name", "href", "doc", "fields": [{"name", "types", "required", "doc"}], "returns"/"subtypes"}."""
    objects, params, methods = ((out / f"{n}.d.ts").read_text(encoding="utf-8") for n in ("objects", "params",
                                                                                           "methods"))
    based = BASED_ON.search(methods)
    if based is None:
        raise ValueError(f"{out / 'methods.d.ts'} doesn't say which Bot API it is based on")
    aliases = literal_aliases(objects)
    types = {}
    for doc, kind, name, body in declarations(objects):
        short = name.removeprefix("Telegram")
        if name in aliases or not name.startswith("Telegram") or short.startswith("APIResponse"):
            continue
        markdown, href = doc_lines(doc)
        entry = {"name": short, "href": href, "doc": markdown}
        if kind == "interface":
            entry["fields"] = [{"name": n, "types": type_names(t, aliases), "required": not optional, "doc": d}
                               for n, optional, t, d in body]
        elif body != "Blob":  # InputFile: a file, no fields and no members
            entry["subtypes"] = type_names(body, aliases)
        types[short] = entry
    param_aliases = aliases | literal_aliases(params)
    fields_of = {name: [{"name": n, "types": type_names(t, param_aliases), "required": not optional, "doc": d}
                        for n, optional, t, d in body]
                 for _, kind, name, body in declarations(params) if kind == "interface"}
    found = {}
    api = methods.split("export interface APIMethods {", 1)[1]
    for m in re.finditer(r"    /\*\*(.*?)\*/\s*\n    (\w+): (CallAPI\w*)<(.*?)>\n", api, re.DOTALL):
        doc, name, call, arguments = m.groups()
        markdown, href = doc_lines(("/**" + doc + "*/").split("\n"))
        arguments = split_top(" ".join(arguments.split()), ",")
        params_name = None if call == "CallAPIWithoutParams" else arguments[0].removeprefix("Params.")
        found[name] = {"name": name, "href": href, "doc": markdown, "returns": type_names(arguments[-1], aliases),
                       "fields": fields_of[params_name] if params_name else []}
    version, day, month, year = based.groups()
    return {"version": version, "date": (int(year), int(month), int(day)), "methods": found, "types": types}


# ---- gramio's Markdown as the catalogue's text -------------------------------------------------------------
LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^()\s]*(?:\([^()]*\)[^()\s]*)*)\)")


def plain(markdown: str) -> str:
    """One line of gramio's Markdown as the page scraper words it: links as their text ("… »" links spelled
    out as "text: url"), emphasis and code marks and escapes gone, quotes, dashes and ellipses plain."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = LINK.sub(lambda m: m.group(1).replace(" »", ": " + m.group(2)) if "»" in m.group(1) else m.group(1), text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w\\])\*(\S(?:.*?\S)?)\*(?!\w)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!<>|~])", r"\1", text)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
        text = text.replace(entity, char)
    text = re.sub(r"(\s){2,}", r"\1", text)
    for fancy, simple in ("”\"", "“\"", ("…", "..."), "\u2013-", "\u2014-", "\u2019'"):
        text = text.replace(fancy, simple)
    return text.strip()


def description_lines(markdown: str) -> list[str]:
    """A method's or type's description: its lines, list items as "- item"; block quotes (the page's notes
    in a <blockquote>, which the scraper doesn't read) and lines that are only a picture left out."""
    lines = []
    for line in markdown.split("\n"):
        line = line.strip()
        if not line or line.startswith(">") or re.fullmatch(r"\[?!\[[^\]]*\]\([^)]*\)(?:\]\([^)]*\))?", line):
            continue
        item = re.match(r"^[*-]\s+", line)
        line = "- " + plain(line[item.end():]) if item else plain(line)
        if line.strip():
            lines.append(line)
    return lines


# ---- onto the base -----------------------------------------------------------------------------------------
def numeric(types: list[str]) -> list[str]:
    return [t.replace("Integer", "number").replace("Float", "number") for t in types]


class Merge:
    def __init__(self, base: dict, numbers: dict[str, str]):
        self.base, self.numbers, self.problems = base, numbers, []
        self.number_of: dict[str, set[str]] = {}  # a field's name -> the numeric types it has in the base
        for kind in ("methods", "types"):
            for entry in base[kind].values():
                for field in entry.get("fields", []):
                    for t in field["types"]:
                        if t.removeprefix("Array of ") in ("Integer", "Float"):
                            self.number_of.setdefault(field["name"], set()).add(t.removeprefix("Array of "))

    def types(self, where: str, name: str, declared: list[str], base: list[str] | None) -> list[str]:
        if base is not None and (numeric(base) == declared or (base == ["String"] and declared == ["InputFile",
                                                                                                    "String"])):
            return base
        resolved = []
        for t in declared:
            inner = t.removeprefix("Array of ")
            if inner == "number":
                known = {b.removeprefix("Array of ") for b in (base or [])} & {"Integer", "Float"}
                choices = {self.numbers[where]} if where in self.numbers else known or self.number_of.get(name, set())
                if len(choices) != 1:
                    self.problems.append(f"{where}: Integer or Float? The base doesn't tell ({sorted(choices)}): "
                                         f"say which with --number {where}=Integer (or Float)")
                t = t[: len(t) - len(inner)] + (min(choices) if len(choices) == 1 else "Integer")
            resolved.append(t)
        return resolved

    @staticmethod
    def text(declared: list[str], base: list[str] | None) -> list[str]:
        if base is not None and (declared == base or (declared and base[: len(declared)] == declared)):
            return base
        return declared

    def fields(self, where: str, declared: list[dict], base: list[dict], of_type: bool) -> list[dict]:
        before = {f["name"]: f for f in base}
        fields = []
        for field in declared:
            was = before.get(field["name"])
            description = self.text([" ".join(description_lines(field["doc"]))], was and [was["description"]])[0]
            types = self.types(f"{where}.{field['name']}", field["name"], field["types"], was and was["types"])
            if of_type and field["required"] == description.startswith("Optional. "):
                self.problems.append(f"{where}.{field['name']}: required is {field['required']}, yet the "
                                     f"description {'says' if not field['required'] else 'does not say'} Optional")
            fields.append({"name": field["name"], "types": types, "required": field["required"],
                           "description": description})
        return fields


def catalogue_from_gramio(package: dict, base: dict, numbers: dict[str, str] | None = None) -> tuple[dict, list[str]]:
    """The catalogue of the package's release on `base`, and what doesn't add up (empty when all does).
    `numbers`: Integer or Float for a `number` the base can't settle, by where ("RichBlockMap.zoom")."""
    year, month, day = package["date"]
    date = f"{calendar.month_name[month]} {day}, {year}"
    catalogue = {"version": f"Bot API {package['version']}", "release_date": date,
                 "changelog": f"{PAGE_URL}#{date.replace(',', '').replace(' ', '-').lower()}", "methods": {},
                 "types": {}}
    merge = Merge(base, numbers or {})
    for kind in ("methods", "types"):
        for name, declared in package[kind].items():
            was = base[kind].get(name, {})
            href = (declared["href"] or "").replace("/bots/api/#", "/bots/api#") or was.get("href")
            entry = {"name": name, "href": href,
                     "description": merge.text(description_lines(declared["doc"]), was.get("description"))}
            if kind == "methods":
                # the catalogue reads a return type from the description: "an Array of Array of X" is "Array of X"
                returns = [re.sub(r"^(Array of )+", "Array of ", t) for t in declared["returns"]]
                entry["returns"] = merge.types(f"{name}.returns", name, returns, was.get("returns"))
            if declared.get("fields"):
                entry["fields"] = merge.fields(name, declared["fields"], was.get("fields", []), kind == "types")
            if declared.get("subtypes"):
                entry["subtypes"] = declared["subtypes"]
            catalogue[kind][name] = entry
    return catalogue, merge.problems + link_subtypes(catalogue) + check_methods(catalogue)
