"""The hostile-input benchmark's generators at a small count (benchmarks/bench_hostile.py sends 10,000 per
endpoint): malformed, oversized, wrongly typed and wrongly encoded requests to `serve telegram`, `serve stripe`
and `serve app`, each answered in the provider's own envelope, never a 5xx, no traceback in the server's log,
and the protected chat, PaymentIntent or order unchanged."""

from __future__ import annotations

import pytest

from integration_lab.hostile import ENDPOINTS, Lab
from integration_lab.hostile.telegram import EVERY_CALL

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

PER_FAMILY = 300  # split over its endpoints: 6 Telegram, 4 Stripe, 6 serve app


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The three served processes (each xdist worker starts its own set), with stderr captured."""
    with Lab(tmp_path_factory.mktemp("hostile"), max_body=1 << 18, workers=2) as started:
        yield started


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_hostile_requests_get_the_provider_s_answer_and_change_nothing(lab, endpoint):
    assert endpoint.server not in lab.broken, f"serve {endpoint.server} did not start: {lab.broken[endpoint.server]}"
    count = PER_FAMILY // sum(e.server == endpoint.server for e in ENDPOINTS)
    if endpoint.name == "telegram every method":
        count = len(EVERY_CALL)  # a round: each catalogue method once, and once at the protected chat if it can be
    tally = lab.hit(endpoint, count)
    assert tally.sent >= count * 0.95  # the client refused to send only a few
    if not tally.clean:
        failures = lab.triage(endpoint, tally, budget_s=3)
        report = "\n".join(f"- {f.key}\n    e.g. {f.example.describe() if f.example else '-'}" for f in failures[:6])
        pytest.fail(f"{endpoint.name}: {tally.server_errors} 5xx, {tally.off_envelope} off envelope, "
                    f"{tally.no_answer} unanswered, {tally.tracebacks} tracebacks, {tally.state_changes} state "
                    f"changes of {tally.sent}\n{report}")
