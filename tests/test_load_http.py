"""The load run over HTTP (`make load-http`): its invariant checks catch each broken invariant, and a small
bounded run through the driver (three servers, Locust headless, the read-back) ends with its summary line,
no failed request and no violation."""

from __future__ import annotations

import copy
import re
import subprocess
import sys

import pytest

from integration_lab.load.http_invariants import World, check_all

pytestmark = pytest.mark.redis_free  # the app runs on its embedded fakeredis, whatever $REDIS_URL says

SUMMARY = re.compile(r"^users=(\d+) requests=(\d+) failures=(\d+) p95_ms=(\d+(?:\.\d+)?) violations=(\d+)$")


def _order(order_id: str, status: str, *payments: tuple[str, str, int, str, str]) -> dict:
    rows = [{"provider": p, "ref": r, "amount": a, "currency": c, "status": s} for p, r, a, c, s in payments]
    paid_by = next((f"{p}:{r}" for p, r, _a, _c, s in payments if s == "succeeded"), "")
    return {"order": {"order_id": order_id, "status": status, "paid_by": paid_by}, "payments": rows}


def healthy() -> World:
    """Three orders: paid with Stars, paid with Payme, and one placed but never paid; all consistent."""
    orders = {"o1": _order("o1", "paid", ("stars", "ch1", 60, "XTR", "succeeded")),
              "o2": _order("o2", "paid", ("payme", "tx2", 15_000_000, "UZS", "succeeded")),
              "o3": _order("o3", "awaiting_payment")}
    goods = {"o1": [{"id": "o1:goods", "state": "sent"}], "o2": [{"id": "o2:goods", "state": "sent"}], "o3": []}
    transcripts = {"o1": ["/start", "Your order o1 is ready: Green tea x1. Enjoy!", "Receipt for order o1: …"],
                   "o2": ["/start", "Your order o2 is ready: Lab mug x1. Enjoy!"], "o3": ["/start"]}
    statements = {"stars": {"ch1": {"order": "o1", "amount": 60, "currency": "XTR"}},
                  "payme": {"tx2": {"order": "o2", "amount": 15_000_000, "currency": "UZS"}},
                  "telegram": {}, "stripe": {}, "click": {}}
    before = {"tea": {"available": 10, "held": 0, "sold": 0}, "mug": {"available": 5, "held": 0, "sold": 0}}
    after = {"tea": {"available": 9, "held": 0, "sold": 1}, "mug": {"available": 3, "held": 1, "sold": 1}}
    return World(orders, goods, transcripts, statements, [before, after], {"tea": 10, "mug": 5},
                 {"o1": {"tea": 1}, "o2": {"mug": 1}, "o3": {"mug": 1}})


def broken(change) -> dict[str, list[str]]:
    world = copy.deepcopy(healthy())
    change(world)
    return {name: problems for name, problems in check_all(world).items() if problems}


def test_a_consistent_world_has_no_violation():
    assert all(not problems for problems in check_all(healthy()).values())


def test_an_order_paid_twice_is_a_violation():
    def pay_twice(world):
        world.orders["o1"]["payments"].append({"provider": "click", "ref": "9", "amount": 15_000_000,
                                               "currency": "UZS", "status": "succeeded"})
        world.statements["click"]["9"] = {"order": "o1", "amount": 15_000_000, "currency": "UZS"}

    found = broken(pay_twice)
    assert list(found) == ["paid at most once"]
    assert "o1: paid 2 times" in found["paid at most once"][0]


@pytest.mark.parametrize("change, why", [
    (lambda w: w.transcripts["o1"].append("Your order o1 is ready: Green tea x1. Enjoy!"), "reached the buyer 2 times"),
    (lambda w: w.transcripts["o2"].remove("Your order o2 is ready: Lab mug x1. Enjoy!"), "reached the buyer 0 times"),
    (lambda w: w.goods_jobs["o2"].append({"id": "o2:goods", "state": "sent"}), "goods jobs ['sent', 'sent']"),
    (lambda w: w.goods_jobs["o1"][0].update(state="pending"), "goods jobs ['pending']"),
    (lambda w: w.transcripts["o3"].append("Your order o3 is ready: Lab mug x1. Enjoy!"), "not paid, yet its goods"),
])
def test_a_paid_order_not_delivered_exactly_once_is_a_violation(change, why):
    found = broken(change)
    assert list(found) == ["every paid order delivered exactly once"]
    assert why in found["every paid order delivered exactly once"][0]


@pytest.mark.parametrize("change, why", [
    (lambda w: w.statements["payme"]["tx2"].update(amount=14_000_000), "ledger order o2 15000000 UZS != statement"),
    (lambda w: w.statements["stars"].pop("ch1"), "not in stars's statement"),
    (lambda w: w.statements["stripe"].update(pi_x={"order": "o3", "amount": 1250, "currency": "USD"}),
     "in stripe's statement (order o3 1250 USD), not in the ledger"),
])
def test_a_ledger_unlike_a_providers_statement_is_a_violation(change, why):
    found = broken(change)
    assert list(found) == ["ledger equal to each provider's statement"]
    assert why in found["ledger equal to each provider's statement"][0]


@pytest.mark.parametrize("change, why", [
    (lambda w: w.stock_samples.insert(1, {"tea": {"available": -1, "held": 10, "sold": 1}}), "tea: available -1"),
    (lambda w: w.stock_samples[-1]["tea"].update(available=10), "available + held + sold = 11 after the run, 10"),
    (lambda w: w.stock_samples[-1]["mug"].update(sold=2, held=0), "mug: 2 sold during the run, 1 paid for"),
])
def test_stock_below_zero_or_not_adding_up_is_a_violation(change, why):
    found = broken(change)
    assert list(found) == ["stock never negative"]
    assert why in found["stock never negative"][0]


def test_a_small_run_over_http_ends_with_its_summary_and_no_violation(tmp_path):
    """15 buyers for 8 s, quick readers: three servers, Locust headless, the read-back, well under 30 s."""
    run = subprocess.run([sys.executable, "-m", "integration_lab.load.over_http", "--users", "15", "--seconds", "8",
                          "--spawn-rate", "15", "--think", "0.1-0.3", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    lines = run.stdout.strip().splitlines()
    found = SUMMARY.match(lines[-1]) if lines else None
    assert found, run.stdout + run.stderr
    users, requests, failures, _p95, violations = found.groups()
    assert (users, failures, violations) == ("15", "0", "0"), run.stdout
    assert int(requests) > 100, run.stdout
    assert run.returncode == 0, run.stdout + run.stderr
    for route in ("stars", "card", "payme", "click", "stripe", "stripe_checkout"):  # every way to pay was taken and delivered
        assert re.search(rf"delivered by route: .*\b{route} [1-9]", run.stdout), run.stdout
    assert re.search(r"^telegram: pay invoice", run.stdout, re.M) is None  # the table's rows start with a type
    assert re.search(r"^POST +telegram: pay invoice +\d+ +0 ", run.stdout, re.M), run.stdout
