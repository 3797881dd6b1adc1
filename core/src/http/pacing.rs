//! [`Pacing`]: whether a client keeps a provider's documented rate limits itself, and on
//! which clock.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::RateLimiter;
use crate::clock::{system_clock, Clock, SandboxClock};
use crate::{Error, Result};

/// How a client paces the calls a provider limits (Monobank: one `statement` and one
/// `client-info` call per 60 s per token).
///
/// A serde setting in provider configs, written in `snake_case`:
///
/// ```toml
/// pacing = "provider"        # the default: keep the documented limits, on the client's clock
/// # pacing = "off"           # no client-side rate limiter
/// # pacing = "sandbox_clock" # keep the limits on the clock of the sandbox at base_url
/// ```
///
/// Any other value is refused when the config is read.
///
/// ```
/// use bankkit_core::http::Pacing;
///
/// #[derive(serde::Deserialize)]
/// struct Config {
///     #[serde(default)]
///     pacing: Pacing,
/// }
///
/// let config: Config = toml::from_str("pacing = \"off\"").unwrap();
/// assert_eq!(config.pacing, Pacing::Off);
/// let config: Config = toml::from_str("").unwrap();
/// assert_eq!(config.pacing, Pacing::Provider);
/// assert!(toml::from_str::<Config>("pacing = \"fast\"").is_err());
/// ```
///
/// Use the default against the real provider and in tests that share the in-process
/// sandbox's clock. `Off` and `SandboxClock` are for an application in its own process
/// pointed at a developer's own sandbox started with `bankkit-sandbox --limits off`: with
/// `Off` calls go out at once; with `SandboxClock` the limits are kept, but every wait moves
/// the sandbox's clock forward instead of passing in real time (see [`SandboxClock`]: it
/// moves the clock for everyone using that sandbox).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Pacing {
    /// Keep the provider's documented limits on the client's clock (today's behaviour).
    #[default]
    Provider,
    /// No client-side rate limiter: every call goes out at once. A provider that still
    /// answers 429 is waited out (or reported) by the retry policy.
    Off,
    /// Keep the documented limits on a [`SandboxClock`] following the sandbox at the
    /// client's base URL: waits and retry backoff advance the sandbox clock instead of
    /// sleeping.
    SandboxClock,
}

impl Pacing {
    /// The name used in configs: `"provider"`, `"off"` or `"sandbox_clock"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Off => "off",
            Self::SandboxClock => "sandbox_clock",
        }
    }

    /// Whether this is the default, [`Pacing::Provider`] (for `skip_serializing_if`).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The clock a client paced this way waits on: for [`Pacing::SandboxClock`] a new
    /// [`SandboxClock`] following `base_url` (no request is sent yet); otherwise `clock`, or
    /// the system clock when none is given.
    ///
    /// ```
    /// use bankkit_core::clock::ManualClock;
    /// use bankkit_core::http::Pacing;
    ///
    /// let clock = Pacing::SandboxClock.clock("http://127.0.0.1:41234", None)?;
    /// assert!(format!("{clock:?}").starts_with("SandboxClock"));
    /// let manual = ManualClock::following_wall_clock();
    /// assert!(Pacing::SandboxClock.clock("http://127.0.0.1:41234", Some(manual.shared())).is_err());
    /// # Ok::<(), bankkit_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// For [`Pacing::SandboxClock`]: [`Error::Config`] naming `base_url` for a base URL
    /// that is not an absolute http(s) URL, and naming `pacing` when a clock is also
    /// given (the two would disagree about the time).
    pub fn clock(self, base_url: &str, clock: Option<Arc<dyn Clock>>) -> Result<Arc<dyn Clock>> {
        match (self, clock) {
            (Self::SandboxClock, Some(_)) => Err(Error::config(
                "pacing",
                "\"sandbox_clock\" reads the clock of the sandbox at the base URL; \
                 do not also give the client a clock",
            )),
            (Self::SandboxClock, None) => Ok(Arc::new(SandboxClock::new(base_url)?)),
            (Self::Provider | Self::Off, clock) => Ok(clock.unwrap_or_else(system_clock)),
        }
    }

    /// A limiter of `count` requests per `period` on `clock` (see [`RateLimiter::new`]),
    /// or `None` when pacing is [`Pacing::Off`].
    pub fn limiter(
        self,
        name: &'static str,
        count: u32,
        period: Duration,
        clock: &Arc<dyn Clock>,
    ) -> Option<Arc<RateLimiter>> {
        match self {
            Self::Off => None,
            Self::Provider | Self::SandboxClock => Some(Arc::new(RateLimiter::new(
                name,
                count,
                period,
                clock.clone(),
            ))),
        }
    }
}

