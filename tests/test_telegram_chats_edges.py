"""Edges of the groups family (chats_methods.py, chats_people.py, members.py): the refusals each method gives in
the reference server's words, the state a call leaves, and what the control routes refuse as the apps would."""

from __future__ import annotations

import httpx
import pytest
from catalogue import method_returns, problems
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.fakes.telegram import members as m
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada", "username": "ada"}
BO = {"id": 502, "first_name": "Bo"}
CY = {"id": 503, "first_name": "Cy"}
DI = {"id": 504, "first_name": "Di"}
ALL_UPDATES = ["message", "channel_post", "my_chat_member", "chat_member", "chat_join_request"]


class Lab:
    def __init__(self):
        self.clock = FrozenClock("2026-03-02T10:00:00Z")
        self.fake = TelegramFake(self.clock, IdFactory(22))
        self.people = People(self.fake)
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(self.fake), base_url="https://api.telegram.org")
        self.bot_id = self.fake.default_bot.account.id

    async def call(self, method: str, files=None, **params):
        url = f"/bot{self.fake.default_bot.token}/{method}"
        if files:
            response = await self.http.post(url, data={k: str(v) for k, v in params.items()}, files=files)
        else:
            response = await self.http.post(url, json=params)
        body = response.json()
        if body["ok"]:
            assert not problems(body["result"], method_returns(method)), problems(body["result"], method_returns(method))
            return body["result"]
        assert response.status_code == body["error_code"]
        return body

    async def fails(self, method: str, expected: str, /, **params) -> dict:
        body = await self.call(method, **params)
        assert isinstance(body, dict) and body.get("ok") is False, body
        assert body["description"] == expected, body
        return body

    async def control(self, verb: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        response = await self.http.request(verb, f"/_lab/{path}", json=body)
        assert response.status_code == status, response.text
        return response.json()

    async def refused(self, path: str, body: dict, words: str, status: int = 400) -> None:
        answer = await self.control("POST", path, body, status=status)
        assert words in str(answer), answer

    async def updates(self) -> list[dict]:
        found = await self.call("getUpdates", allowed_updates=ALL_UPDATES)
        for update in found:
            assert not problems(update, "Update"), problems(update, "Update")
        if found:
            await self.call("getUpdates", offset=found[-1]["update_id"] + 1)
        return found

    async def chat(self, kind: str = "supergroup", bot: str = "administrator", rights: dict | None = None,
                   **extra) -> int:
        body = {"type": kind, "title": "Buyers", "from": ADA, "members": [BO, CY] if kind != "channel" else [],
                "bot": bot, "rights": rights if rights is not None else {}, **extra}
        chat = (await self.control("POST", "chats", body))["chat"]
        await self.updates()
        return chat["id"]

    def private(self, person: dict) -> int:
        self.people.send(person["id"], person, "hello")
        return person["id"]


@pytest.fixture
async def lab():
    made = Lab()
    yield made
    await made.http.aclose()


def kinds(updates: list[dict]) -> list[str]:
    return [next(k for k in u if k != "update_id") for u in updates]


async def test_which_chat_and_whether_the_bot_may_act(lab):
    await lab.fails("getChatMemberCount", "Bad Request: chat_id is empty", chat_id="")
    await lab.fails("getChatMemberCount", "Bad Request: chat not found", chat_id="@nobody_here")
    ada = lab.private(ADA)
    assert await lab.call("getChatMemberCount", chat_id="@ada") == 2
    assert (await lab.call("getChatMember", chat_id=ada, user_id=ADA["id"]))["status"] == "member"
    assert (await lab.call("getChatMember", chat_id=ada, user_id=lab.bot_id))["status"] == "member"
    lab.fake.person(BO)
    assert (await lab.call("getChatMember", chat_id=ada, user_id=BO["id"]))["status"] == "left"
    await lab.fails("getChatAdministrators", "Bad Request: there are no administrators in the private chat",
                    chat_id=ada)
    await lab.fails("banChatMember", "Bad Request: can't ban members in private chats", chat_id=ada, user_id=ADA["id"])
    await lab.fails("leaveChat", "Bad Request: can't leave private chats", chat_id=ada)
    await lab.fails("setChatTitle", "Bad Request: can't change private chat title", chat_id=ada, title="x")
    await lab.fails("setChatDescription", "Bad Request: can't change private chat description", chat_id=ada,
                    description="x")
    await lab.fails("deleteChatPhoto", "Bad Request: can't change private chat photo", chat_id=ada)
    await lab.fails("setChatPermissions", "Bad Request: can't change private chat permissions", chat_id=ada,
                    permissions={})
    await lab.fails("createChatInviteLink", "Bad Request: can't invite members to a private chat", chat_id=ada)
    await lab.fails("approveChatJoinRequest", "Bad Request: the chat can't have join requests", chat_id=ada,
                    user_id=ADA["id"])
    await lab.fails("banChatSenderChat", "Bad Request: can't ban members in private chats", chat_id=ada,
                    sender_chat_id=-1001)
    await lab.fails("unbanChatSenderChat", "Bad Request: chat member status can't be changed in private chats",
                    chat_id=ada, sender_chat_id=-1001)
    assert (await lab.call("getChat", chat_id=ada))["type"] == "private"
    assert await lab.call("unpinAllChatMessages", chat_id=ada) is True  # no rights needed in a private chat


async def test_a_basic_group_the_bot_left_or_was_banned_from(lab):
    group = await lab.chat("group", bot="member")
    await lab.control("POST", f"chats/{group}/bot", {"from": ADA, "status": "left"})
    [left] = await lab.updates()
    assert left["my_chat_member"]["new_chat_member"]["status"] == "left"
    assert (await lab.call("getChat", chat_id=group))["type"] == "group"  # reading a basic group needs no membership
    await lab.fails("getChatAdministrators", "Forbidden: bot is not a member of the group chat", chat_id=group)
    await lab.fails("leaveChat", "Forbidden: bot is not a member of the group chat", chat_id=group)
    await lab.control("POST", f"chats/{group}/bot", {"from": ADA, "status": "member"})
    await lab.control("POST", f"chats/{group}/bot", {"from": ADA, "status": "kicked"})
    await lab.fails("getChatMemberCount", "Forbidden: bot was kicked from the group chat", chat_id=group)
    supergroup = await lab.chat()
    await lab.control("POST", f"chats/{supergroup}/bot", {"from": ADA, "status": "left"})
    await lab.fails("getChat", "Forbidden: bot is not a member of the supergroup chat", chat_id=supergroup)


async def test_a_group_upgraded_points_to_its_supergroup(lab):
    group = lab.people.create_group("Buyers", ADA, [BO])
    supergroup = lab.people.upgrade_group(group["id"], ADA)
    body = await lab.fails("getChatMemberCount", "Bad Request: group chat was upgraded to a supergroup chat",
                           chat_id=group["id"])
    assert body["parameters"]["migrate_to_chat_id"] == supergroup["id"]
    await lab.refused(f"chats/{group['id']}/bot", {"from": ADA, "status": "member"}, "was upgraded to")
    await lab.refused(f"chats/{lab.private(ADA)}/bot", {"from": ADA, "status": "member"}, "is a private chat")


async def test_bans_in_a_basic_group_and_in_a_channel(lab):
    group = await lab.chat("group", bot="member")
    await lab.fails("banChatMember", "Bad Request: can't remove chat owner", chat_id=group, user_id=ADA["id"])
    await lab.control("POST", f"chats/{group}/bot", {"from": ADA, "status": "administrator",
                                                     "rights": {"can_restrict_members": True}})
    await lab.control("POST", f"chats/{group}/members", {"from": ADA, "user": CY, "status": "administrator",
                                                         "rights": {"can_invite_users": True}})
    await lab.updates()
    await lab.fails("banChatMember", "Bad Request: user is an administrator of the chat", chat_id=group,
                    user_id=CY["id"])
    said = (await lab.control("POST", f"chats/{group}/messages", {"from": BO, "text": "/spam"}))["message"]
    assert await lab.call("banChatMember", chat_id=group, user_id=BO["id"], revoke_messages=True) is True
    assert lab.fake.default_bot.chats[group].messages[said["message_id"]].deleted is True
    assert (await lab.call("getChatMember", chat_id=group, user_id=BO["id"]))["status"] == "left"  # no ban list
    await lab.fails("unbanChatMember", "Bad Request: method is available for supergroup and channel chats only",
                    chat_id=group, user_id=BO["id"])
    channel = await lab.chat("channel", rights={"can_restrict_members": True})
    lab.fake.person(DI)
    until = int(lab.clock.time()) + 3600
    assert await lab.call("banChatMember", chat_id=channel, user_id=DI["id"], until_date=until) is True
    [banned] = await lab.updates()  # no service message in a channel
    assert banned["chat_member"]["new_chat_member"] == {"user": banned["chat_member"]["new_chat_member"]["user"],
                                                        "status": "kicked", "until_date": until}
    assert await lab.call("banChatMember", chat_id=channel, user_id=DI["id"], until_date=until) is True
    assert await lab.updates() == []  # banned again the same way: nothing changes
    assert await lab.call("unbanChatMember", chat_id=channel, user_id=DI["id"]) is True
    assert (await lab.call("getChatMember", chat_id=channel, user_id=DI["id"]))["status"] == "left"
    assert await lab.call("unbanChatMember", chat_id=channel, user_id=DI["id"]) is True  # already out: no change
    assert kinds(await lab.updates()) == ["chat_member"]
    lab.clock.advance(7200)
    assert await lab.call("leaveChat", chat_id=channel) is True
    assert [m_.get("text") for m_ in (await lab.control("GET", f"chats/{channel}/messages"))["messages"]
            if "left" in (m_.get("text") or "")] == []  # a channel shows no leaves


async def test_permissions_as_client_cpp_reads_them(lab):
    chat_id = await lab.chat(rights={"can_restrict_members": True})
    await lab.fails("restrictChatMember", 'Bad Request: can\'t parse chat permissions: Field "can_send_polls" must '
                    'be of type Boolean', chat_id=chat_id, user_id=BO["id"], permissions={"can_send_polls": 1})
    assert await lab.call("restrictChatMember", chat_id=chat_id, user_id=BO["id"],
                          permissions={"can_send_media_messages": True}) is True
    bo = await lab.call("getChatMember", chat_id=chat_id, user_id=BO["id"])
    assert bo["can_send_photos"] and bo["can_send_audios"] and bo["can_send_messages"]
    assert bo["can_react_to_messages"] and not bo["can_send_polls"]
    assert await lab.call("restrictChatMember", chat_id=chat_id, user_id=CY["id"],
                          use_independent_chat_permissions=True, permissions={"can_send_media_messages": True,
                                                                              "can_send_other_messages": True}) is True
    cy = await lab.call("getChatMember", chat_id=chat_id, user_id=CY["id"])
    assert cy["can_send_photos"] and not cy["can_send_messages"]
    assert await lab.call("restrictChatMember", chat_id=chat_id, user_id=CY["id"],
                          permissions={"can_add_web_page_previews": True, "can_pin_messages": True}) is True
    cy = await lab.call("getChatMember", chat_id=chat_id, user_id=CY["id"])
    assert cy["can_send_messages"] and cy["can_send_videos"] and cy["can_manage_topics"] and cy["can_edit_tag"]
    everything = {name: True for name in m.PERMISSIONS}
    assert await lab.call("restrictChatMember", chat_id=chat_id, user_id=CY["id"], permissions=everything) is True
    assert (await lab.call("getChatMember", chat_id=chat_id, user_id=CY["id"]))["status"] == "member"
    await lab.updates()
    assert await lab.call("restrictChatMember", chat_id=chat_id, user_id=CY["id"], permissions=everything) is True
    assert await lab.updates() == []  # already unrestricted: nothing changes
    await lab.fails("restrictChatMember", "Bad Request: can't remove chat owner", chat_id=chat_id, user_id=ADA["id"],
                    permissions={})
    await lab.fails("restrictChatMember", "Bad Request: can't restrict self", chat_id=chat_id, user_id=lab.bot_id,
                    permissions={})
    # the legacy form: each permission a parameter of its own
    assert await lab.call("restrictChatMember", chat_id=chat_id, user_id=BO["id"], can_send_messages=True) is True
    bo = await lab.call("getChatMember", chat_id=chat_id, user_id=BO["id"])
    assert bo["can_send_messages"] is True and bo["can_send_photos"] is False
    # setChatPermissions with no permissions at all: everything off
    assert await lab.call("setChatPermissions", chat_id=chat_id) is True
    assert not any((await lab.call("getChat", chat_id=chat_id))["permissions"].values())
    await lab.fails("setChatPermissions", "Bad Request: CHAT_NOT_MODIFIED", chat_id=chat_id)
    await lab.refused(f"chats/{chat_id}/messages", {"from": DI, "text": "/hi"}, "may not send messages")


async def test_promotions_edges(lab):
    channel = await lab.chat("channel", rights={"can_promote_members": True, "can_post_messages": True,
                                                 "can_restrict_members": True})
    lab.fake.person(DI)
    assert await lab.call("promoteChatMember", chat_id=channel, user_id=DI["id"], can_post_messages=True) is True
    di = await lab.call("getChatMember", chat_id=channel, user_id=DI["id"])
    assert di["can_restrict_members"] is True and di["can_post_messages"] is True  # a channel's implied right
    assert await lab.call("promoteChatMember", chat_id=channel, user_id=DI["id"], can_post_messages=True,
                          can_restrict_members=True) is True  # the same again: nothing changes
    assert kinds(await lab.updates()) == ["chat_member"]
    supergroup = await lab.chat(rights={"can_invite_users": True})
    await lab.fails("promoteChatMember", "Bad Request: not enough rights", chat_id=supergroup, user_id=BO["id"],
                    can_invite_users=True)
    assert await lab.call("promoteChatMember", chat_id=supergroup, user_id=lab.bot_id) is True  # demotes itself
    assert (await lab.call("getChatMember", chat_id=supergroup, user_id=lab.bot_id))["status"] == "member"
    [demoted] = await lab.updates()
    assert demoted["my_chat_member"]["old_chat_member"]["status"] == "administrator"


async def test_titles_and_tags_edges(lab):
    chat_id = await lab.chat(rights={"can_promote_members": True, "can_pin_messages": True, "can_manage_tags": True})
    await lab.control("POST", f"chats/{chat_id}/members", {"from": ADA, "user": CY, "status": "administrator",
                                                            "rights": {"can_pin_messages": True}})
    await lab.fails("setChatAdministratorCustomTitle",
                    "Bad Request: not enough rights to change custom title of the user", chat_id=chat_id,
                    user_id=CY["id"], custom_title="x")
    await lab.fails("setChatMemberTag", "Bad Request: TAG_CHANGE_FORBIDDEN", chat_id=chat_id, user_id=CY["id"], tag="x")
    assert await lab.call("promoteChatMember", chat_id=chat_id, user_id=BO["id"], can_pin_messages=True) is True
    await lab.fails("setChatAdministratorCustomTitle", "Bad Request: CUSTOM_TITLE_EMOJI_NOT_ALLOWED",
                    chat_id=chat_id, user_id=BO["id"], custom_title="boss \U0001F600")
    assert await lab.call("setChatAdministratorCustomTitle", chat_id=chat_id, user_id=BO["id"],
                          custom_title="boss") is True
    assert await lab.call("promoteChatMember", chat_id=chat_id, user_id=BO["id"], can_pin_messages=True,
                          can_invite_users=False) is True
    assert (await lab.call("getChatMember", chat_id=chat_id, user_id=BO["id"]))["custom_title"] == "boss"
    lab.fake.person(DI)
    await lab.fails("setChatMemberTag", "Bad Request: TAG_INVALID", chat_id=chat_id, user_id=DI["id"],
                    tag="a tag far too long here")
    assert await lab.call("setChatMemberTag", chat_id=chat_id, user_id=DI["id"], tag="vip") is True
    await lab.updates()
    assert await lab.call("setChatMemberTag", chat_id=chat_id, user_id=DI["id"], tag="vip") is True
    assert await lab.updates() == []  # the same tag again: nothing changes
    channel = await lab.chat("channel", rights={"can_promote_members": True})
    await lab.fails("setChatAdministratorCustomTitle", "Bad Request: method is available only for groups and "
                    "supergroups", chat_id=channel, user_id=ADA["id"], custom_title="x")
    await lab.fails("setChatMemberTag", "Bad Request: method is available only for groups and supergroups",
                    chat_id=channel, user_id=ADA["id"], tag="x")


async def test_banning_sender_chats(lab):
    chat_id = await lab.chat(bot="member")
    await lab.fails("banChatSenderChat", "Bad Request: sender_chat_id is empty", chat_id=chat_id)
    await lab.fails("banChatSenderChat", "Bad Request: sender_chat_id is not a valid Integer", chat_id=chat_id,
                    sender_chat_id="abc")
    await lab.fails("banChatSenderChat", "Bad Request: not enough rights to restrict/unrestrict chat member",
                    chat_id=chat_id, sender_chat_id=-1001)
    await lab.fails("unbanChatSenderChat", "Bad Request: not enough rights to restrict/unrestrict chat member",
                    chat_id=chat_id, sender_chat_id=-1001)
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": ADA, "status": "administrator",
                                                       "rights": {"can_restrict_members": True}})
    assert await lab.call("banChatSenderChat", chat_id=chat_id, sender_chat_id=-1001, until_date=-5) is True
    state = m.of(lab.fake.default_bot.chats[chat_id])
    assert state.banned_chats == {-1001: 0}
    assert await lab.call("unbanChatSenderChat", chat_id=chat_id, sender_chat_id=-1001) is True
    assert state.banned_chats == {}
    group = await lab.chat("group")
    await lab.fails("banChatSenderChat", "Bad Request: can't ban chats in basic groups", chat_id=group,
                    sender_chat_id=-1001)
    await lab.fails("unbanChatSenderChat", "Bad Request: chats can't be members of basic groups", chat_id=group,
                    sender_chat_id=-1001)


