"""Media and files on the Telegram fake: uploads, URLs and file_id reuse, photo sizes, albums, captions, getFile and
the download route, the bounded store, people sending media; and real clients (python-telegram-bot, aiogram)
sending, reusing and downloading a photo unmodified."""

from __future__ import annotations

import base64
import io
import json

import httpx
import pytest
import telegram
from aiogram import Bot as AiogramBot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BufferedInputFile, FSInputFile
from catalogue import problems
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.fakes.telegram import files as files_module
from integration_lab.fakes.telegram.files import (
    FileStore,
    image_size,
    solid_png,
    store_of,
)
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada", "username": "ada"}
BO = {"id": 502, "first_name": "Bo"}
PNG = solid_png(1000, 750, b"\x10\x80\xf0")  # a real picture: 1000x750


class Api:
    """The fake through its in-process transport; `call` asserts ok and the catalogue type, `fail` the error."""

    def __init__(self, fake: TelegramFake, bot=None):
        self.fake, self.bot = fake, bot or fake.default_bot
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")

    async def raw(self, method: str, files: dict | None = None, **params) -> httpx.Response:
        url = f"/bot{self.bot.token}/{method}"
        if files:
            data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            return await self.http.post(url, data=data, files=files)
        return await self.http.post(url, json=params)

    async def call(self, method: str, returns: str = "Message", files: dict | None = None, **params):
        body = (await self.raw(method, files, **params)).json()
        assert body["ok"], body
        assert problems(body["result"], returns) == [], problems(body["result"], returns)
        return body["result"]

    async def fail(self, method: str, files: dict | None = None, **params) -> str:
        response = await self.raw(method, files, **params)
        body = response.json()
        assert not body["ok"] and response.status_code == body["error_code"], body
        return body["description"]


@pytest.fixture
def fake():
    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(7), limits=False,
                        tokens=["111111:AAlabfirstbottokenxxxxxxxxxxxxxxxxxx", "222222:AAlabsecondbottokenxxxxxxxxxxxxxxxxx"])
    for bot in fake.bots.values():
        People(fake, bot).send(501, ADA, "/start")
    return fake


@pytest.fixture
def api(fake):
    return Api(fake)


def _photo(name: str = "shoe.png", data: bytes = PNG) -> dict:
    return {"photo": (name, data, "image/png")}