impl fmt::Display for Pacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    struct Config {
        #[serde(default, skip_serializing_if = "Pacing::is_default")]
        pacing: Pacing,
    }

    #[test]
    fn config_names_read_as_written_and_the_default_is_provider() {
        for (text, pacing) in [
            ("pacing = \"provider\"", Pacing::Provider),
            ("pacing = \"off\"", Pacing::Off),
            ("pacing = \"sandbox_clock\"", Pacing::SandboxClock),
            ("", Pacing::Provider),
        ] {
            let config: Config = toml::from_str(text).unwrap();
            assert_eq!(config.pacing, pacing, "{text}");
            if !text.is_empty() {
                assert_eq!(format!("pacing = \"{pacing}\""), text);
            }
        }
        assert_eq!(
            serde_json::to_string(&Config {
                pacing: Pacing::SandboxClock
            })
            .unwrap(),
            r#"{"pacing":"sandbox_clock"}"#
        );
        assert_eq!(
            serde_json::to_string(&Config {
                pacing: Pacing::Provider
            })
            .unwrap(),
            "{}"
        );
    }

    #[test]
    fn unknown_values_are_refused_naming_the_accepted_ones() {
        for bad in ["\"fast\"", "\"Off\"", "\"sandbox-clock\"", "true"] {
            let err = toml::from_str::<Config>(&format!("pacing = {bad}")).unwrap_err();
            assert!(!err.to_string().is_empty());
        }
        let err = serde_json::from_str::<Config>(r#"{"pacing":"fast"}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected one of `provider`, `off`, `sandbox_clock`"),
            "{err}"
        );
    }

    #[test]
    fn off_has_no_limiter_and_the_others_do() {
        let clock = ManualClock::following_wall_clock().shared();
        let period = Duration::from_secs(60);
        assert!(Pacing::Off.limiter("t", 1, period, &clock).is_none());
        assert!(Pacing::Provider.limiter("t", 1, period, &clock).is_some());
        assert!(Pacing::SandboxClock
            .limiter("t", 1, period, &clock)
            .is_some());
    }

    #[test]
    fn the_clock_follows_the_pacing() {
        let manual = ManualClock::frozen_at("2026-01-01T00:00:00Z".parse().unwrap());
        let given = Pacing::Provider
            .clock("http://127.0.0.1:9", Some(manual.shared()))
            .unwrap();
        assert_eq!(given.now(), manual.now());
        let system = Pacing::Off.clock("http://127.0.0.1:9", None).unwrap();
        assert!(format!("{system:?}").contains("SystemClock"));
        let sandbox = Pacing::SandboxClock
            .clock("http://127.0.0.1:9", None)
            .unwrap();
        assert!(
            format!("{sandbox:?}").contains("SandboxClock"),
            "{sandbox:?}"
        );
        let err = Pacing::SandboxClock
            .clock("http://127.0.0.1:9", Some(manual.shared()))
            .unwrap_err();
        assert!(
            matches!(err, Error::Config { ref field, .. } if field == "pacing"),
            "{err:?}"
        );
        let err = Pacing::SandboxClock.clock("not a url", None).unwrap_err();
        assert!(
            matches!(err, Error::Config { ref field, .. } if field == "base_url"),
            "{err:?}"
        );
    }
}