async def test_title_and_photo_edges(lab):
    chat_id = await lab.chat(rights={"can_change_info": True})
    before = len((await lab.control("GET", f"chats/{chat_id}/messages"))["messages"])
    assert await lab.call("setChatTitle", chat_id=chat_id, title="  Buyers  ") is True  # the same title: no message
    assert len((await lab.control("GET", f"chats/{chat_id}/messages"))["messages"]) == before
    await lab.fails("deleteChatPhoto", "Bad Request: CHAT_NOT_MODIFIED", chat_id=chat_id)
    assert await lab.call("setChatPhoto", files={"photo": ("p.jpg", b"\xff\xd8jpeg", "image/jpeg")},
                          chat_id=chat_id) is True
    photo = (await lab.call("getChat", chat_id=chat_id))["photo"]
    assert photo["small_file_id"] != photo["big_file_id"]
    assert await lab.call("setChatPhoto", files={"upload": ("p.jpg", b"\xff\xd8jpeg", "image/jpeg")},
                          chat_id=chat_id, photo="attach://upload") is True
    assert await lab.call("deleteChatPhoto", chat_id=chat_id) is True
    assert "photo" not in await lab.call("getChat", chat_id=chat_id)
    await lab.fails("deleteChatPhoto", "Bad Request: CHAT_NOT_MODIFIED", chat_id=chat_id)
    plain = await lab.chat(bot="member")
    await lab.fails("setChatDescription", "Bad Request: not enough rights to set chat description", chat_id=plain,
                    description="x")
    await lab.fails("deleteChatPhoto", "Bad Request: not enough rights to change chat photo", chat_id=plain)


