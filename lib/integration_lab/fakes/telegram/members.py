"""Who is in a group, supergroup or channel, with which rights, as Telegram keeps it; and the updates a bot
gets when that changes. No HTTP here: chats_methods.py (the bot's side) and the control routes (people's side)
both change members through `set_status`, so every change sends the same ChatMemberUpdated.

Sources: Client.cpp of tdlib/telegram-bot-api (JsonChatMember, JsonChatMemberUpdated, JsonChatInviteLink,
json_store_administrator_rights, json_store_permissions: field order and which fields each chat type shows) and
TDLib's DialogParticipantStatus (a bot gets no right by default permissions: "bots must be explicitly granted
administrator rights to use them").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .control_routes import family_state
from .state import Account, Bot, Chat
from .world import TelegramFake

FAMILY = "chats"
# ChatAdministratorRights in json_store_administrator_rights' order; which chat types show each one
ADMIN_RIGHTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("can_manage_chat", ("group", "supergroup", "channel")),
    ("can_change_info", ("group", "supergroup", "channel")),
    ("can_post_messages", ("channel",)),
    ("can_edit_messages", ("channel",)),
    ("can_delete_messages", ("group", "supergroup", "channel")),
    ("can_invite_users", ("group", "supergroup", "channel")),
    ("can_restrict_members", ("group", "supergroup", "channel")),
    ("can_pin_messages", ("group", "supergroup")),
    ("can_manage_topics", ("supergroup",)),
    ("can_promote_members", ("group", "supergroup", "channel")),
    ("can_manage_video_chats", ("group", "supergroup", "channel")),
    ("can_post_stories", ("group", "supergroup", "channel")),
    ("can_edit_stories", ("group", "supergroup", "channel")),
    ("can_delete_stories", ("group", "supergroup", "channel")),
    ("can_manage_direct_messages", ("channel",)),
    ("can_manage_tags", ("group", "supergroup")),
    # Bot API 10.3 (the catalogue) requires it; Client.cpp at 10.0 predates it. Its place: UNCONFIRMED
    ("can_send_welcome_messages", ("group", "supergroup", "channel")),
)
RIGHT_NAMES = tuple(name for name, _ in ADMIN_RIGHTS)
# ChatPermissions in json_store_permissions' order (can_send_media_messages, which it also writes, is no
# longer in the catalogue and is left out)
PERMISSIONS = ("can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
               "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages",
               "can_add_web_page_previews", "can_react_to_messages", "can_edit_tag", "can_change_info",
               "can_invite_users", "can_pin_messages", "can_manage_topics")
# a new group lets members do everything but change info and pin (Telegram's default for a new group)
DEFAULT_PERMISSIONS = {name: name not in ("can_change_info", "can_pin_messages", "can_manage_topics",
                                          "can_edit_tag") for name in PERMISSIONS}
IN_CHAT = ("creator", "administrator", "member")
MAX_TOPICS_KEPT = 1_000


@dataclass
class Member:
    status: str  # creator | administrator | member | restricted | left | kicked (the Bot API's words)
    rights: dict[str, bool] = field(default_factory=dict)  # an administrator's (or the owner's anonymity)
    permissions: dict[str, bool] = field(default_factory=dict)  # a restricted member's
    until_date: int = 0
    is_member: bool = True  # a restricted member still in the chat
    custom_title: str = ""  # an administrator's or the owner's title; a member's tag (TDLib keeps one "tag")
    promoted_by: int | None = None  # who made this administrator: they (and the owner) may edit them

    @property
    def present(self) -> bool:
        return self.status in IN_CHAT or (self.status == "restricted" and self.is_member)

    def right(self, name: str) -> bool:
        return self.status == "creator" or (self.status == "administrator" and self.rights.get(name, False))

    def to_api(self, user: Account, chat_type: str) -> dict:
        """JsonChatMember: the fields of this status, as the chat type shows them."""
        member: dict[str, Any] = {"user": user.to_api(), "status": self.status}
        if self.status == "creator":
            if self.custom_title:
                member["custom_title"] = self.custom_title
            member["is_anonymous"] = self.rights.get("is_anonymous", False)
        elif self.status == "administrator":
            member["can_be_edited"] = bool(self.rights.get("_can_be_edited", False))
            member.update(visible_rights(self.rights, chat_type))
            if self.custom_title:
                member["custom_title"] = self.custom_title
        elif self.status == "member":
            if self.custom_title:
                member["tag"] = self.custom_title
            if self.until_date > 0:
                member["until_date"] = self.until_date
        elif self.status == "restricted":
            if self.custom_title:
                member["tag"] = self.custom_title
            member["until_date"] = self.until_date
            member.update({name: self.permissions.get(name, False) for name in PERMISSIONS})
            member["is_member"] = self.is_member
        elif self.status == "kicked":
            member["until_date"] = self.until_date
        return member


def visible_rights(rights: dict[str, bool], chat_type: str) -> dict[str, bool]:
    shown = {name: bool(rights.get(name, False)) for name, types in ADMIN_RIGHTS if chat_type in types}
    shown["is_anonymous"] = bool(rights.get("is_anonymous", False))
    return shown


@dataclass
class InviteLink:
    invite_link: str
    creator_id: int
    name: str = ""
    expire_date: int = 0
    member_limit: int = 0
    creates_join_request: bool = False
    is_primary: bool = False
    is_revoked: bool = False
    subscription_period: int = 0
    subscription_price: int = 0
    joined: int = 0

    def to_api(self, fake: TelegramFake, pending: int = 0) -> dict:
        """JsonChatInviteLink's fields and order."""
        link: dict[str, Any] = {"invite_link": self.invite_link}
        if self.name:
            link["name"] = self.name
        link["creator"] = fake.accounts[self.creator_id].to_api()
        if self.expire_date:
            link["expire_date"] = self.expire_date
        if self.member_limit:
            link["member_limit"] = self.member_limit
        if pending:
            link["pending_join_request_count"] = pending
        if self.subscription_period:
            link["subscription_period"] = self.subscription_period
            link["subscription_price"] = self.subscription_price
        link.update(creates_join_request=self.creates_join_request, is_primary=self.is_primary,
                    is_revoked=self.is_revoked)
        return link


