"""Telegram Stars subscriptions on the model: the first payment of a createInvoiceLink with subscription_period
starts one; the lab clock renews it each period; the bot (editUserStarSubscription) or the user cancels it.

What Telegram documents, and where:
- SuccessfulPayment carries is_recurring, is_first_recurring (first payment only) and
  subscription_expiration_date (https://core.telegram.org/bots/api#successfulpayment); the Bot API server writes
  them after the charge ids (tdlib/telegram-bot-api, Client.cpp JsonSuccessfulPaymentBot).
- A renewal is a StarTransaction whose TransactionPartnerUser has transaction_type "invoice_payment" and
  subscription_period (Client.cpp, starTransactionTypeBotSubscriptionSale).
- The bot cancels with payments.botCancelStarsSubscription (https://core.telegram.org/method/
  payments.botCancelStarsSubscription): that "disables autorenewal ... and prevents the user from reactivating
  the subscription"; restoring it "will allow the user to reactivate the subscription" (so a bot's
  is_canceled=false does not renew by itself; the user re-enables). The charge id is the one "for the first
  subscription payment".
- A subscription the user cannot pay for expires: starsSubscription.missing_balance, "expired because there are
  not enough stars on the user's balance to extend it" (https://core.telegram.org/constructor/starsSubscription).

UNCONFIRMED (the lab's choices): a renewal sends no pre_checkout_query, only the successful_payment message; each
renewal has a charge id of its own; a lapse (canceled or missing balance) sends the bot no update; a person's
Stars balance is unlimited unless a test sets one (POST /_lab/users/{id}/stars).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .state import Account

if TYPE_CHECKING:
    from .payments import Invoice, Payments


@dataclass
class Subscription:
    charge_id: str  # the first payment's telegram_payment_charge_id: what editUserStarSubscription takes
    bot_id: int
    user: Account
    invoice: Invoice = field(repr=False)
    expires_at: int  # the end of the paid period, Unix time
    canceled_by_user: bool = False
    canceled_by_bot: bool = False
    lapsed: str = ""  # "", "canceled" or "missing_balance" once it expired without a renewal
    charge_ids: list[str] = field(default_factory=list)  # every payment, first one first

    @property
    def amount(self) -> int:
        return self.invoice.total_amount

    @property
    def period(self) -> int:
        return self.invoice.subscription_period

    @property
    def renews(self) -> bool:
        return not (self.lapsed or self.canceled_by_user or self.canceled_by_bot)

    def to_api(self) -> dict:
        """The lab's view (not a Bot API object): what the user's Telegram settings would list."""
        return {"telegram_payment_charge_id": self.charge_id, "user_id": self.user.id,
                "invoice_payload": self.invoice.payload, "title": self.invoice.title, "amount": self.amount,
                "period": self.period, "expiration_date": self.expires_at, "canceled_by_user": self.canceled_by_user,
                "canceled_by_bot": self.canceled_by_bot, "lapsed": self.lapsed or None,
                "payments": len(self.charge_ids)}


class Subscriptions:
    """Every bot's subscriptions and every person's Stars wallet (None: unlimited)."""

    def __init__(self, payments: Payments):
        self.payments = payments
        self.by_bot: dict[int, OrderedDict[str, Subscription]] = {}
        self.wallets: dict[int, int] = {}  # user id -> Stars; a user absent here can always pay
        payments.fake.clock.on_advance(lambda _seconds: self.renew_due())

    def reset(self) -> None:
        self.by_bot.clear()
        self.wallets.clear()

    # ---- the wallet -------------------------------------------------------------------------------------------
    def can_pay(self, user_id: int, amount: int) -> bool:
        return self.wallets.get(user_id, amount) >= amount

    def debit(self, user_id: int, amount: int) -> None:
        if user_id in self.wallets:
            self.wallets[user_id] -= amount

    def set_wallet(self, user_id: int, balance: int | None) -> None:
        if balance is None:
            self.wallets.pop(user_id, None)
        elif type(balance) is not int or balance < 0:
            raise ValueError('"balance" must be a whole number of Stars from 0, or null for unlimited')
        else:
            self.wallets[user_id] = balance

    # ---- the subscriptions -----------------------------------------------------------------------------------
    def begin(self, bot_id: int, user: Account, invoice: Invoice, charge_id: str, expires_at: int) -> Subscription:
        table = self.by_bot.setdefault(bot_id, OrderedDict())
        subscription = Subscription(charge_id, bot_id, user, invoice, expires_at, charge_ids=[charge_id])
        table[charge_id] = subscription
        while len(table) > self.payments.fake.history:  # bounded like every ledger table
            table.popitem(last=False)
        return subscription

    def find(self, bot_id: int, charge_id: str) -> Subscription | None:
        return self.by_bot.get(bot_id, {}).get(charge_id)

    def of_user(self, bot_id: int, user_id: int | None = None) -> list[Subscription]:
        self.renew_due()
        return [s for s in self.by_bot.get(bot_id, {}).values() if user_id is None or s.user.id == user_id]

    def renew_due(self) -> None:
        """Every subscription whose period ended renews, or lapses; a long jump of the clock renews once per
        period passed, each payment dated at its own moment."""
        now = int(self.payments.fake.clock.time())
        for bot_id, table in self.by_bot.items():
            for subscription in list(table.values()):
                while not subscription.lapsed and subscription.expires_at <= now:
                    self._renew_or_lapse(bot_id, subscription)

    def _renew_or_lapse(self, bot_id: int, subscription: Subscription) -> None:
        if subscription.canceled_by_user or subscription.canceled_by_bot:
            subscription.lapsed = "canceled"
        elif not self.can_pay(subscription.user.id, subscription.amount):
            subscription.lapsed = "missing_balance"
        else:
            bot = self.payments.fake.bot_by_id(bot_id)
            due = subscription.expires_at
            subscription.expires_at += subscription.period
            charge_id = self.payments.charge_renewal(bot, subscription, due)
            subscription.charge_ids.append(charge_id)

    # ---- who cancels -------------------------------------------------------------------------------------------
    def cancel_by_bot(self, subscription: Subscription, is_canceled: bool) -> None:
        """editUserStarSubscription. A restore only lifts the bot's cancellation; the user's stands (the
        "restore" flag of payments.botCancelStarsSubscription)."""
        self.renew_due()
        if not subscription.lapsed:
            subscription.canceled_by_bot = is_canceled

    def cancel_by_user(self, subscription: Subscription) -> None:
        self.renew_due()
        if subscription.lapsed:
            raise ValueError("this subscription has expired")
        subscription.canceled_by_user = True

    def reenable_by_user(self, subscription: Subscription) -> None:
        self.renew_due()
        if subscription.lapsed:
            raise ValueError("this subscription has expired")
        if subscription.canceled_by_bot:
            # TDLib's starSubscriptionTypeBot.is_canceled_by_bot: "canceled by the bot and can't be extended"
            raise ValueError("the bot canceled this subscription; it can't be extended")
        subscription.canceled_by_user = False