async def test_pins_edges(lab):
    chat_id = await lab.chat(rights={"can_pin_messages": True})
    await lab.fails("pinChatMessage", "Bad Request: business connection not found", chat_id=chat_id, message_id=1,
                    business_connection_id="x")
    await lab.fails("unpinChatMessage", "Bad Request: business connection not found", chat_id=chat_id,
                    business_connection_id="x")
    first = await lab.call("sendMessage", chat_id=chat_id, text="one")
    second = await lab.call("sendMessage", chat_id=chat_id, text="two")
    assert await lab.call("pinChatMessage", chat_id=chat_id, message_id=first["message_id"]) is True
    assert await lab.call("pinChatMessage", chat_id=chat_id, message_id=second["message_id"]) is True
    assert await lab.call("pinChatMessage", chat_id=chat_id, message_id=first["message_id"]) is True  # moved up
    assert (await lab.call("getChat", chat_id=chat_id))["pinned_message"]["text"] == "one"
    assert await lab.call("unpinChatMessage", chat_id=chat_id, message_id=second["message_id"]) is True
    assert await lab.call("unpinChatMessage", chat_id=chat_id, message_id=second["message_id"]) is True  # not pinned
    assert await lab.call("unpinChatMessage", chat_id=chat_id) is True
    assert "pinned_message" not in await lab.call("getChat", chat_id=chat_id)
    channel = await lab.chat("channel", rights={"can_post_messages": True})
    post = await lab.call("sendMessage", chat_id=channel, text="news")
    await lab.fails("pinChatMessage", "Bad Request: not enough rights to manage pinned messages in the chat",
                    chat_id=channel, message_id=post["message_id"])  # a channel needs can_edit_messages


