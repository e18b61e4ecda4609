"""Drive hostile requests at the served processes and count what went wrong, per endpoint.

`Lab` starts `serve telegram`, `serve stripe` and `serve app` (stderr to files), opens the protected objects
and the sandbox ones calls may really use, then `hit(endpoint, n)` sends n generated requests from a few
concurrent clients, checking the protected object after every batch and the logs after the run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx

from ..runtime.processes import HOST, free_port, start_redis
from . import classify, servers, shop, stripe, targets, telegram
from .targets import TG
from .values import MB, Draw, Req

KEEP = 200  # failing requests kept per endpoint, for the replay that names each traceback


@dataclass(frozen=True)
class Endpoint:
    name: str
    server: str  # which process answers it
    generate: Callable[[Draw, object], Req]
    classify: Callable[[int, object, bytes], str | None]


ENDPOINTS = ([Endpoint(f"telegram {n}", "telegram", g, classify.telegram) for n, g in telegram.ENDPOINTS.items()]
             + [Endpoint(f"stripe {n}", "stripe", g, classify.stripe) for n, g in stripe.ENDPOINTS.items()]
             + [Endpoint(f"app {n}", "app", g, {"/payme": classify.payme, "/click/prepare": classify.click,
                                                  "/click/complete": classify.click}.get(n, classify.json_body))
                for n, g in shop.ENDPOINTS.items()])


@dataclass
class Tally:
    endpoint: str
    sent: int = 0
    server_errors: int = 0
    off_envelope: int = 0
    no_answer: int = 0
    tracebacks: int = 0
    state_changes: int = 0
    cut_off: int = 0  # the server refused an oversized body before it was all sent: allowed
    latencies: list[float] = field(default_factory=list, repr=False)
    reasons: Counter = field(default_factory=Counter)
    failing: list[tuple[str, Req]] = field(default_factory=list, repr=False)
    changed_by: list[tuple[Req, str]] = field(default_factory=list, repr=False)  # (request, what changed)
    signatures: Counter = field(default_factory=Counter)

    @property
    def clean(self) -> bool:
        return not (self.server_errors or self.off_envelope or self.no_answer or self.tracebacks or self.state_changes)

    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0

    def row(self) -> list:
        return [self.endpoint, self.sent, self.server_errors, self.off_envelope, self.no_answer, self.tracebacks,
                self.state_changes, f"{self.median_ms():.1f}"]


class Lab:
    """The three served processes and their targets: `with Lab(log_dir) as lab: lab.hit(endpoint, 300)`."""

    def __init__(self, log_dir: Path, servers_wanted=("telegram", "stripe", "app"), real_redis: bool = False,
                 max_body: int = 3 * MB, workers: int = 4, seed: int = 11):
        self.log_dir, self.wanted, self.real_redis = Path(log_dir), set(servers_wanted), real_redis
        self.max_body, self.workers, self.seed = max_body, workers, seed
        self.procs: dict[str, servers.Process] = {}
        self.targets: dict[str, object] = {}
        self.redis_proc = None
        self.redis_kind = "embedded fakeredis"
        self.broken: dict[str, str] = {}  # server -> why it did not start

    # --- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> "Lab":
        """Start what is wanted; a server that cannot start (a tree mid-edit) is noted in `broken`, not fatal."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if "app" in self.wanted:
            self.wanted.add("telegram")  # the shop bot replies through the Bot API fake
        try:
            telegram_port, redis_url = free_port(), ""
            if "app" in self.wanted and self.real_redis and (started := start_redis(self.log_dir)):
                self.redis_proc, redis_url = started
                self.redis_kind = "redis-server (data outside the app's process)"
            plan = {"telegram": (["telegram", "--no-limits"], f"{TG}/getMe", targets.telegram_targets),
                    "stripe": (["stripe"], "/v1/customers", targets.stripe_targets),
                    "app": (["app", "--redis-url", redis_url, "--telegram-api", f"http://{HOST}:{telegram_port}"],
                            "/_lab/none", targets.shop_targets)}
            for name in [n for n in plan if n in self.wanted]:  # all start at once, then each is set up
                self.procs[name] = servers.launch(name, plan[name][0], self.log_dir,
                                                  telegram_port if name == "telegram" else None)
            for name in list(self.procs):
                try:
                    servers.ready(self.procs[name], plan[name][1])
                    self.targets[name] = plan[name][2](self.procs[name].url)
                except (RuntimeError, AssertionError, KeyError, ValueError, httpx.HTTPError) as failure:
                    self.broken[name] = str(failure).strip().splitlines()[-1][:300]
                    self.procs.pop(name).stop()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs.values():
            proc.stop()
        if self.redis_proc is not None:
            self.redis_proc.terminate()
            self.redis_proc.wait(timeout=10)

    # --- the protected object ------------------------------------------------------------------
    def protected_id(self, server: str) -> str:
        return str(getattr(self.targets[server], targets.PROTECTED[server]))

    async def protected_state(self, server: str, http: httpx.AsyncClient) -> tuple[int, bytes]:
        return await targets.protected_state(server, self.procs[server].url, self.targets[server], http)

    # --- the hostile run -------------------------------------------------------------------------
    def hit(self, endpoint: Endpoint, n: int, batch: int = 200, timeout: float = 15) -> Tally:
        return asyncio.run(self._hit(endpoint, n, batch, timeout))

    async def _hit(self, endpoint: Endpoint, n: int, batch: int, timeout: float) -> Tally:
        draw = Draw(self.seed ^ zlib.crc32(endpoint.name.encode()), self.max_body)
        target, url = self.targets[endpoint.server], self.procs[endpoint.server].url
        tally, marks = Tally(endpoint.name), {name: p.log_size() for name, p in self.procs.items()}
        clients = [httpx.AsyncClient(base_url=url, timeout=timeout) for _ in range(self.workers)]
        marker, alone = self.protected_id(endpoint.server), asyncio.Lock()

        async def send_aimed(client: httpx.AsyncClient, req: Req) -> str | None:
            """A request naming the protected object goes alone, between two reads of its state."""
            async with alone:
                first = await self.protected_state(endpoint.server, client)
                reason = await self._send(client, endpoint, req, tally)
                then = await self.protected_state(endpoint.server, client)
                if first != then and len(tally.changed_by) < 5:
                    tally.changed_by.append((req, _difference(first, then)))
                return reason

        try:
            before = await self.protected_state(endpoint.server, clients[0])
            while tally.sent < n:
                requests = [endpoint.generate(draw, target) for _ in range(min(batch, n - tally.sent))]
                pending = iter(requests)

                async def worker(client: httpx.AsyncClient) -> None:
                    for req in pending:
                        aimed = req.aimed or marker in req.target or marker.encode() in req.body
                        reason = await (send_aimed(client, req) if aimed else self._send(client, endpoint, req, tally))
                        failures = tally.server_errors + tally.off_envelope + tally.no_answer
                        if reason and len(tally.failing) < KEEP and (failures <= KEEP // 2 or failures % 10 == 0):
                            tally.failing.append((reason, req))  # the first ones, then every 10th

                await asyncio.gather(*(worker(c) for c in clients))
                after = await self.protected_state(endpoint.server, clients[0])
                if after != before:
                    tally.state_changes += 1
                    before = after
            if endpoint.name == "telegram setWebhook":
                await clients[0].post(f"{self.procs['telegram'].url}{TG}/deleteWebhook")
        finally:
            for c in clients:
                await c.aclose()
        await asyncio.sleep(0.2)  # let the servers finish writing their logs
        for name, proc in self.procs.items():
            text = proc.log_text(marks[name])
            tally.tracebacks += servers.count_tracebacks(text)
            tally.signatures.update(f"[{name}] {s}" for s in servers.signatures(text))
        return tally

    async def _send(self, client: httpx.AsyncClient, endpoint: Endpoint, req: Req, tally: Tally) -> str | None:
        started = time.perf_counter()
        try:
            answer = await client.request(req.method, req.target, content=req.body, headers=req.headers)
        except (httpx.LocalProtocolError, httpx.InvalidURL):
            tally.reasons["not sendable by the client (skipped)"] += 1
            return None
        except httpx.WriteError:
            tally.sent += 1
            tally.cut_off += 1
            return None
        except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError) as lost:
            tally.sent += 1
            tally.no_answer += 1
            reason = f"no answer: {type(lost).__name__}"
            tally.reasons[reason] += 1
            return reason
        tally.sent += 1
        tally.latencies.append(time.perf_counter() - started)
        if answer.status_code >= 500:
            tally.server_errors += 1
            reason = f"HTTP {answer.status_code} {answer.content[:60]!r}"
        else:
            off = endpoint.classify(answer.status_code, answer.headers, answer.content)
            if off is None:
                return None
            tally.off_envelope += 1
            reason = f"off envelope ({off}): HTTP {answer.status_code} {answer.content[:60]!r}"
        tally.reasons[reason] += 1
        return reason

    # --- naming each failure ---------------------------------------------------------------------
    def triage(self, endpoint: Endpoint, tally: Tally, budget_s: float = 30) -> list["Failure"]:
        """The distinct failures of a run, each with one request: the kept failing requests are replayed one at a
        time and named by the traceback they leave (or by their answer when they leave none)."""
        return asyncio.run(self._triage(endpoint, tally, budget_s))

    async def _triage(self, endpoint: Endpoint, tally: Tally, budget_s: float) -> list["Failure"]:
        examples: dict[str, Req] = {}
        explained: set[str] = set()  # answers that a traceback accounts for
        deadline = time.monotonic() + budget_s
        async with httpx.AsyncClient(base_url=self.procs[endpoint.server].url, timeout=15) as http:
            for reason, req in tally.failing:
                if time.monotonic() > deadline:
                    break
                marks = {name: p.log_size() for name, p in self.procs.items()}
                try:
                    await http.request(req.method, req.target, content=req.body, headers=req.headers)
                except httpx.HTTPError:
                    pass
                found = [f"[{name}] {s}" for name, p in self.procs.items()
                         for s in servers.signatures(p.log_text(marks[name]))]
                if found:
                    explained.add(reason)
                for key in found or [reason]:
                    examples.setdefault(key, req)
        counts = tally.signatures + Counter({reason: n for reason, n in tally.reasons.items()
                                             if reason not in explained and not reason.startswith("not sendable")})
        failures = [Failure(key, endpoint.name, counts.get(key, 0), examples.get(key))
                    for key in dict.fromkeys([*examples, *counts]) if key not in explained]
        failures += [Failure(f"state change of the protected {endpoint.server} object: {change}", endpoint.name, 1, req)
                     for req, change in tally.changed_by]
        if tally.state_changes and not tally.changed_by:
            failures.append(Failure(f"state change of the protected {endpoint.server} object (by a request not "
                                    "naming it)", endpoint.name, tally.state_changes, None))
        return failures


