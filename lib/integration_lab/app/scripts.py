"""Lua scripts shipped beside the code (app/lua/*.lua), registered once per client."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=None)
def lua_source(name: str) -> str:
    return files("integration_lab.app.lua").joinpath(f"{name}.lua").read_text()


def register(client, name: str):
    """A redis-py Script: EVALSHA, loading the script only if the server has not seen it yet."""
    return client.register_script(lua_source(name))
