"""The chat view draws what the person sees, from the fake's own state, with nothing fetched from anywhere."""

from __future__ import annotations

import re

import pytest

from integration_lab.fakes.telegram import People, TelegramFake
from integration_lab.fakes.telegram.state import Toast
from integration_lab.notebook.chat_view import ChatView
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada"}


def test_a_chat_is_drawn_with_bubbles_media_buttons_polls_and_toasts():
    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(3))
    people = People(fake)
    people.send(501, ADA, "/start <now>")
    chat, bot = fake.default_bot.chats[501], fake.default_bot.account
    keyboard = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:1"}]]}
    fake.post(chat, bot, None, reply_markup=keyboard, content={
        "photo": [{"file_id": "a", "file_unique_id": "b", "width": 1280, "height": 960}], "caption": "Green tea"})
    fake.post(chat, bot, None, content={"poll": {
        "id": "1", "question": "Tea or coffee?", "type": "regular", "total_voter_count": 3, "is_closed": False,
        "options": [{"text": "Tea", "voter_count": 2}, {"text": "Coffee", "voter_count": 1}]}})
    fake.post(chat, bot, "gone").deleted = True
    chat.toasts.append(Toast(2, 0, "Sold out", False))
    page = ChatView(people, 501).html()
    assert "&lt;now&gt;" in page and "<now>" not in page  # people's text is escaped
    assert "🖼 1280×960" in page and "Green tea" in page and "<span>Buy</span>" in page
    assert 'style="width:67%"' in page and "Tea or coffee?" in page  # 2 of 3 votes
    assert 'class="b gone"' in page and "toast: Sold out" in page
    assert page.index("/start") < page.index("Green tea") < page.index("Tea or coffee?")
    assert not re.search(r"(src|href)\s*=|url\(|@import|<script", page)  # nothing to fetch
    assert ChatView(people, 501)._repr_html_() == page  # the same every time
    assert repr(ChatView(people, 501)) == "ChatView(chat 501, 5 rows)"  # no address in a golden output
