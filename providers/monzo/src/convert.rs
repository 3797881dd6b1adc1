//! Monzo's wire types → core types: the one place they meet.

use bankkit_core::money::{currency_from_code, Money};
use bankkit_core::{
    Account, AccountBalance, AccountId, AccountKind, Direction, Result, Transaction,
    TransactionStatus,
};
use chrono::{DateTime, Utc};

use crate::wire::{self, AccountType, DeclineReason};

/// The provider kind written for pots.
pub(crate) const POT_KIND: &str = "pot";

/// The currency Monzo accounts are in when a payload does not say (the developer API
/// serves UK accounts only).
const DEFAULT_CURRENCY: &str = "GBP";

/// The core kind of an account type. Exhaustive: a new variant forces a decision here.
pub(crate) fn account_kind(account_type: Option<&AccountType>) -> AccountKind {
    match account_type {
        Some(AccountType::UkRetail | AccountType::UkRetailJoint) => AccountKind::Current,
        Some(AccountType::UkBusiness) => AccountKind::Business,
        Some(
            AccountType::UkRewards
            | AccountType::UkMonzoFlex
            | AccountType::UkLoan
            | AccountType::Other(_),
        )
        | None => AccountKind::Other,
    }
}

/// The account type as Monzo wrote it (`uk_retail`), or `""` when absent.
pub(crate) fn account_type_text(account_type: Option<&AccountType>) -> String {
    match account_type {
        Some(AccountType::UkRetail) => "uk_retail".to_owned(),
        Some(AccountType::UkRetailJoint) => "uk_retail_joint".to_owned(),
        Some(AccountType::UkBusiness) => "uk_business".to_owned(),
        Some(AccountType::UkRewards) => "uk_rewards".to_owned(),
        Some(AccountType::UkMonzoFlex) => "uk_monzo_flex".to_owned(),
        Some(AccountType::UkLoan) => "uk_loan".to_owned(),
        Some(AccountType::Other(raw)) => raw.clone(),
        None => String::new(),
    }
}

/// Whether an account of this type has pots: current and business accounts.
pub(crate) fn has_pots(account: &wire::Account) -> bool {
    !account.closed
        && matches!(
            account.account_type,
            Some(AccountType::UkRetail | AccountType::UkRetailJoint | AccountType::UkBusiness)
        )
}

/// `04-00-04 ****5678`: what a user recognises, without the full account number.
fn identifiers(account: &wire::Account) -> Vec<String> {
    let locale = account
        .payment_details
        .as_ref()
        .and_then(|d| d.locale_uk.as_ref());
    let sort_code = account
        .sort_code
        .clone()
        .or_else(|| locale.and_then(|l| l.sort_code.clone()));
    let number = account
        .account_number
        .clone()
        .or_else(|| locale.and_then(|l| l.account_number.clone()));
    match (sort_code, number) {
        (Some(sort_code), Some(number)) if !number.is_empty() => {
            let sort_code = if sort_code.len() == 6 && sort_code.bytes().all(|b| b.is_ascii_digit())
            {
                format!(
                    "{}-{}-{}",
                    &sort_code[0..2],
                    &sort_code[2..4],
                    &sort_code[4..6]
                )
            } else {
                sort_code
            };
            let tail: String = number
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            vec![format!("{sort_code} ****{tail}")]
        }
        _ => Vec::new(),
    }
}

/// A Monzo account as a core account.
pub(crate) fn account(account: &wire::Account) -> Result<Account> {
    let currency = currency_from_code(account.currency.as_deref().unwrap_or(DEFAULT_CURRENCY))?;
    let kind = account_kind(account.account_type.as_ref());
    let mut core = Account::new(
        account.id.clone(),
        kind,
        account_type_text(account.account_type.as_ref()),
        currency,
    )
    .with_identifiers(identifiers(account));
    if !account.description.is_empty() {
        core = core.with_name(account.description.clone());
    }
    Ok(core)
}

/// A pot as a core savings account named after the pot.
pub(crate) fn pot_account(pot: &wire::Pot) -> Result<Account> {
    Ok(Account::new(
        AccountId::new(pot.id.as_str()),
        AccountKind::Savings,
        POT_KIND,
        currency_from_code(&pot.currency)?,
    )
    .with_name(pot.name.clone()))
}

