"""Hostile Bot API calls for `serve telegram`: sendMessage, editMessageText, getUpdates, setWebhook, a mix, and
every method of the catalogue in turn (`every_method`).

A call aimed at the protected chat always carries a poison the reference Bot API server (tdlib's
telegram-bot-api, Client.cpp) refuses whatever the encoding: an empty or over-long text, an unclosed HTML
tag, an unknown parse mode, entities that are not MessageEntity objects, a reply markup that is not JSON.
(Entities that are not JSON at all are ignored there, so they are no poison.) Any change to that chat is
then a fake's bug, not a valid call.
Webhook URLs only ever name loopback or unparsable hosts, so nothing leaves the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from ..fakes.telegram import catalogue
from ..fakes.telegram.generic import FIRST_CHECKS
from ..serve import DEFAULT_TELEGRAM_TOKEN as TOKEN  # serve telegram's made-up default (no secret)
from .values import Draw, Req, to_form, to_json


@dataclass
class TelegramTargets:
    protected_chat: int
    protected_message: int
    chats: list[int] = field(default_factory=list)  # chats whose user wrote to the bot: calls may succeed
    messages: list[tuple[int, int]] = field(default_factory=list)  # (chat, message) the bot may edit


HTML_TEXT = ["<b>x</i>", "<a href=\"javascript:1\">x</a>", "&#x110000;", "&#xd800;",
             "<tg-emoji emoji-id=\"x\">y</tg-emoji>",
             "<pre><code class=\"a\">x</code></pre>", "<b><i>x</b></i>", "<u><s>" * 200, "<blockquote expandable>x",
             "<span class=\"tg-spoiler\">", "a &lt b", "<a href=\"tg://user?id=\ud800\">x</a>"]
MARKDOWN_TEXT = ["*bold", "[x](http://a)", "||x", "x\\", "`" * 3, "_*~||", "[x](tg://user?id=1e99)", ">q\n>>q"]
ENTITIES = [[1], [{}], "[1]", "{", [{"type": "bold", "offset": -1, "length": 1}],
            [{"type": "bold", "offset": 0, "length": 1e308}], [{"type": "text_link", "offset": 0, "length": 1}],
            [{"type": "pre", "offset": 0, "length": 1, "language": "\ud800"}], [{"type": 5}],
            [{"type": "bold", "offset": float("nan"), "length": 1}], [{"type": "mention"}] * 200]
MARKUPS = ["{", "[]", "null", {"inline_keyboard": 5}, {"inline_keyboard": [[{"text": "x"}]]},
           {"inline_keyboard": [[{"text": "x", "callback_data": "a" * 65}]]}, {"keyboard": [[1]]},
           {"inline_keyboard": [[{"text": "\ud800", "url": "http://[::1"}]]}, {"inline_keyboard": [[]] * 200},
           {"force_reply": "maybe"}]
POISONS = [("text", ""), ("text", "x" * 5000), ("parse_mode", "HTML", "<b>x"), ("parse_mode", "HTML", "<i>"),
           ("parse_mode", "bogus_mode"), ("entities", [1]), ("entities", [{"type": 5}]), ("reply_markup", "{"),
           ("reply_markup", {"inline_keyboard": 5}), ("text", None)]
# Telegram reads an integer's leading digits ("1e+308" is 1), so none of these may start with a digit
NOT_A_MESSAGE_ID = ["abc", -1, 0, [], {}, None, "", "١", "x1", -(2 ** 70)]
LOOPBACK_URLS = ["http://[::1", "http://[::1]:1/x", "https://127.0.0.1:0/", "http://127.0.0.1:1/hook",
                 "javascript:alert(1)",
                 "", "https://", "http://localhost:99999/", "ftp://127.0.0.1/", "https://127.0.0.1/" + "a" * 5000,
                 "http://127.0.0.1/\ud800", "https://[::1]/%zz", "http://user:pw@127.0.0.1:1/", "http://127.0.0.1:-1/",
                 "https://127.0.0.1:65536/", "http://0x7f000001:1/", "//127.0.0.1", "https://[::ffff:127.0.0.1]:1/"]
OTHER_METHODS = ["getMe", "deleteMessage", "editMessageReplyMarkup", "answerCallbackQuery", "sendChatAction",
                 "getChat", "getWebhookInfo", "deleteWebhook", "GETME"] * 3 + [
                 "sendInvoice", "answerPreCheckoutQuery", "logOut", "sendPhoto", "", "get\ud800me", "getme/extra",
                 "a" * 300]


def _chat(d: Draw, t: TelegramTargets):
    return d.pick([lambda: d.pick(t.chats), lambda: d.pick(t.chats), lambda: 987654321, d.scalar,
                   lambda: str(d.pick(t.chats)), lambda: "@nobody", lambda: -100123])()


def _text(d: Draw) -> object:
    return d.pick([d.text, lambda: d.pick(HTML_TEXT), lambda: d.pick(MARKDOWN_TEXT), lambda: "hello"])()


def _message_options(d: Draw, params: dict) -> dict:
    if d.chance(0.4):
        params["parse_mode"] = d.pick(["HTML", "MarkdownV2", "Markdown", "html", "", "bogus", d.text()])
    if d.chance(0.25):
        params["entities"] = d.pick(ENTITIES + [d.value()])
    if d.chance(0.25):
        params["reply_markup"] = d.pick(MARKUPS + [d.value()])
    if d.chance(0.15):
        params[d.pick(["reply_to_message_id", "message_thread_id", "disable_notification", "protect_content",
                       "link_preview_options", "reply_parameters", "disable_web_page_preview"])] = d.value()
    if d.chance(0.1):
        params[d.key()] = d.value()  # an unknown field
    return params


def _poison(d: Draw, params: dict) -> dict:
    """The params with a poison, which goes first with the chat and message: the Bot API reads a JSON body only
    up to its first fault (tdlib's HttpReader), so a poison after a NaN would never be seen."""
    poison = d.pick(POISONS)
    if poison[0] == "entities":
        params.pop("parse_mode", None)  # a parse_mode would make Telegram ignore the entities
    if poison[0] == "parse_mode":
        params.pop("entities", None)
    first = {k: params.pop(k) for k in ("chat_id", "message_id") if k in params}
    params.pop("text", None)
    if poison != ("text", None):
        first[poison[0]] = poison[1]
        first["text"] = poison[2] if len(poison) == 3 else first.get("text", "x")
    return first | {k: v for k, v in params.items() if k not in first}


def send_message(d: Draw, t: TelegramTargets) -> Req:
    protected = d.chance(0.3)
    params = _message_options(d, {"chat_id": t.protected_chat if protected else _chat(d, t), "text": _text(d)})
    return call(d, "sendMessage", _poison(d, params) if protected else params, safe=protected)


def edit_message_text(d: Draw, t: TelegramTargets) -> Req:
    protected = d.chance(0.3)
    if protected:
        params = {"chat_id": t.protected_chat, "message_id": t.protected_message, "text": _text(d)}
        return call(d, "editMessageText", _poison(d, _message_options(d, params)), safe=True)
    chat, message = d.pick(t.messages) if t.messages and d.chance(0.6) else (_chat(d, t), d.number())
    params = {"chat_id": chat, "message_id": message, "text": _text(d)}
    if d.chance(0.1):
        params = {"inline_message_id": d.text(), "text": _text(d)}
    if d.chance(0.15):
        params.pop(d.pick(list(params)))
    return call(d, "editMessageText", _message_options(d, params))


def get_updates(d: Draw, t: TelegramTargets) -> Req:
    params: dict = {}
    if d.chance(0.7):
        params["offset"] = d.pick([d.number, d.text, lambda: -1, lambda: 1])()
    if d.chance(0.5):
        params["limit"] = d.pick([0, 101, -5, 1, 100, "x", 1e308, float("nan"), 2 ** 64, [], None])
    # only timeouts that cannot hold a poll open for long: a valid 50 s poll is not a failure
    params["timeout"] = d.pick([0, 0, 1, -1, -(2 ** 31), "0", "", "abc", None, [], {}, 0.5, True, "NaN"])
    if d.chance(0.5):
        params["allowed_updates"] = d.pick([5, "x", "[", "[1]", ["message", 5], ["\ud800"], "null", {}, d.value()])
    return call(d, "getUpdates", params)


def set_webhook(d: Draw, t: TelegramTargets) -> Req:
    params: dict = {"url": d.pick(LOOPBACK_URLS + [d.text()])}
    if d.chance(0.4):
        params["secret_token"] = d.pick(["a" * 257, "bad token", "\ud800", "", "ok_token-1", d.text()])
    if d.chance(0.3):
        params["max_connections"] = d.pick([0, 101, -1, "x", 1e308, 2 ** 64, 40, None])
    if d.chance(0.3):
        params["allowed_updates"] = d.pick([5, "[", ["message", 5], "[\"message\"]", d.value()])
    if d.chance(0.2):
        params[d.pick(["drop_pending_updates", "ip_address", "certificate"])] = d.pick(
            ["maybe", 2, "999.1.1.1", "::zz", "-----BEGIN", d.value()])
    return call(d, "setWebhook", params)


def other_methods(d: Draw, t: TelegramTargets) -> Req:
    name = d.pick(OTHER_METHODS)
    if name in ("deleteMessage", "editMessageReplyMarkup") and d.chance(0.4):
        params = {"chat_id": t.protected_chat,
                  "message_id": d.pick(NOT_A_MESSAGE_ID) if name == "deleteMessage" else t.protected_message}
        if name == "editMessageReplyMarkup":
            params["reply_markup"] = d.pick(["{", {"inline_keyboard": 5}, "[]", {"inline_keyboard": [[{"text": "x"}]]}])
        return call(d, name, params, safe=True)
    params = {k: d.value() for k in d.r.sample(["chat_id", "message_id", "callback_query_id", "action", "text",
                                                 "show_alert", "url", "cache_time", "reply_markup"], d.r.randint(0, 4))}
    if "chat_id" in params and d.chance(0.5):
        params["chat_id"] = _chat(d, t)
    if params.get("chat_id") == t.protected_chat:
        params["chat_id"] = 987654321
    return call(d, name, params)


def call(d: Draw, method: str, params: dict, safe: bool = False) -> Req:
    """One Bot API call: token, method name, and the parameters as JSON, a form, multipart or a query string.
    `safe` (aimed at the protected chat) keeps the parameters intact, only the transport varies."""
    token = TOKEN if d.chance(0.93) else d.pick(["", "123", "4242424242:wrong", "4242424242:" + "a" * 300,
                                                  "%zz", "4242424242%3ALAB", "bot", "-1:x", "\ud800"])
    name = method if d.chance(0.85) else d.pick([method.lower(), method.upper(), method.lower(), method + "%00"])
    target = f"/bot{quote(token, safe=':%', errors='surrogatepass')}/{quote(name, safe='%/', errors='surrogatepass')}"
    if d.chance(0.02) and not safe:
        target = d.pick(["/bot", "/", "/bot" + TOKEN, "/botbot/getMe", "/_lab", "/bot" + TOKEN + "//getMe"])
    style = d.pick(["json", "json", "form", "multipart", "query"])
    headers: dict[str, bytes] = {}
    body = b""
    if style == "json":
        body, headers["content-type"] = to_json(params), b"application/json"
    elif style == "form":
        body, headers["content-type"] = to_form(_as_strings(params)), b"application/x-www-form-urlencoded"
    elif style == "multipart":
        body, headers["content-type"] = _multipart(_as_strings(params))
    elif len(query := to_form(_as_strings(params))) < 16000:  # longer URLs are refused by the client
        target += "?" + query.decode("latin-1")
    else:
        body, headers["content-type"], style = query, b"application/x-www-form-urlencoded", "form"
    if not safe:
        if d.chance(0.08):
            headers["content-type"] = d.content_type(headers.get("content-type", b"application/json"))
        if d.chance(0.05):
            body = d.junk_bytes()
        if d.chance(0.05):
            target += ("&" if "?" in target else "?") + d.percent()
    if d.chance(0.05):
        headers["x-odd"] = d.header()
    verb = "GET" if style == "query" and d.chance(0.5) else d.pick(["POST"] * 30 + ["PUT", "DELETE", "PATCH"])
    return Req(verb, target, headers, body, aimed=safe)


def _as_strings(params: dict) -> list[tuple[str, object]]:
    """Form values as Telegram clients send them: strings as they are, anything else JSON-encoded."""
    return [(k, v if isinstance(v, str) else to_json(v)) for k, v in params.items()]


def _multipart(pairs: list[tuple[str, object]]) -> tuple[bytes, bytes]:
    boundary = b"hostileboundary7"
    parts = [b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + k.encode("utf-8", "surrogatepass")
             + b'"\r\n\r\n' + (v.encode("utf-8", "surrogatepass") if isinstance(v, str) else v) + b"\r\n"
             for k, v in pairs]
    return b"".join(parts) + b"--" + boundary + b"--\r\n", b"multipart/form-data; boundary=" + boundary


# Every method of the catalogue, but those the endpoints above cover with their own bounds: a getUpdates poll may
# hold for 50 s, a webhook may only name loopback, and logOut/close end the bot's session for every later call.
OWN_ENDPOINT = {"getUpdates", "setWebhook", "logOut", "close"}
EVERY_METHOD = sorted(set(catalogue.NAMES.values()) - OWN_ENDPOINT)
_BEFORE_CHAT = {"file", "nonempty", "trimmed", "message_ids"}  # refusals of an empty parameter, in Client.cpp's order


def guard(method: str) -> str | None:
    """A parameter whose absence makes the reference server refuse `method` before it reads the chat (its
    FIRST_CHECKS, generic.py): a call aimed at the protected chat without it must change nothing."""
    for check in FIRST_CHECKS.get(method, ()):
        if check[0] in ("chat", "message", "edit", "business", "business_chat", "send_business", "tdlib"):
            return None
        if len(check) > 1 and check[1] in ("chat_id", "message_id"):
            continue  # an aimed call carries them
        if check[0] in _BEFORE_CHAT or (check[0] == "json" and check[3]) or (check[0] == "user" and not check[3]):
            return check[1]
    return None


def _plausible(d: Draw, t: TelegramTargets, name: str, types: list[str]) -> object:
    """A value a valid call might carry, so that hostile calls also reach a method's deeper checks."""
    if name in ("chat_id", "from_chat_id"):
        return _chat(d, t)
    if name in ("user_id", "receiver_user_id"):
        return d.pick(t.chats + [987654321])
    if name == "message_id":
        return d.pick(t.messages)[1] if t.messages else 1
    if name == "message_ids":
        return [m for _, m in t.messages[:2]]
    if "InputFile" in types:
        return d.pick(["https://127.0.0.1:1/cat.jpg", "AgACAgIAAxk", "attach://photo", ""])
    scalar = {"Integer": 1, "Float": 41.3, "Boolean": True, "True": True, "String": "lab"}
    if types[0] in scalar:
        return scalar[types[0]]
    kind = types[0][9:] if types[0].startswith("Array of ") else types[0]
    value = catalogue.example(kind) if kind in catalogue.TYPES else "x"
    return [value] if types[0].startswith("Array of ") else value


def _aimable(method: str) -> bool:
    return guard(method) is not None and any(f["name"] == "chat_id" for f in catalogue.fields(method))


# one round of `every_method`: each method once, and once more aimed at the protected chat when it can be
EVERY_CALL = [(m, False) for m in EVERY_METHOD] + [(m, True) for m in EVERY_METHOD if _aimable(m)]


def every_method(d: Draw, t: TelegramTargets) -> Req:
    """The catalogue's methods in a seeded order, a round of EVERY_CALL before the next: its parameters by their
    catalogue names, some plausible, most hostile; a method with a guard (a parameter the reference server
    refuses to miss before it reads the chat) also goes once at the protected chat without it."""
    queue = d.__dict__.setdefault("telegram_methods", [])
    if not queue:
        queue.extend(d.r.sample(EVERY_CALL, len(EVERY_CALL)))
    method, aimed = queue.pop()
    fields = catalogue.fields(method)
    params: dict = {}
    for spec in fields:
        if d.chance(0.8 if spec["required"] else 0.15):
            params[spec["name"]] = _plausible(d, t, spec["name"], spec["types"]) if d.chance(0.4) else d.value()
    if d.chance(0.1):
        params[d.key()] = d.value()  # an unknown field
    for name in ("url", "web_app_url", "webhook_url"):  # nothing the fake might fetch or deliver to leaves the host
        if name in params:
            params[name] = d.pick(LOOPBACK_URLS)
    if params.get("chat_id") == t.protected_chat:
        params["chat_id"] = 987654321
    if not aimed:
        return call(d, method, params)
    params.pop(guard(method), None)
    first = {"chat_id": t.protected_chat}
    if any(f["name"] == "message_id" for f in fields):
        first["message_id"] = t.protected_message
    return call(d, method, first | {k: v for k, v in params.items() if k not in first}, safe=True)


ENDPOINTS = {"sendMessage": send_message, "editMessageText": edit_message_text, "getUpdates": get_updates,
             "setWebhook": set_webhook, "other methods": other_methods, "every method": every_method}
