//! One injectable source of time for everything that waits or compares times.
//!
//! Rate-limit waits, retry backoff and token expiry all go through a [`Clock`], so that
//! tests and the conformance suite can tie a client to the sandbox clock and never really
//! sleep. Production code uses [`SystemClock`]; tests use a [`ManualClock`], whose
//! `sleep` moves virtual time forward at once; an app in its own process talking to a
//! developer's standalone sandbox can use a [`SandboxClock`], which reads the sandbox's
//! clock over its control API and advances it instead of sleeping.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::future::BoxFuture;

use crate::Result;

mod sandbox;

pub use sandbox::SandboxClock;

/// A source of the current time and a way to wait.
///
/// Object-safe; shared as `Arc<dyn Clock>`.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Waits for `duration` as this clock measures it.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;

    /// Gets the clock ready to be read before a request relies on it.
    ///
    /// A clock that follows another party's time reads that time here: a [`SandboxClock`]
    /// makes its first reading of the sandbox clock (and a new one when its reading has
    /// grown old). [`HttpClient`](crate::http::HttpClient) calls this before every attempt,
    /// and so before its rate limiters read the time. The default does nothing, at once.
    ///
    /// # Errors
    /// Whatever the clock met when reading its source: for a [`SandboxClock`],
    /// [`Error::Transport`](crate::Error::Transport), [`Error::Timeout`](crate::Error::Timeout),
    /// [`Error::Provider`](crate::Error::Provider) or [`Error::Decode`](crate::Error::Decode).
    fn ready(&self) -> BoxFuture<'static, Result<()>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// The machine's wall clock and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The default clock: [`SystemClock`] behind an `Arc`.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A clock whose time moves only when told to, or that follows the wall clock with an offset.
///
/// `sleep` never waits in real time: it advances the clock by the requested duration and
/// returns, so a client waiting out a 60-second rate window under a `ManualClock` finishes
/// at once while every party sharing the clock (for example the sandbox) sees 60 seconds
/// pass.
///
/// Cloning gives another handle to the same time.
///
/// ```
/// use std::time::Duration;
/// use bankkit_core::clock::{Clock, ManualClock};
///
/// # tokio_test_block(async {
/// let clock = ManualClock::frozen_at("2026-11-01T00:00:00Z".parse().unwrap());
/// let before = clock.now();
/// clock.sleep(Duration::from_secs(60)).await;
/// assert_eq!((clock.now() - before).num_seconds(), 60);
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    /// `Some(t)`: time stands still at `t` (plus advances). `None`: wall clock plus `offset`.
    frozen: Option<DateTime<Utc>>,
    offset: TimeDelta,
}

impl ManualClock {
    /// A clock standing still at `at` until advanced.
    pub fn frozen_at(at: DateTime<Utc>) -> Self {
        Self::from_state(ManualState {
            frozen: Some(at),
            offset: TimeDelta::zero(),
        })
    }

    /// A clock that follows the wall clock, plus whatever it has been advanced by.
    pub fn following_wall_clock() -> Self {
        Self::from_state(ManualState {
            frozen: None,
            offset: TimeDelta::zero(),
        })
    }

    fn from_state(state: ManualState) -> Self {
        Self {
            inner: Arc::new(Mutex::new(state)),
        }
    }

    /// The current time (the same as [`Clock::now`], without importing the trait).
    pub fn now(&self) -> DateTime<Utc> {
        <Self as Clock>::now(self)
    }

    /// Moves time forward by `by`. Time saturates at the last instant a `DateTime` can
    /// hold ([`DateTime::<Utc>::MAX_UTC`]) instead of overflowing.
    pub fn advance(&self, by: Duration) {
        let delta = TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX);
        let mut state = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match state.frozen.as_mut() {
            Some(at) => {
                *at = at
                    .checked_add_signed(delta)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC)
            }
            None => state.offset = state.offset.checked_add(&delta).unwrap_or(TimeDelta::MAX),
        }
    }

    /// Sets the time to `at` (a frozen clock stays frozen, a following one keeps following
    /// from there).
    pub fn set(&self, at: DateTime<Utc>) {
        let mut state = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match state.frozen.as_mut() {
            Some(frozen) => *frozen = at,
            None => state.offset = at - Utc::now(),
        }
    }

    /// This clock as a shared trait object.
    pub fn shared(&self) -> Arc<dyn Clock> {
        Arc::new(self.clone())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        let state = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match state.frozen {
            Some(at) => at,
            None => shifted(Utc::now(), state.offset),
        }
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.advance(duration);
        Box::pin(tokio::task::yield_now())
    }
}

/// `at + offset`, saturating at the ends of `DateTime`'s range.
fn shifted(at: DateTime<Utc>, offset: TimeDelta) -> DateTime<Utc> {
    at.checked_add_signed(offset)
        .unwrap_or(if offset < TimeDelta::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_sleep_advances_time_without_waiting() {
        let clock = ManualClock::frozen_at("2026-01-01T00:00:00Z".parse().unwrap());
        let started = std::time::Instant::now();
        clock.sleep(Duration::from_secs(3600)).await;
        assert_eq!(
            clock.now(),
            "2026-01-01T01:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn clones_share_one_time() {
        let a = ManualClock::frozen_at("2026-01-01T00:00:00Z".parse().unwrap());
        let b = a.clone();
        b.advance(Duration::from_secs(10));
        assert_eq!(a.now(), b.now());
    }

    #[test]
    fn huge_advances_saturate_instead_of_panicking_or_standing_still() {
        let frozen = ManualClock::frozen_at("2026-01-01T00:00:00Z".parse().unwrap());
        frozen.advance(Duration::MAX);
        assert_eq!(frozen.now(), DateTime::<Utc>::MAX_UTC);
        frozen.advance(Duration::from_secs(1));
        assert_eq!(frozen.now(), DateTime::<Utc>::MAX_UTC);

        let following = ManualClock::following_wall_clock();
        following.advance(Duration::MAX);
        assert_eq!(following.now(), DateTime::<Utc>::MAX_UTC);
        following.advance(Duration::from_secs(u64::MAX / 2));
        assert_eq!(following.now(), DateTime::<Utc>::MAX_UTC);
        assert!(format!("{following:?}").contains("ManualClock"));

        // Far, but representable: a following clock stays exact.
        let far = ManualClock::following_wall_clock();
        far.advance(Duration::from_secs(200_000 * 365 * 86_400));
        assert!(far.now() < DateTime::<Utc>::MAX_UTC);
        assert!(chrono::Datelike::year(&far.now()) > 200_000);
    }

    #[test]
    fn following_clock_moves_with_wall_time_plus_offset() {
        let clock = ManualClock::following_wall_clock();
        clock.advance(Duration::from_secs(86_400));
        let ahead = clock.now() - Utc::now();
        assert!(ahead.num_seconds() >= 86_399);
    }
}
