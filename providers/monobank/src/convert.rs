//! Wire types → core types: the one place they meet.
//!
//! **Balances.** Monobank's card `balance` *includes* the credit limit: a card with a
//! 10 000 UAH limit and nothing of the owner's on it shows `balance = 1000000`,
//! `creditLimit = 1000000`. So [`AccountBalance::available`] (own money, without credit) is
//! `balance - creditLimit` (negative when the owner is in debt), [`AccountBalance::current`]
//! is `balance` (what can be spent including credit), and
//! [`AccountBalance::credit_limit`] is `creditLimit` when it is above zero. A jar has no
//! credit: `available = balance`, with its `goal` when it has one.
//!
//! **Transactions.** `amount` is in the account's currency and signed; core gets its
//! absolute value and a [`Direction`]. `operationAmount` in `currencyCode` becomes
//! [`Transaction::original_amount`] when that currency differs from the account's.
//! `hold = true` is [`TransactionStatus::Pending`], anything else
//! [`TransactionStatus::Booked`].

pub(crate) mod acquiring;

use bankkit_core::money::{currency_from_numeric, Currency, Decimal, JsonDecimal};
use bankkit_core::{
    Account as CoreAccount, AccountBalance, AccountId, AccountKind, Direction, Error, Money,
    Result, Transaction, TransactionId, TransactionStatus,
};
use chrono::{DateTime, Utc};

use crate::wire::{Account, AccountType, CurrencyInfo, Jar, StatementItem};

/// The provider kind reported for jars (they have no `type` on the wire).
pub(crate) const JAR_KIND: &str = "jar";

/// The core kind of a Monobank account type.
///
/// Every card (black, white, platinum, iron, yellow children's card, eAid) is a current
/// account; `fop` is a business account; an unknown type is `Other` (and logged).
pub(crate) fn account_kind(account_type: &AccountType) -> AccountKind {
    match account_type {
        AccountType::Black
        | AccountType::White
        | AccountType::Platinum
        | AccountType::Iron
        | AccountType::Yellow
        | AccountType::EAid => AccountKind::Current,
        AccountType::Fop => AccountKind::Business,
        AccountType::Other(raw) => {
            tracing::warn!(account_type = %raw, "unknown Monobank account type");
            AccountKind::Other
        }
    }
}

/// The account type as the bank spells it.
pub(crate) fn account_type_name(account_type: &AccountType) -> &str {
    match account_type {
        AccountType::Black => "black",
        AccountType::White => "white",
        AccountType::Platinum => "platinum",
        AccountType::Iron => "iron",
        AccountType::Fop => "fop",
        AccountType::Yellow => "yellow",
        AccountType::EAid => "eAid",
        AccountType::Other(raw) => raw,
    }
}

/// A card or FOP account in core terms. Identifiers: masked card numbers, then the IBAN.
///
/// # Errors
/// [`Error::Money`] for a currency code that is not ISO 4217.
pub(crate) fn account(account: &Account) -> Result<CoreAccount> {
    let identifiers = account
        .masked_pan
        .iter()
        .cloned()
        .chain((!account.iban.is_empty()).then(|| account.iban.clone()));
    Ok(CoreAccount::new(
        AccountId::new(account.id.clone()),
        account_kind(&account.account_type),
        account_type_name(&account.account_type),
        currency_from_numeric(account.currency_code)?,
    )
    .with_identifiers(identifiers))
}

/// A jar in core terms: a savings account named by its title.
///
/// # Errors
/// [`Error::Money`] for a currency code that is not ISO 4217.
pub(crate) fn jar_account(jar: &Jar) -> Result<CoreAccount> {
    let account = CoreAccount::new(
        AccountId::new(jar.id.clone()),
        AccountKind::Savings,
        JAR_KIND,
        currency_from_numeric(jar.currency_code)?,
    );
    Ok(if jar.title.is_empty() {
        account
    } else {
        account.with_name(jar.title.clone())
    })
}

