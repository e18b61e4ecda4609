"""Groups, supergroups and channels in the Telegram fake: members and rights, bans, promotions, pins, invite
links, join requests, forum topics, channel posts; through the wire, with Telegram's words for each refusal,
and every result and update validated against the Bot API catalogue."""

from __future__ import annotations

import httpx
import pytest
from catalogue import method_returns, problems
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada", "username": "ada"}
BO = {"id": 502, "first_name": "Bo"}
CY = {"id": 503, "first_name": "Cy"}
DI = {"id": 504, "first_name": "Di"}
ALL_UPDATES = ["message", "channel_post", "my_chat_member", "chat_member", "chat_join_request"]


class Lab:
    """The fake in-process: `call` a Bot API method (result validated, or the error body), `control` a route."""

    def __init__(self):
        self.clock = FrozenClock("2026-03-02T10:00:00Z")
        self.fake = TelegramFake(self.clock, IdFactory(22))
        self.people = People(self.fake)
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(self.fake), base_url="https://api.telegram.org")
        self.bot_id = self.fake.default_bot.account.id

    async def call(self, method: str, **params):
        response = await self.http.post(f"/bot{self.fake.default_bot.token}/{method}", json=params)
        body = response.json()
        if body["ok"]:
            assert not problems(body["result"], method_returns(method)), problems(body["result"], method_returns(method))
            return body["result"]
        assert response.status_code == body["error_code"]
        return body

    async def fails(self, method: str, expected: str, /, **params) -> None:
        body = await self.call(method, **params)
        assert isinstance(body, dict) and body.get("ok") is False, body
        assert body["description"] == expected, body

    async def control(self, verb: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        response = await self.http.request(verb, f"/_lab/{path}", json=body)
        assert response.status_code == status, response.text
        return response.json()

    async def updates(self) -> list[dict]:
        found = await self.call("getUpdates", allowed_updates=ALL_UPDATES)
        for update in found:
            assert not problems(update, "Update"), problems(update, "Update")
        if found:
            await self.call("getUpdates", offset=found[-1]["update_id"] + 1)
        return found

    async def supergroup(self, bot: str = "administrator", rights: dict | None = None, **extra) -> int:
        body = {"type": "supergroup", "title": "Buyers", "from": ADA, "members": [BO, CY], "bot": bot,
                "rights": rights if rights is not None else {}, **extra}
        chat = (await self.control("POST", "chats", body))["chat"]
        await self.updates()
        return chat["id"]


@pytest.fixture
async def lab():
    made = Lab()
    yield made
    await made.http.aclose()


def kinds(updates: list[dict]) -> list[str]:
    return [next(k for k in u if k != "update_id") for u in updates]


async def test_bot_added_as_member_then_promoted_then_bans(lab):
    chat = (await lab.control("POST", "chats", {"type": "supergroup", "title": "Buyers", "from": ADA,
                                                "members": [BO, CY]}))["chat"]
    added = await lab.updates()
    assert kinds(added) == ["my_chat_member", "message"]
    assert added[0]["my_chat_member"]["old_chat_member"]["status"] == "left"
    assert added[0]["my_chat_member"]["new_chat_member"] == {"user": added[0]["my_chat_member"]["new_chat_member"]["user"],
                                                             "status": "member"}
    assert added[1]["message"]["new_chat_members"][0]["id"] == lab.bot_id
    await lab.fails("banChatMember", "Bad Request: not enough rights to restrict/unrestrict chat member",
                    chat_id=chat["id"], user_id=BO["id"])
    await lab.control("POST", f"chats/{chat['id']}/bot", {"from": ADA, "status": "administrator",
                                                          "rights": {"can_restrict_members": True}})
    [promoted] = await lab.updates()
    new = promoted["my_chat_member"]["new_chat_member"]
    assert new["status"] == "administrator" and new["can_restrict_members"] and new["can_manage_chat"]
    assert new["can_be_edited"] is False and "can_post_messages" not in new  # a supergroup shows no channel rights
    assert await lab.call("banChatMember", chat_id=chat["id"], user_id=BO["id"]) is True
    banned = await lab.call("getChatMember", chat_id=chat["id"], user_id=BO["id"])
    assert banned == {"user": {"id": 502, "is_bot": False, "first_name": "Bo"}, "status": "kicked", "until_date": 0}
    updates = await lab.updates()
    assert kinds(updates) == ["chat_member"]  # the left_chat_member message reaches a bot only if it sees it
    assert updates[0]["chat_member"]["from"]["id"] == lab.bot_id
    assert await lab.call("getChatMemberCount", chat_id=chat["id"]) == 3  # Ada, Cy and the bot
    await lab.fails("banChatMember", "Bad Request: can't remove chat owner", chat_id=chat["id"], user_id=ADA["id"])
    await lab.fails("banChatMember", "Bad Request: user not found", chat_id=chat["id"], user_id=999)
    await lab.fails("banChatMember", "Bad Request: invalid user_id specified", chat_id=chat["id"], user_id="x")
    await lab.fails("banChatMember", "Bad Request: can't restrict self", chat_id=chat["id"], user_id=lab.bot_id)
    # unban: only_if_banned leaves a member alone; a plain unban of a member removes them (Bot API docs)
    assert await lab.call("unbanChatMember", chat_id=chat["id"], user_id=CY["id"], only_if_banned=True) is True
    assert (await lab.call("getChatMember", chat_id=chat["id"], user_id=CY["id"]))["status"] == "member"
    assert await lab.call("unbanChatMember", chat_id=chat["id"], user_id=BO["id"]) is True
    assert (await lab.call("getChatMember", chat_id=chat["id"], user_id=BO["id"]))["status"] == "left"


async def test_the_chat_member_update_waits_for_allowed_updates(lab):
    """chat_member is one of the three updates Telegram leaves out unless allowed_updates names it."""
    chat_id = await lab.supergroup(rights={"can_restrict_members": True})
    await lab.call("getUpdates", allowed_updates=[])  # back to the default
    await lab.control("POST", f"chats/{chat_id}/join", {"from": DI})
    default = await lab.call("getUpdates")
    assert kinds(default) == ["message"] and default[0]["message"]["new_chat_members"][0]["id"] == DI["id"]
    asked = await lab.call("getUpdates", allowed_updates=["chat_member"])
    assert kinds(asked) == ["chat_member"]
    assert asked[0]["chat_member"]["new_chat_member"]["status"] == "member"


async def test_administrators_and_promotions(lab):
    chat_id = await lab.supergroup(rights={"can_promote_members": True, "can_pin_messages": True,
                                           "can_delete_messages": True})
    admins = await lab.call("getChatAdministrators", chat_id=chat_id)
    assert [(a["user"]["id"], a["status"]) for a in admins] == [(ADA["id"], "creator"), (lab.bot_id, "administrator")]
    assert await lab.call("promoteChatMember", chat_id=chat_id, user_id=BO["id"], can_pin_messages=True) is True
    bo = await lab.call("getChatMember", chat_id=chat_id, user_id=BO["id"])
    assert bo["status"] == "administrator" and bo["can_pin_messages"] and bo["can_be_edited"] is True
    await lab.fails("promoteChatMember", "Bad Request: RIGHT_FORBIDDEN", chat_id=chat_id, user_id=CY["id"],
                    can_restrict_members=True)
    await lab.fails("promoteChatMember", "Bad Request: can't promote self", chat_id=chat_id, user_id=lab.bot_id,
                    can_pin_messages=True)
    await lab.fails("promoteChatMember", "Bad Request: can't remove chat owner", chat_id=chat_id, user_id=ADA["id"])
    assert await lab.call("setChatAdministratorCustomTitle", chat_id=chat_id, user_id=BO["id"],
                          custom_title="pinner") is True
    assert (await lab.call("getChatMember", chat_id=chat_id, user_id=BO["id"]))["custom_title"] == "pinner"
    await lab.fails("setChatAdministratorCustomTitle", "Bad Request: CUSTOM_TITLE_INVALID", chat_id=chat_id,
                    user_id=BO["id"], custom_title="a title far too long")
    await lab.fails("setChatMemberTag", "Bad Request: TAG_CHANGE_FORBIDDEN", chat_id=chat_id, user_id=CY["id"],
                    tag="buyer")  # the bot has no can_manage_tags
    await lab.fails("setChatAdministratorCustomTitle", "Bad Request: user is not an administrator",
                    chat_id=chat_id, user_id=CY["id"], custom_title="x")
    await lab.fails("setChatAdministratorCustomTitle", "Bad Request: only the owner can edit their custom title",
                    chat_id=chat_id, user_id=ADA["id"], custom_title="x")
    # an administrator the owner promoted is out of the bot's reach
    await lab.control("POST", f"chats/{chat_id}/members", {"from": ADA, "user": CY, "status": "administrator",
                                                            "rights": {"can_invite_users": True}})
    await lab.fails("promoteChatMember", "Bad Request: CHAT_ADMIN_REQUIRED", chat_id=chat_id, user_id=CY["id"])
    await lab.fails("banChatMember", "Bad Request: not enough rights to restrict/unrestrict chat member",
                    chat_id=chat_id, user_id=CY["id"])
    assert await lab.call("promoteChatMember", chat_id=chat_id, user_id=BO["id"]) is True  # all false: demoted
    assert (await lab.call("getChatMember", chat_id=chat_id, user_id=BO["id"]))["status"] == "member"


async def test_restrict_and_permissions(lab):
    chat_id = await lab.supergroup(rights={"can_restrict_members": True, "can_manage_tags": True})
    assert await lab.call("setChatMemberTag", chat_id=chat_id, user_id=BO["id"], tag="buyer") is True
    assert (await lab.call("getChatMember", chat_id=chat_id, user_id=BO["id"]))["tag"] == "buyer"
    until = int(lab.clock.time()) + 3600
    assert await lab.call("restrictChatMember", chat_id=chat_id, user_id=BO["id"], until_date=until,
                          permissions={"can_send_messages": False}) is True
    bo = await lab.call("getChatMember", chat_id=chat_id, user_id=BO["id"])
    assert bo["status"] == "restricted" and bo["until_date"] == until and bo["is_member"] is True
    assert bo["can_send_messages"] is False and bo["can_send_photos"] is False
    assert bo["tag"] == "buyer"  # the tag stays through a restriction
    lab.clock.advance(3601)  # a restriction ends by itself
    assert (await lab.call("getChatMember", chat_id=chat_id, user_id=BO["id"]))["status"] == "member"
    await lab.fails("restrictChatMember", "Bad Request: can't parse permissions JSON object", chat_id=chat_id,
                    user_id=BO["id"], permissions="{")
    await lab.fails("restrictChatMember", "Bad Request: object expected as permissions", chat_id=chat_id,
                    user_id=BO["id"], permissions=[1])
    assert await lab.call("setChatPermissions", chat_id=chat_id, permissions={"can_send_polls": True}) is True
    info = await lab.call("getChat", chat_id=chat_id)
    assert info["permissions"]["can_send_polls"] and info["permissions"]["can_send_messages"]  # implied
    assert not info["permissions"]["can_send_photos"]
    group = (await lab.control("POST", "chats", {"title": "Small", "from": ADA, "members": [BO]}))["chat"]
    await lab.fails("restrictChatMember", "Bad Request: method is available only for supergroups",
                    chat_id=group["id"], user_id=BO["id"], permissions={})
    await lab.fails("promoteChatMember", "Bad Request: method is available for supergroup and channel chats only",
                    chat_id=group["id"], user_id=BO["id"])
    await lab.fails("banChatMember", "Bad Request: CHAT_ADMIN_REQUIRED", chat_id=group["id"], user_id=BO["id"])
    await lab.fails("setChatPermissions", "Bad Request: not enough rights to change chat permissions",
                    chat_id=group["id"], permissions={})


async def test_pins_and_the_pinned_service_message(lab):
    chat_id = await lab.supergroup(bot="member")
    sent = await lab.call("sendMessage", chat_id=chat_id, text="Rules: be kind")
    await lab.fails("pinChatMessage", "Bad Request: not enough rights to manage pinned messages in the chat",
                    chat_id=chat_id, message_id=sent["message_id"])
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": ADA, "status": "administrator",
                                                       "rights": {"can_pin_messages": True}})
    await lab.fails("pinChatMessage", "Bad Request: message to pin not found", chat_id=chat_id, message_id=999)
    assert await lab.call("pinChatMessage", chat_id=chat_id, message_id=sent["message_id"]) is True
    await lab.fails("pinChatMessage", "Bad Request: CHAT_NOT_MODIFIED", chat_id=chat_id, message_id=sent["message_id"])
    info = await lab.call("getChat", chat_id=chat_id)
    assert info["pinned_message"]["text"] == "Rules: be kind"
    transcript = (await lab.control("GET", f"chats/{chat_id}/messages"))["messages"]
    assert transcript[-1]["text"] == f"(pinned message {sent['message_id']})"
    pin = lab.fake.default_bot.chats[chat_id].messages[transcript[-1]["message_id"]].to_api()
    assert pin["pinned_message"]["message_id"] == sent["message_id"] and not problems(pin, "Message")
    assert await lab.call("unpinChatMessage", chat_id=chat_id) is True
    assert "pinned_message" not in await lab.call("getChat", chat_id=chat_id)
    await lab.fails("unpinChatMessage", "Bad Request: message to unpin not found", chat_id=chat_id, message_id=999)
    assert await lab.call("unpinAllChatMessages", chat_id=chat_id) is True
    await lab.fails("unpinChatMessage", "Bad Request: message to unpin not found", chat_id=chat_id)  # none pinned


