"""Build the docs site's Sphinx source tree from `outputs/` (read only; nothing is executed).

    <src>/index.md                          what the lab is (the README's opening), the guide's contents and
                                            the scenario matrix
    <src>/guide/…                           docs/guide/ (the manual, MyST Markdown) and CONTRIBUTING.md as
                                            guide/contributing.md, their links rewritten for the site
    <src>/<area>/<notebook>/index.md        the notebook's title, paragraph and its parameter sets
    <src>/<area>/<notebook>/<set>.ipynb     the executed notebook, adjusted for reading:
        - the notebook's `parameters` cell and papermill's `injected-parameters` cell are removed, and one
          "This run's parameters" admonition takes their place: every effective value, and whether it
          comes from this parameter set or from the notebook's defaults;
        - Try-it cells (tagged `try-it`, or code calling `control_panel(`) become a one-line pointer to
          JupyterLab; any other widget output is dropped, so no widget repr reaches a page.

The guide's pages are written to read on GitHub too, so their links point where the files are in the
repository (`../../outputs/<area>/<notebook>/<set>.ipynb`, `../../README.md`, `stripe.md#webhooks`); on the
site each becomes the page that shows that file (`site_link`). A link to a file the site does not show (a
module, the Makefile) is an error: name such files in `code` instead.
"""

from __future__ import annotations

import ast
import copy
import io
import json
import posixpath
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

TRY_IT_TAG = "try-it"
EXPECTATIONS_MET = "'expectations met'"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_REPR = re.compile(r"^\s*(V|H|Grid)?Box\(children=")  # a widget's text/plain, as nbconvert would show it
GUIDE = PurePosixPath("docs/guide")  # the guide's sources in the repository; on the site: guide/
FRAGMENTS = "_fragments"  # docs/guide/_fragments/*.md: text other pages {include}; not pages of their own


@dataclass
class Run:
    area: str
    notebook: str
    name: str  # the parameter set
    path: Path  # outputs/<area>/<notebook>/<set>.ipynb
    description: str
    status: str
    nb: dict

    @property
    def doc(self) -> str:  # the page's path in the site, without suffix
        return f"{self.area}/{self.notebook}/{self.name}"


# ---- reading outputs/ -------------------------------------------------------------------------------------

