"""Message text as Telegram stores it: parse_mode markup turned into plain text plus entities.

Entity offsets and lengths count UTF-16 code units, as the Bot API does. Commands are detected in every
text, as Telegram does for messages in both directions. Parse errors use Telegram's wording.
"""

from __future__ import annotations

import re

from .errors import ApiError, bad_request
from .params import is_utf8

_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_HTML_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
              "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code", "pre": "pre",
              "a": "text_link", "tg-spoiler": "spoiler", "blockquote": "blockquote"}
_HTML_ESCAPES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!\\")
_MD2_MARKS = [("```", "pre"), ("||", "spoiler"), ("__", "underline"), ("*", "bold"), ("_", "italic"),
              ("~", "strikethrough"), ("`", "code")]


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # a lone surrogate (bad input) counts one


def _cant_parse(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def command_entities(text: str) -> list[dict]:
    if "/" not in text:
        return []
    return [{"offset": utf16_len(text[:m.start()]), "length": utf16_len(m.group()), "type": "bot_command"}
            for m in _COMMAND.finditer(text)]


def render(text: str, parse_mode: str | None = None, entities: list[dict] | None = None) -> tuple[str, list[dict]]:
    """(plain text, entities) for a message the bot sends. A parse_mode wins over explicit entities, as in
    the Bot API server's get_formatted_text; "none" means no parse mode there."""
    if parse_mode and parse_mode.lower() != "none":
        parsers = {"html": _parse_html, "markdownv2": _parse_markdown_v2, "markdown": _parse_markdown_legacy}
        parser = parsers.get(parse_mode.lower())
        if parser is None:
            raise bad_request("unsupported parse_mode")
        if not is_utf8(text):  # TDLib's parseTextEntities checks first
            raise bad_request("text must be encoded in UTF-8")
        text, entities = parser(text)
    elif not entities and "/" not in text:  # plain text: no entities given, no command to find
        return text, []
    found = list(entities or [])
    taken = {(e["offset"], e["length"]) for e in found}
    found += [e for e in command_entities(text) if (e["offset"], e["length"]) not in taken]
    return text, sorted(found, key=lambda e: (e["offset"], -e["length"]))


def _parse_html(source: str) -> tuple[str, list[dict]]:
    out, entities, stack, i = [], [], [], 0
    while i < len(source):
        ch = source[i]
        if ch == "&":
            decoded = _html_entity(source, i)
            if decoded:
                out.append(decoded[0])
                i = decoded[1]
                continue
            out.append(ch)
            i += 1
        elif ch == "<":
            end = source.find(">", i)
            if end < 0:
                raise _cant_parse(f"Unclosed start tag at byte offset {len(source[:i].encode())}")
            tag = source[i + 1:end].strip()
            offset = len(source[:i].encode())
            if tag.startswith("/"):
                name = tag[1:].strip().lower() or (stack[-1][0] if stack else "")  # "</>" closes any tag
                if not stack or stack[-1][0] != name:
                    raise _cant_parse(f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1][0]}>", '
                                      f'found "</{name}>"' if stack else
                                      f'Unexpected end tag at byte offset {offset}')
                name, start, extra = stack.pop()
                text_so_far = "".join(out)
                if utf16_len(text_so_far) > start:
                    entities.append({"offset": start, "length": utf16_len(text_so_far) - start,
                                     "type": _HTML_TAGS[name], **extra})
            else:
                name, _, attrs = tag.partition(" ")
                name = name.lower()
                if name == "span" and 'class="tg-spoiler"' in attrs:
                    name = "tg-spoiler"
                if name not in _HTML_TAGS:
                    raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {offset}')
                extra = {}
                if name == "a":
                    href = re.search(r'href\s*=\s*"([^"]*)"', attrs)
                    extra = {"url": href.group(1)} if href else {}
                stack.append((name, utf16_len("".join(out)), extra))
            i = end + 1
        else:
            out.append(ch)
            i += 1
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    if not is_utf8("".join(out)):
        raise _cant_parse("Text contains invalid Unicode characters after decoding HTML entities, check for "
                          "unmatched surrogate code units")
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


_HTML_NUMBER = re.compile(r"#(x[0-9a-fA-F]*|[0-9]*)")
_HTML_NAME = re.compile(r"[A-Za-z]*")


def _html_entity(source: str, at: int) -> tuple[str, int] | None:
    """TDLib's decode_html_entity: (character, index after it), or None when the '&' stays as it is. The ';'
    is optional; code 0, past U+10FFFE or written in 10 characters or more is no character."""
    number = _HTML_NUMBER.match(source, at + 1)
    if number:
        end, digits = number.end(), number.group(1)
        if end - at >= 10:
            return None
        code = int(digits[1:] or "0", 16) if digits.startswith("x") else int(digits or "0")
        if code == 0 or code >= 0x10FFFF:
            return None
        char = chr(code)
    else:
        end = _HTML_NAME.match(source, at + 1).end()
        char = _HTML_ESCAPES.get(source[at + 1:end])
        if char is None:
            return None
    return char, end + 1 if source.startswith(";", end) else end


def _parse_markdown_v2(source: str) -> tuple[str, list[dict]]:
    out, entities, stack, i = [], [], [], 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source) and ord(source[i + 1]) <= 126:
            out.append(source[i + 1])
            i += 2
            continue
        mark = next(((m, kind) for m, kind in _MD2_MARKS if source.startswith(m, i)), None)
        if mark:
            m, kind = mark
            if stack and stack[-1][0] == m:
                _, start, _ = stack.pop()
                text_so_far = "".join(out)
                entities.append({"offset": start, "length": utf16_len(text_so_far) - start, "type": kind})
            else:
                stack.append((m, utf16_len("".join(out)), len(source[:i].encode())))
            i += len(m)
            continue
        if ch == "[":
            close = source.find("](", i)
            end = source.find(")", close + 2) if close > 0 else -1
            if close > 0 and end > 0:
                label, _ = _parse_markdown_v2(source[i + 1:close])
                start = utf16_len("".join(out))
                out.append(label)
                entities.append({"offset": start, "length": utf16_len(label), "type": "text_link",
                                 "url": source[close + 2:end]})
                i = end + 1
                continue
        if ch in _MD2_RESERVED:
            raise _cant_parse(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        out.append(ch)
        i += 1
    if stack:
        mark, _, opened_at = stack[-1]  # Telegram names the innermost open entity and where its mark is
        raise _cant_parse(f"Can't find end of {dict(_MD2_MARKS)[mark].capitalize()} entity at byte offset {opened_at}")
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _parse_markdown_legacy(source: str) -> tuple[str, list[dict]]:
    out, entities, i = [], [], 0
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    while i < len(source):
        ch = source[i]
        if ch in kinds:
            end = source.find(ch, i + 1)
            if end < 0:
                raise _cant_parse(f"Can't find end of the entity starting at byte offset {len(source[:i].encode())}")
            start = utf16_len("".join(out))
            out.append(source[i + 1:end])
            entities.append({"offset": start, "length": utf16_len(source[i + 1:end]), "type": kinds[ch]})
            i = end + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out), entities
