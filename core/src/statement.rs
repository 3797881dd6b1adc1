//! Account statements: the [`Statement`] capability and the one stream that walks them.
//!
//! A provider implements [`Statement::page`]: one call to its API for one time window and
//! one page cursor. Core owns the walk: [`transactions`] (also callable as
//! `statement.transactions(..)` on a `&dyn Statement`) splits any range into the provider's
//! windows, follows page cursors until a page says there is no next one, drops items seen
//! twice at page or window boundaries, and waits out rate limits on the provider's clock
//! instead of failing.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use crate::clock::{system_clock, Clock};
use crate::ids::{AccountId, TransactionId};
use crate::money::{Direction, Money};
use crate::{Error, Result};

/// Whether a transaction is final.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransactionStatus {
    /// Authorised or on hold; the amount may still change or disappear.
    Pending,
    /// Settled.
    Booked,
    /// Declined by the provider; no money moved.
    Declined,
}

/// One line of a statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// The provider's id.
    pub id: TransactionId,
    /// The account it belongs to.
    pub account_id: AccountId,
    /// When it happened, in UTC.
    pub time: DateTime<Utc>,
    /// The amount in the account's currency, without sign; see `direction`.
    /// [`Transaction::new`] stores the absolute value of what it is given, and
    /// [`Transaction::signed_amount`] ignores any sign here.
    pub amount: Money,
    /// Money in or out.
    pub direction: Direction,
    /// The amount in the currency of the operation, where it differs.
    pub original_amount: Option<Money>,
    /// The provider's description (merchant name, transfer text).
    pub description: String,
    /// Settled or not.
    pub status: TransactionStatus,
    /// The account balance right after this transaction, where reported.
    pub balance_after: Option<Money>,
    /// Merchant category code (ISO 18245), where reported.
    pub mcc: Option<u16>,
    /// The payer's or payee's note, where any.
    pub comment: Option<String>,
}

impl Transaction {
    /// A booked transaction with only the required fields. `amount` is stored without its
    /// sign: `direction` alone says which way the money moved.
    pub fn new(
        id: TransactionId,
        account_id: AccountId,
        time: DateTime<Utc>,
        amount: Money,
        direction: Direction,
        description: impl Into<String>,
    ) -> Self {
        Self {
            id,
            account_id,
            time,
            amount: amount.abs(),
            direction,
            original_amount: None,
            description: description.into(),
            status: TransactionStatus::Booked,
            balance_after: None,
            mcc: None,
            comment: None,
        }
    }

    /// The amount with a sign: negative for debits, positive (or zero) for credits,
    /// whatever sign `amount` itself has.
    pub fn signed_amount(&self) -> Money {
        let magnitude = self.amount.abs();
        match self.direction {
            Direction::Credit => magnitude,
            Direction::Debit => -magnitude,
        }
    }
}

/// An opaque position inside a statement window, made and read by the provider.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageCursor(pub String);

/// One call's worth of statement: an account, a window `[from, to)` and a cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatementRequest {
    /// The account.
    pub account: AccountId,
    /// Start of the window, inclusive.
    pub from: DateTime<Utc>,
    /// End of the window, exclusive.
    pub to: DateTime<Utc>,
    /// Where the previous page of this window ended; `None` for the first page.
    pub cursor: Option<PageCursor>,
}

impl StatementRequest {
    /// The first page of a window.
    pub fn new(account: AccountId, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self {
            account,
            from,
            to,
            cursor: None,
        }
    }

    /// The same window at another cursor.
    pub fn with_cursor(mut self, cursor: Option<PageCursor>) -> Self {
        self.cursor = cursor;
        self
    }
}

/// One page of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatementPage {
    /// The transactions of this page, in the provider's order.
    pub items: Vec<Transaction>,
    /// Where to continue inside the same window, or `None` when the window is done.
    pub next: Option<PageCursor>,
}

impl StatementPage {
    /// A page.
    pub fn new(items: Vec<Transaction>, next: Option<PageCursor>) -> Self {
        Self { items, next }
    }
}

