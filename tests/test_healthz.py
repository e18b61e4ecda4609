"""GET /healthz on `serve app`: each dependency ok / degraded / down with its breaker, fast when all are down."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx
import pytest

from integration_lab.scenarios.journeys import journey_world
from integration_lab.runtime.processes import HOST, free_port, start_process, stop_process
from integration_lab.shop_server import HEALTH_TIMEOUT, shop_app
from integration_lab.app.service import DEFAULTS


@pytest.fixture
async def world(lab):
    world = await journey_world(lab)
    yield world
    world.shop.cut.reconnect()
    await world.close()


async def healthz(shop) -> tuple[int, dict]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shop_app(shop)), base_url="https://shop.lab") as http:
        response = await http.get("/healthz")
    return response.status_code, response.json()


async def test_all_well(world):
    status, health = await healthz(world.shop)
    assert status == 200
    assert health == {"status": "ok", "checked_at_ms": world.lab.clock.ms(), "dependencies": {
        "redis": {"status": "ok", "detail": "PING answered"},
        "telegram": {"status": "ok", "breaker": {"state": "closed", "failures": 0, "refused": 0, "retry_at_ms": None}},
        "stripe": {"status": "ok", "breaker": {"state": "closed", "failures": 0, "refused": 0, "retry_at_ms": None},
                   "bulkhead": {"limit": 8, "in_flight": 0, "admitted": 0, "refused": 0, "peak": 0}}}}


async def test_a_telegram_storm_opens_the_breaker_and_healthz_says_so(world):
    breaker = world.shop.breakers["telegram"]
    assert world.shop.bot.api.breaker is breaker  # the bot's replies and the outbox's deliveries share it
    for _ in range(breaker.failures):  # what a 5xx storm does to it (the resilience notebooks show the storm)
        breaker.failure()
    status, health = await healthz(world.shop)
    telegram = health["dependencies"]["telegram"]
    assert (status, health["status"], telegram["status"], telegram["breaker"]["state"]) == (200, "degraded", "down", "open")
    assert telegram["breaker"]["retry_at_ms"] == world.lab.clock.ms() + 30_000
    await world.advance(30)
    status, health = await healthz(world.shop)
    assert health["dependencies"]["telegram"]["status"] == "degraded"  # half-open: one probe at a time


async def test_redis_cut_is_down_and_the_shop_degraded(world):
    world.shop.cut.disconnect()
    status, health = await healthz(world.shop)
    assert status == 200 and health["status"] == "degraded"
    assert health["dependencies"]["redis"] == {"status": "down", "detail": "PING failed: RedisCutError"}


async def test_a_hanging_redis_is_down_within_the_timeout(world):
    client = world.shop.backend.client
    original = client.execute_command

    async def hangs(*args, **options):
        await asyncio.sleep(30)

    client.execute_command = hangs
    try:
        started = time.monotonic()
        status, health = await healthz(world.shop)
        took = time.monotonic() - started
    finally:
        client.execute_command = original
    assert health["dependencies"]["redis"] == {"status": "down",
                                               "detail": f"no answer to PING within {HEALTH_TIMEOUT:g} s"}
    assert took < HEALTH_TIMEOUT + 0.5


def test_served_with_everything_down_answers_503_fast():
    """A real `serve app` on loopback, its Bot API at a closed port: two updates' replies fail (the second
    opens the Telegram breaker), then Redis is cut. /healthz answers 503, everything down, at once."""
    port, closed = free_port(), free_port()
    url = f"http://{HOST}:{port}"
    proc = start_process([sys.executable, "-m", "integration_lab", "serve", "app", "--port", str(port),
                          "--telegram-api", f"http://{HOST}:{closed}"], f"{url}/_lab/none")
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            assert http.get("/healthz").json()["status"] == "ok"
            for n in (1, 2):
                update = {"update_id": n, "message": {"message_id": n, "date": 1767603600, "text": "/help",
                                                      "chat": {"id": 7, "type": "private"},
                                                      "from": {"id": 7, "is_bot": False, "first_name": "A"}}}
                answer = http.post("/telegram/webhook", content=json.dumps(update),
                                   headers={"x-telegram-bot-api-secret-token": DEFAULTS["telegram_secret_token"]})
                assert answer.status_code == 200
            assert http.post("/_lab/redis", json={"connected": False}).status_code == 200
            started = time.monotonic()
            answer = http.get("/healthz")
            took = time.monotonic() - started
    finally:
        stop_process(proc)
    health = answer.json()
    assert answer.status_code == 503 and health["status"] == "down"
    assert {k: v["status"] for k, v in health["dependencies"].items()} == {
        "redis": "down", "telegram": "down", "stripe": "not_configured"}
    assert health["dependencies"]["telegram"]["breaker"]["state"] == "open"
    assert took < 0.75
