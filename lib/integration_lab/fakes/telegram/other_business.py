"""Business accounts connected to the bot, their messages, profile, Stars, gifts and stories; Telegram's gifts.

A person connects their business account to the bot (Telegram's "Chatbots" settings) through the control route
`POST /_lab/business/connections`: the bot gets a `business_connection` update and the business methods act on
that account. Customers writing to the account (`POST /_lab/business/connections/<id>/messages`) give
`business_message` updates, which readBusinessMessage and deleteBusinessMessages then act on.

Checks in the reference server's order (Client.cpp of tdlib/telegram-bot-api: process_<method>_query,
check_business_connection with its "business connection not found", get_business_connection_chat_id,
get_message_ids, get_input_chat_photo, get_accepted_gift_types, get_input_story_content, get_required_string_arg).
Then TDLib's own checks (td/telegram/BusinessConnectionManager.cpp: a private chat not the owner's, message and
story identifiers, is_allowed_username, the Stars amount; it leaves rights to Telegram). What Telegram checks after
that (rights, limits, balances) is marked UNCONFIRMED: its error names (BOT_ACCESS_FORBIDDEN, BALANCE_TOO_LOW, …)
are MTProto's as bots report them, not read from a source here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import inputs
from .catalogue import example
from .control_routes import family_state, route
from .errors import bad_request, worded
from .interactive_methods import METHODS as INTERACTIVE_METHODS
from .methods import _checked_text, _read_text
from .other_stickers import bound
from .params import Args, NotJson, to_integer, to_integer_safe
from .state import Account, Bot, Chat
from .world import TelegramFake

RIGHTS = ("can_reply", "can_read_messages", "can_delete_sent_messages", "can_delete_all_messages", "can_edit_name",
          "can_edit_bio", "can_edit_profile_photo", "can_edit_username", "can_change_gift_settings",
          "can_view_gifts_and_stars", "can_convert_gifts_to_stars", "can_transfer_and_upgrade_gifts",
          "can_transfer_stars", "can_manage_stories")
STORY_PERIODS = (6 * 3600, 12 * 3600, 86400, 2 * 86400)  # Bot API docs, postStory active_period
MAX_BIO = 140
MAX_NAME = 64
MAX_STORIES = 100  # kept per account (the oldest go first)
MAX_CONNECTIONS = 1_000  # per bot; MAX_OWNERS: people and chats whose gifts are kept (the oldest forgotten first)
MAX_OWNERS = 10_000
# Telegram's gift catalogue as the fake offers it: (id, Stars, upgrade Stars or 0, total count or 0 = unlimited)
GIFTS = (("5170145012310081615", 15, 0, 0), ("5170233102089322756", 25, 0, 0), ("5168103777563050263", 50, 25, 0),
         ("5170564780938756245", 100, 50, 10_000))
GIFT_EMOJI = ("💝", "🧸", "🎁", "🌹")
_SEND_MESSAGE = INTERACTIVE_METHODS["sendMessage"]  # every other family's sendMessage, wrapped in turn


@dataclass
class Connection:
    id: str
    user: Account
    date: int
    rights: dict[str, bool]
    enabled: bool = True
    star_balance: int = 0
    bio: str = ""
    has_photo: bool = False
    gift_settings: dict = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)  # the account's chats with customers, by customer id
    read: set[tuple[int, int]] = field(default_factory=set)  # (chat id, message id) marked read by the bot
    stories: dict[int, dict] = field(default_factory=dict)  # story id -> what was posted
    next_story_id: int = 1

    def to_api(self) -> dict:
        connection = {"id": self.id, "user": self.user.to_api(), "user_chat_id": self.user.id, "date": self.date}
        rights = {name: True for name in RIGHTS if self.rights.get(name)}
        if rights:
            connection["rights"] = rights
        connection["is_enabled"] = self.enabled
        return connection


@dataclass
class OwnedGift:
    owned_gift_id: str
    gift_id: str
    sender: Account | None
    date: int
    text: str = ""
    unique: bool = False
    saved: bool = True

    def to_api(self, gifts: dict[str, dict]) -> dict:
        gift = gifts[self.gift_id]
        if self.unique:
            return {"type": "unique", "gift": _unique(gift), "owned_gift_id": self.owned_gift_id,
                    **({"sender_user": self.sender.to_api()} if self.sender else {}), "send_date": self.date,
                    "can_be_transferred": True}
        owned = {"type": "regular", "gift": dict(gift), "owned_gift_id": self.owned_gift_id}
        if self.sender is not None:
            owned["sender_user"] = self.sender.to_api()
        owned["send_date"] = self.date
        if self.text:
            owned["text"] = self.text
        if self.saved:
            owned["is_saved"] = True
        if gift.get("upgrade_star_count"):
            owned["can_be_upgraded"] = True
        owned["convert_star_count"] = gift["star_count"] * 85 // 100  # UNCONFIRMED: what conversion pays
        return owned


def _unique(gift: dict) -> dict:
    unique = example("UniqueGift")
    unique.update(gift_id=gift["id"], base_name="Gift", name=f"Gift-{gift['id'][-4:]}", number=1)
    return unique


@dataclass
class Business:
    connections: dict[str, Connection] = field(default_factory=dict)


@dataclass
class Gifts:
    catalogue: dict[str, dict] = field(default_factory=dict)
    owned: dict[int, list[OwnedGift]] = field(default_factory=dict)  # user or chat id -> gifts, newest last


def business_of(bot: Bot) -> Business:
    return family_state(bot, "business", Business)


def gifts_of(fake: TelegramFake) -> Gifts:
    def build() -> Gifts:
        store = Gifts()
        for (gift_id, stars, upgrade, total), emoji in zip(GIFTS, GIFT_EMOJI):
            sticker = {"file_id": "CAACAgIAAxUAAWj" + fake.ids.token("", 40), "file_unique_id": "AgAD" +
                       fake.ids.token("", 12), "type": "regular", "width": 512, "height": 512, "is_animated": True,
                       "is_video": False, "emoji": emoji, "file_size": 30_000}
            gift = {"id": gift_id, "sticker": sticker, "star_count": stars}
            if upgrade:
                gift["upgrade_star_count"] = upgrade
            if total:
                gift.update(total_count=total, remaining_count=total)
            store.catalogue[gift_id] = gift
        return store
    return family_state(fake, "gifts", build)


# ---- checks shared by the business methods ------------------------------------------------------------------
def connection(bot: Bot, args: Args, right: str | None = None) -> Connection:
    """check_business_connection, then the business bot right the method needs."""
    found = business_of(bot).connections.get(args.arg("business_connection_id"))
    if found is None:
        raise bad_request("business connection not found")
    if right is not None and (not found.enabled or not found.rights.get(right)):
        raise bad_request("BOT_ACCESS_FORBIDDEN")  # UNCONFIRMED: Telegram's answer without the right
    return found


def _business_chat_id(raw: str) -> int:
    """get_business_connection_chat_id (its words carry their own "Bad Request: ")."""
    if not raw:
        raise bad_request("chat identifier is empty")
    number = to_integer_safe(raw, 64)
    if number is None:
        raise bad_request("chat identifier must be a valid Integer")
    return number


def _required(args: Args, name: str) -> str:
    value = args.arg(name)
    if not value:
        raise worded(f'Parameter "{name}" is required')
    return value


def _message_ids(args: Args, name: str = "message_ids", most: int = 100) -> list[int]:
    raw = args.arg(name)
    if not raw:
        raise bad_request("message identifiers are not specified")
    try:
        value = args.json(name)
    except NotJson:
        raise bad_request(f"can't parse {name} JSON object") from None
    if not isinstance(value, list):
        raise bad_request("expected an Array of message identifiers")
    if len(value) > most:
        raise bad_request("too many message identifiers specified")
    found = []
    for item in value:
        if not isinstance(item, str):
            raise bad_request("message identifier must be a Number")
        number = to_integer_safe(item)
        if number is None:
            raise bad_request("can't parse message identifier as a Number")
        if number <= 0:
            raise bad_request("invalid message identifier specified")
        found.append(number)
    return found


def _json_object(args: Args, name: str, missing: str, unparsable: str, expected: str) -> dict:
    if not args.arg(name):
        raise worded(missing)
    try:
        value = args.json(name)
    except NotJson:
        raise worded(unparsable) from None
    if not isinstance(value, dict):
        raise worded(expected)
    return value


def _field_string(value: dict, name: str) -> str:
    if name not in value:
        raise worded(f'Can\'t find field "{name}"')
    if not isinstance(value[name], str):
        raise worded(f'Field "{name}" must be of type String')
    return value[name]


def _attached(args: Args, reference: str) -> bool:
    """get_input_file with force_file: only "attach://<name>" naming an uploaded part is a file."""
    return reference.startswith("attach://") and args.file(reference[len("attach://"):]) is not None


# ---- business connection and account ------------------------------------------------------------------------
def get_business_connection(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    return connection(bot, args).to_api()


def read_business_message(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat_id = _business_chat_id(args.arg("chat_id"))
    message_id = max(to_integer(args.arg("message_id")), 0)
    found = connection(bot, args)
    if chat_id <= 0:  # TDLib's BusinessConnectionManager::check_business_connection(connection, chat)
        raise bad_request("chat must be a private chat")
    if chat_id == found.user.id:
        raise bad_request("messages must not be sent to self")
    if message_id <= 0:  # check_business_message_id
        raise bad_request("invalid message identifier specified")
    connection(bot, args, "can_read_messages")
    chat = found.chats.get(chat_id)
    message = chat.messages.get(message_id) if chat else None
    if message is None or message.deleted:
        raise bad_request("MESSAGE_ID_INVALID")  # UNCONFIRMED
    found.read.add((chat_id, message_id))
    return True


def delete_business_messages(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    ids = _message_ids(args)
    found = connection(bot, args)
    if not (found.rights.get("can_delete_sent_messages") or found.rights.get("can_delete_all_messages")):
        raise bad_request("BOT_ACCESS_FORBIDDEN")  # UNCONFIRMED
    for chat in found.chats.values():  # message ids name messages of any chat of the account
        for message_id in ids:
            message = chat.messages.get(message_id)
            if message is None or message.deleted:
                continue
            own = message.sender.id in (found.user.id, bot.account.id)
            if own or found.rights.get("can_delete_all_messages"):
                message.deleted = True
    return True


def set_business_account_name(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    first_name = _required(args, "first_name")
    last_name = args.arg("last_name")
    found = connection(bot, args, "can_edit_name")
    first_name, last_name = first_name.strip()[:MAX_NAME], last_name.strip()[:MAX_NAME]  # TDLib's clean_name cuts
    if not first_name:
        raise bad_request("FIRSTNAME_INVALID")  # UNCONFIRMED: Telegram's answer to a blank name
    found.user.first_name, found.user.last_name = first_name, last_name or None
    return True


def set_business_account_username(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    username = args.arg("username")
    connection(bot, args)
    allowed = (len(username) <= 32 and username[:1].isalpha() and username.isascii() and "__" not in username
               and not username.endswith("_") and username.replace("_", "a").isalnum())  # TDLib's is_allowed_username
    if username and not allowed:
        raise bad_request("username is invalid")
    found = connection(bot, args, "can_edit_username")
    found.user.username = username or None
    return True


def set_business_account_bio(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    bio = args.arg("bio")
    found = connection(bot, args, "can_edit_bio")
    if len(bio) > MAX_BIO:
        raise bad_request("ABOUT_TOO_LONG")  # UNCONFIRMED
    found.bio = bio
    return True


def set_business_account_profile_photo(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    photo = _json_object(args, "photo", "Photo isn't specified", "Can't parse photo JSON object",
                         "Object expected as profile photo")
    kind = _field_string(photo, "type")
    if kind not in ("static", "animated"):
        raise bad_request("invalid profile photo type specified")
    if not _attached(args, _field_string(photo, "photo" if kind == "static" else "animation")):
        raise bad_request("photo must be uploaded as a file")
    found = connection(bot, args, "can_edit_profile_photo")
    found.has_photo = True
    return True


def remove_business_account_profile_photo(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    connection(bot, args, "can_edit_profile_photo").has_photo = False
    return True


def set_business_account_gift_settings(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    show = args.flag("show_gift_button")
    types = _json_object(args, "accepted_gift_types", "Accepted gift types aren't specified",  # UNCONFIRMED words
                         "Can't parse accepted gift types JSON object", "Object expected as accepted gift types")
    settings = {}
    for name in ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"):
        if name not in types:
            if name == "gifts_from_channels":
                settings[name] = True
                continue
            raise worded(f'Can\'t find field "{name}"')
        if not isinstance(types[name], bool):
            raise worded(f'Field "{name}" must be of type Boolean')
        settings[name] = types[name]
    found = connection(bot, args, "can_change_gift_settings")
    found.gift_settings = {"show_gift_button": show, "accepted_gift_types": settings}
    return True


def get_business_account_star_balance(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    return {"amount": connection(bot, args, "can_view_gifts_and_stars").star_balance}


def transfer_business_account_stars(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    stars = args.int32("star_count", 0, 0, 1_000_000_000)
    connection(bot, args)
    if stars <= 0:  # TDLib's transfer_business_stars
        raise bad_request("invalid amount of Telegram Stars to transfer specified")
    found = connection(bot, args, "can_transfer_stars")
    if stars > 10_000:
        raise bad_request("STARS_AMOUNT_INVALID")  # UNCONFIRMED; the docs: 1-10000
    if stars > found.star_balance:
        raise bad_request("BALANCE_TOO_LOW")  # UNCONFIRMED
    found.star_balance -= stars
    return True


# ---- gifts --------------------------------------------------------------------------------------------------
def _owned_gifts(fake: TelegramFake, owner: int, args: Args, exclude_unsaved_default: bool = False) -> dict:
    store = gifts_of(fake)
    gifts = list(reversed(store.owned.get(owner, [])))
    flags = {name: args.flag(name) for name in ("exclude_unsaved", "exclude_saved", "exclude_unlimited",
                                                "exclude_limited", "exclude_limited_upgradable",
                                                "exclude_limited_non_upgradable", "exclude_unique")}
    if flags["exclude_limited"]:
        flags["exclude_limited_upgradable"] = flags["exclude_limited_non_upgradable"] = True

    def kept(owned: OwnedGift) -> bool:
        gift = store.catalogue[owned.gift_id]
        limited = "total_count" in gift
        upgradable = bool(gift.get("upgrade_star_count"))
        return not ((flags["exclude_unsaved"] or exclude_unsaved_default) and not owned.saved
                    or flags["exclude_saved"] and owned.saved
                    or flags["exclude_unique"] and owned.unique
                    or not owned.unique and not limited and flags["exclude_unlimited"]
                    or not owned.unique and limited and upgradable and flags["exclude_limited_upgradable"]
                    or not owned.unique and limited and not upgradable and flags["exclude_limited_non_upgradable"])

    gifts = [g for g in gifts if kept(g)]
    if args.flag("sort_by_price"):
        gifts.sort(key=lambda g: -store.catalogue[g.gift_id]["star_count"])
    offset = max(to_integer(args.arg("offset")), 0)
    limit = args.int32("limit", 100, 1, 100)
    page = gifts[offset:offset + limit]
    result = {"total_count": len(gifts), "gifts": [g.to_api(store.catalogue) for g in page]}
    if offset + limit < len(gifts):
        result["next_offset"] = str(offset + limit)
    return result


def get_available_gifts(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    return {"gifts": [dict(g) for g in gifts_of(fake).catalogue.values()]}


def _formatted_text(args: Args) -> str:
    from .formatting import render

    text = args.arg("text")
    if not text:
        return ""
    if len(text) > 128:  # Bot API docs: 0-128 characters
        raise bad_request("STARGIFT_MESSAGE_TOO_LONG")  # UNCONFIRMED
    parse_mode = args.arg("text_parse_mode")
    if parse_mode and parse_mode.lower() != "none":
        text, _ = render(text, parse_mode)
    return text


def send_gift(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    gift_id = str(to_integer(args.arg("gift_id"), 64))
    text = _formatted_text(args)
    if args.arg("chat_id"):
        from .methods import _chat

        owner = _chat(fake, bot, args).id
    else:
        from .other_stickers import known_user, user_id

        owner = user_id(args)
        known_user(fake, owner)
    store = gifts_of(fake)
    gift = store.catalogue.get(gift_id)
    if gift is None:
        raise bad_request("STARGIFT_INVALID")  # UNCONFIRMED
    if gift.get("remaining_count") == 0:
        raise bad_request("STARGIFT_USAGE_LIMITED")  # UNCONFIRMED
    if "remaining_count" in gift:
        gift["remaining_count"] -= 1
    owned = store.owned.setdefault(owner, [])
    bound(store.owned, MAX_OWNERS)
    owned.append(OwnedGift(f"{owner}_{fake.ids.integer(10**8, 10**9 - 1)}", gift_id, bot.account,
                           int(fake.clock.time()), text))
    del owned[:-100]  # the newest 100 kept per owner
    return True


def gift_premium_subscription(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    from .other_stickers import known_user, user_id

    user = user_id(args)
    stars = to_integer(args.arg("star_count"), 64)
    months = args.int32("month_count", 0, 0, 1000)
    _formatted_text(args)
    known_user(fake, user)
    prices = {3: 1000, 6: 1500, 12: 2500}  # Bot API docs: the Stars each period costs
    if months not in prices or stars != prices[months]:
        raise bad_request("PREMIUM_GIFT_INVALID")  # UNCONFIRMED
    return True


def _business_gift(fake: TelegramFake, found: Connection, args: Args) -> tuple[list[OwnedGift], OwnedGift]:
    owned = gifts_of(fake).owned.get(found.user.id, [])
    wanted = args.arg("owned_gift_id")
    match = [g for g in owned if g.owned_gift_id == wanted]
    if not match:
        raise bad_request("STARGIFT_INVALID")  # UNCONFIRMED
    return owned, match[0]


def get_business_account_gifts(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    found = connection(bot, args, "can_view_gifts_and_stars")
    return _owned_gifts(fake, found.user.id, args)


def get_user_gifts(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    from .other_stickers import known_user, user_id

    user = user_id(args)
    known_user(fake, user)
    return _owned_gifts(fake, user, args, exclude_unsaved_default=True)


def get_chat_gifts(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    from .methods import _chat

    return _owned_gifts(fake, _chat(fake, bot, args).id, args)


def convert_gift_to_stars(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    found = connection(bot, args, "can_convert_gifts_to_stars")
    owned, gift = _business_gift(fake, found, args)
    if gift.unique:
        raise bad_request("STARGIFT_INVALID")  # UNCONFIRMED: a unique gift cannot be converted
    owned.remove(gift)
    found.star_balance += gifts_of(fake).catalogue[gift.gift_id]["star_count"] * 85 // 100
    return True


def upgrade_gift(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    stars = args.int32("star_count", 0, 0, 1_000_000)
    found = connection(bot, args, "can_transfer_and_upgrade_gifts")
    _, gift = _business_gift(fake, found, args)
    cost = gifts_of(fake).catalogue[gift.gift_id].get("upgrade_star_count", 0)
    if gift.unique or not cost:
        raise bad_request("STARGIFT_UPGRADE_UNAVAILABLE")  # UNCONFIRMED
    if stars < cost:
        raise bad_request("STARGIFT_UPGRADE_STAR_COUNT_INVALID")  # UNCONFIRMED (the price in star_count)
    gift.unique = True
    return True


def transfer_gift(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    stars = args.int32("star_count", 0, 0, 1_000_000)
    new_owner = _business_chat_id(args.arg("new_owner_chat_id"))
    found = connection(bot, args, "can_transfer_and_upgrade_gifts")
    owned, gift = _business_gift(fake, found, args)
    if not gift.unique:
        raise bad_request("STARGIFT_NOT_UNIQUE")  # UNCONFIRMED
    if new_owner not in fake.accounts and not any(new_owner in b.chats for b in fake.bots.values()):
        raise bad_request("chat not found")  # UNCONFIRMED
    del stars  # the transfer fee, paid from the bot's balance (kept by the payments family)
    owned.remove(gift)
    gift.sender = found.user
    gifts_of(fake).owned.setdefault(new_owner, []).append(gift)
    bound(gifts_of(fake).owned, MAX_OWNERS)
    return True


# ---- stories ------------------------------------------------------------------------------------------------
def _story_content(args: Args) -> str:
    content = _json_object(args, "content", "Story content isn't specified", "Can't parse story content JSON object",
                           "Object expected as story content")
    kind = _field_string(content, "type")
    if kind not in ("photo", "video"):
        raise bad_request("invalid story content type specified")
    if not _attached(args, _field_string(content, kind)):
        raise bad_request(f"story {kind} must be uploaded as a file")
    return kind


def _caption(args: Args) -> str:
    caption = args.arg("caption")
    if len(caption) > 2048:
        raise bad_request("caption is too long")  # UNCONFIRMED: Telegram's limit, Bot API docs: 0-2048
    return caption


def _story(found: Connection, story_id: int) -> dict:
    return {"chat": {"id": found.user.id, "first_name": found.user.first_name,
                     **({"last_name": found.user.last_name} if found.user.last_name else {}),
                     **({"username": found.user.username} if found.user.username else {}), "type": "private"},
            "id": story_id}


def post_story(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    kind = _story_content(args)
    caption = _caption(args)
    found = connection(bot, args, "can_manage_stories")
    period = args.int32("active_period", 0, 0, 1_000_000_000)
    if period not in STORY_PERIODS:
        raise bad_request("STORY_PERIOD_INVALID")  # UNCONFIRMED
    story_id = found.next_story_id
    found.next_story_id += 1
    found.stories[story_id] = {"content": kind, "caption": caption, "period": period,
                               "posted_at": int(fake.clock.time())}
    bound(found.stories, MAX_STORIES)
    return _story(found, story_id)


def edit_story(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    kind = _story_content(args)
    caption = _caption(args)
    found = connection(bot, args, "can_manage_stories")
    story_id = args.int32("story_id", 0, 0, 1_000_000_000)
    if story_id <= 0:
        raise bad_request("invalid story identifier specified")  # TDLib's check_business_story_id
    if story_id not in found.stories:
        raise bad_request("story not found")  # UNCONFIRMED
    found.stories[story_id].update(content=kind, caption=caption)
    return _story(found, story_id)


def delete_story(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    connection(bot, args)
    story_id = args.int32("story_id", 0, 0, 1_000_000_000)
    if story_id <= 0:
        raise bad_request("invalid story identifier specified")  # TDLib's check_business_story_id
    found = connection(bot, args, "can_manage_stories")
    if found.stories.pop(story_id, None) is None:
        raise bad_request("story not found")  # UNCONFIRMED
    return True


def repost_story(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    from_chat = _required(args, "from_chat_id")
    found = connection(bot, args, "can_manage_stories")
    sources = [c for c in business_of(bot).connections.values() if str(c.user.id) == from_chat.strip()]
    if not sources:
        raise bad_request("chat not found")
    # the reference server reads the story's id from "story_id", not the documented "from_story_id" (Client.cpp of
    # tdlib/telegram-bot-api, process_repost_story_query, at 10.0): a bot sending only from_story_id reposts story 0
    story_id = args.int32("story_id", 0, 0, 1_000_000_000)
    period = args.int32("active_period", 0, 0, 1_000_000_000)
    if story_id <= 0:
        raise bad_request("invalid story identifier specified")  # UNCONFIRMED on this path (TDLib's story id check)
    original = sources[0].stories.get(story_id)
    if original is None:
        raise bad_request("story not found")  # UNCONFIRMED
    if not sources[0].rights.get("can_manage_stories"):
        raise bad_request("BOT_ACCESS_FORBIDDEN")  # UNCONFIRMED
    if period not in STORY_PERIODS:
        raise bad_request("STORY_PERIOD_INVALID")  # UNCONFIRMED
    new_id = found.next_story_id
    found.next_story_id += 1
    found.stories[new_id] = {**original, "period": period, "posted_at": int(fake.clock.time())}
    return _story(found, new_id)


# ---- what people do: connect a business account, customers write to it ------------------------------------
def _rights(value) -> dict[str, bool]:
    if value is None:
        return {name: True for name in RIGHTS}  # the settings' default: every right ticked
    if not isinstance(value, dict) or any(k not in RIGHTS or not isinstance(v, bool) for k, v in value.items()):
        raise ValueError(f'"rights" must be an object of true/false among {", ".join(RIGHTS)}')
    return dict(value)


@route("POST", r"^/_lab/business/connections$")
def connect(fake: TelegramFake, people, match, data: dict) -> dict:
    """A person connects their (Telegram Business) account to the bot: a business_connection update."""
    person = fake.person(data.get("from"))
    stars = data.get("star_balance", 0)
    if not isinstance(stars, int) or isinstance(stars, bool) or stars < 0:
        raise ValueError('"star_balance" must be a non-negative integer')
    store = business_of(people.bot)
    existing = [c for c in store.connections.values() if c.user.id == person.id]
    if existing:
        found = existing[0]
        found.rights, found.enabled = _rights(data.get("rights")), True
    else:
        found = Connection(fake.ids.token("", 22) + "AQ", person, int(fake.clock.time()), _rights(data.get("rights")),
                           star_balance=stars)
        store.connections[found.id] = found
        bound(store.connections, MAX_CONNECTIONS)
    fake.enqueue(people.bot, "business_connection", found.to_api())
    return {"business_connection": found.to_api()}


# ---- replying on behalf of the account --------------------------------------------------------------------
def send_business_message(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """sendMessage with business_connection_id: the bot answers a customer in the business account's own chat,
    as the account (`from` is its owner, `sender_business_bot` the bot). Client.cpp's do_send_message reads the
    text and markup first, then check_business_connection_chat_id (the chat id's words), then the connection;
    TDLib then needs the can_reply right and a chat the customer opened. Any other sendMessage goes to the
    families below (interactive_methods, which wraps the groups family and methods.send_message)."""
    if not args.arg("business_connection_id"):
        return _SEND_MESSAGE(fake, bot, args)
    found_text = _read_text(args)
    markup = inputs.reply_markup(args)
    chat_id = _business_chat_id(args.arg("chat_id"))
    found = connection(bot, args, "can_reply")
    chat = found.chats.get(chat_id)
    if chat is None:
        raise bad_request("chat not found")  # the customer never wrote to the account
    text, entities = _checked_text(found_text)
    content = {"business_connection_id": found.id, "sender_business_bot": bot.account.to_api()}
    return fake.post(chat, found.user, text, entities, markup, content=content).to_api()


def _connection(people, connection_id: str) -> Connection:
    found = business_of(people.bot).connections.get(connection_id)
    if found is None:
        raise LookupError(f"no business connection {connection_id}")
    return found


@route("POST", r"^/_lab/business/connections/([A-Za-z0-9_-]+)/disconnect$")
def disconnect(fake: TelegramFake, people, match, data: dict) -> dict:
    found = _connection(people, match.group(1))
    found.enabled = False
    fake.enqueue(people.bot, "business_connection", found.to_api())
    return {"business_connection": found.to_api()}


@route("POST", r"^/_lab/business/connections/([A-Za-z0-9_-]+)/messages$")
def customer_writes(fake: TelegramFake, people, match, data: dict) -> dict:
    """A customer writes to the business account: a business_message update for the bot."""
    found = _connection(people, match.group(1))
    customer = fake.person(data.get("from"))
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError('"text" must be a non-empty string')
    if customer.id == found.user.id:
        raise ValueError("the account's owner writes from their own apps, not as a customer")
    chat = found.chats.setdefault(customer.id, Chat(customer.id, "private", person=customer))
    bound(found.chats, 1_000)
    message = fake.post(chat, customer, text, content={"business_connection_id": found.id})
    payload = message.to_api()
    if found.enabled:
        fake.enqueue(people.bot, "business_message", payload)
    return {"message": payload}


@route("GET", r"^/_lab/business/connections/([A-Za-z0-9_-]+)$")
def account(fake: TelegramFake, people, match, data: dict) -> dict:
    """The business account as its owner sees it: profile, Stars, gifts, stories, chats (what the bot changed)."""
    found = _connection(people, match.group(1))
    store = gifts_of(fake)
    return {"business_connection": found.to_api(), "bio": found.bio, "has_photo": found.has_photo,
            "gift_settings": found.gift_settings, "star_balance": found.star_balance,
            "gifts": [g.to_api(store.catalogue) for g in store.owned.get(found.user.id, [])],
            "stories": [_story(found, i) | {"caption": s["caption"]} for i, s in found.stories.items()],
            "messages": [{**m.to_api(), "read": (c.id, m.message_id) in found.read}
                         for c in found.chats.values() for m in c.messages.values() if not m.deleted]}


METHODS = {
    "getBusinessConnection": get_business_connection, "readBusinessMessage": read_business_message,
    "deleteBusinessMessages": delete_business_messages, "setBusinessAccountName": set_business_account_name,
    "setBusinessAccountUsername": set_business_account_username, "setBusinessAccountBio": set_business_account_bio,
    "setBusinessAccountProfilePhoto": set_business_account_profile_photo,
    "removeBusinessAccountProfilePhoto": remove_business_account_profile_photo,
    "setBusinessAccountGiftSettings": set_business_account_gift_settings,
    "getBusinessAccountStarBalance": get_business_account_star_balance,
    "transferBusinessAccountStars": transfer_business_account_stars,
    "getBusinessAccountGifts": get_business_account_gifts, "getAvailableGifts": get_available_gifts,
    "sendGift": send_gift, "giftPremiumSubscription": gift_premium_subscription, "getUserGifts": get_user_gifts,
    "getChatGifts": get_chat_gifts, "convertGiftToStars": convert_gift_to_stars, "upgradeGift": upgrade_gift,
    "transferGift": transfer_gift, "postStory": post_story, "editStory": edit_story, "deleteStory": delete_story,
    "repostStory": repost_story, "sendMessage": send_business_message,
}