/// What a provider's statement endpoint accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatementLimits {
    /// The longest window one call may cover (Monobank: 31 days + 1 hour).
    pub max_window: Option<Duration>,
    /// The most items one page returns (Monobank 500, Monzo 100).
    pub max_page_size: Option<usize>,
    /// How far back the provider serves history without the user authenticating again
    /// (Monzo: 90 days); `None` when it does not limit it.
    pub history: Option<Duration>,
    /// How long to wait after a rate-limit answer without `Retry-After`.
    pub rate_limit_wait: Duration,
    /// How many rate-limit answers in a row the stream waits out before it gives up.
    pub max_rate_limit_waits: u32,
    /// The longest single rate-limit wait the stream sits out; a provider asking for more
    /// (or a [`StatementLimits::rate_limit_wait`] above it) ends the stream with the
    /// `RateLimited` error, so the caller decides. Defaults to
    /// [`DEFAULT_MAX_RATE_LIMIT_WAIT`], the same as `HttpOptions::max_retry_after`.
    pub max_rate_limit_wait: Duration,
}

/// The default of [`StatementLimits::max_rate_limit_wait`]: two minutes.
pub const DEFAULT_MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(120);

impl Default for StatementLimits {
    fn default() -> Self {
        Self {
            max_window: None,
            max_page_size: None,
            history: None,
            rate_limit_wait: Duration::from_secs(60),
            max_rate_limit_waits: 10,
            max_rate_limit_wait: DEFAULT_MAX_RATE_LIMIT_WAIT,
        }
    }
}

impl StatementLimits {
    /// Limits with a maximum window and page size.
    pub fn new(max_window: Option<Duration>, max_page_size: Option<usize>) -> Self {
        Self {
            max_window,
            max_page_size,
            ..Self::default()
        }
    }

    /// Sets how far back history is served without re-authentication.
    pub fn with_history(mut self, history: Duration) -> Self {
        self.history = Some(history);
        self
    }

    /// Sets the longest single rate-limit wait the stream sits out.
    pub fn with_max_rate_limit_wait(mut self, max: Duration) -> Self {
        self.max_rate_limit_wait = max;
        self
    }
}

/// Reads account statements one page at a time.
#[async_trait]
pub trait Statement: Send + Sync {
    /// The provider's window and page limits.
    fn limits(&self) -> StatementLimits;

    /// The clock the provider waits on (rate limits); the stream waits on it too.
    fn clock(&self) -> Arc<dyn Clock> {
        system_clock()
    }

    /// One page of transactions for one window. The window never exceeds
    /// [`StatementLimits::max_window`] when called by the stream.
    ///
    /// # Errors
    /// Any [`crate::Error`]; `RateLimited` is waited out by the stream.
    async fn page(&self, request: &StatementRequest) -> Result<StatementPage>;
}

impl<'s> dyn Statement + 's {
    /// Every transaction of `account` in `[from, to)`: see [`transactions`].
    pub fn transactions(
        &self,
        account: AccountId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BoxStream<'_, Result<Transaction>> {
        transactions(self, account, from, to)
    }
}

struct Walk<'a> {
    statement: &'a (dyn Statement + 'a),
    clock: Arc<dyn Clock>,
    limits: StatementLimits,
    account: AccountId,
    windows: std::vec::IntoIter<(DateTime<Utc>, DateTime<Utc>)>,
    current: Option<StatementRequest>,
    /// The ids of the page before: providers repeat items only across one page or window
    /// boundary, so this is all that must be remembered (memory stays at two pages however
    /// long the walk).
    previous: HashSet<TransactionId>,
    /// The cursors already followed in the current window.
    cursors: HashSet<PageCursor>,
    /// An error to end the stream with once the items before it are out.
    failure: Option<Error>,
}

/// Splits `[from, to)` into windows no longer than `max_window`, oldest first, without gap
/// or overlap.
pub fn windows(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max_window: Option<Duration>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let Some(step) = max_window
        .and_then(|w| TimeDelta::from_std(w).ok())
        .filter(|w| *w > TimeDelta::zero())
    else {
        return if from < to { vec![(from, to)] } else { vec![] };
    };
    let mut out = Vec::new();
    let mut start = from;
    while start < to {
        let end = start.checked_add_signed(step).map_or(to, |e| e.min(to));
        out.push((start, end));
        start = end;
    }
    out
}

