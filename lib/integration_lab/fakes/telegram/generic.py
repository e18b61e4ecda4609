"""The answer to a catalogue method no family handles with state of its own: its parameters checked the way
the reference server checks them, in its order and its words, then the smallest result of its documented type.

Every family module (registry.py) replaces these answers method by method with real state; what is left here is
the floor that keeps a team's bot from stopping at "method not found".

`FIRST_CHECKS` is the table: for each method, the checks the Bot API server makes before the call reaches TDLib,
in order, read once from its `process_<method>_query` in Client.cpp of tdlib/telegram-bot-api (Bot API server
10.0) and the helpers it calls. The first check that fails answers, so a call with no parameters gets the first
check's words, and a call with some gets the first one they do not satisfy. The kinds of check:

- `file(name, what)`: get_input_file found nothing: "There is no <what> in the request" (sendPhoto, …);
  setChatPhoto's photo must be uploaded ("Photo must be uploaded as an InputFile").
- `required(name)`: get_required_string_arg: 'Parameter "<name>" is required'.
- `nonempty(name, words)`: a helper's own words for an empty parameter ("Message text is empty",
  "Bad Request: latitude is empty", "Photo isn't specified", "Message identifiers are not specified", …).
- `json(name, label)`: a JSON parameter (empty is skipped unless the helper refuses it): text json_decode cannot
  parse gets "Can't parse <label> JSON object"; `json(..., array=...)` also needs an Array.
- `user(name)`: get_user_id: the parameter read as td::to_integer<int64>, "Invalid <name> specified" unless
  positive; `user(name, known=True)` then check_user: a user the fake has never seen is "user not found".
- `chat(name)`: check_chat: "chat_id is empty" (whatever the name: Client.cpp's wording), then the chat looked up
  as methods._chat does ("chat not found", migrated, blocked, kicked). `sender_chat(name)`: check_chat_no_fail:
  "sender_chat_id is empty", "sender_chat_id is not a valid Integer" (also for removeChatVerification's chat_id).
- `message(what)`: check_message: the chat, then a message_id that is no message of it: "<what> not found".
- `edit(what)`: no chat_id and no message_id: an inline message, "Message identifier is not specified" without
  inline_message_id; else `message(what)`.
- `business()`: check_business_connection: the fake keeps no business connections, "business connection not
  found"; `business_chat(name)` first reads the chat as get_business_connection_chat_id does.
- `tdlib(words)`: what TDLib answers at that point for any call the fake can serve no state for (a query id
  it never issued, a file it never stored, a sticker set it does not keep); these words come from TDLib's
  source and bots' reports, not Client.cpp, and each is cited or marked UNCONFIRMED where it is used.
- `SEND`: do_send_message's own checks (reply parameters, suggested post parameters, reply markup: JSON that
  does not parse; a business connection; then the chat).
- the chat's type, once it is found: "method is available only for supergroups" (setChatStickerSet,
  restrictChatMember), "… only for groups and supergroups" (custom titles, tags), "… for supergroup and channel
  chats only" (promote, unban), "there are no administrators in the private chat".

Typed parameters: the server reads Integer and Boolean parameters leniently (td::to_integer stops at the first
non-digit, to_bool is true for "true"/"1"/"yes"), so text that is no number is 0 and fails the check that 0
fails ("Invalid user_id specified"); only a few integers must be exact (sender_chat_id "is not a valid Integer",
a business chat "identifier must be a valid Integer", a message identifier in an array "Can't parse message
identifier as a Number"). JSON parameters that do not parse get "Can't parse <label> JSON object", with the
label each helper uses. Words reach the wire as Client::fail_query_with_error words them (errors.worded):
"Bad Request: " and a lower-cased first letter, unless they carry the prefix already.

`empty_call_refusal(method)` is what the table says a call with no parameters gets; the walk of the catalogue
(tests/test_telegram_every_method.py) holds every handler to it, a family's as much as this floor. logOut and
close are answered by Client::on_cmd before the method table: no checks. Methods added after Bot API server
10.0, which Client.cpp does not have (ephemeral and rich messages, chat join request queries), carry checks
guessed from their siblings: marked UNCONFIRMED below.
"""