async def test_deleting_messages_in_groups_and_channels(lab):
    group = await lab.chat("group", bot="member")
    said = (await lab.control("POST", f"chats/{group}/messages", {"from": BO, "text": "/x"}))["message"]
    await lab.fails("deleteMessage", "Bad Request: message can't be deleted", chat_id=group,
                    message_id=said["message_id"])
    await lab.control("POST", f"chats/{group}/bot", {"from": ADA, "status": "administrator"})
    assert await lab.call("deleteMessage", chat_id=group, message_id=said["message_id"]) is True
    channel = await lab.chat("channel", rights={"can_post_messages": True})
    post = (await lab.control("POST", f"chats/{channel}/posts", {"from": ADA, "text": "Issue"}))["message"]
    await lab.fails("deleteMessage", "Bad Request: message can't be deleted", chat_id=channel,
                    message_id=post["message_id"])
    own = await lab.call("sendMessage", chat_id=channel, text="mine")
    assert await lab.call("deleteMessage", chat_id=channel, message_id=own["message_id"]) is True
    forum = await lab.chat(rights={"can_manage_topics": True, "can_delete_messages": True}, is_forum=True)
    topic = await lab.call("createForumTopic", chat_id=forum, name="Orders")
    await lab.fails("deleteMessage", "Bad Request: message can't be deleted", chat_id=forum,
                    message_id=topic["message_thread_id"])


