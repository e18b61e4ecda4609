"""The docs site built from outputs/ once per test session, for tests/test_docs_site.py and the browser crawl."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def built_site(tmp_path_factory) -> Path:
    """Under xdist the first worker builds (behind a lock in the session's shared tmp dir), the others wait
    and read it."""
    from integration_lab.docs.__main__ import build

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with open(shared / "docs-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tmp = shared / "docs-site"
        if not (tmp / "built").exists():
            assert build(ROOT, tmp / "site", jobs=2, src=tmp / "src") == 0
            (tmp / "built").touch()
    return tmp / "site"
