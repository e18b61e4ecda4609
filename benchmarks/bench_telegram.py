"""sendMessage per second: our Telegram fake against the npm package telegram-test-api, same run, same client.

Both servers run as their own process on 127.0.0.1 without flood limits. Sequential: one sync httpx.Client
per server sends sendMessage one at a time, rounds alternating between the servers. Concurrent: one
httpx.AsyncClient sends from 50 tasks. Our fake is also measured in-process through its httpx transport.
Medians of R rounds; telegram-test-api is installed into benchmarks/.node on first use. (Saturation, with
wrk: bench_saturation.py.)

    .venv/bin/python benchmarks/bench_telegram.py [--messages N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake, TelegramTransport
from integration_lab.runtime.clock import SystemClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.serve import DEFAULT_TELEGRAM_TOKEN
from integration_lab.runtime.processes import free_port, start_process, stop_process

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "benchmarks" / ".node"
PEER = "telegram-test-api@4.2.1"
CHAT = 501
CONCURRENCY = 50
CONCURRENT = f"{CONCURRENCY} concurrent"
PATH = f"/bot{DEFAULT_TELEGRAM_TOKEN}/sendMessage"
MESSAGE = {"chat_id": CHAT, "text": "Your order shipped"}
OURS = "ours, serve telegram (loopback HTTP)"
PEER_LABEL = "telegram-test-api 4.2.1, node (loopback HTTP)"


def install_peer() -> Path | None:
    if (NODE_DIR / "node_modules" / "telegram-test-api").exists():
        return NODE_DIR
    if not shutil.which("npm"):
        return None
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--silent", "--prefix", str(NODE_DIR), PEER], check=True)
    return NODE_DIR


def sequential(client: httpx.Client, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        response = client.post(PATH, json=MESSAGE)
        assert response.status_code == 200, response.text
    return n / (time.perf_counter() - started)


async def concurrent(client: httpx.AsyncClient, n: int, tasks: int) -> float:
    async def worker(count: int) -> None:
        for _ in range(count):
            response = await client.post(PATH, json=MESSAGE)
            assert response.status_code == 200, response.text

    started = time.perf_counter()
    await asyncio.gather(*(worker(n // tasks) for _ in range(tasks)))
    return (n // tasks * tasks) / (time.perf_counter() - started)


async def concurrent_median(client: httpx.AsyncClient, n: int, rounds: int, tasks: int = CONCURRENCY) -> float:
    await concurrent(client, CONCURRENCY, tasks)  # warm up connections
    return statistics.median([await concurrent(client, n, tasks) for _ in range(rounds)])


def start_servers() -> tuple[list[subprocess.Popen], dict[str, str]]:
    """Ours, and telegram-test-api when npm can install it: {label: base URL}."""
    port = free_port()
    procs = [start_process([sys.executable, "-m", "integration_lab", "serve", "telegram", "--port", str(port),
                            "--no-limits"], f"http://127.0.0.1:{port}/_lab/bots", ROOT)]
    urls = {OURS: f"http://127.0.0.1:{port}"}
    # our fake answers sendMessage only in a chat the user has started; the peer takes any chat
    httpx.post(f"{urls[OURS]}/_lab/chats/{CHAT}/messages",
               json={"from": {"id": CHAT, "first_name": "Ada"}, "text": "hi"}).raise_for_status()
    node_dir = install_peer()
    if node_dir:
        port = free_port()
        script = f"new (require('telegram-test-api'))({{port: {port}, host: '127.0.0.1'}}).start()"
        procs.append(start_process(["node", "-e", script], f"http://127.0.0.1:{port}/", node_dir))
        urls[PEER_LABEL] = f"http://127.0.0.1:{port}"
    else:
        print("(npm not found: telegram-test-api figures skipped)")
    return procs, urls


async def main(n: int, rounds: int) -> None:
    procs, urls = start_servers()
    rows: dict[str, dict[str, float]] = {label: {} for label in urls}
    try:
        clients = {label: httpx.Client(base_url=url) for label, url in urls.items()}
        for label, client in clients.items():
            sequential(client, CONCURRENCY)  # warm up: the connection, caches
        figures: dict[str, list[float]] = {label: [] for label in urls}
        for _ in range(rounds):  # alternating, so a busy neighbour slows both alike
            for label, client in clients.items():
                figures[label].append(sequential(client, n))
        for label, client in clients.items():
            client.close()
            rows[label]["sequential"] = statistics.median(figures[label])
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        for label, url in urls.items():
            async with httpx.AsyncClient(base_url=url, limits=limits) as client:
                rows[label][CONCURRENT] = await concurrent_median(client, n, rounds)
    finally:
        for proc in procs:
            stop_process(proc)
    fake = TelegramFake(SystemClock(), IdFactory(0), tokens=[DEFAULT_TELEGRAM_TOKEN], limits=False)
    People(fake).send(CHAT, {"id": CHAT, "first_name": "Ada"}, "hi")
    with httpx.Client(transport=TelegramTransport(fake), base_url="http://fake") as client:
        sequential(client, CONCURRENCY)
        in_process = {"sequential": statistics.median([sequential(client, n) for _ in range(rounds)])}
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="http://fake") as client:
        in_process[CONCURRENT] = await concurrent_median(client, n, rounds)
    rows["ours, in-process httpx transport"] = in_process

    print(f"\nsendMessage per second, median of {rounds} rounds x {n} messages; sequential: one sync httpx.Client, "
          f"{CONCURRENCY} concurrent: one httpx.AsyncClient")
    print(f"{'server':<48} {'sequential':>11} {CONCURRENT:>14}")
    for label, r in rows.items():
        print(f"{label:<48} {r['sequential']:>11.0f} {r[CONCURRENT]:>14.0f}")
    if PEER_LABEL in rows:
        ours, peer = rows[OURS], rows[PEER_LABEL]
        print(f"{'ratio ours/telegram-test-api over HTTP':<48} {ours['sequential'] / peer['sequential']:>11.2f} "
              f"{ours[CONCURRENT] / peer[CONCURRENT]:>14.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.rounds))
