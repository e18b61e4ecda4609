"""aiogram and python-telegram-bot, unmodified, run group and channel bots against the served fake: people act
through the control API (add and promote the bot, join by link, ask to join, post in a channel) while each
library's own polling application handles my_chat_member, chat_member, chat_join_request and channel_post."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiogram import Bot as AiogramBot
from aiogram import Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from telegram import Update
from telegram.ext import Application, ChatMemberHandler, MessageHandler, filters

pytestmark = pytest.mark.redis_free

TOKEN = "4242424242:LAB_fake_token_for_local_tests_only"  # nosec B105  # the served fake's made-up default
ADA = {"id": 42, "first_name": "Ada"}
BO = {"id": 43, "first_name": "Bo"}
SPAM = {"id": 44, "first_name": "Spammer"}
WAIT = 15


@pytest.fixture(scope="module")
def served():
    from integration_lab.runtime.processes import Served
    from integration_lab.serve import telegram_app

    _fake, app = telegram_app([TOKEN], limits=False)
    with Served(app) as url:
        yield url


@pytest.fixture
async def control(served):
    async with httpx.AsyncClient(base_url=f"{served}/_lab/", timeout=WAIT) as client:
        await client.post("reset")
        yield client


async def _ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


async def _until(found: list, count: int) -> None:
    for _ in range(WAIT * 20):
        if len(found) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {len(found)} of {count} arrived: {found}")


async def test_aiogram_bot_is_promoted_approves_requests_and_bans(served, control):
    seen: list = []
    router = Router()

    @router.my_chat_member()
    async def promoted(event):
        seen.append(("me", event.new_chat_member.status, getattr(event.new_chat_member, "can_restrict_members", None)))

    @router.chat_join_request()
    async def approve(request):
        seen.append(("asked", request.from_user.first_name, request.invite_link.name))
        await request.approve()

    @router.chat_member()
    async def joined(event):
        seen.append(("member", event.new_chat_member.user.first_name, event.new_chat_member.status,
                     bool(event.via_join_request)))
        if event.new_chat_member.status == "member" and event.new_chat_member.user.first_name == "Spammer":
            await event.bot.ban_chat_member(event.chat.id, event.new_chat_member.user.id)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = AiogramBot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(served)))
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1,
                                                           close_bot_session=False))
    try:
        chat = (await _ok(await control.post("chats", json={"type": "supergroup", "title": "Buyers", "from": ADA,
                                                              "bot": "member"})))["chat"]
        await _ok(await control.post(f"chats/{chat['id']}/bot", json={
            "from": ADA, "status": "administrator", "rights": {"can_restrict_members": True,
                                                               "can_invite_users": True}}))
        await _until(seen, 2)
        assert seen[:2] == [("me", "member", None), ("me", "administrator", True)]
        link = await bot.create_chat_invite_link(chat["id"], name="ads", creates_join_request=True)
        await _ok(await control.post("invite_links/join", json={"from": BO, "invite_link": link.invite_link}))
        await _until(seen, 4)  # asked, then approved by the handler: Bo joins via the request
        await _ok(await control.post(f"chats/{chat['id']}/join", json={"from": SPAM}))
        await _until(seen, 6)
        assert seen[2:] == [("asked", "Bo", "ads"), ("member", "Bo", "member", True),
                            ("member", "Spammer", "member", False), ("member", "Spammer", "kicked", False)]
        members = (await _ok(await control.get(f"chats/{chat['id']}/members")))["members"]
        assert {r["name"]: r["status"] for r in members}["Spammer"] == "kicked"
        assert (await bot.get_chat_member(chat["id"], BO["id"])).status == "member"
    finally:
        await asyncio.wait_for(dispatcher.stop_polling(), WAIT)
        await asyncio.wait_for(polling, WAIT)
        await bot.session.close()


async def test_ptb_application_greets_members_and_echoes_channel_posts(served, control):
    events: list = []

    async def membership(update, context):
        change = update.chat_member or update.my_chat_member
        events.append((change.new_chat_member.user.first_name, change.new_chat_member.status))
        if update.chat_member and change.new_chat_member.status == "member":
            await context.bot.send_message(change.chat.id, f"Welcome, {change.new_chat_member.user.first_name}")

    async def channel_post(update, context):
        events.append(("post", update.channel_post.text, update.channel_post.sender_chat.title))
        await context.bot.send_message(update.channel_post.chat.id, f"Noted: {update.channel_post.text}")

    app = Application.builder().token(TOKEN).base_url(f"{served}/bot").build()
    app.add_handler(ChatMemberHandler(membership, ChatMemberHandler.ANY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POST, channel_post))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
        try:
            group = (await _ok(await control.post("chats", json={"type": "supergroup", "title": "Buyers",
                                                                  "from": ADA})))["chat"]
            await _ok(await control.post(f"chats/{group['id']}/join", json={"from": BO}))
            channel = (await _ok(await control.post("chats", json={
                "type": "channel", "title": "Lab News", "from": ADA, "rights": {"can_post_messages": True}})))["chat"]
            await _ok(await control.post(f"chats/{channel['id']}/posts", json={"from": ADA, "text": "Issue 1"}))
            await _until(events, 4)
            assert events == [("Lab Shop", "member"), ("Bo", "member"), ("Lab Shop", "administrator"),
                              ("post", "Issue 1", "Lab News")]
            for _ in range(WAIT * 20):  # the handlers' own sends land after the events they answer
                said = (await _ok(await control.get(f"chats/{channel['id']}/messages")))["messages"]
                if said[-1]["text"] == "Noted: Issue 1":
                    break
                await asyncio.sleep(0.05)
            assert said[-1]["text"] == "Noted: Issue 1"
            greeted = (await _ok(await control.get(f"chats/{group['id']}/messages")))["messages"]
            assert "Welcome, Bo" in [m["text"] for m in greeted]
        finally:
            await app.updater.stop()
            await app.stop()
