//! The bank behind the Monobank personal API: one client, its accounts, jars and statements.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::DateTime;
use serde_json::{json, Value};

use super::keys::SeededKey;
use super::seed;
use super::wire::{Account, ClientInfo, Jar, StatementItem};
use crate::rng::{base64, mix64};
use crate::sync::lock;
use crate::webhook::{AcceptedStatus, OutgoingWebhook, RetryPolicy};
use crate::{Ledger, LedgerAccount, LedgerTransaction, ProviderContext, SandboxError};

/// Longest statement window: 31 days + 1 hour.
pub(crate) const STATEMENT_WINDOW_SECONDS: i64 = 2_682_000;
/// Most items one statement call returns (the newest of the window).
pub(crate) const STATEMENT_PAGE_SIZE: usize = 500;
/// Each rate-limited endpoint answers once per this many seconds per token.
pub(crate) const RATE_WINDOW_SECONDS: i64 = 60;
/// `/bank/currency` is refreshed at most once per this many seconds: asking again sooner is 429.
pub(crate) const CURRENCY_WINDOW_SECONDS: i64 = 300;
/// Personal webhook: the receiver has this long to answer 200 (real time).
pub(crate) const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
/// Personal webhook: retries after these delays (sandbox clock), then the webhook is off.
pub(crate) const WEBHOOK_RETRY_DELAYS: [Duration; 2] =
    [Duration::from_secs(60), Duration::from_secs(600)];

/// An endpoint with its own rate budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Limited {
    ClientInfo,
    Statement,
}

/// What kind of account, with the fields only that kind has.
#[derive(Debug, Clone)]
pub(crate) enum AccountKind {
    /// A card or FOP account (`ClientInfo.accounts`).
    Card {
        card_type: String,
        credit_limit: i64,
        cashback_type: String,
        masked_pan: Vec<String>,
        iban: String,
    },
    /// A savings jar (`ClientInfo.jars`).
    Jar {
        title: String,
        description: String,
        goal: i64,
    },
}

/// One account or jar with its whole statement.
#[derive(Debug, Clone)]
pub(crate) struct AccountData {
    pub(crate) id: String,
    pub(crate) send_id: String,
    pub(crate) currency_code: u16,
    pub(crate) balance: i64,
    pub(crate) kind: AccountKind,
    /// The seeded statement (never dropped), oldest first; times never decrease.
    pub(crate) items: Vec<StatementItem>,
    /// Items added since seeding (by events), oldest first, after `items` in time; at most
    /// the bank's `max_added_items`, the oldest dropped first.
    pub(crate) added: VecDeque<StatementItem>,
}

impl AccountData {
    /// The whole statement, oldest first.
    pub(crate) fn all_items(&self) -> impl DoubleEndedIterator<Item = &StatementItem> {
        self.items.iter().chain(self.added.iter())
    }
}

/// The whole state of the imitated bank.
#[derive(Debug, Clone)]
pub(crate) struct Bank {
    pub(crate) client_id: String,
    pub(crate) name: String,
    pub(crate) token: String,
    pub(crate) web_hook_url: String,
    /// Cards and FOP accounts first (the first is the default UAH account), then jars.
    pub(crate) accounts: Vec<AccountData>,
    /// Unix second of the last answered request, per token and endpoint.
    pub(crate) last_answered: HashMap<(String, Limited), i64>,
    /// Unix second of the last answered `/bank/currency` (for the whole sandbox: the requests
    /// carry no address to tell callers apart, and local callers share 127.0.0.1 anyway).
    pub(crate) currency_answered_at: Option<i64>,
    pub(crate) id_key: u64,
    pub(crate) next_item: u64,
    /// Items added to one account after seeding that are kept (the oldest go first).
    pub(crate) max_added_items: usize,
}

/// An error the API answers with: status and `errorDescription`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) description: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, description: impl Into<String>) -> Self {
        ApiError {
            status,
            description: description.into(),
        }
    }
}

