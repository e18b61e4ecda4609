"""stripe-node, unmodified, against the served Stripe fake: a Price and a Checkout Session created with it,
the session completed through the control route (tests/node/checkout.mjs).

The pinned package (tests/node/package.json and package-lock.json) is installed by `npm ci` into
tests/node/node_modules (gitignored) when it is not there yet. Skips only when node or npm is absent."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from stripe_served import served_stripe

NODE_DIR = Path(__file__).resolve().parent / "node"
pytestmark = pytest.mark.redis_free


def _installed() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("stripe-node needs `node` and `npm` on PATH (Debian: apt-get install nodejs npm)")
    pinned = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["stripe"]
    installed = NODE_DIR / "node_modules" / "stripe" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != pinned:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=300,
                       capture_output=True)
    return Path(node)


def test_stripe_node_creates_and_completes_a_session():
    node = _installed()
    with served_stripe() as (url, fake):
        run = subprocess.run([str(node), "checkout.mjs", url], cwd=NODE_DIR, capture_output=True, text=True,
                             timeout=60)
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
    assert result["open"] == {"status": "open", "amount_total": 2500,
                              "url": result["open"]["url"]} and result["open"]["url"].startswith(f"{url}/c/pay/")
    assert result["items"] == [[True, 2, 2500]]
    refused = result["refused"]
    assert (refused["type"], refused["status"]) == ("StripeInvalidRequestError", 400)
    assert refused["message"].endswith("You must provide at least one recurring price in `subscription` mode when "
                                       "using prices.")  # stripe-node puts the request id in front
    assert result["control_status"] == 200
    assert result["done"] == {"status": "complete", "payment_status": "paid", "pi_status": "succeeded"}