/// Every transaction of `account` in `[from, to)`, walking windows and pages.
///
/// Windows go oldest first; items inside a page keep the provider's order. An id returned
/// by the page before (or earlier in the same page) is not returned again: providers repeat
/// items only across one page or window boundary, so the walk remembers two pages of ids
/// and its memory stays flat however long the range. A `RateLimited` answer is waited out on the provider's
/// clock (its `Retry-After`, else [`StatementLimits::rate_limit_wait`]) up to
/// [`StatementLimits::max_rate_limit_waits`] times in a row, each wait at most
/// [`StatementLimits::max_rate_limit_wait`] (a longer one is yielded as the error); any
/// other error ends the stream after being yielded.
///
/// A page whose `next` cursor was already followed in the same window (the provider
/// repeats a page) ends the stream with an [`Error::Decode`] after that page's new items,
/// instead of asking for the same pages forever.
pub fn transactions<'a>(
    statement: &'a (dyn Statement + 'a),
    account: AccountId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> BoxStream<'a, Result<Transaction>> {
    let limits = statement.limits();
    let walk = Walk {
        statement,
        clock: statement.clock(),
        windows: windows(from, to, limits.max_window).into_iter(),
        limits,
        account,
        current: None,
        previous: HashSet::new(),
        cursors: HashSet::new(),
        failure: None,
    };
    stream::try_unfold(walk, |mut walk| async move {
        loop {
            if let Some(error) = walk.failure.take() {
                return Err(error);
            }
            let request = match walk.current.take() {
                Some(request) => request,
                None => match walk.windows.next() {
                    Some((from, to)) => {
                        walk.cursors.clear();
                        StatementRequest::new(walk.account.clone(), from, to)
                    }
                    None => return Ok(None),
                },
            };
            let page = fetch_waiting_out_rate_limits(&walk, &request).await?;
            let empty = page.items.is_empty();
            walk.current = match page.next {
                Some(cursor) if !empty => {
                    // Every cursor followed in this window is in the set, the request's too.
                    if !walk.cursors.insert(cursor.clone()) {
                        walk.failure = Some(Error::decode(
                            "statement pages",
                            "the provider answered with a page cursor already followed in \
                             this window (it repeats a page); stopping instead of asking \
                             for the same pages again",
                        ));
                        None
                    } else {
                        Some(request.with_cursor(Some(cursor)))
                    }
                }
                _ => None,
            };
            let mut this_page = HashSet::with_capacity(page.items.len());
            let fresh: Vec<Transaction> = page
                .items
                .into_iter()
                .filter(|t| this_page.insert(t.id.clone()) && !walk.previous.contains(&t.id))
                .collect();
            if !empty {
                walk.previous = this_page;
            }
            if !fresh.is_empty() {
                return Ok(Some((fresh, walk)));
            }
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

async fn fetch_waiting_out_rate_limits(
    walk: &Walk<'_>,
    request: &StatementRequest,
) -> Result<StatementPage> {
    let mut waits = 0;
    loop {
        match walk.statement.page(request).await {
            Err(Error::RateLimited { retry_after, .. })
                if waits < walk.limits.max_rate_limit_waits
                    && retry_after.unwrap_or(walk.limits.rate_limit_wait)
                        <= walk.limits.max_rate_limit_wait =>
            {
                waits += 1;
                let wait = retry_after.unwrap_or(walk.limits.rate_limit_wait);
                tracing::debug!(?wait, waits, "statement page rate limited; waiting");
                walk.clock.sleep(wait).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::clock::ManualClock;
    use crate::money::currency_from_code;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    #[test]
    fn windows_cover_the_range_without_gap_or_overlap() {
        let w = windows(t(0), t(250), Some(Duration::from_secs(100)));
        assert_eq!(w, vec![(t(0), t(100)), (t(100), t(200)), (t(200), t(250))]);
        assert!(windows(t(10), t(10), Some(Duration::from_secs(5))).is_empty());
        assert_eq!(windows(t(0), t(7), None), vec![(t(0), t(7))]);
    }

    /// A fake statement: one item per second, pages of 3 newest first, cursor = the oldest
    /// time returned (inclusive, like Monobank, so the boundary item repeats).
    struct Fake {
        calls: Mutex<Vec<(i64, i64)>>,
        rate_limit_first: Mutex<u32>,
        clock: ManualClock,
    }

    #[async_trait]
    impl Statement for Fake {
        fn limits(&self) -> StatementLimits {
            StatementLimits::new(Some(Duration::from_secs(10)), Some(3))
        }
        fn clock(&self) -> Arc<dyn Clock> {
            self.clock.shared()
        }
        async fn page(&self, r: &StatementRequest) -> Result<StatementPage> {
            {
                let mut left = self.rate_limit_first.lock().unwrap();
                if *left > 0 {
                    *left -= 1;
                    return Err(Error::rate_limited(Some(Duration::from_secs(60))));
                }
            }
            let from = r.from.timestamp();
            let to = match &r.cursor {
                Some(c) => c.0.parse::<i64>().unwrap(),
                None => r.to.timestamp() - 1,
            };
            self.calls.lock().unwrap().push((from, to));
            let uah = currency_from_code("UAH").unwrap();
            let items: Vec<Transaction> = (from..=to)
                .rev()
                .take(3)
                .map(|s| {
                    Transaction::new(
                        TransactionId::new(s.to_string()),
                        r.account.clone(),
                        DateTime::from_timestamp(s, 0).unwrap(),
                        Money::from_minor(100, uah).unwrap(),
                        Direction::Debit,
                        "x",
                    )
                })
                .collect();
            let next =
                (items.len() == 3).then(|| PageCursor(items[2].time.timestamp().to_string()));
            Ok(StatementPage::new(items, next))
        }
    }

    #[tokio::test]
    async fn stream_walks_every_window_and_page_without_gap_or_duplicate() {
        let clock = ManualClock::frozen_at(t(0));
        let fake = Fake {
            calls: Mutex::new(vec![]),
            rate_limit_first: Mutex::new(2),
            clock: clock.clone(),
        };
        let dynamic: &dyn Statement = &fake;
        let items: Vec<Transaction> = dynamic
            .transactions(AccountId::new("a"), t(0), t(25))
            .try_collect()
            .await
            .unwrap();
        let mut ids: Vec<i64> = items
            .iter()
            .map(|t| t.id.as_str().parse().unwrap())
            .collect();
        ids.sort_unstable();
        let expected: Vec<i64> = (0..25).map(|s| 1_700_000_000 + s).collect();
        assert_eq!(ids, expected);
        // Two rate-limit answers were waited out on the clock, not in real time.
        assert_eq!((clock.now() - t(0)).num_seconds(), 120);
        // No window was wider than 10 s.
        for (from, to) in fake.calls.lock().unwrap().iter() {
            assert!(to - from < 10);
        }
    }

    /// A provider that answers every page with the same items and a cursor from `cursors`,
    /// in turn (a stuck cursor, or a cycle).
    struct Repeating {
        cursors: Vec<&'static str>,
        calls: Mutex<usize>,
        clock: ManualClock,
    }

    #[async_trait]
    impl Statement for Repeating {
        fn limits(&self) -> StatementLimits {
            StatementLimits::default()
        }
        fn clock(&self) -> Arc<dyn Clock> {
            self.clock.shared()
        }
        async fn page(&self, r: &StatementRequest) -> Result<StatementPage> {
            let call = {
                let mut calls = self.calls.lock().unwrap();
                *calls += 1;
                assert!(*calls < 100, "the stream keeps asking for pages");
                *calls
            };
            let uah = currency_from_code("UAH").unwrap();
            // Item `call` is new on every call but the first repeat, so a cycle also brings
            // fresh items.
            let items = [1, call.min(3)]
                .into_iter()
                .map(|n| {
                    Transaction::new(
                        TransactionId::new(format!("tx{n}")),
                        r.account.clone(),
                        t(0),
                        Money::from_minor(100, uah).unwrap(),
                        Direction::Credit,
                        "x",
                    )
                })
                .collect();
            let next = self.cursors[(call - 1) % self.cursors.len()];
            Ok(StatementPage::new(items, Some(PageCursor(next.to_owned()))))
        }
    }

    async fn walk_repeating(cursors: Vec<&'static str>) -> (Vec<Result<Transaction>>, usize) {
        let fake = Repeating {
            cursors,
            calls: Mutex::new(0),
            clock: ManualClock::frozen_at(t(0)),
        };
        let dynamic: &dyn Statement = &fake;
        let out: Vec<Result<Transaction>> = dynamic
            .transactions(AccountId::new("a"), t(0), t(10))
            .collect()
            .await;
        let calls = *fake.calls.lock().unwrap();
        (out, calls)
    }

    #[tokio::test]
    async fn a_provider_repeating_a_page_ends_the_stream_with_an_error_instead_of_looping() {
        let (out, calls) = walk_repeating(vec!["same"]).await;
        assert_eq!(calls, 2);
        let ids: Vec<String> = out
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|t| t.id.as_str().to_owned())
            .collect();
        assert_eq!(ids, ["tx1", "tx2"]);
        assert!(
            matches!(out.last(), Some(Err(Error::Decode { message, .. })) if message.contains("repeats a page")),
            "{out:?}"
        );
        assert_eq!(out.iter().filter(|r| r.is_err()).count(), 1);
    }

    #[tokio::test]
    async fn a_provider_cycling_through_cursors_ends_the_stream_too() {
        let (out, calls) = walk_repeating(vec!["a", "b", "a"]).await;
        assert_eq!(calls, 3);
        let ids: Vec<String> = out
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|t| t.id.as_str().to_owned())
            .collect();
        // The fresh item of the page that pointed back is still returned.
        assert_eq!(ids, ["tx1", "tx2", "tx3"]);
        assert!(
            matches!(out.last(), Some(Err(Error::Decode { .. }))),
            "{out:?}"
        );
    }

    /// Answers `RateLimited` with `retry_after` forever.
    struct AlwaysLimited {
        retry_after: Option<Duration>,
        limits: StatementLimits,
        calls: Mutex<u32>,
        clock: ManualClock,
    }

    #[async_trait]
    impl Statement for AlwaysLimited {
        fn limits(&self) -> StatementLimits {
            self.limits.clone()
        }
        fn clock(&self) -> Arc<dyn Clock> {
            self.clock.shared()
        }
        async fn page(&self, _: &StatementRequest) -> Result<StatementPage> {
            *self.calls.lock().unwrap() += 1;
            Err(Error::rate_limited(self.retry_after))
        }
    }

    async fn walk_limited(
        retry_after: Option<Duration>,
        limits: StatementLimits,
    ) -> (Result<Vec<Transaction>>, u32, i64) {
        let fake = AlwaysLimited {
            retry_after,
            limits,
            calls: Mutex::new(0),
            clock: ManualClock::frozen_at(t(0)),
        };
        let dynamic: &dyn Statement = &fake;
        let result = dynamic
            .transactions(AccountId::new("a"), t(0), t(5))
            .try_collect()
            .await;
        let waited = (fake.clock.now() - t(0)).num_seconds();
        let calls = *fake.calls.lock().unwrap();
        (result, calls, waited)
    }

    #[tokio::test]
    async fn a_retry_after_beyond_the_cap_is_returned_not_waited_out() {
        let year = Duration::from_secs(365 * 86_400);
        let (result, calls, waited) = walk_limited(Some(year), StatementLimits::default()).await;
        assert!(
            matches!(result, Err(Error::RateLimited { retry_after: Some(d), .. }) if d == year),
            "{result:?}"
        );
        assert_eq!((calls, waited), (1, 0));

        // At the cap it is still waited out.
        let limits = StatementLimits::default().with_max_rate_limit_wait(Duration::from_secs(30));
        let (result, calls, waited) =
            walk_limited(Some(Duration::from_secs(30)), limits.clone()).await;
        assert!(matches!(result, Err(Error::RateLimited { .. })));
        assert_eq!(calls, limits.max_rate_limit_waits + 1);
        assert_eq!(waited, 30 * i64::from(limits.max_rate_limit_waits));

        // The fallback wait obeys the cap too.
        let (_, calls, waited) = walk_limited(None, limits).await;
        assert_eq!((calls, waited), (1, 0));
        assert_eq!(
            StatementLimits::default().max_rate_limit_wait,
            DEFAULT_MAX_RATE_LIMIT_WAIT
        );
    }

    #[test]
    fn transactions_keep_amounts_unsigned_and_sign_them_by_direction() {
        let uah = currency_from_code("UAH").unwrap();
        let negative = Money::from_minor(-1250, uah).unwrap();
        let debit = Transaction::new(
            TransactionId::new("d"),
            AccountId::new("a"),
            t(0),
            negative,
            Direction::Debit,
            "x",
        );
        assert_eq!(debit.amount.to_minor().unwrap(), 1250);
        assert_eq!(debit.signed_amount().to_minor().unwrap(), -1250);
        let mut credit = debit.clone();
        credit.direction = Direction::Credit;
        assert_eq!(credit.signed_amount().to_minor().unwrap(), 1250);
        // A sign set on the public field afterwards does not flip the result.
        let mut odd = debit;
        odd.amount = negative;
        assert_eq!(odd.signed_amount().to_minor().unwrap(), -1250);
    }

    #[tokio::test]
    async fn stream_gives_up_after_too_many_rate_limits() {
        let fake = Fake {
            calls: Mutex::new(vec![]),
            rate_limit_first: Mutex::new(100),
            clock: ManualClock::frozen_at(t(0)),
        };
        let dynamic: &dyn Statement = &fake;
        let result: Result<Vec<Transaction>> = dynamic
            .transactions(AccountId::new("a"), t(0), t(5))
            .try_collect()
            .await;
        assert!(matches!(result, Err(Error::RateLimited { .. })));
    }
}
