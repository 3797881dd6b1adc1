//! [`StateLimits`]: how much per-client state the providers keep, and for how long.

use std::time::Duration;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// How much per-client state each provider keeps, and for how long (on the sandbox clock), so
/// that a server left running for weeks neither grows nor slows down.
///
/// Every kind of state that grows with requests is capped or expires. Seeded data (the
/// seeded API user, tokens, accounts and their history) never counts against a cap and is
/// never dropped. Expiry is checked on each request, on the sandbox clock. When a cap is
/// reached, what is finished (or expired, or retired) goes first, oldest first; something a
/// client may still use goes only when the cap forces it, and then the oldest. A later request
/// naming something dropped gets exactly the provider's answer for an id it never knew (MoMo
/// 404 `RESOURCE_NOT_FOUND`, an unknown token's 401, Monzo `not_found.…`, the upload storage's
/// 404 `NoSuchKey`).
///
/// | setting | default | what it bounds |
/// |---|---|---|
/// | [`max_payments`](Self::max_payments) | 100 000 | MoMo payments of every kind together (requests to pay, withdrawals, invoices, preapprovals, payments v2, transfers, deposits, refunds, remittance transfers); finished ones (final or cancelled) go first, in the order they finished, then the oldest pending. Also Monobank acquiring invoices (finished ones first) and subscriptions, and tap-to-phone payments added by events; and Morune invoices and payoffs (each kind on its own, finished ones first) |
/// | [`max_tokens`](Self::max_tokens) | 10 000 | MoMo access and consent tokens; Monzo access tokens; Monzo refresh tokens (each kind on its own); expired or retired ones go first, then (MoMo) the least recently used, else the first to expire. Also Monobank wallet card tokens and monopay keys, oldest first |
/// | [`token_grace`](Self::token_grace) | 24 h | how long a token is kept after it expired (MoMo, Monzo access) or was used, evicted or logged out (Monzo refresh), and a consent request (MoMo `bc-authorize`, Monzo authorisation code) after it expired: meanwhile it still gets its specific answer (e.g. Monzo's `…expired`, `…evicted`), afterwards the answer for an unknown one |
/// | [`max_consents`](Self::max_consents) | 10 000 | MoMo `bc-authorize` requests; Monzo authorisation codes (10 min lifetime); Monobank provider-API access requests (refused ones first, then the oldest) |
/// | [`max_api_users`](Self::max_api_users) | 1 000 | MoMo API users (with their keys) created through the provisioning API, oldest first; Monobank provider-API company registrations (the seeded company not counted), oldest first |
/// | [`max_uploads`](Self::max_uploads) | 1 000 | Monzo uploads (`POST /attachment/upload` and the file stored at its URL) |
/// | [`max_upload_bytes`](Self::max_upload_bytes) | 64 MiB | bytes of all stored Monzo uploads together; the oldest uploads go to make room, and a single file larger than this is refused (400 `EntityTooLarge`) |
/// | [`upload_lifetime`](Self::upload_lifetime) | 1 h | how long an upload is kept after it was announced or its bytes last stored (its URL says `X-Amz-Expires=3600`) |
/// | [`max_attachments`](Self::max_attachments) | 10 000 | Monzo attachments registered on transactions, oldest first |
/// | [`max_receipts`](Self::max_receipts) | 10 000 | Monzo receipts, oldest first |
/// | [`max_webhooks_per_account`](Self::max_webhooks_per_account) | 100 | Monzo webhooks of one account, oldest first |
/// | [`max_added_transactions`](Self::max_added_transactions) | 10 000 | transactions added to one account after seeding (Monzo pot moves and events, Monobank statement items from events, Monobank merchant ledger transactions, Morune user ledger transactions), oldest first; balances are kept. Also the merchants Monzo events make up |
/// | [`max_pot_moves`](Self::max_pot_moves) | 10 000 | Monzo pot moves remembered for their `dedupe_id` (an older `dedupe_id` moves money again) |
///
/// Monzo feed items are not kept (only counted). Caps of counts are at least 1.
///
/// ```
/// use std::time::Duration;
/// use bankkit_sandbox::{Sandbox, StateLimits};
///
/// let limits = StateLimits::default()
///     .max_payments(10_000)
///     .token_grace(Duration::from_secs(3600));
/// assert_eq!(limits.max_payments, 10_000);
/// let builder = Sandbox::builder().state_limits(limits);
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StateLimits {
    /// MoMo payments of every kind together (default 100 000).
    pub max_payments: usize,
    /// Tokens of each kind (default 10 000).
    pub max_tokens: usize,
    /// How long expired or retired tokens and expired consent requests are kept (default
    /// 24 h of sandbox clock).
    pub token_grace: Duration,
    /// MoMo `bc-authorize` requests and Monzo authorisation codes (default 10 000).
    pub max_consents: usize,
    /// MoMo API users created through the provisioning API (default 1 000).
    pub max_api_users: usize,
    /// Monzo uploads (default 1 000).
    pub max_uploads: usize,
    /// Bytes of all Monzo uploads together (default 64 MiB).
    pub max_upload_bytes: usize,
    /// How long a Monzo upload is kept after it was announced or last stored (default 1 h
    /// of sandbox clock).
    pub upload_lifetime: Duration,
    /// Monzo attachments (default 10 000).
    pub max_attachments: usize,
    /// Monzo receipts (default 10 000).
    pub max_receipts: usize,
    /// Monzo webhooks per account (default 100).
    pub max_webhooks_per_account: usize,
    /// Transactions (Monzo) or statement items (Monobank) added to one account after seeding
    /// (default 10 000).
    pub max_added_transactions: usize,
    /// Monzo pot moves remembered for their `dedupe_id` (default 10 000).
    pub max_pot_moves: usize,
}

