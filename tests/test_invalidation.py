import pytest

from integration_lab.scenarios.invalidation import invalidate, warm

PAGES = ["catalog:page:1", "catalog:page:2", "catalog:page:3"]
PRODUCTS = [f"product:{n}" for n in range(1, 8)]


@pytest.mark.parametrize("kind,target,dropped", [
    ("tag", "catalog", PAGES),
    ("product", 5, ["catalog:page:2", "product:5"]),
    ("pattern", "product:*", PRODUCTS),
    ("ttl", 601, sorted(PAGES + PRODUCTS)),
    ("ttl", 599, []),
])
async def test_each_way_drops_exactly_what_it_should(lab, kind, target, dropped):
    catalog = await warm(lab, 7, 3, ttl=600)
    assert await catalog.cache.names() == sorted(PAGES + PRODUCTS)
    assert await invalidate(lab, catalog, kind, target) == dropped
    assert await catalog.cache.names() == sorted(set(PAGES + PRODUCTS) - set(dropped))


async def test_a_changed_product_is_served_fresh(lab):
    catalog = await warm(lab, 7, 3, ttl=600)
    await catalog.update_product(2, price=1)
    assert [p["price"] for p in await catalog.page(1)] == [1_000_000, 1, 3_000_000]


async def test_pattern_invalidation_scans_never_keys(lab, count_commands):
    catalog = await warm(lab, 7, 3, ttl=600)
    count_commands.reset()
    await catalog.cache.invalidate_pattern("catalog:*")
    assert "SCAN" in count_commands.commands and "KEYS" not in count_commands.commands


async def test_pattern_stays_inside_the_scenario_keyspace(lab):
    catalog = await warm(lab, 3, 3, ttl=600)
    outsider = "outside:" + lab.keys.prefix + "c:product:1"
    await lab.redis.set(outsider, "keep")
    try:
        await catalog.cache.invalidate_pattern("*")
        assert await lab.redis.get(outsider) == "keep"
    finally:
        await lab.redis.delete(outsider)


async def test_drop_older_than(lab):
    catalog = await warm(lab, 3, 3, ttl=600)
    await lab.advance(100)
    await catalog.cache.put("fresh", 1)
    assert await catalog.cache.drop_older_than(50) == ["catalog:page:1", "product:1", "product:2", "product:3"]
    assert await catalog.cache.names() == ["fresh"]


@pytest.mark.parametrize("bad", [lambda c: c.cache.invalidate_pattern(""), lambda c: c.cache.invalidate_tag(""),
                                 lambda c: c.cache.drop_older_than(-1), lambda c: c.cache.put("", 1),
                                 lambda c: c.cache.put("x", 1, tags=[""]), lambda c: c.update_product(99)])
async def test_bad_input_changes_nothing(lab, bad):
    catalog = await warm(lab, 3, 3, ttl=600)
    before = sorted(await lab.backend.scan_keys())
    with pytest.raises((ValueError, KeyError)):
        await bad(catalog)
    assert sorted(await lab.backend.scan_keys()) == before
