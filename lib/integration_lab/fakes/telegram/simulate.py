"""What people do in Telegram apps, turned into the updates a bot receives.

Each action checks what a real Telegram app would allow (a button must exist to be pressed) and raises
ValueError otherwise; the control API answers those with 400.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from . import members as chat_members
from .files import summary as media_summary
from .formatting import command_entities
from .payments import ORDER_FIELDS, SHIPPING_FIELDS, STARS, Checkout, Invoice, money
from .state import Account, Bot, CallbackRecord, Chat, Message
from .world import TelegramFake

_SUPERGROUP_BASE = -1_000_000_000_000


class People:
    def __init__(self, fake: TelegramFake, bot: Bot | None = None):
        self.fake = fake
        self.bot = bot or fake.default_bot

    def _chat(self, chat_id: int) -> Chat:
        chat = self.bot.chats.get(chat_id)
        if chat is None:
            raise LookupError(f"no chat {chat_id} with this bot")
        return chat

    def send(self, chat_id: int, user: dict, text: str, reply_to_message_id: int | None = None) -> dict:
        """`user` writes `text` in the chat (a private chat opens on first message). Returns the Message."""
        person = self.fake.person(user)
        if not isinstance(text, str) or not text.strip():
            raise ValueError('"text" must be a non-empty string')
        if chat_id > 0:
            if chat_id != person.id:
                raise ValueError("a private chat's id is the user's id")
            chat = self.bot.chats.setdefault(chat_id, Chat(chat_id, "private", person=person))
            self.bot.blocked_by.discard(person.id)  # writing to a bot unblocks it, as in the apps
        else:
            chat = self._chat(chat_id)
            if chat.migrated_to is not None:
                raise ValueError(f"chat {chat_id} was upgraded to {chat.migrated_to}")
            chat_members.check_can_write(self.fake, chat, person.id)
            chat.members.add(person.id)
        reply_to = chat.messages.get(reply_to_message_id) if reply_to_message_id else None
        if reply_to_message_id and (reply_to is None or reply_to.deleted):
            raise ValueError(f"no message {reply_to_message_id} to reply to")
        message = self.fake.post(chat, person, text, command_entities(text), reply_to=reply_to)
        if self._bot_sees(chat, message) and (chat.type == "private"
                                              or chat_members.bot_member(self.fake, self.bot, chat).present):
            self.fake.enqueue(self.bot, "message", message.to_api())
        return message.to_api()

    def _bot_sees(self, chat: Chat, message: Message) -> bool:
        """Privacy mode (getMe says can_read_all_group_messages=false): in groups only commands,
        replies to the bot and mentions of it reach the bot."""
        if chat.type == "private":
            return True
        username = f"@{self.bot.account.username}"
        return (bool(message.entities) or username in message.text
                or (message.reply_to is not None and message.reply_to.sender is self.bot.account))

    def press(self, chat_id: int, user: dict, message_id: int, data: str) -> dict:
        """`user` presses the inline button carrying `data` under the bot's message. Returns the CallbackQuery."""
        person = self.fake.person(user)
        chat = self._chat(chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.deleted or message.sender is not self.bot.account:
            raise ValueError(f"no bot message {message_id} in chat {chat_id}")
        buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
        if not any(b.get("callback_data") == data for b in buttons):
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        query_id = str(self.fake.ids.integer(10**17, 10**19 - 1))
        query = {"id": query_id, "from": person.to_api(), "message": message.to_api(),
                 "chat_instance": chat.instance_for(self.bot.account.id), "data": data}
        self.bot.remember(CallbackRecord(query_id, person.id, self.fake.clock.time(), chat_id=chat_id,
                                         message_id=message_id))
        self.fake.enqueue(self.bot, "callback_query", query)
        return query

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them fail with 403, and the bot hears of it."""
        chat = self._chat(user_id)
        if user_id not in self.bot.blocked_by:
            self.bot.blocked_by.add(user_id)
            self._member_update(chat, chat.person.to_api(), "member", "kicked")

    def unblock(self, user_id: int) -> None:
        chat = self._chat(user_id)
        if user_id in self.bot.blocked_by:
            self.bot.blocked_by.discard(user_id)
            self._member_update(chat, chat.person.to_api(), "kicked", "member")

    def create_group(self, title: str, creator: dict, members: list[dict] = (), chat_id: int | None = None) -> dict:
        """A basic group with the bot in it, created by `creator`."""
        if not title:
            raise ValueError('a group needs a "title"')
        owner = self.fake.person(creator)
        chat_id = chat_id or -self.fake.ids.integer(1_000_000_000, 4_999_999_999)
        if type(chat_id) is not int or chat_id >= 0 or chat_id in self.bot.chats:
            raise ValueError("a new group needs an unused negative id")
        chat = Chat(chat_id, "group", title=title, members={owner.id, *(self.fake.person(m).id for m in members)})
        chat_members.of(chat).owner = owner.id
        self.bot.chats[chat_id] = chat
        self._member_update(chat, owner.to_api(), "left", "member")
        return chat.to_api()

    def upgrade_group(self, chat_id: int, user: dict) -> dict:
        """The group becomes a supergroup: a new id, and a service message in each chat saying so."""
        person = self.fake.person(user)
        old = self._chat(chat_id)
        if old.type != "group" or old.migrated_to is not None:
            raise ValueError(f"chat {chat_id} is not a basic group")
        new = Chat(_SUPERGROUP_BASE + chat_id, "supergroup", title=old.title, members=set(old.members))
        chat_members.carry_over(old, new)
        self.bot.chats[new.id] = new
        old.migrated_to = new.id
        for chat, field, value in ((old, "migrate_to_chat_id", new.id), (new, "migrate_from_chat_id", old.id)):
            message = self.fake.post(chat, person, None, **{field: value})
            self.fake.enqueue(self.bot, "message", message.to_api())
        return new.to_api()

    def _member_update(self, chat: Chat, actor: dict, old: str, new: str) -> None:
        bot_user = self.bot.account.to_api()
        member = {"kicked": {"status": "kicked", "user": bot_user, "until_date": 0},
                  "member": {"status": "member", "user": bot_user},
                  "left": {"status": "left", "user": bot_user}}
        self.fake.enqueue(self.bot, "my_chat_member", {
            "chat": chat.to_api(), "from": actor, "date": int(self.fake.clock.time()),
            "old_chat_member": member[old], "new_chat_member": member[new]})

    # ---- paying ------------------------------------------------------------------------------------------
    def pay(self, chat_id: int, user: dict, message_id: int, order_info: dict | None = None,
            shipping_option_id: str | None = None, tip_amount: int | None = None) -> Checkout:
        """`user` presses Pay on the bot's invoice message. Returns at once: the bot gets a shipping_query
        (flexible invoices) or a pre_checkout_query, and its answers move the checkout on."""
        person = self.fake.person(user)
        chat = self._chat(chat_id)
        message = chat.messages.get(message_id)
        invoice = self.fake.payments.ledger(self.bot.account.id).invoices.get((chat_id, message_id))
        if message is None or message.deleted or invoice is None:
            raise ValueError(f"message {message_id} in chat {chat_id} is not an invoice")
        if chat.type == "private" and chat.person.id != person.id:
            raise ValueError("only the chat's user sees an invoice in a private chat")
        if invoice.single_chat and invoice.paid:
            raise ValueError("this invoice was already paid")
        return self._checkout(chat_id, person, invoice, message_id, None, order_info, shipping_option_id, tip_amount)

    def pay_link(self, url: str, user: dict, order_info: dict | None = None, shipping_option_id: str | None = None,
                 tip_amount: int | None = None) -> Checkout:
        """`user` opens a createInvoiceLink URL and pays; it happens in their private chat with the bot. Links
        are multi-use: anyone may pay one any number of times."""
        person = self.fake.person(user)
        invoice = self.fake.payments.ledger(self.bot.account.id).links.get(url)
        if invoice is None:
            raise LookupError(f"no invoice link {url} of this bot")
        self.fake.payments.private_chat(self.bot, person)
        return self._checkout(person.id, person, invoice, None, url, order_info, shipping_option_id, tip_amount)

    def _checkout(self, chat_id: int, person: Account, invoice: Invoice, message_id: int | None, link: str | None,
                  order_info: dict | None, shipping_option_id: str | None, tip_amount: int | None) -> Checkout:
        """What the payment form lets through: the details the bot asked for, a tip within the maximum."""
        info = _order_info(invoice, order_info)
        tip = 0 if tip_amount is None else tip_amount
        if type(tip) is not int or not 0 <= tip <= invoice.max_tip_amount:
            raise ValueError(f"the tip must be a whole number from 0 to {invoice.max_tip_amount}")
        if shipping_option_id is not None and not (isinstance(shipping_option_id, str) and invoice.is_flexible):
            raise ValueError("only a flexible invoice has shipping options to choose")
        stars = self.fake.payments.subscriptions
        if invoice.currency == STARS and not stars.can_pay(person.id, invoice.total_amount + tip):
            raise ValueError("not enough Stars")  # the app offers to buy Stars; no query reaches the bot
        return self.fake.payments.start(self.bot, chat_id, person, invoice, message_id, link, info,
                                        shipping_option_id, tip)

    def transcript(self, chat_id: int) -> list[dict[str, Any]]:
        """Every message in the chat, both directions, oldest first (deleted ones marked), with what Telegram
        itself showed the person: the toasts of answered buttons and the payments that failed on its screen.

        `kind` says which: "message", "service" (a payment, a member joining: summarised in words),
        "toast" (answerCallbackQuery's text; `message_id` is the message whose button was pressed) or
        "payment failed" (no message: Telegram's payment screen said so, `message_id` is None).
        `buttons` joins the inline buttons' labels; `keyboard` holds them whole (callback_data, url, pay, …),
        so a script can press a button it did not write."""
        chat = self._chat(chat_id)
        rows = []
        for m in chat.messages.values():
            keyboard = [dict(b) for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row]
            rows.append({"message_id": m.message_id, "date": m.date,
                         "direction": "bot → user" if m.sender.is_bot else "user → bot",
                         "from": m.sender.username or m.sender.first_name,
                         "text": m.text or media_summary(m.content) or _content_text(m),
                         "buttons": " | ".join(b["text"] for b in keyboard), "keyboard": keyboard,
                         "edited": m.edit_date is not None, "deleted": m.deleted,
                         "kind": "message" if m.text is not None or m.content else "service"})
        # Telegram's own rows sit after the newest message of their moment: a toast after the message that was
        # newest when it showed, a failed payment after the last message sent by then
        placed = [(m.message_id, 0, i) for i, m in enumerate(chat.messages.values())]
        for toast in chat.toasts:
            rows.append(_telegram_row(toast.message_id, toast.date, "toast",
                                      f"{'alert' if toast.alert else 'toast'}: {toast.text}"))
            placed.append((toast.after, 1, len(placed)))
        for checkout in self.fake.payments.failures_in(self.bot.account.id, chat_id):
            ended = int(checkout.ended_at)
            rows.append(_telegram_row(None, ended, "payment failed", _failure_text(checkout)))
            before = [m.message_id for m in chat.messages.values() if m.date <= ended]
            placed.append((max(before, default=0), 1, len(placed)))
        order = sorted(range(len(rows)), key=lambda i: placed[i])
        return [rows[i] for i in order]


def _telegram_row(message_id: int | None, date: int, kind: str, text: str) -> dict[str, Any]:
    return {"message_id": message_id, "date": date, "direction": "Telegram → user", "from": "Telegram",
            "text": text, "buttons": "", "keyboard": [], "edited": False, "deleted": False, "kind": kind}


def _content_text(message: Message) -> str:
    """A message without text as the apps list it: its caption, else what it is, else a service summary."""
    content = message.content
    if "caption" in content:
        return content["caption"]
    for kind in ("photo", "video", "animation", "document", "audio", "voice", "video_note", "sticker", "poll",
                 "dice", "location", "venue", "contact", "game", "checklist", "story"):
        if kind in content:
            return f"[{kind}]"
    return _service_text(message)


def _service_text(message: Message) -> str:
    """A service message as the apps summarise it; the payments ones in words, the rest as key=value."""
    service = message.service
    if "invoice" in service:
        invoice = service["invoice"]
        return f"{invoice['title']}: invoice {money(invoice['total_amount'], invoice['currency'])}"
    for key, verb in (("successful_payment", "paid"), ("refunded_payment", "refunded")):
        if key in service:
            payment = service[key]
            paid = f"{verb} {money(payment['total_amount'], payment['currency'])} for {payment['invoice_payload']}"
            return f"({paid}{_subscription_text(payment)})"
    described = chat_members.describe_service(service)
    if described:
        return described
    return "(" + ", ".join(f"{k}={v}" for k, v in service.items()) + ")"


def _subscription_text(payment: dict) -> str:
    """A subscription payment says which one it was and until when (UTC), as the apps' receipt does."""
    if not payment.get("is_recurring"):
        return ""
    until = datetime.fromtimestamp(payment["subscription_expiration_date"], timezone.utc).strftime("%Y-%m-%d %H:%M")
    kind = "subscribed" if payment.get("is_first_recurring") else "renewed"
    return f"; {kind} until {until} UTC"


def _failure_text(checkout: Checkout) -> str:
    if checkout.error_message:
        return f"Payment failed: {checkout.error_message}"
    return "Payment failed: the bot did not confirm in time"


def _order_info(invoice: Invoice, given: dict | None) -> dict | None:
    """The OrderInfo the payment form collects: exactly the fields the invoice asked for, in the order
    of Client::JsonOrderInfo (tdlib/telegram-bot-api, telegram-bot-api/Client.cpp)."""
    asked = [field for flag, field in ORDER_FIELDS.items() if invoice.flags.get(flag)]
    if not asked:
        return None
    if not isinstance(given, dict):
        raise ValueError(f'this invoice needs "order_info" with {", ".join(asked)}')
    info = {}
    for field in asked:
        value = given.get(field)
        if field == "shipping_address":
            if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in SHIPPING_FIELDS):
                raise ValueError(f"a shipping_address needs the strings {', '.join(SHIPPING_FIELDS)}")
            value = {k: value[k] for k in SHIPPING_FIELDS}
        elif not isinstance(value, str) or not value:
            raise ValueError(f'this invoice needs "order_info" with a non-empty "{field}"')
        info[field] = value
    return info
