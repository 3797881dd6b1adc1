//! Time arithmetic and formats shared by the provider modules.
//!
//! Times that come from a client (a validity in seconds, a clock advance) can be anything: a
//! plain `now + delta` would panic past chrono's range. Everything here is checked or
//! saturating. The sandbox clock never goes past [`latest`] (the end of year 9999, the last
//! time RFC 3339 can write with four digits).

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};

/// The latest time the sandbox works with: 9999-12-31T23:59:59Z.
pub(crate) fn latest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|day| day.and_hms_opt(23, 59, 59))
        .map_or(DateTime::<Utc>::MAX_UTC, |time| time.and_utc())
}

/// `time` moved by `seconds`, if the result is a time no later than [`latest`] (and no
/// overflow happened on the way).
pub(crate) fn checked_after(time: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
    TimeDelta::try_seconds(seconds)
        .and_then(|delta| time.checked_add_signed(delta))
        .filter(|moved| *moved <= latest())
}

/// `time` moved by `seconds`, saturating at chrono's earliest or latest time (for the
/// sandbox's own fixed lifetimes, which never reach it in practice).
pub(crate) fn after(time: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    let step = TimeDelta::try_seconds(seconds).unwrap_or(if seconds < 0 {
        TimeDelta::MIN
    } else {
        TimeDelta::MAX
    });
    later(time, step)
}

/// `time + step`, saturating at chrono's earliest or latest time (never panics, whatever the
/// settings: a cap's lifetime may be `Duration::MAX`).
pub(crate) fn later(time: DateTime<Utc>, step: TimeDelta) -> DateTime<Utc> {
    time.checked_add_signed(step)
        .unwrap_or(if step < TimeDelta::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

/// RFC 3339 with milliseconds and `Z`, as Monzo and MoMo write times.
pub(crate) fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn checked_after_refuses_what_lies_past_year_9999() {
        let now = at("2026-11-01T12:00:00Z");
        assert_eq!(checked_after(now, 60), Some(at("2026-11-01T12:01:00Z")));
        assert_eq!(checked_after(now, i64::MAX), None);
        assert_eq!(checked_after(now, 400 * 365 * 86_400 * 25), None);
        assert_eq!(checked_after(latest(), 0), Some(latest()));
        assert_eq!(checked_after(latest(), 1), None);
    }

    #[test]
    fn after_saturates_instead_of_panicking() {
        let now = at("2026-11-01T12:00:00Z");
        assert_eq!(after(now, 1), at("2026-11-01T12:00:01Z"));
        assert_eq!(after(now, i64::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(after(DateTime::<Utc>::MAX_UTC, 1), DateTime::<Utc>::MAX_UTC);
        assert_eq!(after(now, i64::MIN), DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn rfc3339_has_milliseconds_and_z() {
        assert_eq!(
            rfc3339(at("2026-11-01T12:00:00.5Z")),
            "2026-11-01T12:00:00.500Z"
        );
        assert_eq!(latest().to_rfc3339(), "9999-12-31T23:59:59+00:00");
    }
}
