"""Copy, forward, react, polls, dice, locations, venues, contacts, drafts and ephemeral messages in the Telegram
fake: through the wire, with Telegram's checks and words, every result and update valid in the catalogue, and
real clients (python-telegram-bot, aiogram) driving them unmodified."""

from __future__ import annotations

import os

import httpx
import pytest

from catalogue import method_returns, problems
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.fakes.telegram import interactive_people as person
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada", "username": "ada"}
BO = {"id": 502, "first_name": "Bo"}
CY = {"id": 503, "first_name": "Cy"}


class Api:
    """The fake through its transport: `ok` validates a result against the method's return type, `fails`
    returns Telegram's error body."""

    def __init__(self, fake: TelegramFake):
        self.fake = fake
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")

    async def raw(self, method: str, **params) -> dict:
        response = await self.http.post(f"/bot{self.fake.default_bot.token}/{method}", json=params)
        body = response.json()
        assert response.status_code == (200 if body["ok"] else body["error_code"])
        return body

    async def ok(self, method: str, **params):
        body = await self.raw(method, **params)
        assert body["ok"], body
        assert problems(body["result"], method_returns(method)) == [], problems(body["result"], method_returns(method))
        return body["result"]

    async def fails(self, method: str, **params) -> str:
        body = await self.raw(method, **params)
        assert not body["ok"], body
        return body["description"]


@pytest.fixture
def world():
    clock = FrozenClock("2026-03-02T10:00:00Z")
    fake = TelegramFake(clock, IdFactory(22), limits=False)
    people = People(fake)
    people.send(501, ADA, "/start")
    return fake, people, Api(fake), clock


async def updates(api: Api, *allowed: str) -> list[dict]:
    found = await api.ok("getUpdates", allowed_updates=list(allowed) if allowed else [], timeout=0)
    for update in found:
        assert problems(update, "Update") == [], problems(update, "Update")
    if found:
        await api.ok("getUpdates", offset=found[-1]["update_id"] + 1, timeout=0)
    return found


def kinds(found: list[dict]) -> list[str]:
    return [next(k for k in u if k != "update_id") for u in found]


# ---- forward and copy ----------------------------------------------------------------------------------