def source(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def tags(cell: dict) -> list[str]:
    return cell.setdefault("metadata", {}).setdefault("tags", [])


def is_try_it(cell: dict) -> bool:
    return cell["cell_type"] == "code" and (TRY_IT_TAG in tags(cell) or "control_panel(" in source(cell))


def status(nb: dict) -> str:
    """'ok' when no cell has an error output and the expectations cell answered; otherwise what went wrong."""
    met = False
    for index, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"failed: cell {index} {out.get('ename', 'error')}"
            text = out.get("data", {}).get("text/plain", "")
            if EXPECTATIONS_MET in ("".join(text) if isinstance(text, list) else text):
                met = True
    return "ok" if met else "not run to its expectations"


def description(root: Path, area: str, notebook: str, name: str) -> str:
    """The parameter set's one-line description: the leading comment of its yaml file."""
    yaml_file = root / "parameters" / area / notebook / f"{name}.yaml"
    if not yaml_file.exists():
        return "The notebook's own defaults." if name == "default" else ""
    lines = []
    for line in yaml_file.read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def discover_runs(root: Path) -> list[Run]:
    runs = []
    for path in sorted((root / "outputs").glob("*/*/*.ipynb")):
        area, notebook, name = path.parent.parent.name, path.parent.name, path.stem
        try:
            nb = json.loads(path.read_text())
        except ValueError as exc:  # e.g. `make run` is writing it right now
            raise ValueError(f"{path.relative_to(root)} is not a notebook ({exc}); is `make run` still going?") from exc
        runs.append(Run(area, notebook, name, path, description(root, area, notebook, name), status(nb), nb))
    return runs


def title_and_intro(nb: dict) -> tuple[str, str]:
    """The notebook's title (its first `# ` heading) and the paragraph(s) after it, from the first markdown cell."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            text = source(cell).strip()
            first, _, rest = text.partition("\n")
            if first.startswith("# "):
                return first[2:].strip(), rest.strip()
            return "", text
    return "", ""


def readme_intro(root: Path) -> str:
    """The README's opening: everything between its title and its first `## ` section (links made the site's)."""
    text = (root / "README.md").read_text()
    body = text.split("\n", 1)[1] if text.startswith("# ") else text
    return rewrite_links(body.split("\n## ", 1)[0].strip(), root, PurePosixPath("README.md"), PurePosixPath("index.md"))


# ---- the guide: docs/guide/ and CONTRIBUTING.md, links rewritten for the site -----------------------------

LINK = re.compile(r"(!?\[(?:[^\]\\]|\\.)*\]\()(<[^>]*>|[^)\s]+)((?:\s+\"[^\"]*\")?\))")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def site_path(root: Path, target: PurePosixPath) -> PurePosixPath | None:
    """Where a repository file is shown on the site (a path in the source tree), or None if it is not."""
    parts = target.parts
    if target == PurePosixPath("README.md"):
        return PurePosixPath("index.md")
    if target == PurePosixPath("CONTRIBUTING.md"):
        return PurePosixPath("guide/contributing.md")
    if parts[:2] == GUIDE.parts and len(parts) > 2:
        return PurePosixPath("guide", *parts[2:])
    if parts[:1] == ("outputs",) and len(parts) == 4 and target.suffix == ".ipynb":
        return PurePosixPath(*parts[1:])
    if parts[:1] == ("outputs",) and len(parts) == 3 and (root / target).is_dir():
        return PurePosixPath(*parts[1:], "index.md")
    if parts[:1] == ("notebooks",) and len(parts) == 3 and target.suffix == ".ipynb":
        return PurePosixPath(parts[1], target.stem, "index.md")
    return None


def site_link(root: Path, url: str, source: PurePosixPath, page: PurePosixPath) -> str:
    """A link as written in the repository file `source`, for the same text shown at `page` on the site."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I) or url.startswith(("#", "/")):
        return url  # another site, mailto:, an anchor on the same page, or a site-absolute path
    path, hash_, fragment = url.partition("#")
    target = PurePosixPath(posixpath.normpath(posixpath.join(str(source.parent), path)))
    if target.parts[:1] == ("..",) or not (root / target).exists():
        raise ValueError(f"{source}: the link {url!r} leads to {target}, which does not exist")
    shown = site_path(root, target)
    if shown is None:
        raise ValueError(f"{source}: the link {url!r} leads to {target}, which the docs site does not show; "
                         "name the file in `code` instead")
    return posixpath.relpath(str(shown), str(page.parent)) + hash_ + fragment


def rewrite_links(markdown: str, root: Path, source: PurePosixPath, page: PurePosixPath) -> str:
    """Every Markdown link and image outside code, made to work from `page` on the site."""
    def relink(link: re.Match) -> str:
        return link.group(1) + site_link(root, link.group(2).strip("<>"), source, page) + link.group(3)

    out, fence = [], None
    for line in markdown.splitlines(keepends=True):
        opened = FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)) and \
                not line.strip().strip(fence[0]):
            fence = None
        elif fence is None:  # and not inside a `code span` (a link's text may hold one)
            spans = [span.span() for span in CODE_SPAN.finditer(line)]
            line = LINK.sub(lambda m: m.group(0) if any(a <= m.start() < b for a, b in spans) else relink(m), line)
        out.append(line)
    return "".join(out)


@dataclass
class GuidePage:
    doc: str  # its path on the site without suffix: guide/telegram
    title: str
    blurb: str  # its line in the guide's contents


