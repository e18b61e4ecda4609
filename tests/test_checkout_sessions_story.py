"""scenarios/checkout_sessions.py, the story payments/09_checkout_sessions tells: its refusals, a delivery that
never reached us (shown, then retried), the Try-it buyer, and the timeline picture beside its table."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from integration_lab.scenarios.checkout_sessions import CheckoutStory, tell, timeline_picture
from integration_lab.scenarios.journeys import journey_world


async def test_an_unknown_outcome_and_two_tabs_with_one_card_are_refused(lab):
    with pytest.raises(ValueError, match="unknown outcome 'lost'"):
        await tell(lab, "lost", ["pm_card_visa"])
    with pytest.raises(ValueError, match="two cards, one per tab"):
        await tell(lab, "paid-twice", ["pm_card_visa"])


async def test_a_delivery_that_never_reached_us_is_shown_then_retried(lab):
    story = CheckoutStory(await journey_world(lab))
    try:
        story.fake.deliveries.faults.add("fail", "checkout.session.completed", failures=1)
        await story.opens("Ada", "tea")
        assert await story.pays("Ada", "pm_card_visa") == "complete, paid"
        rows = story.deliveries_table()
        failed = rows[rows["HTTP"].isna()]
        assert list(failed["type"]) == ["checkout.session.completed"]
        assert failed["our answer"].iloc[0].startswith("(never reached us: ")
        await story.world.advance(300)  # Stripe's first retry falls due
        await story.webhooks()
        again = story.deliveries_table().iloc[-1]
        assert (again["type"], again["HTTP"], again["our answer"]) == ("checkout.session.completed", 200, "duplicate")
        assert (await story.world.shop.ledger.order(story.orders["Ada"])).status == "paid"
    finally:
        await story.close()


async def test_try_it_a_buyer_failing_3d_secure_leaves_the_session_open(lab):
    story = await tell(lab, "paid", ["pm_card_visa"])
    try:
        steps = await story.another_buyer("Grace", "pm_card_authenticationRequired", "fail")
        assert list(steps["buyer"]) == ["Grace"] * 3
        assert steps["result"].iloc[1].startswith("402: payment_intent_authentication_failure")
        assert list(steps["session(s)"]) == ["open"] * 3 and steps["order"].iloc[-1] == "awaiting_payment"
        assert list(story.sessions_table("Grace")["status"]) == ["open"]
        assert len(story.sessions_table()) == 2  # Ada's and Grace's
    finally:
        await story.close()


async def test_the_timeline_is_in_time_order_and_its_picture_has_a_dot_per_row(lab):
    story = await tell(lab, "expired", ["pm_card_visa_chargeDeclined"], duplicate="checkout.session.expired")
    try:
        timeline = story.timeline_table()
        assert list(timeline["t (s)"]) == sorted(timeline["t (s)"])
        assert set(timeline["lane"]) == {"buyer", "Stripe", "our webhook", "ledger", "stock", "chat"}
        assert timeline["what"].str.contains("checkout.session.expired: 200 duplicate (done)", regex=False).any()
        picture = timeline_picture(timeline, "expired")
        assert isinstance(picture.figure, Figure) and len(picture.figure.axes[0].collections) == len(timeline)
        assert picture._repr_png_().startswith(b"\x89PNG")  # what the notebook saves beside the table
    finally:
        await story.close()
