"""Stripe's test payment methods and what confirming a payment with each of them does.

Using a test method id (`pm_card_visa`, …) mints a fresh PaymentMethod with its own `pm_…` id, as Stripe
does; the outcome travels with the card. The table is every `pm_card_…` id on docs.stripe.com/testing
(brands, co-branded, countries, declines, fraud, 3-D Secure, disputes, refunds, balance; as captured
2026-08 in public notes, cross-checked with stripe-cli's fixtures), plus the older ids Stripe still takes
(`pm_card_chargeDeclined`, which `stripe trigger payment_intent.payment_failed` uses). last4 is the last
four digits of the card number the docs give for each id.

Not modelled (the payment itself succeeds, as on Stripe with default settings): the disputes, refund
failures, balance and review side effects; Radar rules other than the default block of highest risk;
CVC and address checks (they run only when the request carries those fields, which a `pm_card_…` id does
not).
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
    country: str = "US"
    decline: Decline | None = None
    # "always": every payment needs 3-D Secure; "on_session": off-session ones don't; "unless_set_up":
    # off-session ones don't once the card was set up for them (a SetupIntent, or setup_future_usage)
    authentication: str | None = None
    attachable: bool = True  # Stripe refuses to attach its issuer-decline cards to a customer at all
    risk_level: str = "normal"  # Radar's verdict; "highest" with a decline is a block
    display_brand: str | None = None  # co-branded cards: the brand shown, e.g. cartes_bancaires
    networks: tuple[str, ...] = ()  # networks the card can run on (default: its brand's)
    three_d_secure_supported: bool = True

    @property
    def three_d_secure(self) -> bool:
        return self.authentication is not None

    @property
    def blocked(self) -> bool:
        return self.decline is not None and self.risk_level == "highest"


_DECLINED = "Your card was declined."
GENERIC = Decline("card_declined", "generic_decline", _DECLINED)
INSUFFICIENT = Decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")
LOST = Decline("card_declined", "lost_card", _DECLINED)
STOLEN = Decline("card_declined", "stolen_card", _DECLINED)
EXPIRED = Decline("expired_card", "expired_card", "Your card has expired.", "exp_month")
INCORRECT_CVC = Decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.", "cvc")
PROCESSING = Decline("processing_error", "processing_error",
                     "An error occurred while processing your card. Try again in a little bit.")
VELOCITY = Decline("card_declined", "card_velocity_exceeded", "Your card was declined for making repeated attempts "
                   "too frequently or exceeding its amount limit.")
FRAUDULENT = Decline("card_declined", "fraudulent", _DECLINED)
# display_brand and network names as Stripe spells them (they differ from `brand`: amex vs american_express)
DISPLAY = {"amex": "american_express", "diners": "diners_club", "unionpay": "union_pay"}


def _issuer_decline(last4: str, decline: Decline) -> TestCard:
    return TestCard(last4, decline=decline, attachable=False)


def _blocked(last4: str) -> TestCard:
    return TestCard(last4, decline=FRAUDULENT, attachable=False, risk_level="highest")


_BRANDS = {
    "pm_card_visa": TestCard("4242"),
    "pm_card_visa_debit": TestCard("5556", funding="debit"),
    "pm_card_mastercard": TestCard("4444", brand="mastercard"),
    "pm_card_mastercard_debit": TestCard("8210", brand="mastercard", funding="debit"),
    "pm_card_mastercard_prepaid": TestCard("5100", brand="mastercard", funding="prepaid"),
    "pm_card_amex": TestCard("0005", brand="amex"),
    "pm_card_discover": TestCard("1117", brand="discover"),
    "pm_card_diners": TestCard("0004", brand="diners"),
    "pm_card_jcb": TestCard("0505", brand="jcb", country="JP"),
    "pm_card_unionpay": TestCard("0005", brand="unionpay", country="CN"),
    "pm_card_visa_cartesBancaires": TestCard("1001", country="FR", display_brand="cartes_bancaires",
                                             networks=("cartes_bancaires", "visa")),
    "pm_card_mastercard_cartesBancaires": TestCard("1001", brand="mastercard", country="FR",
                                                   display_brand="cartes_bancaires",
                                                   networks=("cartes_bancaires", "mastercard")),
    "pm_card_visa_debit_eftposAuCoBranded": TestCard("0001", funding="debit", country="AU",
                                                     display_brand="eftpos_australia", networks=("eftpos_au", "visa")),
    "pm_card_mastercard_debit_eftposAuCoBranded": TestCard("0080", brand="mastercard", funding="debit", country="AU",
                                                           display_brand="eftpos_australia",
                                                           networks=("eftpos_au", "mastercard")),
    "pm_card_debit_visaFsaProductCode": TestCard("0072", funding="debit"),
    "pm_card_debit_visaHsaProductCode": TestCard("0072", funding="debit"),
    "pm_card_mastercard_debit_mastercardFsaProductCode": TestCard("8897", brand="mastercard", funding="debit"),
}

# pm_card_<country>: (last4, brand, funding); "us" is 4242 4242 4242 4242
_COUNTRIES = {
    "us": "4242", "ar": "0021", "br": "0002", "ca": "0000", "cl": "0001", "co": "0003", "cr": "0005", "ec": "0000",
    "mx": "8001", "pa": "0000", "py": "0066", "pe": "0068", "uy": "0003", "ae": "0001", "at": "0008", "be": "0004",
    "bg": "0000", "by": "0005", "hr": "0009", "cy": "0008", "cz": "0002", "dk": "0001", "ee": "0009", "fi": "0001",
    "fr": "0003", "de": "0016", "gi": "0005", "gr": "0030", "hu": "0005", "ie": "0005", "it": "0008", "lv": "0005",
    "li": "0004", "lt": "0000", "lu": "0006", "mt": "0007", "nl": "0002", "no": "0007", "pl": "0005", "pt": "0007",
    "ro": "0001", "si": "0006", "sk": "0001", "es": "0007", "se": "0008", "ch": "0009", "gb": "0000", "au": "0006",
    "cn": "0002", "hk": "0004", "in": "0008", "jp": "0003", "my": "0002", "nz": "0008", "sg": "0003", "tw": "0008",
}
_COUNTRY_VARIANTS = {
    "pm_card_ae_mastercard": TestCard("0022", brand="mastercard", country="AE"),
    "pm_card_gb_debit": TestCard("0005", funding="debit", country="GB"),
    "pm_card_gb_mastercard": TestCard("4449", brand="mastercard", country="GB"),
    "pm_card_th_credit": TestCard("0003", country="TH"),
    "pm_card_th_debit": TestCard("0008", funding="debit", country="TH"),
}

_DECLINES = {
    "pm_card_visa_chargeDeclined": _issuer_decline("0002", GENERIC),
    "pm_card_chargeDeclined": _issuer_decline("0002", GENERIC),
    "pm_card_visa_chargeDeclinedInsufficientFunds": _issuer_decline("9995", INSUFFICIENT),
    "pm_card_chargeDeclinedInsufficientFunds": _issuer_decline("9995", INSUFFICIENT),
    "pm_card_visa_chargeDeclinedLostCard": _issuer_decline("9987", LOST),
    "pm_card_chargeDeclinedLostCard": _issuer_decline("9987", LOST),
    "pm_card_visa_chargeDeclinedStolenCard": _issuer_decline("9979", STOLEN),
    "pm_card_chargeDeclinedStolenCard": _issuer_decline("9979", STOLEN),
    "pm_card_chargeDeclinedExpiredCard": _issuer_decline("0069", EXPIRED),
    "pm_card_chargeDeclinedIncorrectCvc": _issuer_decline("0127", INCORRECT_CVC),
    "pm_card_chargeDeclinedProcessingError": _issuer_decline("0119", PROCESSING),
    "pm_card_visa_chargeDeclinedVelocityLimitExceeded": _issuer_decline("6975", VELOCITY),
    "pm_card_chargeDeclinedVelocityLimitExceeded": _issuer_decline("6975", VELOCITY),
    "pm_card_chargeCustomerFail": TestCard("0341", decline=GENERIC),  # attaches, then every charge declines
    "pm_card_chargeDeclinedFraudulent": _blocked("0019"),
    "pm_card_radarBlock": _blocked("0019"),
    "pm_card_riskLevelHighest": _blocked("4954"),  # Radar's default rules block the highest risk level
}

_FRAUD_CHECKS = {  # succeed by default (see the module note)
    "pm_card_riskLevelElevated": TestCard("9235", risk_level="elevated"),
    "pm_card_highFraudDisputeScore": TestCard("0407"),
    "pm_card_highEfwScore": TestCard("0159"),
    "pm_card_radarDynamicRiskThreshold": TestCard("1017"),
    "pm_card_freeTrialAbuseBlock": TestCard("3804"),
    "pm_card_adaptive3dsChallenge": TestCard("0003"),
    "pm_card_cvcCheckFail": TestCard("0101"),
    "pm_card_avsZipFail": TestCard("0036"),
    "pm_card_cvcCheckFailElevatedRisk": TestCard("7872", risk_level="elevated"),
    "pm_card_avsZipFailElevatedRisk": TestCard("6072", risk_level="elevated"),
    "pm_card_avsLine1Fail": TestCard("0028"),
    "pm_card_avsFail": TestCard("0010"),
    "pm_card_avsUnchecked": TestCard("0044"),
}

_THREE_D_SECURE = {
    "pm_card_authenticationRequiredOnSetup": TestCard("3155", authentication="unless_set_up"),
    "pm_card_authenticationRequired": TestCard("3184", authentication="always"),
    "pm_card_authenticationRequiredSetupForOffSession": TestCard("0446", authentication="on_session"),
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds": TestCard(
        "3178", authentication="always", decline=INSUFFICIENT),
    "pm_card_threeDSecure2Required": TestCard("3220", country="IE", authentication="always"),
    "pm_card_threeDSecureRequired": TestCard("3063", authentication="always"),
    "pm_card_threeDSecureRequiredChargeDeclined": TestCard("1629", authentication="always", decline=GENERIC),
    "pm_card_threeDSecureRequiredProcessingError": TestCard("1280", decline=PROCESSING),  # fails at the lookup
    "pm_card_threeDSecureOptional": TestCard("3055"),  # supported, not requested by default
    "pm_card_threeDSecureOptionalProcessingError": TestCard("3097"),
    "pm_card_amex_threeDSecureNotSupported": TestCard("0005", brand="amex", three_d_secure_supported=False),
}

_SIDE_EFFECTS = {  # succeed; what follows on Stripe (a dispute, a failed refund, …) is not modelled
    "pm_card_createDispute": TestCard("0259"),
    "pm_card_createDisputeProductNotReceived": TestCard("2685"),
    "pm_card_createDisputeInquiry": TestCard("1976"),
    "pm_card_createIssuerFraudRecord": TestCard("5423"),
    "pm_card_createMultipleDisputes": TestCard("0079"),
    "pm_card_pendingRefund": TestCard("7726"),
    "pm_card_refundFail": TestCard("5126"),
    "pm_card_bypassPending": TestCard("0077"),
    "pm_card_bypassPendingInternational": TestCard("0278", country="IE"),
}

_ALL = {
    **_BRANDS,
    **{f"pm_card_{cc}": TestCard(last4, country=cc.upper()) for cc, last4 in _COUNTRIES.items()},
    **_COUNTRY_VARIANTS, **_DECLINES, **_FRAUD_CHECKS, **_THREE_D_SECURE, **_SIDE_EFFECTS,
}
# the notebooks' card pickers list these first, as they always have
_FIRST = ["pm_card_visa", "pm_card_mastercard", "pm_card_visa_debit", "pm_card_visa_chargeDeclined",
          "pm_card_visa_chargeDeclinedInsufficientFunds", "pm_card_visa_chargeDeclinedLostCard",
          "pm_card_visa_chargeDeclinedStolenCard", "pm_card_chargeDeclinedExpiredCard",
          "pm_card_chargeDeclinedIncorrectCvc", "pm_card_chargeDeclinedProcessingError", "pm_card_authenticationRequired"]
TEST_METHODS: dict[str, TestCard] = {**{name: _ALL[name] for name in _FIRST}, **_ALL}

DECLINING = [name for name, card in TEST_METHODS.items() if card.decline and not card.three_d_secure]

AUTHENTICATION_FAILED = ("The provided PaymentMethod has failed authentication. You can provide payment_method_data "
                         "or a new PaymentMethod to attempt to fulfill this PaymentIntent again.")
