"""Stripe's Search query language for `/v1/{products,prices,…}/search` (docs.stripe.com/search):

    active:'true' AND metadata['club']:'yes'      name~'shirt'      -currency:'eur'      created>1700000000

Up to ten clauses joined by AND or by OR (never both), `-` negates one; `:` is an exact match (strings
compare case-insensitively), `~` a substring of at least three characters, `<`/`>`/`<=`/`>=` compare
numbers. Stripe's index trails writes by up to a minute; the fake's is always current. Refusal wording
for malformed queries is not published: ours says what is wrong (param `query`, as Stripe's).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .errors import invalid

MAX_CLAUSES = 10
_CLAUSE = re.compile(r"""\s*(?P<neg>-)?(?P<field>[a-z_]+)(?:\[(?P<q>['"])(?P<key>[^'"]*)(?P=q)\])?\s*"""
                     r"""(?P<op>:|~|<=|>=|<|>)\s*(?:(?P<vq>['"])(?P<text>(?:\\.|(?!(?P=vq)).)*)(?P=vq)|(?P<num>-?\d+))\s*""")
_JOIN = re.compile(r"\s+(AND|OR)\s+")


class Clause:
    def __init__(self, match: re.Match, fields: dict[str, str]):
        self.field, self.key, self.op = match["field"], match["key"], match["op"]
        self.negate = bool(match["neg"])
        kind = fields.get(self.field)
        if kind is None or (kind == "metadata") != (self.key is not None):
            raise _refused(f"the field '{self.field}' cannot be searched on this resource")
        text = match["text"]
        self.value: Any = text.replace("\\'", "'").replace('\\"', '"') if text is not None else int(match["num"])
        if self.op == "~" and (kind != "text" or not isinstance(self.value, str) or len(self.value) < 3):
            raise _refused("'~' takes a quoted value of at least 3 characters on a text field")
        if self.op in "<>=" and kind != "number":
            raise _refused(f"'{self.op}' compares numbers only ('{self.field}' is not one)")

    def holds(self, obj: dict[str, Any]) -> bool:
        actual = obj.get("metadata", {}).get(self.key) if self.key is not None else obj.get(self.field)
        return self._compare(actual) != self.negate

    def _compare(self, actual: Any) -> bool:
        if self.op == "~":
            return isinstance(actual, str) and self.value.lower() in actual.lower()
        if self.op == ":":
            if isinstance(actual, bool):
                return str(self.value).lower() == str(actual).lower()
            if isinstance(actual, str) and isinstance(self.value, str):
                return actual.lower() == self.value.lower()
            return actual == self.value or str(actual) == str(self.value)
        if not isinstance(actual, int) or not isinstance(self.value, int):
            return False
        return {"<": actual < self.value, ">": actual > self.value, "<=": actual <= self.value,
                ">=": actual >= self.value}[self.op]


def _refused(why: str):
    return invalid(f"Invalid search query: {why}.", param="query")  # wording ours (see the module note)


def compile_query(query: str, fields: dict[str, str]) -> Callable[[dict[str, Any]], bool]:
    """A predicate for `query` over a resource whose searchable fields are `fields` (name -> kind)."""
    joins = _JOIN.findall(query)
    if len(set(joins)) > 1:
        raise _refused("AND and OR cannot be combined")
    parts = _JOIN.split(query)[::2]
    if len(parts) > MAX_CLAUSES:
        raise _refused(f"at most {MAX_CLAUSES} clauses")
    clauses = []
    for part in parts:
        match = _CLAUSE.fullmatch(part)
        if match is None:
            raise _refused(f"cannot read '{part.strip()[:60]}'")
        clauses.append(Clause(match, fields))
    if joins and joins[0] == "OR":
        return lambda obj: any(c.holds(obj) for c in clauses)
    return lambda obj: all(c.holds(obj) for c in clauses)
