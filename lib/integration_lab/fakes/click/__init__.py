"""Click's side of the SHOP-API: a simulator that sends a merchant prepare and complete as Click does.

    click = ClickSimulator(http, "http://127.0.0.1:8000/click", service_id, secret_key, clock, ids)
    trans_id, prepared, completed = await click.pay("1001", 500000)
"""

from .simulator import ClickSimulator, click_sign

__all__ = ["ClickSimulator", "click_sign"]
