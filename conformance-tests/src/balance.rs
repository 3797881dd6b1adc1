//! Checks of [`bankkit_core::Balance`]: accounts and balances agree with the sandbox.

use std::collections::BTreeSet;

use bankkit_core::{AccountId, Capability, Error};
use futures::FutureExt;

use crate::{ensure, Check, CheckResult, Target};

pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check {
            name: "balance.accounts_match_sandbox",
            capability: Some(Capability::Balance),
            run: |t| accounts_match_sandbox(t).boxed(),
        },
        Check {
            name: "balance.balances_consistent",
            capability: Some(Capability::Balance),
            run: |t| balances_consistent(t).boxed(),
        },
        Check {
            name: "balance.concurrent_calls_after_credentials_expire",
            capability: Some(Capability::Balance),
            run: |t| concurrent_calls_after_credentials_expire(t).boxed(),
        },
        Check {
            name: "balance.unknown_account_not_found",
            capability: Some(Capability::Balance),
            run: |t| unknown_account_not_found(t).boxed(),
        },
    ]
}

/// The accounts listed are the sandbox's accounts, with the sandbox's currencies.
async fn accounts_match_sandbox(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let balance = provider.balance().ok_or("no balance accessor")?;
    let accounts = balance
        .accounts()
        .await
        .map_err(|e| format!("accounts: {e}"))?;
    let ledger = target.ledger();
    let listed: BTreeSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    let seeded: BTreeSet<&str> = ledger.listed_accounts().map(|a| a.id.as_str()).collect();
    ensure(listed.len() == accounts.len(), || {
        "an account id is listed twice".into()
    })?;
    ensure(listed == seeded, || {
        format!("listed accounts {listed:?} differ from the sandbox's {seeded:?}")
    })?;
    for account in &accounts {
        let seeded = ledger.account(account.id.as_str()).ok_or("vanished")?;
        ensure(account.currency.code() == seeded.currency, || {
            format!(
                "account {} is in {} but the sandbox holds {}",
                account.id,
                account.currency.code(),
                seeded.currency
            )
        })?;
    }
    Ok(())
}

/// Every balance is in its account's currency and its booked amount is the sandbox's.
async fn balances_consistent(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let balance = provider.balance().ok_or("no balance accessor")?;
    let accounts = balance
        .accounts()
        .await
        .map_err(|e| format!("accounts: {e}"))?;
    let ledger = target.ledger();
    for account in &accounts {
        let b = balance
            .balance(&account.id)
            .await
            .map_err(|e| format!("balance of {}: {e}", account.id))?;
        ensure(b.account_id == account.id, || {
            format!("asked for {} but got {}", account.id, b.account_id)
        })?;
        let amounts = [
            Some(b.available),
            b.current,
            b.total,
            b.pending,
            b.credit_limit,
            b.spend_today,
            b.goal,
        ];
        for money in amounts.into_iter().flatten() {
            ensure(money.currency() == account.currency, || {
                format!(
                    "{}: {money} is not in {}",
                    account.id,
                    account.currency.code()
                )
            })?;
        }
        let booked = b.current.unwrap_or(b.available);
        let minor = booked.to_minor().map_err(|e| e.to_string())?;
        let seeded = ledger
            .account(account.id.as_str())
            .map(|a| a.balance_minor)
            .ok_or_else(|| format!("{} not in the sandbox", account.id))?;
        ensure(minor == seeded, || {
            format!(
                "{}: balance {booked} but the sandbox holds {seeded} minor units",
                account.id
            )
        })?;
    }
    Ok(())
}

/// Asking for an account that does not exist is `NotFound`, not another error or a panic.
async fn unknown_account_not_found(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let balance = provider.balance().ok_or("no balance accessor")?;
    match balance
        .balance(&AccountId::new("no-such-account-0000"))
        .await
    {
        Err(Error::NotFound { .. }) => Ok(()),
        Err(other) => Err(format!("expected NotFound, got {other:?}").into()),
        Ok(b) => Err(format!("expected NotFound, got a balance {b:?}").into()),
    }
}

/// After a day passes (every access token expires), twenty concurrent reads all succeed and
/// so does the next: with single-use refresh tokens in the sandbox, a client that refreshed
/// more than once would fail here.
async fn concurrent_calls_after_credentials_expire(target: &Target) -> CheckResult {
    let provider = target.provider()?;
    let balance = provider.balance().ok_or("no balance accessor")?;
    balance
        .accounts()
        .await
        .map_err(|e| format!("first read: {e}"))?;
    target
        .clock()
        .advance(std::time::Duration::from_secs(24 * 3600));
    let reads = (0..20).map(|_| balance.accounts());
    for (n, result) in futures::future::join_all(reads)
        .await
        .into_iter()
        .enumerate()
    {
        result.map_err(|e| format!("concurrent read {n} after expiry: {e}"))?;
    }
    balance
        .accounts()
        .await
        .map_err(|e| format!("read after the concurrent ones: {e}"))?;
    Ok(())
}
