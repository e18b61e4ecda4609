"""What the bot tells a buyer for each Stripe outcome. Lost and stolen cards read as a plain decline,
as Stripe advises: the buyer may not be the one who should learn why."""

from __future__ import annotations

TRY_ANOTHER = "Your card was declined. Please try another card."
BY_CODE = {
    "generic_decline": TRY_ANOTHER,
    "lost_card": TRY_ANOTHER,
    "stolen_card": TRY_ANOTHER,
    "insufficient_funds": "Your card has insufficient funds. Please try another card.",
    "expired_card": "Your card has expired. Please use another card.",
    "incorrect_cvc": "The card's security code (CVC) is incorrect. Please check it and try again.",
    "processing_error": "Your bank could not process the payment. Please try again in a moment.",
    "authentication_required": "Your bank needs you to confirm this payment. Please pay again while online.",
    "payment_intent_authentication_failure": "Your bank could not confirm it was you. Please try again or "
                                             "use another card.",
}


def declined(code: str | None) -> str:
    return BY_CODE.get(code or "", TRY_ANOTHER)


PAID = "Payment received: {money}. Thank you!"
AUTHORIZED = "Your card is authorized for {money}; you will be charged when we ship."
NEEDS_AUTH = "Your bank wants to confirm it's you. Open this page to finish paying: {url}"
ALREADY_PAID = "This order is already paid. Nothing more to pay."
DUPLICATE_REFUNDED = "This order was already paid, so this payment has been refunded."
UNKNOWN_ORDER = "We couldn't find that order. Please start again with /buy."
CANCELED = "This order was canceled. Please start again with /buy."
TRY_AGAIN = "The payment provider did not answer. Please try again in a minute; you will not be charged twice."
