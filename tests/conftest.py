"""Library tests run on fakeredis, or on the real server in $REDIS_URL (CI runs both)."""

from __future__ import annotations

import os
import re

import pytest

import integration_lab as il


def pytest_configure(config):
    config.addinivalue_line("markers", "redis_free: the module never reaches a Redis server (checked by running it "
                                       "with REDIS_URL at a closed port); the real-Redis pass leaves it out")


def pytest_collection_modifyitems(config, items):
    """LAB_REDIS_PASS=1 (CI's second pass, on a real redis-server): only the tests that can reach Redis; the
    others would run exactly as they did on the first pass."""
    if os.environ.get("LAB_REDIS_PASS") != "1":
        return
    left_out = [item for item in items if item.get_closest_marker("redis_free")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("redis_free")]


@pytest.fixture
async def lab(request):
    # one keyspace per test, so parallel workers can share a real Redis
    scenario = "test/" + re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid)
    lab = await il.setup(scenario, start="2026-01-05T09:00:00Z", seed=1)
    yield lab
    await lab.backend.clean()
    await lab.close()


class CommandCounter:
    """Counts the commands a client sends (each a round trip, outside pipelines)."""

    def __init__(self, client):
        self.commands: list[str] = []
        original = client.execute_command

        async def counting(*args, **options):
            self.commands.append(str(args[0]).upper())
            return await original(*args, **options)

        client.execute_command = counting

    def reset(self) -> None:
        self.commands.clear()


@pytest.fixture
def count_commands(lab):
    return CommandCounter(lab.redis)


@pytest.fixture(scope="module")
def served_telegram():
    """The Telegram fake served by uvicorn on a loopback port, as `serve telegram` runs it."""
    from integration_lab.serve import DEFAULT_TELEGRAM_TOKEN, Served, telegram_app

    fake, app = telegram_app(None, limits=True)
    with Served(app) as url:
        yield TelegramServer(url, DEFAULT_TELEGRAM_TOKEN, fake)


class TelegramServer:
    """A served fake and its control API (plain httpx, as a test in any language would use it)."""

    def __init__(self, url: str, token: str, fake):
        self.url, self.token, self.fake = url, token, fake

    def control(self, verb: str, path: str, body: dict | None = None) -> dict:
        import httpx

        response = httpx.request(verb, f"{self.url}/_lab/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def upgraded_group(self, user_id: int, name: str) -> tuple[dict, dict]:
        """A group `user_id` created with the bot, then upgraded: (the old group, the supergroup)."""
        group = self.control("POST", "groups", {"title": "Buyers", "from": {"id": user_id, "first_name": name}})["chat"]
        return group, self.control("POST", f"chats/{group['id']}/upgrade", {"from": {"id": user_id}})["chat"]

    def user_says(self, user_id: int, text: str, chat_id: int | None = None, name: str = "Ada") -> dict:
        return self.control("POST", f"chats/{chat_id or user_id}/messages",
                            {"from": {"id": user_id, "first_name": name}, "text": text})["message"]
