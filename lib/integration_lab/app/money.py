"""Prices as a buyer reads them: the one formatter every message of ours uses."""

from __future__ import annotations


def money(amount: int, currency: str) -> str:
    """Minor units to text, without floats: 2150 USD (or Stripe's 'usd') '21.50 USD'; 26_500_000 UZS (tiyin)
    '265 000 UZS', in whole sum as Uzbek shops quote; 105 XTR '105 Stars' (Stars have no minor unit)."""
    currency = currency.upper()
    if currency == "XTR":
        return f"{amount} Stars"
    if currency == "UZS":
        return f"{amount // 100:,} UZS".replace(",", " ")
    return f"{amount // 100}.{amount % 100:02d} {currency}"
