"""Payme's side of the Merchant API: a simulator that calls a merchant's endpoint as Payme's servers do.

    payme = PaymeSimulator(http, "http://127.0.0.1:8000/payme", key, clock, ids)
    txid = await payme.pay("1001", 500000)       # check, create, perform (cancel if perform is refused)
"""

from .simulator import STATES, PaymeSimulator

__all__ = ["STATES", "PaymeSimulator"]
