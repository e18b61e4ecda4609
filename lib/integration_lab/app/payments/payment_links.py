"""Where the bot sends a buyer to pay an order with Payme or Click: the providers' hosted checkout pages."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from .payme_errors import ACCOUNT_FIELD

PAYME_CHECKOUT = "https://checkout.paycom.uz/"
PAYME_TEST_CHECKOUT = "https://test.paycom.uz/"  # Payme's sandbox
CLICK_PAY = "https://my.click.uz/services/pay"


def payme_checkout_link(merchant_id: str, order_id: str, amount_tiyin: int, return_url: str | None = None,
                        test: bool = False) -> str:
    """Payme's GET checkout: the base64 of `m=…;ac.order_id=…;a=<tiyin>;c=<return url>`."""
    params = f"m={merchant_id};ac.{ACCOUNT_FIELD}={order_id};a={int(amount_tiyin)}"
    if return_url:
        params += f";c={return_url}"
    return (PAYME_TEST_CHECKOUT if test else PAYME_CHECKOUT) + base64.b64encode(params.encode()).decode()


def click_payment_link(service_id: int, merchant_id: int, order_id: str, amount_tiyin: int,
                       return_url: str | None = None) -> str:
    """Click's payment page; `transaction_param` comes back to us as `merchant_trans_id`, the amount is in sum."""
    query = {"service_id": service_id, "merchant_id": merchant_id,
             "amount": f"{amount_tiyin // 100}.{amount_tiyin % 100:02d}", "transaction_param": order_id}
    if return_url:
        query["return_url"] = return_url
    return f"{CLICK_PAY}?{urlencode(query)}"