async def test_invite_links_edges(lab):
    chat_id = await lab.chat(bot="member")
    await lab.fails("exportChatInviteLink", "Bad Request: not enough rights to manage chat invite link",
                    chat_id=chat_id)
    await lab.fails("approveChatJoinRequest", "Bad Request: not enough rights to manage chat join requests",
                    chat_id=chat_id, user_id=BO["id"])
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": ADA, "status": "administrator",
                                                       "rights": {"can_invite_users": True}})
    first = await lab.call("exportChatInviteLink", chat_id=chat_id)
    second = await lab.call("exportChatInviteLink", chat_id=chat_id)
    assert m.of(lab.fake.default_bot.chats[chat_id]).links[first].is_revoked is True
    assert (await lab.call("getChat", chat_id=chat_id))["invite_link"] == second
    await lab.fails("createChatInviteLink", "Bad Request: invite link name is too long", chat_id=chat_id,
                    name="n" * 33)
    await lab.fails("editChatInviteLink", "Bad Request: invite link must be non-empty", chat_id=chat_id)
    await lab.fails("editChatInviteLink", "Bad Request: INVITE_HASH_EXPIRED", chat_id=chat_id, invite_link=first)
    theirs = m.InviteLink("https://t.me/+adas", ADA["id"])
    m.of(lab.fake.default_bot.chats[chat_id]).links[theirs.invite_link] = theirs
    await lab.fails("revokeChatInviteLink", "Bad Request: CHAT_ADMIN_REQUIRED", chat_id=chat_id,
                    invite_link=theirs.invite_link)
    until = int(lab.clock.time()) + 60
    limited = await lab.call("createChatInviteLink", chat_id=chat_id, name="one", expire_date=until, member_limit=1)
    assert limited["expire_date"] == until and limited["member_limit"] == 1 and limited["name"] == "one"
    await lab.refused("invite_links/join", {"from": DI, "invite_link": limited["invite_link"], "bio": 5},
                      '"bio" must be a string')
    joined = await lab.control("POST", "invite_links/join", {"from": DI, "invite_link": limited["invite_link"]})
    assert joined["chat_member"]["invite_link"]["invite_link"] == limited["invite_link"]
    await lab.refused("invite_links/join", {"from": {"id": 505, "first_name": "Ed"},
                                            "invite_link": limited["invite_link"]}, "reached its member limit")
    late = await lab.call("createChatInviteLink", chat_id=chat_id, expire_date=until)
    lab.clock.advance(120)
    await lab.refused("invite_links/join", {"from": {"id": 505, "first_name": "Ed"},
                                            "invite_link": late["invite_link"]}, "has expired")
    await lab.refused(f"chats/{chat_id}/join", {"from": {"id": 505, "first_name": "Ed"}, "invite_link": 7},
                      '"invite_link" must be a link the bot made')
    await lab.refused("invite_links/join", {"from": DI, "invite_link": "https://t.me/+none"},
                      "no chat of this bot has", status=404)


async def test_subscription_links(lab):
    supergroup = await lab.chat(rights={"can_invite_users": True})
    await lab.fails("createChatSubscriptionInviteLink", "Bad Request: CHAT_TYPE_INVALID", chat_id=supergroup,
                    subscription_period=2592000, subscription_price=10)
    channel = await lab.chat("channel", rights={"can_invite_users": True})
    await lab.fails("createChatSubscriptionInviteLink", "Bad Request: invalid subscription pricing specified",
                    chat_id=channel, subscription_period=86400, subscription_price=10)
    link = await lab.call("createChatSubscriptionInviteLink", chat_id=channel, name="fans",
                          subscription_period=2592000, subscription_price=10)
    assert link["subscription_period"] == 2592000 and link["subscription_price"] == 10 and link["name"] == "fans"
    edited = await lab.call("editChatSubscriptionInviteLink", chat_id=channel, invite_link=link["invite_link"],
                            name="friends")
    assert edited["name"] == "friends" and edited["subscription_price"] == 10