from __future__ import annotations

from typing import Callable

from .catalogue import NAMES, example, returns
from .errors import QUERY_TOO_OLD, ApiError, bad_request, worded
from .methods import _chat
from .params import Args, NotJson, Num, decode_json, to_integer, to_integer_safe
from .state import Bot, Chat
from .world import TelegramFake

Check = tuple  # (kind, *arguments)
_TD_SPACE = " \t\r\n\0\v"  # td::trim


# ---- the kinds of check ---------------------------------------------------------------------------------
def file(name: str, what: str | None = None) -> Check:
    return ("file", name, f"There is no {what or name.replace('_', ' ')} in the request")


def required(name: str) -> Check:
    return ("nonempty", name, f'Parameter "{name}" is required')


def nonempty(name: str, words: str) -> Check:
    return ("nonempty", name, words)


def json(name: str, label: str, missing: str | None = None, array: str | None = None) -> Check:
    return ("json", name, label, missing, array)


def user(name: str = "user_id", known: bool = False, if_given: str = "") -> Check:
    """`if_given`: "has" (checked when the parameter is present, even empty: query->has_arg) or "nonempty"."""
    return ("user", name, known, if_given)


def chat(name: str = "chat_id") -> Check:
    return ("chat", name)


def sender_chat(name: str = "sender_chat_id") -> Check:
    return ("sender_chat", name)


def message(what: str, chat_name: str = "chat_id") -> Check:
    return ("message", chat_name, what)


def edit(what: str = "message to edit") -> Check:
    return ("edit", what)


def business() -> Check:
    return ("business",)


def business_chat(name: str = "chat_id", if_business: bool = False) -> Check:
    """get_business_connection_chat_id; `if_business`: only on the business path (business_connection_id)."""
    return ("business_chat", name, if_business)


def tdlib(words: str) -> Check:
    return ("tdlib", words)


def message_ids(name: str = "message_ids") -> Check:
    return ("message_ids", name)


LOCATION = (("trimmed", "latitude", "Bad Request: latitude is empty"),
            ("trimmed", "longitude", "Bad Request: longitude is empty"))  # get_location trims them
CAPTION = ()  # get_caption: an empty caption is none; its parse mode and entities are the families' to check
SEND = (json("reply_parameters", "reply parameters"),  # do_send_message, then check_reply_parameters
        json("suggested_post_parameters", "suggested post parameters"),
        json("reply_markup", "reply keyboard markup"), ("send_business",), chat())
EDITED = (json("reply_markup", "reply keyboard markup"),)
STICKER = ("trimmed", "sticker", "Sticker is not specified")  # get_sticker_input_file trims it
LEGACY_STICKER = ("legacy_sticker",)  # get_input_sticker / get_input_stickers without the JSON parameter
# get_inline_query_result: the parser's own message follows the words (td's JsonParser words it; ours is Python's,
# UNCONFIRMED past the words)
RESULT = (nonempty("result", "Result isn't specified"),
          ("json_detail", "result", "Can't parse JSON encoded web view query results"))
QUERY = tdlib(QUERY_TOO_OLD)  # TDLib's QUERY_ID_INVALID, as fail_query_with_error words it
SUPERGROUP_OR_CHANNEL = ("not_type", ("supergroup", "channel"),  # ChatInfo::Type::Supergroup: channels are too
                         "method is available for supergroup and channel chats only")

