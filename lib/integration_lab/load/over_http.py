"""Load over HTTP with Locust: `python -m integration_lab.load.over_http --users N --seconds S` (`make load-http`).

Starts `serve telegram`, `serve stripe` and `serve app` on free ports of 127.0.0.1 (as the served journey
tests do: --no-limits, the card provider, the Stripe webhook endpoint, setWebhook to the app; the app on a
redis-server of the run's own when one is installed, else on its embedded fakeredis, and, unless
`--restock 0`, with a deeper shelf: `serve app --restock N`), runs
`locust -f locustfile.py --headless` for S seconds (killed if it overruns), then reads everything back over
HTTP (every order, the outbox, each paying buyer's chat, the Telegram fake's checkouts and Stars, the Stripe
fake's PaymentIntents and refunds, the Payme and Click transactions the buyers took money for as those
providers) and checks the invariants (load/http_invariants.py). It prints Locust's table, the invariants
table, and last, exactly:

    users=<n> requests=<n> failures=<n> p95_ms=<worst p95 over request types> violations=<n>

Exit status 1 when there are failures or violations (or Locust did not finish), 0 otherwise. The servers are
always stopped. Each run's files (Locust's CSV and log, the journal, the servers' stderr) go to --out.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import signal
import subprocess  # nosec B404  # runs our own servers and Locust from argument lists, no shell
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ..app.service import DEFAULTS
from ..runtime.processes import HOST, free_port, start_process, start_redis, stop_process
from ..shop_server import SERVED
from .http_invariants import World, check_all

ROOT = Path(__file__).resolve().parents[3]  # the repository: locustfile.py lives at its root
TELEGRAM_TOKEN = DEFAULTS["telegram_token"]  # the lab's made-up bot token (docs/guide/telegram.md)
PROVIDER_TOKEN = "284685063:TEST:load_over_http_provider_token"  # nosec B105  # made up, like the tests' ones
STRIPE_KEY = "sk_test_load_over_http"  # any sk_test_ key is accepted by the fake
PAYME_KEY = "load-over-http-payme-key"  # made up, passed to serve app
CLICK_SERVICE_ID, CLICK_SECRET = 31337, "load-over-http-click-secret"  # made up
TELEGRAM_SECRET = "load-over-http-telegram-secret"  # nosec B105  # made up for the run
HISTORY = 10_000_000  # the fakes keep every checkout, Star transaction and PaymentIntent of a run: statements
THINK = "20-60"  # s a buyer reads between steps (LAB_THINK): one action per buyer every ~40 s (docs/guide/load.md)
WAIT = 10  # s the longest wait for one bot reply (LAB_WAIT)
SETTLE = 20.0  # s the driver waits after Locust for paid orders' goods to go out


@dataclass
class Servers:
    telegram: str
    stripe: str
    app: str
    procs: list[subprocess.Popen] = field(default_factory=list)
    logs: list = field(default_factory=list)
    profiled: subprocess.Popen | None = None  # the server under pyinstrument, if any


def _start(command: list[str], url: str, log_path: Path) -> tuple[subprocess.Popen, object]:
    """runtime.processes.start_process, with stderr kept in a file (a traceback under load is worth reading)."""
    log = open(log_path, "wb")  # noqa: SIM115  # closed with the servers
    try:
        return start_process(command, url, stderr=log, wait=30), log
    except RuntimeError:
        log.close()
        raise RuntimeError(f"{' '.join(command[3:5])} did not start; see {log_path}") from None


def _profiled(command: list[str], name: str, profile: str | None, out: Path) -> list[str]:
    """The server's command under pyinstrument when `profile` names it (its report: <out>/<name>.profile.txt)."""
    if profile != name:
        return command
    return [command[0], "-m", "pyinstrument", "--interval", "0.005", "-r", "text", "-o",
            str(out / f"{name}.profile.txt"), *command[1:]]