async def test_delete_others_messages_needs_the_right(lab):
    chat_id = await lab.supergroup(bot="member")
    said = (await lab.control("POST", f"chats/{chat_id}/messages", {"from": BO, "text": "/spam"}))["message"]
    await lab.fails("deleteMessage", "Bad Request: message can't be deleted", chat_id=chat_id,
                    message_id=said["message_id"])
    own = await lab.call("sendMessage", chat_id=chat_id, text="mine")
    assert await lab.call("deleteMessage", chat_id=chat_id, message_id=own["message_id"]) is True
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": ADA, "status": "administrator",
                                                       "rights": {"can_delete_messages": True}})
    assert await lab.call("deleteMessage", chat_id=chat_id, message_id=said["message_id"]) is True


async def test_invite_links_and_join_requests(lab):
    chat_id = await lab.supergroup(rights={"can_invite_users": True})
    primary = await lab.call("exportChatInviteLink", chat_id=chat_id)
    assert primary.startswith("https://t.me/+") and (await lab.call("getChat", chat_id=chat_id))["invite_link"] == primary
    await lab.fails("createChatInviteLink",
                    "Bad Request: member limit can't be specified for links requiring administrator approval",
                    chat_id=chat_id, creates_join_request=True, member_limit=5)
    link = await lab.call("createChatInviteLink", chat_id=chat_id, name="ads", creates_join_request=True)
    assert link["creates_join_request"] is True and link["creator"]["id"] == lab.bot_id and link["name"] == "ads"
    asked = await lab.control("POST", "invite_links/join", {"from": DI, "invite_link": link["invite_link"],
                                                            "bio": "hi"})
    [request] = await lab.updates()
    assert request["chat_join_request"]["from"]["id"] == DI["id"]
    assert request["chat_join_request"]["invite_link"]["pending_join_request_count"] == 1
    assert asked["chat_join_request"]["user_chat_id"] == DI["id"]
    assert await lab.call("approveChatJoinRequest", chat_id=chat_id, user_id=DI["id"]) is True
    joined = await lab.updates()
    assert kinds(joined) == ["chat_member", "message"]
    assert joined[0]["chat_member"]["via_join_request"] is True
    assert joined[0]["chat_member"]["invite_link"]["invite_link"] == link["invite_link"]
    await lab.fails("approveChatJoinRequest", "Bad Request: USER_ALREADY_PARTICIPANT", chat_id=chat_id,
                    user_id=DI["id"])
    await lab.fails("declineChatJoinRequest", "Bad Request: HIDE_REQUESTER_MISSING", chat_id=chat_id,
                    user_id=lab.fake.person({"id": 506, "first_name": "Fay"}).id)
    await lab.fails("editChatInviteLink", "Bad Request: INVITE_HASH_EXPIRED", chat_id=chat_id,
                    invite_link="https://t.me/+bogus")
    revoked = await lab.call("revokeChatInviteLink", chat_id=chat_id, invite_link=primary)
    assert revoked["is_revoked"] is True and revoked["is_primary"] is False
    assert (await lab.call("getChat", chat_id=chat_id))["invite_link"] != primary
    await lab.control("POST", "invite_links/join", {"from": {"id": 505, "first_name": "Ed"},
                                                    "invite_link": primary}, status=400)
    edited = await lab.call("editChatInviteLink", chat_id=chat_id, invite_link=link["invite_link"], member_limit=2)
    assert edited["member_limit"] == 2 and edited["creates_join_request"] is False


