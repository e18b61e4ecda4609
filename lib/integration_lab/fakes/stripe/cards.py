"""Stripe's test payment methods and what confirming a payment with each of them does.

Using a test method id (`pm_card_visa`, …) mints a fresh PaymentMethod with its own `pm_…` id, as Stripe
does; the outcome travels with the card.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str
    message: str
    param: str | None = None


@dataclass(frozen=True)
class TestCard:
    last4: str
    brand: str = "visa"
    funding: str = "credit"
    decline: Decline | None = None
    three_d_secure: bool = False  # confirming needs the cardholder's authentication (requires_action)


_DECLINED = "Your card was declined."
TEST_METHODS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("4242"),
    "pm_card_mastercard": TestCard("4444", brand="mastercard"),
    "pm_card_visa_debit": TestCard("5556", funding="debit"),
    "pm_card_visa_chargeDeclined": TestCard("0002", decline=Decline("card_declined", "generic_decline", _DECLINED)),
    "pm_card_visa_chargeDeclinedInsufficientFunds": TestCard(
        "9995", decline=Decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")),
    "pm_card_visa_chargeDeclinedLostCard": TestCard("9987", decline=Decline("card_declined", "lost_card", _DECLINED)),
    "pm_card_visa_chargeDeclinedStolenCard": TestCard("9979", decline=Decline("card_declined", "stolen_card", _DECLINED)),
    "pm_card_chargeDeclinedExpiredCard": TestCard(
        "0069", decline=Decline("expired_card", "expired_card", "Your card has expired.", "exp_month")),
    "pm_card_chargeDeclinedIncorrectCvc": TestCard(
        "0127", decline=Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.", "cvc")),
    "pm_card_chargeDeclinedProcessingError": TestCard("0119", decline=Decline(
        "processing_error", "processing_error", "An error occurred while processing your card. Try again in a little bit.")),
    "pm_card_authenticationRequired": TestCard("3184", three_d_secure=True),
}

DECLINING = [name for name, card in TEST_METHODS.items() if card.decline]

AUTHENTICATION_FAILED = ("The provided PaymentMethod has failed authentication. You can provide payment_method_data "
                         "or a new PaymentMethod to attempt to fulfill this PaymentIntent again.")
