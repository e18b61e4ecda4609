"""Edges of the copy/forward/react/poll, inline and media families of the Telegram fake that the family tests
leave out: each refusal in Telegram's words, and the state or update a bot would see after each accepted call."""

from __future__ import annotations

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


# ---- interactive: sending, ephemeral messages ------------------------------------------------------------

async def test_ephemeral_parameters_and_edits_refused_in_telegrams_words(world):
    fake, people, api, clock = world
    group = people.create_group("Buyers", ADA, [BO])
    gid = group["id"]
    assert await api.fails("sendMessage", chat_id=gid, text="x", ephemeral_message_parameters="{") == \
        "Bad Request: can't parse ephemeral message parameters JSON object"
    assert await api.fails("sendMessage", chat_id=gid, text="x", ephemeral_message_parameters=[1]) == \
        "Bad Request: object expected as ephemeral message parameters"
    assert await api.fails("sendMessage", chat_id=501, text="x",
                           ephemeral_message_parameters={"receiver_user_id": 501}) == \
        "Bad Request: ephemeral messages can be sent only to group chats"
    assert await api.fails("sendDice", chat_id=501, ephemeral_message_parameters={"receiver_user_id": 501}) == \
        "Bad Request: ephemeral messages can be sent only to group chats"
    assert await api.fails("sendLocation", chat_id=gid, latitude=1, longitude=2, live_period=60,
                           ephemeral_message_parameters={"receiver_user_id": 502}) == \
        "Bad Request: wrong live location period specified"
    dice = await api.ok("sendDice", chat_id=gid, emoji="🎯", ephemeral_message_parameters={"receiver_user_id": 502})
    assert dice["message_id"] == 0 and dice["dice"]["emoji"] == "🎯" and 1 <= dice["dice"]["value"] <= 6
    params = {"chat_id": gid, "receiver_user_id": 502, "ephemeral_message_id": dice["ephemeral_message_id"]}
    assert await api.fails("editEphemeralMessageCaption", caption="x", **params) == \
        "Bad Request: there is no caption in the message to edit"
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    assert await api.ok("editEphemeralMessageReplyMarkup", reply_markup=markup, **params) is True
    assert await api.fails("editEphemeralMessageReplyMarkup", reply_markup=markup, **params) == \
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the " \
        "same as a current content and reply markup of the message"
    assert await api.fails("editEphemeralMessageText", text="x", chat_id=gid, receiver_user_id=0,
                           ephemeral_message_id=1) == "Bad Request: invalid receiver_user_id specified"
    assert await api.fails("editEphemeralMessageText", text="x", chat_id=gid, receiver_user_id=502,
                           ephemeral_message_id=77) == "Bad Request: message to edit not found"
    text = await api.ok("sendMessage", chat_id=gid, text="same", ephemeral_message_parameters={"receiver_user_id": 502})
    same = {"chat_id": gid, "receiver_user_id": 502, "ephemeral_message_id": text["ephemeral_message_id"]}
    assert (await api.fails("editEphemeralMessageText", text="same", **same)).startswith(
        "Bad Request: message is not modified")
    with pytest.raises(ValueError, match="no button"):
        person.press_ephemeral(people, gid, BO, dice["ephemeral_message_id"], "nope")
    with pytest.raises(LookupError):
        person.ephemeral_view(people, -4242)
    assert [m["text"] for m in person.ephemeral_view(people, gid)] == ["🎯 " + str(dice["dice"]["value"]), "same"]


async def test_protect_content_on_send_message_blocks_forwards(world):
    fake, people, api, clock = world
    sent = await api.ok("sendMessage", chat_id=501, text="secret", protect_content=True)
    assert sent["has_protected_content"] is True
    assert await api.fails("forwardMessage", chat_id=501, from_chat_id=501, message_id=sent["message_id"]) == \
        "Bad Request: the message can't be forwarded"
    assert await api.fails("forwardMessages", chat_id=501, from_chat_id=501, message_ids=[sent["message_id"]]) == \
        "Bad Request: messages can't be forwarded"
    with pytest.raises(ValueError, match="protected"):
        person.forward(people, 501, ADA, 501, sent["message_id"])
    copied = await api.ok("copyMessage", chat_id=501, from_chat_id=501, message_id=sent["message_id"],
                          caption="ignored on text")
    view = person.message_view(people, 501, copied["message_id"])
    assert view["message"]["text"] == "secret" and view["protected"] is False and view["kind"] == "text"


