"""The bot's concurrent handling (app/lanes.py): a person's updates in order, others side by side, a
bound on how many run at once, and a failed update holding back the rest of its lane in a polling batch."""

import asyncio

import pytest

from integration_lab.app.lanes import Lanes, Skipped, handle_batch, lane_of

pytestmark = pytest.mark.redis_free


def message(update_id: int, user: int, text: str = "hi") -> dict:
    return {"update_id": update_id, "message": {"message_id": update_id, "from": {"id": user},
                                                "chat": {"id": user}, "text": text}}


class Recorder:
    """A handler that takes `steps` turns of the event loop and records when it starts and ends."""

    def __init__(self, steps: int = 3, fail: set[int] = frozenset()):
        self.steps, self.fail = steps, fail
        self.events: list[tuple[str, int]] = []
        self.running = self.most = 0

    async def __call__(self, update: dict):
        self.running += 1
        self.most = max(self.most, self.running)
        self.events.append(("start", update["update_id"]))
        try:
            for _ in range(self.steps):
                await asyncio.sleep(0)
            if update["update_id"] in self.fail:
                raise ConnectionError("Redis is down")
            return update["update_id"]
        finally:
            self.running -= 1
            self.events.append(("end", update["update_id"]))


def test_a_persons_updates_run_in_order_and_others_overlap():
    updates = [message(1, 7), message(2, 8), message(3, 7), message(4, 8), message(5, 7)]
    handler = Recorder()
    results = asyncio.run(_batch(Lanes(8), handler, updates))
    assert results == [1, 2, 3, 4, 5]
    for user in (7, 8):  # within a lane: each update starts only after the one before it ended
        mine = [u["update_id"] for u in updates if u["message"]["from"]["id"] == user]
        order = [(kind, uid) for kind, uid in handler.events if uid in mine]
        assert order == [step for uid in mine for step in (("start", uid), ("end", uid))]
    assert handler.most == 2  # two lanes, side by side


def test_at_most_limit_run_at_once():
    handler = Recorder(steps=5)
    asyncio.run(_batch(Lanes(3), handler, [message(n, 100 + n) for n in range(20)]))
    assert handler.most == 3


def test_a_failure_skips_the_rest_of_its_lane_and_raises():
    updates = [message(1, 7), message(2, 7), message(3, 8), message(4, 7)]
    handler = Recorder(fail={2})
    with pytest.raises(ConnectionError):
        asyncio.run(_batch(Lanes(8), handler, updates))
    started = [uid for kind, uid in handler.events if kind == "start"]
    assert sorted(started) == [1, 2, 3]  # 4 waits for 2's redelivery; the other lane went on


def test_a_webhook_lane_is_a_mutex_not_a_chain_of_failures():
    """In a webhook each request stands alone: a failed update does not fail the next one of its lane."""
    handler = Recorder(fail={1})

    async def run():
        lanes = Lanes(8)
        first = lanes.submit(7, lambda: handler(message(1, 7)))
        second = lanes.submit(7, lambda: handler(message(2, 7)))
        return await asyncio.gather(first, second, return_exceptions=True)

    first, second = asyncio.run(run())
    assert isinstance(first, ConnectionError) and second == 2
    assert handler.most == 1


def test_lanes_are_forgotten_when_empty():
    async def run():
        lanes = Lanes(4)
        await handle_batch(lanes, Recorder(), [message(n, n % 3) for n in range(9)])
        return lanes.busy

    assert asyncio.run(run()) == 0


def test_skipped_is_not_the_failure_raised():
    async def run():
        lanes = Lanes(2)
        handler = Recorder(fail={1})
        tasks = [lanes.submit(7, lambda u=u: handler(u), stop_on_failure=True) for u in (message(1, 7), message(2, 7))]
        return await asyncio.gather(*tasks, return_exceptions=True)

    failed, skipped = asyncio.run(run())
    assert isinstance(failed, ConnectionError) and isinstance(skipped, Skipped)


@pytest.mark.parametrize("update, lane", [
    (message(1, 42), 42),
    ({"update_id": 2, "callback_query": {"id": "q", "from": {"id": 43}, "data": "x",
                                         "message": {"chat": {"id": -100}}}}, 43),
    ({"update_id": 3, "pre_checkout_query": {"id": "p", "from": {"id": 44}}}, 44),
    ({"update_id": 4, "channel_post": {"message_id": 1, "chat": {"id": -1005}}}, -1005),
    ({"update_id": 5, "poll": {"id": "poll"}}, ("update", 5)),
])
def test_lane_of(update, lane):
    assert lane_of(update) == lane


def test_limit_must_be_positive():
    with pytest.raises(ValueError):
        Lanes(0)


async def _batch(lanes, handler, updates):
    return await handle_batch(lanes, handler, updates)
