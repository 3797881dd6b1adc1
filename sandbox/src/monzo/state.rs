//! The seeded Monzo user and everything that changes: accounts, pots, transactions, tokens,
//! webhooks, receipts, attachments and uploads.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use serde_json::{json, Value};

use super::history::Transactions;
use super::seed;
use super::wire::{
    self, Attachment, Balance, LocalSpend, Pot, Receipt, TokenResponse, Transaction,
};
use crate::bounded::BoundedMap;
use crate::limits::StateLimits;
use crate::rng::{mix64, SeededRng};
use crate::sync::lock;
use crate::time::later;
use crate::time::{after, rfc3339};
use crate::{Ledger, LedgerAccount, LedgerTransaction, ProviderContext};

/// Lifetime of an access token (`expires_in`).
pub(crate) const ACCESS_TOKEN_SECONDS: i64 = 21_600;
/// Lifetime of an authorisation code.
pub(crate) const CODE_SECONDS: i64 = 600;
/// After approval in the app, the full history can be read for this long.
pub(crate) const FULL_HISTORY_SECONDS: i64 = 300;
/// After that, only this many days back.
pub(crate) const HISTORY_DAYS: i64 = 90;
/// The seeded authorisation's number.
pub(crate) const SEEDED_GRANT: usize = 0;

/// An error answer: status, dotted `code` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    pub(crate) fn missing_param(name: &str) -> Self {
        Self::new(
            400,
            format!("bad_request.missing_param.{name}"),
            format!("Missing required parameter: {name}"),
        )
    }

    pub(crate) fn bad_param(name: &str, why: &str) -> Self {
        Self::new(
            400,
            format!("bad_request.bad_param.{name}"),
            format!("Bad parameter {name}: {why}"),
        )
    }

    pub(crate) fn not_found(what: &str) -> Self {
        Self::new(
            404,
            format!("not_found.{what}_not_found"),
            format!("Could not find {}", what.replace('_', " ")),
        )
    }
}

/// What became of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenState {
    Active,
    /// A refresh token already exchanged.
    Used,
    /// Replaced by a newer token of the same client and user.
    Evicted,
    LoggedOut,
}

/// One authorisation (a login through the consent page, or the seeded one).
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    /// When the user approved it in the app; `None` while waiting.
    pub(crate) approved_at: Option<DateTime<Utc>>,
    /// How many kept tokens belong to it (it is dropped with the last one).
    pub(crate) tokens: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessToken {
    pub(crate) grant: usize,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) state: TokenState,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshToken {
    pub(crate) grant: usize,
    pub(crate) state: TokenState,
}

#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub(crate) redirect_uri: String,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) used: bool,
}

/// How a new authorisation gets approved in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApprovalMode {
    /// At once (third-party clients work unchanged).
    Automatic,
    /// Only through the `approve` control event.
    Manual,
}

/// What the consent page does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Consent {
    Allow,
    Refuse,
}

/// The one OAuth client.
#[derive(Debug, Clone)]
pub(crate) struct OAuthClient {
    pub(crate) id: String,
    pub(crate) secret: String,
    pub(crate) redirect_uri: String,
}

/// The seeded user.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// An account and its balance (excluding pots).
#[derive(Debug, Clone)]
pub(crate) struct AccountData {
    pub(crate) wire: wire::Account,
    pub(crate) balance: i64,
}

/// A file announced by `POST /attachment/upload`.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) file_type: String,
    pub(crate) content_length: usize,
    pub(crate) bytes: Option<Vec<u8>>,
}

/// Why storing an upload's bytes failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadError {
    /// No such upload (never announced, expired or dropped).
    NoSuchKey,
    /// A `PUT` whose body is not the announced `content_length`.
    WrongLength,
    /// Larger than all uploads together may be.
    TooLarge,
}

/// Which way money moves for a pot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PotMove {
    Deposit,
    Withdraw,
}

/// What a new transaction looks like.
#[derive(Debug, Clone)]
pub(crate) struct NewTransaction {
    pub(crate) account: usize,
    pub(crate) created: DateTime<Utc>,
    pub(crate) amount: i64,
    pub(crate) description: String,
    pub(crate) category: String,
    pub(crate) merchant: Option<String>,
    pub(crate) counterparty: Value,
    pub(crate) scheme: String,
    pub(crate) is_load: bool,
    pub(crate) settled: Option<DateTime<Utc>>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) include_in_spending: bool,
    pub(crate) decline_reason: Option<String>,
    pub(crate) dedupe_id: Option<String>,
}

