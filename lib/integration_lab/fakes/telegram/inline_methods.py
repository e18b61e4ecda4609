"""Inline mode and web app answers: answerInlineQuery, answerWebAppQuery, savePreparedInlineMessage.

Checks in the reference server's order (Client.cpp of tdlib/telegram-bot-api: process_answer_inline_query_query,
process_answer_web_app_query_query, process_save_prepared_inline_message_query): the server parses every
parameter first, then TDLib checks the results (InlineQueriesManager), then Telegram's servers check the query id
and the results' ids. A refused answer stores nothing, and the query can still be answered. People's side (typing
a query, picking a result, pressing a button on an inline message) is inline_people.py; editing inline messages
goes through methods.py's edit methods and inline_state.py.
"""

from __future__ import annotations

from typing import Callable

from . import inline_people, inline_results
from .errors import QUERY_TOO_OLD, bad_request, worded
from .inline_results import Result
from .inline_state import PREPARED_LIFETIME, Answer, Prepared, state
from .params import Args, NotJson, decode_json, to_integer
from .state import Bot
from .world import TelegramFake

MAX_CACHE_TIME = 24 * 60 * 60


def answer_inline_query(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    query_id = str(to_integer(args.arg("inline_query_id"), 64))
    is_personal = args.flag("is_personal")
    cache_time = args.int32("cache_time", 300, 0, MAX_CACHE_TIME)
    next_offset = args.arg("next_offset")
    button = inline_results.button(args.arg("button"))
    if button is None and args.arg("switch_pm_text"):  # the older form of a start button
        button = {"text": args.arg("switch_pm_text"), "start_parameter": args.arg("switch_pm_parameter")}
    raw = args.arg("results")
    try:
        value = decode_json(raw) if raw else None
    except NotJson as error:  # UNCONFIRMED: td words the reason itself; ours is the JSON reader's
        raise bad_request(f"can't parse JSON encoded inline query results: {error}") from None
    results = inline_results.parse_all(value)
    if button is not None and "start_parameter" in button:  # TDLib, before the results
        inline_results.start_parameter(button["start_parameter"])
    for result in results:
        if result.tdlib is not None:
            raise result.tdlib
    inline = state(bot)
    query = inline.queries.get(query_id)
    now = fake.clock.time()
    late = query is not None and now - query.asked_at > inline.settings.answer_window
    if query is None or query.answer is not None or query.from_cache or late:
        # QUERY_ID_INVALID, as the server words it; a repeated answer too (bots report it after a restart,
        # HentaiDB/HentaiDBot#6; UNCONFIRMED for an answer given twice in the window)
        raise bad_request(QUERY_TOO_OLD)
    inline_results.next_offset(next_offset)
    inline_results.after_parsing(results)
    query.answer = Answer(results, cache_time, is_personal, next_offset, button, now)
    if cache_time:
        inline.remember_answer((query.query, query.offset, query.person.id if is_personal else None), query,
                               now + cache_time)
    return True


def _single_result(args: Args) -> Result:
    """Client::get_inline_query_result(query): the `result` parameter of answerWebAppQuery and
    savePreparedInlineMessage (its refusals carry no prefix), then TDLib's and the servers' checks."""
    raw = args.arg("result")
    if not raw:
        raise bad_request("result isn't specified")
    try:
        value = decode_json(raw)
    except NotJson as error:  # UNCONFIRMED: the reason is the JSON reader's
        raise worded(f"Can't parse JSON encoded web view query results {error}") from None
    result = inline_results.result(value, "")
    inline_results.after_parsing([result])
    return result


def answer_web_app_query(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """The web app's answer is sent on the person's behalf to the chat it was opened from (SentWebAppMessage)."""
    query_id = args.arg("web_app_query_id")
    result = _single_result(args)
    query = state(bot).web_app.get(query_id)
    if query is None or query.answered:  # UNCONFIRMED: a second answer to the same query
        raise bad_request(QUERY_TOO_OLD)
    query.answered = True
    message, inline_id = inline_people.send_via_bot(fake, bot, query.person, query.chat, result.sends)
    return {"inline_message_id": inline_id} if message.reply_markup else {}


def save_prepared_inline_message(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    user_id = to_integer(args.arg("user_id"), 64)
    if user_id <= 0:
        raise bad_request("invalid user_id specified")
    result = _single_result(args)
    types = {name: args.flag(name) for name in ("allow_user_chats", "allow_bot_chats", "allow_group_chats",
                                                "allow_channel_chats")}
    user = fake.accounts.get(user_id)
    if user is None or user.is_bot:
        raise bad_request("user not found")  # UNCONFIRMED wording for a user the bot never met
    prepared_id = fake.ids.token("", 16)
    prepared = Prepared(prepared_id, user_id, result, types, int(fake.clock.time()) + PREPARED_LIFETIME)
    stored = state(bot).prepared
    stored[prepared_id] = prepared
    while len(stored) > 256:
        stored.popitem(last=False)
    return {"id": prepared_id, "expiration_date": prepared.expiration_date}


METHODS: dict[str, Callable] = {"answerInlineQuery": answer_inline_query, "answerWebAppQuery": answer_web_app_query,
                                "savePreparedInlineMessage": save_prepared_inline_message}