def start_servers(out: Path, restock: int, redis_url: str, profile: str | None = None, apps: int = 1) -> Servers:
    ports = {name: free_port() for name in ("telegram", "stripe", "app")}
    urls = {name: f"http://{HOST}:{port}" for name, port in ports.items()}
    servers = Servers(urls["telegram"], urls["stripe"], urls["app"])
    python = [sys.executable, "-m", "integration_lab", "serve"]
    try:
        for name, command, probe in (
                ("telegram", [*python, "telegram", "--port", str(ports["telegram"]), "--no-limits", "--history",
                              str(HISTORY), "--payment-provider", f"Stripe TEST={PROVIDER_TOKEN}"], "/_lab/bots"),
                ("stripe", [*python, "stripe", "--port", str(ports["stripe"]), "--history", str(HISTORY)],
                 "/_lab/state")):
            proc, log = _start(_profiled(command, name, profile, out), urls[name] + probe, out / f"{name}.stderr")
            servers.procs.append(proc)
            servers.profiled = proc if profile == name else servers.profiled
            servers.logs.append(log)
        with httpx.Client(timeout=10) as http:
            endpoint = http.post(f"{servers.stripe}/v1/webhook_endpoints", auth=(STRIPE_KEY, ""),
                                 data={"url": f"{servers.app}/stripe/webhook", "enabled_events[]": "*"})
            if endpoint.status_code != 200:
                raise RuntimeError(f"the Stripe fake refused the webhook endpoint: {endpoint.text}")
            app = [sys.executable, "-m", "integration_lab", "serve", "app", "--restock", str(restock),
                   "--port", str(ports["app"]), "--redis-url", redis_url,
                   "--telegram-api", servers.telegram, "--telegram-token", TELEGRAM_TOKEN,
                   "--telegram-secret-token", TELEGRAM_SECRET, "--telegram-provider-token", PROVIDER_TOKEN,
                   "--stripe-api-key", STRIPE_KEY, "--stripe-api-base", servers.stripe,
                   "--stripe-webhook-secret", endpoint.json()["secret"], "--payme-key", PAYME_KEY,
                   "--click-service-id", str(CLICK_SERVICE_ID), "--click-secret-key", CLICK_SECRET]
            if apps > 1:  # one address, the kernel spreading connections over the processes (SO_REUSEPORT)
                app += ["--reuse-port"]
            for number in range(apps):  # the first starts the shop (and restocks it); the others join it
                command = app if number == 0 else [*app[:app.index("--restock") + 1], "0",
                                                   *app[app.index("--restock") + 2:], "--join"]
                name = "app" if apps == 1 else f"app{number + 1}"
                proc, log = _start(_profiled(command, "app", profile if number == 0 else None, out),
                                   f"{servers.app}/_lab/none", out / f"{name}.stderr")
                servers.procs.append(proc)
                servers.profiled = proc if profile == "app" and number == 0 else servers.profiled
                servers.logs.append(log)
            if apps > 1:
                wait_for_apps(servers.app, {p.pid for p in servers.procs[-apps:]})
            hooked = http.post(f"{servers.telegram}/bot{TELEGRAM_TOKEN}/setWebhook",
                               json={"url": f"{servers.app}/telegram/webhook", "secret_token": TELEGRAM_SECRET})
            if not hooked.json().get("result"):
                raise RuntimeError(f"setWebhook failed: {hooked.text}")
    except BaseException:
        stop_servers(servers)
        raise
    return servers


def wait_for_apps(app: str, pids: set[int], wait: float = 30.0) -> None:
    """Until each of several apps on one address has answered once (new connections, which the kernel
    spreads): the first answered at start, so the address alone does not say the others are serving."""
    heard, deadline = set(), time.monotonic() + wait
    while heard != pids and time.monotonic() < deadline:
        try:
            heard.add(httpx.get(f"{app}/_lab/process", timeout=2).json()["pid"])
        except (httpx.HTTPError, ValueError, KeyError):
            time.sleep(0.05)
    if heard != pids:
        raise RuntimeError(f"{len(pids - heard)} of {len(pids)} apps never answered on {app}")


def shares(app: str, apps: int) -> dict[int, dict]:
    """What each app process answered, by endpoint: asked over new connections until each has answered."""
    found, deadline = {}, time.monotonic() + 10
    while len(found) < apps and time.monotonic() < deadline:
        try:
            seen = httpx.get(f"{app}/_lab/process", timeout=2).json()
            found[seen["pid"]] = seen["served"]
        except (httpx.HTTPError, ValueError, KeyError):
            time.sleep(0.05)
    return found


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a running process so far (Linux /proc), or None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def stop_servers(servers: Servers) -> None:
    if servers.profiled is not None and servers.profiled.poll() is None:
        servers.profiled.send_signal(signal.SIGINT)  # pyinstrument writes its report after a Ctrl-C, not a SIGTERM
        try:
            servers.profiled.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
    for proc in reversed(servers.procs):
        stop_process(proc)
    for log in servers.logs:
        log.close()


