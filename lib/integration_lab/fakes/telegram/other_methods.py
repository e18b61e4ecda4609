"""Everything else a bot may call: games, verification, users' profile photos and emoji status, chat boosts,
managed bots, Telegram Passport; and the family's other modules joined into one table (stickers, business
accounts with gifts and stories, logOut and close).

Checks in the reference server's order with its words (Client.cpp of tdlib/telegram-bot-api:
process_<method>_query, get_user_id's "Invalid user_id specified", check_user's "user not found",
check_message's "<what> not found", get_required_string_arg's 'Parameter "x" is required'). What TDLib and Telegram
check after that is marked UNCONFIRMED where the words come from Telegram's error names as bots report them.
TDLib's own checks come from td/telegram (GameManager.cpp, BotInfoManager.cpp with UserManager::get_bot_data,
MessageQueryManager.cpp).
"""

from __future__ import annotations

from collections.abc import Callable

from . import inputs
from .control_routes import family_state, route
from .errors import bad_request, worded
from .methods import _chat, check_flood, replied_message
from .other_business import METHODS as BUSINESS_METHODS
from .other_session import METHODS as SESSION_METHODS
from .other_stickers import METHODS as STICKER_METHODS
from .other_stickers import bound, known_user, user_id
from .params import Args, NotJson, to_integer, to_integer_safe
from .state import Bot, Chat
from .world import TelegramFake

MAX_KEPT = 1_000  # entries of a table kept (game messages per chat, verifications, statuses), oldest forgotten first
MAX_SCORES_SHOWN = 3  # getGameHighScores: the top scores, then the user and their neighbours


# ---- games --------------------------------------------------------------------------------------------------
def _game(fake: TelegramFake, short_name: str) -> dict:
    """The game BotFather holds under `short_name` (the fake knows every name: a title made from it)."""
    games = family_state(fake, "games", dict)
    game = games.get(short_name)
    if game is None:
        title = short_name.replace("_", " ").strip().title() or short_name
        photo = {"file_id": "AgACAgIAAxkBAAE" + fake.ids.token("", 44), "file_unique_id": "AQAD" +
                 fake.ids.token("", 12), "width": 640, "height": 360, "file_size": 24_000}
        game = games[short_name] = {"title": title, "description": f"{title}, a game of this bot", "photo": [photo]}
        bound(games, MAX_KEPT)
    return {**game, "photo": [dict(p) for p in game["photo"]]}


