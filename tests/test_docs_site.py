"""The docs site (`make docs`): built once from outputs/ into a tmp dir, then read as a visitor's browser would.

Every run in outputs/ has a page and a row in the landing page's scenario matrix, with a working relative
link and the status its notebook records; each executed page shows this run's parameters once and no
Try-it widget; nothing is loaded from another host; Sphinx's search index finds the decline scenario. The
guide (docs/guide/ and CONTRIBUTING.md) is there beside the notebooks, in the sidebar and on the landing
page, its links and anchors resolve, and the architecture page shows the layers picture. The build itself
fails on any Sphinx warning (`-W`), a missing page or anchor included.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import httpx
import pytest
import yaml

from docs_build import built_site

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = sorted((ROOT / "outputs").glob("*/*/*.ipynb"))
DECLINE = "payments/02_declines_and_3ds/insufficient-funds"
# Hosts a page may name outside a plain <a href> link: the SVG namespace, never fetched.
ALLOWED_HOSTS = {"www.w3.org"}
# Elements whose attributes make a browser fetch something.
RESOURCE_ATTRS = {"src", "srcset", "data", "poster", "background", "action", "formaction"}
# myst-parser still calls an attribute Sphinx 11 removes; not ours to fix.
pytestmark = [pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications"),
              pytest.mark.redis_free]  # never reaches a Redis server: the real-Redis pass of CI leaves it out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return built_site(tmp_path_factory)


def run_name(notebook: Path) -> str:
    return notebook.relative_to(ROOT / "outputs").with_suffix("").as_posix()


def expected_status(notebook: Path) -> str:
    outputs = [o for c in json.loads(notebook.read_text())["cells"] for o in c.get("outputs", [])]
    if any(o["output_type"] == "error" for o in outputs):
        return "failed"
    texts = ["".join(o.get("data", {}).get("text/plain", "")) for o in outputs]
    return "ok" if "'expectations met'" in texts else "not run"


class Page(HTMLParser):
    """What the tests read from one HTML page: links, fetched resources, tables, classed blocks, text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.anchors: list[str] = []
        self.fetched: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.other_urls: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self.classes: list[str] = []
        self.tables: list[dict] = []  # {"class": ..., "rows": [[(text, href), ...], ...]}
        self._table = self._cell = None
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.classes += (attrs.get("class") or "").split()
        for name, value in attrs.items():
            if not value:
                continue
            if tag == "a" and name == "href":
                self.anchors.append(value)
                if self._cell is not None:
                    self._cell[1] = value
            elif name in RESOURCE_ATTRS or (tag == "link" and name == "href") or name == "style":
                self.fetched.append((tag, name, value))
            elif re.search(r"(https?:)?//", value) and name != "xmlns":
                self.other_urls.append((tag, name, value))
        if tag == "style":
            self._in_style = True
        elif tag == "table":
            self._table = {"class": attrs.get("class") or "", "rows": []}
            self.tables.append(self._table)
        elif tag == "tr" and self._table is not None:
            self._table["rows"].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = ["", None]

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table["rows"][-1].append((" ".join(self._cell[0].split()), self._cell[1]))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)
        if self._cell is not None:
            self._cell[0] += data


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def off_site(url: str) -> bool:
    parsed = urlparse(url.strip())
    return bool(parsed.scheme in ("http", "https") or url.strip().startswith("//")) and \
        parsed.hostname not in ALLOWED_HOSTS


def css_off_site(css: str) -> list[str]:
    found = re.findall(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)", css)
    found += re.findall(r"url\(\s*['\"]?([^'\")\s]+)", css)
    return [u for u in found if off_site(u)]


def test_every_run_and_notebook_has_a_page(site):
    assert len(OUTPUTS) > 0
    for notebook in OUTPUTS:
        assert (site / f"{run_name(notebook)}.html").is_file(), run_name(notebook)
    for folder in {n.parent for n in OUTPUTS}:
        page = Page((site / folder.relative_to(ROOT / "outputs") / "index.html").read_text())
        sets = {Path(urlparse(a).path).stem for a in page.anchors if not urlparse(a).scheme}
        assert {n.stem for n in folder.glob("*.ipynb")} <= sets, folder


