"""What Telegram's apps hand a bot's web pages: signed Mini App initData and Login Widget data.

Signed exactly as Telegram signs them, so the bot's checks can be exercised with genuine and forged
payloads alike.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlencode


def _sign(fields: dict[str, str], secret: bytes) -> str:
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def init_data(bot_token: str, user: dict, auth_date: int, query_id: str = "AAHdF6IQAAAAAN0XohDhrOrc") -> str:
    """`Telegram.WebApp.initData` for `user`, opened at `auth_date`."""
    fields = {"query_id": query_id, "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
              "auth_date": str(auth_date)}
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return urlencode({**fields, "hash": _sign(fields, secret)})


def login_widget(bot_token: str, user: dict, auth_date: int) -> dict[str, str]:
    """The fields the Login Widget passes to the site's callback."""
    fields = {k: str(v) for k, v in user.items() if k in ("id", "first_name", "last_name", "username", "photo_url")}
    fields["auth_date"] = str(auth_date)
    return {**fields, "hash": _sign(fields, hashlib.sha256(bot_token.encode()).digest())}