async def test_channel_posts_and_rights(lab):
    channel = (await lab.control("POST", "chats", {"type": "channel", "title": "Lab News", "from": ADA,
                                                   "rights": {"can_invite_users": True}}))["chat"]
    [added] = await lab.updates()  # no service message for a bot added to a channel
    assert added["my_chat_member"]["new_chat_member"]["status"] == "administrator"
    assert "can_post_messages" in added["my_chat_member"]["new_chat_member"]
    await lab.fails("sendMessage", "Bad Request: need administrator rights in the channel chat",
                    chat_id=channel["id"], text="hello")
    posted = (await lab.control("POST", f"chats/{channel['id']}/posts", {"from": ADA, "text": "Issue 1"}))["message"]
    assert "from" not in posted and posted["sender_chat"]["id"] == channel["id"]
    [post] = await lab.updates()
    assert post["channel_post"]["text"] == "Issue 1" and post["channel_post"]["chat"]["type"] == "channel"
    await lab.control("POST", f"chats/{channel['id']}/bot", {"from": ADA, "status": "administrator",
                                                             "rights": {"can_post_messages": True}})
    sent = await lab.call("sendMessage", chat_id=channel["id"], text="from the bot")
    assert sent["sender_chat"]["id"] == channel["id"] and "from" not in sent
    await lab.fails("setChatPermissions", "Bad Request: can't change channel chat permissions",
                    chat_id=channel["id"], permissions={})
    await lab.control("POST", f"chats/{channel['id']}/bot", {"from": ADA, "status": "kicked"})
    await lab.fails("sendMessage", "Forbidden: bot was kicked from the channel chat", chat_id=channel["id"], text="x")
    await lab.fails("getChatMember", "Forbidden: bot was kicked from the channel chat", chat_id=channel["id"],
                    user_id=ADA["id"])


