"""The docs site (`make docs`) in a real browser, served on 127.0.0.1 by `python -m integration_lab.docs serve`
(what `make docs-serve` runs), with every request to another host refused: the site must work offline.

One crawl visits every page of the site (every .html file, and every page a link leads to: the guide's pages
and the notebooks' alike) and keeps what a visitor would meet: console errors, failed or refused requests, links and images that lead nowhere,
plots drawn at no size, raw widget reprs, and anything that looks like a secret. The checks below read it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

from browser_support import Page, expect, stop
from docs_build import built_site

ROOT = Path(__file__).resolve().parents[2]
DECLINE = "payments/02_declines_and_3ds/insufficient-funds"
SECRETS = re.compile(r"sk_live_[A-Za-z0-9]+|\b[sr]k_test_[A-Za-z0-9]{20,}|\bwhsec_[A-Za-z0-9+/=]{20,}"
                     r"|\b\d{8,10}:[A-Za-z0-9_-]{35}\b")
GUIDE = sorted(p.stem for p in (ROOT / "docs" / "guide").glob("*.md")) + ["contributing"]  # CONTRIBUTING.md's page
# myst-parser still calls an attribute Sphinx 11 removes; not ours to fix (as in tests/test_docs_site.py).
# The site is read from outputs/, never from Redis: CI's real-Redis pass leaves this module out.
pytestmark = [pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications"),
              pytest.mark.redis_free]


def made_up() -> list[str]:
    from integration_lab.app.service import DEFAULTS

    return [value for value in DEFAULTS.values() if isinstance(value, str)]


MADE_UP = made_up()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return built_site(tmp_path_factory)


@pytest.fixture(scope="module")
def served(site):
    """`python -m integration_lab.docs serve` on a free loopback port (it prints the URL it serves)."""
    process = subprocess.Popen([sys.executable, "-m", "integration_lab.docs", "serve", "--dir", str(site),
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, f"serve printed {line!r}"
        yield match.group(0)
    finally:
        stop(process)
        process.stdout.close()


# Everything the crawl needs from one loaded page, in one round trip.
READ_PAGE = """() => ({
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  images: [...document.querySelectorAll('img')].map(img => {
    const box = img.getBoundingClientRect();
    return {src: img.currentSrc || img.src, loaded: img.complete && img.naturalWidth > 0,
            width: box.width, height: box.height, plot: !!img.closest('.cell_output, .output')};
  }),
  ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.getAttribute('name')),
  text: document.body.innerText,
})"""


@dataclass
class Crawl:
    pages: dict[str, dict] = field(default_factory=dict)  # url -> what READ_PAGE returned
    broken: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    widget_reprs: list[str] = field(default_factory=list)


def served_file(site: Path, served: str, url: str) -> Path:
    path = site / unquote(urlsplit(url).path).lstrip("/")
    return path / "index.html" if path.is_dir() else path


def is_page(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith((".html", "/"))


@pytest.fixture(scope="module")
def crawl(chromium, served, site, tmp_path_factory) -> Crawl:
    """Every page: each .html file in the site and every page reached by a link, loaded once."""
    result = Crawl()
    browser = Page(chromium)
    page = browser.page
    queue = [served] + [served + p.relative_to(site).as_posix() for p in sorted(site.rglob("*.html"))]
    referrer: dict[str, str] = {}  # a page reached by a link -> the first page linking to it
    targets: dict[str, str] = {}  # a link or image to something that is not a page -> the page naming it
    fragments: list[tuple[str, str, str]] = []  # (page, target page, #fragment)
    shots = tmp_path_factory.mktemp("docs-site-failures")
    try:
        while queue:
            url = queue.pop()
            if url in result.pages:
                continue
            before = len(browser.console_errors), len(browser.failed)
            with browser.screenshot_on_failure(shots / (re.sub(r"\W+", "-", url[len(served):]) + ".png")):
                response = page.goto(url, wait_until="load")
                if response is None or response.status != 200:
                    result.broken.append(f"{referrer.get(url, '(a file of the site)')} -> {url[len(served) - 1:]}: "
                                         f"HTTP {response and response.status}")
                    continue
                data = page.evaluate(READ_PAGE)
            html = served_file(site, served, url).read_text()  # the page as served, attributes and all
            result.pages[url] = data
            where = url[len(served) - 1:]
            result.console += [f"{where}: {e}" for e in browser.console_errors[before[0]:]]
            result.failed += [f"{where}: {e}" for e in browser.failed[before[1]:]]
            shown = html + data["text"]
            for value in MADE_UP:  # the lab's made-up defaults, which the guide shows (a reader needs them)
                shown = shown.replace(value, "")
            result.secrets += [f"{where}: {m[:12]}…" for m in SECRETS.findall(shown)]
            if "VBox(children=" in html:
                result.widget_reprs.append(where)
            for link in data["links"] + [img["src"] for img in data["images"]]:
                target, fragment = urldefrag(link)
                if not target.startswith(served):
                    continue  # links out of the site are not followed (nor fetched: refused if they were)
                if is_page(target):
                    queue.append(target)
                    referrer.setdefault(target, where)
                    if fragment:
                        fragments.append((where, target, unquote(fragment)))
                else:
                    targets.setdefault(target, where)
        for target, where in targets.items():
            response = page.request.get(target)
            if response.status != 200:
                result.broken.append(f"{where} -> {target[len(served) - 1:]}: HTTP {response.status}")
        for where, target, fragment in fragments:
            if target in result.pages and fragment not in result.pages[target]["ids"]:
                result.broken.append(f"{where} -> {target[len(served) - 1:]}#{fragment}: no such anchor")
        result.refused = browser.refused
        yield result
    finally:
        browser.close()


def test_the_site_in_a_browser(chromium, crawl, site, served, subtests, tmp_path):
    """One test (so xdist keeps it on one worker, with one crawl); each check reported on its own."""
    checks = [(every_page_loads_without_console_errors_or_failed_requests, (crawl, site)),
              (every_guide_page_is_crawled_and_links_to_the_others, (crawl, served)),
              (nothing_is_requested_from_another_host, (crawl,)),
              (no_broken_internal_link_or_image, (crawl,)),
              (every_plot_is_drawn_with_a_size, (crawl,)),
              (no_page_shows_a_widget_repr_or_a_secret, (crawl,)),
              (search_for_insufficient_funds_finds_the_decline_page, (chromium, served, tmp_path))]
    for check, args in checks:
        with subtests.test(msg=check.__name__.replace("_", " ")):
            check(*args)


def every_page_loads_without_console_errors_or_failed_requests(crawl, site):
    html_files = len(list(site.rglob("*.html")))
    assert len(crawl.pages) >= html_files > 100, (len(crawl.pages), html_files)
    assert crawl.console == [], "\n".join(crawl.console[:20])
    assert crawl.failed == [], "\n".join(crawl.failed[:20])


def every_guide_page_is_crawled_and_links_to_the_others(crawl, served):
    """Each guide page was opened (so the checks above cover it), and its sidebar reaches every other one."""
    for name in GUIDE:
        url = f"{served}guide/{name}.html"
        assert url in crawl.pages, f"the crawl never opened guide/{name}.html"
        links = {urldefrag(link)[0] for link in crawl.pages[url]["links"]}
        assert {f"{served}guide/{other}.html" for other in GUIDE if other != name} <= links, name
    layers = [img for img in crawl.pages[f"{served}guide/architecture.html"]["images"] if img["src"].endswith("layers.svg")]
    assert len(layers) == 1 and layers[0]["loaded"] and layers[0]["width"] > 300, layers


def nothing_is_requested_from_another_host(crawl):
    assert crawl.refused == [], "the site must work offline; it asked for:\n" + "\n".join(crawl.refused[:20])


def no_broken_internal_link_or_image(crawl):
    assert crawl.broken == [], "\n".join(crawl.broken[:30])


def every_plot_is_drawn_with_a_size(crawl):
    plots = [(url, img) for url, data in crawl.pages.items() for img in data["images"] if img["plot"]]
    assert len(plots) > 20, f"only {len(plots)} plots on the whole site"
    bad = [f"{url}: {img['src']} loaded={img['loaded']} {img['width']}x{img['height']}"
           for url, img in plots if not (img["loaded"] and img["width"] > 0 and img["height"] > 0)]
    assert bad == [], "\n".join(bad[:20])
    images = [img for data in crawl.pages.values() for img in data["images"]]
    assert all(img["loaded"] for img in images), [img["src"] for img in images if not img["loaded"]][:20]


def no_page_shows_a_widget_repr_or_a_secret(crawl):
    assert (crawl.widget_reprs, crawl.secrets) == ([], []), (
        f"widget reprs on {crawl.widget_reprs[:10]}; secrets: {crawl.secrets[:10]}")


def search_for_insufficient_funds_finds_the_decline_page(chromium, served, tmp_path):
    """A visitor types the decline code into the sidebar's search box on the landing page."""
    browser = Page(chromium)
    try:
        with browser.screenshot_on_failure(tmp_path / "search.png") as page:
            page.goto(served)
            box = page.locator("form[role=search] input[name=q], input.sidebar-search").first
            box.fill("insufficient_funds")
            box.press("Enter")
            page.wait_for_url("**/search.html?q=insufficient_funds*")
            results = page.locator("#search-results a")
            expect(results.first).to_be_visible()
            hrefs = [a.get_attribute("href") or "" for a in results.all()]
            assert any(DECLINE in h for h in hrefs), hrefs
            page.locator("#search-results a", has_text=re.compile("insufficient", re.I)).first.click()
            page.wait_for_url(f"**/{DECLINE}.html*")
            expect(page.locator("article")).to_contain_text("insufficient_funds")
        assert browser.console_errors == [] and browser.failed == [] and browser.refused == [], (
            browser.console_errors, browser.failed, browser.refused)
    finally:
        browser.close()
