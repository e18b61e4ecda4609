"""Two `serve app` processes on one address and one redis-server (`--reuse-port`, the second `--join`s): the
kernel spreads connections over both, the second keeps what the first started with, and each sees the other's
writes. The run's own redis-server on a free port (so the keyspace is this test's alone)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import httpx
import pytest

from integration_lab.load.over_http import shares, wait_for_apps
from integration_lab.runtime.processes import HOST, free_port, start_process, start_redis, stop_process

pytestmark = [pytest.mark.redis_free,  # its own redis-server, not $REDIS_URL's
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")]


def _app(port: int, redis_url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "integration_lab", "serve", "app", "--port", str(port), "--redis-url", redis_url,
            "--reuse-port", *extra]


def test_two_apps_share_one_address_and_one_shop(tmp_path):
    redis, redis_url = start_redis(tmp_path)
    port = free_port()
    url = f"http://{HOST}:{port}"
    procs = []
    try:
        procs.append(start_process(_app(port, redis_url, "--restock", "5"), f"{url}/_lab/none"))
        with httpx.Client(base_url=url, timeout=10) as http:
            opened = http.post("/_lab/orders", json={"amount": 1500, "currency": "USD"}).json()["order_id"]
            shelf = http.get("/_lab/stock").json()["stock"]
        procs.append(subprocess.Popen(_app(port, redis_url, "--join"), stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        wait_for_apps(url, {p.pid for p in procs})
        seen = set()
        for _ in range(40):  # a new connection each time: the kernel picks the process
            with httpx.Client(base_url=url, timeout=10) as http:
                answer = http.get(f"/_lab/orders/{opened}")
                assert answer.status_code == 200 and answer.json()["order"]["amount"] == 1500
                assert http.get("/_lab/stock").json()["stock"] == shelf  # joining emptied and restocked nothing
                seen.add(http.get("/_lab/process").json()["pid"])
        assert seen == {p.pid for p in procs}
        assert set(shares(url, 2)) == {p.pid for p in procs}
    finally:
        for proc in procs:
            stop_process(proc)
        stop_process(redis)


def test_join_needs_a_shared_redis():
    done = subprocess.run([sys.executable, "-m", "integration_lab", "serve", "app", "--join", "--port",
                           str(free_port())], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "REDIS_URL": ""})
    assert done.returncode == 2 and "--join needs the Redis" in done.stderr