async def test_bot_removed_and_leave_chat(lab):
    chat_id = await lab.supergroup()
    assert await lab.call("leaveChat", chat_id=chat_id) is True
    [left] = await lab.updates()
    assert left["my_chat_member"]["new_chat_member"]["status"] == "left"
    await lab.fails("sendMessage", "Forbidden: bot is not a member of the supergroup chat", chat_id=chat_id, text="x")
    await lab.fails("getChatAdministrators", "Forbidden: bot is not a member of the supergroup chat", chat_id=chat_id)
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": ADA, "status": "member"})
    assert (await lab.call("sendMessage", chat_id=chat_id, text="back"))["text"] == "back"


async def test_title_description_photo(lab):
    chat_id = await lab.supergroup(bot="member")
    await lab.fails("setChatTitle", "Bad Request: not enough rights to change chat title", chat_id=chat_id, title="X")
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": ADA, "status": "administrator",
                                                       "rights": {"can_change_info": True}})
    await lab.fails("setChatTitle", "Bad Request: title must be non-empty", chat_id=chat_id, title="  ")
    assert await lab.call("setChatTitle", chat_id=chat_id, title="Buyers club") is True
    assert await lab.call("setChatDescription", chat_id=chat_id, description="Deals") is True
    await lab.fails("setChatDescription", "Bad Request: chat description is not modified", chat_id=chat_id,
                    description="Deals")
    await lab.fails("setChatPhoto", "Bad Request: there is no photo in the request", chat_id=chat_id)
    await lab.fails("setChatPhoto", "Bad Request: photo must be uploaded as an InputFile", chat_id=chat_id,
                    photo="https://x.example/p.jpg")
    info = await lab.call("getChat", chat_id=chat_id)
    assert info["title"] == "Buyers club" and info["description"] == "Deals"


