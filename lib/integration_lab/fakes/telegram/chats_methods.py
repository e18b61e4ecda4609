"""Groups, supergroups and channels: members and their rights, bans and restrictions, promotions, pins, invite
links and join requests, forum topics, the chat's title, description and photo, and getChat's ChatFullInfo.

Checks run in the reference server's order (Client.cpp of tdlib/telegram-bot-api: each process_<method>_query
reads its parameters, then check_chat with the access it needs, then the method's own checks), and then TDLib's
(DialogParticipantManager::set_channel_participant_status_impl and restrict_channel_participant,
DialogManager::can_pin_messages / set_dialog_title / set_dialog_permissions, DialogInviteLinkManager,
ForumTopicManager), whose messages the server words with fail_query_with_error (first letter lowered).
Refusals Telegram's servers give (CHAT_ADMIN_REQUIRED, USER_ADMIN_INVALID, RIGHT_FORBIDDEN) are as bots
report them. A refused call changes nothing. Where we could not confirm a word or a rule: UNCONFIRMED.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from . import members as m
from .errors import ApiError, bad_request, migrated, worded
from .members import InviteLink, JoinRequest, Member, Topic
from .methods import SEND_CHECKS, _message_id, delete_message, get_chat, send_message
from .other_stickers import stickers_of
from .params import Args, NotJson, to_integer, to_integer_safe
from .state import Account, Bot, Chat, Message
from .world import TelegramFake

READ, READ_MEMBERS, WRITE = "read", "read_members", "write"
MAX_TITLE = 128  # characters (TDLib's MAX_TITLE_LENGTH)
MAX_DESCRIPTION = 255
MAX_TOPIC_NAME = 128
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)  # the Bot API's documented icon colors
INVITE_PREFIX = "https://t.me/+"
SUBSCRIPTION_PERIOD = 2592000  # 30 days: the only period Telegram accepts (Bot API docs, createChatSubscriptionInviteLink)
_PLACE = {"group": "group chat", "supergroup": "supergroup chat", "channel": "channel chat"}


# ---- the chat, the user, the bot's rights -------------------------------------------------------------------

def target(fake: TelegramFake, bot: Bot, args: Args, access: str = WRITE) -> Chat:
    """Client::check_chat and check_chat_access: the chat by id or @username, then whether the bot may act."""
    raw = args.arg("chat_id")
    if not raw:
        raise bad_request("chat_id is empty")
    if raw.startswith("@"):
        found = [c for c in bot.chats.values()
                 if (c.person and c.person.username == raw[1:]) or (c.type != "private" and m.of(c).username == raw[1:])]
        chat = found[0] if found else None
    else:
        chat = bot.chats.get(to_integer(raw, 64))
    if chat is None:
        raise bad_request("chat not found")
    if chat.type == "private":
        if access == WRITE:
            return fake.chat_for_bot(bot, chat.id)
        return chat
    need_write = access == WRITE or (chat.type == "group" and access == READ_MEMBERS)
    if chat.type == "group" and chat.migrated_to is not None and need_write:
        raise migrated(chat.migrated_to)
    status = m.bot_member(fake, bot, chat)
    if chat.type == "group":
        if status.status == "kicked" and need_write:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if not status.present and need_write:
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return chat
    if status.status == "kicked":
        raise ApiError(403, f"Forbidden: bot was kicked from the {_PLACE[chat.type]}")
    if not status.present:  # a private supergroup or channel: even reading needs membership
        raise ApiError(403, f"Forbidden: bot is not a member of the {_PLACE[chat.type]}")
    return chat


def user_id(args: Args, name: str = "user_id") -> int:
    """Client::get_user_id: lenient, and a non-positive id is none."""
    found = max(to_integer(args.arg(name), 64), 0)
    if found == 0:
        raise bad_request(f"invalid {name} specified")
    return found


def account(fake: TelegramFake, found_id: int) -> Account:
    """A user Telegram knows; the fake knows everyone who ever wrote or was added (People)."""
    known = fake.accounts.get(found_id)
    if known is None:
        raise bad_request("user not found")
    return known


def status_of(fake: TelegramFake, bot: Bot, chat: Chat, found_id: int) -> Member:
    return m.bot_member(fake, bot, chat) if found_id == bot.account.id else m.member(fake, chat, found_id)


def bot_can(fake: TelegramFake, bot: Bot, chat: Chat, right: str) -> bool:
    """A right of the bot: only what it was granted as an administrator (TDLib: bots get nothing from the
    chat's default permissions)."""
    return m.bot_member(fake, bot, chat).right(right)


def _only_supergroups(chat: Chat) -> None:
    if chat.type != "supergroup":
        raise bad_request("method is available only for supergroups")


def _supergroup_or_channel(chat: Chat) -> None:
    if chat.type not in ("supergroup", "channel"):
        raise bad_request("method is available for supergroup and channel chats only")


# ---- members -------------------------------------------------------------------------------------------------

def get_chat_member(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    found = user_id(args)
    chat = target(fake, bot, args, READ if found == bot.account.id else READ_MEMBERS)
    user = account(fake, found)
    if chat.type == "private":
        status = Member("member") if found in (bot.account.id, chat.person.id) else Member("left")
        return status.to_api(user, chat.type)
    return status_of(fake, bot, chat, found).to_api(user, chat.type)


def get_chat_member_count(fake: TelegramFake, bot: Bot, args: Args) -> int:
    chat = target(fake, bot, args, READ_MEMBERS)
    if chat.type == "private":
        return 1 + (chat.person.id != bot.account.id)
    return m.member_count(fake, chat) + (bot.account.id not in chat.members and m.bot_member(fake, bot, chat).present)


def get_chat_administrators(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    chat = target(fake, bot, args, READ_MEMBERS)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [status.to_api(user, chat.type) for user, status in m.administrators(fake, bot, chat)]


def _until(fake: TelegramFake, args: Args) -> int:
    """until_date: 0 or outside 30 s .. 366 days from now means forever (Bot API docs, banChatMember)."""
    until = args.int32("until_date")
    now = int(fake.clock.time())
    return until if now + 30 <= until <= now + 366 * 86400 else 0


def _check_change(fake: TelegramFake, bot: Bot, chat: Chat, target_id: int, old: Member, new: Member,
                  right: str, refusal: str) -> None:
    """set_channel_participant_status_impl, then restrict_channel_participant / promote_channel_participant,
    then what Telegram's servers refuse."""
    if old.status == "creator":
        raise bad_request("can't remove chat owner")
    if target_id == bot.account.id:
        raise bad_request("can't restrict self" if new.status in ("restricted", "kicked") else "can't promote self")
    if not bot_can(fake, bot, chat, right):
        raise bad_request(refusal)
    if old.status == "administrator" and old.promoted_by != bot.account.id:
        raise bad_request("user is an administrator of the chat")  # USER_ADMIN_INVALID, as Client.cpp words it


def ban_chat_member(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    found = user_id(args)
    until = _until(fake, args)
    revoke = args.flag("revoke_messages")
    chat = target(fake, bot, args)
    if chat.type == "private":
        raise bad_request("can't ban members in private chats")  # TDLib's ban_dialog_participant
    user = account(fake, found)
    old = status_of(fake, bot, chat, found)
    if chat.type == "group":
        # DeleteChatUser: Telegram's servers refuse a bot that is no administrator (seen by bots as
        # CHAT_ADMIN_REQUIRED); an owner or another administrator cannot be removed (UNCONFIRMED: the words)
        if old.status == "creator":
            raise bad_request("can't remove chat owner")
        if m.bot_member(fake, bot, chat).status != "administrator":
            raise bad_request("CHAT_ADMIN_REQUIRED")
        if old.status == "administrator" and old.promoted_by != bot.account.id:
            raise bad_request("user is an administrator of the chat")
        new = Member("left")  # a basic group keeps no ban list: the user is removed (UNCONFIRMED)
    else:
        new = Member("kicked", until_date=until)
        if old == new:
            return True
        _check_change(fake, bot, chat, found, old, new, "can_restrict_members",
                      "not enough rights to restrict/unrestrict chat member")
    if old.present and chat.type != "channel":  # a channel shows no joins and leaves
        _service(fake, chat, bot.account, left_chat_member=user.to_api())
    m.set_status(fake, bot, chat, bot.account, user, new)
    if revoke:
        for message in chat.messages.values():
            if message.sender.id == found:
                message.deleted = True
    return True


def unban_chat_member(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    found = user_id(args)
    only_if_banned = args.flag("only_if_banned")
    chat = target(fake, bot, args)
    _supergroup_or_channel(chat)
    user = account(fake, found)
    old = status_of(fake, bot, chat, found)
    if only_if_banned and old.status != "kicked":
        return True
    new = Member("left")
    if old == new:
        return True
    _check_change(fake, bot, chat, found, old, new, "can_restrict_members",
                  "not enough rights to restrict/unrestrict chat member")
    m.set_status(fake, bot, chat, bot.account, user, new)  # a member who was not banned is removed (Bot API docs)
    return True


def _permissions(args: Args, legacy: bool) -> dict[str, bool]:
    """Client::get_chat_permissions: the JSON object, its implications unless use_independent_chat_permissions."""
    independent = args.flag("use_independent_chat_permissions")
    if not args.has("permissions"):
        if not legacy:
            return {name: False for name in m.PERMISSIONS}
        return {name: args.flag(name) for name in m.PERMISSIONS}
    try:
        value = args.json("permissions")
    except NotJson:
        raise bad_request("can't parse permissions JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("object expected as permissions")
    chosen: dict[str, bool] = {}
    for name in (*m.PERMISSIONS, "can_send_media_messages"):
        item = value.get(name, False)
        if not isinstance(item, bool):
            raise worded(f'Can\'t parse chat permissions: Field "{name}" must be of type Boolean')
        chosen[name] = item
    media = ("can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos", "can_send_video_notes",
             "can_send_voice_notes")
    if not any(name in value for name in media):
        for name in media:
            chosen[name] = chosen["can_send_media_messages"]
        if chosen["can_send_media_messages"] and not independent:
            chosen["can_send_messages"] = True
    if "can_manage_topics" not in value:
        chosen["can_manage_topics"] = chosen["can_pin_messages"]
    if "can_edit_tag" not in value:
        chosen["can_edit_tag"] = chosen["can_pin_messages"]
    if "can_react_to_messages" not in value:
        chosen["can_react_to_messages"] = chosen["can_send_messages"]
    if not independent:
        if chosen["can_send_other_messages"] or chosen["can_add_web_page_previews"]:
            chosen.update({name: True for name in media}, can_send_messages=True)
        if chosen["can_send_polls"]:
            chosen["can_send_messages"] = True
    return {name: chosen[name] for name in m.PERMISSIONS}


def restrict_chat_member(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    found = user_id(args)
    until = _until(fake, args)
    permissions = _permissions(args, legacy=True)
    chat = target(fake, bot, args)
    _only_supergroups(chat)
    user = account(fake, found)
    old = status_of(fake, bot, chat, found)
    is_member = old.present
    if all(permissions.values()) and not until:
        new = Member("member" if is_member else "left")  # no restriction left: an ordinary member
    else:
        new = Member("restricted", permissions=permissions, until_date=until, is_member=is_member)
    if old.status in ("member", "restricted"):
        new.custom_title = old.custom_title  # a member's tag stays with them
    if old == new:
        return True
    if old.status == "creator":
        raise bad_request("can't remove chat owner")
    if found == bot.account.id:
        raise bad_request("can't restrict self")
    _check_change(fake, bot, chat, found, old, new, "can_restrict_members",
                  "not enough rights to restrict/unrestrict chat member")
    m.set_status(fake, bot, chat, bot.account, user, new)
    return True


_PROMOTE_ARGS = tuple(name for name in m.RIGHT_NAMES) + ("is_anonymous",)


def promote_chat_member(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    found = user_id(args)
    rights = {name: args.flag(name) for name in _PROMOTE_ARGS}
    rights["can_manage_video_chats"] = rights["can_manage_video_chats"] or args.flag("can_manage_voice_chats")
    is_promotion = any(rights.values())
    chat = target(fake, bot, args)
    _supergroup_or_channel(chat)
    if chat.type == "channel" and is_promotion and not args.has("can_restrict_members"):
        rights["can_restrict_members"] = True  # process_promote_chat_member_query does this for channels
    user = account(fake, found)
    old = status_of(fake, bot, chat, found)
    if old.status == "creator":
        raise bad_request("can't remove chat owner")
    if found == bot.account.id:
        if is_promotion:
            raise bad_request("can't promote self")
        new = Member("member")
    else:
        if not bot_can(fake, bot, chat, "can_promote_members"):
            raise bad_request("not enough rights")
        mine = m.bot_member(fake, bot, chat)
        if old.status == "administrator" and old.promoted_by != bot.account.id:
            raise bad_request("CHAT_ADMIN_REQUIRED")  # an administrator someone else promoted (as bots report it)
        if any(on and not mine.right(name) for name, on in rights.items() if name != "is_anonymous"):
            raise bad_request("RIGHT_FORBIDDEN")  # a right the bot does not have itself (as bots report it)
        new = m.admin(rights, bot.account.id, bot.account.id) if is_promotion else Member(
            "member" if old.present else "left")
        if is_promotion:
            new.custom_title = old.custom_title if old.status == "administrator" else ""
    if old == new:
        return True
    m.set_status(fake, bot, chat, bot.account, user, new)
    return True


def set_chat_administrator_custom_title(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    found = user_id(args)
    chat = target(fake, bot, args)
    if chat.type not in ("group", "supergroup"):
        raise bad_request("method is available only for groups and supergroups")
    user = account(fake, found)
    old = status_of(fake, bot, chat, found)
    if old.status == "creator":
        raise bad_request("only the owner can edit their custom title")
    if old.status != "administrator":
        raise bad_request("user is not an administrator")
    if not old.rights.get("_can_be_edited"):
        raise bad_request("not enough rights to change custom title of the user")
    title = args.arg("custom_title")
    if len(title) > 16:
        raise bad_request("CUSTOM_TITLE_INVALID")  # RANK_INVALID as Client.cpp renames it (the 16-character cap: Bot API docs)
    if any(ord(c) > 0xFFFF or 0x1F300 <= ord(c) for c in title):
        raise bad_request("CUSTOM_TITLE_EMOJI_NOT_ALLOWED")  # RANK_EMOJI_NOT_ALLOWED as Client.cpp renames it
    new = Member(old.status, rights=dict(old.rights), custom_title=title, promoted_by=old.promoted_by)
    m.set_status(fake, bot, chat, bot.account, user, new)
    return True


def set_chat_member_tag(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """process_set_chat_member_tag_query, then TDLib's set_dialog_participant_rank; Telegram's servers refuse a
    bot without can_manage_tags, or an administrator's title it may not edit (RANK_CHANGE_FORBIDDEN, which
    Client.cpp renames TAG_CHANGE_FORBIDDEN for this method; the conditions: UNCONFIRMED)."""
    found = user_id(args)
    chat = target(fake, bot, args)
    if chat.type not in ("group", "supergroup"):
        raise bad_request("method is available only for groups and supergroups")
    user = account(fake, found)
    tag = args.arg("tag")
    old = status_of(fake, bot, chat, found)
    editable = old.status not in ("creator", "administrator") or old.rights.get("_can_be_edited")
    if not bot_can(fake, bot, chat, "can_manage_tags") or not editable:
        raise bad_request("TAG_CHANGE_FORBIDDEN")
    if len(tag) > 16:
        raise bad_request("TAG_INVALID")  # RANK_INVALID renamed (UNCONFIRMED: the 16-character cap for tags)
    if old.custom_title == tag:
        return True
    m.set_status(fake, bot, chat, bot.account, user, replace(old, custom_title=tag, rights=dict(old.rights),
                                                             permissions=dict(old.permissions)))
    return True


def _sender_chat(fake: TelegramFake, bot: Bot, args: Args) -> int:
    """Client::check_chat_no_fail's words for sender_chat_id."""
    raw = args.arg("sender_chat_id")
    if not raw:
        raise bad_request("sender_chat_id is empty")
    found = to_integer_safe(raw, 64)
    if found is None:
        raise bad_request("sender_chat_id is not a valid Integer")
    return found


def ban_chat_sender_chat(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    until = args.int32("until_date")
    chat = target(fake, bot, args)
    sender = _sender_chat(fake, bot, args)
    if chat.type == "private":
        raise bad_request("can't ban members in private chats")
    if chat.type == "group":
        raise bad_request("can't ban chats in basic groups")
    if not bot_can(fake, bot, chat, "can_restrict_members"):
        raise bad_request("not enough rights to restrict/unrestrict chat member")
    m.of(chat).banned_chats[sender] = max(until, 0)
    return True


def unban_chat_sender_chat(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat = target(fake, bot, args)
    sender = _sender_chat(fake, bot, args)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    if chat.type == "group":
        raise bad_request("chats can't be members of basic groups")  # set_dialog_participant_status
    if not bot_can(fake, bot, chat, "can_restrict_members"):
        raise bad_request("not enough rights to restrict/unrestrict chat member")
    m.of(chat).banned_chats.pop(sender, None)
    return True


def set_chat_permissions(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    permissions = _permissions(args, legacy=False)
    chat = target(fake, bot, args)
    if chat.type == "private":
        raise bad_request("can't change private chat permissions")
    if chat.type == "channel":
        raise bad_request("can't change channel chat permissions")
    if not bot_can(fake, bot, chat, "can_restrict_members"):
        raise bad_request("not enough rights to change chat permissions")
    state = m.of(chat)
    if state.permissions == permissions:
        raise bad_request("CHAT_NOT_MODIFIED")  # Telegram's servers refuse an unchanged set (as bots report it)
    state.permissions = permissions
    return True


def leave_chat(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat = target(fake, bot, args, READ)
    if chat.type == "private":
        raise bad_request("can't leave private chats")  # DialogParticipantManager::leave_dialog
    status = m.bot_member(fake, bot, chat)
    if not status.present:
        if chat.type == "group":
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return True
    m.set_status(fake, bot, chat, bot.account, bot.account, Member("left"))
    if chat.type != "channel":
        _service(fake, chat, bot.account, left_chat_member=bot.account.to_api())
    return True


# ---- the chat's title, description, photo ---------------------------------------------------------------------

def _info_rights(fake: TelegramFake, bot: Bot, chat: Chat, refusal: str) -> None:
    if chat.type == "private":
        raise bad_request({"title": "can't change private chat title", "photo": "can't change private chat photo",
                           "description": "can't change private chat description"}[refusal])  # DialogManager
    if not bot_can(fake, bot, chat, "can_change_info"):
        words = {"title": "not enough rights to change chat title", "photo": "not enough rights to change chat photo",
                 "description": "not enough rights to set chat description"}
        raise bad_request(words[refusal])


def set_chat_title(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    title = args.arg("title")
    chat = target(fake, bot, args)
    cleaned = " ".join(title.split())[:MAX_TITLE]
    if not cleaned:
        raise bad_request("title must be non-empty")
    _info_rights(fake, bot, chat, "title")
    if cleaned == chat.title:
        return True
    chat.title = cleaned
    _service(fake, chat, bot.account, new_chat_title=cleaned)
    return True


def set_chat_description(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    description = args.arg("description").strip()[:MAX_DESCRIPTION]
    chat = target(fake, bot, args)
    _info_rights(fake, bot, chat, "description")
    state = m.of(chat)
    if state.description == description:
        raise bad_request("chat description is not modified")  # CHAT_ABOUT_NOT_MODIFIED, as Client.cpp words it
    state.description = description
    return True


def set_chat_photo(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """process_set_chat_photo_query: the photo must be an uploaded file. The fake keeps only that there is one."""
    if _upload(args, "photo") is None:
        if not args.arg("photo"):
            raise bad_request("there is no photo in the request")
        raise bad_request("photo must be uploaded as an InputFile")  # a file_id or URL will not do
    chat = target(fake, bot, args)
    _info_rights(fake, bot, chat, "photo")
    serial = fake.ids.sequence(f"chat-photo:{chat.id}")
    small, big = (f"AQADAgAD{abs(chat.id)}{serial}{size}" for size in ("a", "b"))
    m.of(chat).photo = {"small_file_id": small, "small_file_unique_id": f"AQAD{serial}a",
                        "big_file_id": big, "big_file_unique_id": f"AQAD{serial}b"}
    return True


def _upload(args: Args, name: str):
    """A multipart file part sent as `name` (or named by "attach://…"): Args.files, which the media family's
    params.py keeps (absent before it, then nothing counts as uploaded)."""
    files = getattr(args, "files", None) or {}
    raw = args.arg(name)
    return files.get(name) or (files.get(raw[9:]) if raw.startswith("attach://") else None)


def delete_chat_photo(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat = target(fake, bot, args)
    _info_rights(fake, bot, chat, "photo")
    state = m.of(chat)
    if state.photo is None:
        raise bad_request("CHAT_NOT_MODIFIED")  # no photo to delete (as bots report it)
    state.photo = None
    return True


# ---- pins ------------------------------------------------------------------------------------------------------

def _pin_rights(fake: TelegramFake, bot: Bot, chat: Chat) -> None:
    """DialogManager::can_pin_messages: in a channel the right to edit messages, elsewhere to pin."""
    if chat.type == "private":
        return
    right = "can_edit_messages" if chat.type == "channel" else "can_pin_messages"
    if not bot_can(fake, bot, chat, right):
        raise bad_request("not enough rights to manage pinned messages in the chat")


def _live_pins(chat: Chat) -> list[int]:
    state = m.of(chat)
    state.pinned = [i for i in state.pinned if i in chat.messages and not chat.messages[i].deleted]
    return state.pinned


def pin_chat_message(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    if args.arg("business_connection_id"):
        raise bad_request("business connection not found")
    message_id = _message_id(args)
    chat = target(fake, bot, args)
    message = chat.messages.get(message_id) if message_id else None
    if message is None or message.deleted:
        raise bad_request("message to pin not found")
    _pin_rights(fake, bot, chat)
    pins = _live_pins(chat)
    if pins and pins[-1] == message_id:
        raise bad_request("CHAT_NOT_MODIFIED")  # the newest pin pinned again (UNCONFIRMED: as bots report it)
    if message_id in pins:
        pins.remove(message_id)
    pins.append(message_id)
    _service(fake, chat, bot.account, pinned_message=message.to_api(with_reply=False))
    return True


def unpin_chat_message(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    if args.arg("business_connection_id"):
        raise bad_request("business connection not found")
    message_id = _message_id(args)
    chat = target(fake, bot, args)
    pins = _live_pins(chat)
    if message_id == 0:  # TdOnGetChatPinnedMessageToUnpinCallback: the newest pin, or an error if none
        if not pins:  # TdOnGetChatPinnedMessageToUnpinCallback's words
            raise bad_request("message to unpin not found")
        _pin_rights(fake, bot, chat)
        pins.pop()
        return True
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to unpin not found")
    _pin_rights(fake, bot, chat)
    if message_id in pins:
        pins.remove(message_id)
    return True


def unpin_all_chat_messages(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat = target(fake, bot, args)
    _pin_rights(fake, bot, chat)
    m.of(chat).pinned.clear()
    return True


# ---- deleting others' messages ---------------------------------------------------------------------------------

def delete_chat_message(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """deleteMessage with the rights Telegram checks in groups and channels (Bot API docs, deleteMessage): the
    bot deletes its own messages; others' only as an administrator of a basic group, or with
    can_delete_messages in a supergroup or channel; in a channel its own posts need can_post_messages."""
    raw = args.arg("chat_id")
    chat = bot.chats.get(to_integer(raw, 64)) if raw and not raw.startswith("@") else None
    message_id = _message_id(args)
    if chat is not None and chat.type != "private" and message_id:
        message = chat.messages.get(message_id)
        if message is not None and not message.deleted and m.bot_member(fake, bot, chat).present:
            mine = message.sender.id == bot.account.id
            status = m.bot_member(fake, bot, chat)
            if chat.type == "group":
                allowed = mine or status.status == "administrator"
            elif chat.type == "channel":
                allowed = status.right("can_delete_messages") or (mine and status.right("can_post_messages"))
            else:
                allowed = mine or status.right("can_delete_messages")
            if not allowed or message.service.get("forum_topic_created") is not None:
                raise bad_request("message can't be deleted")  # MESSAGE_DELETE_FORBIDDEN, as Client.cpp words it
    return delete_message(fake, bot, args)


def _channel_send_check(fake: TelegramFake, bot: Bot, chat: Chat) -> None:
    """DialogManager::can_send_message_to_dialog: posting in a channel needs can_post_messages."""
    if chat.type == "channel" and not bot_can(fake, bot, chat, "can_post_messages"):
        raise bad_request("need administrator rights in the channel chat")


SEND_CHECKS.append(_channel_send_check)


# ---- invite links and join requests -----------------------------------------------------------------------------

def _link_rights(fake: TelegramFake, bot: Bot, chat: Chat) -> None:
    if chat.type == "private":
        raise bad_request("can't invite members to a private chat")
    if not bot_can(fake, bot, chat, "can_invite_users"):
        raise bad_request("not enough rights to manage chat invite link")


def _new_link(fake: TelegramFake, bot: Bot, chat: Chat, **fields) -> InviteLink:
    link = InviteLink(INVITE_PREFIX + fake.ids.token("", 16), bot.account.id, **fields)
    links = m.of(chat).links
    links[link.invite_link] = link
    while len(links) > m.MAX_TOPICS_KEPT:  # bounded: the oldest links go first
        links.pop(next(iter(links)))
    return link


def _pending(chat: Chat, link: InviteLink) -> int:
    return sum(1 for r in m.of(chat).requests.values() if r.link == link.invite_link)


def export_chat_invite_link(fake: TelegramFake, bot: Bot, args: Args) -> str:
    chat = target(fake, bot, args)
    _link_rights(fake, bot, chat)
    for link in m.of(chat).links.values():
        if link.is_primary and link.creator_id == bot.account.id:
            link.is_primary, link.is_revoked = False, True  # replacePrimaryChatInviteLink
    return _new_link(fake, bot, chat, is_primary=True).invite_link


def _link_fields(fake: TelegramFake, args: Args) -> dict:
    name = args.arg("name")
    if len(name) > 32:
        raise bad_request("invite link name is too long")  # UNCONFIRMED words; the limit is the Bot API's 32
    fields = {"name": name, "expire_date": max(args.int32("expire_date"), 0),
              "member_limit": min(max(args.int32("member_limit"), 0), 100000),
              "creates_join_request": args.flag("creates_join_request")}
    if fields["creates_join_request"] and fields["member_limit"]:
        raise bad_request("member limit can't be specified for links requiring administrator approval")
    return fields


def create_chat_invite_link(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    fields = _link_fields(fake, args)
    chat = target(fake, bot, args)
    _link_rights(fake, bot, chat)
    return _new_link(fake, bot, chat, **fields).to_api(fake)


def _existing_link(fake: TelegramFake, bot: Bot, chat: Chat, args: Args) -> InviteLink:
    raw = args.arg("invite_link")
    if not raw:
        raise bad_request("invite link must be non-empty")
    link = m.of(chat).links.get(raw)
    if link is None:
        raise bad_request("INVITE_HASH_EXPIRED")  # an unknown link, as bots report Telegram's answer
    if link.creator_id != bot.account.id:
        raise bad_request("CHAT_ADMIN_REQUIRED")  # UNCONFIRMED: another administrator's link
    return link


def edit_chat_invite_link(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    fields = _link_fields(fake, args)
    chat = target(fake, bot, args)
    _link_rights(fake, bot, chat)
    link = _existing_link(fake, bot, chat, args)
    if link.is_revoked:
        raise bad_request("INVITE_HASH_EXPIRED")  # a revoked link (as bots report it)
    for key, value in fields.items():
        setattr(link, key, value)
    return link.to_api(fake, _pending(chat, link))


def revoke_chat_invite_link(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    chat = target(fake, bot, args)
    _link_rights(fake, bot, chat)
    link = _existing_link(fake, bot, chat, args)
    if link.is_primary:  # revoking the primary link makes a new one (Bot API docs)
        link.is_primary = False
        _new_link(fake, bot, chat, is_primary=True)
    link.is_revoked = True
    return link.to_api(fake, _pending(chat, link))


def create_chat_subscription_invite_link(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    name = args.arg("name")
    period = min(max(args.int32("subscription_period"), 0), 1000000000)
    price = min(max(args.int32("subscription_price"), 0), 1000000)
    chat = target(fake, bot, args)
    if chat.type != "channel":
        raise bad_request("CHAT_TYPE_INVALID")  # UNCONFIRMED: subscription links are for channels only
    _link_rights(fake, bot, chat)
    if period != SUBSCRIPTION_PERIOD or not 1 <= price <= 10000:
        raise bad_request("invalid subscription pricing specified")
    return _new_link(fake, bot, chat, name=name, subscription_period=period, subscription_price=price).to_api(fake)


def edit_chat_subscription_invite_link(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    name = args.arg("name")
    chat = target(fake, bot, args)
    _link_rights(fake, bot, chat)
    link = _existing_link(fake, bot, chat, args)
    link.name = name
    return link.to_api(fake, _pending(chat, link))


def _request(fake: TelegramFake, bot: Bot, args: Args) -> tuple[Chat, Account, JoinRequest]:
    found = user_id(args)
    chat = target(fake, bot, args)
    user = account(fake, found)
    if chat.type == "private":
        raise bad_request("the chat can't have join requests")
    if not bot_can(fake, bot, chat, "can_invite_users"):
        raise bad_request("not enough rights to manage chat join requests")
    request = m.of(chat).requests.get(found)
    if request is None and m.member(fake, chat, found).present:
        raise bad_request("USER_ALREADY_PARTICIPANT")  # as bots report approving someone already in
    if request is None:
        raise bad_request("HIDE_REQUESTER_MISSING")  # as bots report a request already handled or never made
    return chat, user, request


def approve_chat_join_request(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat, user, request = _request(fake, bot, args)
    del m.of(chat).requests[user.id]
    link = m.of(chat).links.get(request.link) if request.link else None
    join(fake, bot, chat, user, actor=bot.account, link=link, via_join_request=True)
    return True


def decline_chat_join_request(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat, user, _ = _request(fake, bot, args)
    del m.of(chat).requests[user.id]
    return True


# ---- forum topics ----------------------------------------------------------------------------------------------

def _forum(fake: TelegramFake, bot: Bot, args: Args) -> Chat:
    chat = target(fake, bot, args)
    if chat.type != "supergroup" or not m.of(chat).is_forum:
        raise bad_request("the chat is not a forum")
    return chat


def _topic(chat: Chat, args: Args) -> Topic:
    thread = to_integer(args.arg("message_thread_id"))
    if thread <= 0:
        raise bad_request("invalid forum topic identifier specified")
    topic = m.of(chat).topics.get(thread)
    if topic is None:
        raise bad_request("TOPIC_ID_INVALID")  # an unknown topic, as bots report Telegram's answer
    return topic


def _topic_name(raw: str, required: bool) -> str:
    name = " ".join(raw.split())[:MAX_TOPIC_NAME]
    if required and not name:
        raise bad_request("name must be non-empty")
    return name


def create_forum_topic(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    raw_name = args.arg("name")
    color = args.int32("icon_color")
    emoji = args.arg("icon_custom_emoji_id")
    chat = _forum(fake, bot, args)
    if not bot_can(fake, bot, chat, "can_manage_topics"):
        raise bad_request("not enough rights to create a topic")
    name = _topic_name(raw_name, True)
    if color and color not in TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")  # UNCONFIRMED words; the colors are the documented ones
    color = color or TOPIC_COLORS[0]
    created = {"name": name, "icon_color": color}
    if emoji and to_integer(emoji, 64):
        created["icon_custom_emoji_id"] = emoji
    message = _service(fake, chat, bot.account, forum_topic_created=created)
    message.content.update(message_thread_id=message.message_id, is_topic_message=True)
    topic = Topic(message.message_id, name, color, created.get("icon_custom_emoji_id", ""), creator_id=bot.account.id)
    topics = m.of(chat).topics
    topics[topic.message_thread_id] = topic
    while len(topics) > m.MAX_TOPICS_KEPT:
        topics.pop(next(iter(topics)))
    return topic.to_api()


def _topic_rights(fake: TelegramFake, bot: Bot, chat: Chat, topic: Topic | None, refusal: str) -> None:
    if not bot_can(fake, bot, chat, "can_manage_topics") and (topic is None or topic.creator_id != bot.account.id):
        raise bad_request(refusal)


def edit_forum_topic(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    raw_name = args.arg("name")
    chat = _forum(fake, bot, args)
    topic = _topic(chat, args)
    _topic_rights(fake, bot, chat, topic, "not enough rights to edit the topic")
    edited: dict[str, Any] = {}
    if raw_name and _topic_name(raw_name, True) != topic.name:
        edited["name"] = _topic_name(raw_name, True)
    if args.has("icon_custom_emoji_id") and args.arg("icon_custom_emoji_id") != topic.icon_custom_emoji_id:
        edited["icon_custom_emoji_id"] = args.arg("icon_custom_emoji_id")
    if (raw_name or args.has("icon_custom_emoji_id")) and not edited:
        raise bad_request("TOPIC_NOT_MODIFIED")  # the same name and icon again (as bots report it)
    topic.name = edited.get("name", topic.name)
    topic.icon_custom_emoji_id = edited.get("icon_custom_emoji_id", topic.icon_custom_emoji_id)
    if edited:
        _topic_service(fake, bot, chat, topic.message_thread_id, forum_topic_edited=edited)
    return True


def _toggle_topic(closed: bool) -> Callable:
    def handler(fake: TelegramFake, bot: Bot, args: Args) -> bool:
        chat = _forum(fake, bot, args)
        topic = _topic(chat, args)
        _topic_rights(fake, bot, chat, topic, "not enough rights to close or open the topic")
        if topic.closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")  # e.g. reopening an open topic (as bots report it)
        topic.closed = closed
        _topic_service(fake, bot, chat, topic.message_thread_id,
                       **({"forum_topic_closed": {}} if closed else {"forum_topic_reopened": {}}))
        return True
    handler.__name__ = "close_forum_topic" if closed else "reopen_forum_topic"
    return handler


def delete_forum_topic(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat = _forum(fake, bot, args)
    topic = _topic(chat, args)
    if not bot_can(fake, bot, chat, "can_delete_messages") and topic.creator_id != bot.account.id:
        raise bad_request("not enough rights to delete the topic")
    del m.of(chat).topics[topic.message_thread_id]
    for message in chat.messages.values():
        if message.content.get("message_thread_id") == topic.message_thread_id:
            message.deleted = True
    return True


def unpin_all_forum_topic_messages(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat = _forum(fake, bot, args)
    topic = _topic(chat, args)
    _pin_rights(fake, bot, chat)
    state = m.of(chat)
    state.pinned = [i for i in _live_pins(chat)
                    if chat.messages[i].content.get("message_thread_id") != topic.message_thread_id]
    return True


def _general(change: Callable[[m.ChatState, Args], dict | None], refusal: str) -> Callable:
    def handler(fake: TelegramFake, bot: Bot, args: Args) -> bool:
        chat = _forum(fake, bot, args)
        if not bot_can(fake, bot, chat, "can_manage_topics"):
            raise bad_request(refusal)
        service = change(m.of(chat), args)
        if service:
            _service(fake, chat, bot.account, **service)
        return True
    return handler


def _edit_general(state: m.ChatState, args: Args) -> dict:
    state.general_name = _topic_name(args.arg("name"), True)
    return {"forum_topic_edited": {"name": state.general_name}}


def _set_general(attribute: str, value: bool, service: str) -> Callable:
    def change(state: m.ChatState, args: Args) -> dict:
        if getattr(state, attribute) == value:
            raise bad_request("TOPIC_NOT_MODIFIED")  # as bots report it for the General topic too (UNCONFIRMED)
        setattr(state, attribute, value)
        if attribute == "general_hidden" and value:
            state.general_closed = True  # hiding the General topic closes it (Bot API docs)
        return {service: {}}
    return change


def unpin_all_general_forum_topic_messages(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat = _forum(fake, bot, args)
    _pin_rights(fake, bot, chat)
    state = m.of(chat)
    state.pinned = [i for i in _live_pins(chat) if "message_thread_id" in chat.messages[i].content]
    return True


def get_forum_topic_icon_stickers(fake: TelegramFake, bot: Bot, args: Args) -> list:
    return []  # the fake keeps no sticker sets: Telegram's default icons are not modelled (a well-typed answer)


def topic_for_send(fake: TelegramFake, bot: Bot, args: Args) -> int:
    """Client::check_message_topic: a message_thread_id in a forum names an open topic (the General topic is
    none of them); elsewhere it is left to the send. 0 for no topic."""
    thread = max(to_integer(args.arg("message_thread_id")), 0)
    if not thread:
        return 0
    chat = target(fake, bot, args)
    if chat.type != "supergroup" or not m.of(chat).is_forum:
        return 0
    topic = m.of(chat).topics.get(thread)
    if topic is None:
        raise bad_request("message thread not found")
    if topic.closed and not bot_can(fake, bot, chat, "can_manage_topics"):
        raise bad_request("TOPIC_CLOSED")  # as bots report a closed topic
    return thread


def in_topic(chat: Chat, message_id: int, thread: int) -> dict:
    """The sent message placed in its topic: message_thread_id, is_topic_message, and (unless it replies to
    something else) a reply to the topic's first message, as Telegram shows a topic's messages."""
    message = chat.messages[message_id]
    message.content.update(message_thread_id=thread, is_topic_message=True)
    if message.reply_to is None:
        message.reply_to = chat.messages.get(thread)
    return message.to_api()


def send_message_in_topic(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """sendMessage with message_thread_id in a forum (methods.send_message does the rest)."""
    thread = topic_for_send(fake, bot, args) if args.arg("message_thread_id") else 0
    sent = send_message(fake, bot, args)
    if not thread:
        return sent
    return in_topic(target(fake, bot, args), sent["message_id"], thread)


# ---- getChat --------------------------------------------------------------------------------------------------

def get_chat_full(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """getChat: methods.get_chat for private chats; a group's ChatFullInfo with what this family keeps
    (JsonChat with is_full: description, invite_link, pinned_message, permissions, photo, is_forum)."""
    raw = args.arg("chat_id")
    if raw.startswith("@") and any(c.type != "private" and m.of(c).username == raw[1:] for c in bot.chats.values()):
        chat = target(fake, bot, args, READ)
    else:
        chat = bot.chats.get(to_integer(raw, 64)) if raw and not raw.startswith("@") else None
        if chat is None or chat.type == "private":
            return get_chat(fake, bot, args)
        chat = target(fake, bot, args, READ)
    info = chat.full_info()
    state = m.of(chat)
    if state.is_forum:
        info["is_forum"] = True
    if state.photo:
        info["photo"] = dict(state.photo)
    if state.description:
        info["description"] = state.description
    primary = [link for link in state.links.values() if link.is_primary and not link.is_revoked]
    if primary:
        info["invite_link"] = primary[-1].invite_link
    pins = _live_pins(chat)
    if pins:
        info["pinned_message"] = chat.messages[pins[-1]].to_api(with_reply=False)
    if chat.type in ("group", "supergroup"):
        info["permissions"] = dict(state.permissions)
    if state.join_by_request:
        info["join_by_request"] = True
    if chat.type == "supergroup":
        if state.sticker_set_name:
            info["sticker_set_name"] = state.sticker_set_name
        info["can_set_sticker_set"] = bot_can(fake, bot, chat, "can_change_info")
    return info


# ---- a supergroup's sticker set ----------------------------------------------------------------------------------

def _sticker_set_chat(fake: TelegramFake, bot: Bot, args: Args) -> Chat:
    chat = target(fake, bot, args)
    if chat.type != "supergroup":
        raise bad_request("method is available only for supergroups")  # process_set_chat_sticker_set_query
    return chat


def _may_change_sticker_set(fake: TelegramFake, bot: Bot, chat: Chat) -> None:
    if not bot_can(fake, bot, chat, "can_change_info"):
        raise bad_request("CHAT_ADMIN_REQUIRED")  # UNCONFIRMED: TDLib's words without can_change_info


def set_chat_sticker_set(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """setChatStickerSet: Client.cpp checks the chat, that it is a supergroup, then resolves the set by name
    ("sticker_set_name is empty"; a name nobody made: STICKERSET_INVALID, UNCONFIRMED); TDLib then needs
    can_change_info. The fake knows the sets bots made (other_stickers)."""
    chat = _sticker_set_chat(fake, bot, args)
    name = args.arg("sticker_set_name")
    if not name:
        raise bad_request("sticker_set_name is empty")
    sticker_set = stickers_of(fake).sets.get(name.strip().lower())
    if sticker_set is None:
        raise bad_request("STICKERSET_INVALID")
    _may_change_sticker_set(fake, bot, chat)
    m.of(chat).sticker_set_name = sticker_set.name
    return True


def delete_chat_sticker_set(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    chat = _sticker_set_chat(fake, bot, args)
    _may_change_sticker_set(fake, bot, chat)
    m.of(chat).sticker_set_name = ""
    return True


# ---- what people (and the bot) cause in a chat: joins, leaves, service messages ------------------------------------

def _service(fake: TelegramFake, chat: Chat, actor: Account, **service) -> Message:
    """A service message in the chat (pinned_message, new_chat_members, forum_topic_created, …). In a channel it
    is sent on behalf of the channel (state.Message shows sender_chat there)."""
    return fake.post(chat, actor, None, **service)


def _topic_service(fake: TelegramFake, bot: Bot, chat: Chat, thread: int, **service) -> Message:
    message = _service(fake, chat, bot.account, **service)
    message.content.update(message_thread_id=thread, is_topic_message=True)
    return message


def join(fake: TelegramFake, bot: Bot, chat: Chat, user: Account, actor: Account | None = None,
         link: InviteLink | None = None, via_join_request: bool = False) -> dict | None:
    """`user` is in the chat now (joined, added by `actor`, or approved): the chat_member update, and in groups
    the new_chat_members service message, which the bot sees whatever its privacy mode."""
    old = m.member(fake, chat, user.id)
    if old.present:
        raise ValueError(f"user {user.id} is already in chat {chat.id}")
    if old.status == "kicked" and actor is None:
        raise ValueError(f"user {user.id} is banned from chat {chat.id}")
    new = Member("member") if old.status != "restricted" else Member(
        "restricted", permissions=dict(old.permissions), until_date=old.until_date, is_member=True)
    update = m.set_status(fake, bot, chat, actor or user, user, new, invite_link=link,
                          via_join_request=via_join_request)
    if link is not None:
        link.joined += 1
    if chat.type != "channel":
        message = _service(fake, chat, actor or user, new_chat_members=[user.to_api()])
        if m.bot_member(fake, bot, chat).present:
            fake.enqueue(bot, "message", message.to_api())
    return update


def leave(fake: TelegramFake, bot: Bot, chat: Chat, user: Account) -> dict | None:
    old = m.member(fake, chat, user.id)
    if not old.present:
        raise ValueError(f"user {user.id} is not in chat {chat.id}")
    if old.status == "creator":
        raise ValueError("the owner cannot leave in the lab (Telegram would pass the chat on)")
    new = Member("left") if old.status != "restricted" else Member(
        "restricted", permissions=dict(old.permissions), until_date=old.until_date, is_member=False)
    update = m.set_status(fake, bot, chat, user, user, new)
    if chat.type != "channel":
        message = _service(fake, chat, user, left_chat_member=user.to_api())
        if m.bot_member(fake, bot, chat).present:
            fake.enqueue(bot, "message", message.to_api())
    return update


METHODS: dict[str, Callable] = {
    "setChatStickerSet": set_chat_sticker_set, "deleteChatStickerSet": delete_chat_sticker_set,
    "getChatMember": get_chat_member, "getChatMemberCount": get_chat_member_count,
    "getChatAdministrators": get_chat_administrators, "banChatMember": ban_chat_member,
    "unbanChatMember": unban_chat_member, "restrictChatMember": restrict_chat_member,
    "promoteChatMember": promote_chat_member, "setChatAdministratorCustomTitle": set_chat_administrator_custom_title,
    "banChatSenderChat": ban_chat_sender_chat, "unbanChatSenderChat": unban_chat_sender_chat,
    "setChatMemberTag": set_chat_member_tag, "setChatPermissions": set_chat_permissions, "leaveChat": leave_chat, "setChatTitle": set_chat_title,
    "setChatDescription": set_chat_description, "setChatPhoto": set_chat_photo, "deleteChatPhoto": delete_chat_photo,
    "pinChatMessage": pin_chat_message, "unpinChatMessage": unpin_chat_message,
    "unpinAllChatMessages": unpin_all_chat_messages, "deleteMessage": delete_chat_message,
    "exportChatInviteLink": export_chat_invite_link, "createChatInviteLink": create_chat_invite_link,
    "editChatInviteLink": edit_chat_invite_link, "revokeChatInviteLink": revoke_chat_invite_link,
    "createChatSubscriptionInviteLink": create_chat_subscription_invite_link,
    "editChatSubscriptionInviteLink": edit_chat_subscription_invite_link,
    "approveChatJoinRequest": approve_chat_join_request, "declineChatJoinRequest": decline_chat_join_request,
    "createForumTopic": create_forum_topic, "editForumTopic": edit_forum_topic,
    "closeForumTopic": _toggle_topic(True), "reopenForumTopic": _toggle_topic(False),
    "deleteForumTopic": delete_forum_topic, "unpinAllForumTopicMessages": unpin_all_forum_topic_messages,
    "editGeneralForumTopic": _general(_edit_general, "not enough rights to edit the topic"),
    "closeGeneralForumTopic": _general(_set_general("general_closed", True, "forum_topic_closed"),
                                       "not enough rights to close or open the topic"),
    "reopenGeneralForumTopic": _general(_set_general("general_closed", False, "forum_topic_reopened"),
                                        "not enough rights to close or open the topic"),
    "hideGeneralForumTopic": _general(_set_general("general_hidden", True, "general_forum_topic_hidden"),
                                      "not enough rights to close or open the topic"),
    "unhideGeneralForumTopic": _general(_set_general("general_hidden", False, "general_forum_topic_unhidden"),
                                        "not enough rights to close or open the topic"),
    "unpinAllGeneralForumTopicMessages": unpin_all_general_forum_topic_messages,
    "getForumTopicIconStickers": get_forum_topic_icon_stickers, "getChat": get_chat_full,
    "sendMessage": send_message_in_topic,
}

from . import chats_people  # noqa: F401  (registers the control routes: people joining, posting, …)
