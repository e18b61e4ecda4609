"""Helpers of the browser tests (tests/browser/): Playwright (PyPI) driving Debian's `chromium`, headless.

Playwright's own browser download is not reachable here, so the browser is the system's `chromium`
(`apt-get install chromium`; `.ci/run` installs it). Without it the tests skip with a warning naming the
package, except where a browser is required (`CI` or `LAB_REQUIRE_BROWSER` set, as `.ci/run` does): there
a missing browser fails, never skips.

The browser reaches nothing but 127.0.0.1 (`offline_proxy`) and each page records whatever it asked of
another host, so a test can fail on it; every wait is bounded (`TIMEOUT_MS` unless a test says longer);
a failing block leaves a screenshot under the test's tmp dir (`Page.screenshot_on_failure`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the `chromium` fixture says what to install (or fails, where a browser is required)
    expect = sync_playwright = None

TIMEOUT_MS = 30_000  # any single wait for the page; longer waits say so where they happen
if expect is not None:
    expect.set_options(timeout=TIMEOUT_MS)


def browser_required() -> bool:
    return any(os.environ.get(name, "").strip() not in ("", "0", "false") for name in ("CI", "LAB_REQUIRE_BROWSER"))


def missing(what: str, how: str) -> None:
    """Skip (with a warning the test summary shows) on a developer's machine; fail where a browser is required."""
    message = f"browser tests need {what}: {how}"
    if browser_required():
        pytest.fail(message + " (required here: CI or LAB_REQUIRE_BROWSER is set)", pytrace=False)
    warnings.warn(f"skipped: {message}", UserWarning, stacklevel=2)
    pytest.skip(message)


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


@contextmanager
def offline_proxy():
    """Launch options that keep the browser on loopback: every request for another host goes to a proxy
    port that is bound but never listens, so it fails at once (net::ERR_PROXY_CONNECTION_FAILED) and the
    page records it. Cheaper than intercepting every request, which would also turn the HTTP cache off."""
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))  # held, never listen()ed: nothing can answer on it
        yield {"server": f"http://127.0.0.1:{dead.getsockname()[1]}", "bypass": "127.0.0.1"}


class Page:
    """A fresh browser context and page; what it asked of other hosts, logged as errors and failed to load
    is kept for the test to assert on."""

    def __init__(self, browser):
        self.refused: list[str] = []
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.page.on("request", self._request)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def _request(self, request):
        if not is_loopback(request.url):
            self.refused.append(request.url)

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _request_failed(self, request):
        # refused ones are in `refused` already; ERR_ABORTED is a load cut short by leaving the page (a
        # favicon still on its way when the test moves on), and a missing file shows as HTTP 404 anyway
        if is_loopback(request.url) and request.failure != "net::ERR_ABORTED":
            self.failed.append(f"{request.url}: {request.failure}")

    def _response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")

    def screenshot(self, path: Path) -> Path:
        try:
            self.page.screenshot(path=str(path), full_page=True, timeout=10_000)
        except Exception as exc:  # the screenshot is a help, never the failure itself
            path.with_suffix(".txt").write_text(f"no screenshot: {exc}\n")
        return path

    @contextmanager
    def screenshot_on_failure(self, path: Path):
        """Runs the block; if it fails, the page as it was is saved as `path` (a .png)."""
        try:
            yield self.page
        except BaseException as exc:
            self.screenshot(path)
            exc.add_note(f"screenshot: {path}")
            raise

    def close(self) -> None:
        self.context.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen | None, timeout: float, log: Path | None = None) -> None:
    """Until `url` answers 200, the process dies (fail, with its log) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            pytest.fail(f"{process.args[:4]} exited with {process.returncode} before {url} answered:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            pytest.fail(f"{url} did not answer within {timeout:.0f} s:\n{tail}")
        time.sleep(0.2)


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate a process we started (coverage saves its data on SIGTERM), then kill it if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
