//! Client-side rate limits for the limits providers document, on the injectable clock.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::Quota;

use crate::clock::Clock;

/// Lets `governor` read time from a bankkit [`Clock`].
#[derive(Clone)]
struct ClockAdapter(Arc<dyn Clock>);

impl GovernorClock for ClockAdapter {
    type Instant = Duration;

    fn now(&self) -> Duration {
        let now = self.0.now();
        let nanos = now.timestamp_nanos_opt().unwrap_or(i64::MAX);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
    }
}

/// Allows `count` requests per `period`, waiting (on the clock) for the next free slot.
///
/// Built on `governor` (GCRA). Share one limiter between every request that counts
/// against the same documented limit.
///
/// The limiter first reads its clock on the first [`RateLimiter::acquire`], not when it is
/// built, so a clock that must be made [ready](Clock::ready) first (a
/// [`SandboxClock`](crate::clock::SandboxClock), whose time jumps to the sandbox's at its
/// first reading) can be built together with it; [`HttpClient`](super::HttpClient) makes
/// its clock ready before it acquires a limiter.
pub struct RateLimiter {
    name: &'static str,
    count: u32,
    period: Duration,
    quota: Quota,
    clock: ClockAdapter,
    inner: OnceLock<Governor>,
}

type Governor =
    governor::RateLimiter<NotKeyed, InMemoryState, ClockAdapter, NoOpMiddleware<Duration>>;

impl RateLimiter {
    /// `count` requests per `period` (a burst of `count`, refilled evenly). A zero count or
    /// period is treated as one request per period / one second.
    pub fn new(name: &'static str, count: u32, period: Duration, clock: Arc<dyn Clock>) -> Self {
        let burst = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        let per_request = period
            .checked_div(burst.get())
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(1));
        let quota = Quota::with_period(per_request)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            name,
            count,
            period,
            quota,
            clock: ClockAdapter(clock),
            inner: OnceLock::new(),
        }
    }

    /// Waits until a request may be sent, then counts it.
    pub async fn acquire(&self) {
        let inner = self
            .inner
            .get_or_init(|| Governor::direct_with_clock(self.quota, self.clock.clone()));
        loop {
            match inner.check() {
                Ok(()) => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.clock.now());
                    tracing::debug!(limit = self.name, ?wait, "waiting for rate limit");
                    self.clock.0.sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("name", &self.name)
            .field("count", &self.count)
            .field("period", &self.period)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[tokio::test]
    async fn second_request_in_a_window_waits_on_the_clock() {
        let clock = ManualClock::frozen_at("2026-01-01T00:00:00Z".parse().unwrap());
        let limiter = RateLimiter::new("test", 1, Duration::from_secs(60), clock.shared());
        let start = clock.now();
        limiter.acquire().await;
        assert_eq!(clock.now(), start, "first request goes at once");
        limiter.acquire().await;
        let waited = (clock.now() - start).num_seconds();
        assert!((59..=61).contains(&waited), "waited {waited}s");
    }

    #[tokio::test]
    async fn the_clock_is_first_read_on_the_first_acquire_not_when_built() {
        // A clock that jumps back before the first request (a sandbox clock behind the
        // system clock, read for the first time) must not leave the limiter measuring
        // from the later time.
        let clock = ManualClock::frozen_at("2026-06-01T00:00:00Z".parse().unwrap());
        let limiter = RateLimiter::new("test", 1, Duration::from_secs(60), clock.shared());
        clock.set("2026-01-01T00:00:00Z".parse().unwrap());
        let start = clock.now();
        limiter.acquire().await;
        limiter.acquire().await;
        assert_eq!((clock.now() - start).num_seconds(), 60);
    }
}