async def test_forward_keeps_the_origin_copy_returns_a_message_id(world):
    fake, people, api, clock = world
    group = people.create_group("Buyers", BO, [ADA])
    said = people.send(group["id"], BO, "/deal 20% off")
    clock.advance(30)
    forwarded = await api.ok("forwardMessage", chat_id=501, from_chat_id=group["id"], message_id=said["message_id"])
    assert forwarded["forward_origin"] == {"type": "user", "date": said["date"], "sender_user": people.fake.person(BO).to_api()}
    assert forwarded["text"] == "/deal 20% off" and forwarded["date"] == said["date"] + 30
    again = await api.ok("forwardMessage", chat_id=group["id"], from_chat_id=501, message_id=forwarded["message_id"])
    assert again["forward_origin"] == forwarded["forward_origin"]  # a forward of a forward keeps the first origin
    copied = await api.ok("copyMessage", chat_id=501, from_chat_id=group["id"], message_id=said["message_id"],
                          reply_markup={"inline_keyboard": [[{"text": "Use it", "callback_data": "use"}]]})
    assert set(copied) == {"message_id"}
    shown = person.message_view(people, 501, copied["message_id"])["message"]
    assert "forward_origin" not in shown and shown["text"] == "/deal 20% off"
    assert shown["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "use"


async def test_people_forward_to_the_bot_and_privacy_hides_the_sender(world):
    fake, people, api, clock = world
    group = people.create_group("Buyers", BO, [ADA])
    said = people.send(group["id"], BO, "/deal tea at half price")
    await updates(api)
    forwarded = person.forward(people, 501, ADA, group["id"], said["message_id"])
    assert forwarded["from"]["id"] == 501 and forwarded["forward_origin"]["sender_user"]["id"] == 502
    person.set_forward_privacy(people, 502, "nobody")
    hidden = person.forward(people, 501, ADA, group["id"], said["message_id"])
    assert hidden["forward_origin"] == {"type": "hidden_user", "date": said["date"], "sender_user_name": "Bo"}
    by_bot = await api.ok("forwardMessage", chat_id=501, from_chat_id=group["id"], message_id=said["message_id"])
    assert by_bot["forward_origin"]["type"] == "hidden_user"  # the privacy setting holds for bots' forwards too
    found = await updates(api)
    assert kinds(found) == ["message", "message"] and found[1]["message"]["forward_origin"]["type"] == "hidden_user"
    secret = await api.ok("sendMessage", chat_id=501, text="code 1234", protect_content=True)
    with pytest.raises(ValueError, match="protected"):
        person.forward(people, 501, ADA, 501, secret["message_id"])
    with pytest.raises(ValueError, match="not in chat"):
        person.forward(people, 503, CY, group["id"], said["message_id"])


async def test_protect_content_forbids_forwarding_but_not_a_bots_copy(world):
    fake, people, api, clock = world
    secret = await api.ok("sendMessage", chat_id=501, text="your code: 1234", protect_content=True)
    assert secret["has_protected_content"] is True
    assert await api.fails("forwardMessage", chat_id=501, from_chat_id=501, message_id=secret["message_id"]) == \
        "Bad Request: the message can't be forwarded"
    assert await api.fails("forwardMessages", chat_id=501, from_chat_id=501, message_ids=[secret["message_id"]]) == \
        "Bad Request: messages can't be forwarded"
    copy = await api.ok("copyMessage", chat_id=501, from_chat_id=501, message_id=secret["message_id"])
    assert "has_protected_content" not in person.message_view(people, 501, copy["message_id"])["message"]
    forwarded = await api.ok("forwardMessage", chat_id=501, from_chat_id=501, message_id=1, protect_content=True)
    assert forwarded["has_protected_content"] is True


async def test_forward_and_copy_refusals_in_telegrams_words(world):
    fake, people, api, clock = world
    assert await api.fails("forwardMessage", chat_id=501, message_id=1) == \
        'Bad Request: parameter "from_chat_id" is required'
    assert await api.fails("forwardMessage", chat_id=501, from_chat_id=777, message_id=1) == "Bad Request: chat not found"
    assert await api.fails("forwardMessage", chat_id=501, from_chat_id=501, message_id=99) == \
        "Bad Request: message to forward not found"
    assert await api.fails("copyMessage", chat_id=501, from_chat_id=501, message_id=0) == \
        "Bad Request: message to copy not found"
    assert await api.fails("forwardMessage", chat_id=777, from_chat_id=501, message_id=1) == "Bad Request: chat not found"
    group = people.create_group("Buyers", BO)
    upgraded = people.upgrade_group(group["id"], BO)
    assert await api.fails("copyMessage", chat_id=501, from_chat_id=upgraded["id"], message_id=1) == \
        "Bad Request: the message can't be copied"  # the migrate_from service message


async def test_plural_forms_skip_missing_messages_and_check_the_list(world):
    fake, people, api, clock = world
    for word in ("one", "two", "three"):
        people.send(501, ADA, word)
    people.fake.bot_by_id(None).chats[501].messages[3].deleted = True
    sent = await api.ok("copyMessages", chat_id=501, from_chat_id=501, message_ids=[2, 3, 4, 40], remove_caption=True)
    assert len(sent) == 2 and sent[1]["message_id"] == sent[0]["message_id"] + 1
    forwarded = await api.ok("forwardMessages", chat_id=501, from_chat_id=501, message_ids=["2", 4])
    assert [person.message_view(people, 501, m["message_id"])["message"]["text"] for m in forwarded] == ["one", "three"]
    assert await api.fails("forwardMessages", chat_id=501, from_chat_id=501, message_ids=[40, 41]) == \
        "Bad Request: there are no messages to forward"
    assert await api.fails("copyMessages", chat_id=501, from_chat_id=501, message_ids=[4, 2]) == \
        "Bad Request: message identifiers must be in a strictly increasing order"
    assert await api.fails("copyMessages", chat_id=501, from_chat_id=501, message_ids=list(range(1, 102))) == \
        "Bad Request: too many message identifiers specified"
    assert await api.fails("copyMessages", chat_id=501, from_chat_id=501, message_ids=[]) == \
        "Bad Request: message identifiers are not specified"
    assert await api.fails("copyMessages", chat_id=501, from_chat_id=501, message_ids=[0]) == \
        "Bad Request: invalid message identifier specified"
    assert await api.fails("copyMessages", chat_id=501, from_chat_id=501, message_ids="[1,") == \
        "Bad Request: can't parse message_ids JSON object"
    assert await api.fails("copyMessages", chat_id=501, from_chat_id=501, message_ids=[True]) == \
        "Bad Request: message identifier must be a Number"


# ---- reactions -------------------------------------------------------------------------------------------

async def test_reactions_bot_sets_one_people_react_updates_only_when_asked(world):
    fake, people, api, clock = world
    sent = await api.ok("sendMessage", chat_id=501, text="Order shipped")
    assert await api.ok("setMessageReaction", chat_id=501, message_id=1, reaction=[{"type": "emoji", "emoji": "👍"}],
                        is_big=True) is True
    assert await api.fails("setMessageReaction", chat_id=501, message_id=1, reaction=[
        {"type": "emoji", "emoji": "👍"}, {"type": "emoji", "emoji": "🔥"}]) == "Bad Request: REACTIONS_TOO_MANY"
    assert await api.fails("setMessageReaction", chat_id=501, message_id=1,
                           reaction=[{"type": "emoji", "emoji": "🦖"}]) == "Bad Request: REACTION_INVALID"
    assert await api.fails("setMessageReaction", chat_id=501, message_id=1, reaction=[{"type": "paid"}]) == \
        "Bad Request: can't parse ReactionType: invalid reaction type specified"
    assert await api.fails("setMessageReaction", chat_id=501, message_id=1, reaction=[{"type": "custom_emoji",
                           "custom_emoji_id": "5368324170671202286"}]) == "Bad Request: REACTION_INVALID"
    assert await api.fails("setMessageReaction", chat_id=501, message_id=77, reaction=[]) == \
        "Bad Request: message to react not found"
    assert await api.fails("setMessageReaction", chat_id=501, message_id=1, reaction="{") == \
        "Bad Request: can't parse reaction types JSON object"
    await updates(api)
    person.react(people, 501, ADA, sent["message_id"], [{"type": "emoji", "emoji": "❤"}])
    assert kinds(await updates(api)) == []  # message_reaction is left out by default, and never queued
    assert await updates(api, "message_reaction") == []
    person.react(people, 501, ADA, sent["message_id"], [{"type": "emoji", "emoji": "🎉"}])
    [update] = await updates(api, "message_reaction")
    change = update["message_reaction"]
    assert change["old_reaction"] == [{"type": "emoji", "emoji": "❤"}]
    assert change["new_reaction"] == [{"type": "emoji", "emoji": "🎉"}] and change["user"]["id"] == 501
    assert person.message_view(people, 501, 1)["reactions"] == [
        {"type": {"type": "emoji", "emoji": "👍"}, "total_count": 1}]
    with pytest.raises(ValueError):
        person.react(people, 501, ADA, 1, [{"type": "emoji", "emoji": "🦖"}])


async def test_reactions_in_a_channel_reach_the_bot_as_counts(world):
    from integration_lab.fakes.telegram.chats_people import create_chat

    fake, people, api, clock = world
    create_chat(fake, people, None, {"type": "channel", "title": "Lab Shop news", "from": ADA, "members": [BO],
                                     "chat_id": -1001, "rights": {"can_post_messages": True}})
    post = await api.ok("sendMessage", chat_id=-1001, text="New tea in stock")
    await updates(api, "message_reaction", "message_reaction_count")
    person.react(people, -1001, ADA, post["message_id"], [{"type": "emoji", "emoji": "🔥"}])
    person.react(people, -1001, BO, post["message_id"], [{"type": "emoji", "emoji": "🔥"}, {"type": "emoji", "emoji": "❤"}])
    found = await updates(api, "message_reaction", "message_reaction_count")
    assert kinds(found) == ["message_reaction_count", "message_reaction_count"]  # anonymous: counts only
    assert found[1]["message_reaction_count"]["reactions"] == [
        {"type": {"type": "emoji", "emoji": "🔥"}, "total_count": 2},
        {"type": {"type": "emoji", "emoji": "❤"}, "total_count": 1}]


# ---- polls ----------------------------------------------------------------------------------------------

async def test_quiz_votes_reach_the_bot_as_poll_answers_and_poll_states(world):
    fake, people, api, clock = world
    group = people.create_group("Quiz night", ADA, [BO, CY])
    quiz = await api.ok("sendPoll", chat_id=group["id"], question="2 + 2?", options=["3", {"text": "4"}, "5"],
                        type="quiz", correct_option_id=1, is_anonymous=False, explanation="<b>Four</b>",
                        explanation_parse_mode="HTML", open_period=60)
    poll = quiz["poll"]
    assert poll["type"] == "quiz" and poll["correct_option_ids"] == [1] and poll["allows_revoting"] is False
    assert poll["explanation"] == "Four" and poll["explanation_entities"][0]["type"] == "bold"
    assert poll["close_date"] == quiz["date"] + 60 and poll["open_period"] == 60
    await updates(api)
    assert person.vote(people, group["id"], ADA, quiz["message_id"], [1])["correct"] is True
    assert person.vote(people, group["id"], BO, quiz["message_id"], [2])["correct"] is False
    with pytest.raises(ValueError, match="changing a vote"):
        person.vote(people, group["id"], BO, quiz["message_id"], [1])
    found = await updates(api)
    assert kinds(found) == ["poll_answer", "poll", "poll_answer", "poll"]
    assert found[0]["poll_answer"] == {"poll_id": poll["id"], "user": people.fake.person(ADA).to_api(),
                                       "option_ids": [1], "option_persistent_ids": ["1"]}
    assert [o["voter_count"] for o in found[3]["poll"]["options"]] == [0, 1, 1]
    clock.advance(61)  # the open period ends: the poll closes and the bot hears of it
    [closed] = await updates(api)
    assert closed["poll"]["is_closed"] is True and closed["poll"]["total_voter_count"] == 2
    with pytest.raises(ValueError, match="closed"):
        person.vote(people, group["id"], CY, quiz["message_id"], [1])
    assert await api.fails("stopPoll", chat_id=group["id"], message_id=quiz["message_id"]) == \
        "Bad Request: poll has already been closed"


async def test_anonymous_poll_stop_poll_and_revoting(world):
    fake, people, api, clock = world
    sent = await api.ok("sendPoll", chat_id=501, question="Next drop?", options=["Tea", "Mugs", "Beans"],
                        allows_multiple_answers=True)
    assert sent["poll"]["is_anonymous"] is True and sent["poll"]["allows_revoting"] is True
    await updates(api)
    person.vote(people, 501, ADA, sent["message_id"], [0, 2])
    person.vote(people, 501, ADA, sent["message_id"], [2])
    theirs = person.forward(people, 501, ADA, 501, sent["message_id"])
    assert await api.fails("stopPoll", chat_id=501, message_id=theirs["message_id"]) == \
        "Bad Request: poll can't be stopped"  # the bot may stop only a poll it sent
    assert kinds(await updates(api)) == ["poll", "poll", "message"]  # anonymous: no poll_answer
    stopped = await api.ok("stopPoll", chat_id=501, message_id=sent["message_id"])
    assert stopped["is_closed"] is True and [o["voter_count"] for o in stopped["options"]] == [0, 0, 1]
    assert kinds(await updates(api)) == ["poll"]
    assert await api.fails("stopPoll", chat_id=501, message_id=1) == "Bad Request: message is not a poll"
    forwarded = person.forward(people, 501, ADA, 501, sent["message_id"])  # Ada's forward of the closed poll
    assert await api.fails("stopPoll", chat_id=501, message_id=forwarded["message_id"]) == \
        "Bad Request: poll has already been closed"


async def test_poll_refusals_in_telegrams_words(world):
    fake, people, api, clock = world
    async def refused(**params):
        return await api.fails("sendPoll", **{"chat_id": 501, "question": "Q?", "options": ["a", "b"], **params})
    assert await refused(options=["only"]) == "Bad Request: poll must have at least 2 option"
    assert await refused(options=[str(i) for i in range(13)]) == "Bad Request: poll can't have more than 12 options"
    assert await refused(question="") == "Bad Request: poll question must be non-empty"
    assert await refused(question="?" * 301) == "Bad Request: poll question length must not exceed 300"
    assert await refused(options=["a", ""]) == "Bad Request: poll options must be non-empty"
    assert await refused(options=["a", "b" * 101]) == "Bad Request: poll options length must not exceed 100"
    assert await refused(options="[") == "Bad Request: can't parse options JSON object"
    assert await refused(options={"a": 1}) == "Bad Request: expected an Array of String as options"
    assert await refused(options=["a", 2]) == "Bad Request: expected an option to be of type String"
    assert await refused(type="survey") == "Bad Request: unsupported poll type specified"
    assert await refused(type="quiz", correct_option_id=2) == "Bad Request: wrong correct option ID specified"
    assert await refused(type="quiz", correct_option_ids="[0,") == \
        "Bad Request: can't parse correct option identifiers JSON object"
    assert await refused(chat_id=999) == "Bad Request: chat not found"
    assert fake.default_bot.chats[501].next_message_id == 2  # nothing was sent


async def test_a_forwarded_poll_shares_its_votes_a_copied_one_starts_afresh(world):
    fake, people, api, clock = world
    group = people.create_group("Buyers", ADA, [BO])
    sent = await api.ok("sendPoll", chat_id=group["id"], question="Quiz?", options=["a", "b"], type="quiz",
                        correct_option_ids=[0], is_anonymous=False)
    forwarded = await api.ok("forwardMessage", chat_id=501, from_chat_id=group["id"], message_id=sent["message_id"])
    assert forwarded["poll"]["id"] == sent["poll"]["id"] and "correct_option_ids" in forwarded["poll"]  # private
    copied = await api.ok("copyMessage", chat_id=group["id"], from_chat_id=group["id"], message_id=sent["message_id"])
    person.vote(people, 501, ADA, forwarded["message_id"], [0])
    person.vote(people, group["id"], BO, sent["message_id"], [1])
    for chat_id, message_id, counts in ((group["id"], sent["message_id"], [1, 1]), (501, forwarded["message_id"], [1, 1]),
                                        (group["id"], copied["message_id"], [0, 0])):
        shown = person.message_view(people, chat_id, message_id)["message"]
        assert problems(shown, "Message") == []
        assert [o["voter_count"] for o in shown["poll"]["options"]] == counts
    copy_id = person.message_view(people, group["id"], copied["message_id"])["message"]["poll"]["id"]
    assert copy_id != sent["poll"]["id"]


async def test_memory_stays_bounded_by_the_history(world):
    from integration_lab.fakes.telegram.interactive_state import chat_state, poll_of

    fake = TelegramFake(FrozenClock("2026-03-02T10:00:00Z"), IdFactory(3), limits=False, history=3)
    people, api = People(fake), Api(fake)
    people.send(501, ADA, "/start")
    sent = await api.ok("sendPoll", chat_id=501, question="Q?", options=["a", "b"])
    latest = sent
    for _ in range(10):
        latest = await api.ok("forwardMessage", chat_id=501, from_chat_id=501, message_id=latest["message_id"])
        assert latest["poll"]["id"] == sent["poll"]["id"]
        person.react(people, 501, ADA, fake.default_bot.chats[501].next_message_id - 1,
                     [{"type": "emoji", "emoji": "👍"}])
    person.vote(people, 501, ADA, fake.default_bot.chats[501].next_message_id - 1, [0])
    chat = fake.default_bot.chats[501]
    state = poll_of(fake, chat.messages[chat.next_message_id - 1])
    assert len(state.messages) <= 4 and state.poll["total_voter_count"] == 1  # the original and the kept forwards
    assert set(chat_state(chat).reactions) <= set(chat.messages)


# ---- dice, locations, venues, contacts, drafts ------------------------------------------------------------

async def test_dice_values_follow_the_emoji_and_the_seed(world):
    fake, people, api, clock = world
    rolls = [(await api.ok("sendDice", chat_id=501, emoji=emoji))["dice"] for emoji in ("🎲", "🎰", "⚽️", "🏀")]
    assert [r["emoji"] for r in rolls] == ["🎲", "🎰", "⚽", "🏀"]
    assert all(1 <= r["value"] <= top for r, top in zip(rolls, (6, 64, 5, 5)))
    assert (await api.ok("sendDice", chat_id=501))["dice"]["emoji"] == "🎲"
    assert await api.fails("sendDice", chat_id=501, emoji="🃏") == "Bad Request: EMOTICON_INVALID"
    again = TelegramFake(FrozenClock("2026-03-02T10:00:00Z"), IdFactory(22), limits=False)
    People(again).send(501, ADA, "/start")
    replay = [(await Api(again).ok("sendDice", chat_id=501, emoji=e))["dice"] for e in ("🎲", "🎰", "⚽️", "🏀")]
    assert replay == rolls  # seeded: the same rolls every run


async def test_live_location_edited_stopped_and_checked(world):
    fake, people, api, clock = world
    live = await api.ok("sendLocation", chat_id=501, latitude=41.2995, longitude=69.2401, live_period=600,
                        heading=90, horizontal_accuracy=2000)
    assert live["location"] == {"latitude": 41.2995, "longitude": 69.2401, "horizontal_accuracy": 1500.0,
                                "live_period": 600, "heading": 90}
    clock.advance(10)
    moved = await api.ok("editMessageLiveLocation", chat_id=501, message_id=live["message_id"], latitude=41.3,
                         longitude=69.25)
    assert moved["location"]["latitude"] == 41.3 and moved["edit_date"] == live["date"] + 10
    assert await api.fails("editMessageLiveLocation", chat_id=501, message_id=live["message_id"], latitude=41.3,
                           longitude=69.25) == "Bad Request: message is not modified: specified new message " \
        "content and reply markup are exactly the same as a current content and reply markup of the message"
    stopped = await api.ok("stopMessageLiveLocation", chat_id=501, message_id=live["message_id"])
    assert "live_period" not in stopped["location"]
    assert await api.fails("stopMessageLiveLocation", chat_id=501, message_id=live["message_id"]) == \
        "Bad Request: message can't be edited"
    still = await api.ok("sendLocation", chat_id=501, latitude=1, longitude=2)
    assert await api.fails("editMessageLiveLocation", chat_id=501, message_id=still["message_id"], latitude=1,
                           longitude=3) == "Bad Request: there is no live location in the message to edit"
    assert await api.fails("sendLocation", chat_id=501, longitude=2) == "Bad Request: latitude is empty"
    assert await api.fails("sendLocation", chat_id=501, latitude=91, longitude=2) == \
        "Bad Request: wrong location specified"
    assert await api.fails("sendLocation", chat_id=501, latitude=1, longitude=2, live_period=30) == \
        "Bad Request: wrong live location period specified"
    assert await api.fails("sendLocation", chat_id=501, latitude=1, longitude=2, live_period=60, heading=361) == \
        "Bad Request: wrong live location heading specified"
    short = await api.ok("sendLocation", chat_id=501, latitude=1, longitude=2, live_period=60)
    clock.advance(60)
    assert await api.fails("editMessageLiveLocation", chat_id=501, message_id=short["message_id"], latitude=1,
                           longitude=3) == "Bad Request: message can't be edited"


async def test_venue_contact_and_draft(world):
    fake, people, api, clock = world
    venue = await api.ok("sendVenue", chat_id=501, latitude=41.31, longitude=69.28, title="Lab Shop",
                         address="Amir Temur 1", google_place_id="g1", foursquare_id="f1")
    assert venue["venue"]["foursquare_id"] == "f1" and "google_place_id" not in venue["venue"]
    assert venue["location"] == venue["venue"]["location"]
    contact = await api.ok("sendContact", chat_id=501, phone_number="+998901234567", first_name="Support")
    assert contact["contact"] == {"phone_number": "+998901234567", "first_name": "Support"}
    assert await api.fails("sendContact", chat_id=501, first_name="X") == \
        'Bad Request: parameter "phone_number" is required'
    assert await api.ok("sendMessageDraft", chat_id=501, draft_id=7, text="Thinking <i>hard</i>", parse_mode="HTML")
    assert person.draft_view(people, 501)["text"] == "Thinking hard"
    await api.ok("sendMessage", chat_id=501, text="Done")
    assert person.draft_view(people, 501) is None  # the message replaces the draft
    assert await api.ok("sendMessageDraft", chat_id=501, draft_id=8, text="")
    clock.advance(30)
    assert person.draft_view(people, 501) is None  # a 30-second preview
    assert await api.fails("sendMessageDraft", chat_id=501, draft_id=0, text="x") == \
        "Bad Request: draft_id must be non-zero"


async def test_a_person_stops_a_draft_and_the_bot_hears_it(world):
    fake, people, api, clock = world
    await updates(api)
    await api.ok("sendMessageDraft", chat_id=501, draft_id=3, text="Writing your invoice")
    with pytest.raises(ValueError, match="no stop button"):
        person.stop_generation(people, 501, ADA)
    await api.ok("sendMessageDraft", chat_id=501, draft_id=3, text="Writing your invoice…", can_stop=True)
    assert person.stop_generation(people, 501, ADA) == {"draft": None}
    [update] = await updates(api)
    assert update["stopped_message_generation"] == {"chat": fake.default_bot.chats[501].to_api(), "draft_id": 3}
    await api.ok("sendMessageDraft", chat_id=501, draft_id=4, text="kept", can_stop=True, keep_on_stop=True)
    assert person.stop_generation(people, 501, ADA)["draft"]["stopped"] is True


# ---- people editing and deleting their own messages ------------------------------------------------------

async def test_people_edit_share_and_delete(world):
    fake, people, api, clock = world
    await updates(api)
    said = people.send(501, ADA, "I want 2 mugs")
    clock.advance(5)
    edited = person.edit_own(people, 501, ADA, said["message_id"], {"text": "I want 3 mugs"})
    assert edited["edit_date"] == said["date"] + 5
    shared = person.share_location(people, 501, ADA, {"latitude": 41.3, "longitude": 69.2, "live_period": 900})
    moved = person.edit_own(people, 501, ADA, shared["message_id"], {"latitude": 41.31, "longitude": 69.21,
                                                                    "heading": 45})
    contact = person.share_contact(people, 501, ADA, {"phone_number": "+998900000001", "first_name": "Ada",
                                                      "user_id": 501})
    for message in (edited, shared, moved, contact):
        assert problems(message, "Message") == [], problems(message, "Message")
    found = await updates(api)
    assert kinds(found) == ["message", "edited_message", "message", "edited_message", "message"]
    assert found[1]["edited_message"]["text"] == "I want 3 mugs"
    assert found[3]["edited_message"]["location"]["heading"] == 45
    assert found[4]["message"]["contact"]["user_id"] == 501
    person.delete_own(people, 501, ADA, said["message_id"])
    assert await updates(api) == []  # bots are not told of deletions
    with pytest.raises(ValueError, match="not Bo's"):
        person.edit_own(people, 501, BO, shared["message_id"], {"text": "x"})
    group = people.create_group("Buyers", ADA, [BO])
    person.share_location(people, group["id"], BO, {"latitude": 1, "longitude": 2})
    assert kinds(await updates(api)) == ["my_chat_member"]  # privacy mode: a plain location in a group is unseen


# ---- ephemeral messages -----------------------------------------------------------------------------------

async def test_ephemeral_messages_only_the_receiver_sees(world):
    fake, people, api, clock = world
    group = people.create_group("Buyers", ADA, [BO])
    sent = await api.ok("sendMessage", chat_id=group["id"], text="Only for you",
                        ephemeral_message_parameters={"receiver_user_id": 502})
    assert sent["message_id"] == 0 and sent["ephemeral_message_id"] == 1 and sent["receiver_user"]["id"] == 502
    params = {"chat_id": group["id"], "receiver_user_id": 502, "ephemeral_message_id": 1}
    assert await api.ok("editEphemeralMessageText", text="Still only you", **params) is True
    assert await api.ok("editEphemeralMessageReplyMarkup", **params,
                        reply_markup={"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}) is True
    assert person.ephemeral_view(people, group["id"]) == [
        {"receiver_user_id": 502, "ephemeral_message_id": 1, "text": "Still only you", "edited": True}]
    query = person.press_ephemeral(people, group["id"], BO, 1, "ok")
    assert query["message"]["ephemeral_message_id"] == 1 and problems(query, "CallbackQuery") == []
    assert await api.ok("answerCallbackQuery", callback_query_id=query["id"], text="Noted") is True
    with pytest.raises(LookupError):
        person.press_ephemeral(people, group["id"], ADA, 1, "ok")  # only the receiver sees it
    assert await api.ok("deleteEphemeralMessage", **params) is True
    assert await api.fails("deleteEphemeralMessage", **params) == "Bad Request: message to delete not found"
    assert await api.fails("sendMessage", chat_id=group["id"], text="x",
                           ephemeral_message_parameters={"receiver_user_id": 999}) == "Bad Request: user not found"
    assert await api.fails("sendMessage", chat_id=group["id"], text="x", ephemeral_message_parameters={}) == \
        "Bad Request: can't find field \"receiver_user_id\""
    assert fake.default_bot.chats[group["id"]].next_message_id == 1  # none of them took a message id


# ---- the control routes through the served fake, and real clients ---------------------------------------

@pytest.fixture
def server(served_telegram):
    served_telegram.control("POST", "reset")
    yield served_telegram
    served_telegram.control("POST", "reset")


def test_control_routes_vote_react_share_edit_delete(server):
    server.user_says(42, "/start")
    ada = {"id": 42, "first_name": "Ada"}
    shared = server.control("POST", "chats/42/locations", {"from": ada, "latitude": 41.3, "longitude": 69.2,
                                                          "live_period": 600})["message"]
    edited = server.control("POST", f"chats/42/messages/{shared['message_id']}/edit",
                            {"from": ada, "latitude": 41.4, "longitude": 69.3})["message"]
    assert edited["location"]["latitude"] == 41.4
    contact = server.control("POST", "chats/42/contacts", {"from": ada, "phone_number": "+1", "first_name": "Ada"})
    assert contact["message"]["contact"]["first_name"] == "Ada"
    reacted = server.control("POST", "chats/42/messages/1/reactions",
                             {"from": ada, "reaction": [{"type": "emoji", "emoji": "👍"}]})
    assert reacted["reactions"] == [{"type": {"type": "emoji", "emoji": "👍"}, "total_count": 1}]
    assert server.control("GET", "chats/42/messages/1")["summary"] == "/start"
    forwarded = server.control("POST", "chats/42/forwards", {"from": ada, "from_chat_id": 42, "message_id": 1})
    assert forwarded["message"]["forward_origin"]["type"] == "user"
    assert server.control("POST", "users/42/privacy", {"forwards": "nobody"}) == {"ok": True, "forwards": "nobody"}
    assert server.control("POST", "chats/42/messages/1/delete", {"from": ada}) == {"ok": True, "deleted": 1}
    refused = httpx.post(f"{server.url}/_lab/chats/42/messages/1/vote", json={"from": ada, "option_ids": [0]})
    assert refused.status_code == 404 and refused.json()["ok"] is False
    refused = httpx.post(f"{server.url}/_lab/chats/42/messages/2/vote", json={"from": ada, "option_ids": [0]})
    assert refused.status_code == 400 and "has no poll" in refused.json()["error"]


async def test_ptb_sends_a_quiz_and_handles_poll_answers_as_people_vote(server):
    import asyncio

    from telegram.ext import Application, PollAnswerHandler, PollHandler

    answers, states = [], []

    async def on_answer(update, context):
        answers.append((update.poll_answer.user.first_name, update.poll_answer.option_ids))

    async def on_poll(update, context):
        states.append(update.poll.total_voter_count)

    app = Application.builder().token(server.token).base_url(f"{server.url}/bot").build()
    app.add_handler(PollAnswerHandler(on_answer))
    app.add_handler(PollHandler(on_poll))
    group = server.control("POST", "groups", {"title": "Quiz night", "from": {"id": 42, "first_name": "Ada"},
                                              "members": [{"id": 43, "first_name": "Bo"}]})["chat"]
    async with app:
        message = await app.bot.send_poll(group["id"], "Capital of Uzbekistan?", ["Samarkand", "Tashkent"],
                                          type="quiz", correct_option_ids=[1], is_anonymous=False,
                                          explanation="Since 1930")
        assert tuple(message.poll.correct_option_ids) == (1,) and message.poll.type == "quiz"
        await app.updater.start_polling(poll_interval=0.05, timeout=1, allowed_updates=["poll", "poll_answer"])
        await app.start()
        for voter, option in ((42, 1), (43, 0)):
            voted = server.control("POST", f"chats/{group['id']}/messages/{message.message_id}/vote",
                                   {"from": {"id": voter}, "option_ids": [option]})
            assert voted["correct"] is (option == 1)
        for _ in range(400):  # up to 20 s on a loaded machine; a few polls when it is not
            if len(answers) == 2 and len(states) == 2:
                break
            await asyncio.sleep(0.05)
        stopped = await app.bot.stop_poll(group["id"], message.message_id)
        await app.updater.stop()
        await app.stop()
    assert answers == [("Ada", (1,)), ("Bo", (0,))]
    assert states == [1, 2] and stopped.is_closed and stopped.total_voter_count == 2


async def test_aiogram_copies_forwards_and_reacts(server):
    from aiogram import Bot as AiogramBot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.types import ReactionTypeEmoji

    bot = AiogramBot(server.token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    server.control("POST", "limits", {"enabled": False})
    try:
        said = server.user_says(7, "my order #17", name="Bo")
        forwarded = await bot.forward_message(7, from_chat_id=7, message_id=said["message_id"])
        assert forwarded.forward_origin.type == "user" and forwarded.forward_origin.sender_user.id == 7
        copied = await bot.copy_message(7, from_chat_id=7, message_id=said["message_id"])
        assert copied.message_id == forwarded.message_id + 1
        secret = await bot.send_message(7, "code 1234", protect_content=True)
        with pytest.raises(TelegramBadRequest, match="the message can't be forwarded"):
            await bot.forward_message(7, from_chat_id=7, message_id=secret.message_id)
        many = await bot.copy_messages(7, from_chat_id=7, message_ids=[said["message_id"], 999])
        assert len(many) == 1
        assert await bot.set_message_reaction(7, said["message_id"], [ReactionTypeEmoji(emoji="👌")])
        with pytest.raises(TelegramBadRequest, match="REACTION_INVALID"):
            await bot.set_message_reaction(7, said["message_id"], [ReactionTypeEmoji(emoji="🦖")])
        await bot.get_updates(allowed_updates=["message_reaction"], timeout=0)  # asked for before the change
        server.control("POST", f"chats/7/messages/{secret.message_id}/reactions",
                       {"from": {"id": 7}, "reaction": [{"type": "emoji", "emoji": "🔥"}]})
        updates = await bot.get_updates(allowed_updates=["message_reaction"], timeout=0)
        reaction = updates[-1].message_reaction
        assert reaction.new_reaction[0].emoji == "🔥" and reaction.message_id == secret.message_id
    finally:
        await bot.session.close()


# ---- hostile input: Telegram's envelope, never a 5xx, and a refused call changes nothing ------------------

def _state(fake: TelegramFake) -> str:
    """Everything this family and the chats keep, as text: messages, reactions, ephemeral messages, drafts, polls,
    and the seeded ids' next draw."""
    import json
    import random

    from integration_lab.fakes.telegram.interactive_state import FAMILY
    chats = {}
    for chat_id, chat in fake.default_bot.chats.items():
        extra = chat.extra.get(FAMILY)
        chats[chat_id] = {"messages": [(m.to_api(), m.deleted) for m in chat.messages.values()],
                          "next": chat.next_message_id,
                          "extra": None if extra is None else (extra.reactions, [(k, m.to_api()) for k, m in
                                                                                  extra.ephemeral.items()],
                                                               vars(extra.draft) if extra.draft else None,
                                                               sorted(extra.stopped_live))}
    polls = fake.extra.get(FAMILY)
    probe = random.Random()
    probe.setstate(fake.ids._random.getstate())
    return json.dumps([chats, None if polls is None else [(k, p.poll, p.votes) for k, p in polls.polls.items()],
                       probe.random()], default=str, sort_keys=True)


async def test_seeded_hostile_calls_to_this_family_get_envelopes_and_refusals_change_nothing(world):
    from test_telegram_hostile import Hostile

    class HostileInteractive(Hostile):
        METHODS = ["forwardMessage", "forwardMessages", "copyMessage", "copyMessages", "setMessageReaction",
                   "sendPoll", "stopPoll", "sendDice", "sendLocation", "editMessageLiveLocation",
                   "stopMessageLiveLocation", "sendVenue", "sendContact", "sendMessageDraft", "sendMessage",
                   "editEphemeralMessageText", "editEphemeralMessageCaption", "editEphemeralMessageReplyMarkup",
                   "deleteEphemeralMessage"]
        NAMES = ["chat_id", "text", "message_id", "from_chat_id", "message_ids", "reaction", "is_big", "question",
                 "options", "type", "correct_option_id", "correct_option_ids", "is_anonymous", "open_period",
                 "explanation", "emoji", "latitude", "longitude", "live_period", "heading", "title", "address",
                 "phone_number", "first_name", "draft_id", "protect_content", "ephemeral_message_parameters",
                 "receiver_user_id", "ephemeral_message_id", "caption", "remove_caption", "reply_markup",
                 "reply_parameters", "parse_mode", "question_parse_mode"]

    fake, people, api, clock = world
    group = people.create_group("Buyers", ADA, [BO])
    await api.ok("sendPoll", chat_id=group["id"], question="Q?", options=["a", "b"])
    await api.ok("sendLocation", chat_id=501, latitude=1, longitude=2, live_period=600)
    await api.ok("sendMessage", chat_id=group["id"], text="psst", ephemeral_message_parameters={"receiver_user_id": 502})
    generator, failures = HostileInteractive(22, [501, group["id"]]), []
    for _ in range(int(os.environ.get("TELEGRAM_HOSTILE_CALLS", 300))):
        method, query, body, headers = generator.request()
        before = _state(fake)
        response = await api.http.post(f"/bot{fake.default_bot.token}/{method}" +
                                       (f"?{query.decode()}" if query else ""), content=body, headers=headers)
        answer = response.json()
        if response.status_code >= 500 or answer.get("ok") is not True and answer.get("error_code") != response.status_code:
            failures.append((method, body[:120], response.status_code, answer))
        elif answer["ok"] and problems(answer["result"], method_returns(method)):
            failures.append((method, body[:120], "invalid result", problems(answer["result"], method_returns(method))))
        elif not answer["ok"] and _state(fake) != before:
            failures.append((method, body[:120], "a refused call changed state", answer))
    assert failures == [], "\n".join(map(str, failures))


# ---- deleting many messages and people's reactions ---------------------------------------------------------

async def test_delete_messages_and_reactions_with_the_rights_they_need(world):
    from integration_lab.fakes.telegram.chats_people import create_chat

    fake, people, api, clock = world
    create_chat(fake, people, None, {"type": "supergroup", "title": "Club", "from": ADA, "members": [BO],
                                     "chat_id": -1002, "bot": "administrator",
                                     "rights": {"can_delete_messages": True}})
    said = [people.send(-1002, BO, f"/note {i}")["message_id"] for i in range(3)]
    person.react(people, -1002, BO, said[0], [{"type": "emoji", "emoji": "🔥"}])
    person.react(people, -1002, ADA, said[0], [{"type": "emoji", "emoji": "👍"}])
    assert await api.ok("deleteMessageReaction", chat_id=-1002, message_id=said[0], user_id=502) is True
    left = person.message_view(people, -1002, said[0])["reactions"]
    assert [r["type"]["emoji"] for r in left] == ["👍"]  # Bo's reaction gone, Ada's kept
    assert await api.ok("deleteAllMessageReactions", chat_id=-1002, user_id=501) is True
    assert person.message_view(people, -1002, said[0])["reactions"] == []
    assert await api.fails("deleteMessageReaction", chat_id=-1002, message_id=999, user_id=502) == \
        "Bad Request: message to delete reactions not found"
    assert await api.ok("deleteMessages", chat_id=-1002, message_ids=[said[0], said[1], 999]) is True  # 999 skipped
    chat = fake.default_bot.chats[-1002]
    assert [chat.messages[i].deleted for i in said] == [True, True, False]
    assert await api.fails("deleteMessages", chat_id=-1002) == "Bad Request: message identifiers are not specified"
    assert await api.fails("deleteMessages", chat_id=-1002, message_ids=list(range(1, 102))) == \
        "Bad Request: too many message identifiers specified"
    # a group where the bot is a member: its own message may go, Bo's may not, and a refusal deletes nothing
    create_chat(fake, people, None, {"type": "supergroup", "title": "Plain", "from": ADA, "members": [BO],
                                     "chat_id": -1003, "bot": "member"})
    bos = people.send(-1003, BO, "/hello")["message_id"]
    own = (await api.ok("sendMessage", chat_id=-1003, text="hi"))["message_id"]
    assert await api.fails("deleteMessages", chat_id=-1003, message_ids=[own, bos]) == \
        "Bad Request: message can't be deleted"
    assert not fake.default_bot.chats[-1003].messages[own].deleted
    assert await api.ok("deleteMessages", chat_id=-1003, message_ids=[own]) is True
    assert await api.fails("deleteMessageReaction", chat_id=-1003, message_id=bos, user_id=502) == \
        "Bad Request: CHAT_ADMIN_REQUIRED"
