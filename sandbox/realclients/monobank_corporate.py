"""Drives the PyPI package `monobank` 0.4.4 (python-monobank, a Monobank client written by
others) through the provider ("corporate") API of a running bankkit sandbox, with nothing
changed in the client but its base URL (`monobank.transport.ENDPOINT`) and the sandbox's
seeded company key (`provider_key` of `bankkit-sandbox --json`).

Usage: python monobank_corporate.py '<the one JSON line of `bankkit-sandbox --json`>'

Prints `PASS step` / `FAIL step: reason` lines and `N passed, M failed`; exits 0 only when
nothing failed.

The library has no call for registering a company: the registration (and its status) is
signed with the library's own `monobank.signature.SignKey` (X-Time + path, raw r‖s over
SHA-256, base64) and sent with its own `monobank.transport.api_request`, as its code would if
it had the call. Everything else is the library's public API: `monobank.access_request` (the
older `X-Permissions` form, signed over X-Time + X-Permissions + path), `CorporateClient.check`,
`get_client_info` and `get_statements`. The accept page is driven over plain HTTP as a
person's browser would: GET the page, POST its Approve button's form.
"""

import base64
import html.parser
import http.server
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

import ecdsa
import monobank
import monobank.transport
from monobank.signature import SignKey
from monobank.transport import api_request
from monobank.utils import to_timestamp

from steps import Steps


class CallbackReceiver:
    """The company's callback URL on 127.0.0.1: keeps each GET's path and X-Request-Id."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with outer.lock:
                    outer.calls.append((self.path, self.headers.get("X-Request-Id")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mono/callback"

    def wait(self, seconds=10.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if self.calls:
                    return list(self.calls)
            time.sleep(0.05)
        return []


class DecisionForm(html.parser.HTMLParser):
    """The accept page's form: its action and the Approve button's name and value."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.approve = None
        self.company = None
        self._in_company = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "decision":
            self.action = attrs.get("action")
        if tag == "button" and attrs.get("id") == "approve":
            self.approve = (attrs.get("name"), attrs.get("value"))
        self._in_company = attrs.get("id") == "company"

    def handle_data(self, data):
        if self._in_company:
            self.company = data
            self._in_company = False


def signed_registration_call(key, path, body):
    """A registration call the library lacks, made with its signer and transport."""
    x_time = str(to_timestamp(datetime.now()))
    headers = {"X-Time": x_time, "X-Sign": key.sign(x_time + path)}
    return api_request("POST", path, headers=headers, json=body)


