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
BOT_API = HERE / "telegram-bot-api.json"  # Bot API 10.1, scraped from Telegram's page: the base of the later ones
# Later releases (SOURCES.md: how each was made); the newest is the one the Telegram fake answers and is checked
# against. No registry serves a newer one yet (npm @gramio/types 10.3.1 and @grammyjs/types 5.0.0 are the newest).
BOT_API_NEWER = (HERE / "telegram-bot-api-10.2.json", HERE / "telegram-bot-api-10.3.json")
BOT_API_CURRENT = BOT_API_NEWER[-1]
NEWER_SOURCES = {  # file -> (source, licence)
    "telegram-bot-api-10.2.json": (
        ("https://core.telegram.org/bots/api as saved on 2026-07-20 (core.bots.api.html of "
         "Bibo-Joshi/telegram-bot-api-changes at 6ac03df), by `catalogue build --from-html`"),
        "MIT (telegram-bot-api.LICENSE)"),
    "telegram-bot-api-10.3.json": (
        "npm @gramio/types 10.3.1 on telegram-bot-api-10.2.json, by `catalogue build --from-gramio`",
        "MIT (gramio-types.LICENSE)"),
}
STRIPE_FIXTURES = HERE / "stripe-fixtures3.json"
# fixtures3.json carries no version or date of its own: the stripe/openapi commit and tag it was copied at
STRIPE_VERSION = "stripe/openapi v2349 (f0758b15)"
STRIPE_DATE = "2026-07-29"


@cache
def bot_api(path: Path | None = None) -> dict:
    """The Bot API catalogue: {"version", "release_date", "changelog", "methods", "types"}; of 10.1 (the base the
    later ones are built on), or the file `path` (one of BOT_API_NEWER). Shared: don't mutate."""
    return json.loads((path or BOT_API).read_text(encoding="utf-8"))


def current_bot_api() -> dict:
    """The newest vendored Bot API (BOT_API_CURRENT): what the Telegram fake answers. Shared: don't mutate."""
    return bot_api(BOT_API_CURRENT)


@cache
def stripe_fixtures() -> dict:
    """Stripe's example object per resource: {"resources": {name: object}}. Shared: don't mutate."""
    return json.loads(STRIPE_FIXTURES.read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def versions() -> list[dict]:
    """What each vendored file is, read from the file where it says (the Bot API's version and date); the later
    Bot API releases last."""
    api, stripe = bot_api(), stripe_fixtures()
    newer = [{"file": path.name, "version": (later := bot_api(path))["version"], "release_date": later["release_date"],
              "counts": {"methods": len(later["methods"]), "types": len(later["types"])},
              "source": NEWER_SOURCES[path.name][0], "licence": NEWER_SOURCES[path.name][1], "sha256": sha256(path)}
             for path in BOT_API_NEWER]
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
    ] + newer


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