def send_game(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    short_name = args.arg("game_short_name")
    if not short_name:
        raise worded('Parameter "game_short_name" is required')
    reply_id, without_reply = inputs.reply_to(args)
    markup = inputs.reply_markup(args)
    chat = _chat(fake, bot, args)
    if chat.type == "channel":
        raise bad_request("CHAT_SEND_GAME_FORBIDDEN")  # UNCONFIRMED: games go to private chats and groups
    game = _game(fake, short_name)
    if markup is None:  # "If empty, one 'Play game_title' button will be shown"
        markup = {"inline_keyboard": [[{"text": f"Play {game['title']}", "callback_game": {}}]]}
    else:
        first = (markup.get("inline_keyboard") or [[]])[0][:1]
        if not first or "callback_game" not in first[0]:
            raise bad_request("REPLY_MARKUP_GAME_EMPTY")  # UNCONFIRMED: the first button must launch the game
    reply_to = replied_message(chat, reply_id, without_reply)
    check_flood(fake, bot, chat)
    return fake.post(chat, bot.account, None, reply_markup=markup, reply_to=reply_to,
                     content={"game": game}).to_api()


def _game_message(fake: TelegramFake, bot: Bot, args: Args, what: str):
    """check_message for a chat's game message, or the inline message's id (inline games are not modelled)."""
    chat_id = args.arg("chat_id")
    message_id = max(to_integer(args.arg("message_id")), 0)
    if not chat_id and message_id == 0:
        if not args.arg("inline_message_id"):
            raise bad_request("message identifier is not specified")
        raise bad_request("MESSAGE_ID_INVALID")  # UNCONFIRMED: an inline message the fake never sent
    chat = _chat(fake, bot, args)
    message = chat.messages.get(message_id) if message_id > 0 else None
    if message is None or message.deleted:
        raise bad_request(f"{what} not found")
    return chat, message


def _scores(chat: Chat, message_id: int) -> dict[int, int]:
    games = family_state(chat, "games", dict)  # message id -> {user id: score}
    scores = games.setdefault(message_id, {})
    bound(games, MAX_KEPT)  # the newest games' scores of a chat
    return scores


def set_game_score(fake: TelegramFake, bot: Bot, args: Args):
    chat_id, message_id = args.arg("chat_id"), max(to_integer(args.arg("message_id")), 0)
    user = user_id(args)
    score = to_integer(args.arg("score"))
    force = args.flag("force")
    if args.has("disable_edit_message"):
        edit = not args.flag("disable_edit_message")
    else:
        edit = args.flag("edit_message") if args.has("edit_message") else True
    del chat_id, message_id
    chat, message = _game_message(fake, bot, args, "message to set game score")
    if user not in fake.accounts or fake.accounts[user].is_bot:
        raise bad_request("user not found")  # TDLib's GameManager::set_game_score (get_input_user)
    if "game" not in message.content or message.sender is not bot.account:
        raise bad_request("game score can't be set")  # TDLib's GameManager: not a game this bot sent
    if score < 0:
        raise bad_request("SCORE_INVALID")  # UNCONFIRMED; the docs: "must be non-negative"
    scores = _scores(chat, message.message_id)
    if user in scores and score <= scores[user] and not force:
        raise bad_request("BOT_SCORE_NOT_MODIFIED")
    scores[user] = score
    bound(scores, MAX_KEPT)
    if edit:
        message.edit_date = int(fake.clock.time())
    return message.to_api()


def get_game_high_scores(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    user = user_id(args)
    chat, message = _game_message(fake, bot, args, "message to get game high scores")
    if "game" not in message.content:
        raise bad_request("MESSAGE_ID_INVALID")  # UNCONFIRMED
    ranked = sorted(_scores(chat, message.message_id).items(), key=lambda item: (-item[1], item[0]))
    mine = next((i for i, (who, _) in enumerate(ranked) if who == user), None)
    shown = [i for i in range(len(ranked))
             if i < MAX_SCORES_SHOWN or (mine is not None and abs(i - mine) <= 1)]
    return [{"position": i + 1, "user": fake.accounts[ranked[i][0]].to_api(), "score": ranked[i][1]} for i in shown]


# ---- verification -------------------------------------------------------------------------------------------
def _verified(fake: TelegramFake, bot: Bot) -> dict:
    return family_state(bot, "verification", dict)  # ("user"|"chat", id) -> custom description


def verify_user(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    user = user_id(args)
    description = args.arg("custom_description")
    known_user(fake, user)
    if len(description) > 70:  # the docs: 0-70 characters
        raise bad_request("BOT_VERIFICATION_DESCRIPTION_INVALID")  # UNCONFIRMED
    _verified(fake, bot)[("user", user)] = description
    bound(_verified(fake, bot), MAX_KEPT)
    return True


def verify_chat(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    description = args.arg("custom_description")
    chat = _chat(fake, bot, args)
    if len(description) > 70:
        raise bad_request("BOT_VERIFICATION_DESCRIPTION_INVALID")  # UNCONFIRMED
    _verified(fake, bot)[("chat", chat.id)] = description
    bound(_verified(fake, bot), MAX_KEPT)
    return True


def remove_user_verification(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    user = user_id(args)
    _verified(fake, bot).pop(("user", user), None)
    return True


def remove_chat_verification(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    if not args.arg("chat_id"):  # Client.cpp's check_chat_no_fail words every empty chat id so
        raise bad_request("sender_chat_id is empty")
    chat = _chat(fake, bot, args)
    _verified(fake, bot).pop(("chat", chat.id), None)
    return True


# ---- users: profile photos and audios, emoji status, boosts, personal chat ----------------------------------
def get_user_profile_photos(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    user = user_id(args)
    args.int32("offset", 0, 0)
    args.int32("limit", 100, 1, 100)
    known_user(fake, user)
    return {"total_count": 0, "photos": []}  # people's profile photos are not modelled: none


def get_user_profile_audios(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    user = user_id(args)
    known_user(fake, user)
    return {"total_count": 0, "audios": []}


def set_user_emoji_status(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    user = user_id(args)
    emoji_id = to_integer(args.arg("emoji_status_custom_emoji_id"), 64)
    expires = to_integer(args.arg("emoji_status_expiration_date"))
    known_user(fake, user)
    statuses = family_state(fake, "emoji_status", dict)
    if emoji_id == 0:
        statuses.pop(user, None)
    else:
        statuses[user] = {"custom_emoji_id": str(emoji_id), "expiration_date": expires}
        bound(statuses, MAX_KEPT)
    return True


def get_user_chat_boosts(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    user_id(args)  # Client.cpp reads the user before it checks the chat
    _chat(fake, bot, args)
    return {"boosts": []}  # boosts are not modelled: nobody has boosted


def get_user_personal_chat_messages(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    user = user_id(args)
    limit = args.int32("limit", 0, 0, 20)
    known_user(fake, user)
    if limit <= 0:
        raise bad_request("limit must be positive")  # TDLib's MessageQueryManager::get_personal_chat_history
    return []  # no person in the fake has a personal chat on their profile


# ---- managed bots ---------------------------------------------------------------------------------------------
def _managed(fake: TelegramFake, bot: Bot, args: Args, managed_id: int | None = None) -> tuple[Bot, dict]:
    """check_user, then TDLib's UserManager::get_bot_data ("user is not a bot"), then Telegram."""
    managed_id = managed_id or user_id(args)
    account = fake.accounts.get(managed_id)
    if account is None:
        raise bad_request("user not found")
    if not account.is_bot:
        raise bad_request("user is not a bot")
    found = family_state(bot, "managed_bots", dict).get(managed_id)
    if found is None:
        raise bad_request("BOT_INVALID")  # UNCONFIRMED: Telegram's answer for a bot this bot does not manage
    managed = fake.bot_by_id(managed_id)
    return managed, found


def get_managed_bot_token(fake: TelegramFake, bot: Bot, args: Args) -> str:
    return _managed(fake, bot, args)[0].token


def replace_managed_bot_token(fake: TelegramFake, bot: Bot, args: Args) -> str:
    managed, _ = _managed(fake, bot, args)
    new = f"{managed.account.id}:AA" + fake.ids.token("", 33)
    del fake.bots[managed.token]  # the old token answers 401 Unauthorized from now on
    managed.token = new
    fake.bots[new] = managed
    return new


def get_managed_bot_access_settings(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    _, settings = _managed(fake, bot, args)
    result = {"is_access_restricted": settings["restricted"]}
    added = [fake.accounts[i].to_api() for i in settings["added"] if i in fake.accounts]
    if settings["restricted"] and added:
        result["added_users"] = added
    return result


def _user_ids(args: Args, name: str, most: int) -> list[int]:
    """Client::get_user_ids."""
    if not args.arg(name):
        raise bad_request("user identifiers are not specified")
    try:
        value = args.json(name)
    except NotJson:
        raise bad_request(f"can't parse {name} JSON object") from None
    if not isinstance(value, list):
        raise bad_request("expected an Array of user identifiers")
    if len(value) > most:
        raise bad_request("too many user identifiers specified")
    found = []
    for item in value:
        if not isinstance(item, str):  # a number (Num) or a string: both are text here
            raise bad_request("user identifier must be a Number")
        number = to_integer_safe(item, 64)
        if number is None:
            raise bad_request("can't parse user identifier as a Number")
        if number <= 0:
            raise bad_request("invalid user identifier specified")
        found.append(number)
    return found


def set_managed_bot_access_settings(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    managed_id = user_id(args)
    restricted = args.flag("is_access_restricted")
    added: list[int] = []
    if restricted and args.has("added_user_ids"):
        added = _user_ids(args, "added_user_ids", 10)
    _, settings = _managed(fake, bot, args, managed_id)
    settings.update(restricted=restricted, added=added if restricted else [])
    return True


@route("POST", r"^/_lab/managed_bots$")
def create_managed_bot(fake: TelegramFake, people, match, data: dict) -> dict:
    """A person creates a bot to be managed by this bot (KeyboardButtonRequestManagedBot): a managed_bot update."""
    person = fake.person(data.get("from"))
    username = data.get("username")
    if not isinstance(username, str) or not username.lower().endswith("bot") or not 5 <= len(username) <= 32:
        raise ValueError('"username" must be a bot username (5-32 characters, ending in "bot")')
    if any(a.username and a.username.lower() == username.lower() for a in fake.accounts.values()):
        raise ValueError(f"@{username} is taken")
    name = data.get("name") or username
    managed = fake.add_bot(username=username, first_name=str(name))
    family_state(people.bot, "managed_bots", dict)[managed.account.id] = {"owner": person.id, "restricted": False,
                                                                          "added": []}
    payload = {"user": person.to_api(), "bot": managed.account.to_api()}
    fake.enqueue(people.bot, "managed_bot", payload)
    return {"managed_bot": payload}


# ---- Telegram Passport --------------------------------------------------------------------------------------
PASSPORT_TYPES = {"personal_details", "passport", "driver_license", "identity_card", "internal_passport", "address",
                  "utility_bill", "bank_statement", "rental_agreement", "passport_registration",
                  "temporary_registration", "phone_number", "email"}
PASSPORT_HASH = {"unspecified": "element_hash", "data": "data_hash", "front_side": "file_hash",
                 "reverse_side": "file_hash", "selfie": "file_hash", "translation_file": "file_hash",
                 "file": "file_hash", "files": "file_hashes", "translation_files": "file_hashes"}


def _passport_error(item) -> None:
    """get_passport_element_error and get_passport_element_error_source: their fields in their order."""
    if not isinstance(item, dict):
        raise _PassportRefused("expected an Object")
    fields = inputs.Fields(item)
    try:
        kind = fields.string("type", required=True)
        if kind not in PASSPORT_TYPES:
            raise _PassportRefused("wrong Telegram Passport element type specified")
        fields.string("message", required=True)
        source = fields.string("source") or "unspecified"
        if source not in PASSPORT_HASH:
            raise _PassportRefused("wrong source specified")
        if source == "data":
            fields.string("data_hash", required=True)
            fields.string("field_name", required=True)
        elif PASSPORT_HASH[source] == "file_hashes":
            if "file_hashes" not in item:
                raise _PassportRefused('Can\'t find field "file_hashes"')
            if not isinstance(item["file_hashes"], list):
                raise _PassportRefused('Field "file_hashes" must be of type Array')
            if any(type(h) is not str for h in item["file_hashes"]):
                raise _PassportRefused("hash must be a string")
        else:
            fields.string(PASSPORT_HASH[source], required=True)
    except inputs._Refused as refused:
        raise _PassportRefused(str(refused)) from None


class _PassportRefused(Exception):
    pass


def set_passport_data_errors(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """get_passport_element_errors: a JSON array of PassportElementError (hashes' base64 is not checked)."""
    user = user_id(args)
    try:
        value = args.json("errors")
    except NotJson:
        raise bad_request("can't parse errors JSON object") from None
    if not isinstance(value, list):
        raise bad_request("expected an Array of PassportElementError")
    for item in value:
        try:
            _passport_error(item)
        except _PassportRefused as refused:
            raise worded(f"Can't parse PassportElementError: {refused}") from None
    known_user(fake, user)
    family_state(bot, "passport_errors", dict)[user] = value
    bound(bot.extra["passport_errors"], MAX_KEPT)
    return True


METHODS: dict[str, Callable] = {
    **STICKER_METHODS, **BUSINESS_METHODS, **SESSION_METHODS,
    "sendGame": send_game, "setGameScore": set_game_score, "getGameHighScores": get_game_high_scores,
    "verifyUser": verify_user, "verifyChat": verify_chat, "removeUserVerification": remove_user_verification,
    "removeChatVerification": remove_chat_verification, "getUserProfilePhotos": get_user_profile_photos,
    "getUserProfileAudios": get_user_profile_audios, "setUserEmojiStatus": set_user_emoji_status,
    "getUserChatBoosts": get_user_chat_boosts, "getUserPersonalChatMessages": get_user_personal_chat_messages,
    "getManagedBotToken": get_managed_bot_token, "replaceManagedBotToken": replace_managed_bot_token,
    "getManagedBotAccessSettings": get_managed_bot_access_settings,
    "setManagedBotAccessSettings": set_managed_bot_access_settings,
    "setPassportDataErrors": set_passport_data_errors,
}
