"""Lua scripts shipped beside the code (app/lua/*.lua), registered once per client.

The files keep their commentary; Redis is sent them without it (`minify`): a server keeps every script it
has seen, and fakeredis compiles the text again on every call, so the text sent should be only code.

A script may also be composed of others (`compose`): each named script becomes a local function of the
composed one, taking its own KEYS and ARGV as arguments, so one call (one round trip) does what several
scripts did, with the very same code. The composed script still touches only the keys it is passed.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.resources import files


def _code_part(line: str) -> str:
    """The line up to a `--` comment that is not inside a '…' or "…" string."""
    quote, i = None, 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif line.startswith("--", i):
            return line[:i]
        i += 1
    return line


def minify(source: str) -> str:
    """Lua source without comments, indentation or blank lines. Text with long brackets ([[…]], --[[…]])
    is returned as it is: a line-by-line pass cannot tell what such a bracket spans."""
    if "[[" in source or "[=" in source:
        return source
    lines = (_code_part(line).strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line)


COMPOSED: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}  # name -> (main script, (function, script)…)


def composition(name: str, main: str, **functions: str) -> str:
    """Declare the composed script `name`: the script `main`, with each script of `functions` (function name
    -> script name) as a local function before it. Returns `name` (for `register`)."""
    COMPOSED[name] = (main, tuple(functions.items()))
    _names_by_sha.cache_clear()
    return name


@lru_cache(maxsize=None)
def lua_source(name: str) -> str:
    """The script as Redis is sent it: the file `name`.lua, minified (or the composed script `name`)."""
    if name in COMPOSED:
        main, functions = COMPOSED[name]
        parts = [f"local function {function}(KEYS, ARGV)\n{lua_source(script)}\nend" for function, script in functions]
        return "\n".join([*parts, lua_source(main)])
    return minify(files("integration_lab.app.lua").joinpath(f"{name}.lua").read_text())


def register(client, name: str):
    """A redis-py Script: EVALSHA, loading the script only if the server has not seen it yet."""
    return client.register_script(lua_source(name))


def script_names() -> list[str]:
    """Every script of ours: the files, then the composed ones."""
    lua = files("integration_lab.app.lua")
    return sorted(f.name[:-4] for f in lua.iterdir() if f.name.endswith(".lua")) + sorted(COMPOSED)


def sha_of(source: str) -> str:
    # Redis names a script by the SHA-1 of its source: an id, not a security use
    return hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()


@lru_cache(maxsize=None)
def _names_by_sha() -> dict[str, str]:
    return {sha_of(lua_source(name)): name for name in script_names()}


def script_name(sha: str) -> str:
    """Which of our scripts an EVALSHA ran (for tables of Redis commands); the sha itself if not ours."""
    return _names_by_sha().get(sha, sha)