def locust_env(servers: Servers, journal: Path) -> dict[str, str]:
    """What the locustfile reads: where everything is and the credentials (a team sets the same by hand)."""
    return {"LAB_TELEGRAM_URL": servers.telegram, "LAB_STRIPE_URL": servers.stripe, "LAB_APP_URL": servers.app,
            "LAB_STRIPE_KEY": STRIPE_KEY, "LAB_PAYME_KEY": PAYME_KEY, "LAB_CLICK_SERVICE_ID": str(CLICK_SERVICE_ID),
            "LAB_CLICK_SECRET": CLICK_SECRET, "LAB_JOURNAL": str(journal), "LAB_THINK": THINK, "LAB_WAIT": str(WAIT)}


class StockWatch:
    """GET /_lab/stock every `every` seconds on a thread while Locust runs: 'never negative' is checked on
    every sample, not only at the end."""

    def __init__(self, app: str, every: float = 1.0):
        self.app, self.every, self.samples, self.errors = app, every, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self, http: httpx.Client) -> None:
        try:
            self.samples.append(http.get(f"{self.app}/_lab/stock").json()["stock"])
        except (httpx.HTTPError, ValueError, KeyError):
            self.errors += 1

    def _run(self) -> None:
        with httpx.Client(timeout=10) as http:
            while not self._stop.wait(self.every):
                self.sample(http)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=15)


def stop_timeout(think: str) -> int:
    """Seconds Locust gives a running journey to finish once time is up: six reading pauses (the first
    arrival's and five steps') and seven bot replies at their longest, so no journey is cut in half."""
    high = float(think.split("-", 1)[-1])
    return int(6 * high + 7 * WAIT + 10)


def run_locust(locustfile: Path, users: int, seconds: int, spawn_rate: float, host: str, env: dict[str, str],
               out: Path, processes: int) -> tuple[int | None, float]:
    """Locust headless for `seconds` (plus its stop timeout); killed if it overruns. Its exit code (None when
    killed) and the CPU seconds it used."""
    grace = stop_timeout(env["LAB_THINK"])
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(users),
               "-r", f"{spawn_rate:g}", "-t", f"{seconds}s", "--stop-timeout", str(grace), "--host", host,
               "--csv", str(out / "locust"), "--only-summary", "--loglevel", "WARNING",
               "--exit-code-on-error", "0"]
    if processes > 1:
        command += ["--processes", str(processes)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out / "locust.log", "wb") as log:
        # our own argument list, no shell; a process group of its own, so an overrun is killed with its workers
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,  # nosec B603  # our own list, no shell
                                env={**os.environ, **env}, cwd=ROOT, start_new_session=True)
        try:
            code = proc.wait(timeout=seconds + grace + 60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            code = None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # Locust (and its workers) only: the servers still run
    return code, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def read_journal(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def gather(servers: Servers, entries: list[dict], samples: list[dict]) -> World:
    """Everything the invariants need, over the servers' HTTP APIs."""
    placed = {e["order"]: e for e in entries if e["kind"] == "order"}
    with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=16)) as http, ThreadPoolExecutor(8) as pool:
        jobs = _outbox(http, servers.app)
        goods_orders = {j["id"].rsplit(":", 1)[0] for j in jobs if j["id"].endswith(":goods")}
        statements = {"stars": _stars(http, servers.telegram),
                      "telegram": _card_checkouts(http, pool, servers.telegram, entries),
                      "stripe": _stripe(http, servers.stripe),
                      "payme": _buyers_statement(entries, "payme"), "click": _buyers_statement(entries, "click")}
        order_ids = set(placed) | goods_orders | {row["order"] for rows in statements.values() for row in rows.values()}

        def order(order_id: str):
            answer = http.get(f"{servers.app}/_lab/orders/{order_id}")
            return order_id, (answer.json() if answer.status_code == 200 else None)

        orders = dict(pool.map(order, sorted(order_ids)))

        def chat(order_id: str):
            user = placed[order_id]["user"]
            answer = http.get(f"{servers.telegram}/_lab/chats/{user}/messages")
            return order_id, [m.get("text") or "" for m in answer.json().get("messages", [])]

        transcripts = dict(pool.map(chat, sorted(o for o in order_ids if o in placed)))
    goods = {o: [j for j in jobs if j["id"] == f"{o}:goods"] for o in goods_orders | set(orders)}
    opening = {sku: sum(levels.values()) for sku, levels in samples[0].items()} if samples else {}
    units = {o: {e["sku"]: 1} for o, e in placed.items()}
    return World(orders, goods, transcripts, statements, samples, opening, units)