async def test_forward_from_a_username_and_copy_with_a_long_caption(world):
    fake, people, api, clock = world
    assert await api.fails("forwardMessage", chat_id=501, from_chat_id="@nobody", message_id=1) == \
        "Bad Request: chat not found"
    forwarded = await api.ok("forwardMessage", chat_id=501, from_chat_id="@ada", message_id=1)
    assert forwarded["forward_origin"]["sender_user"]["id"] == 501
    again = await api.ok("forwardMessage", chat_id=501, from_chat_id=501, message_id=forwarded["message_id"])
    assert again["forward_origin"] == forwarded["forward_origin"]  # a forward of a forward keeps the first origin
    assert await api.fails("copyMessage", chat_id=501, from_chat_id=501, message_id=1, caption="x" * 1025) == \
        "Bad Request: message caption is too long"
    assert await api.fails("copyMessages", chat_id=501, from_chat_id=501, message_ids={"a": 1}) == \
        "Bad Request: expected an Array of message identifiers"
    assert await api.fails("copyMessages", chat_id=501, from_chat_id=501, message_ids=["x"]) == \
        "Bad Request: can't parse message identifier as a Number"
    assert await api.fails("copyMessages", chat_id=501, from_chat_id=501) == \
        "Bad Request: message identifiers are not specified"


async def test_reaction_refusals_and_a_custom_emoji_already_on_the_message(world):
    fake, people, api, clock = world
    async def react(reaction):
        return await api.fails("setMessageReaction", chat_id=501, message_id=1, reaction=reaction)
    assert await react("[") == "Bad Request: can't parse reaction types JSON object"
    assert await react({"type": "emoji"}) == "Bad Request: expected an Array of ReactionType"
    assert await react([1]) == "Bad Request: can't parse ReactionType: expected an Object"
    assert await react([{"type": "paid"}]) == "Bad Request: can't parse ReactionType: invalid reaction type specified"
    assert await react([{"type": "emoji", "emoji": "🍕"}]) == "Bad Request: REACTION_INVALID"
    assert await react([{"type": "custom_emoji", "custom_emoji_id": "77"}]) == "Bad Request: REACTION_INVALID"
    assert await react([{"type": "emoji", "emoji": "👍"}, {"type": "emoji", "emoji": "🔥"}]) == \
        "Bad Request: REACTIONS_TOO_MANY"
    assert await api.fails("setMessageReaction", chat_id=501, message_id=9) == \
        "Bad Request: message to react not found"
    person.react(people, 501, ADA, 1, [{"type": "custom_emoji", "custom_emoji_id": "77"}])
    assert await api.ok("setMessageReaction", chat_id=501, message_id=1,
                        reaction=[{"type": "custom_emoji", "custom_emoji_id": "77"}]) is True
    assert person.message_view(people, 501, 1)["reactions"] == [
        {"type": {"type": "custom_emoji", "custom_emoji_id": "77"}, "total_count": 2}]
    assert await api.ok("setMessageReaction", chat_id=501, message_id=1) is True  # no reaction: the bot's goes
    assert person.message_view(people, 501, 1)["reactions"][0]["total_count"] == 1


async def test_people_reaction_and_vote_refusals(world):
    fake, people, api, clock = world
    with pytest.raises(ValueError, match="must be a list"):
        person.react(people, 501, ADA, 1, "👍")
    with pytest.raises(ValueError, match="not a reaction"):
        person.react(people, 501, ADA, 1, [{"type": "emoji", "emoji": "🍕"}])
    with pytest.raises(ValueError, match="at most 3"):
        person.react(people, 501, ADA, 1, [{"type": "emoji", "emoji": e} for e in ("👍", "🔥", "❤", "🎉")])
    with pytest.raises(ValueError, match="only the chat's user"):
        person.react(people, 501, BO, 1, [{"type": "emoji", "emoji": "👍"}])
    with pytest.raises(LookupError, match="no chat"):
        person.react(people, -1, ADA, 1, [])
    with pytest.raises(LookupError, match="no message"):
        person.react(people, 501, ADA, "1", [])
    with pytest.raises(ValueError, match="has no poll"):
        person.vote(people, 501, ADA, 1, [0])
    poll = await api.ok("sendPoll", chat_id=501, question="Tea?", options=["yes", "no"], is_anonymous=False,
                        allows_revoting=False)
    mid = poll["message_id"]
    with pytest.raises(ValueError, match="only the chat's user"):
        person.vote(people, 501, BO, mid, [0])
    with pytest.raises(ValueError, match="option_ids"):
        person.vote(people, 501, ADA, mid, "0")
    with pytest.raises(ValueError, match="options 0 to 1"):
        person.vote(people, 501, ADA, mid, [5])
    with pytest.raises(ValueError, match="one answer"):
        person.vote(people, 501, ADA, mid, [0, 1])
    with pytest.raises(ValueError, match="no vote to retract"):
        person.vote(people, 501, ADA, mid, [])
    await updates(api)
    answer = person.vote(people, 501, ADA, mid, [1])
    assert answer["poll"]["options"][1]["voter_count"] == 1 and "correct" not in answer
    assert kinds(await updates(api)) == ["poll_answer", "poll"]
    with pytest.raises(ValueError, match="does not allow changing"):
        person.vote(people, 501, ADA, mid, [0])
    stopped = await api.ok("stopPoll", chat_id=501, message_id=mid)
    assert stopped["is_closed"] is True
    with pytest.raises(ValueError, match="closed"):
        person.vote(people, 501, ADA, mid, [1])
    assert "closed" in person.message_view(people, 501, mid)["summary"]


