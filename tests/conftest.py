"""Library tests run on fakeredis, or on the real server in $REDIS_URL (CI runs both)."""

from __future__ import annotations

import os
import re

import pytest

import integration_lab as il


def pytest_configure(config):
    config.addinivalue_line("markers", "redis_free: the module never reaches a Redis server (checked by running it "
                                       "with REDIS_URL at a closed port); the real-Redis pass leaves it out")


def pytest_collection_modifyitems(config, items):
    """LAB_REDIS_PASS=1 (CI's second pass, on a real redis-server): only the tests that can reach Redis; the
    others would run exactly as they did on the first pass."""
    if os.environ.get("LAB_REDIS_PASS") != "1":
        return
    left_out = [item for item in items if item.get_closest_marker("redis_free")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("redis_free")]


@pytest.fixture
async def lab(request):
    # one keyspace per test, so parallel workers can share a real Redis
    scenario = "test/" + re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid)
    lab = await il.setup(scenario, start="2026-01-05T09:00:00Z", seed=1)
    yield lab
    await lab.backend.clean()
    await lab.close()


class CommandCounter:
    """Counts the commands a client sends (each a round trip, outside pipelines)."""

    def __init__(self, client):
        self.commands: list[str] = []
        original = client.execute_command

        async def counting(*args, **options):
            self.commands.append(str(args[0]).upper())
            return await original(*args, **options)

        client.execute_command = counting

    def reset(self) -> None:
        self.commands.clear()


@pytest.fixture
def count_commands(lab):
    return CommandCounter(lab.redis)


@pytest.fixture(scope="module")
def served_telegram():
    """The Telegram fake served by uvicorn on a loopback port, as `serve telegram` runs it."""
    from integration_lab.serve import DEFAULT_TELEGRAM_TOKEN, telegram_app
    from integration_lab.runtime.processes import Served

    fake, app = telegram_app(None, limits=True)
    with Served(app) as url:
        yield TelegramServer(url, DEFAULT_TELEGRAM_TOKEN, fake)


class TelegramServer:
    """A served fake and its control API (plain httpx, as a test in any language would use it)."""

    def __init__(self, url: str, token: str, fake):
        self.url, self.token, self.fake = url, token, fake

    def control(self, verb: str, path: str, body: dict | None = None) -> dict:
        import httpx

        response = httpx.request(verb, f"{self.url}/_lab/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def upgraded_group(self, user_id: int, name: str) -> tuple[dict, dict]:
        """A group `user_id` created with the bot, then upgraded: (the old group, the supergroup)."""
        group = self.control("POST", "groups", {"title": "Buyers", "from": {"id": user_id, "first_name": name}})["chat"]
        return group, self.control("POST", f"chats/{group['id']}/upgrade", {"from": {"id": user_id}})["chat"]

    def user_says(self, user_id: int, text: str, chat_id: int | None = None, name: str = "Ada") -> dict:
        return self.control("POST", f"chats/{chat_id or user_id}/messages",
                            {"from": {"id": user_id, "first_name": name}, "text": text})["message"]


# ---- The lab stands alone: no test reads beside the repository (with tests/test_stands_alone.py) ----------
# A clone elsewhere has no sibling directories. This audit hook sees every open, listdir, scandir and glob in
# the test process. It records a path that resolves into the repository's parent directory but not into the
# repository. Nothing else is watched, so site-packages, /tmp and /proc stay quiet. Exempt: this Python's own
# prefixes (a venv kept beside the checkout) and hidden siblings (~/.cache, ~/.config when the clone sits in a
# home directory). The session fixture below turns a record into an error at the end, also on xdist workers.
# Subprocesses (served apps, kernels) are not watched.
import sys as _sys  # noqa: E402
import sysconfig as _sysconfig  # noqa: E402

_REPO = os.path.realpath(os.path.dirname(os.path.dirname(__file__)))
_PARENT = os.path.dirname(_REPO)
_EXEMPT = tuple(os.path.realpath(p) + os.sep for p in {_sys.prefix, _sys.base_prefix, _sys.exec_prefix})
_STDLIB = os.path.realpath(_sysconfig.get_paths()["stdlib"]) + os.sep
_OUTSIDE: dict[str, str] = {}  # what was read and by whom -> the first test it happened in
_now = {"test": "collection"}


def _outside(path) -> str | None:
    """The resolved path if it lies beside the repository (in its parent, not in it), else None."""
    if path is None or isinstance(path, int):  # a file descriptor, or the current directory
        return None
    where = os.path.realpath(os.fsdecode(path))
    if where != _PARENT and not where.startswith(_PARENT + os.sep):
        return None
    if where == _REPO or where.startswith(_REPO + os.sep) or (where + os.sep).startswith(_EXEMPT):
        return None
    sibling = where[len(_PARENT) + 1:]
    return None if sibling.startswith(".") else where


def _watch_reads(event: str, args: tuple) -> None:
    if event not in ("open", "os.listdir", "os.scandir", "glob.glob", "glob.glob/2"):
        return
    path = args[0] if args else None
    if event == "glob.glob/2" and args[2] is not None:  # (pattern, recursive, root_dir, dir_fd)
        path = os.path.join(args[2], path)
    try:
        where = _outside(path)
    except (TypeError, ValueError):
        return
    if where is None:
        return
    frame = _sys._getframe(1)  # the opener: the first frame outside the standard library and this hook
    while frame and (frame.f_code.co_filename == __file__ or frame.f_code.co_filename.startswith(_STDLIB)):
        frame = frame.f_back
    opener = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}" if frame else "?"
    _OUTSIDE.setdefault(f"{event} {where} by {opener}", _now["test"])


