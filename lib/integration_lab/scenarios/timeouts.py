"""Each httpx timeout phase provoked for our Bot API client on real loopback sockets, and what it did.

One phase at a time is short (`timeout`), the others patient, so only that phase can fire:

    connect  a server whose accept queue is full (runtime.stalls.full_backlog): the handshake never completes
    read     the Telegram fake, served on loopback, holds the call (its latency fault) past the read timeout
    write    a server that never reads (stalls.never_reads) and a body bigger than the socket buffers
    pool     one connection allowed (httpx.Limits(max_connections=1)), held by a slow call: the next waits

Two calls meet each phase: sendMessage (not safe to repeat: once its request may have left, a timeout
is not retried, since the message may have been delivered) and getMe (safe to repeat: retried in every
phase). Retries wait on the lab clock, so the waits printed are the same every run; wall-clock durations
are kept apart (`TimeoutRun.durations`) for cells tagged lab-timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd

from ..app.telegram.client import BotApi, TelegramError, TimedOut
from ..fakes.telegram import TelegramFake
from ..fakes.telegram.asgi import service
from ..fakes.telegram.simulate import People
from ..runtime.stalls import Gate, full_backlog, never_reads, served

PHASES = ("connect", "read", "write", "pool")
SLOW_TEXT = "Your order #1 is on its way."  # the pool phase's first message: the one holding the connection
TEXT = "Thanks, Ada: payment received."


@dataclass
class TimeoutRun:
    phase: str
    timeouts: dict[str, float]  # seconds per phase as BotApi was given them
    calls: list[dict[str, Any]]
    api: BotApi
    people: People
    chat_id: int
    held: int  # calls the Telegram fake held (its latency fault), 0 where the fake is not on the wire
    durations: dict[str, float] = field(default_factory=dict)  # wall seconds per call: lab-timing cells only

    def table(self) -> pd.DataFrame:
        """One row per call: what our code got back, and whether the client tried again."""
        return pd.DataFrame(self.calls, columns=["method", "result", "description", "sent", "attempts", "retried",
                                                 "waited (lab s)", "reached the chat"])

    def attempts(self) -> pd.DataFrame:
        """Every attempt on the wire, in order: `waited` is the lab-clock sleep before the next attempt."""
        return pd.DataFrame([vars(a) for a in self.api.attempts], columns=["method", "attempt", "outcome", "waited"])

    def timeout_table(self) -> pd.DataFrame:
        return pd.DataFrame([{"phase": p, "seconds": s, "provoked": p == self.phase} for p, s in self.timeouts.items()])

    def transcript(self) -> pd.DataFrame:
        """Ada's chat as the fake holds it: what reached her, whatever our client believed."""
        rows = self.people.transcript(self.chat_id)
        return pd.DataFrame(rows, columns=["message_id", "direction", "text"]).set_index("message_id")

    def timing(self) -> pd.DataFrame:
        return pd.DataFrame([{"call": k, "wall (s)": round(v, 3)} for k, v in self.durations.items()])


def phase_timeouts(phase: str, timeout: float, patient: float) -> httpx.Timeout:
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}; choose one of {', '.join(PHASES)}")
    seconds = {p: (timeout if p == phase else patient) for p in PHASES}
    return httpx.Timeout(**seconds)


async def provoke(lab, phase: str, timeout: float = 0.2, patient: float = 5.0, max_retries: int = 2,
                  hang: float = 5.0, body_bytes: int = 8_000_000, jitter_seed: int = 0) -> TimeoutRun:
    """Provoke `phase` for sendMessage and getMe; `hang` bounds how long the fake holds a call (wall s),
    `body_bytes` is the write phase's body (bigger than what loopback sockets buffer)."""
    limits = phase_timeouts(phase, timeout, patient)
    if not 0 < timeout < patient or hang <= timeout:
        raise ValueError("need 0 < timeout < patient and a hang longer than the timeout")
    fake = TelegramFake(lab.clock, lab.ids)
    gate = Gate()
    fake.sleep = gate.sleep  # the latency fault holds a call until the scenario lets it go (or `hang` passes)
    people = People(fake)
    ada = {"id": lab.ids.integer(100_000_000, 999_999_999), "first_name": "Ada"}
    people.send(ada["id"], ada, "/start")
    token = fake.default_bot.token

    def client(base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> BotApi:
        return BotApi(token, base_url=base_url, transport=transport, sleep=lab.advance, max_retries=max_retries,
                      timeout=limits, jitter_seed=jitter_seed)

    run = TimeoutRun(phase, {p: getattr(limits, p) for p in PHASES}, [], None, people, ada["id"], 0)
    async with contextlib.AsyncExitStack() as stack:
        if phase == "connect":
            run.api = client(await stack.enter_async_context(full_backlog()))
        elif phase == "write":
            run.api = client(await stack.enter_async_context(never_reads()))
        else:
            url = await stack.enter_async_context(served(service(fake)))
            one = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=1)) if phase == "pool" else None
            run.api = client(url, one)
        stack.push_async_callback(run.api.close)
        padding = {"text": TEXT + " " + "x" * body_bytes} if phase == "write" else {"text": TEXT}
        slow = None
        if phase == "read":
            fake.faults.add("latency", "sendMessage", times=1, seconds=hang)
            fake.faults.add("latency", "getMe", times=2, seconds=hang)  # the third try is answered
        elif phase == "pool":
            fake.faults.add("latency", "sendMessage", times=1, seconds=hang)
            slow = await _hold_the_connection(run, gate, SLOW_TEXT)
        await _call(run, "sendMessage", chat_id=ada["id"], **padding)
        await _call(run, "getMe", **({"padding": padding["text"]} if phase == "write" else {}))
        gate.open()  # whatever the fake still holds goes through now: a held sendMessage is delivered
        await gate.drained()
        if slow is not None:
            await slow
        run.held = gate.held
    texts = {row["text"] for row in people.transcript(ada["id"])}
    for row in run.calls:
        row["reached the chat"] = "" if row["method"] != "sendMessage" else ("yes" if TEXT in texts else "no")
    return run


async def _hold_the_connection(run: TimeoutRun, gate: Gate, text: str):
    """Start a sendMessage the fake holds: it keeps the client's only connection busy until the gate opens."""
    started = time.perf_counter()

    async def slow() -> None:
        try:
            await run.api.send_message(run.chat_id, text)
        finally:
            run.durations["sendMessage (holding the connection)"] = time.perf_counter() - started

    task = asyncio.ensure_future(slow())
    for _ in range(500):  # bounded: the fake has it within a few loop turns
        if gate.waiting or task.done():
            break
        await asyncio.sleep(0.01)
    if not gate.waiting:
        task.cancel()
        raise RuntimeError("the slow call never reached the fake")
    return task


async def _call(run: TimeoutRun, method: str, **params: Any) -> None:
    before = len(run.api.attempts)
    started = time.perf_counter()
    row = {"method": method, "result": "ok", "description": "", "sent": ""}
    try:
        await run.api.call(method, **params)
    except TelegramError as error:
        row.update(result=type(error).__name__, description=error.description,
                   sent=("may have been" if error.sent else "no") if isinstance(error, TimedOut) else "")
    finally:
        run.durations[method] = time.perf_counter() - started
    mine = list(run.api.attempts)[before:]
    row.update(attempts=len(mine), retried="yes" if len(mine) > 1 else "no",
               **{"waited (lab s)": round(sum(a.waited for a in mine), 3)})
    run.calls.append(row)