async def test_join_requests_from_people(lab):
    chat_id = await lab.chat(rights={"can_invite_users": True}, join_by_request=True)
    await lab.refused(f"chats/{chat_id}/join_requests", {"from": BO}, "already in chat")
    await lab.refused(f"chats/{chat_id}/join_requests", {"from": DI, "bio": 1}, '"bio" must be a string')
    asked = await lab.control("POST", f"chats/{chat_id}/join_requests", {"from": DI, "bio": "hi"})
    assert asked["chat_join_request"]["bio"] == "hi"
    await lab.refused(f"chats/{chat_id}/join_requests", {"from": DI}, "already asked to join")
    link = await lab.call("createChatInviteLink", chat_id=chat_id)
    joined = await lab.control("POST", f"chats/{chat_id}/join", {"from": {"id": 505, "first_name": "Ed"},
                                                                  "invite_link": link["invite_link"]})
    assert joined["chat_member"]["new_chat_member"]["status"] == "member"  # a plain link skips approval
    assert await lab.call("approveChatJoinRequest", chat_id=chat_id, user_id=DI["id"]) is True
    assert (await lab.call("getChatMember", chat_id=chat_id, user_id=DI["id"]))["status"] == "member"
    quiet = await lab.chat(bot="member", join_by_request=True)
    await lab.control("POST", f"chats/{quiet}/join", {"from": DI})
    assert await lab.updates() == []  # a bot that may not approve hears of no request


async def test_forum_topics_edges(lab):
    chat_id = await lab.chat(rights={"can_pin_messages": True}, is_forum=True)
    await lab.fails("createForumTopic", "Bad Request: not enough rights to create a topic", chat_id=chat_id, name="x")
    await lab.fails("editGeneralForumTopic", "Bad Request: not enough rights to edit the topic", chat_id=chat_id,
                    name="x")
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": ADA, "status": "administrator",
                                                       "rights": {"can_manage_topics": True,
                                                                  "can_pin_messages": True}})
    await lab.fails("createForumTopic", "Bad Request: name must be non-empty", chat_id=chat_id, name="  ")
    await lab.fails("createForumTopic", "Bad Request: TOPIC_ICON_COLOR_INVALID", chat_id=chat_id, name="x",
                    icon_color=1)
    topic = await lab.call("createForumTopic", chat_id=chat_id, name="Deals", icon_color=16766590,
                           icon_custom_emoji_id="5312536423851630001")
    assert topic["icon_color"] == 16766590 and topic["icon_custom_emoji_id"] == "5312536423851630001"
    thread = topic["message_thread_id"]
    assert await lab.call("editForumTopic", chat_id=chat_id, message_thread_id=thread, icon_custom_emoji_id="") is True
    assert "icon_custom_emoji_id" not in m.of(lab.fake.default_bot.chats[chat_id]).topics[thread].to_api()
    assert await lab.call("editForumTopic", chat_id=chat_id, message_thread_id=thread) is True  # nothing asked
    pinned = await lab.call("sendMessage", chat_id=chat_id, message_thread_id=thread, text="in topic")
    general = await lab.call("sendMessage", chat_id=chat_id, text="in general")
    assert await lab.call("pinChatMessage", chat_id=chat_id, message_id=pinned["message_id"]) is True
    assert await lab.call("pinChatMessage", chat_id=chat_id, message_id=general["message_id"]) is True
    assert await lab.call("unpinAllGeneralForumTopicMessages", chat_id=chat_id) is True
    assert (await lab.call("getChat", chat_id=chat_id))["pinned_message"]["message_id"] == pinned["message_id"]
    assert await lab.call("unpinAllForumTopicMessages", chat_id=chat_id, message_thread_id=thread) is True
    assert "pinned_message" not in await lab.call("getChat", chat_id=chat_id)
    assert await lab.call("editGeneralForumTopic", chat_id=chat_id, name="Lobby") is True
    assert await lab.call("closeGeneralForumTopic", chat_id=chat_id) is True
    await lab.fails("closeGeneralForumTopic", "Bad Request: TOPIC_NOT_MODIFIED", chat_id=chat_id)
    assert await lab.call("reopenGeneralForumTopic", chat_id=chat_id) is True
    assert await lab.call("hideGeneralForumTopic", chat_id=chat_id) is True
    state = m.of(lab.fake.default_bot.chats[chat_id])
    assert state.general_hidden and state.general_closed and state.general_name == "Lobby"
    assert await lab.call("unhideGeneralForumTopic", chat_id=chat_id) is True
    transcript = [row["text"] for row in (await lab.control("GET", f"chats/{chat_id}/messages"))["messages"]]
    assert {"(topic edited)", "(topic closed)", "(topic reopened)", "(General hidden)", "(General shown)",
            "(topic created: Deals)"} <= set(transcript)
    assert await lab.call("closeForumTopic", chat_id=chat_id, message_thread_id=thread) is True
    said = await lab.call("sendMessage", chat_id=chat_id, message_thread_id=thread, text="still here")
    assert said["message_thread_id"] == thread  # can_manage_topics writes in a closed topic
    # a topic someone else opened, once the bot has no can_manage_topics
    opened = (await lab.control("POST", f"chats/{chat_id}/topics", {"from": ADA, "name": "Ada's"}))["topic"]
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": ADA, "status": "administrator",
                                                       "rights": {"can_pin_messages": True}})
    await lab.fails("sendMessage", "Bad Request: TOPIC_CLOSED", chat_id=chat_id, message_thread_id=thread, text="x")
    await lab.fails("editForumTopic", "Bad Request: not enough rights to edit the topic", chat_id=chat_id,
                    message_thread_id=opened["message_thread_id"], name="mine")
    await lab.fails("deleteForumTopic", "Bad Request: not enough rights to delete the topic", chat_id=chat_id,
                    message_thread_id=opened["message_thread_id"])
    assert await lab.call("reopenForumTopic", chat_id=chat_id, message_thread_id=thread) is True  # its own topic
    plain = await lab.chat()
    sent = await lab.call("sendMessage", chat_id=plain, message_thread_id=5, text="no forum")
    assert "message_thread_id" not in sent  # not a forum: the thread is left to the send