impl NewTransaction {
    /// A settled transaction with no merchant or counterparty, in category `general`.
    pub(crate) fn new(
        account: usize,
        created: DateTime<Utc>,
        amount: i64,
        description: impl Into<String>,
    ) -> Self {
        NewTransaction {
            account,
            created,
            amount,
            description: description.into(),
            category: "general".to_owned(),
            merchant: None,
            counterparty: json!({}),
            scheme: "mastercard".to_owned(),
            is_load: false,
            settled: Some(created),
            metadata: BTreeMap::new(),
            include_in_spending: amount < 0,
            decline_reason: None,
            dedupe_id: None,
        }
    }
}

/// Everything the sandbox knows about its one Monzo user and OAuth client.
///
/// What grows with requests is bounded by [`StateLimits`]: tokens and codes expire (plus the
/// grace) and are capped, uploads expire and are capped in count and bytes, attachments,
/// receipts, pot moves, webhooks and added transactions are capped; seeded data is pinned.
#[derive(Debug, Clone)]
pub(crate) struct Bank {
    pub(crate) client: OAuthClient,
    pub(crate) user: User,
    pub(crate) accounts: Vec<AccountData>,
    pub(crate) pots: Vec<Pot>,
    /// Every account's transactions, oldest first per account.
    pub(crate) transactions: Transactions,
    /// The seeded merchants.
    pub(crate) merchants: Vec<wire::Merchant>,
    /// Merchants events made up (by id), at most the cap of added transactions.
    pub(crate) added_merchants: BoundedMap<String, wire::Merchant>,
    /// Their ids by name in lower case.
    pub(crate) added_merchant_names: HashMap<String, String>,
    pub(crate) grants: HashMap<usize, Grant>,
    pub(crate) next_grant: usize,
    pub(crate) access_tokens: BoundedMap<String, AccessToken>,
    pub(crate) refresh_tokens: BoundedMap<String, RefreshToken>,
    /// The one active access token, if any (a new one evicts it).
    pub(crate) live_access: Option<String>,
    /// The one active refresh token, if any.
    pub(crate) live_refresh: Option<String>,
    pub(crate) codes: BoundedMap<String, AuthCode>,
    pub(crate) approval: ApprovalMode,
    pub(crate) consent: Consent,
    pub(crate) seeded_access_token: String,
    pub(crate) seeded_refresh_token: String,
    pub(crate) webhooks: Vec<wire::Webhook>,
    /// Receipts by `external_id`.
    pub(crate) receipts: BoundedMap<String, Receipt>,
    pub(crate) uploads: BoundedMap<String, Upload>,
    /// Bytes stored by every kept upload together.
    pub(crate) upload_bytes: usize,
    /// Attachment id → the id of the transaction it is registered on.
    pub(crate) attachments: BoundedMap<String, String>,
    pub(crate) pot_moves: BoundedMap<(String, PotMove, String), Pot>,
    pub(crate) feed_items: usize,
    pub(crate) limits: StateLimits,
    pub(crate) id_key: u64,
    pub(crate) next_id: u64,
}

impl Bank {
    /// A fresh random generator for one id or token (deterministic from the seed).
    pub(crate) fn rng(&mut self) -> SeededRng {
        self.next_id += 1;
        SeededRng::new(mix64(self.id_key.wrapping_add(self.next_id)))
    }