async def test_forum_topics(lab):
    chat_id = await lab.supergroup(rights={"can_manage_topics": True, "can_pin_messages": True}, is_forum=True)
    assert (await lab.call("getChat", chat_id=chat_id))["is_forum"] is True
    topic = await lab.call("createForumTopic", chat_id=chat_id, name="Orders")
    assert topic["name"] == "Orders" and topic["icon_color"] == 7322096
    thread = topic["message_thread_id"]
    said = (await lab.control("POST", f"chats/{chat_id}/topics/{thread}/messages",
                              {"from": BO, "text": "/status@lab_shop_bot"}))["message"]
    assert said["message_thread_id"] == thread and said["is_topic_message"] is True
    [update] = await lab.updates()
    assert update["message"]["message_thread_id"] == thread
    answer = await lab.call("sendMessage", chat_id=chat_id, message_thread_id=thread, text="Order 7 shipped")
    assert answer["message_thread_id"] == thread and answer["is_topic_message"] is True
    assert answer["reply_to_message"]["forum_topic_created"]["name"] == "Orders"
    general = await lab.call("sendMessage", chat_id=chat_id, text="to everyone")
    assert "message_thread_id" not in general
    await lab.fails("sendMessage", "Bad Request: message thread not found", chat_id=chat_id, message_thread_id=1,
                    text="x")
    await lab.fails("sendMessage", "Bad Request: message thread not found", chat_id=chat_id, message_thread_id=999,
                    text="x")
    assert await lab.call("closeForumTopic", chat_id=chat_id, message_thread_id=thread) is True
    await lab.control("POST", f"chats/{chat_id}/topics/{thread}/messages", {"from": BO, "text": "hi"}, status=400)
    assert await lab.call("reopenForumTopic", chat_id=chat_id, message_thread_id=thread) is True
    await lab.fails("reopenForumTopic", "Bad Request: TOPIC_NOT_MODIFIED", chat_id=chat_id, message_thread_id=thread)
    assert await lab.call("editForumTopic", chat_id=chat_id, message_thread_id=thread, name="Orders 2") is True
    await lab.fails("editForumTopic", "Bad Request: TOPIC_NOT_MODIFIED", chat_id=chat_id, message_thread_id=thread,
                    name="Orders 2")
    await lab.fails("closeForumTopic", "Bad Request: TOPIC_ID_INVALID", chat_id=chat_id, message_thread_id=9999)
    await lab.fails("editForumTopic", "Bad Request: invalid forum topic identifier specified", chat_id=chat_id,
                    message_thread_id=0, name="x")
    assert await lab.call("deleteForumTopic", chat_id=chat_id, message_thread_id=thread) is True
    plain = await lab.supergroup()
    await lab.fails("createForumTopic", "Bad Request: the chat is not a forum", chat_id=plain, name="x")
    assert await lab.call("getForumTopicIconStickers") == []


