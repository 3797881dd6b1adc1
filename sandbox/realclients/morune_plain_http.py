"""Talks to a running bankkit Morune sandbox the way Morune's (and Enot's identical) API
documentation shows it in Python: plain `requests` calls with the documented headers and
JSON bodies, and the webhook check the documentation describes.

Usage: python morune_plain_http.py '<the one JSON line of `bankkit-sandbox --json`>'

Prints `PASS step` / `FAIL step: reason` lines and `N passed, M failed`; exits 0 only when
nothing failed.

The documentation's signature rule is: the webhook JSON with keys sorted A to Z, compact
(`,` and `:` without spaces), `/` and non-ASCII unescaped, HMAC-SHA256 with the additional
key, lowercase hex in `x-api-sha256-signature`. The Python snippet printed on the same page
uses `separators=(', ', ': ')`, which does not reproduce the page's own test vector; the
step `the docs' printed snippet does not match` shows that this sandbox, like the
documented rule, is not fooled by it.
"""

import hashlib
import hmac
import http.server
import json
import sys
import threading
import uuid

import requests

from steps import Steps, advance

line = json.loads(sys.argv[1])
morune = line["providers"]["morune"]
base = morune["base_url"]
creds = morune["credentials"]
shop_id, shop_key = creds["shop_id"], creds["api_key"]
user_id, user_key = creds["user_id"], creds["user_api_key"]
shop_extra = creds["shop_additional_key"]
user_extra = creds["user_additional_key"]

shop_headers = {"accept": "application/json", "content-type": "application/json", "x-api-key": shop_key}
user_headers = {
    "accept": "application/json",
    "content-type": "application/json",
    "x-api-signature-sha256": user_key,
}

received = []


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook_url = f"http://127.0.0.1:{server.server_address[1]}/morune/hook"


def ok(answer):
    """The documented success test: HTTP 200 and the envelope's status_check."""
    body = answer.json()
    if answer.status_code != 200 or not body.get("status_check") or body.get("status") != 200:
        raise AssertionError(f"HTTP {answer.status_code}: {answer.text[:200]}")
    return body["data"]


def canonical(body):
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signature(key, text):
    return hmac.new(key.encode(), text.encode("utf-8"), hashlib.sha256).hexdigest()


steps = Steps()
state = {}


def tariffs():
    data = ok(requests.get(f"{base}/shops/{shop_id}/payment-tariffs", headers=shop_headers, timeout=5))
    enabled = [t["service"] for t in data["tariffs"] if t["status"] == "enabled"]
    state["services"] = enabled
    return None if "card" in enabled else f"no enabled card tariff in {data}"


def create_invoice():
    state["order"] = f"order-{uuid.uuid4()}"
    data = ok(
        requests.post(
            f"{base}/invoice/create",
            headers=shop_headers,
            json={
                "amount": 150.25,
                "order_id": state["order"],
                "shop_id": shop_id,
                "currency": "RUB",
                "hook_url": hook_url,
                "comment": "Заказ/1",
                "custom_fields": json.dumps({"user": 1}),
                "include_service": ["card"],
                "expire": 300,
            },
            timeout=5,
        )
    )
    state["invoice"] = data["id"]
    for key in ("id", "amount", "currency", "url", "expired"):
        if key not in data:
            return f"no {key} in {data}"
    return None


def invoice_info_by_order():
    data = ok(
        requests.get(
            f"{base}/invoice/info",
            headers=shop_headers,
            params={"shop_id": shop_id, "order_id": state["order"]},
            timeout=5,
        )
    )
    if data["invoice_id"] != state["invoice"] or data["status"] != "created":
        return f"unexpected {data}"
    return None


def wrong_key_is_401():
    answer = requests.get(
        f"{base}/invoice/info",
        headers={**shop_headers, "x-api-key": "0" * 40},
        params={"shop_id": shop_id, "invoice_id": state["invoice"]},
        timeout=5,
    )
    body = answer.json()
    if answer.status_code != 401 or body.get("status_check") is not False or body.get("data") is not None:
        return f"HTTP {answer.status_code} {body}"
    return None


def malformed_uuid_is_422():
    answer = requests.get(f"{base}/account/users/not-a-uuid/balance", headers=user_headers, timeout=5)
    body = answer.json()
    if answer.status_code != 422 or "UUID" not in str(body.get("error")):
        return f"HTTP {answer.status_code} {body}"
    return None