@dataclass
class JoinRequest:
    user_id: int
    date: int
    bio: str = ""
    link: str | None = None


@dataclass
class Topic:
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str = ""
    closed: bool = False
    creator_id: int = 0

    def to_api(self) -> dict:
        topic: dict[str, Any] = {"message_thread_id": self.message_thread_id, "name": self.name,
                                 "icon_color": self.icon_color}
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass
class ChatState:
    """What Telegram knows of one group, supergroup or channel beyond its messages."""
    owner: int | None = None
    members: dict[int, Member] = field(default_factory=dict)  # explicit statuses; others in chat.members are members
    permissions: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    description: str = ""
    photo: dict | None = None
    pinned: list[int] = field(default_factory=list)  # message ids, the newest pin last
    links: dict[str, InviteLink] = field(default_factory=dict)
    requests: dict[int, JoinRequest] = field(default_factory=dict)
    banned_chats: dict[int, int] = field(default_factory=dict)  # sender chat id -> until_date
    username: str = ""  # a public chat's @username (chat_id may be "@username")
    join_by_request: bool = False  # "Approve new members": joining without a link makes a join request
    is_forum: bool = False
    topics: dict[int, Topic] = field(default_factory=dict)
    general_closed: bool = False
    general_hidden: bool = False
    general_name: str = "General"
    sticker_set_name: str = ""  # a supergroup's sticker set (setChatStickerSet)


def of(chat: Chat) -> ChatState:
    return family_state(chat, FAMILY, ChatState)


def member(fake: TelegramFake, chat: Chat, user_id: int) -> Member:
    """The user's status now: an explicit one (expired restrictions and bans lifted, as TDLib's
    update_restrictions does), else a member if they have been in the chat, else left."""
    state = of(chat)
    found = state.members.get(user_id)
    if found is not None:
        if found.until_date and found.status in ("restricted", "kicked") and fake.clock.time() > found.until_date:
            found = Member("member" if found.status == "restricted" and found.is_member else "left")
            state.members[user_id] = found
        return found
    if user_id == state.owner:
        return Member("creator")
    return Member("member" if user_id in chat.members else "left")


def bot_member(fake: TelegramFake, bot: Bot, chat: Chat) -> Member:
    state = chat.extra.get(FAMILY)
    found = state.members.get(bot.account.id) if state is not None else None
    if found is None:  # a chat made before this family knew it (People.create_group): the bot was added as a member
        return Member("left" if chat.bot_removed else "member")
    return found


def set_status(fake: TelegramFake, bot: Bot, chat: Chat, actor: Account, user: Account, new: Member,
               invite_link: InviteLink | None = None, via_join_request: bool = False) -> dict | None:
    """Change `user`'s status in the chat and tell the bot: my_chat_member for itself, chat_member for anyone
    else (delivered only when allowed_updates asks). No update when nothing changed."""
    state = of(chat)
    old = bot_member(fake, bot, chat) if user.id == bot.account.id else member(fake, chat, user.id)
    if old == new:
        return None
    state.members[user.id] = new
    if new.present:
        chat.members.add(user.id)
    else:
        chat.members.discard(user.id)
    if user.id == bot.account.id:
        chat.bot_removed = not new.present and _removed_error(chat, new)
    kind = "my_chat_member" if user.id == bot.account.id else "chat_member"
    payload: dict[str, Any] = {"chat": chat.to_api(), "from": actor.to_api(), "date": int(fake.clock.time()),
                               "old_chat_member": old.to_api(user, chat.type),
                               "new_chat_member": new.to_api(user, chat.type)}
    if invite_link is not None:
        payload["invite_link"] = invite_link.to_api(fake)
    if via_join_request:
        payload["via_join_request"] = True
    fake.enqueue(bot, kind, payload)
    return payload


