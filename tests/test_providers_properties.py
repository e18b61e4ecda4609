"""Property-based tests (hypothesis): any sequence of Payme, Click and Stripe calls for one order, with
repeats and in any order, never pays it twice, never loses a payment a provider was told succeeded, and is
always answered with the provider's own codes; any body at all gets the provider's own error and changes
nothing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import integration_lab as il
from integration_lab.fakes.click.simulator import sums
from integration_lab.scenarios.merchant import merchant_world, stripe_statement
from integration_lab.app.service import DEFAULTS

AMOUNT = 500000
PAYME_CODES = {0, -31003, -31008, -31051, -31052}  # what Payme may hear for well-formed calls on a real order
CLICK_PREPARE = {0, -4, -9}
CLICK_COMPLETE = {0, -4, -6, -9}



@st.composite
def interleavings(draw):
    """Each provider's buyer-side flows, every step possibly repeated, merged in any order (plus lab time)."""
    flows = []
    for i in range(draw(st.integers(0, 2))):
        flow = [("payme.create", i), ("payme.perform", i)]
        if draw(st.booleans()):
            flow.append(("payme.cancel", i, draw(st.sampled_from([3, 5]))))
        flows.append(flow)
    for i in range(draw(st.integers(0, 2))):
        flows.append([("click.prepare", i), ("click.complete", i, draw(st.sampled_from([0, 0, -5017])))])
    for _ in range(draw(st.integers(0, 2))):
        flows.append([("stripe.charge",), ("stripe.deliver",)])
    flows = [[step for step in flow for _ in range(draw(st.integers(1, 2)))] for flow in flows]  # repeats
    steps = []
    while any(flows):
        flow = draw(st.sampled_from([f for f in flows if f]))
        steps.append(flow.pop(0))
        if draw(st.integers(0, 9)) == 0:
            steps.append(("12 hours pass",))
    return steps


async def play(steps) -> None:
    lab = await il.setup("props/providers", seed=3)
    try:
        world = await merchant_world(lab, stripe=True)
        order = await world.order(AMOUNT)
        txids = [lab.ids.hex(24) for _ in range(3)]
        times: dict[int, int] = {}
        prepare_ids: dict[int, int] = {}
        told_paid: set[str] = set()  # ledger keys of payments a provider was told went through
        for step in steps:
            kind, args = step[0], step[1:]
            if kind == "payme.create":
                i = args[0]
                _, answer = await world.payme.create(order, AMOUNT, txids[i], times.setdefault(i, lab.clock.ms()))
                assert _code(answer) in PAYME_CODES, answer
            elif kind in ("payme.perform", "payme.cancel"):
                txid = txids[args[0]]
                answer = (await world.payme.perform(txid) if kind == "payme.perform"
                          else await world.payme.cancel(txid, args[1]))
                assert _code(answer) in PAYME_CODES | {-31007}, answer
                if kind == "payme.perform" and _code(answer) == 0:
                    told_paid.add(f"payme:{txid}")
            elif kind == "click.prepare":
                trans = 7000 + args[0]
                _, answer = await world.click.prepare(order, sums(AMOUNT), click_trans_id=trans)
                assert answer["error"] in CLICK_PREPARE, answer
                if answer["error"] == 0:
                    prepare_ids[trans] = answer["merchant_prepare_id"]
            elif kind == "click.complete":
                trans = 7000 + args[0]
                answer = await world.click.complete(order, sums(AMOUNT), trans, prepare_ids.get(trans, 0), args[1])
                assert answer["error"] in CLICK_COMPLETE, answer
                assert args[1] == 0 or answer["error"] != 0  # Click's own error is never answered "Success"
                if answer["error"] == 0:
                    told_paid.add(f"click:{trans}")
            elif kind == "stripe.charge":
                await world.stripe.client.v1.payment_intents.create_async(params={
                    "amount": AMOUNT, "currency": "uzs", "payment_method_types": ["card"], "confirm": True,
                    "payment_method": "pm_card_visa", "metadata": {"order_id": order}})
            elif kind == "stripe.deliver":
                await world.stripe.deliver()
            else:
                await lab.advance(12 * 3600 + 1)
        for _ in range(3):  # every webhook, and those of the refunds they cause
            await world.stripe.deliver()

        payments = {f"{p['provider']}:{p['ref']}": p for p in await world.ledger.payments(order)}
        winners = [key for key, p in payments.items() if p["status"] == "succeeded"]
        assert len(winners) <= 1, payments  # never paid twice
        assert (await world.ledger.order(order)).paid_by == (winners[0] if winners else "")
        for key in told_paid:  # never lost: what a provider was told succeeded is the order's payment
            assert payments[key]["status"] == "succeeded", (key, payments)
        for row in stripe_statement(world.stripe.fake, [order]):
            key = f"stripe:{row['ref']}"
            if row["status"] in ("paid", "refunded"):  # Stripe took the money: we won with it or gave it back
                assert key in winners or (payments[key]["status"] == "refused" and row["status"] == "refunded"), \
                    (row, payments)
    finally:
        await lab.backend.clean()
        await lab.close()