async def test_stop_poll_refusals_and_a_poll_closing_on_its_own(world):
    fake, people, api, clock = world
    assert await api.fails("stopPoll", chat_id=501, message_id=1) == "Bad Request: message is not a poll"
    assert await api.fails("stopPoll", chat_id=501, message_id=99) == \
        "Bad Request: message with poll to stop not found"
    poll = await api.ok("sendPoll", chat_id=501, question="Q?",
                        options=[{"text": "<b>a</b>", "text_parse_mode": "HTML"},
                                 {"text": "b", "text_entities": [{"type": "bold", "offset": 0, "length": 1}]}],
                        open_period=60, description="why", type="quiz", correct_option_ids=[1],
                        explanation="*because*", explanation_parse_mode="MarkdownV2")
    first = poll["poll"]["options"][0]
    assert first["text"] == "a" and first["text_entities"][0]["type"] == "bold"
    assert poll["poll"]["explanation"] == "because" and poll["poll"]["explanation_entities"][0]["type"] == "bold"
    assert poll["poll"]["close_date"] == poll["date"] + 60
    await updates(api)
    clock.advance(61)
    [closed] = await updates(api)
    assert closed["poll"]["is_closed"] is True
    assert await api.fails("stopPoll", chat_id=501, message_id=poll["message_id"]) == \
        "Bad Request: poll has already been closed"
    dated = await api.ok("sendPoll", chat_id=501, question="Q?", options=["a", "b"], close_date=poll["date"] + 500)
    assert dated["poll"]["close_date"] == poll["date"] + 500
    forwarded = person.forward(people, 501, ADA, 501, dated["message_id"])
    assert await api.fails("stopPoll", chat_id=501, message_id=forwarded["message_id"]) == \
        "Bad Request: poll can't be stopped"


async def test_quiz_option_id_refusals(world):
    fake, people, api, clock = world
    async def refused(**params):
        return await api.fails("sendPoll", **{"chat_id": 501, "question": "Q?", "options": ["a", "b"],
                                              "type": "quiz", **params})
    assert await refused(correct_option_ids={"a": 1}) == \
        "Bad Request: expected an Array of correct option identifiers"
    assert await refused(correct_option_ids=["0"]) == "Bad Request: correct option identifier must be of type Number"
    assert await refused(correct_option_ids=[1.5]) == "Bad Request: invalid correct option identifier specified"
    assert await refused() == "Bad Request: wrong correct option ID specified"
    assert await refused(options=[{"text_parse_mode": "HTML"}, "b"]) == "Bad Request: can't find field \"text\""


async def test_dice_location_venue_contact_refusals(world):
    fake, people, api, clock = world
    assert await api.fails("sendDice", chat_id=501, emoji="🍕") == "Bad Request: EMOTICON_INVALID"
    assert await api.fails("sendLocation", chat_id=501, longitude=1) == "Bad Request: latitude is empty"
    assert await api.fails("sendLocation", chat_id=501, latitude=1) == "Bad Request: longitude is empty"
    assert await api.fails("sendLocation", chat_id=501, latitude=91, longitude=1) == \
        "Bad Request: wrong location specified"
    assert await api.fails("sendLocation", chat_id=501, latitude="x", longitude=1, live_period=10) == \
        "Bad Request: wrong live location period specified"
    assert await api.fails("sendLocation", chat_id=501, latitude=1, longitude=1, live_period=60, heading=400) == \
        "Bad Request: wrong live location heading specified"
    assert await api.fails("sendLocation", chat_id=501, latitude=1, longitude=1, proximity_alert_radius=-1) == \
        "Bad Request: wrong live location proximity alert radius specified"
    live = await api.ok("sendLocation", chat_id=501, latitude="41.3abc", longitude=69.2, horizontal_accuracy=5000,
                        live_period=120, heading=90, proximity_alert_radius=50)
    assert live["location"] == {"latitude": 41.3, "longitude": 69.2, "horizontal_accuracy": 1500.0,
                                "live_period": 120, "heading": 90, "proximity_alert_radius": 50}
    assert await api.fails("sendVenue", chat_id=501, latitude=1, longitude=200, title="t", address="a") == \
        "Bad Request: wrong location specified"
    venue = await api.ok("sendVenue", chat_id=501, latitude=1, longitude=2, title="t", address="a",
                         google_place_id="g1", google_place_type="cafe")
    assert venue["venue"]["google_place_type"] == "cafe"
    assert await api.fails("sendContact", chat_id=501, phone_number="1") == \
        'Bad Request: parameter "first_name" is required'
    contact = await api.ok("sendContact", chat_id=501, phone_number="1", first_name="A", last_name="B",
                           vcard="BEGIN:VCARD")
    assert contact["contact"]["last_name"] == "B" and contact["contact"]["vcard"] == "BEGIN:VCARD"
    assert person.message_view(people, 501, contact["message_id"])["summary"] == "👤 A 1"
    assert person.message_view(people, 501, venue["message_id"])["summary"] == "📍 t, a"
    assert person.message_view(people, 501, live["message_id"])["summary"] == "📍 41.30000, 69.20000 (live)"


