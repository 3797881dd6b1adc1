"""Drives the PyPI package `mtnmomo-py` 0.1.0 (an MTN MoMo client nobody here wrote)
against a running bankkit sandbox, through its public API only; the base URL is the only
thing changed.

Usage: python momo_mtnmomo_py.py '<the one JSON line of `bankkit-sandbox --json`>'

Prints `PASS step` / `FAIL step: reason` lines and `N passed, M failed`; exits 0 only
when nothing failed.
"""

import json
import sys
import uuid

from mtnmomo import (
    MoMoClient,
    MoMoConfig,
    MoMoConflictError,
    MoMoServerError,
    Party,
    ProductCredentials,
)
from mtnmomo._transport import Transport
from mtnmomo.sandbox import SandboxProvisioningAPI

from steps import Steps, advance


def main() -> int:
    momo = json.loads(sys.argv[1])["providers"]["momo"]
    base = momo["base_url"]
    seeded = momo["credentials"]
    steps = Steps()
    step = steps.step
    state = {}

    # Provisioning with the client's own sandbox API, then a client for the new user.
    provisioning = SandboxProvisioningAPI(Transport(base), seeded["collection_key"])

    def provision():
        user = provisioning.create_api_user("127.0.0.1")
        read = provisioning.get_api_user(user)
        if read is None or read.provider_callback_host != "127.0.0.1":
            return f"unexpected api user {read}"
        key = provisioning.create_api_key(user)
        if len(key) != 32:
            return f"unexpected api key {key!r}"
        state["user"], state["key"] = user, key
        return None

    step("provision api user and key", provision)
    user = state.get("user", seeded["api_user"])
    key = state.get("key", seeded["api_key"])
    client = MoMoClient(
        MoMoConfig(
            collection=ProductCredentials(seeded["collection_key"], user, key),
            disbursement=ProductCredentials(seeded["disbursement_key"], user, key),
            base_url=base,
        )
    )
    collection, disbursement = client.collection, client.disbursement

    def tokens():
        for api in (collection, disbursement):
            token = api.create_access_token()
            if not token.access_token or token.expires_in != 3600:
                return f"unexpected token {token}"
        return None

    def balance():
        b = collection.get_account_balance()
        if b.currency != "EUR" or b.available_balance is None:
            return f"unexpected {b}"
        state["collection_balance"] = b.available_balance
        eur = collection.get_account_balance("EUR")
        return None if eur.available_balance == b.available_balance else f"unexpected {eur}"

    def user_info():
        info = collection.get_basic_user_info("msisdn", "46733123456")
        if info.get("given_name") != "Maja" or info.get("status") != "ACTIVE":
            return f"unexpected {info}"
        return None

    def active():
        return None if collection.validate_account_holder_status("msisdn", "46733123456") is True else "not active"

    def rtp(msisdn, amount):
        return collection.request_to_pay(
            {
                "amount": amount,
                "currency": "EUR",
                "externalId": "order-42",
                "payer": Party("MSISDN", msisdn),
                "payerMessage": "Order 42",
                "payeeNote": "Order 42",
            }
        )

    def rtp_success():
        ref = rtp("46733123456", "15.50")
        first = collection.get_request_to_pay_status(ref)
        advance(base, 5)
        done = collection.get_request_to_pay_status(ref)
        if first.status != "PENDING" or done.status != "SUCCESSFUL" or not done.financial_transaction_id:
            return f"unexpected {first} then {done}"
        state["paid"] = ref
        return None

    def rtp_failure():
        ref = rtp("46733123450", "3")
        advance(base, 5)
        done = collection.get_request_to_pay_status(ref)
        if done.status != "FAILED" or done.reason is None or done.reason.code != "INTERNAL_PROCESSING_ERROR":
            return f"unexpected {done}"
        return None

    def duplicate():
        ref = str(uuid.uuid4())
        body = {"amount": "1", "currency": "EUR", "externalId": "dup", "payer": Party("MSISDN", "46733123456")}
        collection.request_to_pay(body, reference_id=ref)
        try:
            collection.request_to_pay(body, reference_id=ref)
        except MoMoConflictError as error:
            return None if error.code == "RESOURCE_ALREADY_EXIST" else f"unexpected code {error.code}"
        return "no conflict"

    def currency():
        try:
            collection.request_to_pay({"amount": "1", "currency": "GHS", "externalId": "x", "payer": Party("MSISDN", "46733123456")})
        except MoMoServerError as error:
            return None if error.code == "INVALID_CURRENCY" else f"unexpected code {error.code}"
        return "GHS accepted"

    def balance_moved():
        b = collection.get_account_balance()
        expected = "2515.5"
        return None if b.available_balance == expected else f"expected {expected}, got {b.available_balance}"

    def withdraw():
        ref = collection.request_to_withdraw(
            {"amount": "2", "currency": "EUR", "externalId": "w-1", "payer": Party("MSISDN", "46733123456")},
            version="v2_0",
        )
        advance(base, 5)
        done = collection.get_request_to_withdraw_status(ref)
        return None if done.status == "SUCCESSFUL" else f"unexpected {done}"

    def transfer():
        ref = disbursement.transfer(
            {
                "amount": "120",
                "currency": "EUR",
                "externalId": "payout-7",
                "payee": Party("MSISDN", "46733123456"),
                "payerMessage": "Payout",
                "payeeNote": "Payout",
            }
        )
        advance(base, 5)
        done = disbursement.get_transfer_status(ref)
        if done.status != "SUCCESSFUL" or done.payee is None:
            return f"unexpected {done}"
        b = disbursement.get_account_balance()
        return None if b.available_balance == "4880" else f"unexpected balance {b}"

    def deposit():
        ref = disbursement.deposit(
            {"amount": "10", "currency": "EUR", "externalId": "d-1", "payee": Party("MSISDN", "46733123451")},
            version="v2_0",
        )
        advance(base, 5)
        done = disbursement.get_deposit_status(ref)
        if done.status != "FAILED" or done.reason is None or done.reason.code != "APPROVAL_REJECTED":
            return f"unexpected {done}"
        return None

    def refund():
        ref = disbursement.refund(
            {"amount": "5", "currency": "EUR", "externalId": "r-1", "payerMessage": "Refund",
             "payeeNote": "Refund", "referenceIdToRefund": state["paid"]},
        )
        advance(base, 5)
        done = disbursement.get_refund_status(ref)
        return None if done.status == "SUCCESSFUL" else f"unexpected {done}"

    def invoice():
        ref = collection.create_invoice(
            {"externalId": "inv-1", "amount": "20", "currency": "EUR", "validityDuration": "3600",
             "intendedPayer": Party("MSISDN", "46733123454"), "description": "Invoice 1"}
        )
        pending = collection.get_invoice_status(ref)
        collection.cancel_invoice(ref, {"externalId": "inv-1"})
        cancelled = collection.get_invoice_status(ref)
        if pending.get("status") != "PENDING" or cancelled.get("status") != "CANCELLED":
            return f"unexpected {pending} then {cancelled}"
        return None

    def preapproval():
        ref = collection.create_preapproval(
            {"payer": Party("MSISDN", "46733123456"), "payerCurrency": "EUR",
             "payerMessage": "Plan", "validityTime": 3600}
        )
        advance(base, 5)
        status = collection.get_preapproval_status(ref)
        listed = collection.get_approved_preapprovals("msisdn", "46733123456")
        collection.cancel_preapproval(ref)
        if status.get("status") != "SUCCESSFUL" or len(listed) != 1:
            return f"unexpected {status} / {listed}"
        return None

    def payment_v2():
        ref = collection.create_payment(
            {"externalTransactionId": "p-1", "money": {"amount": "1000", "currency": "EUR"},
             "customerReference": "46733123456", "serviceProviderUserName": "shop"}
        )
        advance(base, 5)
        status = collection.get_payment_status(ref)
        return None if status.get("status") == "SUCCESSFUL" else f"unexpected {status}"

    def consent():
        auth = collection.authorize_ciba(
            {"login_hint": "ID:46733123456/MSISDN", "scope": "all_info", "access_type": "offline"}
        )
        token = collection.create_oauth2_token(
            {"grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": auth["auth_req_id"]}
        )
        info = collection.get_user_info_with_consent(token.access_token)
        return None if info.get("family_name") == "Sandberg" else f"unexpected {info}"

    def notification():
        collection.send_request_to_pay_delivery_notification(state["paid"], "Your order is on its way", language="en")
        return None

    step("tokens per product", tokens)
    step("balance", balance)
    step("basic user info", user_info)
    step("account holder active", active)
    step("request to pay success", rtp_success)
    step("request to pay failure", rtp_failure)
    step("duplicate reference id is a conflict", duplicate)
    step("currency other than EUR", currency)
    step("collection balance moved", balance_moved)
    step("request to withdraw v2", withdraw)
    step("transfer", transfer)
    step("deposit v2 rejected", deposit)
    step("refund", refund)
    step("invoice create and cancel", invoice)
    step("preapproval", preapproval)
    step("payment v2", payment_v2)
    step("consent userinfo", consent)
    step("delivery notification", notification)

    return steps.finish()


if __name__ == "__main__":
    sys.exit(main())
