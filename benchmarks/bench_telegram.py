"""sendMessage per second: our Telegram fake against the npm package telegram-test-api, same run, same client.

Both servers run as their own process on 127.0.0.1 without flood limits; one httpx.AsyncClient sends
sendMessage sequentially, then from 50 concurrent tasks. Our fake is also measured in-process through
its httpx transport. Medians of R rounds; telegram-test-api is installed into benchmarks/.node on first use.

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

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.runtime.clock import SystemClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.serve import DEFAULT_TELEGRAM_TOKEN, free_port, start_process

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "benchmarks" / ".node"
PEER = "telegram-test-api@4.2.1"
CHAT = 501
CONCURRENCY = 50


def install_peer() -> Path | None:
    if (NODE_DIR / "node_modules" / "telegram-test-api").exists():
        return NODE_DIR
    if not shutil.which("npm"):
        return None
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--silent", "--prefix", str(NODE_DIR), PEER], check=True)
    return NODE_DIR


async def rate(client: httpx.AsyncClient, path: str, n: int, concurrency: int) -> float:
    async def worker(count: int) -> None:
        for _ in range(count):
            response = await client.post(path, json={"chat_id": CHAT, "text": "Your order shipped"})
            assert response.status_code == 200, response.text

    started = time.perf_counter()
    await asyncio.gather(*(worker(n // concurrency) for _ in range(concurrency)))
    return (n // concurrency * concurrency) / (time.perf_counter() - started)


async def measure(label: str, client: httpx.AsyncClient, path: str, n: int, rounds: int) -> dict:
    figures = {"server": label}
    for mode, concurrency in (("sequential", 1), (f"{CONCURRENCY} concurrent", CONCURRENCY)):
        await rate(client, path, CONCURRENCY, concurrency)  # warm up connections
        figures[mode] = statistics.median([await rate(client, path, n, concurrency) for _ in range(rounds)])
    return figures


async def main(n: int, rounds: int) -> None:
    rows, procs, path = [], [], f"/bot{DEFAULT_TELEGRAM_TOKEN}/sendMessage"
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    try:
        ours_port = free_port()
        procs.append(start_process([sys.executable, "-m", "integration_lab", "serve", "telegram", "--port",
                                    str(ours_port), "--no-limits"], f"http://127.0.0.1:{ours_port}/_lab/bots", ROOT))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ours_port}", limits=limits) as client:
            await client.post(f"/_lab/chats/{CHAT}/messages", json={"from": {"id": CHAT, "first_name": "Ada"}, "text": "hi"})
            rows.append(await measure("ours, uvicorn (loopback HTTP)", client, path, n, rounds))
        node_dir = install_peer()
        if node_dir:
            peer_port = free_port()
            script = f"new (require('telegram-test-api'))({{port: {peer_port}, host: '127.0.0.1'}}).start()"
            procs.append(start_process(["node", "-e", script], f"http://127.0.0.1:{peer_port}/", node_dir))
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{peer_port}", limits=limits) as client:
                rows.append(await measure("telegram-test-api 4.2.1, node (loopback HTTP)", client, path, n, rounds))
        else:
            print("(npm not found: telegram-test-api figures skipped)")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
    fake = TelegramFake(SystemClock(), IdFactory(0), tokens=[DEFAULT_TELEGRAM_TOKEN], limits=False)
    People(fake).send(CHAT, {"id": CHAT, "first_name": "Ada"}, "hi")
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="http://fake") as client:
        rows.append(await measure("ours, in-process httpx transport", client, path, n, rounds))

    print(f"\nsendMessage per second, median of {rounds} rounds x {n} messages, one httpx.AsyncClient")
    print(f"{'server':<48} {'sequential':>11} {f'{CONCURRENCY} concurrent':>14}")
    for r in rows:
        print(f"{r['server']:<48} {r['sequential']:>11.0f} {r[f'{CONCURRENCY} concurrent']:>14.0f}")
    if len(rows) == 3:
        ours, peer = rows[0], rows[1]
        print(f"{'ratio ours/telegram-test-api over HTTP':<48} {ours['sequential'] / peer['sequential']:>11.2f} "
              f"{ours[f'{CONCURRENCY} concurrent'] / peer[f'{CONCURRENCY} concurrent']:>14.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.rounds))
