"""Checks a JSON value against the Bot API catalogue the Telegram fake answers (the newest vendored one)."""

from __future__ import annotations

from integration_lab.fakes.telegram.catalogue import API, problems, returns

__all__ = ["catalogue", "method_returns", "problems"]


def catalogue() -> dict:
    return API


def method_returns(method: str) -> str:
    return returns(method)
