"""Who the buyers of a load run are: drawn once from a seed, before anything runs, so a run can be repeated.

Each buyer arrives at a whole second of lab time (arrivals spread evenly at random over the arrival window),
chooses one or two products, a way to pay drawn from the route mix, and a behaviour: pays (most), abandons
at the payment step, or pays twice. Faults, when asked for, fall on a share of the paying buyers:

    redis-cut      Redis drops in the middle of our handling of the buyer's payment (a Telegram route:
                   the successful_payment update; Stripe, either way: the payment_intent.succeeded webhook);
                   the provider's resend repairs it
    restart        the bot restarts after the buyer was charged and before it heard of the payment
    telegram-5xx   Telegram answers 502 to the goods message; the outbox backs off and sends it again
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ROUTES = ("stars", "card", "payme", "click", "stripe", "stripe_checkout")
TELEGRAM_ROUTES = ("stars", "card")
FAULTS = ("redis-cut", "restart", "telegram-5xx")
DEFAULT_MIX = {"stars": 30, "card": 20, "payme": 20, "click": 15, "stripe": 15, "stripe_checkout": 10}
STORM = {"redis-cut": 0.05, "restart": 0.01, "telegram-5xx": 0.05}  # `--faults storm`
ABANDON, TWICE = 0.10, 0.02  # shares of buyers who never pay, and who pay twice
ARRIVALS_PER_SECOND = 50  # buyers arriving per second of lab time, on average
SKUS = ("tea", "mug", "beans")


@dataclass(frozen=True)
class Buyer:
    number: int  # 0, 1, …: the buyer's name is `buyer<number>`
    arrives: int  # lab seconds after the run starts
    skus: tuple[str, ...]
    route: str
    behaviour: str  # "pays", "abandons", "pays twice"
    fault: str = ""  # one of FAULTS, or ""

    @property
    def name(self) -> str:
        return f"buyer{self.number}"


def parse_mix(text: str | None) -> dict[str, float]:
    """'stars=3,payme=1' -> {'stars': 3.0, 'payme': 1.0}: relative weights of the routes (None: the default)."""
    if not text:
        return dict(DEFAULT_MIX)
    mix = _pairs(text, ROUTES, "--mix")
    if not any(mix.values()):
        raise ValueError("--mix: at least one route needs a weight above 0")
    return mix


def parse_faults(text: str | None) -> dict[str, float]:
    """'redis-cut=0.05,restart=0.01' -> shares of paying buyers; 'storm' is every fault at once; None: none."""
    if not text:
        return {}
    if text == "storm":
        return dict(STORM)
    faults = _pairs(text, FAULTS, "--faults")
    if sum(faults.values()) > 1:
        raise ValueError("--faults: the shares add up to more than 1")
    return faults


def _pairs(text: str, allowed: tuple[str, ...], option: str) -> dict[str, float]:
    found = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in allowed:
            raise ValueError(f"{option}: unknown {name!r}; choose from {', '.join(allowed)}")
        try:
            found[name] = float(value)
        except ValueError:
            raise ValueError(f"{option}: {name} needs a number, as in {name}=0.1") from None
        if not 0 <= found[name] < float("inf"):
            raise ValueError(f"{option}: {name} must be a number >= 0")
    return found


def draw(buyers: int, mix: dict[str, float], faults: dict[str, float], seed: int,
         arrivals_per_second: int = ARRIVALS_PER_SECOND) -> list[Buyer]:
    """The run's buyers, in order of arrival."""
    if buyers < 1:
        raise ValueError("--buyers: at least 1")
    rng = random.Random(seed)  # nosec B311  # a seeded draw on purpose: the same seed, the same buyers
    window = max(1, round(buyers / arrivals_per_second))
    routes, weights = zip(*((r, w) for r, w in mix.items() if w > 0))
    fault_names, fault_shares = list(faults), list(faults.values())
    drawn = []
    for number in range(buyers):
        skus = tuple(rng.sample(SKUS, rng.choice((1, 1, 2))))
        route = rng.choices(routes, weights)[0]
        roll = rng.random()
        behaviour = "abandons" if roll < ABANDON else "pays twice" if roll < ABANDON + TWICE else "pays"
        fault = ""
        if behaviour == "pays" and fault_names:
            roll, edge = rng.random(), 0.0
            for name, share in zip(fault_names, fault_shares):
                edge += share
                if roll < edge:
                    fault = name
                    break
        drawn.append(Buyer(number, rng.randrange(window), skus, route, behaviour, fault))
    return sorted(drawn, key=lambda b: (b.arrives, b.number))


def crowd(buyers: list[Buyer]):
    """The drawn buyers by route: how many pay, abandon, pay twice, and meet each fault."""
    import pandas as pd

    rows = []
    for route in ROUTES:
        mine = [b for b in buyers if b.route == route]
        if mine:
            rows.append({"route": route, "buyers": len(mine),
                         **{b: sum(x.behaviour == b for x in mine) for b in ("pays", "abandons", "pays twice")},
                         **{f: sum(x.fault == f for x in mine) for f in FAULTS}})
    return pd.DataFrame(rows, columns=["route", "buyers", "pays", "abandons", "pays twice", *FAULTS])
