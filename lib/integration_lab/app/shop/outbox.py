"""The delivery outbox: messages a paid order owes its buyer (the goods, a receipt), queued in Redis and
sent by `drain()` through a Bot API client whose own retries are off, so every wait is ours and on the clock.

A job is keyed by its order (`<order>:goods`), so queueing twice queues once. Sending is claim, send,
mark: the claim (one script) takes the job with a lease, so a sender that dies leaves it to whoever drains
next (a restart continues where the old process stopped); a job marked sent is never sent again.

    429          wait Telegram's retry_after on the clock (the job's due time in the `outbox:due` ZSET)
    5xx, timeout back off, doubling, capped
    breaker open not sent: the job waits until the breaker lets a probe through
    403          the buyer blocked the bot: park the job; `resume(chat_id)` when they write again
    401          our token was refused (revoked): hold the job, never fail it; it goes once the token works
    other 4xx    Telegram will never take it: failed, kept for the retention
    ok           mark sent (message_id); the goods job then tells the ledger `deliver`

Two circuit breakers stand between a storm and Telegram. Per chat: a 403 parks that chat's jobs (in Redis,
so every process sees it) until the buyer writes again. Global: the Bot API client's breaker (BotApi
`breaker=`) counts 5xx answers and timeouts; once open, the rest of a drain is not sent, and every job
waits for the breaker's next probe instead of each backing off on its own and hammering a Telegram that is
down. A refusal costs no call on the wire.

The one window no code can close: Telegram accepted a sendMessage and we die (or Redis is cut) before the
mark lands. The lease then runs out and the message is sent again: at least once, never lost. The window is
kept one Redis round trip wide: the mark is in the very next round trip after Telegram's answer. A timeout
is the same window seen from the network: the message may have arrived, and the retry may show it twice.

Round trips: a drain reads what is due (one), then each job's claim goes in one pipeline with the marks of
the job before it (app/batch.py; the mark first, so it is still the next thing Redis hears after Telegram's
answer, and only one job is ever claimed and not yet marked), and the goods' mark, the ledger's `deliver`
and the job's `done` go together: one round trip per job sent, and one to end the drain.

Failover (`wait_replicas`, default 0: off): a job queued on a primary that has not yet sent it to its replica
dies with that primary, and the payment that queued it too; sending it first and losing it after would ship
the goods once now and once more when the provider's resend queues them again. With `wait_replicas` n, the
claim's round trip ends with WAIT n: fewer than n replicas, and the job is not sent (`unreplicated`); its
lease lets the next drain after it try again. What WAIT cannot close is the window above: the goods sent,
their mark not yet on a replica.
"""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar
from dataclasses import dataclass

from ...runtime.keyspace import escape_glob, tag
from ..batch import Batch, short_of, stage_wait
from ..lanes import Lanes
from ..scripts import register
from ..telegram.client import BotApi, FloodWait, Forbidden, NotSent, ServerError, TelegramError, TimedOut, Unauthorized

LEASE = 60.0  # seconds a claimed job is left to its sender before another may take it
BACKOFF, BACKOFF_CAP = 2.0, 300.0  # seconds: first wait after a 5xx or timeout, and the most
RETENTION = 7 * 24 * 3600  # seconds a sent (or failed) job's record is kept, then Redis drops it
BATCH = 100  # jobs looked at per drain
HOLD_UNAUTHORIZED = 60.0  # seconds a job waits after a 401 before trying the (hopefully replaced) token again
# the marks of the job a drain just handled, sent with the next job's claim (None outside a drain: at once)
_MARKS: ContextVar[Batch | None] = ContextVar("outbox_marks", default=None)


@dataclass(frozen=True)
class Job:
    id: str
    chat_id: int
    text: str
    order_id: str = ""
    deliver: bool = False  # the goods themselves: sending them tells the ledger the order was delivered


QUEUE = tag("outbox")  # the hash tag of every outbox key