/// The balance of a card or FOP account (see the module docs for the credit limit).
///
/// # Errors
/// [`Error::Money`] for an unknown currency or an overflowing amount.
pub(crate) fn account_balance(account: &Account, as_of: DateTime<Utc>) -> Result<AccountBalance> {
    let currency = currency_from_numeric(account.currency_code)?;
    let own = account
        .balance
        .checked_sub(account.credit_limit.max(0))
        .ok_or_else(|| Error::Money {
            message: format!("balance of account {} overflows", account.id),
        })?;
    let mut balance = AccountBalance::new(
        AccountId::new(account.id.clone()),
        Money::from_minor(own, currency)?,
        as_of,
    );
    balance.current = Some(Money::from_minor(account.balance, currency)?);
    if account.credit_limit > 0 {
        balance.credit_limit = Some(Money::from_minor(account.credit_limit, currency)?);
    }
    Ok(balance)
}

/// The balance of a jar, with its goal when it has one.
///
/// # Errors
/// [`Error::Money`] for an unknown currency.
pub(crate) fn jar_balance(jar: &Jar, as_of: DateTime<Utc>) -> Result<AccountBalance> {
    let currency = currency_from_numeric(jar.currency_code)?;
    let mut balance = AccountBalance::new(
        AccountId::new(jar.id.clone()),
        Money::from_minor(jar.balance, currency)?,
        as_of,
    );
    if jar.goal > 0 {
        balance.goal = Some(Money::from_minor(jar.goal, currency)?);
    }
    Ok(balance)
}

/// A statement item of `account` (whose currency is `currency`) in core terms.
///
/// # Errors
/// [`Error::Decode`] for a time out of range, [`Error::Money`] for an amount that cannot be
/// made positive.
pub(crate) fn transaction(
    item: &StatementItem,
    account: &AccountId,
    currency: Currency,
) -> Result<Transaction> {
    let time = DateTime::from_timestamp(item.time, 0).ok_or_else(|| {
        Error::decode(
            "statement item",
            format!("time {} of {} is out of range", item.time, item.id),
        )
    })?;
    let magnitude = item.amount.checked_abs().ok_or_else(|| Error::Money {
        message: format!("amount of {} overflows", item.id),
    })?;
    let direction = if item.amount < 0 {
        Direction::Debit
    } else {
        Direction::Credit
    };
    let mut transaction = Transaction::new(
        TransactionId::new(item.id.clone()),
        account.clone(),
        time,
        Money::from_minor(magnitude, currency)?,
        direction,
        item.description.clone(),
    );
    transaction.original_amount = original_amount(item, currency);
    transaction.status = if item.hold {
        TransactionStatus::Pending
    } else {
        TransactionStatus::Booked
    };
    transaction.balance_after = Some(Money::from_minor(item.balance, currency)?);
    transaction.mcc = u16::try_from(item.mcc).ok().filter(|mcc| *mcc != 0);
    transaction.comment = item.comment.clone().filter(|c| !c.is_empty());
    Ok(transaction)
}

/// `operationAmount` in `currencyCode`, when that is not the account's currency.
fn original_amount(item: &StatementItem, account_currency: Currency) -> Option<Money> {
    if item.currency_code == account_currency.numeric() {
        return None;
    }
    let converted = currency_from_numeric(item.currency_code).and_then(|currency| {
        let magnitude = item
            .operation_amount
            .checked_abs()
            .ok_or_else(|| Error::Money {
                message: "operation amount overflows".to_owned(),
            })?;
        Money::from_minor(magnitude, currency)
    });
    match converted {
        Ok(money) => Some(money),
        Err(error) => {
            tracing::warn!(id = %item.id, %error, "operation amount left out");
            None
        }
    }
}

/// One exchange rate of `GET /bank/currency`, with exact decimal rates.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CurrencyRate {
    /// The currency being priced (`currencyCodeA`).
    pub base: Currency,
    /// The currency the price is in (`currencyCodeB`).
    pub quote: Currency,
    /// When the bank set the rate.
    pub date: DateTime<Utc>,
    /// The bank buys `base` at this price.
    pub buy: Option<Decimal>,
    /// The bank sells `base` at this price.
    pub sell: Option<Decimal>,
    /// The cross rate, for pairs without buy and sell.
    pub cross: Option<Decimal>,
}