def payer_pays():
    answer = requests.post(
        f"{base}/__bankkit/events",
        json={"type": "payer_acts", "payment_id": state["invoice"], "outcome": "success"},
        timeout=5,
    )
    answer.raise_for_status()
    data = ok(
        requests.get(
            f"{base}/invoice/info",
            headers=shop_headers,
            params={"shop_id": shop_id, "invoice_id": state["invoice"]},
            timeout=5,
        )
    )
    return None if data["status"] == "success" else f"status {data['status']}"


def webhook_verifies():
    for _ in range(50):
        if received:
            break
        threading.Event().wait(0.1)
    if not received:
        return "no webhook arrived"
    headers, raw = received[-1]
    body = json.loads(raw)
    sent = {k.lower(): v for k, v in headers.items()}.get("x-api-sha256-signature")
    if not sent:
        return "no x-api-sha256-signature header"
    if not hmac.compare_digest(sent, signature(shop_extra, canonical(body))):
        return "the documented signature does not match"
    if body.get("status") != "success" or body.get("invoice_id") != state["invoice"]:
        return f"unexpected body {body}"
    state["hook"] = (sent, body)
    return None


def docs_snippet_does_not_match():
    sent, body = state["hook"]
    snippet = json.dumps(body, sort_keys=True, separators=(", ", ": "))
    return "the printed snippet matched" if signature(shop_extra, snippet) == sent else None


def tampered_body_rejected():
    sent, body = state["hook"]
    forged = dict(body, amount="999.00")
    return "a changed amount still matched" if signature(shop_extra, canonical(forged)) == sent else None


def balance():
    data = ok(requests.get(f"{base}/account/users/{user_id}/balance", headers=user_headers, timeout=5))
    for key in ("balance", "active_balance", "freeze_balance"):
        if not isinstance(data.get(key), (int, float)):
            return f"{key} is not a number in {data}"
    if data["freeze_balance"] <= 0:
        return f"the paid invoice is not frozen: {data}"
    state["active"] = data["active_balance"]
    return None


def sbp_banks():
    data = ok(requests.get(f"{base}/payoff/get-sbp-bank-list", headers=user_headers, params={"user_id": user_id}, timeout=5))
    banks = data["banks"]
    state["bank"] = banks[0]["id"]
    return None if banks and "name" in banks[0] else f"no banks: {data}"


def payoff():
    state["payoff_order"] = f"payoff-{uuid.uuid4()}"
    data = ok(
        requests.post(
            f"{base}/payoff/create",
            headers=user_headers,
            json={
                "user_id": user_id,
                "service": "card",
                "wallet_to": "4242424242424242",
                "amount": 100,
                "order_id": state["payoff_order"],
                "hook_url": hook_url,
                "subtract": 1,
            },
            timeout=5,
        )
    )
    state["payoff"] = data["payoff_id"]
    return None if "amount_withdraw_rub" in data and "balance" in data else f"unexpected {data}"


def payoff_info():
    advance(base, 120)
    data = ok(
        requests.get(
            f"{base}/payoff/info",
            headers=user_headers,
            params={"user_id": user_id, "order_id": state["payoff_order"]},
            timeout=5,
        )
    )
    if data["payoff_id"] != state["payoff"] or data["status"] != "success":
        return f"unexpected {data}"
    if data["subtract"] != "balance" or data["type"] != "api":
        return f"subtract/type: {data}"
    return None


def payoff_webhook_verifies():
    for _ in range(50):
        hooks = [(h, json.loads(b)) for h, b in received if b"payoff_id" in b]
        if hooks:
            break
        threading.Event().wait(0.1)
    if not hooks:
        return "no payoff webhook arrived"
    headers, body = hooks[-1]
    sent = {k.lower(): v for k, v in headers.items()}.get("x-api-sha256-signature")
    if sent != signature(user_extra, canonical(body)):
        return "the payoff webhook's signature does not match the user's additional key"
    return None


steps.step("payment tariffs", tariffs)
steps.step("invoice create", create_invoice)
steps.step("invoice info by order_id", invoice_info_by_order)
steps.step("a wrong key is 401 in the envelope", wrong_key_is_401)
steps.step("a malformed UUID is 422 with the Russian message", malformed_uuid_is_422)
steps.step("the payer pays", payer_pays)
steps.step("the payment webhook verifies as documented", webhook_verifies)
steps.step("the docs' printed snippet does not match", docs_snippet_does_not_match)
steps.step("a tampered webhook does not verify", tampered_body_rejected)
steps.step("user balance (paid money frozen)", balance)
steps.step("SBP bank list", sbp_banks)
steps.step("payoff create", payoff)
steps.step("payoff info by order_id", payoff_info)
steps.step("the payoff webhook verifies with the user's key", payoff_webhook_verifies)
sys.exit(steps.finish())
