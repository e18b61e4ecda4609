"""Public reference data vendored with the lab (SOURCES.md says where each file comes from and under which
licence), so neither the fakes' tests nor anything else reads outside the repository.

It imports nothing of integration_lab's: like runtime, it sits at the bottom of the layers.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOT_API = HERE / "telegram-bot-api.json"
STRIPE_FIXTURES = HERE / "stripe-fixtures3.json"
# fixtures3.json carries no version or date of its own: the stripe/openapi commit and tag it was copied at
STRIPE_VERSION = "stripe/openapi v2349 (f0758b15)"
STRIPE_DATE = "2026-07-29"


@cache
def bot_api() -> dict:
    """The Bot API catalogue: {"version", "release_date", "changelog", "methods", "types"}. Shared: don't mutate."""
    return json.loads(BOT_API.read_text(encoding="utf-8"))


@cache
def stripe_fixtures() -> dict:
    """Stripe's example object per resource: {"resources": {name: object}}. Shared: don't mutate."""
    return json.loads(STRIPE_FIXTURES.read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def versions() -> list[dict]:
    """What each vendored file is, read from the file where it says (the Bot API's version and date)."""
    api, stripe = bot_api(), stripe_fixtures()
    return [
        {"file": BOT_API.name, "version": api["version"], "release_date": api["release_date"],
         "counts": {"methods": len(api["methods"]), "types": len(api["types"])},
         "source": "https://core.telegram.org/bots/api, scraped by PaulSonOfLars/telegram-bot-api-spec "
                   "(api.json at 160fd99)",
         "licence": "MIT (telegram-bot-api.LICENSE)", "sha256": sha256(BOT_API)},
        {"file": STRIPE_FIXTURES.name, "version": STRIPE_VERSION, "release_date": STRIPE_DATE,
         "counts": {"resources": len(stripe["resources"])},
         "source": "https://github.com/stripe/openapi, openapi/fixtures3.json",
         "licence": "MIT (stripe-openapi.LICENSE)", "sha256": sha256(STRIPE_FIXTURES)},
    ]


def report() -> str:
    """`python -m integration_lab catalogue`: one block per file."""
    blocks = []
    for entry in versions():
        counts = ", ".join(f"{n} {what}" for what, n in entry["counts"].items())
        blocks.append("\n".join([entry["file"], f"  version   {entry['version']}",
                                 f"  released  {entry['release_date']}", f"  counts    {counts}",
                                 f"  source    {entry['source']}", f"  licence   {entry['licence']}",
                                 f"  sha256    {entry['sha256']}"]))
    return "\n\n".join(blocks)
