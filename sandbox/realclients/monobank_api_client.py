"""Drives the PyPI package `monobank-api-client` (a Monobank client nobody here wrote)
against a running bankkit sandbox, through its public API only.

Usage: python monobank_api_client.py '<the one JSON line of `bankkit-sandbox --json`>'

Prints `PASS step` / `FAIL step: reason` lines and `N passed, M failed`; exits 0 only
when nothing failed.
"""

import json
import os
import sys

from steps import Steps, advance


def main() -> int:
    providers = json.loads(sys.argv[1])["providers"]
    base = providers["monobank"]["base_url"]
    token = providers["monobank"]["credentials"]["token"]
    # The client reads its URLs from the environment once, at import.
    os.environ["MONOBANK_CURRENCIES_URI"] = f"{base}/bank/currency"
    os.environ["MONOBANK_CLIENT_INFO_URI"] = f"{base}/personal/client-info"
    os.environ["MONOBANK_STATEMENT_URI"] = f"{base}/personal/statement/0/"
    os.environ["MONOBANK_WEBHOOK_URI"] = f"{base}/personal/webhook"
    import requests  # noqa: E402  (the client's own HTTP library)
    from sync_mono.manager import SyncMonoManager  # noqa: E402

    answers = []

    class RecordingManager(SyncMonoManager):
        """The client unchanged, except that its sessions keep what the server answered:
        it reduces error answers to "400 Client Error: …" and drops the body."""

        @classmethod
        def session(cls):
            session = requests.Session()
            session.hooks["response"].append(lambda response, *_, **__: answers.append(response))
            return session

    manager = RecordingManager(token)
    steps = Steps()
    step = steps.step

    def currencies():
        r = manager.get_currencies()
        if r.get("code") != 200 or not isinstance(r.get("detail"), list) or not r["detail"]:
            return f"unexpected {r}"
        return None

    def currency_pair():
        # The rates answer once per 5 minutes (then 429): move the sandbox clock past that.
        advance(base, 300)
        r = manager.get_currency("USDUAH")
        pair = r.get("detail", {}).get("USDUAH", {})
        if r.get("code") != 200 or not {"Buy", "Sale"} <= set(pair):
            return f"unexpected {r}"
        return None

    def client_info():
        r = manager.get_client_info()
        detail = r.get("detail", {})
        if r.get("code") != 200 or not detail.get("accounts") or "jars" not in detail:
            return f"unexpected {r}"
        return None

    def rate_limited():
        r = manager.get_client_info()
        return None if r.get("code") == 429 else f"expected 429 within a minute, got {r.get('code')}"

    def balance():
        advance(base, 61)
        r = manager.get_balance()
        value = r.get("detail", {}).get("balance")
        if r.get("code") != 200 or not isinstance(value, (int, float)):
            return f"unexpected {r}"
        return None

    def statement():
        r = manager.get_statement(7)
        if r.get("code") != 200 or not isinstance(r.get("detail"), list) or not r["detail"]:
            return f"unexpected {r}"
        item = r["detail"][0]
        missing = {"id", "time", "amount", "balance", "currencyCode"} - set(item)
        return f"items lack {missing}" if missing else None

    def webhook_bare_body_rejected():
        # The client sends the bare URL instead of {"webHookUrl": ...}; the real API
        # validates its body, and so does the sandbox. The answer must say it is the body
        # that is wrong, not the URL check ("check webHookUrl failed"), which the sandbox
        # would also answer with 400 for this unreachable URL.
        answers.clear()
        r = manager.create_webhook("http://127.0.0.1:9/hook")
        if r.get("code") != 400:
            return f"expected 400, got {r}"
        if len(answers) != 1:
            return f"expected one answer, saw {len(answers)}"
        description = answers[0].json().get("errorDescription", "")
        if "check webHookUrl failed" in description:
            return f"the URL was checked instead of the body: {description!r}"
        if not description.startswith("Invalid request body"):
            return f"expected a body-format error, got {description!r}"
        return None

    step("currencies", currencies)
    step("currency-pair", currency_pair)
    step("client-info", client_info)
    step("client-info-rate-limited", rate_limited)
    step("balance-after-a-minute", balance)
    step("statement-trailing-slash-no-to", statement)
    step("webhook-bare-body-rejected", webhook_bare_body_rejected)

    return steps.finish()


if __name__ == "__main__":
    sys.exit(main())