    /// A new object id like `tx_0000AbC…`.
    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        let tail = self.rng().alnum(18);
        format!("{prefix}_0000{tail}")
    }

    /// A new opaque token (JWT-shaped, like Monzo's).
    pub(crate) fn new_token(&mut self) -> String {
        let mut rng = self.rng();
        format!(
            "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{}.{}",
            rng.id(140),
            rng.id(86)
        )
    }

    // ---- tokens ------------------------------------------------------------------------

    /// Issues a new access and refresh token for `grant`: every other access token of the
    /// client and user is evicted, and so are refresh tokens of other grants.
    pub(crate) fn issue_tokens(&mut self, grant: usize, now: DateTime<Utc>) -> TokenResponse {
        if let Some(old) = self.live_access.take() {
            if let Some(token) = self.access_tokens.get_mut(&old) {
                if token.state == TokenState::Active {
                    token.state = TokenState::Evicted;
                }
            }
        }
        if let Some(old) = self.live_refresh.take() {
            let other_grant = self
                .refresh_tokens
                .get(&old)
                .is_some_and(|t| t.state == TokenState::Active && t.grant != grant);
            if other_grant {
                self.retire_refresh(&old, TokenState::Evicted, now);
            }
        }
        let access = self.new_token();
        let refresh = self.new_token();
        let expires_at = after(now, ACCESS_TOKEN_SECONDS);
        let drop_at = later(expires_at, self.limits.token_grace_delta());
        self.take_token(grant);
        let dropped = self.access_tokens.insert(
            access.clone(),
            AccessToken {
                grant,
                expires_at,
                state: TokenState::Active,
            },
            Some(drop_at),
            self.limits.max_tokens,
        );
        for (_, token) in dropped {
            self.release_grant(token.grant);
        }
        self.take_token(grant);
        let dropped = self.refresh_tokens.insert(
            refresh.clone(),
            RefreshToken {
                grant,
                state: TokenState::Active,
            },
            None,
            self.limits.max_tokens,
        );
        for (_, token) in dropped {
            self.release_grant(token.grant);
        }
        self.live_access = Some(access.clone());
        self.live_refresh = Some(refresh.clone());
        self.token_response(access, refresh)
    }

    /// Puts a refresh token out of use: kept for the grace, then dropped.
    fn retire_refresh(&mut self, token: &str, state: TokenState, now: DateTime<Utc>) {
        if let Some(found) = self.refresh_tokens.get_mut(token) {
            found.state = state;
            let drop_at = later(now, self.limits.token_grace_delta());
            self.refresh_tokens.rerank(token, Some(drop_at));
        }
        if self.live_refresh.as_deref() == Some(token) {
            self.live_refresh = None;
        }
    }

    /// Counts a new token of `grant`.
    fn take_token(&mut self, grant: usize) {
        if let Some(found) = self.grants.get_mut(&grant) {
            found.tokens += 1;
        }
    }

    /// Uncounts a dropped token of `grant`; drops the grant with its last token (never the
    /// seeded one).
    fn release_grant(&mut self, grant: usize) {
        let Some(found) = self.grants.get_mut(&grant) else {
            return;
        };
        found.tokens = found.tokens.saturating_sub(1);
        if found.tokens == 0 && grant != SEEDED_GRANT {
            self.grants.remove(&grant);
        }
    }

    pub(crate) fn token_response(&self, access: String, refresh: String) -> TokenResponse {
        TokenResponse {
            access_token: access,
            client_id: self.client.id.clone(),
            expires_in: ACCESS_TOKEN_SECONDS,
            refresh_token: refresh,
            token_type: "Bearer".to_owned(),
            user_id: self.user.id.clone(),
        }
    }

    /// The grant of a usable access token.
    pub(crate) fn authenticate(&self, token: &str, now: DateTime<Utc>) -> Result<usize, ApiError> {
        let bad = |code: &str, message: &str| ApiError::new(401, code, message);
        let Some(found) = self.access_tokens.get(token) else {
            return Err(bad(
                "unauthorized.bad_access_token",
                "Access token is not valid",
            ));
        };
        match found.state {
            TokenState::Active | TokenState::Used => {}
            TokenState::Evicted => {
                return Err(bad(
                    "unauthorized.bad_access_token.evicted",
                    "Access token has been evicted by a newer token",
                ))
            }
            TokenState::LoggedOut => {
                return Err(bad(
                    "unauthorized.bad_access_token",
                    "Access token has been revoked",
                ))
            }
        }
        if now >= found.expires_at {
            return Err(bad(
                "unauthorized.bad_access_token.expired",
                "Access token has expired",
            ));
        }
        Ok(found.grant)
    }

    /// Whether the user approved `grant` in the app.
    pub(crate) fn approved(&self, grant: usize) -> Option<DateTime<Utc>> {
        self.grants.get(&grant).and_then(|g| g.approved_at)
    }

    /// Exchanges a single-use refresh token for a new pair.
    pub(crate) fn refresh(
        &mut self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenResponse, ApiError> {
        let Some(found) = self.refresh_tokens.get(refresh_token) else {
            return Err(ApiError::new(
                401,
                "unauthorized.bad_refresh_token",
                "Bad refresh token",
            ));
        };
        match found.state {
            TokenState::Active => {}
            TokenState::Evicted => {
                return Err(ApiError::new(
                    401,
                    "unauthorized.bad_refresh_token.evicted",
                    "Refresh token has been evicted by a newer login",
                ))
            }
            TokenState::Used | TokenState::LoggedOut => {
                return Err(ApiError::new(
                    401,
                    "unauthorized.bad_refresh_token",
                    "Bad refresh token",
                ))
            }
        }
        let grant = found.grant;
        self.retire_refresh(refresh_token, TokenState::Used, now);
        Ok(self.issue_tokens(grant, now))
    }

    /// Exchanges an authorisation code: a new grant, approved at once in automatic mode.
    pub(crate) fn exchange_code(
        &mut self,
        code: &str,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenResponse, ApiError> {
        let invalid = || {
            ApiError::new(
                400,
                "bad_request.bad_param.invalid_code",
                "Authorization code is not valid",
            )
        };
        let found = self.codes.get_mut(code).ok_or_else(invalid)?;
        if found.used || now >= found.expires_at {
            return Err(invalid());
        }
        if found.redirect_uri != redirect_uri {
            return Err(ApiError::bad_param(
                "redirect_uri",
                "does not match the authorisation request",
            ));
        }
        found.used = true;
        let approved_at = match self.approval {
            ApprovalMode::Automatic => Some(now),
            ApprovalMode::Manual => None,
        };
        let grant = self.next_grant;
        self.next_grant += 1;
        self.grants.insert(
            grant,
            Grant {
                approved_at,
                tokens: 0,
            },
        );
        Ok(self.issue_tokens(grant, now))
    }

    /// A new authorisation code for `redirect_uri`, kept until its expiry plus the grace.
    pub(crate) fn new_code(&mut self, redirect_uri: &str, now: DateTime<Utc>) -> String {
        let mut rng = self.rng();
        let code = format!("eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.{}", rng.id(96));
        let expires_at = after(now, CODE_SECONDS);
        let drop_at = later(expires_at, self.limits.token_grace_delta());
        self.codes.insert(
            code.clone(),
            AuthCode {
                redirect_uri: redirect_uri.to_owned(),
                expires_at,
                used: false,
            },
            Some(drop_at),
            self.limits.max_consents,
        );
        code
    }

    /// Revokes the access token and its grant's live refresh token.
    pub(crate) fn logout(&mut self, token: &str, now: DateTime<Utc>) {
        let Some(found) = self.access_tokens.get_mut(token) else {
            return;
        };
        found.state = TokenState::LoggedOut;
        let grant = found.grant;
        if self.live_access.as_deref() == Some(token) {
            self.live_access = None;
        }
        if let Some(live) = self.live_refresh.clone() {
            let of_grant = self
                .refresh_tokens
                .get(&live)
                .is_some_and(|t| t.grant == grant && t.state == TokenState::Active);
            if of_grant {
                self.retire_refresh(&live, TokenState::LoggedOut, now);
            }
        }
    }

    /// Approves every grant still waiting; returns how many.
    pub(crate) fn approve_all(&mut self, now: DateTime<Utc>) -> usize {
        let mut approved = 0;
        for grant in self.grants.values_mut() {
            if grant.approved_at.is_none() {
                grant.approved_at = Some(now);
                approved += 1;
            }
        }
        approved
    }

    /// Stamps the seeded authorisation as issued and approved at `now` (start and reset).
    pub(crate) fn restamp_seeded_session(&mut self, now: DateTime<Utc>) {
        if let Some(grant) = self.grants.get_mut(&SEEDED_GRANT) {
            grant.approved_at = Some(now);
        }
        let access = self.seeded_access_token.clone();
        if let Some(token) = self.access_tokens.get_mut(&access) {
            token.expires_at = after(now, ACCESS_TOKEN_SECONDS);
        }
    }

    /// Makes everything generated so far seeded: never dropped, never counted (end of seed).
    pub(crate) fn pin_seeded(&mut self) {
        let access = self.seeded_access_token.clone();
        let refresh = self.seeded_refresh_token.clone();
        self.access_tokens.pin_existing(&access);
        self.refresh_tokens.pin_existing(&refresh);
        self.transactions.seal();
    }

    /// Drops tokens, codes and uploads whose time has come.
    pub(crate) fn expire(&mut self, now: DateTime<Utc>) {
        let mut released = Vec::new();
        released.extend(
            self.access_tokens
                .expire(now)
                .into_iter()
                .map(|(_, t)| t.grant),
        );
        released.extend(
            self.refresh_tokens
                .expire(now)
                .into_iter()
                .map(|(_, t)| t.grant),
        );
        for grant in released {
            self.release_grant(grant);
        }
        self.codes.expire(now);
        for (_, upload) in self.uploads.expire(now) {
            self.forget_upload(&upload);
        }
    }

    // ---- uploads, attachments, receipts, webhooks --------------------------------------

    /// Announces an upload (no bytes yet), kept for the upload lifetime.
    pub(crate) fn announce_upload(&mut self, key: String, upload: Upload, now: DateTime<Utc>) {
        let drop_at = later(now, self.limits.upload_lifetime_delta());
        let dropped = self
            .uploads
            .insert(key, upload, Some(drop_at), self.limits.max_uploads);
        for (_, old) in dropped {
            self.forget_upload(&old);
        }
    }

    /// Stores an announced upload's bytes (a `PUT` must send exactly its `content_length`);
    /// the oldest other uploads go to make room, and it is kept for the upload lifetime
    /// from now.
    pub(crate) fn store_upload(
        &mut self,
        key: &str,
        bytes: Vec<u8>,
        exact_length: bool,
        now: DateTime<Utc>,
    ) -> Result<(), UploadError> {
        let upload = self.uploads.get(key).ok_or(UploadError::NoSuchKey)?;
        if exact_length && bytes.len() != upload.content_length {
            return Err(UploadError::WrongLength);
        }
        if bytes.len() > self.limits.max_upload_bytes {
            return Err(UploadError::TooLarge);
        }
        let Some(mut upload) = self.uploads.remove(key) else {
            return Err(UploadError::NoSuchKey);
        };
        self.forget_upload(&upload);
        while self.upload_bytes.saturating_add(bytes.len()) > self.limits.max_upload_bytes {
            match self
                .uploads
                .pop_first_where(|upload| upload.bytes.is_some())
            {
                Some((_, old)) => self.forget_upload(&old),
                None => break,
            }
        }
        self.upload_bytes = self.upload_bytes.saturating_add(bytes.len());
        upload.bytes = Some(bytes);
        self.announce_upload(key.to_owned(), upload, now);
        Ok(())
    }

    /// Uncounts a dropped upload's bytes.
    fn forget_upload(&mut self, upload: &Upload) {
        let stored = upload.bytes.as_ref().map_or(0, Vec::len);
        self.upload_bytes = self.upload_bytes.saturating_sub(stored);
    }

    /// Registers an attachment on a transaction; past the cap the oldest one is deregistered.
    /// `false` for an unknown transaction.
    pub(crate) fn register_attachment(&mut self, attachment: Attachment) -> bool {
        let transaction_id = attachment.external_id.clone();
        let attachment_id = attachment.id.clone();
        let Some(transaction) = self.transactions.get_mut(&transaction_id) else {
            return false;
        };
        transaction
            .attachments
            .get_or_insert_with(Vec::new)
            .push(attachment);
        let dropped = self.attachments.insert(
            attachment_id,
            transaction_id,
            None,
            self.limits.max_attachments,
        );
        for (id, transaction_id) in dropped {
            self.detach(&transaction_id, &id);
        }
        true
    }

    /// Deregisters an attachment; `false` when there is no such attachment.
    pub(crate) fn deregister_attachment(&mut self, id: &str) -> bool {
        match self.attachments.remove(id) {
            Some(transaction_id) => {
                self.detach(&transaction_id, id);
                true
            }
            None => false,
        }
    }

    /// Removes attachment `id` from its transaction's list.
    fn detach(&mut self, transaction_id: &str, id: &str) {
        let Some(transaction) = self.transactions.get_mut(transaction_id) else {
            return;
        };
        if let Some(attachments) = &mut transaction.attachments {
            attachments.retain(|a| a.id != id);
            if attachments.is_empty() {
                transaction.attachments = None;
            }
        }
    }

    /// Creates or replaces (keeping its place) the receipt of `receipt.external_id`; past
    /// the cap the oldest receipt is dropped.
    pub(crate) fn put_receipt(&mut self, receipt: Receipt) {
        if let Some(existing) = self.receipts.get_mut(&receipt.external_id) {
            *existing = receipt;
            return;
        }
        self.receipts.insert(
            receipt.external_id.clone(),
            receipt,
            None,
            self.limits.max_receipts,
        );
    }

    /// Adds a webhook; past the cap per account, that account's oldest webhook is dropped.
    pub(crate) fn add_webhook(&mut self, webhook: wire::Webhook) {
        let account = webhook.account_id.clone();
        self.webhooks.push(webhook);
        let count = self
            .webhooks
            .iter()
            .filter(|w| w.account_id == account)
            .count();
        if count > self.limits.max_webhooks_per_account.max(1) {
            if let Some(oldest) = self.webhooks.iter().position(|w| w.account_id == account) {
                self.webhooks.remove(oldest);
            }
        }
    }

    /// How many of each kind of state are held (see [`crate::SandboxProvider::state_sizes`]).
    pub(crate) fn sizes(&self) -> Value {
        json!({
            "access_tokens": self.access_tokens.len(),
            "refresh_tokens": self.refresh_tokens.len(),
            "grants": self.grants.len(),
            "codes": self.codes.len(),
            "uploads": self.uploads.len(),
            "upload_bytes": self.upload_bytes,
            "attachments": self.attachments.len(),
            "receipts": self.receipts.len(),
            "webhooks": self.webhooks.len(),
            "added_transactions": self.transactions.added(),
            "added_merchants": self.added_merchants.len(),
            "pot_moves": self.pot_moves.len(),
        })
    }

    // ---- accounts, pots, balances ------------------------------------------------------

    pub(crate) fn account_index(&self, id: &str) -> Option<usize> {
        self.accounts.iter().position(|a| a.wire.id == id)
    }

    /// The index of the default account: the first open `uk_retail` one.
    pub(crate) fn main_account(&self) -> Option<usize> {
        self.accounts
            .iter()
            .position(|a| a.wire.account_type == "uk_retail" && !a.wire.closed)
    }

    pub(crate) fn pot_index(&self, id: &str) -> Option<usize> {
        self.pots.iter().position(|p| p.id == id)
    }

    /// `GET /balance` for account `index` at `now`.
    pub(crate) fn balance(&self, index: usize, now: DateTime<Utc>) -> Option<Balance> {
        let account = self.accounts.get(index)?;
        let id = &account.wire.id;
        let pots = self
            .pots
            .iter()
            .filter(|p| &p.current_account_id == id && !p.deleted);
        let all_pots = pots.clone().map(|p| p.balance).fold(0, i64::saturating_add);
        let flexible = pots
            .filter(|p| p.pot_type == "flexible_savings")
            .map(|p| p.balance)
            .fold(0, i64::saturating_add);
        let day_start = spending_day_start(now);
        // Creation times never decrease within an account: today's are the newest.
        let spend_today: i64 = self
            .transactions
            .of_account(index)
            .rev()
            .take_while(|stored| stored.created >= day_start)
            .filter(|stored| stored.created <= now)
            .map(|stored| &stored.transaction)
            .filter(|t| t.amount < 0)
            .filter(|t| t.include_in_spending && t.decline_reason.is_none())
            .map(|t| t.amount)
            .fold(0, i64::saturating_add);
        let currency = account.wire.currency.clone();
        Some(Balance {
            balance: account.balance,
            total_balance: account.balance.saturating_add(all_pots),
            balance_including_flexible_savings: account.balance.saturating_add(flexible),
            currency: currency.clone(),
            spend_today,
            local_currency: String::new(),
            local_exchange_rate: 0,
            local_spend: if spend_today == 0 {
                Vec::new()
            } else {
                vec![LocalSpend {
                    spend_today,
                    currency,
                }]
            },
        })
    }

    /// Moves money between a pot and its current account, once per dedupe id.
    pub(crate) fn move_pot(
        &mut self,
        pot_id: &str,
        direction: PotMove,
        account_id: &str,
        amount: i64,
        dedupe_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Pot, ApiError> {
        let account_param = match direction {
            PotMove::Deposit => "source_account_id",
            PotMove::Withdraw => "destination_account_id",
        };
        let pot_index = self
            .pot_index(pot_id)
            .ok_or_else(|| ApiError::not_found("pot"))?;
        let key = (pot_id.to_owned(), direction, dedupe_id.to_owned());
        if let Some(done) = self.pot_moves.get(&key) {
            return Ok(done.clone());
        }
        let pot = self.pots[pot_index].clone();
        if pot.deleted {
            return Err(ApiError::not_found("pot"));
        }
        if pot.current_account_id != account_id {
            return Err(ApiError::bad_param(
                account_param,
                "must be the pot's current account",
            ));
        }
        let account = self
            .account_index(account_id)
            .ok_or_else(|| ApiError::bad_param(account_param, "unknown account"))?;
        if amount <= 0 {
            return Err(ApiError::bad_param("amount", "must be a positive integer"));
        }
        match direction {
            PotMove::Deposit => {
                if self.accounts[account].balance < amount {
                    return Err(ApiError::new(
                        400,
                        "bad_request.insufficient_funds",
                        "Insufficient funds in the source account",
                    ));
                }
            }
            PotMove::Withdraw => {
                if pot.locked {
                    return Err(ApiError::new(
                        403,
                        "forbidden.pot_locked",
                        "This pot is locked and cannot be withdrawn from through the API",
                    ));
                }
                if pot.balance < amount {
                    return Err(ApiError::new(
                        400,
                        "bad_request.insufficient_funds",
                        "Insufficient funds in the pot",
                    ));
                }
            }
        }
        let signed = match direction {
            PotMove::Deposit => -amount,
            PotMove::Withdraw => amount,
        };
        // Both sides must stay representable; checked before anything changes.
        let too_large = || ApiError::bad_param("amount", "is too large for the balance");
        let pot_balance = pot.balance.checked_sub(signed).ok_or_else(too_large)?;
        if self.accounts[account].balance.checked_add(signed).is_none() {
            return Err(too_large());
        }
        let mut new = NewTransaction::new(account, now, signed, pot_id);
        new.category = "savings".to_owned();
        new.scheme = "uk_retail_pot".to_owned();
        new.include_in_spending = false;
        new.dedupe_id = Some(dedupe_id.to_owned());
        new.metadata.insert("pot_id".to_owned(), pot_id.to_owned());
        new.metadata.insert("trigger".to_owned(), "user".to_owned());
        new.metadata
            .insert("user_id".to_owned(), self.user.id.clone());
        new.metadata.insert(
            "external_id".to_owned(),
            format!("user_pot_transfer:{dedupe_id}"),
        );
        self.push_transaction(new).ok_or_else(too_large)?;
        let updated = &mut self.pots[pot_index];
        updated.balance = pot_balance;
        updated.updated = rfc3339(now);
        let result = updated.clone();
        self.pot_moves
            .insert(key, result.clone(), None, self.limits.max_pot_moves);
        Ok(result)
    }

    // ---- transactions ------------------------------------------------------------------

    /// Whether `amount` can be added to account `index`'s balance without overflow (`false`
    /// for an unknown account).
    pub(crate) fn can_move(&self, index: usize, amount: i64) -> bool {
        self.accounts
            .get(index)
            .is_some_and(|account| account.balance.checked_add(amount).is_some())
    }

    /// Appends a transaction and moves its account's balance (unless declined). Its time is
    /// never before the account's newest transaction, so lists stay ordered. Past the cap of
    /// added transactions, the account's oldest added one is dropped (with its attachments).
    /// `None`, with nothing changed, for an unknown account or when the balance would
    /// overflow.
    pub(crate) fn push_transaction(&mut self, new: NewTransaction) -> Option<Transaction> {
        let declined = new.decline_reason.is_some();
        let account = self.accounts.get(new.account)?;
        let new_balance = if declined {
            None
        } else {
            Some(account.balance.checked_add(new.amount)?)
        };
        let account_id = account.wire.id.clone();
        let id = self.new_id("tx");
        let newest = self
            .transactions
            .newest(new.account)
            .map(|stored| stored.created);
        let created = newest.map_or(new.created, |last| new.created.max(last));
        let settled = new.settled.map(|s| s.max(created));
        let category = new.category;
        let categories = if new.amount < 0 && new.include_in_spending && !declined {
            Some(BTreeMap::from([(category.clone(), new.amount)]))
        } else {
            None
        };
        let currency = self
            .accounts
            .get(new.account)
            .map(|a| a.wire.currency.clone())
            .unwrap_or_else(|| "GBP".to_owned());
        let transaction = Transaction {
            dedupe_id: new
                .dedupe_id
                .unwrap_or_else(|| id.replacen("tx_", "dd_", 1)),
            id,
            created: rfc3339(created),
            description: new.description,
            amount: new.amount,
            fees: BTreeMap::new(),
            currency: currency.clone(),
            merchant: new.merchant.map_or(Value::Null, Value::String),
            notes: String::new(),
            metadata: new.metadata,
            labels: None,
            attachments: None,
            international: None,
            category,
            categories,
            is_load: new.is_load,
            settled: settled.map(rfc3339).unwrap_or_default(),
            local_amount: new.amount,
            local_currency: currency,
            updated: rfc3339(settled.unwrap_or(created)),
            account_id,
            user_id: self.user.id.clone(),
            counterparty: new.counterparty,
            scheme: new.scheme,
            originator: new.amount < 0,
            include_in_spending: new.include_in_spending && !declined,
            can_be_excluded_from_breakdown: new.amount < 0 && !declined,
            can_be_made_subscription: new.amount < 0 && !declined,
            can_split_the_bill: new.amount < 0 && !declined,
            can_add_to_tab: new.amount < 0 && !declined,
            can_match_transactions_in_categorization: !declined,
            amount_is_pending: false,
            atm_fees_detailed: None,
            parent_account_id: String::new(),
            decline_reason: new.decline_reason,
        };
        if let (Some(balance), Some(account)) = (new_balance, self.accounts.get_mut(new.account)) {
            account.balance = balance;
        }
        // The time as written (milliseconds), which is what clients compare with.
        let written = parse_time(&transaction.created).unwrap_or(created);
        let dropped = self.transactions.push(
            new.account,
            transaction.clone(),
            written,
            self.limits.max_added_transactions,
        );
        for old in dropped {
            for attachment in old.attachments.into_iter().flatten() {
                self.attachments.remove(&attachment.id);
            }
        }
        Some(transaction)
    }

    /// The merchant with this id (seeded, or made up by an event and still kept).
    pub(crate) fn merchant(&self, id: &str) -> Option<&wire::Merchant> {
        self.merchants
            .iter()
            .find(|m| m.id == id)
            .or_else(|| self.added_merchants.get(id))
    }

    /// Keeps a merchant an event made up under `name` (lower case); past the cap of added
    /// transactions, the oldest such merchant is dropped.
    pub(crate) fn add_merchant(&mut self, name: String, merchant: wire::Merchant) {
        self.added_merchant_names.insert(name, merchant.id.clone());
        let dropped = self.added_merchants.insert(
            merchant.id.clone(),
            merchant,
            None,
            self.limits.max_added_transactions,
        );
        for (_, old) in dropped {
            self.added_merchant_names
                .remove(&old.name.to_ascii_lowercase());
        }
    }

    /// A transaction as JSON, with the merchant object when `expand_merchant`.
    pub(crate) fn transaction_json(
        &self,
        transaction: &Transaction,
        expand_merchant: bool,
    ) -> Value {
        let mut value = serde_json::to_value(transaction).unwrap_or(Value::Null);
        if expand_merchant {
            if let Some(merchant) = transaction
                .merchant
                .as_str()
                .and_then(|id| self.merchant(id))
            {
                if let Some(object) = value.as_object_mut() {
                    object.insert(
                        "merchant".to_owned(),
                        serde_json::to_value(merchant).unwrap_or(Value::Null),
                    );
                }
            }
        }
        value
    }

    // ---- ledger ------------------------------------------------------------------------

    pub(crate) fn ledger(&self) -> Ledger {
        let mut accounts: Vec<LedgerAccount> = self
            .accounts
            .iter()
            .enumerate()
            .map(|(index, account)| LedgerAccount {
                id: account.wire.id.clone(),
                kind: account.wire.account_type.clone(),
                currency: account.wire.currency.clone(),
                balance_minor: account.balance,
                transactions: self
                    .transactions
                    .of_account(index)
                    .map(|stored| LedgerTransaction {
                        id: stored.transaction.id.clone(),
                        time: stored.created,
                        amount_minor: stored.transaction.amount,
                        description: stored.transaction.description.clone(),
                    })
                    .collect(),
            })
            .collect();
        accounts.extend(
            self.pots
                .iter()
                .filter(|p| !p.deleted)
                .map(|pot| LedgerAccount {
                    id: pot.id.clone(),
                    kind: "pot".to_owned(),
                    currency: pot.currency.clone(),
                    balance_minor: pot.balance,
                    transactions: Vec::new(),
                }),
        );
        Ledger { accounts }
    }
}

/// Parses an RFC 3339 time.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Monzo counts `spend_today` from about 4am; the sandbox uses 04:00 UTC.
fn spending_day_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let four = now
        .with_hour(4)
        .and_then(|t| t.with_minute(0))
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    if four > now {
        four - TimeDelta::days(1)
    } else {
        four
    }
}

/// The provider's shared state: the seeded bank and the live one.
#[derive(Debug)]
pub(crate) struct State {
    ctx: ProviderContext,
    seeded: Bank,
    bank: Mutex<Bank>,
}

impl State {
    pub(crate) fn new(ctx: ProviderContext) -> Arc<Self> {
        let mut seeded = seed::generate(ctx.seed(), ctx.started_at());
        seeded.limits = ctx.state_limits().clone();
        let mut live = seeded.clone();
        live.restamp_seeded_session(ctx.now());
        Arc::new(State {
            ctx,
            bank: Mutex::new(live),
            seeded,
        })
    }

    pub(crate) fn ctx(&self) -> &ProviderContext {
        &self.ctx
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }

    /// Runs `f` with the bank locked (keep `f` short), after dropping what expired.
    pub(crate) fn with_bank<T>(&self, f: impl FnOnce(&mut Bank) -> T) -> T {
        let now = self.now();
        let mut bank = lock(&self.bank);
        bank.expire(now);
        f(&mut bank)
    }

    /// Back to the seed; the seeded tokens are issued and approved again at the clock's now.
    pub(crate) fn reset(&self) {
        let mut fresh = self.seeded.clone();
        fresh.restamp_seeded_session(self.now());
        *lock(&self.bank) = fresh;
    }
}