/// The fields of a new statement item that callers choose.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewItem {
    pub(crate) description: String,
    pub(crate) amount: i64,
    pub(crate) mcc: Option<u16>,
    pub(crate) hold: Option<bool>,
    pub(crate) operation_amount: Option<i64>,
    pub(crate) currency_code: Option<u16>,
    pub(crate) commission_rate: i64,
    pub(crate) cashback_amount: i64,
    pub(crate) comment: Option<String>,
    pub(crate) receipt_id: Option<String>,
    pub(crate) invoice_id: Option<String>,
    pub(crate) counter_edrpou: Option<String>,
    pub(crate) counter_iban: Option<String>,
    pub(crate) counter_name: Option<String>,
}

impl Bank {
    /// A fresh statement item id (unique: `mix64` is a bijection).
    pub(crate) fn new_item_id(&mut self) -> String {
        let id = base64(&mix64(self.id_key.wrapping_add(self.next_item)).to_be_bytes());
        self.next_item += 1;
        id
    }

    /// Index of the account or jar `id` names; `"0"` is the default account.
    pub(crate) fn account_index(&self, id: &str) -> Option<usize> {
        if id == "0" {
            return if self.accounts.is_empty() {
                None
            } else {
                Some(0)
            };
        }
        self.accounts.iter().position(|account| account.id == id)
    }

    /// Appends an item at `time` to account `index`, moving its balance; `None` if there is no
    /// such account. The time is never earlier than the account's newest item, so statements
    /// stay ordered even if the clock was set back. Past the cap of added items, the
    /// account's oldest added item is dropped (its balance stays).
    pub(crate) fn push_item(
        &mut self,
        index: usize,
        time: i64,
        new: NewItem,
    ) -> Option<StatementItem> {
        if index >= self.accounts.len() {
            return None;
        }
        let id = self.new_item_id();
        let account = self.accounts.get_mut(index)?;
        let time = account
            .added
            .back()
            .or(account.items.last())
            .map_or(time, |last| time.max(last.time));
        let balance = account.balance.saturating_add(new.amount);
        let mcc = new.mcc.unwrap_or(if new.amount < 0 { 5999 } else { 4829 });
        let item = StatementItem {
            id,
            time,
            description: new.description,
            mcc,
            original_mcc: mcc,
            hold: new.hold.unwrap_or(false),
            amount: new.amount,
            operation_amount: new.operation_amount.unwrap_or(new.amount),
            currency_code: new.currency_code.unwrap_or(account.currency_code),
            commission_rate: new.commission_rate,
            cashback_amount: new.cashback_amount,
            balance,
            comment: new.comment,
            receipt_id: new.receipt_id,
            invoice_id: new.invoice_id,
            counter_edrpou: new.counter_edrpou,
            counter_iban: new.counter_iban,
            counter_name: new.counter_name,
        };
        account.balance = balance;
        account.added.push_back(item.clone());
        while account.added.len() > self.max_added_items.max(1) {
            account.added.pop_front();
        }
        Some(item)
    }

    /// Makes every item added so far part of the seeded statement (end of seeding).
    pub(crate) fn seal(&mut self) {
        for account in &mut self.accounts {
            let added = std::mem::take(&mut account.added);
            account.items.extend(added);
        }
    }

    pub(crate) fn client_info(&self) -> ClientInfo {
        let mut accounts = Vec::new();
        let mut jars = Vec::new();
        for account in &self.accounts {
            match &account.kind {
                AccountKind::Card {
                    card_type,
                    credit_limit,
                    cashback_type,
                    masked_pan,
                    iban,
                } => accounts.push(Account {
                    id: account.id.clone(),
                    send_id: account.send_id.clone(),
                    balance: account.balance,
                    credit_limit: *credit_limit,
                    kind: card_type.clone(),
                    currency_code: account.currency_code,
                    cashback_type: cashback_type.clone(),
                    masked_pan: masked_pan.clone(),
                    iban: iban.clone(),
                }),
                AccountKind::Jar {
                    title,
                    description,
                    goal,
                } => jars.push(Jar {
                    id: account.id.clone(),
                    send_id: account.send_id.clone(),
                    title: title.clone(),
                    description: description.clone(),
                    currency_code: account.currency_code,
                    balance: account.balance,
                    goal: *goal,
                }),
            }
        }
        ClientInfo {
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            web_hook_url: self.web_hook_url.clone(),
            permissions: "psfj".to_owned(),
            accounts,
            jars,
        }
    }