async def test_get_chat_shows_what_the_family_keeps(lab):
    channel = await lab.chat("channel", rights={"can_change_info": True, "can_invite_users": True},
                             username="lab_news")
    assert await lab.call("setChatDescription", chat_id=channel, description="News") is True
    info = await lab.call("getChat", chat_id="@lab_news")
    assert info["description"] == "News" and "permissions" not in info and "can_set_sticker_set" not in info
    await lab.fails("setChatStickerSet", "Bad Request: method is available only for supergroups", chat_id=channel,
                    sticker_set_name="x")
    supergroup = await lab.chat(bot="member")
    await lab.fails("setChatStickerSet", "Bad Request: sticker_set_name is empty", chat_id=supergroup)
    await lab.fails("setChatStickerSet", "Bad Request: STICKERSET_INVALID", chat_id=supergroup,
                    sticker_set_name="nobody_made_this")
    await lab.fails("deleteChatStickerSet", "Bad Request: CHAT_ADMIN_REQUIRED", chat_id=supergroup)
    assert (await lab.call("getChat", chat_id=supergroup))["can_set_sticker_set"] is False


async def test_control_routes_refuse_bad_chats(lab):
    await lab.refused("chats", {"type": "secret", "title": "x", "from": ADA}, '"type" must be')
    await lab.refused("chats", {"title": " ", "from": ADA}, '"title" must be a non-empty string')
    await lab.refused("chats", {"title": "x", "from": ADA, "chat_id": 5}, "unused negative id")
    await lab.refused("chats", {"title": "x", "from": ADA, "bot": "owner"}, '"bot" must be')
    await lab.refused("chats", {"title": "x", "from": ADA, "is_forum": True}, '"is_forum" is true only')
    await lab.refused("chats", {"title": "x", "from": ADA, "username": 5}, '"username" must be a string')
    await lab.refused("chats", {"title": "x", "from": ADA, "join_by_request": True}, '"join_by_request" is true')
    await lab.refused("chats", {"title": "x", "from": ADA, "rights": {"can_fly": True}}, '"rights" must map')
    made = await lab.control("POST", "chats", {"title": "Mine", "from": ADA, "chat_id": -777, "bot": "none"})
    assert made["chat"]["id"] == -777 and made["my_chat_member"] is None
    assert await lab.updates() == []
    group = -777
    await lab.refused(f"chats/{group}/bot", {"from": ADA, "status": "owner"}, '"status" must be one of')
    await lab.refused(f"chats/{group}/bot", {"from": DI, "status": "member"}, f"user {DI['id']} is not in chat")
    channel = await lab.chat("channel")
    await lab.refused(f"chats/{channel}/bot", {"from": ADA, "status": "member"}, "only be an administrator")
    await lab.refused(f"chats/{channel}/members", {"from": ADA, "user": BO, "status": "restricted"},
                      "only members of a supergroup can be restricted")
    await lab.refused(f"chats/{channel}/topics", {"from": ADA, "name": "x"}, "is not a forum")
    supergroup = await lab.chat()
    await lab.refused(f"chats/{supergroup}/posts", {"from": ADA, "text": "x"}, "is not a channel")
    await lab.refused(f"chats/{supergroup}/members", {"from": ADA, "user": BO, "status": "owner"}, '"status" must be')
    await lab.refused(f"chats/{supergroup}/members", {"from": BO, "user": ADA, "status": "kicked"},
                      "the owner's status cannot be changed")
    await lab.refused(f"chats/{supergroup}/members", {"from": ADA, "user": BO, "status": "kicked", "until_date": -1},
                      '"until_date" must be')
    await lab.refused(f"chats/{supergroup}/leave", {"from": ADA}, "the owner cannot leave")
    await lab.refused(f"chats/{supergroup}/leave", {"from": DI}, "is not in chat")


async def test_people_change_members_through_the_control_routes(lab):
    supergroup = await lab.chat(rights={"can_restrict_members": True})
    await lab.control("POST", f"chats/{supergroup}/members", {"from": ADA, "user": DI, "status": "member"})
    await lab.control("POST", f"chats/{supergroup}/members", {"from": ADA, "user": CY, "status": "administrator",
                                                               "rights": {"can_pin_messages": True}})
    await lab.control("POST", f"chats/{supergroup}/members", {"from": ADA, "user": BO, "status": "restricted",
                                                               "permissions": {"can_send_messages": True}})
    rows = {r["name"]: r for r in (await lab.control("GET", f"chats/{supergroup}/members"))["members"]}
    assert rows["Cy"]["rights"] == "manage_chat pin_messages" and rows["Bo"]["status"] == "restricted"
    assert "send_photos" in rows["Bo"]["denied"] and "send_messages" not in rows["Bo"]["denied"]
    left = await lab.control("POST", f"chats/{supergroup}/leave", {"from": BO})
    assert left["chat_member"]["new_chat_member"]["is_member"] is False  # a restricted member who left
    back = await lab.control("POST", f"chats/{supergroup}/join", {"from": BO})
    assert back["chat_member"]["new_chat_member"]["status"] == "restricted"
    demoted = await lab.control("POST", f"chats/{supergroup}/members", {"from": ADA, "user": CY, "status": "left"})
    assert demoted["chat_member"]["new_chat_member"]["status"] == "left"
    until = int(lab.clock.time()) + 600
    await lab.control("POST", f"chats/{supergroup}/members", {"from": ADA, "user": DI, "status": "kicked",
                                                               "until_date": until})
    await lab.refused(f"chats/{supergroup}/join", {"from": DI}, "is banned from chat")
    await lab.refused(f"chats/{supergroup}/messages", {"from": DI, "text": "/x"}, "is banned from chat")
    group = await lab.chat("group")
    kicked = await lab.control("POST", f"chats/{group}/members", {"from": ADA, "user": BO, "status": "kicked"})
    assert kicked["chat_member"]["new_chat_member"]["status"] == "left"  # a basic group keeps no ban list
    await lab.refused(f"chats/{group}/messages", {"from": BO, "text": "/x"}, "they join first")
    channel = await lab.chat("channel", rights={"can_post_messages": True})
    await lab.refused(f"chats/{channel}/messages", {"from": ADA, "text": "/x"}, "is a channel")
    await lab.control("POST", f"chats/{channel}/bot", {"from": ADA, "status": "left"})
    await lab.updates()
    await lab.control("POST", f"chats/{channel}/posts", {"from": ADA, "text": "unheard"})
    assert await lab.updates() == []  # a bot no longer in the channel gets no channel_post