async def test_live_location_edit_refusals(world):
    fake, people, api, clock = world
    still = await api.ok("sendLocation", chat_id=501, latitude=1, longitude=2)
    assert await api.fails("editMessageLiveLocation", latitude=1, longitude=2) == \
        "Bad Request: message identifier is not specified"
    assert await api.fails("editMessageLiveLocation", chat_id=501, message_id=1, latitude=1, longitude=2) == \
        "Bad Request: message can't be edited"  # Ada's message
    assert await api.fails("editMessageLiveLocation", chat_id=501, message_id=still["message_id"], latitude=1,
                           longitude=2) == "Bad Request: there is no live location in the message to edit"
    live = await api.ok("sendLocation", chat_id=501, latitude=1, longitude=2, live_period=60)
    mid = live["message_id"]
    assert await api.fails("editMessageLiveLocation", chat_id=501, message_id=mid, latitude=100, longitude=2) == \
        "Bad Request: invalid location specified"
    assert (await api.fails("editMessageLiveLocation", chat_id=501, message_id=mid, latitude=1, longitude=2)
            ).startswith("Bad Request: message is not modified")
    moved = await api.ok("editMessageLiveLocation", chat_id=501, message_id=mid, latitude=1.5, longitude=2,
                         proximity_alert_radius=10)
    assert moved["location"]["proximity_alert_radius"] == 10 and moved["location"]["live_period"] == 60
    clock.advance(60)
    assert await api.fails("editMessageLiveLocation", chat_id=501, message_id=mid, latitude=1, longitude=2) == \
        "Bad Request: message can't be edited"
    forever = await api.ok("sendLocation", chat_id=501, latitude=1, longitude=2, live_period=0x7FFFFFFF)
    stopped = await api.ok("stopMessageLiveLocation", chat_id=501, message_id=forever["message_id"])
    assert "live_period" not in stopped["location"]
    assert await api.fails("stopMessageLiveLocation", chat_id=501, message_id=forever["message_id"]) == \
        "Bad Request: message can't be edited"


async def test_drafts_outside_a_private_chat_and_too_long(world):
    fake, people, api, clock = world
    group = people.create_group("Buyers", ADA)
    assert await api.fails("sendMessageDraft", chat_id=group["id"], draft_id=1, text="x") == \
        "Bad Request: chat not found"
    assert await api.fails("sendMessageDraft", chat_id=501, draft_id=1, text="x" * 4097) == \
        "Bad Request: message is too long"
    with pytest.raises(LookupError):
        person.draft_view(people, 777)
    with pytest.raises(LookupError):
        person.stop_generation(people, 501, BO)
    with pytest.raises(ValueError, match="no draft"):
        person.stop_generation(people, 501, ADA)


async def test_deleting_reactions_needs_a_group_and_the_right(world):
    fake, people, api, clock = world
    person.react(people, 501, ADA, 1, [{"type": "emoji", "emoji": "👍"}])
    assert await api.fails("deleteMessageReaction", chat_id=501, message_id=1, user_id=0) == \
        "Bad Request: invalid user_id specified"
    assert await api.fails("deleteMessageReaction", chat_id=501, message_id=9, user_id=501) == \
        "Bad Request: message to delete reactions not found"
    assert await api.fails("deleteMessageReaction", chat_id=501, message_id=1, user_id=501) == \
        "Bad Request: CHAT_ADMIN_REQUIRED"
    assert await api.fails("deleteAllMessageReactions", chat_id=501, actor_chat_id=501) == \
        "Bad Request: CHAT_ADMIN_REQUIRED"
    assert person.message_view(people, 501, 1)["reactions"][0]["total_count"] == 1  # nothing changed


# ---- interactive: what people do --------------------------------------------------------------------------