    /// Items of account `index` with `from <= time <= to`, newest first, at most 500 (the
    /// newest of the window).
    pub(crate) fn statement(&self, index: usize, from: i64, to: i64) -> Vec<StatementItem> {
        let Some(account) = self.accounts.get(index) else {
            return Vec::new();
        };
        let start = account.items.partition_point(|item| item.time < from);
        let end = account.items.partition_point(|item| item.time <= to);
        let added_start = account.added.partition_point(|item| item.time < from);
        let added_end = account.added.partition_point(|item| item.time <= to);
        account
            .added
            .range(added_start..added_end.max(added_start))
            .rev()
            .chain(
                account
                    .items
                    .get(start..end)
                    .unwrap_or_default()
                    .iter()
                    .rev(),
            )
            .take(STATEMENT_PAGE_SIZE)
            .cloned()
            .collect()
    }

    /// Whether `token` already used `endpoint`'s budget in the window ending at `now`.
    pub(crate) fn rate_limited(&self, token: &str, endpoint: Limited, now: i64) -> bool {
        self.last_answered
            .get(&(token.to_owned(), endpoint))
            .is_some_and(|last| now.saturating_sub(*last) < RATE_WINDOW_SECONDS)
    }

    /// Spends `endpoint`'s budget for `token` at `now`.
    pub(crate) fn spend_budget(&mut self, token: &str, endpoint: Limited, now: i64) {
        self.last_answered.insert((token.to_owned(), endpoint), now);
    }

    /// Answers `/bank/currency` at `now` if its window allows: `false` (spending nothing) when
    /// the rates were already answered less than [`CURRENCY_WINDOW_SECONDS`] ago.
    pub(crate) fn take_currency_turn(&mut self, now: i64) -> bool {
        let waited = self
            .currency_answered_at
            .is_none_or(|last| now.saturating_sub(last) >= CURRENCY_WINDOW_SECONDS);
        if waited {
            self.currency_answered_at = Some(now);
        }
        waited
    }