def _removed_error(chat: Chat, new: Member) -> str:
    """What a bot hears when it writes to a chat it is no longer in (check_chat_access's words); world.py
    reads it from Chat.bot_removed."""
    place = {"group": "group chat", "supergroup": "supergroup chat", "channel": "channel chat"}[chat.type]
    if new.status == "kicked":
        return f"Forbidden: bot was kicked from the {place}"
    return f"Forbidden: bot is not a member of the {place}"


def check_can_write(fake: TelegramFake, chat: Chat, user_id: int) -> None:
    """What the apps let a person do before writing in a group (People.send): not in a channel (people post there
    through /posts), not when banned, removed or restricted from sending. Someone the lab never placed in the chat
    joins by writing, as before this family."""
    if chat.type == "channel":
        raise ValueError(f"chat {chat.id} is a channel: its owner or administrators post with POST /_lab/chats/{chat.id}/posts")
    state = chat.extra.get(FAMILY)
    if state is None:
        return
    status = member(fake, chat, user_id)
    if status.status == "kicked":
        raise ValueError(f"user {user_id} is banned from chat {chat.id}")
    if status.status == "left" and user_id in state.members:
        raise ValueError(f"user {user_id} is not in chat {chat.id}: they join first")
    if status.status in ("creator", "administrator"):
        return
    allowed = status.permissions if status.status == "restricted" else state.permissions
    if not allowed.get("can_send_messages", True):
        raise ValueError(f"user {user_id} may not send messages in chat {chat.id}")


def member_count(fake: TelegramFake, chat: Chat) -> int:
    state = of(chat)
    ids = set(chat.members) | set(state.members) | ({state.owner} if state.owner else set())
    return sum(1 for user_id in ids if member(fake, chat, user_id).present)


def administrators(fake: TelegramFake, bot: Bot, chat: Chat) -> list[tuple[Account, Member]]:
    """The owner first, then administrators; bots other than the caller are left out (JsonChatMembers)."""
    state = of(chat)
    found = []
    ids = ([state.owner] if state.owner else []) + [i for i in state.members if i != state.owner]
    for user_id in ids:
        account = fake.accounts.get(user_id)
        status = bot_member(fake, bot, chat) if user_id == bot.account.id else member(fake, chat, user_id)
        if account is None or status.status not in ("creator", "administrator"):
            continue
        if account.is_bot and user_id != bot.account.id:
            continue
        found.append((account, status))
    return found


def admin(rights: dict | None, promoted_by: int | None, bot_id: int) -> Member:
    """An administrator with these rights; can_manage_chat is implied by any other (Telegram sets it)."""
    chosen = {name: bool((rights or {}).get(name, False)) for name in RIGHT_NAMES}
    chosen["is_anonymous"] = bool((rights or {}).get("is_anonymous", False))
    if any(chosen.values()):
        chosen["can_manage_chat"] = True
    chosen["_can_be_edited"] = promoted_by == bot_id
    return Member("administrator", rights=chosen, promoted_by=promoted_by)


def carry_over(old: Chat, new: Chat) -> None:
    """A group upgraded to a supergroup keeps its owner, administrators, restrictions' defaults and pins'
    absence (the supergroup starts its own message ids)."""
    before = old.extra.get(FAMILY)
    if before is None:
        return
    after = of(new)
    after.owner = before.owner
    after.members = {i: replace(status) for i, status in before.members.items()}
    after.permissions = dict(before.permissions)
    after.description, after.photo = before.description, before.photo


def describe_service(service: dict) -> str:
    """The service messages of this family as the apps summarise them (for People.transcript)."""
    def name(user: dict) -> str:
        return user.get("username") or user["first_name"]
    if "new_chat_members" in service:
        return "(" + ", ".join(name(u) for u in service["new_chat_members"]) + " joined)"
    if "left_chat_member" in service:
        return f"({name(service['left_chat_member'])} left)"
    if "pinned_message" in service:
        return f"(pinned message {service['pinned_message']['message_id']})"
    if "new_chat_title" in service:
        return f"(title changed to {service['new_chat_title']})"
    if "forum_topic_created" in service:
        return f"(topic created: {service['forum_topic_created']['name']})"
    for key, words in (("forum_topic_edited", "topic edited"), ("forum_topic_closed", "topic closed"),
                       ("forum_topic_reopened", "topic reopened"), ("general_forum_topic_hidden", "General hidden"),
                       ("general_forum_topic_unhidden", "General shown")):
        if key in service:
            return f"({words})"
    if "channel_chat_created" in service or "supergroup_chat_created" in service:
        return "(chat created)"
    return ""