# method -> its first checks, from Client.cpp of tdlib/telegram-bot-api (10.0), process_<method>_query
FIRST_CHECKS: dict[str, tuple[Check, ...]] = {
    # updates and webhooks (methods.py answers them; listed for the walk of the catalogue)
    "getUpdates": (), "setWebhook": (), "deleteWebhook": (), "getWebhookInfo": (), "getMe": (),
    "logOut": (), "close": (),  # Client::on_cmd answers both before the method table
    # sending (process_send_*_query, then do_send_message)
    "sendMessage": (nonempty("text", "Message text is empty"), *SEND),  # get_input_message_text
    "forwardMessage": (required("from_chat_id"), message("message to forward", "from_chat_id"), *SEND),
    "forwardMessages": (required("from_chat_id"), message_ids(), json("suggested_post_parameters",
                        "suggested post parameters"), chat(), chat("from_chat_id")),
    "copyMessage": (required("from_chat_id"), *CAPTION, message("message to copy", "from_chat_id"), *SEND),
    "copyMessages": (required("from_chat_id"), message_ids(), json("suggested_post_parameters",
                     "suggested post parameters"), chat(), chat("from_chat_id")),
    "sendPhoto": (file("photo"), *SEND),
    "sendLivePhoto": (file("live_photo"), file("photo"), *SEND),
    "sendAudio": (file("audio"), *SEND),
    "sendDocument": (file("document"), *SEND),
    "sendVideo": (file("video"), *SEND),
    "sendAnimation": (file("animation"), *SEND),
    "sendVoice": (file("voice"), *SEND),
    "sendVideoNote": (file("video_note"), *SEND),
    "sendSticker": (file("sticker"), *SEND),
    "sendPaidMedia": (required("media"), json("media", "paid media"), *SEND),  # get_paid_media
    "sendMediaGroup": (json("reply_parameters", "reply parameters"),
                       json("suggested_post_parameters", "suggested post parameters"), required("media"),
                       json("media", "media", array="Expected an Array of InputMedia"), ("send_business",),
                       chat()),  # get_input_message_contents
    "sendLocation": (*LOCATION, *SEND),
    "sendVenue": (*LOCATION, *SEND),
    "sendContact": (required("phone_number"), required("first_name"), *SEND),
    "sendPoll": (json("options", "options", missing="Can't parse options JSON object",
                      array="Expected an Array of String as options"), *SEND),  # get_input_poll_options
    "sendChecklist": (required("checklist"), json("checklist", "InputChecklist"), *SEND),
    "sendDice": SEND,
    "sendGame": (required("game_short_name"), *SEND),
    "sendInvoice": (required("title"), required("description"), required("payload"), *SEND),
    "sendMessageDraft": (chat(),),
    "sendChatAction": (nonempty("action", "Wrong parameter action in request"), chat()),  # get_chat_action
    "setMessageReaction": (json("reaction", "reaction types", array="Expected an Array of ReactionType"),
                           message("message to react")),  # get_reaction_types
    # editing
    "editMessageText": (nonempty("text", "Message text is empty"), *EDITED, edit()),
    "editMessageCaption": (*EDITED, *CAPTION, edit()),
    "editMessageMedia": (*EDITED, required("media"), json("media", "input media"), edit()),  # get_input_media
    "editMessageLiveLocation": (*LOCATION, *EDITED, edit()),
    "stopMessageLiveLocation": (*EDITED, edit()),
    "editMessageChecklist": (*EDITED, required("checklist"), json("checklist", "InputChecklist"),
                             message("message to edit")),
    "editMessageReplyMarkup": (*EDITED, edit()),
    "stopPoll": (*EDITED, message("message with poll to stop")),
    "deleteMessage": (nonempty("chat_id", "Chat identifier is not specified"),
                      ("positive", "message_id", "Message identifier is not specified"),
                      message("message to delete")),
    "deleteMessages": (message_ids(), chat(), ("messages", "message to delete")),
    "deleteMessageReaction": (user(if_given="nonempty"), message("message to delete reactions")),
    "deleteAllMessageReactions": (user(if_given="nonempty"), chat()),
    "approveSuggestedPost": (message("suggested post"),),
    "declineSuggestedPost": (message("suggested post"),),
    # UNCONFIRMED (Bot API 10.2, after Client.cpp 10.0): ephemeral messages, checked as their non-ephemeral
    # siblings are (content first, then the receiver as get_user_id reads it, then the chat)
    "editEphemeralMessageText": (nonempty("text", "Message text is empty"), *EDITED, user("receiver_user_id"),
                                 chat(), ("ephemeral",)),
    "editEphemeralMessageCaption": (*EDITED, user("receiver_user_id"), chat(), ("ephemeral",)),
    "editEphemeralMessageMedia": (*EDITED, required("media"), json("media", "input media"),
                                  user("receiver_user_id"), chat(), ("ephemeral",)),
    "editEphemeralMessageReplyMarkup": (*EDITED, user("receiver_user_id"), chat(), ("ephemeral",)),
    "deleteEphemeralMessage": (user("receiver_user_id"), chat(), ("ephemeral",)),
    # UNCONFIRMED (Bot API 10.2): rich messages, a JSON object then do_send_message
    "sendRichMessage": (required("rich_message"), json("rich_message", "rich message"), *SEND),
    "sendRichMessageDraft": (required("rich_message"), json("rich_message", "rich message"), chat()),
    # users and profiles
    "getUserProfilePhotos": (user(known=True),),
    "getUserProfileAudios": (user(known=True),),
    "setUserEmojiStatus": (user(known=True),),
    "getUserPersonalChatMessages": (user(known=True),),
    "getFile": (nonempty("file_id", "Bad Request: file_id not specified"),  # check_remote_file_id
                tdlib("Bad Request: invalid file_id")),  # an id the fake never issued (tdlib/telegram-bot-api#359)
    # chats and members
    "banChatMember": (user(), chat()),
    "unbanChatMember": (user(), chat(), SUPERGROUP_OR_CHANNEL),
    "restrictChatMember": (user(), json("permissions", "permissions"), chat(), ("supergroup",)),
    "promoteChatMember": (user(), chat(), SUPERGROUP_OR_CHANNEL),
    "setChatAdministratorCustomTitle": (user(), chat(), ("group",)),
    "setChatMemberTag": (user(), chat(), ("group",)),
    "banChatSenderChat": (chat(), sender_chat()),
    "unbanChatSenderChat": (chat(), sender_chat()),
    "setChatPermissions": (json("permissions", "permissions"), chat()),
    "exportChatInviteLink": (chat(),), "createChatInviteLink": (chat(),), "editChatInviteLink": (chat(),),
    "createChatSubscriptionInviteLink": (chat(),), "editChatSubscriptionInviteLink": (chat(),),
    "revokeChatInviteLink": (chat(),),
    "approveChatJoinRequest": (user(), chat()),
    "declineChatJoinRequest": (user(), chat()),
    # UNCONFIRMED (after 10.0): a chat join request query the fake never issued is answered as a callback's
    "answerChatJoinRequestQuery": (QUERY,),
    "sendChatJoinRequestWebApp": (QUERY,),
    "setChatPhoto": (file("photo"), ("uploaded", "photo", "Photo must be uploaded as an InputFile"), chat()),
    "deleteChatPhoto": (chat(),), "setChatTitle": (chat(),), "setChatDescription": (chat(),),
    "pinChatMessage": (business_chat(if_business=True), message("message to pin")),
    "unpinChatMessage": (business_chat(if_business=True), chat()),  # no message_id: the newest pin
    "unpinAllChatMessages": (chat(),),
    "leaveChat": (chat(),),
    "getChat": (chat(),),
    "getChatAdministrators": (chat(), ("not_private", "there are no administrators in the private chat")),
    "getChatMemberCount": (chat(),),
    "getChatMember": (user(), chat()),
    "setChatStickerSet": (chat(), ("supergroup",)),
    "deleteChatStickerSet": (chat(), ("supergroup",)),
    "getUserChatBoosts": (user(), chat()),
    # forum topics
    "getForumTopicIconStickers": (),
    "createForumTopic": (chat(),), "editForumTopic": (chat(),), "closeForumTopic": (chat(),),
    "reopenForumTopic": (chat(),), "deleteForumTopic": (chat(),), "unpinAllForumTopicMessages": (chat(),),
    "editGeneralForumTopic": (chat(),), "closeGeneralForumTopic": (chat(),),
    "reopenGeneralForumTopic": (chat(),), "hideGeneralForumTopic": (chat(),),
    "unhideGeneralForumTopic": (chat(),), "unpinAllGeneralForumTopicMessages": (chat(),),
    # queries
    "answerCallbackQuery": (QUERY,),
    "answerInlineQuery": (json("button", "inline query results button"), QUERY),
    "answerWebAppQuery": (*RESULT, QUERY),
    "answerGuestQuery": (*RESULT, QUERY),
    "savePreparedInlineMessage": (user(), *RESULT, user(known=True)),
    "savePreparedKeyboardButton": (user(), json("button", "keyboard button",
                                                missing="Can't parse keyboard button JSON object"), user(known=True)),
    "answerShippingQuery": (("shipping_answer",), QUERY),  # ok: shipping_options, else error_message
    "answerPreCheckoutQuery": (("ok_or", "error_message"), QUERY),
    # the bot itself
    "setMyCommands": (json("commands", "commands", array="Expected an Array of BotCommand"),
                      json("scope", "BotCommandScope")),
    "deleteMyCommands": (json("scope", "BotCommandScope"),),
    "getMyCommands": (json("scope", "BotCommandScope"),),
    # the server passes the name to TDLib as it is; the bot's own name (no language) can't be removed:
    # UNCONFIRMED words, the profile family's reading
    "setMyName": (nonempty("name", "Name must be non-empty"),), "getMyName": (), "setMyDescription": (),
    "getMyDescription": (),
    "setMyShortDescription": (), "getMyShortDescription": (),
    "setMyProfilePhoto": (nonempty("photo", "Photo isn't specified"), json("photo", "photo")),
    "removeMyProfilePhoto": (),
    "setChatMenuButton": (json("menu_button", "menu button"), user("chat_id", known=True, if_given="has")),
    "getChatMenuButton": (user("chat_id", known=True, if_given="has"),),
    "setMyDefaultAdministratorRights": (json("rights", "ChatAdministratorRights"),),
    "getMyDefaultAdministratorRights": (),
    # managed bots, gifts, verification, stars
    "getManagedBotToken": (user(known=True),), "replaceManagedBotToken": (user(known=True),),
    "getManagedBotAccessSettings": (user(known=True),), "setManagedBotAccessSettings": (user(known=True),),
    "getAvailableGifts": (),
    "sendGift": (("gift_recipient",),),  # chat_id when given, else user_id
    "giftPremiumSubscription": (user(known=True),),
    "verifyUser": (user(known=True),), "verifyChat": (chat(),),
    "removeUserVerification": (user(),), "removeChatVerification": (sender_chat("chat_id"),),
    "getUserGifts": (user(known=True),), "getChatGifts": (chat(),),
    "getMyStarBalance": (), "getStarTransactions": (),
    "refundStarPayment": (user(), required("telegram_payment_charge_id")),
    "editUserStarSubscription": (user(),),
    "createInvoiceLink": (required("title"), required("description"), required("payload")),
    "setPassportDataErrors": (user(), json("errors", "errors", missing="Can't parse errors JSON object",
                                           array="Expected an Array of PassportElementError"), user(known=True)),
    # business accounts and stories
    "getBusinessConnection": (business(),),
    "readBusinessMessage": (business_chat(), business()),
    "deleteBusinessMessages": (message_ids(), business()),
    "setBusinessAccountName": (required("first_name"), business()),
    "setBusinessAccountUsername": (business(),), "setBusinessAccountBio": (business(),),
    "setBusinessAccountProfilePhoto": (nonempty("photo", "Photo isn't specified"), json("photo", "photo"),
                                       business()),
    "removeBusinessAccountProfilePhoto": (business(),),
    "setBusinessAccountGiftSettings": (nonempty("accepted_gift_types", "Accepted gift types aren't specified"),
                                       json("accepted_gift_types", "accepted gift types"), business()),
    "getBusinessAccountStarBalance": (business(),), "transferBusinessAccountStars": (business(),),
    "getBusinessAccountGifts": (business(),),
    "convertGiftToStars": (business(),), "upgradeGift": (business(),),
    "transferGift": (business_chat("new_owner_chat_id"), business()),
    "postStory": (nonempty("content", "Story content isn't specified"), json("content", "story content"),
                  json("areas", "story areas"), business()),
    "editStory": (nonempty("content", "Story content isn't specified"), json("content", "story content"),
                  json("areas", "story areas"), business()),
    "repostStory": (required("from_chat_id"), business()),
    "deleteStory": (business(),),
    # stickers
    # a set the fake does not keep: the server's STICKERSET_INVALID, kept in capitals by fail_query_with_error
    # (bots quote it for addStickerToSet, TelegramBots/Telegram.Bot#444); UNCONFIRMED for these methods
    "getStickerSet": (tdlib("Bad Request: STICKERSET_INVALID"),),
    "getCustomEmojiStickers": (required("custom_emoji_ids"), json("custom_emoji_ids", "custom emoji identifiers",
                               array="Expected an Array of custom emoji identifiers"), ("custom_emoji_ids",)),
    "uploadStickerFile": (user(), ("upload_sticker",), user(known=True)),
    "createNewStickerSet": (user(), ("new_stickers",), user(known=True)),
    "addStickerToSet": (user(), LEGACY_STICKER, user(known=True)),
    "replaceStickerInSet": (user(), nonempty("old_sticker", "Sticker is not specified"), LEGACY_STICKER,
                            user(known=True)),
    "setStickerPositionInSet": (STICKER, tdlib("Bad Request: STICKER_INVALID")),  # UNCONFIRMED, as below
    "deleteStickerFromSet": (STICKER, tdlib("Bad Request: STICKER_INVALID")),
    "setStickerEmojiList": (STICKER, tdlib("Bad Request: STICKER_INVALID")),
    "setStickerKeywords": (STICKER, tdlib("Bad Request: STICKER_INVALID")),
    "setStickerMaskPosition": (STICKER, tdlib("Bad Request: STICKER_INVALID")),
    # TDLib's StickersManager refuses an empty name (after trimming) before it looks the set up
    "setStickerSetTitle": (("trimmed", "name", "Sticker set name must be non-empty"),
                           tdlib("Bad Request: STICKERSET_INVALID")),
    "setStickerSetThumbnail": (user(), ("thumbnail_format",), user(known=True)),
    "setCustomEmojiStickerSetThumbnail": (tdlib("Bad Request: STICKERSET_INVALID"),),
    "deleteStickerSet": (("trimmed", "name", "Sticker set name must be non-empty"),
                         tdlib("Bad Request: STICKERSET_INVALID")),
    # games
    "setGameScore": (user(), edit("message to set game score")),
    "getGameHighScores": (user(), edit("message to get game high scores")),
}