async def test_people_share_refusals_and_replies(world):
    fake, people, api, clock = world
    with pytest.raises(ValueError, match="private chat's id"):
        person.share_location(people, 502, ADA, {"latitude": 1, "longitude": 2})
    with pytest.raises(LookupError, match="no chat"):
        person.share_contact(people, -5, ADA, {"phone_number": "1", "first_name": "A"})
    with pytest.raises(ValueError, match="latitude"):
        person.share_location(people, 501, ADA, {"latitude": "1", "longitude": 2})
    with pytest.raises(ValueError, match="live_period"):
        person.share_location(people, 501, ADA, {"latitude": 1, "longitude": 2, "live_period": 5})
    with pytest.raises(ValueError, match="no message 99 to reply to"):
        person.share_location(people, 501, ADA, {"latitude": 1, "longitude": 2, "reply_to_message_id": 99})
    with pytest.raises(ValueError, match="phone_number"):
        person.share_contact(people, 501, ADA, {"first_name": "A"})
    with pytest.raises(ValueError, match="vcard"):
        person.share_contact(people, 501, ADA, {"phone_number": "1", "first_name": "A", "vcard": 3})
    with pytest.raises(ValueError, match="user_id"):
        person.share_contact(people, 501, ADA, {"phone_number": "1", "first_name": "A", "user_id": -1})
    await updates(api)
    shared = person.share_location(people, 501, ADA, {"latitude": 1, "longitude": 2, "horizontal_accuracy": 20,
                                                      "reply_to_message_id": 1})
    assert shared["location"]["horizontal_accuracy"] == 20 and shared["reply_to_message"]["message_id"] == 1
    contact = person.share_contact(people, 501, ADA, {"phone_number": "1", "first_name": "A", "last_name": "L"})
    assert contact["contact"]["last_name"] == "L"
    assert kinds(await updates(api)) == ["message", "message"]
    group = people.create_group("Buyers", ADA, [BO])
    sent = await api.ok("sendMessage", chat_id=group["id"], text="Where are you?")
    await updates(api)
    reply = person.share_location(people, group["id"], BO, {"latitude": 1, "longitude": 2,
                                                            "reply_to_message_id": sent["message_id"]})
    [seen] = await updates(api)
    assert seen["message"]["message_id"] == reply["message_id"]  # a reply to the bot passes privacy mode
    people.upgrade_group(group["id"], ADA)
    with pytest.raises(ValueError, match="was upgraded"):
        person.share_location(people, group["id"], BO, {"latitude": 1, "longitude": 2})


async def test_people_forward_edit_and_privacy_refusals(world):
    fake, people, api, clock = world
    with pytest.raises(ValueError, match="from_chat_id"):
        person.forward(people, 501, ADA, "501", 1)
    with pytest.raises(ValueError, match="Bo is not in chat 501"):
        person.forward(people, 502, BO, 501, 1)
    group = people.create_group("Buyers", ADA)
    upgraded = people.upgrade_group(group["id"], ADA)
    with pytest.raises(ValueError, match="service message"):
        person.forward(people, 501, ADA, upgraded["id"], 1)  # the migrate_from service message
    with pytest.raises(LookupError):
        person.set_forward_privacy(people, 999, "nobody")
    with pytest.raises(ValueError, match="everybody"):
        person.set_forward_privacy(people, 501, "contacts")
    assert person.set_forward_privacy(people, 501, "nobody") == {"forwards": "nobody"}
    hidden = person.forward(people, 501, ADA, 501, 1)
    assert hidden["forward_origin"] == {"type": "hidden_user", "date": hidden["forward_origin"]["date"],
                                        "sender_user_name": "Ada"}
    person.set_forward_privacy(people, 501, "everybody")
    assert person.forward(people, 501, ADA, 501, 1)["forward_origin"]["type"] == "user"
    location = person.share_location(people, 501, ADA, {"latitude": 1, "longitude": 2})
    with pytest.raises(ValueError, match="no text to edit"):
        person.edit_own(people, 501, ADA, location["message_id"], {"text": "x"})
    with pytest.raises(ValueError, match="non-empty string"):
        person.edit_own(people, 501, ADA, 1, {"text": "  "})
    with pytest.raises(ValueError, match="not modified"):
        person.edit_own(people, 501, ADA, 1, {"text": "/start"})
    with pytest.raises(ValueError, match="not a live location"):
        person.edit_own(people, 501, ADA, location["message_id"], {"latitude": 1, "longitude": 3})
    with pytest.raises(ValueError, match="an edit needs"):
        person.edit_own(people, 501, ADA, 1, {})
    live = person.share_location(people, 501, ADA, {"latitude": 1, "longitude": 2, "live_period": 60})
    clock.advance(60)
    with pytest.raises(ValueError, match="period is over"):
        person.edit_own(people, 501, ADA, live["message_id"], {"latitude": 1, "longitude": 3})
    with pytest.raises(ValueError, match="not Bo's"):
        person.delete_own(people, 501, BO, 1)


# ---- inline: what people do --------------------------------------------------------------------------------

