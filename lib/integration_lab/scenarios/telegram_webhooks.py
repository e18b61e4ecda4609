"""Webhook scenarios: deliveries over time, and signed payloads (initData, Login Widget) at the bot's door."""

from __future__ import annotations

import pandas as pd

from ..fakes.telegram import deliver_all, webapp
from .telegram import ShopWorld

SHOP = "https://shop.example"


async def deliveries(world: ShopWorld, seconds: int) -> pd.DataFrame:
    """Try delivery now and after each lab second for `seconds`; one row per attempt, with its lab time."""
    rows = []
    for t in range(seconds + 1):
        if t:
            await world.lab.advance(1)
        for attempt in await deliver_all(world.fake, world.fake.webhook_client):
            rows.append({"t (s)": t, **attempt})
    return pd.DataFrame(rows, columns=["t (s)", "update_id", "status", "error"])


async def signed_payloads(world: ShopWorld, init_data_age: int, login_age: int) -> pd.DataFrame:
    """What the bot's web endpoints answer to genuine, forged and aged payloads."""
    http, now, ada = world.fake.webhook_client, int(world.lab.clock.time()), world.user("Ada")
    genuine = webapp.init_data(world.token, ada, now - init_data_age)
    tampered = genuine.replace("Ada", "Eve")
    other_bot = webapp.init_data("1000000001:AAAnotherBotsToken", ada, now)
    login = webapp.login_widget(world.token, ada, now - login_age)
    cases = {"initData as signed": ("POST", "/telegram/webapp", genuine),
             "initData, name changed": ("POST", "/telegram/webapp", tampered),
             "initData signed for another bot": ("POST", "/telegram/webapp", other_bot),
             "Login Widget as signed": ("GET", "/telegram/login", login),
             "Login Widget, id changed": ("GET", "/telegram/login", {**login, "id": "1"})}
    rows = []
    for case, (verb, path, payload) in cases.items():
        if verb == "POST":
            response = await http.post(SHOP + path, data={"initData": payload})
        else:
            response = await http.get(SHOP + path, params=payload)
        body = response.json()
        rows.append({"payload": case, "status": response.status_code,
                     "answer": body.get("error") or f"user {body['user'].get('first_name')}"})
    return pd.DataFrame(rows, columns=["payload", "status", "answer"])