def main() -> int:
    summary = json.loads(sys.argv[1])["providers"]["monobank"]
    monobank.transport.ENDPOINT = summary["base_url"]
    provider_key = summary["credentials"]["provider_key"]
    provider_key_id = summary["credentials"]["provider_key_id"]
    steps = Steps()
    step = steps.step
    state = {}
    receiver = CallbackReceiver()

    # A new company of its own, with a key made by the library's ecdsa.
    new_private = ecdsa.SigningKey.generate(curve=ecdsa.SECP256k1)
    new_key = SignKey(new_private.to_pem().decode())
    new_pubkey = base64.b64encode(new_private.get_verifying_key().to_pem()).decode()

    def register():
        body = {
            "pubkey": new_pubkey,
            "name": "ТОВ «Ворона»",
            "description": "Статистика витрат за виписками клієнтів",
            "contactPerson": "Роман Шевченко",
            "phone": "380671234567",
            "email": "dev@example.com",
            "logo": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        }
        answer = signed_registration_call(new_key, "/personal/auth/registration", body)
        return None if answer == {"status": "New"} else f"unexpected {answer!r}"

    def registration_status():
        answer = signed_registration_call(new_key, "/personal/auth/registration/status", {"pubkey": new_pubkey})
        expected = {"status": "Approved", "keyId": new_key.key_id().decode()}
        return None if answer == expected else f"expected {expected}, got {answer!r}"

    def seeded_key():
        key = SignKey(provider_key)
        if key.key_id().decode() != provider_key_id:
            return f"the library derives key id {key.key_id()!r}, the sandbox says {provider_key_id}"
        public_pem = ecdsa.SigningKey.from_pem(provider_key).get_verifying_key().to_pem()
        pubkey = base64.b64encode(public_pem).decode()
        answer = signed_registration_call(key, "/personal/auth/registration/status", {"pubkey": pubkey})
        return None if answer == {"status": "Approved", "keyId": provider_key_id} else f"unexpected {answer!r}"

    def access_request():
        answer = monobank.access_request("ps", provider_key, callback_url=receiver.url)
        if set(answer) != {"tokenRequestId", "acceptUrl"}:
            return f"unexpected {answer!r}"
        if not answer["acceptUrl"].startswith(summary["hosts"]["accept"]):
            return f"acceptUrl {answer['acceptUrl']} is not on the accept host"
        state["request_id"] = answer["tokenRequestId"]
        state["accept_url"] = answer["acceptUrl"]
        return None

    def denied_permissions():
        try:
            answer = monobank.access_request("psj", provider_key)
            return f"a jar permission the company lacks was granted: {answer!r}"
        except monobank.Error as error:
            if error.response.status_code != 400 or str(error.args[0]) != "Permission denied, check 'X-Permissions'":
                return f"unexpected {error}"
        return None

    def not_yet():
        client = monobank.CorporateClient(state["request_id"], provider_key)
        return None if client.check() is False else "check() is not False before the customer accepted"

    def accept():
        with urllib.request.urlopen(state["accept_url"], timeout=5) as page:
            form = DecisionForm()
            form.feed(page.read().decode())
        if form.company != "ТОВ «Бюджетник»":
            return f"company {form.company!r} on the page"
        if not form.action or not form.approve:
            return "no decision form with an Approve button on the page"
        name, value = form.approve
        data = urllib.parse.urlencode({name: value}).encode()
        target = urllib.parse.urljoin(state["accept_url"], form.action)
        with urllib.request.urlopen(urllib.request.Request(target, data=data, method="POST"), timeout=5) as answer:
            text = answer.read().decode()
        return None if 'data-status="approved"' in text else f"the page answered {text[:200]!r}"

    def callback():
        calls = receiver.wait()
        if calls != [("/mono/callback", state["request_id"])]:
            return f"callbacks {calls!r}"
        return None

    def check():
        state["client"] = monobank.CorporateClient(state["request_id"], provider_key)
        return None if state["client"].check() is True else "check() is not True after the customer accepted"

    def client_info():
        info = state["client"].get_client_info()
        if not info.get("accounts") or not info.get("clientId") or not info.get("name"):
            return f"unexpected {info!r}"
        if "jars" in info:
            return "the provider API's client info lists jars"
        if info.get("permissions") != "ps":
            return f"permissions {info.get('permissions')!r}, asked for ps"
        state["account"] = info["accounts"][0]["id"]
        return None

    def too_many_requests():
        try:
            state["client"].get_client_info()
            return "a second client info within a minute was answered"
        except monobank.TooManyRequests:
            return None

    def statements():
        now = datetime.now()
        items = state["client"].get_statements(state["account"], now - timedelta(days=7), now)
        if not isinstance(items, list) or not items:
            return f"unexpected {items!r}"
        missing = {"id", "time", "amount", "balance", "currencyCode"} - set(items[0])
        if missing:
            return f"items lack {missing}"
        times = [item["time"] for item in items]
        return None if times == sorted(times, reverse=True) else "items are not newest first"

    step("register a company key (signed with the library's SignKey)", register)
    step("registration status: approved, keyId = the library's key_id()", registration_status)
    step("the sandbox's provider_key loads in the library and is approved", seeded_key)
    step("access_request('ps', key, callback_url=...)", access_request)
    step("access_request('psj') is refused: jars were never granted", denied_permissions)
    step("check() is False before the customer accepts", not_yet)
    step("the customer approves on the accept page", accept)
    step("the callback arrives with X-Request-Id", callback)
    step("CorporateClient(request_id, key).check() is True", check)
    step("get_client_info()", client_info)
    step("get_client_info() again within a minute raises TooManyRequests", too_many_requests)
    step("get_statements(account, a week ago, now)", statements)

    receiver.server.shutdown()
    return steps.finish()


if __name__ == "__main__":
    sys.exit(main())
