"""Stripe's documented test PaymentMethods through the official SDK against the served fake: each is served
with its brand, last4, funding and country, and confirms with the decline or 3-D Secure behaviour Stripe's
testing docs give it. The expectations are written out here from docs.stripe.com/testing, not imported."""

from __future__ import annotations

import httpx
import pytest
import stripe

from stripe_served import sdk_client, served_stripe

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

KEY = "sk_test_methods_000000000000000000000000"

# Every `pm_card_…` id docs.stripe.com/testing lists, plus the older ones Stripe still takes.
DOCUMENTED = """
visa visa_debit mastercard mastercard_debit mastercard_prepaid amex discover diners jcb unionpay
visa_cartesBancaires mastercard_cartesBancaires visa_debit_eftposAuCoBranded mastercard_debit_eftposAuCoBranded
us ar br ca cl co cr ec mx pa py pe uy ae ae_mastercard at be bg by hr cy cz dk ee fi fr de gi gr hu ie it lv li lt lu
mt nl no pl pt ro si sk es se ch gb gb_debit gb_mastercard au cn hk in jp my nz sg tw th_credit th_debit
visa_chargeDeclined visa_chargeDeclinedInsufficientFunds visa_chargeDeclinedLostCard visa_chargeDeclinedStolenCard
chargeDeclinedExpiredCard chargeDeclinedIncorrectCvc chargeDeclinedProcessingError
visa_chargeDeclinedVelocityLimitExceeded chargeCustomerFail chargeDeclined chargeDeclinedInsufficientFunds
chargeDeclinedFraudulent radarBlock riskLevelHighest riskLevelElevated highFraudDisputeScore highEfwScore
radarDynamicRiskThreshold freeTrialAbuseBlock adaptive3dsChallenge cvcCheckFail avsZipFail cvcCheckFailElevatedRisk
avsZipFailElevatedRisk avsLine1Fail avsFail avsUnchecked authenticationRequiredOnSetup authenticationRequired
authenticationRequiredSetupForOffSession authenticationRequiredChargeDeclinedInsufficientFunds threeDSecure2Required
threeDSecureRequiredChargeDeclined threeDSecureRequiredProcessingError threeDSecureOptional
threeDSecureOptionalProcessingError amex_threeDSecureNotSupported createDispute createDisputeProductNotReceived
createDisputeInquiry createIssuerFraudRecord createMultipleDisputes pendingRefund refundFail bypassPending
bypassPendingInternational debit_visaFsaProductCode debit_visaHsaProductCode mastercard_debit_mastercardFsaProductCode
""".split()

# (brand, last4 = the card number's last four digits, funding, country, display_brand)
CARDS = {
    "pm_card_visa": ("visa", "4242", "credit", "US", "visa"),
    "pm_card_visa_debit": ("visa", "5556", "debit", "US", "visa"),
    "pm_card_mastercard": ("mastercard", "4444", "credit", "US", "mastercard"),
    "pm_card_mastercard_debit": ("mastercard", "8210", "debit", "US", "mastercard"),
    "pm_card_mastercard_prepaid": ("mastercard", "5100", "prepaid", "US", "mastercard"),
    "pm_card_amex": ("amex", "0005", "credit", "US", "american_express"),
    "pm_card_discover": ("discover", "1117", "credit", "US", "discover"),
    "pm_card_diners": ("diners", "0004", "credit", "US", "diners_club"),
    "pm_card_jcb": ("jcb", "0505", "credit", "JP", "jcb"),
    "pm_card_unionpay": ("unionpay", "0005", "credit", "CN", "union_pay"),
    "pm_card_visa_cartesBancaires": ("visa", "1001", "credit", "FR", "cartes_bancaires"),
    "pm_card_mastercard_debit_eftposAuCoBranded": ("mastercard", "0080", "debit", "AU", "eftpos_australia"),
    "pm_card_de": ("visa", "0016", "credit", "DE", "visa"),
    "pm_card_gb_debit": ("visa", "0005", "debit", "GB", "visa"),
    "pm_card_gb_mastercard": ("mastercard", "4449", "credit", "GB", "mastercard"),
    "pm_card_th_debit": ("visa", "0008", "debit", "TH", "visa"),
    "pm_card_mx": ("visa", "8001", "credit", "MX", "visa"),
    "pm_card_visa_chargeDeclined": ("visa", "0002", "credit", "US", "visa"),
    "pm_card_radarBlock": ("visa", "0019", "credit", "US", "visa"),
    "pm_card_threeDSecure2Required": ("visa", "3220", "credit", "IE", "visa"),
    "pm_card_authenticationRequired": ("visa", "3184", "credit", "US", "visa"),
}

# id -> (error code, decline code) when a payment is confirmed with it
DECLINES = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline"),
    "pm_card_visa_chargeDeclinedVelocityLimitExceeded": ("card_declined", "card_velocity_exceeded"),
    "pm_card_chargeDeclinedFraudulent": ("card_declined", "fraudulent"),
    "pm_card_radarBlock": ("card_declined", "fraudulent"),
    "pm_card_riskLevelHighest": ("card_declined", "fraudulent"),
    "pm_card_chargeCustomerFail": ("card_declined", "generic_decline"),
    "pm_card_threeDSecureRequiredProcessingError": ("processing_error", "processing_error"),
    "pm_card_chargeDeclinedLostCard": ("card_declined", "lost_card"),
}
SUCCEED = ["pm_card_riskLevelElevated", "pm_card_cvcCheckFail", "pm_card_avsFail", "pm_card_threeDSecureOptional",
           "pm_card_amex_threeDSecureNotSupported", "pm_card_createDispute", "pm_card_refundFail", "pm_card_jp",
           "pm_card_bypassPending", "pm_card_visa_debit_eftposAuCoBranded"]


