"""The hosted Checkout page in chromium, against a served Stripe fake: a buyer opens the session's url,
types a declined card and reads Stripe's message, types 4242… and lands on the shop's success_url; the
session is then complete. The page asks nothing of any other host."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from browser_support import Page, expect
from stripe_served import sdk_client, served_stripe

pytestmark = pytest.mark.redis_free


class _Shop(BaseHTTPRequestHandler):
    """The shop's success page: all a redirect needs to land on."""

    def do_GET(self):
        body = b"<!doctype html><title>Thanks</title><link rel=\"icon\" href=\"data:,\"><h1>Thanks for your order</h1>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def shop():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_buyer_is_declined_then_pays(chromium, shop, tmp_path):
    with served_stripe() as (url, fake):
        client = sdk_client(url, "sk_test_browser")
        price = client.v1.prices.create(params={"currency": "usd", "unit_amount": 1250,
                                                "product_data": {"name": "Green tea <b>loose</b>"}})
        session = client.v1.checkout.sessions.create(params={
            "mode": "payment", "success_url": f"{shop}/thanks?session={{CHECKOUT_SESSION_ID}}",
            "line_items": [{"price": price.id, "quantity": 2}]})
        assert session.url.startswith(url + "/c/pay/")
        view = Page(chromium)
        try:
            with view.screenshot_on_failure(tmp_path / "checkout.png") as page:
                page.goto(session.url)
                expect(page.locator("body")).to_contain_text("Green tea <b>loose</b> × 2")  # escaped, shown as typed
                expect(page.locator("#total")).to_have_text("$25.00")
                page.fill("#email", "ada@example.com")
                page.fill("#cardnumber", "4000 0000 0000 0002")
                page.fill("#exp", "12 / 34")
                page.fill("#cvc", "123")
                page.click("#submit")
                expect(page.locator("#error")).to_have_text("Your card was declined.")
                assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
                page.fill("#cardnumber", "4242 4242 4242 4242")
                page.fill("#exp", "12 / 34")
                page.fill("#cvc", "123")
                page.click("#submit")
                page.wait_for_url(f"{shop}/thanks?session={session.id}")
                expect(page.locator("h1")).to_have_text("Thanks for your order")
            done = client.v1.checkout.sessions.retrieve(session.id)
            assert (done.status, done.payment_status) == ("complete", "paid")
            assert done.customer_details.email == "ada@example.com"
            assert view.refused == [] and view.console_errors == []
        finally:
            view.close()