# ---- running the checks ------------------------------------------------------------------------------------
def _refuse(words: str) -> ApiError:
    """Client::fail_query_with_error: words that carry their prefix go as they are."""
    return bad_request(words[len("Bad Request: "):]) if words.startswith("Bad Request: ") else worded(words)


def _has_file(args: Args, name: str) -> bool:
    return bool(args.arg(name)) or name in getattr(args, "files", {})


def _known_user(fake: TelegramFake, user_id: int) -> None:
    if user_id not in fake.accounts:
        raise bad_request("user not found")


def _chat_named(fake: TelegramFake, bot: Bot, args: Args, name: str) -> Chat:
    if name == "chat_id":
        return _chat(fake, bot, args)
    return _chat(fake, bot, Args([("chat_id", args.arg(name))]))


def run_checks(fake: TelegramFake, bot: Bot, args: Args, method: str) -> Chat | None:
    """The method's FIRST_CHECKS in order; raises the first refusal, else returns the chat they found (if any)."""
    found: Chat | None = None
    for check in FIRST_CHECKS.get(method, ()):
        kind = check[0]
        if kind == "file" and not _has_file(args, check[1]):
            raise _refuse(check[2])
        elif kind == "nonempty" and not args.arg(check[1]):
            raise _refuse(check[2])
        elif kind == "trimmed" and not args.arg(check[1]).strip(_TD_SPACE):
            raise _refuse(check[2])
        elif kind == "positive" and to_integer(args.arg(check[1])) <= 0:
            raise _refuse(check[2])
        elif kind == "json":
            _json(args, *check[1:])
        elif kind == "json_detail" and args.arg(check[1]):
            try:
                decode_json(args.arg(check[1]))
            except NotJson as error:
                raise _refuse(f"{check[2]} {error}") from None
        elif kind == "uploaded" and check[1] not in getattr(args, "files", {}):
            raise _refuse(check[2])  # get_input_file(..., force_upload): a file_id or URL will not do
        elif kind == "user":
            _, name, known, if_given = check
            if (if_given == "has" and not args.has(name)) or (if_given == "nonempty" and not args.arg(name)):
                continue
            user_id = max(to_integer(args.arg(name), 64), 0)
            if user_id == 0:
                raise _refuse(f"Invalid {name} specified")
            if known:
                _known_user(fake, user_id)
        elif kind == "chat":
            found = _chat_named(fake, bot, args, check[1])
        elif kind == "sender_chat":
            raw = args.arg(check[1])
            if not raw:
                raise bad_request("sender_chat_id is empty")
            if to_integer_safe(raw, 64) is None:
                raise bad_request("sender_chat_id is not a valid Integer")
        elif kind == "message":
            found = _chat_named(fake, bot, args, check[1])
            _message_of(found, args, check[2])
        elif kind == "messages":
            if not found or not found.messages:
                raise bad_request(f"{check[1]} not found")
        elif kind == "message_ids":
            _message_ids(args, check[1])
        elif kind == "edit":
            if not args.arg("chat_id") and max(to_integer(args.arg("message_id")), 0) == 0:
                if not args.arg("inline_message_id"):
                    raise bad_request("message identifier is not specified")
                # TDLib's InlineQueriesManager for an inline message the fake never sent (bots quote it)
                raise bad_request("invalid inline message identifier specified")
            found = _chat(fake, bot, args)
            _message_of(found, args, check[1])
        elif kind == "business":
            raise bad_request("business connection not found")  # the fake keeps none
        elif kind == "business_chat":
            if not check[2] or args.arg("business_connection_id"):
                _business_chat(args.arg(check[1]))
                if check[2]:
                    raise bad_request("business connection not found")
        elif kind == "send_business":
            if args.arg("business_connection_id"):
                _business_chat(args.arg("chat_id"))
                raise bad_request("business connection not found")
        elif kind == "tdlib":
            raise _refuse(check[1])
        elif kind == "group" and found is not None and found.type not in ("group", "supergroup"):
            raise bad_request("method is available only for groups and supergroups")
        elif kind == "supergroup" and found is not None and found.type != "supergroup":
            raise bad_request("method is available only for supergroups")
        elif kind == "not_private" and found is not None and found.type == "private":
            raise bad_request(check[1])
        elif kind == "not_type" and found is not None and found.type not in check[1]:
            raise bad_request(check[2])
        elif kind == "ephemeral":
            raise bad_request("message to edit not found")  # UNCONFIRMED: the fake keeps no ephemeral messages
        elif kind == "gift_recipient":
            found = _gift_recipient(fake, bot, args)
        elif kind == "legacy_sticker":
            _legacy_sticker(args, "sticker", "sticker")
        elif kind == "new_stickers":
            _legacy_sticker(args, "stickers", "stickers")
        elif kind == "upload_sticker":
            if args.has("sticker") and args.arg("sticker_format") not in ("static", "animated", "video", "auto"):
                raise bad_request("invalid sticker format specified")  # get_sticker_format
        elif kind == "ok_or" and not args.flag("ok") and not args.arg(check[1]):
            raise _refuse(f'Parameter "{check[1]}" is required')
        elif kind == "shipping_answer":
            if not args.flag("ok"):
                if not args.arg("error_message"):
                    raise _refuse('Parameter "error_message" is required')
            else:
                _json(args, "shipping_options", "shipping options", 'Parameter "shipping_options" is required',
                      "Expected an Array of shipping options")
        elif kind == "custom_emoji_ids":  # process_get_custom_emoji_stickers_query, element by element
            for item in decode_json(args.arg("custom_emoji_ids")):
                if not isinstance(item, str) or isinstance(item, Num):
                    raise bad_request("custom emoji identifier must be of type String")
                if to_integer_safe(item, 64) is None:
                    raise bad_request("invalid custom emoji identifier specified")
        elif kind == "thumbnail_format":
            if args.arg("format") and args.arg("format") not in ("static", "animated", "video", "auto"):
                raise bad_request("invalid sticker format specified")
    return found