@dataclass
class Failure:
    key: str  # a traceback's signature, a failing answer, or a state change
    endpoint: str
    count: int  # in the run (tracebacks: as logged)
    example: Req | None


def _difference(before: tuple[int, bytes], after: tuple[int, bytes]) -> str:
    """What changed in a protected object's JSON, in a line."""
    import json

    try:
        old, new = json.loads(before[1]), json.loads(after[1])
    except ValueError:
        return f"{before[1][:80]!r} -> {after[1][:80]!r}"

    def walk(a, b, path: str) -> list[str]:
        if isinstance(a, dict) and isinstance(b, dict):
            return [d for k in sorted(set(a) | set(b), key=str) for d in walk(a.get(k), b.get(k), f"{path}.{k}")]
        if isinstance(a, list) and isinstance(b, list):
            grown = [f"{path}: +{json.dumps(x)[:160]}" for x in b[len(a):]]
            grown += [f"{path}: -{json.dumps(x)[:80]}" for x in a[len(b):]]
            return [d for i, (x, y) in enumerate(zip(a, b)) for d in walk(x, y, f"{path}[{i}]")] + grown
        return [] if a == b else [f"{path}: {json.dumps(a)[:60]} -> {json.dumps(b)[:100]}"]

    return "; ".join(walk(old, new, "")[:3])
