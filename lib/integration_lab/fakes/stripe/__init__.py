"""A stateful fake of the Stripe API that the official SDK cannot tell from Stripe (test mode).

    fake = StripeFake(clock, ids)
    client = stripe.StripeClient("sk_test_…", http_client=sdk_http_client(fake))   # in-process
    # or: python -m integration_lab serve stripe --port 12111 and base_addresses={"api": url}
"""

from .asgi import asgi_app
from .cards import DECLINING, TEST_METHODS
from .transport import AsyncStripeTransport, StripeTransport, sdk_http_client
from .webhooks import RETRY_SCHEDULE, signature
from .world import StripeFake

__all__ = ["AsyncStripeTransport", "DECLINING", "RETRY_SCHEDULE", "StripeFake", "StripeTransport", "TEST_METHODS",
           "asgi_app", "sdk_http_client", "signature"]
