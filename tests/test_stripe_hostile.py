"""Hostile callers against `serve stripe` (a real process on loopback): every malformed, oversized, wrongly
typed or wrongly encoded request gets Stripe's own `{"error": {...}}` answer, never a 5xx or a traceback,
and a refused request leaves the fake's objects exactly as they were (GET /_lab/state digests them)."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from urllib.parse import quote, quote_from_bytes

import httpx
import pytest

from integration_lab.runtime.processes import HOST, free_port, stop_process

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

KEY = "sk_test_hostile_0000000000000000000000"
FORM = "application/x-www-form-urlencoded"
DOCS = "https://stripe.com/docs/error-codes/"
REFUSALS = {400, 401, 404, 409, 413}  # 402 is a decline: Stripe records the failed charge
ERROR_TYPES = {"invalid_request_error", "card_error", "idempotency_error"}
FUZZ_PER_ENDPOINT = int(os.environ.get("STRIPE_HOSTILE_N", "100"))


class Server:
    def __init__(self, tmp_path_factory):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.stderr_path = tmp_path_factory.mktemp("stripe") / "stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "integration_lab", "serve", "stripe", "--port",
                                      str(self.port), "--history", "20"], stdout=subprocess.DEVNULL,
                                     stderr=self._stderr)
        self.http = httpx.Client(base_url=self.url, timeout=10)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.http.get("/_lab/state")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("serve stripe did not start")
                time.sleep(0.1)

    def close(self) -> None:
        self.http.close()
        stop_process(self.proc)
        self._stderr.close()

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def digest(self) -> str:
        return self.http.get("/_lab/state").json()["digest"]

    def send(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> httpx.Response:
        base = {"authorization": f"Bearer {KEY}", "content-type": FORM}
        return self.http.request(method, path, content=body, headers={**base, **(headers or {})})

    def create(self, path: str, form: str) -> dict:
        response = self.send("POST", path, form.encode())
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Server(tmp_path_factory)
    yield served
    served.close()
    assert "Traceback" not in served.stderr(), served.stderr()[-3000:]


def _error(code: str | None, message: str, param: str | None = None) -> dict:
    error = {"message": message, "type": "invalid_request_error"}
    if code:
        error.update(code=code, doc_url=DOCS + code.replace("_", "-"))
    if param:
        error["param"] = param
    return {"error": error}


VALID = "amount=2000&currency=usd&payment_method_types[0]=card"
# Each of these answered a bare 500 with a traceback before (issue 11); now Stripe's words, nothing stored.
REGRESSIONS = {
    "amount --5": ("amount=--5&currency=usd", 400,
                   _error("parameter_invalid_integer", "Invalid integer: --5", "amount")),
    "expand[²]": (VALID + "&expand%5B%C2%B2%5D=x", 400, _error(None, "Invalid array", "expand")),
    "key nested 3,000 deep": (VALID + "&a" + "[a]" * 3000 + "=1", 400,
                              _error("parameter_unknown", "Received unknown parameter: a", "a")),
    "a 5,000-digit integer": (f"amount={'9' * 5000}&currency=usd", 400,
                              _error("parameter_invalid_integer", f"Invalid integer: {'9' * 5000}", "amount")),
    "non-ASCII digits": ("amount=%D9%A5%D9%A5%D9%A5&currency=usd", 400,
                         _error("parameter_invalid_integer", "Invalid integer: ٥٥٥", "amount")),
    "expand item that is a hash": (VALID + "&expand[0][a]=x", 400,
                                   _error(None, 'Invalid string: {"a"=>"x"}', "expand[0]")),
    "expansion refused before anything runs": (VALID + "&expand[0]=nothing", 400,
                                               _error(None, "This property cannot be expanded (nothing).", "expand")),
    "metadata value that is a hash": (VALID + "&metadata[a][b]=x", 400,
                                      _error(None, 'Invalid val: {"b"=>"x"} must be a string under 500 characters',
                                             "metadata")),
    "metadata key over 40 characters": (VALID + f"&metadata[{'k' * 41}]=v", 400,
                                        _error(None, f"Invalid key: {'k' * 41} must be a string under 40 characters",
                                               "metadata")),
    "string over 5,000 characters": (VALID + "&description=" + "d" * 5001, 400, _error(
        None, "Invalid string: dddddddddd...dddddddddd; must be at most 5000 characters", "description")),
    "names that are only digits": ("0=x&1=y", 400, _error("parameter_unknown", "Received unknown parameter: 0", "0")),
    "brackets that do not pair up": (VALID + "&metadata[=x", 400,
                                     _error("parameter_unknown", "Received unknown parameter: metadata[", "metadata[")),
    "amount over eight digits": ("amount=100000000&currency=usd", 400,
                                 _error("amount_too_large", "Amount must be no more than $999,999.99", "amount")),
}


@pytest.mark.parametrize("form,status,answer", REGRESSIONS.values(), ids=REGRESSIONS.keys())
def test_regressions_get_stripes_answer_and_change_nothing(server, form, status, answer):
    before = server.digest()
    response = server.send("POST", "/v1/payment_intents", form.encode())
    assert (response.status_code, response.json()) == (status, answer)
    assert response.headers["request-id"].startswith("req_")
    assert server.digest() == before


def test_json_body_is_refused_in_stripes_words(server):
    before = server.digest()
    response = server.send("POST", "/v1/payment_intents", json.dumps({"amount": 2000, "currency": "usd"}).encode(),
                           {"content-type": "application/json"})
    assert (response.status_code, response.json()) == (400, _error(
        None, "Invalid request: unsupported Content-Type application/json. If error persists and you need "
              "assistance, please contact support@stripe.com."))
    assert server.digest() == before


def test_oversized_body_is_refused_before_it_is_read(server):
    before = server.digest()
    body = b"description=" + b"x" * (1 << 20)
    response = server.send("POST", "/v1/customers", body)
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "invalid_request_error"
    # a declared length over the limit is answered at once: the 64 MiB are never sent, let alone read
    with socket.create_connection((HOST, server.port), timeout=10) as sock:
        sock.sendall(f"POST /v1/customers HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {KEY}\r\n"
                     f"Content-Type: {FORM}\r\nContent-Length: {64 << 20}\r\n\r\nemail=a".encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 413 ")
    assert server.digest() == before
    assert server.send("POST", "/v1/customers", b"description=" + b"x" * 4000).status_code == 200


def test_declining_test_card_cannot_be_attached_and_mints_nothing(server):
    customer = server.create("/v1/customers", "email=a@example.com")
    before = server.digest()
    response = server.send("POST", "/v1/payment_methods/pm_card_visa_chargeDeclined/attach",
                           f"customer={customer['id']}".encode())
    assert response.status_code == 402
    assert response.json()["error"] == {
        "code": "card_declined", "decline_code": "generic_decline", "doc_url": DOCS + "card-declined",
        "message": "Your card was declined.", "type": "card_error"}
    assert server.digest() == before


@pytest.mark.parametrize("url", ["http://[::1", "http://h:x/", "ftp://127.0.0.1/", "http:///x", "http://\x01/"])
def test_webhook_endpoint_urls_that_are_not_urls_are_refused(server, url):
    before = server.digest()
    response = server.send("POST", "/v1/webhook_endpoints",
                           f"url={quote(url)}&enabled_events[0]=*".encode())
    assert (response.status_code, response.json()) == (400, _error(
        "url_invalid", "Invalid URL: URL must be a valid http or https URL", "url"))
    assert server.digest() == before


def test_webhooks_go_to_loopback_only(server):
    """An endpoint elsewhere is recorded as unreachable: the lab never leaves 127.0.0.1."""
    endpoint = server.create("/v1/webhook_endpoints", "url=http://192.0.2.1/hook&enabled_events[0]=customer.created")
    customer = server.create("/v1/customers", "email=w@example.com")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = [r for r in server.http.get("/_lab/webhooks/log").json() if r["type"] == "customer.created"]
        if rows:
            break
        time.sleep(0.1)
    assert rows[0]["status"] is None and rows[0]["error"] == "ConnectError: could not reach the endpoint"
    assert server.send("DELETE", f"/v1/webhook_endpoints/{endpoint['id']}").json()["deleted"] is True
    assert customer["id"].startswith("cus_")


@pytest.mark.parametrize("path,body", [
    ("/_lab/faults", b"[1]"), ("/_lab/faults", b"[" * 100_000), ("/_lab/faults", b"\xff\xfe"),
    ("/_lab/faults", b'{"kind": "latency", "seconds": "x"}'), ("/_lab/faults", b'{"kind": "latency", "method": 5}'),
    ("/_lab/faults", b'{"kind": "api_error", "times": 0}'), ("/_lab/webhook_faults", b'{"kind": "fail", "failures": 1e9}'),
    ("/_lab/payment_intents/pi_nope/authenticate", b'{"outcome": 5}'),
    ("/_lab/payment_intents/pi_nope/authenticate", b'"succeed"'),
])
def test_control_api_refuses_garbage_with_a_json_4xx(server, path, body):
    response = server.http.post(path, content=body)
    assert 400 <= response.status_code < 500 and response.json()["error"]["type"] == "invalid_request_error"
    assert server.http.get("/_lab/faults").json() == []  # nothing half-added
    assert server.send("GET", "/v1/customers").status_code == 200  # and the API still answers


# --- a bounded, seeded generator of hostile requests ----------------------------------------------------

HOSTILE_VALUES = ["--5", "-5", "0", "1e3", "5.5", "9" * 25, "NaN", "Infinity", "٥", "²", "", " 5", "0x10", "+5",
                  "1_000", "99999999", "100000000", "true", "maybe", "%zz", "%ff", "\x00", "a" * 6000, "pm_card_visa",
                  "pm_card_visa_chargeDeclined", "pm_card_authenticationRequired", "pm_", "cus_nope", "usd", "xxx",
                  "http://[::1", "http://h:x/", "http://192.0.2.1/hook", "http://127.0.0.1:9/h"]
JUNK_KEYS = ["expand[²]", "expand[]", "expand[0][1]", "expand[99999999999]", "metadata[", "metadata]]", "[]",
             "amount[]", "amount[x]", "metadata[a][b][c]", "metadata", "unknown", "%ff", "am%zzount", "",
             "payment_method_types[0][x]", "automatic_payment_methods[allow_redirects]", "automatic_payment_methods",
             "confirm", "off_session", "return_url", "capture_method", "limit", "starting_after", "ending_before",
             "a" + "[b]" * 200, "a[" * 50, "metadata[" + "k" * 100 + "]", "expand[0]", "payment_method", "url",
             "enabled_events[0]", "disabled", "customer", "charge", "payment_intent", "reason", "amount", "0", "1"]


def _encode(rng: random.Random, text: str) -> bytes:
    return rng.choice([lambda: quote(text, safe="[]=&"), lambda: text, lambda: quote(text, safe="")])().encode(
        "utf-8", "surrogatepass")


def hostile_body(rng: random.Random, base: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """A valid form, spoilt: values swapped, junk pairs added, keys duplicated, or not a form at all."""
    kind = rng.randrange(10)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))), {}
    if kind == 1:
        return json.dumps({**base, "amount": rng.choice(HOSTILE_VALUES)}).encode(), {
            "content-type": rng.choice(["application/json", "text/plain", "multipart/form-data; boundary=x"])}
    pairs = list(base.items())
    for _ in range(rng.randrange(1, 4)):
        if pairs and rng.random() < 0.5:
            i = rng.randrange(len(pairs))
            pairs[i] = (pairs[i][0], rng.choice(HOSTILE_VALUES))
        else:
            pairs.append((rng.choice(JUNK_KEYS), rng.choice(HOSTILE_VALUES)))
    if rng.random() < 0.2 and pairs:
        pairs.append(rng.choice(pairs))  # a duplicate key
    body = b"&".join(_encode(rng, k) + b"=" + _encode(rng, v) for k, v in pairs)
    if rng.random() < 0.1:
        body += rng.choice([b"&%", b"&\xff\xfe=\xc3", b"&=&&=", b"%E2%82", b"&a=%uD800"])
    headers = {}
    if rng.random() < 0.15:
        headers["idempotency-key"] = rng.choice(["k", "k" * 300, "\u00e9".encode(), "same-key"])
    if rng.random() < 0.05:
        headers["authorization"] = rng.choice(["Bearer", "Basic !!!", "Bearer sk_live_x", "Basic " + "A" * 9])
    return body, headers


def _assert_stripe_answer(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:500])
    payload = response.json()
    if response.status_code >= 400:
        error = payload["error"]
        assert error["type"] in ERROR_TYPES and isinstance(error["message"], str), (what, payload)
    else:
        assert isinstance(payload.get("object"), str), (what, payload)


def _billing_and_checkout_targets(server: Server) -> list[tuple[str, str, dict]]:
    """Products, Prices, Checkout, Payment Links, SetupIntents, Subscriptions, Invoices, test clocks."""
    product = server.create("/v1/products", "name=Tea")
    price = server.create("/v1/prices", f"product={product['id']}&currency=usd&unit_amount=1500")
    monthly = server.create("/v1/prices", f"product={product['id']}&currency=usd&unit_amount=900"
                                          "&recurring[interval]=month")
    session = server.create("/v1/checkout/sessions", f"mode=payment&success_url=https://s.example/ok"
                                                     f"&line_items[0][price]={price['id']}&line_items[0][quantity]=1")
    clock = server.create("/v1/test_helpers/test_clocks", "frozen_time=1767600000")
    member = server.create("/v1/customers", f"email=m@example.com&test_clock={clock['id']}"
                                            "&payment_method=pm_card_visa")
    server.create(f"/v1/customers/{member['id']}", f"invoice_settings[default_payment_method]="
                                                   f"{server.send('GET', '/v1/payment_methods?customer=' + member['id']).json()['data'][0]['id']}")
    sub = server.create("/v1/subscriptions", f"customer={member['id']}&items[0][price]={monthly['id']}")
    setup = server.create("/v1/setup_intents", "payment_method_types[0]=card")
    return [
        ("POST", "/v1/products", {"name": "Mug", "metadata[k]": "v"}),
        ("POST", f"/v1/products/{product['id']}", {"description": "d"}),
        ("GET", "/v1/products/search", {"query": "name~'tea'"}),
        ("POST", "/v1/prices", {"product": product["id"], "currency": "usd", "unit_amount": "100"}),
        ("GET", "/v1/prices", {"type": "recurring", "recurring[interval]": "month"}),
        ("POST", "/v1/checkout/sessions", {"mode": "payment", "success_url": "https://s.example/ok",
                                           "line_items[0][price]": price["id"], "line_items[0][quantity]": "2"}),
        ("GET", f"/v1/checkout/sessions/{session['id']}/line_items", {"limit": "3"}),
        ("POST", "/v1/payment_links", {"line_items[0][price]": price["id"], "line_items[0][quantity]": "1"}),
        ("POST", "/v1/setup_intents", {"usage": "off_session", "payment_method_types[0]": "card"}),
        ("POST", f"/v1/setup_intents/{setup['id']}", {"metadata[k]": "v"}),
        ("POST", "/v1/subscriptions", {"customer": member["id"], "items[0][price]": monthly["id"]}),
        ("POST", f"/v1/subscriptions/{sub['id']}", {"cancel_at_period_end": "true"}),
        ("POST", "/v1/test_helpers/test_clocks", {"frozen_time": "1767600000", "name": "n"}),
        ("POST", f"/v1/test_helpers/test_clocks/{clock['id']}/advance", {"frozen_time": "1767700000"}),
        ("GET", "/v1/invoices", {"customer": member["id"]}),
    ]


def test_fuzzed_requests_get_stripes_answer_and_refusals_change_nothing(server):
    rng = random.Random(int(os.environ.get("STRIPE_HOSTILE_SEED", "11")))
    protected = server.create("/v1/payment_intents", VALID)
    paid = server.create("/v1/payment_intents", VALID + "&payment_method=pm_card_visa&confirm=true")
    customer = server.create("/v1/customers", "email=c@example.com")
    hook = server.create("/v1/webhook_endpoints", "url=http://127.0.0.1:9/h&enabled_events[0]=refund.created")
    targets = [
        ("POST", "/v1/payment_intents", {"amount": "2000", "currency": "usd", "payment_method_types[0]": "card"}),
        ("POST", f"/v1/payment_intents/{protected['id']}/confirm", {"return_url": "https://s.example/r"}),
        ("POST", f"/v1/payment_intents/{protected['id']}", {"description": "d", "metadata[k]": "v"}),
        ("POST", f"/v1/payment_intents/{paid['id']}/capture", {"amount_to_capture": "100"}),
        ("POST", f"/v1/payment_intents/{protected['id']}/cancel", {"cancellation_reason": "abandoned"}),
        ("POST", "/v1/refunds", {"payment_intent": paid["id"], "amount": "100"}),
        ("POST", "/v1/customers", {"email": "x@example.com", "metadata[k]": "v"}),
        ("POST", f"/v1/customers/{customer['id']}", {"name": "N"}),
        ("POST", "/v1/payment_methods/pm_card_visa/attach", {"customer": customer["id"]}),
        ("POST", "/v1/webhook_endpoints", {"url": "http://127.0.0.1:9/hook", "enabled_events[0]": "*"}),
        ("GET", "/v1/payment_intents", {"limit": "3"}),
        ("GET", "/v1/events", {"type": "charge.succeeded"}),
        ("POST", f"/v1/webhook_endpoints/{hook['id']}", {"url": "http://127.0.0.1:9/other"}),
    ]
    targets += _billing_and_checkout_targets(server)
    before = server.digest()
    refused = 0
    for method, path, base in targets:
        for n in range(FUZZ_PER_ENDPOINT):
            body, headers = hostile_body(rng, base)
            if method == "GET":
                response = server.send(method, path + "?" + quote_from_bytes(body, safe="=&[]%"), b"", headers)
            else:
                response = server.send(method, path, body, headers)
            what = (method, path, n, body[:300], headers)
            _assert_stripe_answer(response, str(what))
            after = server.digest()
            if response.status_code in REFUSALS:
                refused += 1
                assert after == before, what
            before = after
    assert refused > len(targets) * FUZZ_PER_ENDPOINT // 2  # the generator mostly produces refusals
