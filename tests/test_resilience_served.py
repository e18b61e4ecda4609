"""A Telegram storm rehearsed on the served processes, as a team would on staging: `serve telegram` answers
502 through its control API, `serve app`'s breaker opens and /healthz says so, replies are held back
without calling Telegram, and when the storm ends and the breaker's wait is over (the app's clock moved by
`POST /_lab/clock`) the next reply is the probe that closes it. Real HTTP on loopback, no Redis server."""

from __future__ import annotations

import pytest

from tests.test_journeys_served import Buyer, Lab, eventually, served

pytestmark = pytest.mark.redis_free  # the app runs on its embedded fakeredis


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with served(tmp_path_factory.mktemp("storm")) as lab:
        yield lab


def health(lab: Lab) -> tuple[int, dict]:
    answer = lab.http.get(f"{lab.app}/healthz")
    return answer.status_code, answer.json()


def telegram_in_health(lab: Lab) -> dict:
    return health(lab)[1]["dependencies"]["telegram"]


def bot_messages(buyer: Buyer, pattern: str) -> int:
    return sum(1 for m in buyer.transcript() if m["direction"] == "bot → user" and m["text"].startswith(pattern))


def test_a_storm_opens_the_apps_breaker_healthz_reports_it_and_a_probe_closes_it(lab):
    buyer = Buyer(lab, 7_700_001)
    buyer.bot_says(r"^Welcome", buyer.write("/start"))
    assert health(lab)[0] == 200 and health(lab)[1]["status"] == "ok"

    # five 502s: as many as open the app's breaker (a sendMessage is never repeated, so one per reply)
    storm = lab.http.post(f"{lab.telegram}/_lab/faults", json={"kind": "server_error", "method": "sendMessage",
                                                                "times": 5, "status": 502, "description": "Bad Gateway"})
    assert storm.status_code == 200, storm.text
    for _ in range(5):
        buyer.write("/help")
    eventually(lambda: telegram_in_health(lab)["breaker"]["state"] == "open", "the breaker opens")
    status, report = health(lab)
    assert (status, report["status"], report["dependencies"]["telegram"]["status"]) == (200, "degraded", "down")
    assert lab.http.get(f"{lab.telegram}/_lab/faults").json()["faults"] == []  # all five met; Telegram is well

    buyer.write("/help")  # held back by the open breaker: had it been sent, Telegram would have taken it
    eventually(lambda: telegram_in_health(lab)["breaker"]["refused"] == 1, "the reply is refused")
    assert bot_messages(buyer, "Commands:") == 0

    retry_at = telegram_in_health(lab)["breaker"]["retry_at_ms"]  # the app's clock: move it past the wait
    now = lab.http.post(f"{lab.app}/_lab/clock", json={"advance": 0}).json()["now_ms"]
    lab.http.post(f"{lab.app}/_lab/clock", json={"advance": max(0, retry_at - now) / 1000 + 0.001})
    assert telegram_in_health(lab)["status"] == "degraded"  # half-open: the next call is the probe
    buyer.bot_says(r"^Commands:", buyer.write("/help"))  # the probe went through
    assert telegram_in_health(lab) == {"status": "ok", "breaker": {"state": "closed", "failures": 0, "refused": 1,
                                                                   "retry_at_ms": None}}
    assert health(lab)[0] == 200 and health(lab)[1]["status"] == "ok"