async def test_topics_people_open_and_write_in(lab):
    forum = await lab.chat(bot="member", is_forum=True)
    await lab.refused(f"chats/{forum}/topics", {"from": BO, "name": "x"}, "may not create topics")
    await lab.refused(f"chats/{forum}/topics/999/messages", {"from": BO, "text": "x"}, "no topic 999", status=404)
    opened = (await lab.control("POST", f"chats/{forum}/topics", {"from": ADA, "name": "Help"}))["topic"]
    await lab.refused(f"chats/{forum}/topics/{opened['message_thread_id']}/messages", {"from": DI, "text": "x"},
                      "is not in chat")
    [created] = await lab.updates()
    assert created["message"]["forum_topic_created"]["name"] == "Help"


async def test_what_a_bot_sees_and_what_the_transcript_says(lab):
    chat_id = await lab.chat(rights={"can_restrict_members": True, "can_change_info": True,
                                     "can_invite_users": True, "can_manage_topics": True}, is_forum=True)
    await lab.control("POST", f"chats/{chat_id}/members", {"from": ADA, "user": CY, "status": "administrator",
                                                            "rights": {"can_pin_messages": True}})
    await lab.fails("banChatMember", "Bad Request: user is an administrator of the chat", chat_id=chat_id,
                    user_id=CY["id"])
    await lab.fails("deleteMessage", "Bad Request: message to delete not found", chat_id=chat_id, message_id=999)
    link = await lab.call("createChatInviteLink", chat_id=chat_id)
    revoked = await lab.call("revokeChatInviteLink", chat_id=chat_id, invite_link=link["invite_link"])
    assert revoked["is_revoked"] is True and revoked["is_primary"] is False
    assert "invite_link" not in await lab.call("getChat", chat_id=chat_id)  # no new primary link for a plain one
    assert await lab.call("setChatTitle", chat_id=chat_id, title="Buyers club") is True
    await lab.control("POST", f"chats/{chat_id}/leave", {"from": BO})
    topic = await lab.call("createForumTopic", chat_id=chat_id, name="Orders")
    first = await lab.call("sendMessage", chat_id=chat_id, message_thread_id=topic["message_thread_id"], text="one")
    reply = await lab.call("sendMessage", chat_id=chat_id, message_thread_id=topic["message_thread_id"], text="two",
                           reply_parameters={"message_id": first["message_id"]})
    assert reply["reply_to_message"]["message_id"] == first["message_id"]  # a reply keeps what it answers
    theirs = (await lab.control("POST", f"chats/{chat_id}/topics", {"from": ADA, "name": "Chat"}))["topic"]
    await lab.updates()
    await lab.control("POST", f"chats/{chat_id}/topics/{theirs['message_thread_id']}/messages",
                      {"from": ADA, "text": "just chatting"})
    assert await lab.updates() == []  # privacy mode: plain text in a topic a person opened does not reach the bot
    transcript = [row["text"] for row in (await lab.control("GET", f"chats/{chat_id}/messages"))["messages"]]
    assert "(title changed to Buyers club)" in transcript and "(Bo left)" in transcript
    # the bot gone: people's joins, leaves and topics no longer reach it
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": ADA, "status": "left"})
    await lab.updates()
    await lab.control("POST", f"chats/{chat_id}/join", {"from": DI})
    await lab.control("POST", f"chats/{chat_id}/leave", {"from": DI})
    await lab.control("POST", f"chats/{chat_id}/members", {"from": ADA, "user": CY, "status": "kicked"})
    await lab.control("POST", f"chats/{chat_id}/topics", {"from": ADA, "name": "Quiet"})
    assert "message" not in kinds(await lab.updates())  # no service message reaches a bot that left
    channel = await lab.chat("channel")
    joined = await lab.control("POST", f"chats/{channel}/join", {"from": DI})
    assert joined["chat_member"]["new_chat_member"]["status"] == "member"
    await lab.control("POST", f"chats/{channel}/leave", {"from": DI})
    assert kinds(await lab.updates()) == ["chat_member", "chat_member"]  # a channel shows no service messages
    group = await lab.chat("group")
    added = await lab.control("POST", f"chats/{group}/members", {"from": BO, "user": DI, "status": "member"})
    assert added["chat_member"]["from"]["id"] == BO["id"]  # any member adds people to a basic group