def test_the_matrix_lists_every_run_with_its_status_description_and_a_working_link(site):
    html = (site / "index.html").read_text()
    assert "faithful fakes" in html  # what the lab is: the README's opening
    page = Page(html)
    matrix = next(t for t in page.tables if "scenario-matrix" in t["class"])
    header, *rows = matrix["rows"]
    assert [text for text, _ in header] == ["area", "notebook", "parameter set", "status", "what it shows"]
    listed = {}
    for (area, _), (notebook, notebook_href), (name, href), (status, _), (what, _) in rows:
        assert href and not urlparse(href).scheme and not href.startswith("/"), href
        target = site / unquote(urlparse(href).path)
        assert target.is_file(), href
        assert (site / unquote(urlparse(notebook_href).path)).is_file(), notebook_href
        listed[f"{area}/{notebook}/{name}"] = (status, what, target)
    assert set(listed) == {run_name(n) for n in OUTPUTS}
    for notebook in OUTPUTS:
        status, what, target = listed[run_name(notebook)]
        assert status.split(":")[0].startswith(expected_status(notebook)), (run_name(notebook), status)
        assert target == site / f"{run_name(notebook)}.html"
        yaml_file = ROOT / "parameters" / f"{run_name(notebook)}.yaml"
        if yaml_file.exists():
            first = yaml_file.read_text().splitlines()[0]  # the set's description (markdown: `code` renders)
            assert first.startswith("#") and first.lstrip("# ").replace("`", "").strip() in what, run_name(notebook)
    assert listed[DECLINE][0] == "ok"


def test_no_page_loads_anything_from_another_host(site):
    problems = []
    for path in pages(site):
        page = Page(path.read_text())
        problems += [(path.name, tag, name, url) for tag, name, url in page.fetched
                     if name != "style" and any(off_site(u.split()[0]) for u in url.split(",") if u.strip())]
        problems += [(path.name, tag, name, url) for tag, name, url in page.fetched
                     if name == "style" and css_off_site(url)]
        problems += [(path.name, "style", u) for css in page.styles for u in css_off_site(css)]
        problems += [(path.name, tag, name, url) for tag, name, url in page.other_urls if off_site(url)]
    for path in [*site.rglob("*.css")]:
        problems += [(path.name, u) for u in css_off_site(path.read_text())]
    for path in [*site.rglob("*.js"), *site.rglob("*.css")]:  # a URL as a string literal would be fetched
        problems += [(path.name, u) for u in re.findall(r"[\"'`]((?:https?:)?//[^\"'`\s]+)", path.read_text())
                     if off_site(u)]
    assert not problems
    index = (site / "index.html").read_text()
    assert not re.search(r"fonts\.(googleapis|gstatic)|mathjax|require\.js|jsdelivr|unpkg|cdnjs", index, re.I)


def test_no_widget_repr_and_try_it_cells_point_to_jupyterlab(site):
    for path in site.rglob("*"):
        if path.suffix in {".html", ".js", ".txt"}:
            assert "VBox(children=" not in path.read_text(), path
    for notebook in OUTPUTS:
        html = (site / f"{run_name(notebook)}.html").read_text()
        page = Page(html)
        cells = json.loads(notebook.read_text())["cells"]
        try_it = sum(c["cell_type"] == "code" and ("try-it" in c["metadata"].get("tags", [])
                                                   or "control_panel(" in "".join(c["source"])) for c in cells)
        assert page.classes.count("try-it-pointer") == try_it, run_name(notebook)
        assert "control_panel" not in html, run_name(notebook)