ARTICLE = {"type": "article", "id": "tea", "title": "Green tea",
           "input_message_content": {"message_text": "Green tea"},
           "reply_markup": {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy"}]]}}


async def test_inline_people_refusals(world):
    from integration_lab.fakes.telegram import inline_people as inline
    from integration_lab.fakes.telegram.inline_state import state

    fake, people, api, clock = world
    bot = fake.default_bot
    with pytest.raises(ValueError, match="no inline mode"):
        inline.type_query(fake, bot, {"from": ADA, "query": "tea"})
    state(bot).settings.inline_mode = True
    for data, words in (({"query": 5}, '"query" must be a string'), ({"offset": 1}, '"offset" must be a string'),
                        ({"chat_id": "1"}, '"chat_id" must be an integer'),
                        ({"chat_type": "forum"}, '"chat_type" must be one of'),
                        ({"chat_id": 5, "chat_type": "group"}, "negative"),
                        ({"chat_type": "group", "title": 5}, '"title" must be a string'),
                        ({"chat_id": 777, "with": BO}, "other person's id")):
        with pytest.raises(ValueError, match=words):
            inline.type_query(fake, bot, {"from": ADA, "query": "tea", **data})
    with pytest.raises(ValueError, match="another person's private chat"):
        inline.type_query(fake, bot, {"from": BO, "query": "tea", "chat_id": 501})
    with pytest.raises(ValueError, match="a private chat's id is the user's id"):
        inline.type_query(fake, bot, {"from": BO, "query": "tea", "chat_id": 9, "chat_type": "sender"})
    with pytest.raises(LookupError):
        inline.find_query(bot, "404")
    typed = inline.type_query(fake, bot, {"from": ADA, "query": "tea", "chat_id": 501})
    query_id = typed["inline_query"]["id"]
    assert typed["inline_query"]["chat_type"] == "sender" and typed["seen"]["waiting"] is True
    with pytest.raises(ValueError, match="has not answered"):
        inline.pick(fake, bot, query_id, {"result_id": "tea"})
    with pytest.raises(ValueError, match="no more results"):
        inline.more(fake, bot, query_id, {})
    with pytest.raises(ValueError, match="has no button"):
        inline.press_results_button(fake, people, query_id)
    assert await api.ok("answerInlineQuery", inline_query_id=query_id, results=[ARTICLE], cache_time=0) is True
    with pytest.raises(ValueError, match="only the person who typed"):
        inline.pick(fake, bot, query_id, {"from": BO, "result_id": "tea"})
    with pytest.raises(ValueError, match="typed in chat 501"):
        inline.pick(fake, bot, query_id, {"chat_id": 7, "result_id": "tea"})
    with pytest.raises(ValueError, match="no result 'cake'"):
        inline.pick(fake, bot, query_id, {"result_id": "cake"})
    await updates(api)
    picked = inline.pick(fake, bot, query_id, {"result_id": "tea"})
    assert picked["message"]["via_bot"]["id"] == bot.account.id and picked["inline_message_id"]
    assert picked["chosen_inline_result"]["inline_message_id"] == picked["inline_message_id"]
    assert kinds(await updates(api)) == ["message", "chosen_inline_result"]
    with pytest.raises(ValueError, match="no button with callback_data 'sell'"):
        inline.press(fake, bot, picked["inline_message_id"], {"from": ADA, "data": "sell"})
    with pytest.raises(LookupError):
        inline.inline_message(bot, "nope")
    pressed = inline.press(fake, bot, picked["inline_message_id"], {"from": ADA, "data": "buy"})
    assert pressed["callback_query"]["inline_message_id"] == picked["inline_message_id"]
    channel = inline.type_query(fake, bot, {"from": ADA, "query": "tea", "chat_type": "channel"})
    await api.ok("answerInlineQuery", inline_query_id=channel["inline_query"]["id"], results=[ARTICLE], cache_time=0)
    with pytest.raises(ValueError, match="does not post in channels"):
        inline.pick(fake, bot, channel["inline_query"]["id"], {"result_id": "tea"})
    with pytest.raises(LookupError):
        inline.chat_messages(bot, -1)
    with pytest.raises(LookupError):
        inline.switch_inline(fake, bot, 501, {"from": ADA, "message_id": 1})


def _article(**content) -> dict:
    return {"type": "article", "id": "a", "title": "A", "input_message_content": content}


async def test_inline_results_refused_in_telegrams_words_and_picked_content(world):
    from integration_lab.fakes.telegram import inline_people as inline
    from integration_lab.fakes.telegram.inline_state import state

    fake, people, api, clock = world
    bot = fake.default_bot
    state(bot).settings.inline_mode = True
    query_id = inline.type_query(fake, bot, {"from": ADA, "query": "x", "chat_id": 501})["inline_query"]["id"]

    async def refused(results=None, **params):
        return await api.fails("answerInlineQuery", inline_query_id=query_id, results=results, **params)
    assert await refused({"a": 1}) == "Bad Request: expected an Array of inline query results"
    assert await refused([_article(message_text="x")] * 51) == "Bad Request: too many inline query results specified"
    assert await refused([_article(latitude="north", longitude=1)]) == \
        'Bad Request: can\'t parse inline query result: Field "latitude" must be a Number'
    assert await refused([_article(message_text="x", link_preview_options=1)]) == \
        'Bad Request: can\'t parse inline query result: Field "link_preview_options" must be of type Object'
    assert await refused([_article(latitude=1, longitude=200)]) == "Bad Request: wrong location specified"
    assert await refused([_article(latitude=1, longitude=2, live_period=10)]) == \
        "Bad Request: wrong live location period specified"
    assert await refused([_article(latitude=100, longitude=2, title="t", address="a")]) == \
        "Bad Request: wrong venue location specified"
    assert await refused([_article(title="t", description="d", payload="p", currency="USD")]) == \
        'Bad Request: can\'t parse inline query result: Can\'t find field "prices"'
    assert await refused([_article(title="t", description="d", payload="p", currency="USD", prices={})]) == \
        'Bad Request: can\'t parse inline query result: Field "prices" must be of type Array'
    assert await refused([_article(title="t", description="d", payload="p", currency="USD", prices=[1])]) == \
        "Bad Request: can't parse inline query result: LabeledPrice must be an Object"
    assert await refused([_article(message_text=" ")]) == "Bad Request: MESSAGE_EMPTY"
    assert await refused([_article(message_text="x")], button={"text": "Go"}) == \
        "Bad Request: can't parse inline query results button: InlineQueryResultsButton must have exactly one " \
        "optional field"
    assert await refused([_article(message_text="x")], button={"text": "Go", "web_app": 1}) == \
        'Bad Request: can\'t parse inline query results button: Field "web_app" must be of type Object'
    assert await refused([_article(message_text="x")], button={"text": "Go", "start_parameter": "a b"}) == \
        "Bad Request: unallowed characters in start_parameter are used"
    assert await refused([_article(message_text="x")], button={"text": "Go", "start_parameter": "a" * 65}) == \
        "Bad Request: too long start_parameter specified"
    assert await refused([_article(message_text="x")], next_offset="o" * 65) == "Bad Request: NEXT_OFFSET_INVALID"
    venue = {**_article(latitude=41.3, longitude="69.2", title="Shop", address="Main 1", google_place_id="g",
                        horizontal_accuracy=3000), "id": "venue"}
    live = {**_article(latitude=41.3, longitude=69.2, live_period=120, heading=5), "id": "live"}
    contact = {**_article(phone_number="+1", first_name="Ada", last_name="L", vcard="V"), "id": "contact"}
    assert await api.ok("answerInlineQuery", inline_query_id=query_id, results=[venue, live, contact], cache_time=0,
                        button={"text": "Open", "web_app": {"url": "https://shop.example/app"}}) is True
    seen = inline.seen(fake, bot, inline.find_query(bot, query_id))
    assert seen["button"] == {"text": "Open", "web_app": {"url": "https://shop.example/app"}}
    with pytest.raises(ValueError, match="web_app button"):
        inline.press_results_button(fake, people, query_id)
    sent = {rid: inline.pick(fake, bot, query_id, {"result_id": rid})["message"]
            for rid in ("venue", "live", "contact")}
    for message in sent.values():
        assert problems(message, "Message") == [], problems(message, "Message")
    assert sent["venue"]["venue"] == {"location": {"latitude": 41.3, "longitude": 69.2, "horizontal_accuracy": 1500.0},
                                      "title": "Shop", "address": "Main 1", "google_place_id": "g"}
    assert sent["live"]["location"] == {"latitude": 41.3, "longitude": 69.2, "live_period": 120, "heading": 5}
    assert sent["contact"]["contact"] == {"phone_number": "+1", "first_name": "Ada", "last_name": "L", "vcard": "V"}


# ---- media and files ----------------------------------------------------------------------------------------

def _webp(chunk: bytes, body: bytes) -> bytes:
    return b"RIFF" + (22).to_bytes(4, "little") + b"WEBP" + chunk + body


GIF = b"GIF89a" + (300).to_bytes(2, "little") + (200).to_bytes(2, "little") + b"\0" * 8
WEBP_VP8 = _webp(b"VP8 ", b"\0" * 10 + (640).to_bytes(2, "little") + (480).to_bytes(2, "little"))
WEBP_VP8L = _webp(b"VP8L", b"\0" * 5 + ((100 - 1) | (50 - 1) << 14).to_bytes(4, "little") + b"\0" * 8)
WEBP_VP8X = _webp(b"VP8X", b"\0" * 8 + (1200 - 1).to_bytes(3, "little") + (900 - 1).to_bytes(3, "little"))
JPEG = (b"\xff\xd8" + b"\xff\x01" + b"\xff\xe0" + (16).to_bytes(2, "big") + b"\0" * 14
        + b"\xff\xc0" + (17).to_bytes(2, "big") + b"\x08" + (768).to_bytes(2, "big") + (1024).to_bytes(2, "big")
        + b"\0" * 12)


def _b64(data: bytes) -> str:
    import base64
    return base64.b64encode(data).decode()


async def test_a_person_sends_photos_of_every_format_and_the_bot_sees_their_size(world):
    from integration_lab.fakes.telegram import media_methods as media

    fake, people, api, clock = world
    bot = fake.default_bot
    await updates(api)
    sizes = {}
    for name, data in (("gif", GIF), ("vp8", WEBP_VP8), ("vp8l", WEBP_VP8L), ("vp8x", WEBP_VP8X), ("jpeg", JPEG)):
        sent = media.person_sends(fake, bot, 501, ADA, "photo", {"data": _b64(data)})
        sizes[name] = (sent["photo"][-1]["width"], sent["photo"][-1]["height"])
    assert sizes == {"gif": (300, 200), "vp8": (640, 480), "vp8l": (100, 50), "vp8x": (1200, 900),
                     "jpeg": (1024, 768)}
    assert [u["message"]["photo"][-1]["width"] for u in await updates(api)] == [300, 640, 100, 1200, 1024]
    for bad in (_webp(b"VP8Z", b"\0" * 14), b"\xff\xd8\x00" + b"\0" * 20):
        with pytest.raises(ValueError, match="PNG, JPEG, GIF or WebP"):
            media.person_sends(fake, bot, 501, ADA, "photo", {"data": _b64(bad)})
    video = media.person_sends(fake, bot, 501, ADA, "video", {"data": _b64(b"\0\0\0\x14ftypmp42"), "duration": 3,
                                                               "caption": "  "})
    assert video["video"]["duration"] == 3 and "caption" not in video
    assert problems(video, "Message") == []
    with pytest.raises(ValueError, match="private chat's id"):
        media.person_sends(fake, bot, 502, ADA, "document", {"data": _b64(b"x")})
    group = people.create_group("Buyers", ADA)
    people.upgrade_group(group["id"], ADA)
    with pytest.raises(ValueError, match="was upgraded"):
        media.person_sends(fake, bot, group["id"], ADA, "document", {"data": _b64(b"x")})


async def _multipart(api: Api, method: str, files: dict, **params) -> dict:
    import json
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    response = await api.http.post(f"/bot{api.fake.default_bot.token}/{method}", data=data, files=files)
    return response.json()


async def test_live_photo_and_paid_media_edges(world):
    fake, people, api, clock = world
    motion = ("live.mov", b"\0\0\0\x14ftypqt  ", "video/quicktime")
    still = ("still.gif", GIF, "image/gif")
    assert (await _multipart(api, "sendLivePhoto", {"motion": motion}, chat_id="501",
                             live_photo="attach://motion"))["description"] == \
        "Bad Request: there is no photo in the request"
    live = await _multipart(api, "sendLivePhoto", {"motion": motion, "photo": still}, chat_id="501",
                            live_photo="attach://motion", has_spoiler="true", caption="Brew",
                            show_caption_above_media="true")
    assert live["ok"], live
    message = live["result"]
    assert problems(message, "Message") == []
    assert message["has_media_spoiler"] is True and message["show_caption_above_media"] is True
    assert message["live_photo"]["width"] == 300
    paid = await _multipart(api, "sendPaidMedia", {"motion": motion, "photo": still}, chat_id="501", star_count="5",
                            media=[{"type": "live_photo", "media": "attach://motion", "photo": "attach://photo"}])
    assert paid["ok"], paid
    assert paid["result"]["paid_media"]["paid_media"][0]["type"] == "live_photo"
    assert problems(paid["result"], "Message") == []

    async def refused(media):
        return await api.fails("sendPaidMedia", chat_id=501, star_count=5, media=media)
    assert await refused([]) == "Bad Request: there are no messages to send"
    assert await refused([{"type": "photo", "media": "https://x.example/a.jpg"}] * 11) == \
        "Bad Request: too many messages to send as an album"
    assert await refused([{"type": "photo"}]) == "Bad Request: can't parse InputPaidMedia: media not found"
    assert await refused([{"type": "live_photo", "media": "https://x.example/a.mp4"}]) == \
        "Bad Request: can't parse InputPaidMedia: photo not found"


async def test_album_and_media_edit_refusals(world):
    fake, people, api, clock = world
    url = "https://x.example/a.jpg"
    assert await api.fails("sendMediaGroup", chat_id=501, media=[
        {"type": "photo", "media": url, "show_caption_above_media": True},
        {"type": "photo", "media": url + "?2"}]) == \
        "Bad Request: parameter show_caption_above_media must be the same for all messages"
    photo = await api.ok("sendPhoto", chat_id=501, photo=url, caption="c", show_caption_above_media=True)
    assert photo["show_caption_above_media"] is True
    same = {"type": "photo", "media": photo["photo"][-1]["file_id"], "caption": "c", "show_caption_above_media": True}
    assert (await api.fails("editMessageMedia", chat_id=501, message_id=photo["message_id"], media=same)
            ).startswith("Bad Request: message is not modified")