impl Default for StateLimits {
    fn default() -> Self {
        StateLimits {
            max_payments: 100_000,
            max_tokens: 10_000,
            token_grace: Duration::from_secs(24 * 3600),
            max_consents: 10_000,
            max_api_users: 1_000,
            max_uploads: 1_000,
            max_upload_bytes: 64 * 1024 * 1024,
            upload_lifetime: Duration::from_secs(3600),
            max_attachments: 10_000,
            max_receipts: 10_000,
            max_webhooks_per_account: 100,
            max_added_transactions: 10_000,
            max_pot_moves: 10_000,
        }
    }
}

impl StateLimits {
    /// Sets [`max_payments`](Self::max_payments) (at least 1).
    pub fn max_payments(mut self, n: usize) -> Self {
        self.max_payments = n.max(1);
        self
    }

    /// Sets [`max_tokens`](Self::max_tokens) (at least 1).
    pub fn max_tokens(mut self, n: usize) -> Self {
        self.max_tokens = n.max(1);
        self
    }

    /// Sets [`token_grace`](Self::token_grace).
    pub fn token_grace(mut self, grace: Duration) -> Self {
        self.token_grace = grace;
        self
    }

    /// Sets [`max_consents`](Self::max_consents) (at least 1).
    pub fn max_consents(mut self, n: usize) -> Self {
        self.max_consents = n.max(1);
        self
    }

    /// Sets [`max_api_users`](Self::max_api_users) (at least 1).
    pub fn max_api_users(mut self, n: usize) -> Self {
        self.max_api_users = n.max(1);
        self
    }

    /// Sets [`max_uploads`](Self::max_uploads) (at least 1).
    pub fn max_uploads(mut self, n: usize) -> Self {
        self.max_uploads = n.max(1);
        self
    }

    /// Sets [`max_upload_bytes`](Self::max_upload_bytes).
    pub fn max_upload_bytes(mut self, bytes: usize) -> Self {
        self.max_upload_bytes = bytes;
        self
    }

    /// Sets [`upload_lifetime`](Self::upload_lifetime).
    pub fn upload_lifetime(mut self, lifetime: Duration) -> Self {
        self.upload_lifetime = lifetime;
        self
    }

    /// Sets [`max_attachments`](Self::max_attachments) (at least 1).
    pub fn max_attachments(mut self, n: usize) -> Self {
        self.max_attachments = n.max(1);
        self
    }

    /// Sets [`max_receipts`](Self::max_receipts) (at least 1).
    pub fn max_receipts(mut self, n: usize) -> Self {
        self.max_receipts = n.max(1);
        self
    }

    /// Sets [`max_webhooks_per_account`](Self::max_webhooks_per_account) (at least 1).
    pub fn max_webhooks_per_account(mut self, n: usize) -> Self {
        self.max_webhooks_per_account = n.max(1);
        self
    }

    /// Sets [`max_added_transactions`](Self::max_added_transactions) (at least 1).
    pub fn max_added_transactions(mut self, n: usize) -> Self {
        self.max_added_transactions = n.max(1);
        self
    }

    /// Sets [`max_pot_moves`](Self::max_pot_moves) (at least 1).
    pub fn max_pot_moves(mut self, n: usize) -> Self {
        self.max_pot_moves = n.max(1);
        self
    }

    /// [`token_grace`](Self::token_grace) as a clock step (saturating).
    pub(crate) fn token_grace_delta(&self) -> TimeDelta {
        delta(self.token_grace)
    }

    /// [`upload_lifetime`](Self::upload_lifetime) as a clock step (saturating).
    pub(crate) fn upload_lifetime_delta(&self) -> TimeDelta {
        delta(self.upload_lifetime)
    }
}

/// A duration as a clock step, saturating at the largest step chrono has.
fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}