def test_each_executed_page_shows_this_runs_parameters_once(site):
    for notebook in OUTPUTS:
        injected = json.loads(notebook.read_text())["metadata"]["papermill"]["parameters"]
        html = (site / f"{run_name(notebook)}.html").read_text()
        page = Page(html)
        assert page.classes.count("run-parameters") == 1, run_name(notebook)
        # neither parameters cell is shown as code (papermill's starts with "# Parameters")
        assert not re.search(r'<span class="n">scenario_id</span>\s*<span class="o">=', html), run_name(notebook)
        table = next(t for t in page.tables if t["rows"][0][0][0] == "parameter")
        rows = {cells[0][0]: cells for cells in table["rows"][1:]}
        assert len(rows) == len(table["rows"]) - 1  # one row per parameter
        for name, value in injected.items():
            assert rows[name][2][0].startswith("this set"), (run_name(notebook), name)
            assert ast.literal_eval(rows[name][1][0]) == value, (run_name(notebook), name, rows[name])
        assert ast.literal_eval(rows["scenario_id"][1][0]) == run_name(notebook)
        if (ROOT / "parameters" / f"{run_name(notebook)}.yaml").exists():
            assert f"parameters/{run_name(notebook)}.yaml" in html


def test_plots_are_images_on_the_site(site):
    for notebook in OUTPUTS:
        pngs = sum("image/png" in o.get("data", {}) for c in json.loads(notebook.read_text())["cells"]
                   for o in c.get("outputs", []))
        page_path = site / f"{run_name(notebook)}.html"
        images = [src for tag, name, src in Page(page_path.read_text()).fetched if tag == "img" and name == "src"]
        assert len(images) >= pngs, run_name(notebook)
        for src in images:
            assert (page_path.parent / unquote(src)).resolve().is_file(), src


def test_search_index_finds_the_decline_page(site):
    from sphinx.search.en import SearchEnglish

    text = (site / "searchindex.js").read_text()
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    term = SearchEnglish({}).stem("insufficient_funds")  # the form Sphinx indexes and its search page asks for
    assert "insufficient_fund" in term
    docs = index["terms"][term]
    docs = docs if isinstance(docs, list) else [docs]
    assert index["docnames"].index(DECLINE) in docs
    assert "search.html" in {p.name for p in site.iterdir()}


def test_nothing_that_looks_like_a_secret(site):
    """The guide shows the lab's made-up defaults (the Telegram fake's bot token, which a reader needs to call
    it); nothing else that looks like a credential may reach a page."""
    from integration_lab.app.service import DEFAULTS

    secret = re.compile(r"\b(sk|rk)_(test|live)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9]{8,}|\b\d{6,12}:[A-Za-z0-9_-]{30,}")
    made_up = [value for value in DEFAULTS.values() if isinstance(value, str)]
    for path in site.rglob("*"):
        if path.suffix in {".html", ".js"}:
            text = path.read_text()
            for value in made_up:
                text = text.replace(value, "")
            assert not secret.search(text), path