def _outbox(http: httpx.Client, app: str) -> list[dict]:
    return http.get(f"{app}/_lab/outbox").json()["jobs"]


def _stars(http: httpx.Client, telegram: str) -> dict[str, dict]:
    """The bot's Star transactions: income per charge id, less what was refunded (the same id, as receiver)."""
    rows: dict[str, dict] = {}
    for tx in http.get(f"{telegram}/_lab/stars").json()["transactions"]:
        if "source" in tx:
            rows[tx["id"]] = {"order": tx["source"].get("invoice_payload", ""), "amount": tx["amount"],
                              "currency": "XTR"}
        elif "receiver" in tx:
            rows.pop(tx["id"], None)
    return rows


def _card_checkouts(http: httpx.Client, pool: ThreadPoolExecutor, telegram: str, entries: list[dict]) -> dict:
    """Card payments through Telegram: the fake's own record of each checkout a buyer made, paid in USD."""
    ids = sorted({e["checkout"] for e in entries if e["kind"] == "checkout"})

    def checkout(checkout_id: str):
        return http.get(f"{telegram}/_lab/checkouts/{checkout_id}").json().get("checkout")

    rows = {}
    for seen in pool.map(checkout, ids):
        if seen and seen["status"] == "paid" and seen["currency"] != "XTR":
            paid = seen["successful_payment"]["successful_payment"]
            rows[paid["telegram_payment_charge_id"]] = {"order": seen["invoice_payload"],
                                                        "amount": seen["total_amount"], "currency": seen["currency"]}
    return rows


def _stripe(http: httpx.Client, stripe: str) -> dict[str, dict]:
    """The Stripe fake's succeeded PaymentIntents, less those refunded in full."""
    def listed(resource: str):
        after = None
        while True:
            page = http.get(f"{stripe}/v1/{resource}", auth=(STRIPE_KEY, ""),
                            params={"limit": 100, **({"starting_after": after} if after else {})}).json()
            yield from page["data"]
            if not page.get("has_more") or not page["data"]:
                return
            after = page["data"][-1]["id"]

    refunded = Counter()
    for refund in listed("refunds"):
        if refund.get("status") == "succeeded":
            refunded[refund["payment_intent"]] += refund["amount"]
    return {pi["id"]: {"order": pi["metadata"].get("order_id", ""), "amount": pi["amount_received"],
                       "currency": pi["currency"].upper()}
            for pi in listed("payment_intents") if pi["status"] == "succeeded"
            and refunded[pi["id"]] < pi["amount_received"]}


def _buyers_statement(entries: list[dict], provider: str) -> dict[str, dict]:
    """Payme and Click have no fake of their own here: the buyers acted as them, and wrote down each
    transaction they took money for (PerformTransaction answered state 2; complete answered error 0)."""
    return {e["ref"]: {"order": e["order"], "amount": e["amount"], "currency": e["currency"]}
            for e in entries if e["kind"] == "statement" and e["provider"] == provider}


def settle(servers: Servers, entries: list[dict], wait: float = SETTLE) -> None:
    """After Locust: give the outbox its rounds until no goods job is still owed (bounded), then drain once."""
    deadline = time.monotonic() + wait
    with httpx.Client(timeout=30) as http:
        while time.monotonic() < deadline:
            if all(j["state"] == "sent" for j in _outbox(http, servers.app) if j["id"].endswith(":goods")):
                break
            time.sleep(0.5)
        http.post(f"{servers.app}/_lab/outbox/drain")


# ---- the report --------------------------------------------------------------------------------------------
def read_stats(out: Path) -> list[dict]:
    path = out / "locust_stats.csv"
    if not path.exists():
        return []
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def stats_table(rows: list[dict]) -> list[str]:
    head = f"{'Type':<6} {'Name':<40} {'reqs':>8} {'fails':>6} {'med ms':>7} {'p95 ms':>7} {'p99 ms':>7} " \
           f"{'max ms':>7} {'req/s':>7}"
    lines = [head, "-" * len(head)]
    for row in rows:
        lines.append(f"{row['Type']:<6} {row['Name'][:40]:<40} {row['Request Count']:>8} {row['Failure Count']:>6} "
                     f"{_ms(row['Median Response Time']):>7} {_ms(row['95%']):>7} {_ms(row['99%']):>7} "
                     f"{_ms(row['Max Response Time']):>7} {float(row['Requests/s']):>7.1f}")
    return lines


