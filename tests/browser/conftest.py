"""Fixtures of the browser tests; the helpers and what they promise are in browser_support.py."""

from __future__ import annotations

import shutil

import pytest

from browser_support import missing, offline_proxy, sync_playwright


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, headless, started by Playwright's sync API (one per test module and xdist worker)."""
    executable = shutil.which("chromium")
    if executable is None:
        missing("`chromium` on PATH", "install Debian's package: `sudo apt-get install chromium`")
    if sync_playwright is None:
        missing("the `playwright` package", "run `make setup` (it is in the dev extra)")
    with sync_playwright() as playwright, offline_proxy() as proxy:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, proxy=proxy,
                                             args=["--disable-gpu", "--no-first-run"])
        try:
            yield browser
        finally:
            browser.close()