@pytest.fixture(scope="module")
def served():
    with served_stripe() as both:
        yield both


@pytest.fixture
def client(served):
    return sdk_client(served[0], KEY)


def _pay(client, method: str, **params):
    return client.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "payment_method_types": ["card"], "payment_method": method,
        "confirm": True, **params})


def test_every_documented_test_method_is_served(client):
    for name in DOCUMENTED:
        pm = client.v1.payment_methods.retrieve(f"pm_card_{name}")
        assert pm.id.startswith("pm_") and pm.id != f"pm_card_{name}" and pm.type == "card", name


@pytest.mark.parametrize("name", CARDS)
def test_card_details(client, name):
    card = client.v1.payment_methods.retrieve(name).card
    assert (card.brand, card.last4, card.funding, card.country, card.display_brand) == CARDS[name]


def test_stripe_cli_payment_failed_trigger(served):
    """`stripe trigger payment_intent.payment_failed` sends exactly this and expects a card_error."""
    url, fake = served
    response = httpx.post(f"{url}/v1/payment_intents", headers={"authorization": f"Bearer {KEY}"}, data={
        "amount": "2000", "confirm": "true", "currency": "usd", "description": "(created by Stripe CLI)",
        "payment_method": "pm_card_chargeDeclined", "payment_method_types[]": "card"})
    error = response.json()["error"]
    assert (response.status_code, error["type"], error["code"], error["decline_code"], error["message"]) == (
        402, "card_error", "card_declined", "generic_decline", "Your card was declined.")
    assert error["payment_intent"]["status"] == "requires_payment_method"
    events = [o["type"] for o in fake.objects.values() if o["object"] == "event"
              and o["data"]["object"].get("id") == error["payment_intent"]["id"]]
    assert events[-1] == "payment_intent.payment_failed"


@pytest.mark.parametrize("name", DECLINES)
def test_declines(client, name):
    with pytest.raises(stripe.CardError) as declined:
        _pay(client, name)
    assert (declined.value.code, declined.value.error.decline_code) == DECLINES[name]
    charge = client.v1.charges.retrieve(declined.value.error.charge)
    assert charge.status == "failed" and charge.outcome.type in ("issuer_declined", "blocked")
    if DECLINES[name][1] == "fraudulent":
        assert (charge.outcome.type, charge.outcome.risk_level) == ("blocked", "highest")


@pytest.mark.parametrize("name", SUCCEED)
def test_methods_that_succeed_by_default(client, name):
    assert _pay(client, name).status == "succeeded"


def _authenticate(url: str, pi_id: str, outcome: str = "succeed") -> dict:
    return httpx.post(f"{url}/_lab/payment_intents/{pi_id}/authenticate", json={"outcome": outcome}).json()


def test_three_d_secure_then_issuer_decline(served, client):
    pi = _pay(client, "pm_card_threeDSecureRequiredChargeDeclined", return_url="https://shop.example/back")
    assert pi.status == "requires_action"
    after = _authenticate(served[0], pi.id)
    assert after["status"] == "requires_payment_method"
    assert (after["last_payment_error"]["code"], after["last_payment_error"]["decline_code"]) == (
        "card_declined", "generic_decline")
    pi = _pay(client, "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", return_url="https://s.example/r")
    assert _authenticate(served[0], pi.id)["last_payment_error"]["decline_code"] == "insufficient_funds"


def test_three_d_secure_2_required_succeeds_after_the_challenge(served, client):
    pi = _pay(client, "pm_card_threeDSecure2Required", return_url="https://shop.example/back")
    assert pi.status == "requires_action"
    assert _authenticate(served[0], pi.id)["status"] == "succeeded"


def test_off_session_depends_on_how_the_card_was_set_up(client):
    assert _pay(client, "pm_card_authenticationRequiredSetupForOffSession", off_session=True).status == "succeeded"
    assert _pay(client, "pm_card_authenticationRequiredSetupForOffSession",
                return_url="https://s.example/r").status == "requires_action"
    for name in ("pm_card_authenticationRequired", "pm_card_authenticationRequiredOnSetup"):
        with pytest.raises(stripe.CardError) as declined:
            _pay(client, name, off_session=True)
        assert declined.value.code == "authentication_required"


def test_issuer_decline_cards_cannot_be_attached_but_charge_customer_fail_can(client):
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    with pytest.raises(stripe.CardError) as refused:
        client.v1.payment_methods.attach("pm_card_visa_chargeDeclinedInsufficientFunds",
                                         params={"customer": customer.id})
    assert (refused.value.code, refused.value.error.decline_code) == ("card_declined", "insufficient_funds")
    pm = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", params={"customer": customer.id})
    assert pm.customer == customer.id
    with pytest.raises(stripe.CardError) as declined:
        _pay(client, pm.id, customer=customer.id)
    assert declined.value.error.decline_code == "generic_decline"