    pub(crate) fn ledger(&self) -> Ledger {
        Ledger {
            accounts: self
                .accounts
                .iter()
                .map(|account| LedgerAccount {
                    id: account.id.clone(),
                    kind: match &account.kind {
                        AccountKind::Card { card_type, .. } if card_type == "fop" => "fop",
                        AccountKind::Card { .. } => "card",
                        AccountKind::Jar { .. } => "jar",
                    }
                    .to_owned(),
                    currency: currency_alpha(account.currency_code),
                    balance_minor: account.balance,
                    transactions: account
                        .all_items()
                        .map(|item| LedgerTransaction {
                            id: item.id.clone(),
                            time: DateTime::from_timestamp(item.time, 0).unwrap_or_default(),
                            amount_minor: item.amount,
                            description: item.description.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// ISO 4217 alphabetic code for the numeric codes this bank uses.
pub(crate) fn currency_alpha(code: u16) -> String {
    match code {
        980 => "UAH".to_owned(),
        840 => "USD".to_owned(),
        978 => "EUR".to_owned(),
        985 => "PLN".to_owned(),
        826 => "GBP".to_owned(),
        other => other.to_string(),
    }
}

/// A statement item just added, with the id of its account.
#[derive(Debug, Clone)]
pub(crate) struct AddedItem {
    pub(crate) account: String,
    pub(crate) item: Value,
}

/// The provider's shared state: the seeded bank and the live one.
#[derive(Debug)]
pub(crate) struct State {
    ctx: ProviderContext,
    seeded: Bank,
    bank: Mutex<Bank>,
    /// The bank's own key: `/bank/sync` serves it, personal webhooks are signed with it.
    server_key: SeededKey,
    /// Whether personal webhooks carry `X-Sign` and `X-Key-Id` (off by default; back to off
    /// on reset).
    sign_personal_webhooks: AtomicBool,
}

impl State {
    pub(crate) fn new(ctx: ProviderContext) -> Arc<Self> {
        let mut seeded = seed::generate(ctx.seed(), ctx.started_at());
        seeded.max_added_items = ctx.state_limits().max_added_transactions;
        let server_key = SeededKey::from_seed(ctx.seed(), "monobank-server-key");
        Arc::new(State {
            ctx,
            bank: Mutex::new(seeded.clone()),
            seeded,
            server_key,
            sign_personal_webhooks: AtomicBool::new(false),
        })
    }

    /// The bank's own key (`/bank/sync`).
    pub(crate) fn server_key(&self) -> &SeededKey {
        &self.server_key
    }

    /// Switches the signing of personal webhooks on or off.
    pub(crate) fn set_sign_personal_webhooks(&self, on: bool) {
        self.sign_personal_webhooks.store(on, Ordering::Relaxed);
    }

    /// Whether personal webhooks are signed.
    pub(crate) fn signs_personal_webhooks(&self) -> bool {
        self.sign_personal_webhooks.load(Ordering::Relaxed)
    }

    pub(crate) fn ctx(&self) -> &ProviderContext {
        &self.ctx
    }

    /// The sandbox clock, in Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        self.ctx.now().timestamp()
    }

    /// Runs `f` with the bank locked (keep `f` short).
    pub(crate) fn with_bank<T>(&self, f: impl FnOnce(&mut Bank) -> T) -> T {
        f(&mut lock(&self.bank))
    }

    pub(crate) fn token(&self) -> String {
        self.with_bank(|bank| bank.token.clone())
    }

    pub(crate) fn reset(&self) {
        *lock(&self.bank) = self.seeded.clone();
        self.set_sign_personal_webhooks(false);
    }

    /// Adds an operation to an account (`None` = the default account) at the clock's now, and
    /// sends the webhook if one is set. Returns the new item as JSON, with its account.
    pub(crate) fn add_operation(
        self: &Arc<Self>,
        account_id: Option<&str>,
        new: NewItem,
    ) -> Result<AddedItem, SandboxError> {
        let now = self.now();
        let (account, item, url) = self.with_bank(|bank| {
            let requested = account_id.unwrap_or("0");
            let index = bank
                .account_index(requested)
                .ok_or_else(|| SandboxError::UnknownAccount(requested.to_owned()))?;
            let item = bank
                .push_item(index, now, new)
                .ok_or_else(|| SandboxError::UnknownAccount(requested.to_owned()))?;
            let account = bank
                .accounts
                .get(index)
                .map(|a| a.id.clone())
                .unwrap_or_default();
            Ok::<_, SandboxError>((account, item, bank.web_hook_url.clone()))
        })?;
        let item = serde_json::to_value(&item)
            .map_err(|error| SandboxError::InvalidEvent(error.to_string()))?;
        if !url.is_empty() {
            self.send_webhook(url, &account, &item);
        }
        Ok(AddedItem { account, item })
    }

    fn send_webhook(self: &Arc<Self>, url: String, account: &str, item: &Value) {
        let body = json!({
            "type": "StatementItem",
            "data": { "account": account, "statementItem": item },
        });
        let state: Weak<State> = Arc::downgrade(self);
        let policy = RetryPolicy {
            attempt_timeout: WEBHOOK_TIMEOUT,
            retry_delays: WEBHOOK_RETRY_DELAYS.to_vec(),
            accepted: AcceptedStatus::Exactly(200),
        };
        let mut webhook = OutgoingWebhook::new(url, "StatementItem", body)
            .policy(policy)
            .on_give_up(Arc::new(move |delivery| {
                if let Some(state) = state.upgrade() {
                    state.switch_off_webhook(&delivery.url);
                }
            }));
        if self.signs_personal_webhooks() {
            let sign = self.server_key.sign_base64(&webhook.body_bytes());
            webhook = webhook
                .header("X-Sign", sign)
                .header("X-Key-Id", self.server_key.key_id());
        }
        self.ctx.webhooks().send(webhook);
    }

    /// After the last retry failed the bank switches the webhook off (if it still points there).
    fn switch_off_webhook(&self, url: &str) {
        self.with_bank(|bank| {
            if bank.web_hook_url == url {
                bank.web_hook_url.clear();
            }
        });
    }
}