async def test_group_upgrade_keeps_the_owner_and_admins(lab):
    group = lab.people.create_group("Buyers", ADA, [BO])
    await lab.control("POST", f"chats/{group['id']}/bot", {"from": ADA, "status": "administrator",
                                                           "rights": {"can_restrict_members": True}})
    supergroup = lab.people.upgrade_group(group["id"], ADA)
    admins = await lab.call("getChatAdministrators", chat_id=supergroup["id"])
    assert [a["status"] for a in admins] == ["creator", "administrator"]
    assert await lab.call("banChatMember", chat_id=supergroup["id"], user_id=BO["id"]) is True


async def test_control_routes_refuse_what_the_apps_refuse(lab):
    chat_id = await lab.supergroup()
    await lab.control("POST", f"chats/{chat_id}/bot", {"from": BO, "status": "kicked"}, status=400)
    await lab.control("POST", f"chats/{chat_id}/join", {"from": BO}, status=400)  # already in
    await lab.control("POST", f"chats/{chat_id}/posts", {"from": ADA, "text": "x"}, status=400)  # not a channel
    await lab.control("POST", "chats/-42/join", {"from": BO}, status=404)
    await lab.control("POST", "chats", {"type": "channel", "title": "C", "from": ADA, "bot": "member"}, status=400)
    members = (await lab.control("GET", f"chats/{chat_id}/members"))["members"]
    assert [(r["name"], r["status"]) for r in members] == [("ada", "creator"), ("lab_shop_bot", "administrator"),
                                                          ("Bo", "member"), ("Cy", "member")]
    assert await lab.call("getChatMember", chat_id=chat_id, user_id=ADA["id"]) == {
        "user": {"id": 501, "is_bot": False, "first_name": "Ada", "username": "ada"}, "status": "creator",
        "is_anonymous": False}