def guide_contents(root: Path) -> list[GuidePage]:
    """The guide's pages in the order of docs/guide/index.md's list (`- [Title](page.md): what it covers`);
    every page of docs/guide must be on it, so none is left out of the site's navigation."""
    index = root / GUIDE / "index.md"
    if not index.exists():
        return []
    pages = []
    for match in re.finditer(r"^[-*] \[([^\]]+)\]\(([^)#\s]+\.md)\)(?::\s*(.*))?$", index.read_text(), re.M):
        source = PurePosixPath(posixpath.normpath(str(GUIDE / match.group(2))))
        target = site_path(root, source) if (root / source).is_file() else None
        if target is None or target.parts[0] != "guide":
            raise ValueError(f"{GUIDE}/index.md lists {match.group(2)}, which is not a guide page")
        blurb = rewrite_links(match.group(3) or "", root, GUIDE / "index.md", PurePosixPath("index.md"))
        pages.append(GuidePage(str(target.with_suffix("")), match.group(1), blurb))
    listed = {p.doc for p in pages}
    for md in sorted((root / GUIDE).glob("*.md")):
        if md.name != "index.md" and f"guide/{md.stem}" not in listed:
            raise ValueError(f"{GUIDE}/index.md does not list {md.name}: add it to the guide's contents")
    return pages


def copy_guide(root: Path, src: Path) -> set[Path]:
    """docs/guide/ into <src>/guide/ (Markdown with its links rewritten, pictures as they are) and
    CONTRIBUTING.md as <src>/guide/contributing.md. Returns the files written."""
    written = set()
    sources = [p for p in sorted((root / GUIDE).rglob("*")) if p.is_file()] if (root / GUIDE).is_dir() else []
    if (root / "CONTRIBUTING.md").exists():
        sources.append(root / "CONTRIBUTING.md")
    for path in sources:
        source = PurePosixPath(path.relative_to(root).as_posix())
        page = site_path(root, source)
        out = src / page
        if path.suffix == ".md":  # a fragment's links are read from the page that includes it, in guide/
            shown_at = PurePosixPath("guide", page.name) if FRAGMENTS in page.parts else page
            write_if_changed(out, rewrite_links(path.read_text(), root, source, shown_at))
        elif not out.exists() or out.read_bytes() != path.read_bytes():
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(path.read_bytes())
        written.add(out)
    for page in [p for p in written if p.suffix == ".md"]:  # a fragment that has not landed yet: included empty
        for name in re.findall(r"^```\{include\}\s+(\S+)\s*$", page.read_text(), re.M):
            fragment = page.parent / name
            if FRAGMENTS in fragment.parts and fragment not in written:  # not in docs/guide/_fragments/ (yet)
                write_if_changed(fragment, "")
                written.add(fragment)
    return written


# ---- the parameters admonition ----------------------------------------------------------------------------

