"""The people's side of Stars subscriptions, as control routes: a user lists, cancels or re-enables their
subscription (Telegram's Settings → My Stars → Subscriptions), and a test sets how many Stars a user holds.
The first payment is the ordinary POST /_lab/invoice_links/pay on a link made with subscription_period.
"""

from __future__ import annotations

from .control_routes import route
from .simulate import People
from .star_subscriptions import Subscription
from .world import TelegramFake

_CHARGE = r"([A-Za-z0-9_\-]+)"


def _subscription(fake: TelegramFake, people: People, charge_id: str, data: dict) -> Subscription:
    """The user's own subscription: someone else's is as good as unknown to them."""
    person = fake.person(data.get("from"))
    subscription = fake.payments.subscriptions.find(people.bot.account.id, charge_id)
    if subscription is None or subscription.user.id != person.id:
        raise LookupError(f"no subscription {charge_id} of user {person.id}")
    return subscription


@route("GET", r"^/_lab/subscriptions$")
def list_subscriptions(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """The bot's subscriptions (`?user_id=` for one user's), renewed up to the clock's now."""
    user_id = data.get("user_id")
    chosen = int(user_id) if user_id not in (None, "") else None
    found = fake.payments.subscriptions.of_user(people.bot.account.id, chosen)
    return {"subscriptions": [s.to_api() for s in found]}


@route("POST", rf"^/_lab/subscriptions/{_CHARGE}/(cancel|reenable)$")
def change_subscription(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """The user turns renewal off (it stays paid to its expiration date) or back on; the bot hears nothing
    (UNCONFIRMED: the Bot API has no update for it)."""
    subscription = _subscription(fake, people, match.group(1), data)
    if match.group(2) == "cancel":
        fake.payments.subscriptions.cancel_by_user(subscription)
    else:
        fake.payments.subscriptions.reenable_by_user(subscription)
    return {"subscription": subscription.to_api()}


@route("POST", r"^/_lab/users/(\d+)/stars$")
def set_stars(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """How many Stars the user holds from now on (`null`: unlimited, the default). Payments take from it; a
    renewal the balance cannot cover lapses (starsSubscription.missing_balance)."""
    user_id = int(match.group(1))
    if user_id not in fake.accounts:
        raise LookupError(f"no user {user_id}")
    if "balance" not in data:
        raise ValueError('"balance" is required (a whole number of Stars, or null)')
    fake.payments.subscriptions.set_wallet(user_id, data["balance"])
    return {"user_id": user_id, "balance": fake.payments.subscriptions.wallets.get(user_id)}
