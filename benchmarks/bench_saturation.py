"""sendMessage per second at saturation: wrk with 16 connections against our Telegram fake and against the
npm package telegram-test-api, one server process each, in the same run.

wrk posts sendMessage JSON from a Lua script for D seconds per round; rounds alternate between the two
servers so a noisy neighbour hurts both alike; the figures are medians of R rounds. wrk is Debian's package
(installed with apt-get when missing and we are root); telegram-test-api goes into benchmarks/.node.

    .venv/bin/python benchmarks/bench_saturation.py [--seconds D] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

import httpx

from bench_telegram import CHAT, PEER, ROOT, install_peer
from integration_lab.serve import DEFAULT_TELEGRAM_TOKEN
from integration_lab.runtime.processes import free_port, start_process, stop_process

CONNECTIONS = 16
PATH = f"/bot{DEFAULT_TELEGRAM_TOKEN}/sendMessage"
SCRIPT = """wrk.method = "POST"
wrk.body = '{"chat_id":%d,"text":"Your order shipped"}'
wrk.headers["Content-Type"] = "application/json"
""" % CHAT


def find_wrk() -> str | None:
    if not shutil.which("wrk") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


def wrk(script: str, url: str, seconds: int) -> float:
    """Requests per second; a round with any non-2xx answer or socket error counts as a failure."""
    # one wrk thread: on a 2-core machine the other core belongs to the server under test
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", script, url + PATH],
                         check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw failed requests against {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main(seconds: int, rounds: int) -> int:
    if not find_wrk():
        print("wrk not found: install it with `apt-get install wrk` (Debian/Ubuntu) and run again")
        return 1
    node_dir = install_peer()
    if not node_dir:
        print(f"npm not found: install Node.js and npm so the benchmark can fetch {PEER}")
        return 1
    ours_port, peer_port = free_port(), free_port()
    ours_url, peer_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{peer_port}"
    servers = [start_process([sys.executable, "-m", "integration_lab", "serve", "telegram", "--port",
                              str(ours_port), "--no-limits"], f"{ours_url}/_lab/bots", ROOT)]
    try:
        peer = f"new (require('telegram-test-api'))({{port: {peer_port}, host: '127.0.0.1'}}).start()"
        servers.append(start_process(["node", "-e", peer], f"{peer_url}/", node_dir))
        # our fake answers sendMessage only in a chat the user has started; the peer takes any chat
        httpx.post(f"{ours_url}/_lab/chats/{CHAT}/messages",
                   json={"from": {"id": CHAT, "first_name": "Ada"}, "text": "hi"}).raise_for_status()
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(SCRIPT)
            script.flush()
            for url in (ours_url, peer_url):
                wrk(script.name, url, 1)  # warm up: connections, JIT, caches
            figures: dict[str, list[float]] = {ours_url: [], peer_url: []}
            for _ in range(rounds):
                for url in (ours_url, peer_url):
                    figures[url].append(wrk(script.name, url, seconds))
    finally:
        for proc in servers:
            stop_process(proc)
    ours, theirs = statistics.median(figures[ours_url]), statistics.median(figures[peer_url])
    print(f"\nsendMessage per second at saturation: wrk, {CONNECTIONS} connections, one server process each, "
          f"median of {rounds} alternating rounds x {seconds} s")
    print(f"{'server':<40} {'median':>9} {'rounds':>40}")
    for label, url in (("ours, serve telegram --no-limits", ours_url), (f"{PEER}, node", peer_url)):
        print(f"{label:<40} {statistics.median(figures[url]):>9.0f} "
              f"{' '.join(f'{r:.0f}' for r in figures[url]):>40}")
    print(f"{'ratio ours/telegram-test-api':<40} {ours / theirs:>9.2f}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.exit(main(args.seconds, args.rounds))
