"""The crash-point sweep: cut Redis before each command of a provider's flow, let the provider resend as it
does, and check that no money is stranded or doubled.

A flow is a list of requests as a provider sends them (Payme's JSON-RPC calls, Click's prepare and
complete, Stripe's signed events, Telegram's updates) to our handlers, on one fresh order. For a flow of N
Redis commands the sweep runs it N + 1 times; run k lets k commands through and cuts the connection
before the next one (`runtime.redis_cut`). The request that meets the cut gets our outage answer; the
connection comes back and the provider resends that request, as it would, until it gets a real answer;
then the flow goes on. Each run is judged against the uncut run:

- doubled: the order has more than one successful payment, or (the club's flows) more notices were queued for
  the buyer than in the uncut run: a renewal applied twice;
- stranded: a payment the provider was told succeeded is missing from the ledger or from the provider's
  statement (GetStatement for Payme), or a final answer differs from the uncut run's, or what the flow
  observes beside (the shop's stock and outbox, for Stripe Checkout) does; for the club's renewals
  (Stripe's invoice.paid through our webhook, Telegram's successful_payment through the bot), a renewal the
  provider was told we took that the membership does not count, or a membership or its notices other than
  the uncut run's: a renewal lost;
- orphan keys: the keyspace holds keys the uncut run does not (or lacks some);
- answered without Redis: a read-only command (/catalog, /help) met the cut and was answered anyway, from
  the source, without being remembered (answering it twice is harmless), so its keys are missing;
- repaired: the cut was met and none of the above; not reached: k was past the flow's last command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import urlencode

import pandas as pd
from redis.exceptions import RedisError

from ..app.payments.payme_merchant import authorization
from ..app.scripts import script_name
from ..app.service import DEFAULTS, Options, build_shop
from ..fakes.click.simulator import click_sign
from ..fakes.stripe.webhooks import signature
from ..runtime.redis_cut import RedisCut
from .telegram import shop_world

FLOWS = ("payme", "payme-cancel", "click", "click-declined", "stripe-webhook", "stripe-unpaid", "stripe-checkout",
         "stripe-checkout-expired", "telegram-update", "stripe-club-renewal", "stars-club-renewal")
ORDER = "7001"
MEMBER, MONTH = 7001, 2_592_000  # the club flows' buyer, and a period
CLUB_SUB = "sub_1CrashPointClub0001"
MAX_RESENDS = 3  # one cut per run, so the first resend after reconnecting must already succeed


@dataclass
class Request:
    step: str
    send: Callable[[], Awaitable[Any]]  # one delivery; returns the answer the provider sees
    retry: Callable[[Any], bool]  # does the provider resend after this answer?
    succeeded: Callable[[Any], str | None] = lambda answer: None  # the payment ref the provider now counts as paid


@dataclass
class Flow:
    name: str
    requests: list[Request]
    statement: Callable[[], Awaitable[set[str]]]  # refs the provider's own statement shows as paid
    ledger: Any
    close: Callable[[], Awaitable[None]] = field(default=lambda: _nothing())
    degraded: Callable[[], list[str]] = field(default=lambda: [])  # requests answered without Redis
    observe: Callable[[], Awaitable[Any]] = field(default=lambda: _nothing())  # more to match the uncut run
    club: Any = None  # the club's flows: the shop whose membership and notices are judged


async def _nothing() -> None:
    pass


async def _paid_nothing() -> set[str]:
    return set()


# the flows ---------------------------------------------------------------------------------------------
async def build_flow(lab, name: str) -> Flow:
    """A fresh world on the lab's (cleaned) keyspace with one open order, and the flow's requests."""
    if name == "telegram-update":
        return await _telegram_flow(lab)
    shop = await build_shop(Options(), backend=lab.backend, clock=lab.clock)
    if name == "stripe-club-renewal":
        return _stripe_club_flow(lab, shop)
    if name == "stars-club-renewal":
        return _stars_club_flow(lab, shop)
    currency = "USD" if name.startswith("stripe") else "UZS"
    await shop.ledger.open_order(500000, currency, ORDER, "crash-point order")
    builders = {"payme": _payme_flow, "payme-cancel": _payme_flow, "click": _click_flow,
                "click-declined": _click_flow, "stripe-webhook": _stripe_flow, "stripe-unpaid": _stripe_flow,
                "stripe-checkout": _stripe_flow, "stripe-checkout-expired": _stripe_flow}
    if name not in builders:
        raise ValueError(f"unknown flow {name!r}; choose one of {', '.join(FLOWS)}")
    return await builders[name](lab, shop, name)


async def _payme_flow(lab, shop, name: str) -> Flow:
    txid, now = "6761ab0c1de7b1ed1ab0a001", lab.clock.ms()
    auth = authorization(DEFAULTS["payme_key"])

    def call(method: str, params: dict) -> Callable[[], Awaitable[dict]]:
        body = json.dumps({"id": 1, "method": method, "params": params}).encode()
        return lambda: shop.payme.handle("POST", auth, body)

    def internal(answer: dict) -> bool:  # -32400: Payme asks again
        return (answer.get("error") or {}).get("code") == -32400

    def performed(answer: dict) -> str | None:
        return txid if (answer.get("result") or {}).get("state") == 2 else None

    account = {"account": {"order_id": ORDER}, "amount": 500000}
    requests = [Request("CheckPerformTransaction", call("CheckPerformTransaction", account), internal),
                Request("CreateTransaction", call("CreateTransaction", {"id": txid, "time": now, **account}), internal)]
    if name == "payme":
        requests += [
            Request("PerformTransaction", call("PerformTransaction", {"id": txid}), internal, performed),
            Request("SetFiscalData", call("SetFiscalData", {"id": txid, "type": "PERFORM",
                                                            "fiscal_data": {"receipt_id": 1}}), internal),
            Request("deliver", lambda: _ours(shop.ledger.deliver(ORDER)), _failed),
        ]
    requests += [Request("CancelTransaction", call("CancelTransaction", {"id": txid, "reason": 3}), internal),
                 Request("CheckTransaction", call("CheckTransaction", {"id": txid}), internal),
                 Request("GetStatement", call("GetStatement", {"from": now - 1000, "to": now + 1000}), internal)]

    async def statement() -> set[str]:
        answer = await shop.payme.statement({"from": 0, "to": now + 1000})
        return {t["id"] for t in answer["transactions"] if t["state"] == 2}

    return Flow(name, requests, statement, shop.ledger)


async def _click_flow(lab, shop, name: str) -> Flow:
    trans, error = 2_000_000_001, (-5017 if name == "click-declined" else 0)
    sign_time = lab.clock.now().strftime("%Y-%m-%d %H:%M:%S")

    def form(action: int, **extra) -> bytes:
        fields = {"click_trans_id": trans, "service_id": DEFAULTS["click_service_id"], "click_paydoc_id": trans + 1,
                  "merchant_trans_id": ORDER, "amount": "5000.00", "action": action, "error": 0 if action == 0 else error,
                  "error_note": "Success", "sign_time": sign_time, **extra}
        fields["sign_string"] = click_sign(fields, DEFAULTS["click_secret_key"])
        return urlencode(fields).encode()

    def failed(answer: dict) -> bool:  # -7: our store failed; Click sends the request again
        return answer["error"] == -7

    prepare_id = 1  # the first prepare id on a clean keyspace (the uncut run checks it)
    requests = [Request("prepare", lambda: shop.click.prepare(form(0)), failed),
                Request("complete", lambda: shop.click.complete(form(1, merchant_prepare_id=prepare_id)), failed,
                        lambda answer: str(trans) if answer["error"] == 0 else None)]

    return Flow(name, requests, _paid_nothing, shop.ledger)  # Click's statement: what its completes were told


def _stripe_delivery(lab, shop, event: dict) -> Callable[[], Awaitable[tuple[int, dict]]]:
    """`event` as Stripe delivers it to our webhook, signed now with the shop's endpoint secret; served, a Redis
    cut is our 500, and Stripe retries any non-2xx."""
    payload = json.dumps(event).encode()
    header = signature(payload, DEFAULTS["stripe_webhook_secret"], int(lab.clock.time()))

    async def send():
        try:
            return await shop.webhooks.receive(payload, header)
        except RedisError:
            return 500, {"error": "internal"}
    return send


def _non_2xx(answer: tuple[int, dict]) -> bool:
    return not 200 <= answer[0] < 300


async def _stripe_flow(lab, shop, name: str) -> Flow:
    pi = "pi_3CrashPointSweep0001"
    intent = {"id": pi, "object": "payment_intent", "amount": 500000, "currency": "usd",
              "metadata": {"order_id": ORDER}}
    charge = {"id": "ch_3CrashPointSweep0001", "object": "charge", "payment_intent": pi, "amount": 500000,
              "amount_refunded": 200000, "metadata": {"order_id": ORDER}}

    def event(number: int, kind: str, obj: dict) -> Callable[[], Awaitable[tuple[int, dict]]]:
        return _stripe_delivery(lab, shop, {"id": f"evt_crash{number}", "object": "event", "type": kind,
                                            "data": {"object": obj}})

    if name.startswith("stripe-checkout"):
        return await _checkout_flow(lab, shop, name, event)
    if name == "stripe-unpaid":  # a declined card, then a manual-capture intent canceled, then the order
        held = {**intent, "id": "pi_3CrashPointSweep0002"}
        requests = [Request("payment_intent.created", event(1, "payment_intent.created", intent), _non_2xx),
                    Request("payment_intent.payment_failed", event(2, "payment_intent.payment_failed", intent),
                            _non_2xx),
                    Request("payment_intent.amount_capturable_updated",
                            event(3, "payment_intent.amount_capturable_updated", held), _non_2xx),
                    Request("payment_intent.canceled", event(4, "payment_intent.canceled", held), _non_2xx),
                    Request("cancel order", lambda: _ours(shop.ledger.cancel(ORDER)), _failed)]
        return Flow(name, requests, _paid_nothing, shop.ledger)
    requests = [Request("payment_intent.created", event(1, "payment_intent.created", intent), _non_2xx),
                Request("payment_intent.succeeded", event(2, "payment_intent.succeeded", {**intent, "status": "succeeded"}),
                        _non_2xx, lambda answer: pi if answer[0] == 200 else None),
                Request("charge.refunded", event(3, "charge.refunded", charge), _non_2xx)]

    async def statement() -> set[str]:  # Stripe's own record: the intent succeeded
        return {pi}

    return Flow(name, requests, statement, shop.ledger)


async def _checkout_flow(lab, shop, name: str, event) -> Flow:
    """A shop order (its stock held) paid on a Stripe Checkout link: the session's completed event and its
    PaymentIntent's succeeded event both settle it (once), a second tab's session is paid too (given back), a
    third tab's expires. Or, unpaid: a card declined on the page, then the link expires and the stock goes back
    (held for 0 s here, so the hold has lapsed as it has after a link's hour)."""
    await shop.parts.orders.record(ORDER, 7001, 7001, {"tea": 1})
    await shop.parts.stock.reserve(ORDER, {"tea": 1}, 0 if name == "stripe-checkout-expired" else 900)

    async def refund_refused(payment_intent: str) -> None:  # Stripe's refund, by its idempotency key: once
        pass
    shop.webhooks.refund_refused = refund_refused

    def session(number: int, status: str, paid: bool) -> dict:
        return {"id": f"cs_test_crash{number}", "object": "checkout.session", "mode": "payment", "status": status,
                "payment_status": "paid" if paid else "unpaid", "amount_total": 500000, "currency": "usd",
                "client_reference_id": ORDER, "metadata": {"order_id": ORDER},
                "payment_intent": f"pi_3CrashCheckout000{number}" if paid else None}

    async def shelf_and_outbox() -> tuple:  # the units on the shelf, held and sold, and what the buyer is told
        return await shop.stock.levels(), sorted((j["id"], j["state"]) for j in await shop.outbox.jobs())

    pi = "pi_3CrashCheckout0001"
    if name == "stripe-checkout-expired":
        declined = {"id": pi, "object": "payment_intent", "amount": 500000, "currency": "usd",
                    "status": "requires_payment_method", "metadata": {"order_id": ORDER}}
        requests = [Request("payment_intent.payment_failed", event(1, "payment_intent.payment_failed", declined),
                            _non_2xx),
                    Request("checkout.session.expired", event(2, "checkout.session.expired",
                                                              session(1, "expired", False)), _non_2xx)]
        return Flow(name, requests, _paid_nothing, shop.ledger, observe=shelf_and_outbox)
    intent = {"id": pi, "object": "payment_intent", "amount": 500000, "currency": "usd", "status": "succeeded",
              "metadata": {"order_id": ORDER}}
    requests = [Request("checkout.session.completed", event(1, "checkout.session.completed",
                                                            session(1, "complete", True)),
                        _non_2xx, lambda answer: pi if answer[0] == 200 else None),
                Request("payment_intent.succeeded", event(2, "payment_intent.succeeded", intent), _non_2xx),
                Request("completed, a second tab", event(3, "checkout.session.completed", session(2, "complete", True)),
                        _non_2xx),
                Request("expired, a third tab", event(4, "checkout.session.expired", session(3, "expired", False)),
                        _non_2xx)]

    async def statement() -> set[str]:  # Stripe's own record: the first tab's payment kept (the second is refunded,
        return {pi}                     # and its notice, queued only after the refund, is among the keys judged)

    return Flow(name, requests, statement, shop.ledger, observe=shelf_and_outbox)


def _club_invoice(number: int, reason: str, period_start: int) -> dict:
    """A paid invoice of the club's subscription as API versions from 2025-03-31 write it."""
    metadata = {"user_id": str(MEMBER), "chat_id": str(MEMBER)}
    return {"id": f"in_1CrashClub{number:09d}", "object": "invoice", "billing_reason": reason, "currency": "usd",
            "amount_due": 499, "amount_paid": 499, "status": "paid", "customer": "cus_CrashPointClub1",
            "parent": {"type": "subscription_details",
                       "subscription_details": {"metadata": metadata, "subscription": CLUB_SUB}},
            "lines": {"object": "list", "has_more": False, "data": [{
                "id": f"il_1CrashClub{number:09d}", "object": "line_item", "amount": 499, "currency": "usd",
                "period": {"start": period_start, "end": period_start + MONTH},
                "parent": {"type": "subscription_item_details",
                           "subscription_item_details": {"subscription": CLUB_SUB, "proration": False}}}]}}


def _stripe_club_flow(lab, shop) -> Flow:
    """The club's Stripe subscription: its first invoice and two renewals paid (invoice.paid to our webhook),
    the last event delivered again (Stripe's at-least-once) and the same invoice under another event id (a
    replay from the Dashboard)."""
    start = int(lab.clock.time())
    invoices = [_club_invoice(0, "subscription_create", start), _club_invoice(1, "subscription_cycle", start + MONTH),
                _club_invoice(2, "subscription_cycle", start + 2 * MONTH)]

    def event(event_id: str, invoice: dict) -> Callable[[], Awaitable[tuple[int, dict]]]:
        return _stripe_delivery(lab, shop, {"id": event_id, "object": "event", "type": "invoice.paid",
                                            "created": start, "data": {"object": invoice}})

    def received(invoice: dict) -> Callable[[tuple[int, dict]], str | None]:
        return lambda answer: invoice["id"] if answer[0] == 200 else None

    steps = [("invoice.paid (create)", "evt_club1", invoices[0]), ("invoice.paid (renewal 1)", "evt_club2", invoices[1]),
             ("invoice.paid (renewal 2)", "evt_club3", invoices[2]), ("invoice.paid (renewal 2) again", "evt_club3",
                                                                     invoices[2]),
             ("invoice.paid (renewal 2) replayed", "evt_club4", invoices[2])]
    requests = [Request(step, event(event_id, invoice), _non_2xx, received(invoice)) for step, event_id, invoice in steps]

    async def statement() -> set[str]:  # Stripe's own record: the three invoices are paid
        return {invoice["id"] for invoice in invoices}

    return Flow("stripe-club-renewal", requests, statement, None, club=shop)


def _stars_club_flow(lab, shop) -> Flow:
    """The club's Stars subscription: the first payment and two renewals, each a successful_payment update to the
    bot, the last one redelivered (Telegram repeats an update the bot did not confirm)."""
    start = int(lab.clock.time())
    buyer = {"id": MEMBER, "is_bot": False, "first_name": "Crash"}

    def payment(update_id: int, charge: str, until: int, first: bool) -> dict:
        paid = {"currency": "XTR", "total_amount": 250, "invoice_payload": f"club:{MEMBER}:1",
                "telegram_payment_charge_id": charge, "provider_payment_charge_id": "", "is_recurring": True,
                "subscription_expiration_date": until, **({"is_first_recurring": True} if first else {})}
        return {"update_id": update_id, "message": {"message_id": update_id, "from": buyer, "date": start,
                                                    "chat": {"id": MEMBER, "type": "private"},
                                                    "successful_payment": paid}}

    updates = [("successful_payment (first)", payment(1, "stxCrashClubFirst", start + MONTH, True)),
               ("successful_payment (renewal 1)", payment(2, "stxCrashClubRenew1", start + 2 * MONTH, False)),
               ("successful_payment (renewal 2)", payment(3, "stxCrashClubRenew2", start + 3 * MONTH, False)),
               ("successful_payment (renewal 2) again", payment(3, "stxCrashClubRenew2", start + 3 * MONTH, False))]

    def took(update: dict) -> Callable[[Any], str | None]:
        charge = update["message"]["successful_payment"]["telegram_payment_charge_id"]
        return lambda answer: charge if answer not in ("redis failed",) else None

    requests = [Request(step, _handle(shop.bot, update), _failed, took(update)) for step, update in updates]

    async def statement() -> set[str]:  # Telegram's own record: the three payments were taken
        return {update["message"]["successful_payment"]["telegram_payment_charge_id"] for _, update in updates}

    return Flow("stars-club-renewal", requests, statement, None, club=shop)


async def _telegram_flow(lab) -> Flow:
    world = await shop_world(lab, mode="manual", limits=False)
    buyer = {"id": 7001, "first_name": "Crash"}

    def says(update_id: int, text: str) -> Callable[[], Awaitable[str | None]]:
        message = world.people.send(buyer["id"], buyer, text)
        return _handle(world.bot, {"update_id": update_id, "message": message})

    def presses(update_id: int, data: str) -> Callable[[], Awaitable[str | None]]:
        update: dict = {"update_id": update_id}

        async def send():  # the button is pressed once; a redelivery carries the same update
            if "callback_query" not in update:
                chat = world.fake.default_bot.chats[buyer["id"]]
                offering = [m for m in chat.messages.values() if m.reply_markup and any(
                    b.get("callback_data") == data for row in m.reply_markup["inline_keyboard"] for b in row)]
                if not offering:
                    return "(no button to press)"  # the bot never sent the message offering it
                update["callback_query"] = world.people.press(buyer["id"], buyer, offering[-1].message_id, data)
            return await _handle(world.bot, update)()
        return send

    requests = [Request("/start", says(1, "/start"), _failed), Request("/catalog", says(2, "/catalog"), _failed),
                Request("[buy:tea]", presses(3, "buy:tea"), _failed), Request("/buy beans", says(4, "/buy beans"), _failed),
                Request("[checkout]", presses(5, "checkout"), _failed)]

    return Flow("telegram-update", requests, _paid_nothing, None, world.close,
                lambda: [h.input for h in world.bot.log if h.degraded])


def _handle(bot, update: dict) -> Callable[[], Awaitable[str | None]]:
    async def send():
        try:
            handled = await bot.handle(update)
        except RedisError:
            return "redis failed"  # the webhook answers non-2xx and Telegram redelivers the update
        return handled.reply if handled else "(duplicate)"
    return send


async def _ours(step: Awaitable) -> str:
    try:
        return (await step).outcome
    except RedisError:
        return "redis failed"


def _failed(answer: Any) -> bool:
    return answer == "redis failed"


# the sweep ---------------------------------------------------------------------------------------------
@dataclass
class Run:
    answers: list[Any]
    told_paid: set[str]
    commands: list[str]
    steps: list[str] = field(default_factory=list)
    hit: str = ""  # the request that met the cut
    first: Any = None  # what it answered then
    resends: int = 0
    degraded: list[str] = field(default_factory=list)  # requests answered without Redis


async def run_flow(lab, cut: RedisCut, name: str, k: int | None,
                   within: int | None = None) -> tuple[Run, dict[str, Any]]:
    """One run on a clean keyspace: cut before command k (None: never); with `within`, a plain pipeline at k
    runs its first `within` commands before the connection drops. Returns the run and the facts judged."""
    await lab.backend.clean()
    flow = await build_flow(lab, name)
    cut.log = []
    if k is not None:
        cut.fail_after(k, within)
    run = Run([], set(), cut.log, [request.step for request in flow.requests])
    try:
        for request in flow.requests:
            answer = await request.send()
            if k is not None and not run.hit and cut.tripped:
                run.hit, run.first = request.step, answer
                cut.reconnect()
                while request.retry(answer) and run.resends < MAX_RESENDS:
                    run.resends += 1
                    answer = await request.send()
            run.answers.append(answer)
            if (ref := request.succeeded(answer)) is not None:
                run.told_paid.add(ref)
        cut.reconnect()
        cut.log = None
        run.degraded = flow.degraded()
        facts = await _facts(lab, flow)
    finally:
        cut.reconnect()
        cut.log = None
        await flow.close()
    return run, facts


async def _facts(lab, flow: Flow) -> dict[str, Any]:
    keys = sorted(lab.keys.strip(k) for k in await lab.backend.scan_keys())
    observed = await flow.observe()
    if flow.club is not None:
        return {"keys": keys, "observed": observed, **await _club_facts(lab, flow)}
    if flow.ledger is None:
        return {"keys": keys, "paid": set(), "succeeded": 0, "statement": set(), "observed": observed}
    payments = await flow.ledger.payments(ORDER)
    paid = {p["ref"] for p in payments if p["status"] == "succeeded"}
    return {"keys": keys, "paid": paid, "succeeded": len(paid), "statement": await flow.statement(),
            "observed": observed}


async def _club_facts(lab, flow: Flow) -> dict[str, Any]:
    """The club's side: the membership hash as stored, the notices queued for the buyer, and the payments the
    membership took (each remembered with the notice it was told by: `told:paid:<invoice or charge>`)."""
    stored = await lab.redis.hgetall(lab.keys.key("club", "{" + str(MEMBER) + "}"))
    notices = sorted(job["id"] for job in await flow.club.outbox.jobs())
    paid = {name.removeprefix("told:paid:") for name in stored if name.startswith("told:paid:")}
    return {"paid": paid, "succeeded": 0, "statement": await flow.statement(), "membership": stored,
            "notices": notices}


def judge(reference: Run, ref_facts: dict, run: Run, facts: dict) -> str:
    if facts["succeeded"] > 1:
        return "doubled"
    if "membership" in facts:  # the club: a renewal applied twice is a notice queued twice
        if len(facts["notices"]) > len(ref_facts["notices"]):
            return "doubled"
        if (facts["membership"], facts["notices"]) != (ref_facts["membership"], ref_facts["notices"]):
            return "stranded"  # a renewal lost (or its notice)
    if any(ref not in facts["paid"] for ref in run.told_paid) or \
            (facts["statement"] and not run.told_paid <= facts["statement"]):
        return "stranded"
    if run.answers != reference.answers or facts["observed"] != ref_facts["observed"]:
        return "stranded"  # a resend did not get the answer it would have got with no cut, or left other state
    if facts["keys"] != ref_facts["keys"]:
        return "answered without Redis" if run.hit in run.degraded else "orphan keys"
    return "repaired" if run.hit else "not reached"


async def sweep(lab, name: str, within_pipelines: bool = False) -> pd.DataFrame:
    """Every cut point of one flow: k, the command cut, the request that met it, its first answer, the
    resends it took, and the outcome. With `within_pipelines`, also every cut inside each plain pipeline
    (the server ran its first j commands, then the connection dropped): `cut before` names them `… after j`."""
    cut = RedisCut.of(lab.redis)
    await run_flow(lab, cut, name, None)  # once to load the Lua scripts, so every run counts the same commands
    reference, ref_facts = await run_flow(lab, cut, name, None)
    rows = []
    for k in range(len(reference.commands) + 1):
        inside = reference.commands[k].count(";") if within_pipelines and k < len(reference.commands) and \
            reference.commands[k].startswith("PIPELINE ") else 0
        for within in [None, *range(1, inside + 1)]:
            run, facts = await run_flow(lab, cut, name, k, within)
            rows.append({"flow": name, "k": k, "cut before": _command(reference.commands, k) +
                         (f" after {within}" if within else ""),
                         "request": run.hit or "—", "first answer": _brief(run.first) if run.hit else "—",
                         "resends": run.resends, "outcome": judge(reference, ref_facts, run, facts)})
    await lab.backend.clean()
    return pd.DataFrame(rows, columns=["flow", "k", "cut before", "request", "first answer", "resends", "outcome"])


def reference_table(sweep_table: pd.DataFrame) -> pd.DataFrame:
    """How many cut points met each outcome."""
    counts = sweep_table.groupby("outcome").size()
    outcomes = ["repaired", "answered without Redis", "not reached", "stranded", "doubled", "orphan keys"]
    return pd.DataFrame([{"outcome": o, "cut points": int(counts.get(o, 0))} for o in outcomes])


def _command(commands: list[str], k: int) -> str:
    if k >= len(commands):
        return "(after the last)"
    return _named(commands[k])


def _named(command: str) -> str:
    """'EVALSHA <sha>' -> 'EVALSHA ledger_apply'; a pipeline (one round trip) as 'PIPELINE(stock_commit, HSET)'."""
    name, _, rest = command.partition(" ")
    if name == "PIPELINE" and rest:
        return f"PIPELINE({', '.join(_named(c).removeprefix('EVAL ') for c in rest.split(';'))})"
    return f"{name} {script_name(rest)}" if rest else name


def _brief(answer: Any) -> str:
    if isinstance(answer, tuple):  # Stripe: (status, body)
        return f"HTTP {answer[0]}"
    if isinstance(answer, dict) and "error" in answer and isinstance(answer["error"], dict):
        return f"error {answer['error']['code']}"
    if isinstance(answer, dict) and "error_note" in answer:
        return f"error {answer['error']}"
    if isinstance(answer, dict) and "result" in answer:  # Payme's results, by what they tell Payme
        result = answer["result"]
        if "state" in result:
            return f"state {result['state']}"
        if "transactions" in result:
            return f"{len(result['transactions'])} in statement"
        return ", ".join(f"{k} {str(v).lower()}" for k, v in result.items())
    return str(answer)


async def one_cut(lab, name: str, k: int) -> pd.DataFrame:
    """One run cut before command k, request by request: what the provider got, beside the uncut answer."""
    cut = RedisCut.of(lab.redis)
    await run_flow(lab, cut, name, None)  # scripts loaded, as in the sweep
    reference, _ = await run_flow(lab, cut, name, None)
    run, _ = await run_flow(lab, cut, name, k)
    await lab.backend.clean()
    rows = [{"request": step, "met the cut": "yes" if step == run.hit else "",
             "first answer": _brief(run.first) if step == run.hit else "",
             "answer after resends": _brief(answer), "uncut answer": _brief(expected)}
            for step, answer, expected in zip(run.steps, run.answers, reference.answers)]
    return pd.DataFrame(rows, columns=["request", "met the cut", "first answer", "answer after resends", "uncut answer"])


def commands_table(sweep_table: pd.DataFrame) -> pd.DataFrame:
    """The flow's requests in order, with the Redis commands each takes: where a cut can land."""
    cut = sweep_table[sweep_table["request"] != "—"]
    rows = [{"request": request, "Redis commands": len(group), "commands": ", ".join(group["cut before"])}
            for request, group in cut.groupby("request", sort=False)]
    return pd.DataFrame(rows, columns=["request", "Redis commands", "commands"])