_sys.addaudithook(_watch_reads)  # at import, so module-level reads during collection are seen too


def pytest_runtest_logstart(nodeid, location):
    _now["test"] = nodeid


@pytest.fixture(scope="session", autouse=True)
def _nothing_read_beside_the_repository():
    yield
    assert not _OUTSIDE, "read outside the repository (a clone elsewhere lacks it):\n" + "\n".join(
        f"{read} (first during {test})" for read, test in _OUTSIDE.items())



# ---- CI time: Sphinx's parallel workers run unmeasured (with tests/docs_build.py) ----------------------------
# Under `coverage run` (make test-lib), coverage's `patch = fork` starts measuring again in every forked child,
# and the docs site's build (tests/docs_build.py, once per run) forks Sphinx's parallel readers and writers,
# which then take twice as long. No line of lib/ runs in them: they render the source tree that
# integration_lab.docs.generate wrote before, in the test process, measured; docs/conf.py loads only myst_nb
# and never executes a notebook. So a child forked while Sphinx renders stops measuring at once, and lib/'s
# coverage is what it was (the test process, the build's caller, stays measured throughout).
_SPHINX_RENDERING: list[bool] = []


def _forked_by_sphinx() -> None:
    if _SPHINX_RENDERING:
        import coverage

        measuring = coverage.Coverage.current()  # started by coverage's own hook, which runs before this one
        if measuring is not None:
            measuring._auto_save = False
            measuring.stop()


@pytest.fixture(scope="session", autouse=True)
def _sphinx_workers_unmeasured():
    import sys

    if "coverage" not in sys.modules or sys.modules["coverage"].Coverage.current() is None:
        yield
        return
    import sphinx.cmd.build

    os.register_at_fork(after_in_child=_forked_by_sphinx)
    render = sphinx.cmd.build.build_main

    def rendering(*args, **kwargs):
        _SPHINX_RENDERING.append(True)
        try:
            return render(*args, **kwargs)
        finally:
            _SPHINX_RENDERING.clear()

    sphinx.cmd.build.build_main = rendering
    yield
    sphinx.cmd.build.build_main = render
