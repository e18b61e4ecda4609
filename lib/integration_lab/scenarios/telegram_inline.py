"""Inline mode, played by a notebook: people type `@lab_shop_bot <query>` in their chats (the fake's control side,
fakes/telegram/inline_people.py), and the notebook is the bot: it reads the updates with getUpdates and answers
from the shop's catalog with answerInlineQuery, through our client (app/telegram/client.py). Every view is a
DataFrame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..app.shop import CATALOG
from ..fakes.telegram import inline_people
from ..fakes.telegram.inline_state import state
from ..notebook.outcomes import attempt
from .telegram import ShopWorld, shop_world

UPDATE_COLUMNS = ["update", "from", "what"]
RESULT_COLUMNS = ["id", "type", "title", "description", "buttons"]


def money(cents: int) -> str:
    return f"{cents / 100:.2f} USD"


def catalog_results(query: str, offset: str = "", page_size: int = 10, duplicate_ids: bool = False,
                    catalog: dict = CATALOG) -> tuple[list[dict], str]:
    """The shop bot's answer to an inline query: an article per product whose title matches, `page_size` at a time
    from `offset`, each with a Reserve button; and the next_offset ("" at the end)."""
    found = [p for p in catalog.values() if query.lower() in p.title.lower() or not query]
    start = int(offset or 0)
    page = found[start:start + page_size]
    results = [{"type": "article", "id": "product" if duplicate_ids else f"product:{p.sku}", "title": p.title,
                "description": money(p.prices["USD"]),
                "input_message_content": {"message_text": f"<b>{p.title}</b>: {money(p.prices['USD'])}",
                                          "parse_mode": "HTML"},
                "reply_markup": {"inline_keyboard": [[{"text": "Reserve", "callback_data": f"reserve:{p.sku}"}]]}}
               for p in page]
    more = start + page_size < len(found)
    return results, str(start + page_size) if more else ""


@dataclass
class InlineWorld:
    world: ShopWorld
    offset: int | None = None
    heard: list[dict] = field(default_factory=list)  # every update the bot read, in order
    asides: set[str] = field(default_factory=set)  # queries typed for the refusals table, left out of the others
    shown: dict[str, str] = field(default_factory=dict)  # result id -> the query whose answer listed it

    @property
    def fake(self):
        return self.world.fake

    @property
    def bot(self):
        return self.fake.default_bot

    def user(self, name: str) -> dict:
        return self.world.user(name)

    def botfather(self, inline_mode: bool = True, feedback: bool = True) -> dict:
        """What /setinline and /setinlinefeedback set, then what getMe says of it."""
        settings = state(self.bot).settings
        settings.inline_mode, settings.feedback = inline_mode, feedback
        return settings.to_api()

    async def types(self, name: str, query: str, **where: Any) -> dict:
        """`name` types `@lab_shop_bot <query>` (in a new group by default); what the control route answers."""
        await self.world.lab.advance(self.world.think)
        return inline_people.type_query(self.fake, self.bot, {"from": self.user(name), "query": query,
                                                              **(where or {"chat_type": "group"})})

    async def read(self) -> list[dict]:
        """One getUpdates round, as the bot: the updates, confirmed."""
        updates = await self.world.api.call("getUpdates", offset=self.offset, timeout=0)
        if updates:
            self.offset = updates[-1]["update_id"] + 1
        self.heard += updates
        return updates

    async def answer(self, update: dict, page_size: int = 10, duplicate_ids: bool = False, delay: float = 0,
                     cache_time: int = 0) -> str:
        """The bot answers an inline_query update from the catalog, `delay` seconds after it came."""
        query = update["inline_query"]
        results, next_offset = catalog_results(query["query"], query["offset"], page_size, duplicate_ids)
        await self.world.lab.advance(delay)
        return await attempt(lambda: self.world.api.call(
            "answerInlineQuery", inline_query_id=query["id"], results=results, next_offset=next_offset,
            cache_time=cache_time))

    def seen(self, query_id: str) -> pd.DataFrame:
        """The results as the person's app lists them."""
        view = inline_people.seen(self.fake, self.bot, inline_people.find_query(self.bot, query_id))
        rows = [{"id": r["id"], "type": r["type"], "title": r.get("title", ""),
                 "description": r.get("description", ""),
                 "buttons": " | ".join(b["text"] for row in r.get("reply_markup", {}).get("inline_keyboard", [])
                                       for b in row)} for r in view.get("results", [])]
        return pd.DataFrame(rows, columns=RESULT_COLUMNS)

    async def answer_all(self, typed: dict, update: dict, page_size: int = 10, duplicate_ids: bool = False,
                         delay: float = 0) -> tuple[list[str], pd.DataFrame]:
        """The bot answers the query; while its answer has a next_offset, the person scrolls to the end and the
        bot answers the next page. Returns each answer's outcome and what the person saw, page by page."""
        query_id = typed["inline_query"]["id"]
        outcomes = [await self.answer(update, page_size, duplicate_ids, delay)]
        pages, queries = [self.seen(query_id)], [query_id]
        while outcomes[-1] == "ok: True" and inline_people.find_query(self.bot, query_id).answer.next_offset:
            more = await self.scrolls(query_id)
            [next_update] = await self.read()
            outcomes.append(await self.answer(next_update, page_size, duplicate_ids))
            query_id = more["inline_query"]["id"]
            pages.append(self.seen(query_id))
            queries.append(query_id)
        for query, page in zip(queries, pages):
            self.shown.update(dict.fromkeys(page["id"], query))
        return outcomes, pd.concat(pages, keys=range(1, len(pages) + 1), names=["page", "row"])

    async def reserve(self, picked: dict, name: str = "Bo") -> dict:
        """`name` presses Reserve on the picked message; the bot answers the press and edits the message."""
        sku = picked["message"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        await self.presses(name, picked["inline_message_id"], sku)
        [press] = await self.read()
        await self.world.api.call("answerCallbackQuery", callback_query_id=press["callback_query"]["id"],
                                  text="Reserved")
        edited = await self.world.api.call("editMessageText", inline_message_id=picked["inline_message_id"],
                                           text=f"{picked['message']['text']}: reserved for {name}")
        return {"the press came with": sorted(k for k in press["callback_query"] if k in ("message",
                                                                                          "inline_message_id")),
                "the edit answered": edited}

    async def scrolls(self, query_id: str) -> dict:
        await self.world.lab.advance(1)
        return inline_people.more(self.fake, self.bot, query_id, {})

    async def picks(self, result_id: str) -> dict | None:
        """The person taps the result (None when no answer listed it)."""
        if result_id not in self.shown:
            return None
        await self.world.lab.advance(self.world.think)
        return inline_people.pick(self.fake, self.bot, self.shown[result_id], {"result_id": result_id})

    async def presses(self, name: str, inline_message_id: str, data: str) -> dict:
        await self.world.lab.advance(self.world.think)
        return inline_people.press(self.fake, self.bot, inline_message_id, {"from": self.user(name), "data": data})

    def updates(self) -> pd.DataFrame:
        """Every update the bot read: its kind, who caused it, and what it says."""
        names = {u["id"]: n for n, u in self.world.users.items()}
        rows = []
        for update in self.heard:
            kind = next(k for k in update if k != "update_id")
            body = update[kind]
            rows.append({"update": kind, "from": names.get(body["from"]["id"], body["from"]["id"]),
                         "what": _describe(kind, body)})
        return pd.DataFrame(rows, columns=UPDATE_COLUMNS)

    def chat(self, chat_id: int) -> pd.DataFrame:
        """A chat the bot is not in, as the people in it see it."""
        return pd.DataFrame(inline_people.chat_messages(self.bot, chat_id)).set_index("message_id")

    async def refusals(self) -> pd.DataFrame:
        """Answers Telegram refuses, each to a fresh query, in its words; none of them stores anything."""
        good = catalog_results("")[0][:1]
        cases = {
            "an article without input_message_content": [{k: v for k, v in good[0].items()
                                                          if k != "input_message_content"}],
            "two results with one id": good + good,
            "an id of 65 bytes": [{**good[0], "id": "x" * 65}],
            "51 results": [{**good[0], "id": str(i)} for i in range(51)],
            "a document by URL that is not PDF or ZIP": [{"type": "document", "id": "menu", "title": "Menu",
                                                          "document_url": "https://shop.example/menu.docx",
                                                          "mime_type": "application/msword"}],
        }
        rows = []
        for case, results in cases.items():
            typed = await self.types("Ada", "tea")
            self.asides.add(typed["inline_query"]["id"])
            outcome = await attempt(lambda typed=typed, results=results: self.world.api.call(
                "answerInlineQuery", inline_query_id=typed["inline_query"]["id"], results=results))
            answered = inline_people.find_query(self.bot, typed["inline_query"]["id"]).answer is not None
            rows.append({"the bot answers with": case, "Telegram says": _said(outcome), "stored": answered})
        unknown = await attempt(lambda: self.world.api.call("answerInlineQuery", inline_query_id="12345",
                                                            results=good))
        rows.append({"the bot answers with": "an unknown inline_query_id", "Telegram says": _said(unknown),
                     "stored": False})
        await self.read()  # the bot has seen these queries; the updates table leaves them out
        self.heard = [u for u in self.heard if u.get("inline_query", {}).get("id") not in self.asides]
        return pd.DataFrame(rows, columns=["the bot answers with", "Telegram says", "stored"])


def _said(outcome: str) -> str:
    """'BadRequest: answerInlineQuery: 400 Bad Request: …' -> 'Bad Request: …'."""
    return outcome.split(": ", 2)[-1].removeprefix("400 ")


def _describe(kind: str, body: dict) -> str:
    if kind == "inline_query":
        return f"query {body['query']!r}, offset {body['offset']!r}, in a {body.get('chat_type')}"
    if kind == "chosen_inline_result":
        with_id = ", with inline_message_id" if "inline_message_id" in body else ""
        return f"picked {body['result_id']!r} for {body['query']!r}{with_id}"
    if kind == "callback_query":
        return f"pressed {body['data']!r} on {'an inline message' if 'inline_message_id' in body else 'a message'}"
    if kind == "message":
        return f"{body.get('text', '')!r} via @{body.get('via_bot', {}).get('username')}"
    return ""


async def inline_world(lab) -> InlineWorld:
    """The fake Telegram with our bot's client, nobody answering but the notebook (shop_world's manual mode)."""
    return InlineWorld(await shop_world(lab, mode="manual"))