class Outbox:
    def __init__(self, redis, keys, clock, api: BotApi, ledger=None):
        if api.max_retries:
            raise ValueError("the outbox waits on its own clock: give it a BotApi with max_retries=0")
        self.redis, self.keys, self.clock, self.api, self.ledger = redis, keys, clock, api, ledger
        self.wait_replicas = 0  # send only what this many replicas have (WAIT after the claim); 0: never ask
        # one hash tag for the whole queue (its due set, jobs and parked sets), as queues on a cluster do (a
        # claim or a mark moves a job and the due set in one script): the outbox is one slot's
        self._due = keys.key(QUEUE, "due")
        self._enqueue = register(redis, "outbox_enqueue")
        self._claim = register(redis, "outbox_claim")
        self._mark = register(redis, "outbox_mark")

    def _job_key(self, job_id: str) -> str:
        return self.keys.key(QUEUE, "job", job_id)

    def parked_key(self, chat_id) -> str:
        return self.keys.key(QUEUE, "parked", chat_id)

    async def enqueue(self, *jobs: Job) -> int:
        """Queue jobs (one script: all or none); a job id seen before is not queued again. Returns how many
        were queued now."""
        return await self._enqueue(keys=self._enqueue_keys(jobs), args=self._enqueue_args(jobs))

    def stage_enqueue(self, batch, *jobs: Job):
        """`enqueue` staged in a batch (app/batch.py)."""
        return batch.script(self._enqueue, self._enqueue_keys(jobs), self._enqueue_args(jobs))

    def _enqueue_keys(self, jobs) -> list[str]:
        return [self._due, *(self._job_key(j.id) for j in jobs)]

    def _enqueue_args(self, jobs) -> list:
        fields = [json.dumps({"id": j.id, "chat_id": j.chat_id, "text": j.text, "order_id": j.order_id,
                              "deliver": int(j.deliver)}) for j in jobs]
        return [self.clock.ms(), *fields]

    async def drain(self, limit: int = BATCH, concurrency: int = 1) -> list[dict]:
        """Send what is due now. Returns one row per job looked at: id, outcome, and detail. With
        `concurrency` above 1, every due job is claimed in one round trip and the claimed ones are sent that
        many at once, each chat's in order (app/lanes.py), each job's marks right after its send."""
        now, waiting = self.clock.ms(), {}  # chat -> when Telegram lets us send to it again
        due = await self.redis.zrangebyscore(self._due, "-inf", now, start=0, num=limit)
        if concurrency > 1:
            return await self._drain_at_once(due, concurrency, waiting)
        rows, marks = [], Batch(self.redis)
        staging = _MARKS.set(marks)
        try:
            for job_id in due:
                claim = self._stage_claim(marks, job_id)
                copies = stage_wait(marks, self.wait_replicas)
                await marks.send()  # the last job's marks, then this claim
                if claim.value and short_of(copies, self.wait_replicas):
                    rows.append(self._unreplicated(job_id, copies.value))
                elif claim.value:
                    rows.append(await self._work(_fields(claim.value), waiting))
        finally:
            _MARKS.reset(staging)
        await marks.send()  # the last job's marks
        return [row for row in rows if row is not None]

    async def _drain_at_once(self, due: list[str], concurrency: int, waiting: dict) -> list[dict]:
        claims = Batch(self.redis)
        staged = [self._stage_claim(claims, job_id) for job_id in due]
        copies = stage_wait(claims, self.wait_replicas)
        await claims.send()
        jobs = [_fields(claim.value) for claim in staged if claim.value]
        if short_of(copies, self.wait_replicas):
            return [self._unreplicated(job["id"], copies.value) for job in jobs]

        async def one(job: dict) -> dict | None:  # in its own task: its marks are its own
            marks = Batch(self.redis)
            _MARKS.set(marks)
            try:
                return await self._work(job, waiting)
            finally:
                await marks.send()

        lanes = Lanes(concurrency)
        done = await asyncio.gather(*(lanes.submit(job["chat_id"], lambda job=job: one(job)) for job in jobs),
                                    return_exceptions=True)
        failed = next((row for row in done if isinstance(row, BaseException)), None)
        if failed is not None:  # as one after another would: a job not marked waits out its lease
            raise failed
        return [row for row in done if row is not None]

    def _unreplicated(self, job_id: str, copies: int) -> dict:
        """A claimed job left unsent: its lease runs out and a later drain takes it again."""
        return {"job": job_id, "outcome": "unreplicated",
                "detail": f"on {copies} of {self.wait_replicas} replica(s): not sent, the lease runs out"}

    def _stage_claim(self, batch: Batch, job_id: str):
        return batch.script(self._claim, [self._job_key(job_id), self._due],
                            [job_id, self.clock.ms(), round(LEASE * 1000)])

    async def _work(self, job: dict, waiting: dict) -> dict | None:
        """One claimed job: finished, held back for its chat's retry_after (None), or sent."""
        if job["state"] == "sent":  # sent earlier; only the ledger's `deliver` is left
            return await self._finish(job)
        if job["chat_id"] in waiting:  # Telegram asked us to slow down for this chat: no more this round
            await self._set(job, "retry", waiting[job["chat_id"]], "waiting for the chat's retry_after")
            return None
        row = await self._send(job)
        if row["outcome"] == "retry_after":
            waiting[job["chat_id"]] = row["until"]
        return row

    async def _send(self, job: dict) -> dict:
        try:
            message = await self.api.send_message(int(job["chat_id"]), job["text"])
        except NotSent as refused:  # the breaker is open: wait for its probe, nothing went out
            until = round((refused.retry_at or self.clock.time()) * 1000)
            await self._set(job, "retry", max(until, self.clock.ms()), refused.description)
            return {"job": job["id"], "outcome": "breaker_open", "detail": refused.description, "until": until}
        except FloodWait as wait:
            until = self.clock.ms() + wait.retry_after * 1000
            await self._set(job, "retry", until, wait.description)
            return {"job": job["id"], "outcome": "retry_after", "detail": f"{wait.retry_after} s", "until": until}
        except (ServerError, TimedOut) as error:
            delay = min(BACKOFF_CAP, BACKOFF * 2 ** (int(job["attempts"]) - 1))
            await self._set(job, "retry", self.clock.ms() + round(delay * 1000), error.description)
            return {"job": job["id"], "outcome": "backoff", "detail": f"{delay:g} s"}
        except Unauthorized as error:  # our token, not the buyer: the goods are owed all the same
            await self._set(job, "retry", self.clock.ms() + round(HOLD_UNAUTHORIZED * 1000), error.description)
            return {"job": job["id"], "outcome": "held", "detail": error.description}
        except Forbidden as error:
            await self._set(job, "park", 0, error.description)
            return {"job": job["id"], "outcome": "parked", "detail": error.description}
        except TelegramError as error:
            await self._set(job, "fail", error.description)
            return {"job": job["id"], "outcome": "failed", "detail": error.description}
        # the window: Telegram has the message; the mark below is in the next Redis round trip
        marks = _MARKS.get()
        if marks is not None:  # in a drain: the goods' mark, the ledger's deliver and done go together
            await self._set(job, "sent", message["message_id"])
            if job.get("deliver") == "1":
                return await self._finish(job, message["message_id"])
        elif await self._set(job, "sent", message["message_id"]) == "sent":
            return await self._finish(job, message["message_id"])
        return {"job": job["id"], "outcome": "sent", "detail": message["message_id"]}

    async def _finish(self, job: dict, message_id=None) -> dict:
        marks = _MARKS.get()
        if self.ledger is not None and job.get("order_id"):  # idempotent: a repeat answers duplicate
            if marks is None:
                await self.ledger.deliver(job["order_id"])
            else:
                self.ledger.stage_apply(marks, "deliver", job["order_id"], "ledger", "-")
        await self._set(job, "done", "")
        return {"job": job["id"], "outcome": "sent", "detail": message_id or job.get("message_id", "")}

    async def _set(self, job: dict, outcome: str, value, error: str = "") -> str | None:
        """Mark what became of a job: at once, or in a drain staged for its next round trip (answer: None)."""
        keys = [self._job_key(job["id"]), self._due, self.parked_key(job["chat_id"])]
        args = [job["id"], outcome, self.clock.ms(), value, round(RETENTION * 1000), error]
        marks = _MARKS.get()
        if marks is not None:
            marks.script(self._mark, keys, args)
            return None
        return await self._mark(keys=keys, args=args)

    async def resume(self, chat_id: int) -> int:
        """The buyer wrote to the bot again: their parked jobs are due now. Returns how many."""
        resumed = 0
        for job_id in await self.redis.smembers(self.parked_key(chat_id)):
            job = {"id": job_id, "chat_id": chat_id}
            resumed += await self._set(job, "resume", "") == "due"
        return resumed

    async def job(self, job_id: str) -> dict:
        return await self.redis.hgetall(self._job_key(job_id))

    async def jobs(self) -> list[dict]:
        """Every job still on record (queued, parked, or sent within the retention), oldest first."""
        found = []
        async for key in self.redis.scan_iter(match=self.keys.pattern(escape_glob(QUEUE) + ":job:*"), count=200):
            found.append(await self.redis.hgetall(key))
        columns = ("id", "chat_id", "state", "attempts", "due_at", "message_id", "error")
        return [{c: j.get(c, "") for c in columns}
                for j in sorted((j for j in found if j), key=lambda j: (int(j["created_at"]), j["id"]))]


def _fields(flat: list) -> dict:
    return dict(zip(flat[::2], flat[1::2]))