impl TryFrom<&CurrencyInfo> for CurrencyRate {
    type Error = Error;

    /// The rates are exact: [`JsonDecimal`](bankkit_core::money::JsonDecimal) keeps each JSON
    /// number's own text.
    ///
    /// # Errors
    /// [`Error::Money`] for a code that is not ISO 4217, [`Error::Decode`] for a date out of
    /// range or a rate that is not a decimal number.
    fn try_from(info: &CurrencyInfo) -> Result<Self> {
        let rate = |n: &Option<JsonDecimal>| n.as_ref().map(JsonDecimal::decimal);
        Ok(Self {
            base: currency_from_numeric(info.currency_code_a)?,
            quote: currency_from_numeric(info.currency_code_b)?,
            date: DateTime::from_timestamp(info.date, 0)
                .ok_or_else(|| Error::decode("currency rate", "date out of range"))?,
            buy: rate(&info.rate_buy),
            sell: rate(&info.rate_sell),
            cross: rate(&info.rate_cross),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire_account(account_type: &str, balance: i64, credit_limit: i64) -> Account {
        serde_json::from_value(serde_json::json!({
            "id": "acc", "sendId": "s", "balance": balance, "creditLimit": credit_limit,
            "type": account_type, "currencyCode": 980, "cashbackType": "UAH",
            "maskedPan": ["537541******4412"], "iban": "UA213223130000026201234567890"
        }))
        .unwrap()
    }

    #[test]
    fn every_account_type_maps_to_a_core_kind() {
        let table = [
            ("black", AccountKind::Current),
            ("white", AccountKind::Current),
            ("platinum", AccountKind::Current),
            ("iron", AccountKind::Current),
            ("yellow", AccountKind::Current),
            ("eAid", AccountKind::Current),
            ("fop", AccountKind::Business),
            ("somethingNew", AccountKind::Other),
        ];
        for (wire, kind) in table {
            let core = account(&wire_account(wire, 0, 0)).unwrap();
            assert_eq!(core.kind, kind, "{wire}");
            assert_eq!(core.provider_kind, wire, "the bank's word is kept");
            assert_eq!(core.currency.code(), "UAH");
            assert_eq!(
                core.identifiers,
                vec![
                    "537541******4412".to_owned(),
                    "UA213223130000026201234567890".to_owned()
                ]
            );
        }
    }

    #[test]
    fn jars_are_named_savings_accounts_with_a_goal() {
        let jar: Jar = serde_json::from_value(serde_json::json!({
            "id": "jar_1", "sendId": "j", "title": "Відпустка", "description": "",
            "currencyCode": 840, "balance": 150000, "goal": 2000000
        }))
        .unwrap();
        let core = jar_account(&jar).unwrap();
        assert_eq!(core.kind, AccountKind::Savings);
        assert_eq!(core.name.as_deref(), Some("Відпустка"));
        assert_eq!(core.currency.code(), "USD");
        let balance = jar_balance(&jar, Utc::now()).unwrap();
        assert_eq!(balance.available.to_minor().unwrap(), 150_000);
        assert_eq!(balance.goal.unwrap().to_minor().unwrap(), 2_000_000);
        assert_eq!(balance.credit_limit, None);
    }

    #[test]
    fn credit_limit_is_taken_out_of_the_available_balance() {
        let b = account_balance(&wire_account("black", 1_254_033, 1_000_000), Utc::now()).unwrap();
        assert_eq!(b.available.to_minor().unwrap(), 254_033);
        assert_eq!(b.current.unwrap().to_minor().unwrap(), 1_254_033);
        assert_eq!(b.credit_limit.unwrap().to_minor().unwrap(), 1_000_000);
        let in_debt =
            account_balance(&wire_account("black", 900_000, 1_000_000), Utc::now()).unwrap();
        assert_eq!(in_debt.available.to_minor().unwrap(), -100_000);
        let no_credit = account_balance(&wire_account("white", 5_000, 0), Utc::now()).unwrap();
        assert_eq!(no_credit.available.to_minor().unwrap(), 5_000);
        assert_eq!(no_credit.credit_limit, None);
    }

    fn item(json: serde_json::Value) -> StatementItem {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn debit_on_hold_becomes_a_pending_positive_debit() {
        let uah = currency_from_numeric(980).unwrap();
        let t = transaction(
            &item(serde_json::json!({"id":"Tx_8fJ2kQ==","time":1763799000,"description":"Кав'ярня","mcc":5814,
                "originalMcc":5814,"hold":true,"amount":-6500,"operationAmount":-6500,"currencyCode":980,
                "commissionRate":0,"cashbackAmount":65,"balance":1247533,"comment":"на каву"})),
            &AccountId::new("acc"),
            uah,
        )
        .unwrap();
        assert_eq!(t.direction, Direction::Debit);
        assert_eq!(t.amount.to_minor().unwrap(), 6500);
        assert_eq!(t.status, TransactionStatus::Pending);
        assert_eq!(t.original_amount, None);
        assert_eq!(t.balance_after.unwrap().to_minor().unwrap(), 1_247_533);
        assert_eq!(t.mcc, Some(5814));
        assert_eq!(t.comment.as_deref(), Some("на каву"));
        assert_eq!(t.time.timestamp(), 1_763_799_000);
    }

    #[test]
    fn foreign_operation_keeps_its_original_amount() {
        let uah = currency_from_numeric(980).unwrap();
        let t = transaction(
            &item(serde_json::json!({"id":"t","time":1763799000,"description":"Steam","mcc":5816,
                "originalMcc":5816,"hold":false,"amount":-41500,"operationAmount":-1000,"currencyCode":840,
                "commissionRate":0,"cashbackAmount":0,"balance":100})),
            &AccountId::new("acc"),
            uah,
        )
        .unwrap();
        assert_eq!(t.status, TransactionStatus::Booked);
        assert_eq!(t.amount.to_string(), "415.00 UAH");
        assert_eq!(t.original_amount.unwrap().to_string(), "10.00 USD");
        let credit = transaction(
            &item(
                serde_json::json!({"id":"c","time":1,"amount":100,"operationAmount":100,
                "currencyCode":980,"balance":100}),
            ),
            &AccountId::new("acc"),
            uah,
        )
        .unwrap();
        assert_eq!(credit.direction, Direction::Credit);
        assert_eq!(credit.mcc, None);
    }

    #[test]
    fn currency_rates_become_exact_decimals() {
        let info: CurrencyInfo = serde_json::from_str(
            r#"{"currencyCodeA":840,"currencyCodeB":980,"date":1763800000,"rateBuy":41.05,"rateSell":41.6201}"#,
        )
        .unwrap();
        let rate = CurrencyRate::try_from(&info).unwrap();
        assert_eq!(rate.base.code(), "USD");
        assert_eq!(rate.buy, Some(Decimal::new(4105, 2)));
        assert_eq!(rate.sell, Some(Decimal::new(416_201, 4)));
        assert_eq!(rate.cross, None);
        let precise: CurrencyInfo = serde_json::from_str(
            r#"{"currencyCodeA":840,"currencyCodeB":980,"date":1763800000,"rateCross":90071992547409.93}"#,
        )
        .unwrap();
        let cross = CurrencyRate::try_from(&precise).unwrap().cross;
        assert_eq!(cross, Some(Decimal::new(9_007_199_254_740_993, 2)));
        let tiny: CurrencyInfo = serde_json::from_str(
            r#"{"currencyCodeA":840,"currencyCodeB":980,"date":1763800000,"rateCross":0.00001}"#,
        )
        .unwrap();
        assert_eq!(
            CurrencyRate::try_from(&tiny).unwrap().cross,
            Some(Decimal::new(1, 5))
        );
    }
}
