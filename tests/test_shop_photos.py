"""/show <sku>: the product's photo is uploaded to Telegram once, then sent by the file_id kept in Redis."""

from __future__ import annotations

from integration_lab.app.bot.product_photos import HEIGHT, WIDTH, png
from integration_lab.fakes.telegram.catalogue import problems
from integration_lab.scenarios.journeys import journey_world


async def test_a_product_photo_is_uploaded_once_then_sent_by_file_id(lab):
    world = await journey_world(lab)
    try:
        await world.says("Ada", "/show beans")
        await world.says("Ada", "/show beans")
        await world.says("Ada", "/show nothing")
        bot = world.telegram.default_bot
        chat = bot.chats[world.user("Ada")["id"]]
        photos = [m.to_api() for m in chat.messages.values() if "photo" in m.content]
        assert len(photos) == 2 and world.shop.bot.photos.uploads == 1
        first, second = photos
        assert first["photo"][-1]["file_unique_id"] == second["photo"][-1]["file_unique_id"]
        assert (first["photo"][-1]["width"], first["photo"][-1]["height"]) == (WIDTH, HEIGHT)
        assert first["caption"].startswith("Coffee beans") and first["reply_markup"]["inline_keyboard"][0][0][
            "callback_data"] == "buy:beans"
        assert problems(first, "Message") == []
        texts = [m.text for m in chat.messages.values() if m.text]
        assert texts[-1] == "No product 'nothing'. Try /catalog."
    finally:
        await world.close()


async def test_a_file_id_telegram_no_longer_takes_is_uploaded_again(lab):
    world = await journey_world(lab)
    try:
        photos = world.shop.bot.photos
        await photos.redis.set(photos.keys.key("photo-file-id", "beans"), "AgACAgIAAxkBAAIBogone")
        await world.says("Ada", "/show beans")
        assert photos.uploads == 1  # refused file_id, then the bytes
        kept = await photos.redis.get(photos.keys.key("photo-file-id", "beans"))
        assert kept != "AgACAgIAAxkBAAIBogone"
    finally:
        await world.close()


def test_each_product_has_a_png_of_its_own_colour():
    beans, tea = png("beans"), png("tea")
    assert beans.startswith(b"\x89PNG\r\n\x1a\n") and beans != tea and png("beans") == beans