def _json(args: Args, name: str, label: str, missing: str | None, array: str | None) -> None:
    raw = args.arg(name)
    if not raw:
        if missing:
            raise _refuse(missing)
        return
    try:
        value = decode_json(raw)
    except NotJson:
        raise _refuse(f"Can't parse {label} JSON object") from None
    if array and not isinstance(value, list):
        raise _refuse(array)


def _message_ids(args: Args, name: str) -> None:
    """Client::get_message_ids."""
    raw = args.arg(name)
    if not raw:
        raise bad_request("message identifiers are not specified")
    try:
        value = decode_json(raw)
    except NotJson:
        raise bad_request(f"can't parse {name} JSON object") from None
    if not isinstance(value, list):
        raise bad_request("expected an Array of message identifiers")
    if len(value) > 100:
        raise bad_request("too many message identifiers specified")
    for item in value:
        if not isinstance(item, str):  # numbers arrive as their text (params.Num is a str); others are not
            raise bad_request("message identifier must be a Number")
        number = to_integer_safe(item)
        if number is None:
            raise bad_request("can't parse message identifier as a Number")
        if number <= 0:
            raise bad_request("invalid message identifier specified")
    if not value:
        raise bad_request("message identifiers are not specified")


def _message_of(chat: Chat, args: Args, what: str) -> None:
    message_id = max(to_integer(args.arg("message_id")), 0)
    message = chat.messages.get(message_id) if message_id else None
    if message is None or message.deleted:
        raise bad_request(f"{what} not found")