/// An account balance: `available` = `balance`, `total` = `total_balance` (pots
/// included), `spend_today`.
pub(crate) fn account_balance(
    account: &AccountId,
    balance: &wire::Balance,
    as_of: DateTime<Utc>,
) -> Result<AccountBalance> {
    let currency = currency_from_code(&balance.currency)?;
    let mut core = AccountBalance::new(
        account.clone(),
        Money::from_minor(balance.balance, currency)?,
        as_of,
    );
    core.total = Some(Money::from_minor(balance.total_balance, currency)?);
    core.spend_today = Some(Money::from_minor(balance.spend_today, currency)?);
    Ok(core)
}

/// A pot's balance, with its goal.
pub(crate) fn pot_balance(pot: &wire::Pot, as_of: DateTime<Utc>) -> Result<AccountBalance> {
    let currency = currency_from_code(&pot.currency)?;
    let mut core = AccountBalance::new(
        AccountId::new(pot.id.as_str()),
        Money::from_minor(pot.balance, currency)?,
        as_of,
    );
    core.goal = pot
        .goal_amount
        .map(|goal| Money::from_minor(goal, currency))
        .transpose()?;
    Ok(core)
}

/// Declined when a decline reason is present (whatever it is), pending until settled
/// (`settled: ""`), booked once settled.
pub(crate) fn status(transaction: &wire::Transaction) -> TransactionStatus {
    match (&transaction.decline_reason, transaction.settled) {
        (Some(reason), _) => {
            if let DeclineReason::Other(raw) = reason {
                tracing::debug!(decline_reason = %raw, "unknown Monzo decline reason");
            }
            TransactionStatus::Declined
        }
        (None, Some(_)) => TransactionStatus::Booked,
        (None, None) => TransactionStatus::Pending,
    }
}

/// A Monzo transaction as a core transaction. `account` is used when the payload has no
/// `account_id`.
pub(crate) fn transaction(
    transaction: &wire::Transaction,
    account: &AccountId,
) -> Result<Transaction> {
    let currency = currency_from_code(&transaction.currency)?;
    let signed = Money::from_minor(transaction.amount, currency)?;
    let mut core = Transaction::new(
        transaction.id.clone(),
        transaction
            .account_id
            .clone()
            .unwrap_or_else(|| account.clone()),
        transaction.created,
        signed.abs(),
        Direction::of_signed(&signed),
        transaction.description.clone(),
    );
    core.status = status(transaction);
    core.original_amount = original_amount(transaction);
    if !transaction.notes.is_empty() {
        core.comment = Some(transaction.notes.clone());
    }
    Ok(core)
}