def assignments(code: str) -> dict[str, tuple[str, str]]:
    """name -> (value as written, trailing comment) for each top-level assignment in a parameters cell."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    comments = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = " ".join(line.strip() for line in (ast.get_source_segment(code, node.value) or "").splitlines())
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = (value, comments.get(node.end_lineno, ""))
    return found


def code_span(text: str) -> str:
    """Inline code for a MyST table cell: wide enough backtick fence, pipes escaped."""
    if not text:
        return ""
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


CODE_SPAN = re.compile(r"(`+)(.+?)\1")
PUNCTUATION = re.compile(r"([!-/:-@\[-^_{-~])")  # ASCII punctuation but the backtick


def text(prose: str, in_table: bool = False) -> str:
    """Plain text (a yaml comment, a code comment) as MyST that shows it as written: `code` spans stay
    code, everything else is escaped, so `<b>`, `*` or a leading `1.` is text, not markup."""
    parts, last = [], 0
    for match in CODE_SPAN.finditer(prose):
        code = match.group(0).replace("|", "\\|") if in_table else match.group(0)
        parts += [PUNCTUATION.sub(r"\\\1", prose[last:match.start()]), code]
        last = match.end()
    parts.append(PUNCTUATION.sub(r"\\\1", prose[last:]))
    return "".join(parts)


def parameters_markdown(run: Run, defaults: str, injected: str | None) -> str:
    base, given = assignments(defaults), assignments(injected or "")
    rows = ["| parameter | value | from | note |", "| --- | --- | --- | --- |"]
    for name in list(base) + [n for n in given if n not in base]:
        value, note = given[name][0] if name in given else base[name][0], base.get(name, ("", ""))[1]
        if name not in given:
            origin = "notebook default"
        elif name in base and base[name][0] != value:
            origin = f"this set (default {code_span(base[name][0])})"
        else:
            origin = "this set"
        rows.append(f"| `{name}` | {code_span(value)} | {origin} | {text(note, in_table=True)} |")
    yaml_file = f"parameters/{run.area}/{run.notebook}/{run.name}.yaml"
    where = f" (`{yaml_file}`)" if (run.path.parents[3] / yaml_file).exists() else ""
    blurb = text(run.description) if run.description else "The notebook's own defaults."
    return "\n".join([
        f"````{{admonition}} This run's parameters: {run.name}",
        ":class: run-parameters",
        "",
        f"**Parameter set `{run.name}`**{where}: {blurb}",
        "",
        "The values this run used. \"this set\" means the parameter set overrode the notebook's default "
        "(papermill injected it); \"notebook default\" means the notebook's `parameters` cell decided.",
        "",
        *rows,
        "````",
    ])


def try_it_markdown(run: Run) -> str:
    return "\n".join([
        "```{admonition} Try it in JupyterLab",
        ":class: try-it-pointer",
        f"This panel is interactive and only works in a live kernel: run `make lab`, open "
        f"`notebooks/{run.area}/{run.notebook}.ipynb`, Run All, then use the panel.",
        "```",
    ])


def markdown_cell(body: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": body}


def drop_widget_outputs(cell: dict) -> None:
    kept = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        text = data.get("text/plain", "")
        text = "".join(text) if isinstance(text, list) else text
        if WIDGET_MIME in data or WIDGET_REPR.match(text) or "VBox(children=" in text:
            continue
        kept.append(out)
    if "outputs" in cell:
        cell["outputs"] = kept


def page_notebook(run: Run) -> dict:
    """The executed notebook as its page shows it (a copy; `run.nb` is left as read)."""
    nb = copy.deepcopy(run.nb)
    nb["metadata"].pop("widgets", None)  # no widget state: myst-nb would load the widget manager for it
    cells = nb["cells"]
    defaults = next((c for c in cells if "parameters" in tags(c)), None)
    injected = next((c for c in cells if "injected-parameters" in tags(c)), None)
    out = []
    for cell in cells:
        if cell is (injected or defaults):
            table = parameters_markdown(run, source(defaults) if defaults else "",
                                        source(injected) if injected else None)
            out.append(markdown_cell(table, "docs-parameters"))
        if cell is defaults or cell is injected:
            continue
        if is_try_it(cell):
            out.append(markdown_cell(try_it_markdown(run), f"docs-try-it-{len(out)}"))
            continue
        drop_widget_outputs(cell)
        out.append(cell)
    nb["cells"] = out
    nb["nbformat"], nb["nbformat_minor"] = 4, max(nb.get("nbformat_minor", 0), 5)  # cells carry ids
    for index, cell in enumerate(out):
        cell.setdefault("id", f"cell-{index}")
    for cell in out:  # the page's title names the set, so the search results and tabs tell sets apart
        if cell["cell_type"] == "markdown" and source(cell).lstrip().startswith("# "):
            text = source(cell).lstrip()
            first, _, rest = text.partition("\n")
            cell["source"] = f"{first} ({run.name})\n{rest}"
            break
    return nb


# ---- the pages --------------------------------------------------------------------------------------------

def status_badge(text: str) -> str:
    return "ok" if text == "ok" else f"**{text}**"


def index_page(root: Path, runs: list[Run]) -> str:
    ok = sum(r.status == "ok" for r in runs)
    rows = []
    for r in runs:
        rows += [
            f"* - {r.area}",
            f"  - [{r.notebook}]({r.area}/{r.notebook}/index.md)",
            f"  - [{r.name}]({r.doc}.ipynb)",
            f"  - {status_badge(r.status)}",
            f"  - {text(r.description) or ' '}",
        ]
    notebooks = sorted({(r.area, r.notebook) for r in runs})
    guide = guide_contents(root)
    toctrees = []  # the sidebar: the guide, then one captioned section per area, a notebook's sets under it
    if guide:
        toctrees += ["```{toctree}", ":caption: Guide", ":hidden:", ":maxdepth: 1", "",
                     "The guide <guide/index>", *[f"{p.title} <{p.doc}>" for p in guide], "```", ""]
    for area in sorted({a for a, _ in notebooks}):
        toctrees += ["```{toctree}", f":caption: {area}", ":hidden:", ":maxdepth: 2", "",
                     *[f"{n} <{a}/{n}/index>" for a, n in notebooks if a == area], "```", ""]
    return "\n".join([
        "# Integration lab",
        "",
        readme_intro(root),
        "",
        "This site is built from the guide (`docs/guide/`) and the executed notebooks committed in `outputs/` "
        "(`make docs`); nothing was run to build it. Each run's page is one notebook run with one parameter "
        "set, exactly as papermill left it; the interactive Try-it panels only work in JupyterLab (`make lab`).",
        "",
        *(["## Guide", "",
           "How the fakes, our side and the lab's commands work, page by page ([the guide](guide/index.md)):", "",
           *[f"- [{p.title}]({p.doc}.md)" + (f": {p.blurb}" if p.blurb else "") for p in guide], ""]
          if guide else []),
        "## Scenario matrix",
        "",
        f"{len(runs)} runs of {len(notebooks)} notebooks; {ok} ok. A run is ok when no cell raised and its "
        "expectations cell answered \"expectations met\".",
        "",
        "```{list-table}",
        ":header-rows: 1",
        ":class: scenario-matrix",
        ":widths: auto",
        "",
        "* - area",
        "  - notebook",
        "  - parameter set",
        "  - status",
        "  - what it shows",
        *rows,
        "```",
        "",
        *toctrees,
    ])


def notebook_page(area: str, notebook: str, runs: list[Run]) -> str:
    title, intro = title_and_intro(runs[0].nb)
    items = [f"- [{r.name}]({r.name}.ipynb): {text(r.description)} ({status_badge(r.status)})" for r in runs]
    return "\n".join([
        f"# {area}/{notebook}: {title}" if title else f"# {area}/{notebook}",
        "",
        intro,
        "",
        f"Source notebook: `notebooks/{area}/{notebook}.ipynb`.",
        "",
        "## Parameter sets",
        "",
        *items,
        "",
        "```{toctree}",
        ":hidden:",
        "",
        *[f"{r.name} <{r.name}>" for r in runs],
        "```",
        "",
    ])


def write_if_changed(path: Path, text: str) -> None:
    """Leave unchanged files alone so Sphinx rebuilds only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate(root: Path, src: Path) -> list[Run]:
    """Write the source tree into `src` (removing pages whose notebook is gone) and return the runs."""
    runs = discover_runs(root)
    wanted = {src / "index.md"} | copy_guide(root, src)
    write_if_changed(src / "index.md", index_page(root, runs))
    by_notebook: dict[tuple[str, str], list[Run]] = {}
    for r in runs:
        by_notebook.setdefault((r.area, r.notebook), []).append(r)
        page = src / f"{r.doc}.ipynb"
        write_if_changed(page, json.dumps(page_notebook(r), indent=1, ensure_ascii=False) + "\n")
        wanted.add(page)
    for (area, notebook), group in by_notebook.items():
        page = src / area / notebook / "index.md"
        write_if_changed(page, notebook_page(area, notebook, group))
        wanted.add(page)
    for stale in [p for p in src.rglob("*") if p.is_file() and (p.suffix in {".md", ".ipynb"} or "guide" in
                                                               p.relative_to(src).parts[:1])]:
        if stale not in wanted:
            stale.unlink()
    return runs
