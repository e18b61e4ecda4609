"""The README is the first ten minutes and the guide is the manual: the README stays short, its table of
notebooks matches what `make run` runs, it points at every guide page, and every relative link in the
README, CONTRIBUTING.md and docs/guide/ leads to a file that exists (as GitHub shows them; the docs site's
own links are checked by test_docs_site.py)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "guide"
pytestmark = pytest.mark.redis_free  # reads files only
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\)")


def without_code(text: str) -> str:
    return re.sub(r"(?ms)^(`{3,}|~{3,}).*?^\1\s*$", "", text)


def anchors(markdown: str) -> set[str]:
    """GitHub's (and MyST's) heading slugs: lower case, punctuation dropped, spaces to hyphens."""
    slugs = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", without_code(markdown), re.M):
        text = re.sub(r"[`*_]", "", heading).strip().lower()
        slugs.add(re.sub(r"\s", "-", re.sub(r"[^\w\- ]", "", text)))
    return slugs


def test_the_readme_is_the_first_ten_minutes():
    lines = README.read_text().splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; the manual belongs in docs/guide/"
    text = README.read_text()
    for command in ("make setup", "make run", "make test", "make lab", "make docs"):
        assert f"$ {command}" in text, command


def test_the_readme_table_lists_every_notebook_and_parameter_set():
    table = {}
    for row in re.findall(r"^\| `([a-z]+/\d\d_[a-z0-9_]+)`: [^|]+\| ([^|]+) \|$", README.read_text(), re.M):
        table[row[0]] = {s.strip() for s in row[1].split(",")}
    expected = {}
    for notebook in sorted((ROOT / "notebooks").glob("*/*.ipynb")):
        name = f"{notebook.parent.name}/{notebook.stem}"
        sets = {p.stem for p in (ROOT / "parameters" / name).glob("*.yaml")}
        expected[name] = sets or {"default"}
    assert table == expected
    runs = sum(len(sets) for sets in expected.values())
    assert len(list((ROOT / "outputs").glob("*/*/*.ipynb"))) == runs
    assert re.findall(r"(\d+) runs", README.read_text()) == [str(runs)]
    assert f"{runs} passed, 0 failed" in README.read_text()


def test_the_readme_points_at_every_guide_page():
    linked = {unquote(target.partition("#")[0]) for target in LINK.findall(without_code(README.read_text()))}
    pages = {f"docs/guide/{p.name}" for p in GUIDE.glob("*.md")} | {"CONTRIBUTING.md"}
    assert pages <= linked, pages - linked


@pytest.mark.parametrize("page", [README, ROOT / "CONTRIBUTING.md", *sorted(GUIDE.rglob("*.md"))],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_leads_somewhere(page):
    problems = []
    for target in LINK.findall(without_code(page.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            continue
        path, _, fragment = unquote(target).partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            problems.append(f"{target}: no {file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}")
        elif not file.is_relative_to(ROOT):
            problems.append(f"{target}: outside the repository")
        elif fragment and file.suffix == ".md" and fragment not in anchors(file.read_text()):
            problems.append(f"{target}: no heading #{fragment} in {file.relative_to(ROOT)}")
    assert not problems, "\n".join(problems)