async def test_people_write_only_where_the_apps_let_them(lab):
    chat_id = await lab.supergroup(rights={"can_restrict_members": True}, username="lab_buyers", is_forum=True)
    info = await lab.call("getChat", chat_id="@lab_buyers")
    assert info["id"] == chat_id and info["username"] == "lab_buyers" and info["is_forum"] is True
    assert await lab.call("restrictChatMember", chat_id=chat_id, user_id=CY["id"],
                          permissions={"can_send_messages": False}) is True
    await lab.control("POST", f"chats/{chat_id}/messages", {"from": CY, "text": "/hi"}, status=400)
    assert await lab.call("banChatMember", chat_id=chat_id, user_id=BO["id"]) is True
    await lab.control("POST", f"chats/{chat_id}/messages", {"from": BO, "text": "/hi"}, status=400)
    said = (await lab.control("POST", f"chats/{chat_id}/messages", {"from": ADA, "text": "/rules"}))["message"]
    assert said["chat"] == {"id": chat_id, "title": "Buyers", "username": "lab_buyers", "is_forum": True,
                            "type": "supergroup"}
    assert not problems(said, "Message")
    await lab.updates()
    assert await lab.call("leaveChat", chat_id=chat_id) is True
    await lab.updates()
    await lab.control("POST", f"chats/{chat_id}/messages", {"from": ADA, "text": "/rules"})
    assert await lab.call("getUpdates", allowed_updates=ALL_UPDATES) == []  # a bot that left hears nothing


async def test_a_chat_that_approves_new_members(lab):
    chat_id = await lab.supergroup(rights={"can_invite_users": True}, join_by_request=True)
    assert (await lab.call("getChat", chat_id=chat_id))["join_by_request"] is True
    asked = await lab.control("POST", f"chats/{chat_id}/join", {"from": DI, "bio": "tea lover"})
    assert asked["chat_join_request"]["bio"] == "tea lover" and "invite_link" not in asked["chat_join_request"]
    [request] = await lab.updates()
    assert kinds([request]) == ["chat_join_request"]
    assert await lab.call("declineChatJoinRequest", chat_id=chat_id, user_id=DI["id"]) is True
    assert (await lab.call("getChatMember", chat_id=chat_id, user_id=DI["id"]))["status"] == "left"
    assert await lab.updates() == []