def _code(answer: dict) -> int:
    return answer["error"]["code"] if "error" in answer else 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interleavings())
def test_any_interleaving_of_providers_pays_an_order_at_most_once_and_loses_nothing(steps):
    asyncio.run(play(steps))


BODIES = st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                   st.dictionaries(st.sampled_from(["id", "method", "params", "jsonrpc"]),
                                   st.one_of(st.none(), st.integers(), st.text(max_size=12),
                                             st.dictionaries(st.sampled_from(["id", "amount", "account", "time",
                                                                              "reason", "from", "to"]),
                                                             st.one_of(st.integers(), st.text(max_size=8),
                                                                       st.dictionaries(st.just("order_id"),
                                                                                       st.text(max_size=6))))),
                                   ).map(lambda d: json.dumps(d).encode()))


def _signed(fields: dict) -> bytes:
    """Signed with the right secret (Click's formula, written here), so the checks after -1 are reached."""
    prepare_id = fields.get("merchant_prepare_id", "") if fields.get("action") == "1" else ""
    text = "".join([fields.get("click_trans_id", ""), fields.get("service_id", ""), DEFAULTS["click_secret_key"],
                    fields.get("merchant_trans_id", ""), prepare_id, fields.get("amount", ""),
                    fields.get("action", ""), fields.get("sign_time", "")])
    return urlencode({**fields, "sign_string": hashlib.md5(text.encode()).hexdigest()}).encode()


def _spoilt(action: str, name: str | None, value: str) -> bytes:
    """A well-formed request for the real order with at most one field replaced, then signed."""
    fields = {"click_trans_id": "7001", "service_id": str(DEFAULTS["click_service_id"]), "click_paydoc_id": "1",
              "merchant_trans_id": "order-under-test", "amount": "5000.00", "action": action, "error": "0",
              "error_note": "Success", "sign_time": "2026-01-05 14:00:00"}
    if action == "1":
        fields["merchant_prepare_id"] = "1"
    if name:
        fields[name] = value
    return _signed(fields)


def forms(action: str):
    """Random forms, and well-formed signed ones (mostly with the endpoint's own action) with one field spoilt."""
    return st.one_of(
        st.dictionaries(st.sampled_from(["click_trans_id", "service_id", "merchant_trans_id", "amount", "action",
                                         "sign_string"]), st.text(max_size=12)).map(lambda d: urlencode(d).encode()),
        st.builds(_spoilt, st.sampled_from([action, action, action, "1" if action == "0" else "0"]),
                  st.sampled_from([None, "click_trans_id", "service_id", "click_paydoc_id", "merchant_trans_id",
                                   "amount", "action", "error", "sign_time", "merchant_prepare_id"]),
                  st.one_of(st.sampled_from(["", "-1", "1e3", "NaN", "Infinity", "99999999999999999999", "5000.001",
                                             "-5000.00", "2026-13-45 99:00:00", " 1", "1_0"]), st.text(max_size=10))))


@pytest.mark.parametrize("path", ["/payme", "/click/prepare", "/click/complete"])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(),
       authorization=st.sampled_from([None, "Basic " + base64.b64encode(f"Paycom:{DEFAULTS['payme_key']}".encode()).decode()]))
def test_any_body_gets_the_provider_s_own_error_and_changes_nothing(path, data, authorization):
    body = data.draw(BODIES if path == "/payme" else forms("0" if path == "/click/prepare" else "1"))

    async def post():
        lab = await il.setup("props/garbage", seed=3)
        try:
            world = await merchant_world(lab)
            order = (await world.ledger.open_order(AMOUNT, "UZS", "order-under-test")).order_id
            before = await world.state()
            headers = {"authorization": authorization} if authorization else {}
            answer = await world.http.post(path, content=body, headers=headers)
            assert answer.status_code == 200
            reply = answer.json()
            if path == "/payme" and "error" in reply:
                assert reply["result"] is None and -32700 <= reply["error"]["code"] <= -31001, reply
            elif path == "/payme":  # a read that happened to be well-formed (GetStatement from 0 to 0, say)
                assert json.loads(body)["method"] in ("GetStatement", "CheckPerformTransaction"), reply
            elif reply["error"] == 0:  # a well-signed prepare for the real order may legitimately succeed
                assert path == "/click/prepare", reply
                return
            else:
                assert reply["error"] in range(-9, 0), reply
            assert await world.state() == before and (await world.ledger.order(order)).status == "awaiting_payment"
        finally:
            await lab.backend.clean()
            await lab.close()

    asyncio.run(post())
