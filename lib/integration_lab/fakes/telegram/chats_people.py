"""What people do in groups, supergroups and channels, through the control API (/_lab/...): create a chat, add
the bot and make it an administrator, join (by invite link too), ask to join, leave, promote or ban someone,
post in a channel, open a forum topic and write in it. Each action checks what a Telegram app would allow and
raises ValueError (400) otherwise, LookupError (404) for a chat the bot does not know.

The bot hears of each change as Telegram tells it: my_chat_member for itself, chat_member for others (only when
allowed_updates asks), chat_join_request, and the service messages (new_chat_members, left_chat_member,
forum_topic_created), which a bot receives whatever its privacy mode (Telegram's "Privacy mode" docs: "all
service messages", "all messages from channels where they are a member"). Ordinary group messages go through
People._bot_sees, the privacy mode the lab keeps.
"""

from __future__ import annotations

from typing import Any

from . import members as m
from .chats_methods import INVITE_PREFIX, _service, join, leave
from .control_routes import route
from .formatting import command_entities
from .members import InviteLink, JoinRequest, Member
from .simulate import People
from .state import Account, Chat
from .world import TelegramFake

_SUPERGROUP_BASE = -1_000_000_000_000
BOT_STATUSES = ("member", "administrator", "left", "kicked")
PERSON_STATUSES = ("member", "administrator", "restricted", "kicked", "left")


def _text(data: dict, name: str = "text") -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'"{name}" must be a non-empty string')
    return value


def _rights(data: dict, name: str, allowed: tuple[str, ...]) -> dict[str, bool]:
    value = data.get(name) or {}
    if not isinstance(value, dict) or any(k not in allowed or type(v) is not bool for k, v in value.items()):
        raise ValueError(f'"{name}" must map some of {", ".join(allowed)} to true or false')
    return value


def _chat(people: People, chat_id: int) -> Chat:
    chat = people._chat(chat_id)
    if chat.type == "private":
        raise ValueError(f"chat {chat_id} is a private chat")
    if chat.migrated_to is not None:
        raise ValueError(f"chat {chat_id} was upgraded to {chat.migrated_to}")
    return chat


def _manager(fake: TelegramFake, people: People, chat: Chat, actor: Account, right: str) -> None:
    """Only the owner, or an administrator with `right`, does this in the apps."""
    status = m.member(fake, chat, actor.id)
    if not status.right(right):
        raise ValueError(f"user {actor.id} is not the owner or an administrator with {right} in chat {chat.id}")


def _bot_sees(people: People, chat: Chat, message) -> bool:
    """Service messages and channel posts always reach a member bot; other messages go through privacy mode."""
    if not m.bot_member(people.fake, people.bot, chat).present:
        return False
    if message.text is None or chat.type == "channel":
        return True
    return people._bot_sees(chat, message)