/// `local_amount` in `local_currency`, when that is not the transaction's currency. A
/// currency (or amount) core cannot represent leaves it out with a warning rather than
/// failing the whole page.
fn original_amount(transaction: &wire::Transaction) -> Option<Money> {
    let (Some(local_amount), Some(local_currency)) = (
        transaction.local_amount,
        transaction.local_currency.as_deref(),
    ) else {
        return None;
    };
    if local_currency == transaction.currency || local_currency.is_empty() {
        return None;
    }
    let converted = currency_from_code(local_currency)
        .and_then(|currency| Money::from_minor(local_amount, currency))
        .map(|local| local.abs());
    match converted {
        Ok(money) => Some(money),
        Err(error) => {
            tracing::warn!(id = %transaction.id, %error, "local amount left out");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(json: serde_json::Value) -> wire::Transaction {
        serde_json::from_value(json).unwrap()
    }

    fn base() -> serde_json::Value {
        serde_json::json!({"id":"tx_1","account_id":"acc_1","amount":-350,"currency":"GBP",
            "created":"2026-10-01T08:00:00.123Z","description":"COFFEE","settled":"2026-10-02T08:00:00Z"})
    }

    #[test]
    fn every_account_type_maps_to_a_kind() {
        let table = [
            ("uk_retail", AccountKind::Current),
            ("uk_retail_joint", AccountKind::Current),
            ("uk_business", AccountKind::Business),
            ("uk_rewards", AccountKind::Other),
            ("uk_monzo_flex", AccountKind::Other),
            ("uk_loan", AccountKind::Other),
            ("uk_something_new", AccountKind::Other),
        ];
        for (text, kind) in table {
            let parsed: AccountType = serde_json::from_value(serde_json::json!(text)).unwrap();
            assert_eq!(account_kind(Some(&parsed)), kind, "{text}");
            assert_eq!(account_type_text(Some(&parsed)), text);
        }
        assert_eq!(account_kind(None), AccountKind::Other);
    }

    #[test]
    fn every_transaction_state_maps_to_a_status() {
        let mut pending = base();
        pending["settled"] = serde_json::json!("");
        let mut declined = base();
        declined["settled"] = serde_json::json!("");
        let table = [
            (base(), TransactionStatus::Booked),
            (pending, TransactionStatus::Pending),
        ];
        for (json, expected) in table {
            assert_eq!(status(&tx(json)), expected);
        }
        for reason in [
            "INSUFFICIENT_FUNDS",
            "CARD_INACTIVE",
            "CARD_BLOCKED",
            "INVALID_CVC",
            "OTHER",
            "CARD_CLOSED",
            "SCA_NOT_AUTHENTICATED_CARD_NOT_PRESENT",
            "STRONG_CUSTOMER_AUTHENTICATION_REQUIRED",
            "AUTHENTICATION_REJECTED_BY_CARDHOLDER",
            "AUTHENTICATION_VERIFICATION_FAILED",
            "DECISIONING_ENGINE_HARD_DECLINE",
            "A_REASON_NOBODY_KNOWS",
        ] {
            let mut json = declined.clone();
            json["decline_reason"] = serde_json::json!(reason);
            assert_eq!(status(&tx(json)), TransactionStatus::Declined, "{reason}");
        }
    }

    #[test]
    fn amounts_keep_their_sign_as_a_direction() {
        let debit = transaction(&tx(base()), &AccountId::new("x")).unwrap();
        assert_eq!(debit.direction, Direction::Debit);
        assert_eq!(debit.amount.to_minor().unwrap(), 350);
        assert_eq!(debit.amount.currency().code(), "GBP");
        assert_eq!(debit.account_id, "acc_1");
        let mut json = base();
        json["amount"] = serde_json::json!(1000);
        json["local_amount"] = serde_json::json!(1150);
        json["local_currency"] = serde_json::json!("EUR");
        json["notes"] = serde_json::json!("lunch");
        let credit = transaction(&tx(json), &AccountId::new("x")).unwrap();
        assert_eq!(credit.direction, Direction::Credit);
        assert_eq!(credit.original_amount.unwrap().to_string(), "11.50 EUR");
        assert_eq!(credit.comment.as_deref(), Some("lunch"));
    }

    #[test]
    fn an_unknown_local_currency_leaves_out_the_original_amount_only() {
        let mut json = base();
        json["local_amount"] = serde_json::json!(1150);
        json["local_currency"] = serde_json::json!("XQQ");
        let core = transaction(&tx(json), &AccountId::new("x")).unwrap();
        assert_eq!(core.original_amount, None);
        assert_eq!(core.amount.to_minor().unwrap(), 350);
        assert_eq!(core.id, "tx_1");
    }

    #[test]
    fn balances_split_own_money_pots_and_spend_today() {
        let balance: wire::Balance = serde_json::from_value(serde_json::json!({
            "balance": 5000, "total_balance": 30000, "currency": "GBP", "spend_today": -1250
        }))
        .unwrap();
        let core = account_balance(&AccountId::new("acc_1"), &balance, Utc::now()).unwrap();
        assert_eq!(core.available.to_minor().unwrap(), 5000);
        assert_eq!(core.total.unwrap().to_minor().unwrap(), 30000);
        assert_eq!(core.spend_today.unwrap().to_minor().unwrap(), -1250);
        assert_eq!(core.current, None);
    }

    #[test]
    fn identifiers_show_the_sort_code_and_the_last_four_digits() {
        let account: wire::Account = serde_json::from_value(serde_json::json!({
            "id": "acc_1", "description": "user_1", "created": "2020-01-01T00:00:00Z",
            "type": "uk_retail", "currency": "GBP", "sort_code": "040004", "account_number": "12345678"
        }))
        .unwrap();
        let core = super::account(&account).unwrap();
        assert_eq!(core.identifiers, vec!["04-00-04 ****5678".to_owned()]);
        assert_eq!(core.kind, AccountKind::Current);
        assert_eq!(core.provider_kind, "uk_retail");
    }
}
