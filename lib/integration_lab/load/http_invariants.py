"""The four invariants of a load run over HTTP, checked over plain data the driver gathered from the servers.

    paid at most once      no order has two succeeded payments, and a paid order's `paid_by` is its one
    delivered once         every paid order has one goods job, sent, and its goods message reached the buyer
                           exactly once; no unpaid order's goods reached anyone
    ledger = statements    per provider, the ledger's succeeded payments are the provider's own record of
                           money taken (same references, orders, amounts, currencies), nothing more or less
    stock never negative   no stock sample had a negative count, units are conserved (available + held +
                           sold equal to what the shelf held before the run) and sold equals the paid units

Each check returns a list of violations, one short line each; `check_all` runs the four and names them.
Pure functions: tests feed them a broken world and see each one fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROVIDERS = ("stars", "telegram", "stripe", "payme", "click")
GOODS = "Your order {order} is ready"


@dataclass
class World:
    """What the driver read back after the run (all from HTTP answers)."""

    orders: dict[str, dict | None]  # order id -> GET /_lab/orders/{id} ({"order", "payments", …}); None: 404
    goods_jobs: dict[str, list[dict]]  # order id -> its outbox jobs named "<order>:goods"
    transcripts: dict[str, list[str]]  # order id -> texts of its buyer's chat (bot and buyer)
    statements: dict[str, dict[str, dict]]  # provider -> ref -> {"order", "amount", "currency"}
    stock_samples: list[dict[str, dict[str, int]]]  # each GET /_lab/stock's "stock", in order
    opening: dict[str, int] = field(default_factory=dict)  # sku -> available + held + sold before the run
    units: dict[str, dict[str, int]] = field(default_factory=dict)  # order id -> {sku: units} it bought


def succeeded(payments: list[dict]) -> list[dict]:
    return [p for p in payments if p.get("status") == "succeeded"]


def paid_orders(world: World) -> list[str]:
    return sorted(o for o, seen in world.orders.items() if seen and seen["order"].get("status") == "paid")


def paid_at_most_once(world: World) -> list[str]:
    problems = []
    for order_id, seen in sorted(world.orders.items()):
        if seen is None:
            continue
        taken = succeeded(seen.get("payments", []))
        if len(taken) > 1:
            problems.append(f"{order_id}: paid {len(taken)} times "
                            f"({', '.join(p['provider'] + ':' + p['ref'] for p in taken)})")
        paid_by = seen["order"].get("paid_by", "")
        if seen["order"].get("status") == "paid" and \
                [f"{p['provider']}:{p['ref']}" for p in taken] != [paid_by]:
            problems.append(f"{order_id}: paid by {paid_by!r} but its succeeded payments are "
                            f"{[p['provider'] + ':' + p['ref'] for p in taken]}")
    return problems


def delivered_once(world: World) -> list[str]:
    problems = []
    paid = set(paid_orders(world))
    for order_id in sorted(paid):
        jobs = world.goods_jobs.get(order_id, [])
        if len(jobs) != 1 or jobs[0].get("state") != "sent":
            problems.append(f"{order_id}: paid, goods jobs {[j.get('state') for j in jobs]} (want one, sent)")
        if order_id not in world.transcripts:
            problems.append(f"{order_id}: paid, its buyer's chat was not read")
            continue
        seen = _goods_messages(world.transcripts[order_id], order_id)
        if seen != 1:
            problems.append(f"{order_id}: paid, goods message reached the buyer {seen} times")
    for order_id, texts in sorted(world.transcripts.items()):
        if order_id not in paid and _goods_messages(texts, order_id):
            problems.append(f"{order_id}: not paid, yet its goods reached the buyer")
    for order_id, jobs in sorted(world.goods_jobs.items()):
        if order_id not in paid and jobs:
            problems.append(f"{order_id}: not paid, yet it has goods jobs {[j.get('state') for j in jobs]}")
    return problems


def _goods_messages(texts: list[str], order_id: str) -> int:
    head = GOODS.format(order=order_id)
    return sum(1 for text in texts if text.startswith(head + ":") or text == head)


def ledger_matches_statements(world: World) -> list[str]:
    ledger: dict[str, dict[str, dict]] = {p: {} for p in PROVIDERS}
    for order_id, seen in world.orders.items():
        for payment in succeeded((seen or {}).get("payments", [])):
            ledger.setdefault(payment["provider"], {})[payment["ref"]] = {
                "order": order_id, "amount": payment["amount"], "currency": payment["currency"]}
    problems = []
    for provider in sorted(set(ledger) | set(world.statements)):
        ours, theirs = ledger.get(provider, {}), world.statements.get(provider, {})
        for ref in sorted(set(ours) | set(theirs)):
            if ref not in theirs:
                problems.append(f"{provider}:{ref}: in the ledger ({_money(ours[ref])}), not in {provider}'s statement")
            elif ref not in ours:
                problems.append(f"{provider}:{ref}: in {provider}'s statement ({_money(theirs[ref])}), not in the ledger")
            elif ours[ref] != theirs[ref]:
                problems.append(f"{provider}:{ref}: ledger {_money(ours[ref])} != statement {_money(theirs[ref])}")
    return problems


def _money(row: dict) -> str:
    return f"order {row['order']} {row['amount']} {row['currency']}"


def stock_never_negative(world: World) -> list[str]:
    problems = []
    for number, sample in enumerate(world.stock_samples):
        for sku, levels in sorted(sample.items()):
            for column, units in sorted(levels.items()):
                if units < 0:
                    problems.append(f"{sku}: {column} {units} in sample {number + 1}")
    if world.stock_samples and world.opening:
        last = world.stock_samples[-1]
        for sku, opening in sorted(world.opening.items()):
            levels = last.get(sku, {})
            total = sum(levels.get(c, 0) for c in ("available", "held", "sold"))
            if total != opening:
                problems.append(f"{sku}: available + held + sold = {total} after the run, {opening} before")
        sold: dict[str, int] = {}
        for order_id in paid_orders(world):
            for sku, units in world.units.get(order_id, {}).items():
                sold[sku] = sold.get(sku, 0) + units
        for sku in sorted(set(sold) | set(last)):
            before = _sold_before(world, sku)
            if last.get(sku, {}).get("sold", 0) - before != sold.get(sku, 0):
                problems.append(f"{sku}: {last.get(sku, {}).get('sold', 0) - before} sold during the run, "
                                f"{sold.get(sku, 0)} paid for")
    return problems


def _sold_before(world: World, sku: str) -> int:
    return world.stock_samples[0].get(sku, {}).get("sold", 0) if world.stock_samples else 0


CHECKS = {"paid at most once": paid_at_most_once, "every paid order delivered exactly once": delivered_once,
          "ledger equal to each provider's statement": ledger_matches_statements,
          "stock never negative": stock_never_negative}


def check_all(world: World) -> dict[str, list[str]]:
    """Invariant name -> its violations (empty when it holds)."""
    return {name: check(world) for name, check in CHECKS.items()}