def _business_chat(raw: str) -> None:
    """Client::get_business_connection_chat_id."""
    if not raw:
        raise bad_request("chat identifier is empty")
    if to_integer_safe(raw, 64) is None:
        raise bad_request("chat identifier must be a valid Integer")


def _gift_recipient(fake: TelegramFake, bot: Bot, args: Args) -> Chat | None:
    """process_send_gift_query: a chat when chat_id is given, else a user."""
    if args.arg("chat_id"):
        return _chat(fake, bot, args)
    user_id = max(to_integer(args.arg("user_id"), 64), 0)
    if user_id == 0:
        raise bad_request("invalid user_id specified")
    _known_user(fake, user_id)
    return None


def _legacy_sticker(args: Args, name: str, label: str) -> None:
    """get_input_sticker(s): the JSON parameter when given, else the legacy files (png/tgs/webm_sticker)."""
    if args.has(name) or name in getattr(args, "files", {}):
        _json(args, name, label, f"Can't parse {label} JSON object",
              "Expected an Array of InputSticker" if name == "stickers" else None)
        return
    if not any(_has_file(args, legacy) for legacy in ("png_sticker", "tgs_sticker", "webm_sticker")):
        raise bad_request("there is no sticker file in the request")


# kept for the families that checked the common parameters through it before the table
def check_common(fake: TelegramFake, bot: Bot, args: Args, method: str) -> None:
    run_checks(fake, bot, args, NAMES.get(method.lower(), method))