def _ms(text: str) -> str:
    try:
        return f"{float(text):.0f}"
    except ValueError:
        return text


def summary(users: int, rows: list[dict], violations: int) -> str:
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    requests = int(total["Request Count"]) if total else 0
    failures = int(total["Failure Count"]) if total else 0
    p95 = max((_number(r["95%"]) for r in rows if r["Name"] != "Aggregated" and int(r["Request Count"])),
              default=0)
    return f"users={users} requests={requests} failures={failures} p95_ms={p95:g} violations={violations}"


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def invariants_table(found: dict[str, list[str]], world: World, entries: list[dict]) -> list[str]:
    outcomes = Counter(_outcome(e["outcome"]) for e in entries if e["kind"] == "journey")
    routes = Counter(e["route"] for e in entries if e["kind"] == "journey" and e["outcome"] == "delivered")
    paid = sum(1 for seen in world.orders.values() if seen and seen["order"]["status"] == "paid")
    lines = [f"journeys: {sum(outcomes.values())} ({', '.join(f'{n} {o}' for o, n in outcomes.most_common())}); "
             f"delivered by route: {', '.join(f'{r} {n}' for r, n in sorted(routes.items())) or 'none'}",
             f"orders read back: {len(world.orders)}, paid: {paid}; statement rows: "
             + ", ".join(f"{p} {len(rows)}" for p, rows in world.statements.items())
             + f"; stock samples: {len(world.stock_samples)}",
             f"{'invariant':<44} {'checked':>8} {'violations':>10}", "-" * 64]
    checked = {"paid at most once": len(world.orders), "every paid order delivered exactly once": paid,
               "ledger equal to each provider's statement": sum(len(r) for r in world.statements.values()),
               "stock never negative": len(world.stock_samples)}
    for name, problems in found.items():
        lines.append(f"{name:<44} {checked[name]:>8} {len(problems):>10}")
    for name, problems in found.items():
        for problem in problems[:10]:
            lines.append(f"  {name}: {problem}")
        if len(problems) > 10:
            lines.append(f"  {name}: … and {len(problems) - 10} more")
    return lines


def spread_lines(spread: dict[int, dict]) -> list[str]:
    """How the Telegram webhooks and the providers' callbacks spread over the app processes."""
    if not spread:
        return []
    lines = [f"{'app process':<12} " + " ".join(f"{path:>17}" for path in SERVED)]
    for pid, served in sorted(spread.items()):
        lines.append(f"{'pid ' + str(pid):<12} " + " ".join(f"{served.get(path, 0):>17}" for path in SERVED))
    return lines


def _outcome(text: str) -> str:
    return text if not text.startswith("failed") else "failed"


