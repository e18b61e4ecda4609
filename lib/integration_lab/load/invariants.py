"""The promises a load run checks at the end, over every order it opened, and the tables that show them.

    paid at most once             no order keeps two payments (a second one is given back)
    paid ⇒ delivered once         a paid order's goods reached the buyer's chat exactly once; an unpaid one's never
    ledger = providers            our ledger agrees with Telegram's, Payme's, Click's and Stripe's own statements
    stock never negative          no product's available, held or sold count below zero
    stock adds up                 available + held + sold = what was stocked, and nothing is left held
    pre-checkout inside 10 s      Telegram cancelled no checkout for want of our answer, and none waited longer
                                  than 10 s in our bot's queue (wall time)

Each is a count of violations: 0 everywhere, or the run exits non-zero. The tables depend only on the seed.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from ..app.payments.reconciliation import reconcile
from ..scenarios.merchant import stripe_statement
from .engine import LoadRun
from .plan import ROUTES

PRE_CHECKOUT_WINDOW = 10.0  # seconds Telegram waits for answerPreCheckoutQuery
COLUMNS = ["invariant", "checked", "violations"]


async def check(run: LoadRun) -> pd.DataFrame:
    world, shop = run.world, run.world.shop
    orders = [j.order_id for j in run.journeys.values() if j.order_id]
    paid_twice = delivered_wrong = 0
    for order_id in orders:
        kept = [p for p in await shop.ledger.payments(order_id)
                if p["status"] == "succeeded" and p.get("refunded", 0) < p["amount"]]
        paid_twice += len(kept) > 1
        order = await shop.ledger.order(order_id)
        job = await shop.outbox.job(f"{order_id}:goods")
        shown = _goods_shown(run, order_id)
        sent = int(job.get("state") in ("sent", "done")) if job else 0
        expected = 1 if order.status == "paid" else 0
        delivered_wrong += not (shown == sent == expected)
    rows = world.telegram_statement() + world.payme.statement_rows() + world.click.statement_rows() \
        + stripe_statement(world.stripe_fake, set(orders))
    report = await reconcile(shop.ledger, orders, rows)
    levels = await shop.stock.levels()
    catalog = shop.parts.catalog
    negative = sum(v < 0 for level in levels.values() for v in level.values())
    unbalanced = sum(level["available"] + level["held"] + level["sold"] != catalog[sku].stock or level["held"] != 0
                     for sku, level in levels.items())
    world.telegram.payments.expire()
    checkouts = list(world.telegram.payments.ledger(world.telegram.default_bot.account.id).checkouts.values())
    late = sum(c.status == "cancelled" for c in checkouts) + sum(w > PRE_CHECKOUT_WINDOW for w in run.precheckout_waits)
    return pd.DataFrame([
        ("paid at most once", len(orders), paid_twice),
        ("paid ⇒ delivered once", len(orders), delivered_wrong),
        ("ledger = providers' statements", len(report), sum(row["check"] != "ok" for row in report)),
        ("stock never negative", len(levels), negative),
        ("stock adds up", len(levels), unbalanced),
        ("pre-checkout answered inside 10 s", len(checkouts), late),
    ], columns=COLUMNS)


def _goods_shown(run: LoadRun, order_id: str) -> int:
    """How many times the goods of `order_id` appear in the buyer's chat."""
    journey = run.by_order[order_id]
    chat = run.world.telegram.default_bot.chats[journey.chat_id]
    prefix = (f"Your order {order_id} is ready:", f"Your order {order_id} is paid, but")
    return sum(1 for m in chat.messages.values() if (m.text or "").startswith(prefix))


def violations(table: pd.DataFrame) -> int:
    return int(table["violations"].sum())


def outcomes(run: LoadRun) -> pd.DataFrame:
    """Buyers by route and what came of their journey (paid, abandoned, sold out, …), with a total row."""
    counts = Counter((j.buyer.route, j.outcome) for j in run.journeys.values())
    names = sorted({outcome for _, outcome in counts})
    table = pd.DataFrame([{"route": r, **{n: counts[(r, n)] for n in names}} for r in ROUTES
                          if any(counts[(r, n)] for n in names)], columns=["route", *names])
    table["buyers"] = table[names].sum(axis=1)
    total = {"route": "all", **{c: int(table[c].sum()) for c in [*names, "buyers"]}}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def troubles(run: LoadRun) -> pd.DataFrame:
    """The buyers drawn to pay twice or to meet a fault, and how many it struck: a fault strikes only where it
    can (see plan.py), and nobody pays, once or twice, for an order that sold out."""
    journeys = run.journeys.values()
    counts = Counter(j.buyer.fault or j.buyer.behaviour for j in journeys
                     if j.buyer.fault or j.buyer.behaviour == "pays twice")
    struck = Counter(j.buyer.fault for j in journeys if j.faulted)
    struck["pays twice"] = sum(j.buyer.behaviour == "pays twice" and j.outcome == "paid" for j in journeys)
    return pd.DataFrame([{"trouble": name, "buyers": n, "struck": struck[name]} for name, n in sorted(counts.items())],
                        columns=["trouble", "buyers", "struck"])