def _result(fake: TelegramFake, bot: Bot, kind: str, chat: Chat | None):
    if kind in ("Boolean", "True"):
        return True
    if kind == "Message" and chat is not None:
        return example(kind, chat=chat.to_api(), date=int(fake.clock.time()), **{"from": bot.account.to_api()})
    return example(kind)


def answer_from_catalogue(method: str) -> Callable:
    kind = returns(method)

    def answer(fake: TelegramFake, bot: Bot, args: Args):
        chat = run_checks(fake, bot, args, method)
        return _result(fake, bot, kind, chat)

    answer.__name__ = f"generic_{method}"
    return answer


def empty_call_refusal(method: str) -> str | None:
    """What Telegram answers `method` called with no parameters, as this table has it: the description of the
    first check's refusal, or None when the call goes through. (The walk of the catalogue compares every
    handler, generic or a family's, with it.)"""
    fake = _EMPTY_WORLD
    try:
        run_checks(fake, fake.default_bot, Args([]), NAMES.get(method.lower(), method))
    except ApiError as error:
        return error.description
    return None


class _Nothing:
    """A world with no users, chats or messages: enough for the checks of an empty call."""
    accounts: dict = {}

    class default_bot:  # noqa: N801  # a bot with no chats
        chats: dict = {}


_EMPTY_WORLD = _Nothing()
