import pytest

from integration_lab.app.sessions import InvalidTransition, SessionExpired, SessionStore


def store(lab, ttl=300):
    return SessionStore(lab.redis, lab.keys, lab.clock, ttl=ttl)


async def test_users_are_isolated(lab):
    s = store(lab)
    await s.start(1)
    await s.start(2)
    await s.transition(1, "add_to_cart")
    await s.update(1, cart=[7])
    assert (await s.get(1)).state == "cart" and (await s.get(1)).data == {"cart": [7]}
    assert (await s.get(2)).state == "browsing" and (await s.get(2)).data == {}


async def test_use_refreshes_the_ttl_and_idleness_expires(lab):
    s = store(lab, ttl=300)
    await s.start(1)
    for _ in range(5):
        await lab.advance(240)
        assert await s.get(1) is not None  # each use pushes expiry 300 s ahead
    await lab.advance(301)
    assert await s.get(1) is None
    with pytest.raises(SessionExpired):
        await s.transition(1, "add_to_cart")
    with pytest.raises(SessionExpired):
        await s.update(1, cart=[1])
    assert await s.peek(1) == {}  # nothing resurrected
    assert await s.cleanup() == ["1"]
    assert await s.cleanup() == []


async def test_refused_transition_changes_nothing(lab):
    s = store(lab)
    await s.start(1)
    await s.transition(1, "add_to_cart")
    before = await s.peek(1)
    await lab.advance(10)
    with pytest.raises(InvalidTransition, match="cannot 'pay' while 'cart'"):
        await s.transition(1, "pay")
    with pytest.raises(InvalidTransition, match="unknown event"):
        await s.transition(1, "teleport")
    assert await s.peek(1) == before


async def test_the_whole_flow(lab):
    s = store(lab)
    await s.start(1)
    for event, state in [("add_to_cart", "cart"), ("checkout", "checkout"), ("cancel", "browsing"),
                         ("add_to_cart", "cart"), ("checkout", "checkout"), ("pay", "paid")]:
        assert (await s.transition(1, event)).state == state
    assert await s.active_users() == ["1"]
    assert await s.end(1) and await s.get(1) is None and await s.active_users() == []


async def test_empty_user_is_refused(lab):
    with pytest.raises(ValueError):
        await store(lab).start("")
    assert await lab.backend.scan_keys() == []