def test_docs_serve_answers_on_loopback(site):
    serve = subprocess.Popen([sys.executable, "-m", "integration_lab.docs", "serve", "--dir", str(site),
                              "--port", "0"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = serve.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        assert "scenario-matrix" in httpx.get(base, timeout=10).text
        page = httpx.get(urljoin(base, f"{DECLINE}.html"), timeout=10)
        assert page.status_code == 200 and "insufficient_funds" in page.text
    finally:
        serve.terminate()
        serve.wait(timeout=10)


def test_parameter_descriptions_are_read_from_the_yaml_comment():
    from integration_lab.docs.generate import description

    area, notebook, name = DECLINE.split("/")
    text = description(ROOT, area, notebook, name)
    assert text.startswith("Card ending 9995") and "insufficient_funds" in text
    assert yaml.safe_load((ROOT / "parameters" / f"{DECLINE}.yaml").read_text())["expect_code"] == "insufficient_funds"


def test_a_page_notebook_merges_the_parameters_and_drops_every_widget():
    from integration_lab.docs.generate import Run, page_notebook

    def code(src, tags=(), outputs=()):
        return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": src, "outputs": list(outputs),
                "execution_count": 1}

    widget = {"output_type": "execute_result", "execution_count": 1, "metadata": {},
              "data": {"text/plain": "VBox(children=(Button(description='Go'),))",
                       "application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2}}}
    table = {"output_type": "execute_result", "execution_count": 1, "metadata": {},
             "data": {"text/plain": "   a\n0  1", "text/html": "<table></table>"}}
    nb = {"nbformat": 4, "nbformat_minor": 4, "metadata": {"widgets": {"state": {}}}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# A title\n\nWhat it shows."},
        code('card = "pm_card_visa"  # which card\nlimits = ["3/minute", "20/day"]\nseed = 1', ["parameters"]),
        code('# Parameters\ncard = "pm_card_visa_chargeDeclined"\n', ["injected-parameters"]),
        code("world.pay(card)", outputs=[table]),
        code("w.Button()", outputs=[widget]),  # a stray widget: its output goes, the cell stays
        code("panel()", [ "try-it"], [widget]),  # tagged Try-it
        code("control_panel('Pay', {}, run)", ["nbval-ignore-output"], [widget]),  # recognised by its call
    ]}
    run = Run("payments", "99_example", "declined", ROOT / "outputs/payments/99_example/declined.ipynb",
              "A card that declines: `402` <b>", "ok", nb)
    page = page_notebook(run)
    assert nb["metadata"]["widgets"] and len(nb["cells"]) == 7  # the notebook read is left alone
    text = json.dumps(page)
    assert "VBox(children=" not in text and "widget-view" not in text and "widgets" not in page["metadata"]
    sources = ["".join(c["source"]) for c in page["cells"]]
    assert sources[0].startswith("# A title (declined)\n")
    params = sources[1]
    assert ":class: run-parameters" in params and "# Parameters" not in "".join(sources[2:])
    assert '| `card` | `"pm_card_visa_chargeDeclined"` | this set (default `"pm_card_visa"`) | which card |' in params
    assert '| `limits` | `["3/minute", "20/day"]` | notebook default |  |' in params
    assert r"`402` \<b\>" in params  # the yaml comment is text, not HTML
    assert ".yaml" not in params  # no parameter file to name
    assert sum("try-it-pointer" in s for s in sources) == 2
    assert page["cells"][2]["outputs"] == [table] and page["cells"][3]["outputs"] == []
    assert all(c.get("id") for c in page["cells"]) and page["nbformat_minor"] >= 5


# ---- the guide (docs/guide/ and CONTRIBUTING.md) ------------------------------------------------------------
GUIDE = sorted((ROOT / "docs" / "guide").glob("*.md"))


def guide_pages(site: Path) -> list[Path]:
    return [site / "guide" / f"{md.stem}.html" for md in GUIDE] + [site / "guide" / "contributing.html"]


def sidebar(html: str) -> list[tuple[str, list[str]]]:
    """Furo's sidebar: each caption with the links under it, in order."""
    tree = html[html.index('class="sidebar-tree"'):]
    tree = tree[:tree.index("</nav>")] if "</nav>" in tree else tree
    sections = []
    for part in re.split(r'<p class="caption"[^>]*><span class="caption-text">', tree)[1:]:
        caption, _, rest = part.partition("</span>")
        links = re.findall(r'class="toctree-l1[^"]*"><a class="(?:current )?reference internal" href="([^"]*)"', rest)
        sections.append((caption, links))
    return sections


def test_every_guide_page_is_on_the_site_beside_the_notebooks(site):
    assert len(GUIDE) >= 10
    for page in guide_pages(site):
        assert page.is_file(), page
    areas = sorted({n.parent.parent.name for n in OUTPUTS})
    for where, prefix in ((site / "index.html", "guide/"), (site / "guide" / "journey.html", "")):
        sections = sidebar(where.read_text())
        assert [caption for caption, _ in sections] == ["Guide", *areas], where
        guide_links = {unquote(urlparse(h).path) or where.name for h in sections[0][1]}  # "#": the page itself
        assert guide_links == {prefix + p.name for p in guide_pages(site)}, where
    landing = Page((site / "index.html").read_text())
    listed = {urlparse(a).path for a in landing.anchors}
    assert {f"guide/{md.stem}.html" for md in GUIDE if md.stem != "index"} <= listed  # the landing page's Guide list


def test_guide_links_lead_to_pages_and_anchors_that_exist(site):
    checked = 0
    for page in guide_pages(site):
        for href in Page(page.read_text()).anchors:
            parsed = urlparse(href)
            if parsed.scheme or href.startswith("//"):
                continue
            target = (page.parent / unquote(parsed.path)).resolve() if parsed.path else page
            assert target.is_file(), (page.name, href)
            if parsed.fragment:
                assert re.search(rf'id="{re.escape(unquote(parsed.fragment))}"', target.read_text()), (page.name, href)
            checked += 1
    assert checked > 100
    telegram = Page((site / "guide" / "telegram.html").read_text())
    assert "../telegram/02_webhooks/index.html" in telegram.anchors  # a notebook linked as outputs/… in the source


def test_the_layers_picture_is_on_the_architecture_page(site):
    page = site / "guide" / "architecture.html"
    images = [src for tag, name, src in Page(page.read_text()).fetched if tag == "img" and name == "src"]
    svg = [src for src in images if src.endswith("layers.svg")]
    assert len(svg) == 1, images
    text = (page.parent / unquote(svg[0])).resolve().read_text()
    assert text.lstrip().startswith("<svg") and "<script" not in text
    assert set(re.findall(r"https?://([^/\"' ]+)", text)) <= ALLOWED_HOSTS
    for layer in ("runtime", "fakes", "app", "scenarios", "specs"):
        assert layer in text


def test_guide_links_are_made_the_sites():
    from pathlib import PurePosixPath as P

    from integration_lab.docs.generate import rewrite_links, site_link

    page, source = P("guide/x.md"), P("docs/guide/x.md")
    root = "../" * 2  # from docs/guide/ to the repository's root, as the guide's links climb
    assert site_link(ROOT, f"{root}outputs/{DECLINE}.ipynb", source, page) == f"../{DECLINE}.ipynb"
    assert site_link(ROOT, root + "outputs/payments/03_webhooks", source, page) == "../payments/03_webhooks/index.md"
    assert site_link(ROOT, root + "notebooks/redis/02_sessions.ipynb", source, page) == "../redis/02_sessions/index.md"
    assert site_link(ROOT, "app.md#a-redis-outage", source, page) == "app.md#a-redis-outage"
    assert site_link(ROOT, root + "README.md", source, page) == "../index.md"
    assert site_link(ROOT, "docs/guide/app.md", P("CONTRIBUTING.md"), P("guide/contributing.md")) == "app.md"
    assert site_link(ROOT, "https://core.telegram.org/bots/api", source, page) == "https://core.telegram.org/bots/api"
    with pytest.raises(ValueError, match="does not show"):
        site_link(ROOT, root + "Makefile", source, page)
    with pytest.raises(ValueError, match="does not exist"):
        site_link(ROOT, "no-such-page.md", source, page)
    text = f"See [the Makefile]({root}Makefile).\n```console\n$ echo '[x]({root}Makefile)'\n```\n"
    with pytest.raises(ValueError):
        rewrite_links(text, ROOT, source, page)
    fenced = f"```console\n$ echo '[x]({root}Makefile)'\n```\n"
    assert rewrite_links(fenced, ROOT, source, page) == fenced  # code is left as written
    spans = f"`[x]({root}Makefile)` and [`payments/03_webhooks`]({root}outputs/payments/03_webhooks)"
    assert rewrite_links(spans, ROOT, source, page) == \
        f"`[x]({root}Makefile)` and [`payments/03_webhooks`](../payments/03_webhooks/index.md)"