@route("POST", r"^/_lab/chats$")
def create_chat(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """A person creates a group, supergroup (optionally a forum) or channel, with the bot in it as a member or
    an administrator (or not yet: "bot": "none")."""
    kind = data.get("type", "group")
    if kind not in ("group", "supergroup", "channel"):
        raise ValueError('"type" must be "group", "supergroup" or "channel"')
    title = _text(data, "title")
    owner = fake.person(data.get("from"))
    others = [fake.person(u) for u in data.get("members", [])]
    chat_id = data.get("chat_id")
    if chat_id is None:
        chat_id = -fake.ids.integer(1_000_000_000, 4_999_999_999)
        if kind != "group":
            chat_id += _SUPERGROUP_BASE
    if type(chat_id) is not int or not -(1 << 52) < chat_id < 0 or chat_id in people.bot.chats:
        raise ValueError("a new chat needs an unused negative id")
    bot_status = data.get("bot", "member" if kind != "channel" else "administrator")
    if bot_status not in ("member", "administrator", "none"):
        raise ValueError('"bot" must be "member", "administrator" or "none"')
    if kind == "channel" and bot_status == "member":
        raise ValueError("a bot can only be an administrator of a channel")
    is_forum = data.get("is_forum", False)
    if is_forum is not False and (is_forum is not True or kind != "supergroup"):
        raise ValueError('"is_forum" is true only for a supergroup')
    username = data.get("username", "")
    if not isinstance(username, str):
        raise ValueError('"username" must be a string')
    join_by_request = data.get("join_by_request", False)
    if join_by_request is not False and (join_by_request is not True or kind == "group"):
        raise ValueError('"join_by_request" is true only for a supergroup or channel')
    chat = Chat(chat_id, kind, title=title.strip(), members={owner.id, *(u.id for u in others)})
    state = m.of(chat)
    state.owner, state.is_forum, state.username = owner.id, is_forum, username.lstrip("@")
    state.join_by_request = join_by_request
    if state.username:
        chat.public["username"] = state.username
    if is_forum:
        chat.public["is_forum"] = True
    state.members[owner.id] = Member("creator")
    state.members[people.bot.account.id] = Member("left")
    people.bot.chats[chat.id] = chat
    created = {"group": "group_chat_created", "supergroup": "supergroup_chat_created",
               "channel": "channel_chat_created"}[kind]
    _service(fake, chat, owner, **{created: True})
    update = None
    if bot_status != "none":
        update = _set_bot(fake, people, chat, owner, bot_status, _rights(data, "rights", _RIGHTS))
    return {"chat": chat.to_api(), "my_chat_member": update}


_RIGHTS = (*m.RIGHT_NAMES, "is_anonymous")


def _set_bot(fake: TelegramFake, people: People, chat: Chat, actor: Account, status: str,
             rights: dict[str, bool]) -> dict | None:
    bot = people.bot
    old = m.bot_member(fake, bot, chat)
    if status == "administrator":
        new = m.admin(rights, actor.id, bot.account.id)
        new.rights["_can_be_edited"] = False  # the bot did not promote itself
    elif status == "kicked":
        new = Member("kicked")
    else:
        new = Member(status)
    update = m.set_status(fake, bot, chat, actor, bot.account, new)
    if chat.type != "channel" and not old.present and new.present:
        message = _service(fake, chat, actor, new_chat_members=[bot.account.to_api()])
        fake.enqueue(bot, "message", message.to_api())
    elif chat.type != "channel" and old.present and not new.present:
        _service(fake, chat, actor, left_chat_member=bot.account.to_api())
    return update


@route("POST", r"^/_lab/chats/(-?\d+)/bot$")
def set_bot(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """The owner (or an administrator) adds the bot, promotes it with rights, demotes or removes it."""
    chat = _chat(people, int(match.group(1)))
    actor = fake.person(data.get("from"))
    status = data.get("status")
    if status not in BOT_STATUSES:
        raise ValueError(f'"status" must be one of {", ".join(BOT_STATUSES)}')
    if chat.type == "channel" and status == "member":
        raise ValueError("a bot can only be an administrator of a channel")
    needed = {"administrator": "can_promote_members", "kicked": "can_restrict_members",
              "left": "can_restrict_members"}.get(status)
    old = m.bot_member(fake, people.bot, chat)
    if old.status == "administrator" and status != "administrator":
        needed = "can_promote_members"
    if needed:
        _manager(fake, people, chat, actor, needed)
    elif chat.type != "group":
        _manager(fake, people, chat, actor, "can_invite_users")
    elif not m.member(fake, chat, actor.id).present:
        raise ValueError(f"user {actor.id} is not in chat {chat.id}")
    return {"my_chat_member": _set_bot(fake, people, chat, actor, status,
                                       _rights(data, "rights", _RIGHTS))}


@route("POST", r"^/_lab/chats/(-?\d+)/members$")
def set_member(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """The owner or an administrator adds, promotes, restricts, bans or removes a person."""
    chat = _chat(people, int(match.group(1)))
    actor = fake.person(data.get("from"))
    user = fake.person(data.get("user"))
    status = data.get("status")
    if status not in PERSON_STATUSES:
        raise ValueError(f'"status" must be one of {", ".join(PERSON_STATUSES)}')
    old = m.member(fake, chat, user.id)
    if old.status == "creator":
        raise ValueError("the owner's status cannot be changed")
    until = data.get("until_date", 0)
    if type(until) is not int or until < 0:
        raise ValueError('"until_date" must be a unix time or 0 (forever)')
    if status == "member" and not old.present:
        if chat.type != "group":
            _manager(fake, people, chat, actor, "can_invite_users")
        return {"chat_member": join(fake, people.bot, chat, user, actor=actor)}
    if status == "administrator":
        _manager(fake, people, chat, actor, "can_promote_members")
        new = m.admin(_rights(data, "rights", _RIGHTS), actor.id, people.bot.account.id)
    elif status == "restricted":
        if chat.type != "supergroup":
            raise ValueError("only members of a supergroup can be restricted")
        _manager(fake, people, chat, actor, "can_restrict_members")
        chosen = _rights(data, "permissions", m.PERMISSIONS)
        new = Member("restricted", permissions={n: chosen.get(n, False) for n in m.PERMISSIONS},
                     until_date=until, is_member=old.present)
    else:
        _manager(fake, people, chat, actor, "can_promote_members" if old.status == "administrator"
                 else "can_restrict_members")
        new = Member(status, until_date=until if status == "kicked" else 0)
        if status == "kicked" and chat.type == "group":
            new = Member("left")
    update = m.set_status(fake, people.bot, chat, actor, user, new)
    if old.present and not new.present and chat.type != "channel":
        message = _service(fake, chat, actor, left_chat_member=user.to_api())
        if _bot_sees(people, chat, message):
            fake.enqueue(people.bot, "message", message.to_api())
    return {"chat_member": update}


@route("GET", r"^/_lab/chats/(-?\d+)/members$")
def list_members(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """Everyone the chat has known, with their status and (administrators') rights, owner first."""
    chat = _chat(people, int(match.group(1)))
    state = m.of(chat)
    ids = list(dict.fromkeys([*([state.owner] if state.owner else []), *state.members, *sorted(chat.members)]))
    rows = []
    for user_id in ids:
        user = fake.accounts.get(user_id)
        if user is None:
            continue
        status = (m.bot_member(fake, people.bot, chat) if user_id == people.bot.account.id
                  else m.member(fake, chat, user_id))
        granted = [n for n in m.RIGHT_NAMES if status.rights.get(n)] if status.status == "administrator" else []
        denied = [n for n in m.PERMISSIONS if not status.permissions.get(n)] if status.status == "restricted" else []
        rows.append({"user_id": user_id, "name": user.username or user.first_name, "is_bot": user.is_bot,
                     "status": status.status, "rights": " ".join(r.removeprefix("can_") for r in granted),
                     "denied": " ".join(p.removeprefix("can_") for p in denied), "until_date": status.until_date})
    return {"members": rows, "count": m.member_count(fake, chat)}


def _link(fake: TelegramFake, chat: Chat, raw: Any) -> InviteLink:
    if not isinstance(raw, str) or not raw.startswith(INVITE_PREFIX):
        raise ValueError(f'"invite_link" must be a link the bot made ({INVITE_PREFIX}…)')
    link = m.of(chat).links.get(raw)
    if link is None or link.is_revoked:
        raise ValueError("this invite link was revoked or never existed")
    if link.expire_date and fake.clock.time() >= link.expire_date:
        raise ValueError("this invite link has expired")
    if link.member_limit and link.joined >= link.member_limit:
        raise ValueError("this invite link reached its member limit")
    return link


def _find_link(people: People, raw: Any) -> Chat:
    for chat in people.bot.chats.values():
        if chat.type != "private" and raw in m.of(chat).links:
            return chat
    raise LookupError(f"no chat of this bot has the invite link {raw}")


def _join(fake: TelegramFake, people: People, chat: Chat, user: Account, raw_link: Any, bio: Any) -> dict:
    link = _link(fake, chat, raw_link) if raw_link is not None else None
    if bio is not None and not isinstance(bio, str):
        raise ValueError('"bio" must be a string')
    status = m.member(fake, chat, user.id)
    if status.status == "kicked":
        raise ValueError(f"user {user.id} is banned from chat {chat.id}")
    if status.present:
        raise ValueError(f"user {user.id} is already in chat {chat.id}")
    if (link is not None and link.creates_join_request) or (link is None and m.of(chat).join_by_request):
        return {"chat_join_request": _ask(fake, people, chat, user, link, bio or "")}
    return {"chat_member": join(fake, people.bot, chat, user, link=link)}


def _ask(fake: TelegramFake, people: People, chat: Chat, user: Account, link: InviteLink | None, bio: str) -> dict:
    state = m.of(chat)
    if user.id in state.requests:
        raise ValueError(f"user {user.id} already asked to join chat {chat.id}")
    if len(state.requests) >= m.MAX_TOPICS_KEPT:
        raise ValueError(f"chat {chat.id} has {m.MAX_TOPICS_KEPT} pending join requests: the lab keeps no more")
    state.requests[user.id] = JoinRequest(user.id, int(fake.clock.time()), bio, link.invite_link if link else None)
    request: dict[str, Any] = {"chat": chat.to_api(), "from": user.to_api(), "user_chat_id": user.id,
                               "date": int(fake.clock.time())}
    if bio:
        request["bio"] = bio
    if link is not None:
        pending = sum(1 for r in state.requests.values() if r.link == link.invite_link)
        request["invite_link"] = link.to_api(fake, pending)
    if m.bot_member(fake, people.bot, chat).right("can_invite_users"):  # only administrators who may approve hear
        fake.enqueue(people.bot, "chat_join_request", request)
    return request


@route("POST", r"^/_lab/chats/(-?\d+)/join$")
def join_chat(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """A person joins (a public chat, or by "invite_link"; a link that creates_join_request makes a request)."""
    chat = _chat(people, int(match.group(1)))
    return _join(fake, people, chat, fake.person(data.get("from")), data.get("invite_link"), data.get("bio"))


@route("POST", r"^/_lab/invite_links/join$")
def join_by_link(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """A person opens an invite link the bot made: they join, or ask to join."""
    chat = _find_link(people, data.get("invite_link"))
    return {"chat": chat.to_api(), **_join(fake, people, chat, fake.person(data.get("from")),
                                           data.get("invite_link"), data.get("bio"))}


@route("POST", r"^/_lab/chats/(-?\d+)/join_requests$")
def ask_to_join(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """A person asks to join a chat whose administrators approve new members."""
    chat = _chat(people, int(match.group(1)))
    user = fake.person(data.get("from"))
    if m.member(fake, chat, user.id).present:
        raise ValueError(f"user {user.id} is already in chat {chat.id}")
    bio = data.get("bio", "")
    if not isinstance(bio, str):
        raise ValueError('"bio" must be a string')
    return {"chat_join_request": _ask(fake, people, chat, user, None, bio)}


@route("POST", r"^/_lab/chats/(-?\d+)/leave$")
def leave_chat(fake: TelegramFake, people: People, match, data: dict) -> dict:
    chat = _chat(people, int(match.group(1)))
    return {"chat_member": leave(fake, people.bot, chat, fake.person(data.get("from")))}


@route("POST", r"^/_lab/chats/(-?\d+)/posts$")
def post_in_channel(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """The owner or an administrator with can_post_messages posts in a channel: the bot, an administrator there,
    gets a channel_post (sent on behalf of the channel: sender_chat, no from)."""
    chat = _chat(people, int(match.group(1)))
    if chat.type != "channel":
        raise ValueError(f"chat {chat.id} is not a channel")
    author = fake.person(data.get("from"))
    _manager(fake, people, chat, author, "can_post_messages")
    text = _text(data)
    message = fake.post(chat, author, text, command_entities(text))
    if _bot_sees(people, chat, message):
        fake.enqueue(people.bot, "channel_post", message.to_api())
    return {"message": message.to_api()}


@route("POST", r"^/_lab/chats/(-?\d+)/topics$")
def create_topic(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """A person opens a forum topic (the forum_topic_created service message opens its thread)."""
    from .chats_methods import TOPIC_COLORS
    from .members import Topic

    chat = _chat(people, int(match.group(1)))
    if not m.of(chat).is_forum:
        raise ValueError(f"chat {chat.id} is not a forum")
    author = fake.person(data.get("from"))
    status = m.member(fake, chat, author.id)
    if not status.present or not (status.right("can_manage_topics") or m.of(chat).permissions["can_manage_topics"]):
        raise ValueError(f"user {author.id} may not create topics in chat {chat.id}")
    name = _text(data, "name")[:128]
    message = _service(fake, chat, author, forum_topic_created={"name": name, "icon_color": TOPIC_COLORS[0]})
    message.content.update(message_thread_id=message.message_id, is_topic_message=True)
    m.of(chat).topics[message.message_id] = Topic(message.message_id, name, TOPIC_COLORS[0], creator_id=author.id)
    if _bot_sees(people, chat, message):
        fake.enqueue(people.bot, "message", message.to_api())
    return {"topic": m.of(chat).topics[message.message_id].to_api(), "message": message.to_api()}


@route("POST", r"^/_lab/chats/(-?\d+)/topics/(\d+)/messages$")
def write_in_topic(fake: TelegramFake, people: People, match, data: dict) -> dict:
    """A person writes in a forum topic; privacy mode decides whether the bot sees it."""
    chat = _chat(people, int(match.group(1)))
    topic = m.of(chat).topics.get(int(match.group(2)))
    if topic is None:
        raise LookupError(f"no topic {match.group(2)} in chat {chat.id}")
    if topic.closed:
        raise ValueError(f"topic {topic.message_thread_id} is closed")
    author = fake.person(data.get("from"))
    if not m.member(fake, chat, author.id).present:
        raise ValueError(f"user {author.id} is not in chat {chat.id}")
    text = _text(data)
    opener = chat.messages.get(topic.message_thread_id)
    message = fake.post(chat, author, text, command_entities(text), reply_to=opener,
                        content={"message_thread_id": topic.message_thread_id, "is_topic_message": True})
    if _bot_sees(people, chat, message):
        fake.enqueue(people.bot, "message", message.to_api())
    return {"message": message.to_api()}
