"""Lua scripts shipped beside the code (app/lua/*.lua), registered once per client."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.resources import files


@lru_cache(maxsize=None)
def lua_source(name: str) -> str:
    return files("integration_lab.app.lua").joinpath(f"{name}.lua").read_text()


def register(client, name: str):
    """A redis-py Script: EVALSHA, loading the script only if the server has not seen it yet."""
    return client.register_script(lua_source(name))


@lru_cache(maxsize=None)
def _names_by_sha() -> dict[str, str]:
    lua = files("integration_lab.app.lua")
    # Redis names a script by the SHA-1 of its source: an id, not a security use
    return {hashlib.sha1(lua_source(f.name[:-4]).encode(), usedforsecurity=False).hexdigest(): f.name[:-4]
            for f in lua.iterdir() if f.name.endswith(".lua")}


def script_name(sha: str) -> str:
    """Which of our scripts an EVALSHA ran (for tables of Redis commands); the sha itself if not ours."""
    return _names_by_sha().get(sha, sha)
