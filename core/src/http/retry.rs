//! Which requests may be sent again, and how often.

use std::time::Duration;

use crate::Error;

/// How safe a request is to send twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestSafety {
    /// Reads nothing but state: always safe to repeat.
    Read,
    /// Changes state, but the provider dedupes a repeat (same reference id, `dedupe_id`,
    /// order id).
    IdempotentWrite,
    /// Changes state and a repeat would change it again: never retried.
    UnsafeWrite,
}

/// One small typed setting per client: which requests are retried, how many attempts.
///
/// The same idempotency key is sent on every attempt of one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryPolicy {
    /// One attempt for everything.
    Never,
    /// Reads get up to `attempts` attempts; writes get one.
    Reads {
        /// Total attempts, first included.
        attempts: u32,
    },
    /// Reads and provider-deduped writes get up to `attempts` attempts; other writes one.
    IdempotentWrites {
        /// Total attempts, first included.
        attempts: u32,
    },
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::IdempotentWrites { attempts: 3 }
    }
}

impl RetryPolicy {
    /// How many attempts a request of this safety gets in total.
    pub fn attempts_for(&self, safety: RequestSafety) -> u32 {
        match (self, safety) {
            (Self::Never, _) | (_, RequestSafety::UnsafeWrite) => 1,
            (Self::Reads { attempts }, RequestSafety::Read) => (*attempts).max(1),
            (Self::Reads { .. }, RequestSafety::IdempotentWrite) => 1,
            (Self::IdempotentWrites { attempts }, _) => (*attempts).max(1),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Give up and return the error.
    Stop,
    /// Wait this long, then try again.
    RetryAfter(Duration),
}

/// Decides whether attempt number `attempt` (1-based) is followed by another.
///
/// `backoff` is the delay the backoff schedule proposes. A provider's `Retry-After`
/// replaces it; one longer than `max_retry_after` stops the retries (the caller gets
/// [`Error::RateLimited`] with the provider's delay and can decide).
pub fn decide(
    policy: RetryPolicy,
    safety: RequestSafety,
    attempt: u32,
    error: &Error,
    backoff: Duration,
    max_retry_after: Duration,
) -> Decision {
    if attempt >= policy.attempts_for(safety) || !error.is_retryable() {
        return Decision::Stop;
    }
    match error.retry_after() {
        Some(wait) if wait > max_retry_after => Decision::Stop,
        Some(wait) => Decision::RetryAfter(wait),
        None => Decision::RetryAfter(backoff),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(120);
    const B: Duration = Duration::from_millis(100);

    fn server_error() -> Error {
        Error::Provider {
            status: 503,
            code: None,
            message: String::new(),
        }
    }

    #[test]
    fn unsafe_writes_are_never_retried() {
        let p = RetryPolicy::IdempotentWrites { attempts: 5 };
        assert_eq!(
            decide(p, RequestSafety::UnsafeWrite, 1, &server_error(), B, MAX),
            Decision::Stop
        );
    }

    #[test]
    fn reads_are_retried_until_attempts_run_out() {
        let p = RetryPolicy::Reads { attempts: 3 };
        assert_eq!(
            decide(p, RequestSafety::Read, 1, &server_error(), B, MAX),
            Decision::RetryAfter(B)
        );
        assert_eq!(
            decide(p, RequestSafety::Read, 3, &server_error(), B, MAX),
            Decision::Stop
        );
        assert_eq!(
            decide(
                p,
                RequestSafety::IdempotentWrite,
                1,
                &server_error(),
                B,
                MAX
            ),
            Decision::Stop
        );
    }

    #[test]
    fn retry_after_replaces_backoff_and_too_long_stops() {
        let p = RetryPolicy::default();
        let limited = |s| Error::rate_limited(Some(Duration::from_secs(s)));
        assert_eq!(
            decide(p, RequestSafety::Read, 1, &limited(30), B, MAX),
            Decision::RetryAfter(Duration::from_secs(30))
        );
        assert_eq!(
            decide(p, RequestSafety::Read, 1, &limited(3600), B, MAX),
            Decision::Stop
        );
    }

    #[test]
    fn client_errors_are_not_retried() {
        assert_eq!(
            decide(
                RetryPolicy::default(),
                RequestSafety::Read,
                1,
                &Error::invalid("x"),
                B,
                MAX
            ),
            Decision::Stop
        );
    }
}