async def test_upload_then_reuse_a_photo(api, fake):
    sent = await api.call("sendPhoto", files=_photo(), chat_id="501", caption="<b>Shoe</b>, 12 USD", parse_mode="HTML")
    sizes = sent["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 68), (320, 240), (800, 600), (1000, 750)]
    assert sizes[-1]["file_size"] == len(PNG) and sizes[-1]["file_id"].startswith("AgAC")
    assert len({s["file_unique_id"] for s in sizes}) == 4
    assert sent["caption"] == "Shoe, 12 USD" and sent["caption_entities"] == [{"offset": 0, "length": 4, "type": "bold"}]
    again = await api.call("sendPhoto", chat_id=501, photo=sizes[-1]["file_id"])
    assert again["photo"] == sizes and "caption" not in again  # the same file: same ids, all its sizes
    by_thumbnail = await api.call("sendPhoto", chat_id=501, photo=sizes[0]["file_id"])
    assert by_thumbnail["photo"] == sizes
    second = await api.call("sendPhoto", files=_photo(), chat_id="501")
    assert second["photo"][-1]["file_unique_id"] != sizes[-1]["file_unique_id"]  # every upload is a new file
    assert len(store_of(fake).files) == 8


async def test_file_ids_belong_to_one_bot(fake, api):
    other = Api(fake, list(fake.bots.values())[1])
    sent = await api.call("sendDocument", files={"document": ("price.pdf", b"%PDF-1.4 list", "application/pdf")},
                          chat_id="501")
    document = sent["document"]
    assert document["file_name"] == "price.pdf" and document["mime_type"] == "application/pdf"
    assert document["file_id"].startswith("BQAC") and document["file_size"] == 13
    assert await other.fail("sendDocument", chat_id=501, document=document["file_id"]) == \
        "Bad Request: wrong file identifier/HTTP URL specified"
    assert await other.fail("getFile", file_id=document["file_id"]) == "Bad Request: invalid file_id"
    store = store_of(fake)
    stored = store.resolve(document["file_id"], api.bot.account.id)
    assert store.file_id(stored, other.bot.account.id) != document["file_id"]  # another bot: another file_id
    assert store.resolve(store.file_id(stored, other.bot.account.id), other.bot.account.id) is stored


async def test_a_file_id_keeps_its_type(api):
    photo = (await api.call("sendPhoto", files=_photo(), chat_id="501"))["photo"][-1]["file_id"]
    video = (await api.call("sendVideo", files={"video": ("clip.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")},
                            chat_id="501", width="640", height="360", duration="7"))["video"]
    assert (video["width"], video["height"], video["duration"], video["mime_type"]) == (640, 360, 7, "video/mp4")
    assert await api.fail("sendDocument", chat_id=501, document=photo) == \
        "Bad Request: can't use file of type Photo as Document"
    assert await api.fail("sendPhoto", chat_id=501, photo=video["file_id"]) == \
        "Bad Request: can't use file of type Video as Photo"
    as_document = await api.call("sendDocument", chat_id=501, document=video["file_id"])  # document-like: allowed
    assert as_document["document"]["file_unique_id"] == video["file_unique_id"]
    assert await api.fail("sendPhoto", chat_id=501, photo="not a file id!") == \
        "Bad Request: wrong remote file identifier specified: Wrong character in the string"
    assert await api.fail("sendPhoto", chat_id=501, photo="AgACAgIAAxkBAAIBMw") == \
        "Bad Request: wrong file identifier/HTTP URL specified"  # another bot's, as far as anyone can tell
    for given, reading in (("AgACA", "Wrong string length"), ("AgACAB", "wrong padding in the string"),
                           ("AgACAA", "can't unserialize it")):
        assert await api.fail("sendPhoto", chat_id=501, photo=given) == \
            f"Bad Request: wrong remote file identifier specified: {reading}"


async def test_every_kind_by_upload_and_url_validates(api):
    cases = {"sendAudio": ("audio", "song.mp3"), "sendVoice": ("voice", "note.ogg"),
             "sendAnimation": ("animation", "loop.mp4"), "sendSticker": ("sticker", "s.webp"),
             "sendVideoNote": ("video_note", "round.mp4")}
    for method, (field, name) in cases.items():
        sent = await api.call(method, files={field: (name, b"some bytes", "application/octet-stream")},
                              chat_id="501", duration="3", title="Song", performer="Lab", length="240")
        assert field in sent and sent[field]["file_size"] == 10
        again = await api.call(method, chat_id=501, **{field: sent[field]["file_id"]})
        assert again[field]["file_unique_id"] == sent[field]["file_unique_id"]
    animation = await api.call("sendAnimation", chat_id=501, animation="https://cdn.example/loop.gif")
    assert animation["document"]["file_id"] == animation["animation"]["file_id"]  # Telegram sets both
    by_url = await api.call("sendPhoto", chat_id=501, photo="https://cdn.example/shoe.jpg")
    assert [(s["width"], s["height"]) for s in by_url["photo"]] == [(90, 68), (320, 240), (800, 600)]
    same_url = await api.call("sendPhoto", chat_id=501, photo="https://cdn.example/shoe.jpg")
    assert same_url["photo"] == by_url["photo"]  # Telegram caches what it fetched


async def test_refused_uploads_store_nothing(api, fake):
    before = len(store_of(fake).files)
    assert await api.fail("sendPhoto", chat_id=501) == "Bad Request: there is no photo in the request"
    assert await api.fail("sendVideoNote", chat_id=501) == "Bad Request: there is no video note in the request"
    assert await api.fail("sendPhoto", files={"p": ("p.png", PNG, "image/png")}, chat_id="501",
                          photo="attach://missing") == "Bad Request: there is no photo in the request"
    assert await api.fail("sendPhoto", files=_photo("x.txt", b"hello"), chat_id="501") == \
        "Bad Request: IMAGE_PROCESS_FAILED"
    assert await api.fail("sendPhoto", files=_photo("x.png", b""), chat_id="501") == \
        "Bad Request: file must be non-empty"
    assert await api.fail("sendPhoto", files=_photo("x.png", PNG + b"\0" * (10 << 20)), chat_id="501") == \
        "Bad Request: PHOTO_SAVE_FILE_INVALID"
    assert await api.fail("sendPhoto", files=_photo("tall.png", solid_png(10, 400, b"\0\0\0")), chat_id="501") == \
        "Bad Request: PHOTO_INVALID_DIMENSIONS"
    assert await api.fail("sendPhoto", files=_photo(), chat_id="999") == "Bad Request: chat not found"
    assert await api.fail("sendPhoto", files=_photo(), chat_id="501", caption="x" * 1025) == \
        "Bad Request: message caption is too long"
    unclosed = await api.fail("sendPhoto", files=_photo(), chat_id="501", caption="<b>x", parse_mode="HTML")
    assert unclosed.startswith("Bad Request: can't parse entities")
    assert len(store_of(fake).files) == before
    assert [m["text"] for m in People(fake).transcript(501)] == ["/start"]


async def test_get_file_and_download(api, fake):
    sent = await api.call("sendPhoto", files=_photo(), chat_id="501")
    found = await api.call("getFile", "File", file_id=sent["photo"][-1]["file_id"])
    assert found["file_path"] == "photos/file_0.jpg" and found["file_size"] == len(PNG)
    download = await api.http.get(f"/file/bot{api.bot.token}/{found['file_path']}")
    assert download.status_code == 200 and download.content == PNG
    thumb = await api.call("getFile", "File", file_id=sent["photo"][0]["file_id"])
    picture = (await api.http.get(f"/file/bot{api.bot.token}/{thumb['file_path']}")).content
    assert image_size(picture) == (90, 68) and len(picture) == sent["photo"][0]["file_size"]
    missing = await api.http.get(f"/file/bot{api.bot.token}/photos/file_99.jpg")
    assert missing.status_code == 404 and missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    other = list(fake.bots.values())[1]
    assert (await api.http.get(f"/file/bot{other.token}/{found['file_path']}")).status_code == 404  # paths per bot
    assert await api.fail("getFile") == "Bad Request: file_id not specified"
    big = await api.call("sendDocument", files={"document": ("big.bin", b"\1" * ((20 << 20) + 1), "")},
                         chat_id="501")
    assert await api.fail("getFile", file_id=big["document"]["file_id"]) == "Bad Request: file is too big"
    assert store_of(fake).resolve(big["document"]["file_id"], api.bot.account.id).data is None  # never kept


async def test_media_group(api, fake):
    first = await api.call("sendPhoto", files=_photo(), chat_id="501")
    media = [{"type": "photo", "media": "attach://one", "caption": "*Two* shoes", "parse_mode": "MarkdownV2"},
             {"type": "photo", "media": first["photo"][-1]["file_id"]},
             {"type": "video", "media": "https://cdn.example/clip.mp4", "width": 640, "height": 360}]
    album = await api.call("sendMediaGroup", "Array of Message", files={"one": ("one.png", PNG, "image/png")},
                           chat_id="501", media=media)
    assert len(album) == 3 and len({m["media_group_id"] for m in album}) == 1
    assert album[0]["caption"] == "Two shoes" and album[0]["caption_entities"][0]["type"] == "bold"
    assert [m["message_id"] for m in album] == [3, 4, 5]
    photo = {"type": "photo", "media": first["photo"][-1]["file_id"]}
    refusals = {
        "Bad Request: parameter \"media\" is required": None,
        "Bad Request: can't parse media JSON object": "[",
        "Bad Request: expected an Array of InputMedia": {"type": "photo"},
        "Bad Request: there are no messages to send": [],
        "Bad Request: too many messages to send as an album": [photo] * 11,
        "Bad Request: document can't be mixed with other media types": [photo, {"type": "document", "media": "https://x.example/a.pdf"}],
        "Bad Request: audio can't be mixed with other media types": [{"type": "audio", "media": "https://x.example/a.mp3"}, photo],
        "Bad Request: can't parse InputMedia: type \"animation\" can't be used in sendMediaGroup": [{"type": "animation", "media": "https://x.example/a.gif"}],
        "Bad Request: can't parse InputMedia: media not found": [{"type": "photo", "media": "attach://nothing"}],
        "Bad Request: can't parse InputMedia: Can't find field \"type\"": [{"media": "https://x.example/a.jpg"}],
        "Bad Request: can't parse InputMedia: type \"poll\" is unsupported": [{"type": "poll", "media": "x"}],
        "Bad Request: failed to send message #2 with the error message \"Wrong file identifier/HTTP URL specified\"": [photo, {"type": "photo", "media": "AAAAAAAAAAAAAAAAAAAA"}],
        "Bad Request: can't use file of type Photo as Document": [{"type": "document", "media": photo["media"]}] * 2,
    }
    for description, value in refusals.items():
        params = {"chat_id": 501} if value is None else {"chat_id": 501, "media": value if isinstance(value, str) else json.dumps(value)}
        assert await api.fail("sendMediaGroup", **params) == description, description
    assert len(People(fake).transcript(501)) == 5  # /start, the photo, the album of three: nothing more


async def test_edit_caption_and_media(api, fake):
    text = await api.call("sendMessage", chat_id=501, text="plain")
    assert await api.fail("editMessageCaption", chat_id=501, message_id=text["message_id"], caption="x") == \
        "Bad Request: there is no caption in the message to edit"
    sent = await api.call("sendPhoto", files=_photo(), chat_id="501", caption="12 USD")
    fake.clock.advance(5)
    edited = await api.call("editMessageCaption", chat_id=501, message_id=sent["message_id"],
                            caption="<i>10 USD</i>", parse_mode="HTML")
    assert edited["caption"] == "10 USD" and edited["caption_entities"][0]["type"] == "italic"
    assert edited["edit_date"] == sent["date"] + 5 and edited["photo"] == sent["photo"]
    assert await api.fail("editMessageCaption", chat_id=501, message_id=sent["message_id"], caption="<i>10 USD</i>",
                          parse_mode="HTML") == "Bad Request: message is not modified: specified new message " \
        "content and reply markup are exactly the same as a current content and reply markup of the message"
    assert await api.fail("editMessageText", chat_id=501, message_id=sent["message_id"], text="x") == \
        "Bad Request: there is no text in the message to edit"
    removed = await api.call("editMessageCaption", chat_id=501, message_id=sent["message_id"])
    assert "caption" not in removed
    swapped = await api.call("editMessageMedia", files={"new": ("menu.pdf", b"%PDF menu", "application/pdf")},
                             chat_id="501", message_id=str(sent["message_id"]),
                             media={"type": "document", "media": "attach://new", "caption": "Menu"})
    assert "photo" not in swapped and swapped["document"]["file_name"] == "menu.pdf" and swapped["caption"] == "Menu"
    assert await api.fail("editMessageMedia", chat_id=501, message_id=text["message_id"],
                          media={"type": "photo", "media": "https://x.example/a.jpg"}) == \
        "Bad Request: there is no media in the message to edit"
    assert await api.fail("editMessageMedia", chat_id=501, message_id=sent["message_id"], media="{") == \
        "Bad Request: can't parse input media JSON object"
    voice = await api.call("sendVoice", chat_id=501, voice="https://x.example/note.ogg")
    assert await api.fail("editMessageMedia", chat_id=501, message_id=voice["message_id"],
                          media={"type": "photo", "media": "https://x.example/a.jpg"}) == \
        "Bad Request: there is no media in the message to edit"
    sticker = await api.call("sendSticker", chat_id=501, sticker="https://x.example/s.webp")
    assert await api.fail("editMessageCaption", chat_id=501, message_id=sticker["message_id"], caption="x") == \
        "Bad Request: there is no caption in the message to edit"
    album = await api.call("sendMediaGroup", "Array of Message", chat_id=501, media=[
        {"type": "photo", "media": "https://x.example/1.jpg"}, {"type": "photo", "media": "https://x.example/2.jpg"}])
    for new, refusal in (("document", "can't change media type in the album"),
                         ("animation", "message content type can't be used in an album")):
        assert await api.fail("editMessageMedia", chat_id=501, message_id=album[0]["message_id"], media={
            "type": new, "media": "https://x.example/x.gif"}) == f"Bad Request: {refusal}"
    video = await api.call("editMessageMedia", chat_id=501, message_id=album[0]["message_id"],
                           media={"type": "video", "media": "https://x.example/v.mp4"})
    assert video["media_group_id"] == album[0]["media_group_id"] and "video" in video  # photo <-> video: allowed
    rows = {row["message_id"]: row["text"] for row in People(fake).transcript(501)}
    assert rows[sent["message_id"]] == "[document menu.pdf] Menu"


async def test_people_send_media_and_privacy_mode(api, fake):
    people = People(fake)
    group = people.create_group("Buyers", ADA, [BO])
    body = base64.b64encode(PNG).decode()

    async def person(chat_id, kind, **extra):
        response = await api.http.post(f"/_lab/chats/{chat_id}/{kind}", json={"from": ADA, "data": body, **extra})
        return response.status_code, response.json()

    status, sent = await person(501, "photos", caption="Is this in stock?")
    assert status == 200 and problems(sent["message"], "Message") == []
    status, _ = await person(group["id"], "photos", caption="look at this")  # privacy mode: the bot does not see it
    status, _ = await person(group["id"], "documents", caption="/price@lab_shop_bot", file_name="list.pdf")
    updates = await api.call("getUpdates", "Array of Update")
    seen = [u["message"] for u in updates if "message" in u]
    assert [m.get("caption") for m in seen] == [None, "Is this in stock?", "/price@lab_shop_bot"]
    file_id = seen[1]["photo"][-1]["file_id"]
    got = await api.call("getFile", "File", file_id=file_id)  # the bot downloads what the person sent
    assert (await api.http.get(f"/file/bot{api.bot.token}/{got['file_path']}")).content == PNG
    assert (await api.http.post("/_lab/chats/501/photos", json={"from": ADA, "data": "%%%"})).status_code == 400
    not_picture = base64.b64encode(b"hello").decode()
    assert (await api.http.post("/_lab/chats/501/photos", json={"from": ADA, "data": not_picture})).status_code == 400
    assert (await api.http.post("/_lab/chats/-5/voices", json={"from": ADA, "data": body})).status_code == 404
    for odd in ({"mime_type": 5}, {"file_name": []}, {"caption": 7}, {"duration": True}, {"reply_to_message_id": "1"},
                {"from": None}, {"data": 5}):
        response = await api.http.post("/_lab/chats/501/documents", json={"from": ADA, "data": body, **odd})
        assert response.status_code == 400 and response.json()["ok"] is False, odd
    listed = (await api.http.get("/_lab/files")).json()["files"]
    assert {f["source"] for f in listed} == {"upload", "thumbnail"} and len(listed) == 9  # two photos of four sizes, a document


def test_the_store_is_bounded(monkeypatch):
    store = FileStore(history=1)  # 16 files at least
    kept = [store.add("document", bytes([i]) * 100) for i in range(20)]
    assert len(store.files) == 16 and kept[0].serial not in store.files and kept[-1].serial in store.files
    assert store.resolve(store.file_id(kept[0], 1), 1) is None  # forgotten: its file_id answers as unknown
    monkeypatch.setattr(files_module, "MAX_KEPT_BYTES", 250)
    store.add("document", b"x" * 100)
    assert store.kept_bytes <= 250 and sum(f.data is not None for f in store.files.values()) == 2
    assert all(f.size == 100 for f in store.files.values())  # the size and digest stay


# ---- real clients ------------------------------------------------------------------------------------------

@pytest.fixture
def server(served_telegram):
    served_telegram.control("POST", "reset")
    served_telegram.control("POST", "limits", {"enabled": False})  # a photo, its reuse, an album: a burst
    served_telegram.user_says(42, "/start")
    yield served_telegram
    served_telegram.control("POST", "limits", {"enabled": True})
    served_telegram.control("POST", "reset")


async def test_ptb_uploads_reuses_and_downloads_a_photo(server, tmp_path):
    async with telegram.Bot(server.token, base_url=f"{server.url}/bot",
                            base_file_url=f"{server.url}/file/bot") as bot:
        sent = await bot.send_photo(42, photo=PNG, caption="<b>Shoe</b>", parse_mode="HTML")
        assert sent.caption == "Shoe" and sent.photo[-1].width == 1000 and len(sent.photo) == 4
        again = await bot.send_photo(42, photo=sent.photo[-1].file_id)
        assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
        album = await bot.send_media_group(42, [telegram.InputMediaPhoto(PNG, caption="a"),
                                                telegram.InputMediaPhoto(sent.photo[-1].file_id)])
        assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
        found = await bot.get_file(sent.photo[-1].file_id)
        assert found.file_size == len(PNG)
        assert bytes(await found.download_as_bytearray()) == PNG
        memory = io.BytesIO()
        await found.download_to_memory(memory)
        assert memory.getvalue() == PNG
        with pytest.raises(telegram.error.BadRequest, match="(?i)can't use file of type Photo as Document"):
            await bot.send_document(42, document=sent.photo[-1].file_id)
        document = await bot.send_document(42, document=b"col1,col2\n", filename="stock.csv")
        assert document.document.file_name == "stock.csv" and document.document.mime_type == "text/csv"
        edited = await bot.edit_message_caption(42, sent.message_id, caption="Shoe, 10 USD")
        assert edited.caption == "Shoe, 10 USD"
        server.control("POST", "chats/42/photos", {"from": {"id": 42, "first_name": "Ada"}, "caption": "this one?",
                                                   "data": base64.b64encode(PNG).decode()})
        [update] = await bot.get_updates(offset=-1, timeout=0)  # a person's photo, downloaded as bots do
        assert update.message.caption == "this one?" and update.message.photo[-1].width == 1000
        received = await update.message.photo[-1].get_file()
        assert bytes(await received.download_as_bytearray()) == PNG


async def test_aiogram_sends_photos_from_files_and_buffers(server, tmp_path):
    picture = tmp_path / "shoe.png"
    picture.write_bytes(PNG)
    bot = AiogramBot(server.token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    try:
        from_disk = await bot.send_photo(42, FSInputFile(picture), caption="from disk")
        from_memory = await bot.send_photo(42, BufferedInputFile(PNG, filename="shoe.png"))
        assert from_disk.photo[-1].file_unique_id != from_memory.photo[-1].file_unique_id
        reused = await bot.send_photo(42, from_disk.photo[-1].file_id)
        assert reused.photo[-1].file_unique_id == from_disk.photo[-1].file_unique_id
        found = await bot.get_file(from_disk.photo[-1].file_id)
        downloaded = await bot.download(found, destination=io.BytesIO())
        assert downloaded.getvalue() == PNG
    finally:
        await bot.session.close()
    transcript = server.control("GET", "chats/42/messages")["messages"]
    assert transcript[1]["text"] == "[photo 1000x750] from disk"


async def test_live_photos_and_paid_media(api, fake):
    live = await api.call("sendLivePhoto", files={"motion": ("live.mov", b"\0\0\0\x14ftypqt  ", "video/quicktime"),
                                                  "photo": ("still.png", PNG, "image/png")},
                          chat_id="501", live_photo="attach://motion", caption="Brewing")
    assert [s["width"] for s in live["live_photo"]["photo"]] == [90, 320, 800, 1000]
    assert live["live_photo"]["width"] == 1000 and live["caption"] == "Brewing"
    assert await api.fail("sendLivePhoto", chat_id=501, photo="https://x.example/a.jpg") == \
        "Bad Request: there is no live photo in the request"
    photo_id = live["live_photo"]["photo"][-1]["file_id"]
    paid = await api.call("sendPaidMedia", chat_id=501, star_count=50, caption="Full recipe",
                          media=[{"type": "photo", "media": photo_id},
                                 {"type": "video", "media": "https://x.example/recipe.mp4", "duration": 30}])
    info = paid["paid_media"]
    assert info["star_count"] == 50 and [m["type"] for m in info["paid_media"]] == ["photo", "video"]
    assert info["paid_media"][1]["video"]["duration"] == 30
    assert await api.fail("sendPaidMedia", chat_id=501, star_count=50, media=[{"type": "poll", "media": photo_id}]) == \
        "Bad Request: can't parse InputPaidMedia: type \"poll\" is unsupported"
    assert await api.fail("sendPaidMedia", chat_id=501, star_count=0, media=[{"type": "photo", "media": photo_id}]) == \
        "Bad Request: STARS_AMOUNT_INVALID"
    assert People(fake).transcript(501)[-1]["text"] == "[paid media 50 stars, 2 items] Full recipe"


# ---- hostile input -----------------------------------------------------------------------------------------

class HostileMedia:
    """Seeded hostile calls of the media methods: odd files, ids, URLs, InputMedia, captions, in JSON or multipart."""

    METHODS = ["sendPhoto", "sendDocument", "sendVideo", "sendAudio", "sendVoice", "sendAnimation", "sendSticker",
               "sendVideoNote", "sendLivePhoto", "sendPaidMedia", "sendMediaGroup", "getFile", "editMessageCaption",
               "editMessageMedia"]
    FIELDS = ["photo", "document", "video", "audio", "voice", "animation", "sticker", "video_note", "live_photo",
              "media", "file_id", "thumbnail", "cover"]
    FILE_VALUES = ["", "attach://a", "attach://", "attach://zz", "https://x.example/a.jpg", "http://[::1", "ftp://x",
                   "AgACA", "AgACAB", "AgACAA", "AgACAgIAAxkBAAIBMw", "not a file id", "\ud800", "=" * 40, "x" * 5000]
    OWN = {"sendPhoto": "photo", "sendDocument": "document", "sendVideo": "video", "sendAudio": "audio",
           "sendVoice": "voice", "sendAnimation": "animation", "sendSticker": "sticker", "sendVideoNote": "video_note",
           "sendLivePhoto": "live_photo", "getFile": "file_id"}
    CAPTIONS = ["", " ", "<b>x", "*a", "x" * 1025, "\0", "é" * 20000, "/start@lab_shop_bot", "\ud800"]
    BLOBS = [b"", PNG, b"\x89PNG\r\n\x1a\n" + b"\0" * 30, solid_png(1, 300, b"\0\0\0"), b"GIF89a\0\0\0\0", b"\xff\xd8\xff"]

    def __init__(self, seed: int):
        import random

        self.rng = random.Random(seed)

    def item(self):
        rng = self.rng
        return rng.choice([None, 1, "x", [], {"type": rng.choice(["photo", "video", "document", "audio", "animation",
                                                                  "live_photo", "poll", "", 5]),
                                             "media": rng.choice(self.FILE_VALUES + [7, None]),
                                             rng.choice(["caption", "parse_mode", "caption_entities", "width",
                                                         "duration", "photo", "show_caption_above_media"]):
                                             rng.choice([None, -1, "x", "<b>", [1], {"a": 1}, True, 2**40])}])

    def call(self, known_ids: list[str]) -> tuple[str, dict, dict]:
        rng = self.rng
        method = rng.choice(self.METHODS)
        own = self.OWN.get(method, "media")
        params: dict = {}
        for name in [own] * (rng.random() < 0.7) + rng.sample(self.FIELDS, rng.randrange(0, 3)):
            params[name] = rng.choice(self.FILE_VALUES + known_ids * 3)
        if rng.random() < 0.5:
            params["media"] = rng.choice([[self.item() for _ in range(rng.randrange(13))], self.item(), "[", "{}"])
        for name, values in (("chat_id", [501, 501, "501", "@ada", "", "x", -5]), ("caption", self.CAPTIONS),
                             ("parse_mode", ["HTML", "MarkdownV2", "x", ""]), ("message_id", [1, 2, -1, "x", 10**12]),
                             ("star_count", [0, 1, 25001, "x"]), ("width", [-1, 10**9, "x"])):
            if rng.random() < (0.9 if name == "chat_id" else 0.5):
                params[name] = rng.choice(values)
        files = {}
        if rng.random() < 0.6:
            for name in {rng.choice([own, own, "a", "photo", "zz"]) for _ in range(rng.randrange(1, 3))}:
                files[name] = (rng.choice(["a.png", "", "x"]), rng.choice(self.BLOBS), "image/png")
        return method, params, files


async def test_hostile_media_calls_get_envelopes_and_refusals_store_nothing(api, fake):
    sent = await api.call("sendPhoto", files=_photo(), chat_id="501", caption="x")
    known = [sent["photo"][-1]["file_id"], sent["photo"][0]["file_id"]]
    generator, failures = HostileMedia(22), []
    chat = fake.default_bot.chats[501]
    for _ in range(300):
        method, params, files = generator.call(known)
        before = (len(chat.messages), len(store_of(fake).files), json.dumps([m.to_api() for m in chat.messages.values()]))
        try:
            if files:
                form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
                form = {k: v.encode("utf-8", "surrogatepass") for k, v in form.items()}
                response = await api.http.post(f"/bot{api.bot.token}/{method}", files={
                    **{k: (None, v) for k, v in form.items()}, **files})
            else:
                body = json.dumps(params).encode()
                response = await api.http.post(f"/bot{api.bot.token}/{method}", content=body,
                                               headers={"content-type": "application/json"})
        except Exception as error:  # an exception escaping the fake: a 500 on the wire
            failures.append((method, params, repr(error)))
            continue
        answer = response.json()
        if response.status_code >= 500 or (not answer["ok"] and answer["error_code"] != response.status_code):
            failures.append((method, params, answer))
        elif not answer["ok"]:
            after = (len(chat.messages), len(store_of(fake).files),
                     json.dumps([m.to_api() for m in chat.messages.values()]))
            if after != before:
                failures.append(("state changed", method, params, answer))
        elif method != "getFile":
            result = answer["result"]
            kind = "Array of Message" if method == "sendMediaGroup" else "Message"
            if problems(result, kind):
                failures.append(("off-catalogue", method, problems(result, kind)))
    assert failures == [], failures[:3]