# ---- the command -------------------------------------------------------------------------------------------
def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m integration_lab.load.over_http", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="concurrent buyers (default 1000)")
    parser.add_argument("--seconds", type=int, default=60, help="how long Locust runs (default 60)")
    parser.add_argument("--spawn-rate", type=float, default=None, help="buyers started per second (default: all within 80%% of --seconds)")
    parser.add_argument("--processes", type=int, default=1, help="Locust processes (--processes; default 1)")
    parser.add_argument("--restock", type=int, default=None,
                        help="units added to each product before the run (default 5 x users; 0: plain serve app)")
    parser.add_argument("--redis-url", default="", help="the app's Redis (default: a redis-server of the run's own "
                                                        "when one is installed, else the app's embedded fakeredis)")
    parser.add_argument("--embedded-redis", action="store_true",
                        help="the app on its embedded fakeredis even when redis-server is installed (one app only)")
    parser.add_argument("--apps", type=int, default=1,
                        help="`serve app` processes on one address and one Redis (SO_REUSEPORT; default 1)")
    parser.add_argument("--locustfile", type=Path, default=ROOT / "locustfile.py")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "load-http",
                        help="where Locust's CSV and log, the journal and the servers' stderr go")
    parser.add_argument("--think", default=None, help=f"LAB_THINK for the buyers (default {THINK} seconds)")
    parser.add_argument("--routes", default=None, help="LAB_ROUTES, e.g. stars=1,card=1,payme=1,click=1,stripe=1,stripe_checkout=1")
    parser.add_argument("--profile", choices=("telegram", "stripe", "app"), default=None,
                        help="run that server under pyinstrument; its report goes to --out")
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds < 1 or args.apps < 1:
        parser.error("--users, --seconds and --apps must be at least 1")
    if args.embedded_redis and (args.apps > 1 or args.redis_url):
        parser.error("--embedded-redis is one app's own fakeredis: not with --apps above 1 or --redis-url")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    out = args.out / time.strftime("%Y%m%dT%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    journal = out / "journal.jsonl"
    restock = 5 * args.users if args.restock is None else args.restock
    # arrivals spread over the first 80% of the run (Locust spawns a little behind its rate: all arrive in time)
    spawn_rate = args.spawn_rate or max(1.0, args.users / (0.8 * args.seconds))
    print(f"load over HTTP: {args.users} buyers for {args.seconds} s (spawn rate {spawn_rate:g}/s); files in {out}",
          flush=True)
    # a real redis-server unless told otherwise: the run measures our app, not fakeredis's Python (whose every
    # command costs the app's process about as much as a whole handler's own work)
    redis_url, redis = args.redis_url, None
    if not redis_url and not args.embedded_redis and (args.apps > 1 or shutil.which("redis-server")):
        started = start_redis(out)
        if started is None:
            raise SystemExit("load-http: --apps above 1 needs a shared Redis: give --redis-url, or install "
                             "redis-server (sudo apt-get install redis-server)")
        redis, redis_url = started
    try:
        servers = start_servers(out, restock, redis_url, args.profile, args.apps)
    except BaseException:
        if redis is not None:
            stop_process(redis)
        raise
    try:
        env = locust_env(servers, journal)
        env.update({name: value for name, value in (("LAB_THINK", args.think), ("LAB_ROUTES", args.routes)) if value})
        with StockWatch(servers.app) as watch, httpx.Client(timeout=10) as http:
            watch.sample(http)  # before the first buyer: the opening shelf
            cpu_before = [cpu_seconds(p.pid) for p in servers.procs]
            started = time.monotonic()
            code, locust_cpu = run_locust(args.locustfile, args.users, args.seconds, spawn_rate, servers.telegram, env, out,
                              args.processes)
            wall = time.monotonic() - started
            cpu = [None if a is None or b is None else b - a
                   for a, b in zip(cpu_before, [cpu_seconds(p.pid) for p in servers.procs])]
        entries = read_journal(journal)
        settle(servers, entries)
        with httpx.Client(timeout=10) as http:
            watch.sample(http)  # the shelf after the last goods went out
        world = gather(servers, entries, watch.samples)
        spread = shares(servers.app, args.apps) if args.apps > 1 else {}
    finally:
        stop_servers(servers)
        if redis is not None:
            stop_process(redis)
    found = check_all(world)
    if watch.errors:
        found["stock never negative"].append(f"{watch.errors} stock samples could not be read")
    violations = sum(len(p) for p in found.values())
    rows = read_stats(out)
    names = ["telegram", "stripe", *(["app"] if args.apps == 1 else [f"app{n + 1}" for n in range(args.apps)])]
    busy = ", ".join(f"{name} {'?' if c is None else f'{c:.0f} s ({100 * c / wall:.0f}%)'}"
                     for name, c in zip(names, cpu))
    print("\n".join(["", "Locust (per request type)", *stats_table(rows),
                     f"CPU over Locust's {wall:.0f} s: {busy}, locust {locust_cpu:.0f} s "
                     f"({100 * locust_cpu / wall:.0f}%); {os.cpu_count()} cores, load average "
                     f"{os.getloadavg()[0]:.1f}", *spread_lines(spread), "", "Invariants", *invariants_table(found, world, entries), ""]))
    if code is None:
        print(f"Locust overran its time and was killed; see {out / 'locust.log'}")
    elif code != 0 or not rows:
        print(f"Locust exited with {code}; see {out / 'locust.log'}")
    line = summary(args.users, rows, violations)
    print(line, flush=True)
    failures = int(line.split("failures=")[1].split()[0])
    return 0 if code == 0 and rows and not failures and not violations else 1


if __name__ == "__main__":
    sys.exit(main())
