//! The two timestamp formats providers send: RFC 3339 (`modifiedTime`, `editedTime`) and the
//! HTTP date of a `Retry-After` header. Small enough to parse here rather than add a date crate.

use std::time::{Duration, SystemTime};

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// A field of exactly `len` ASCII digits.
fn fixed(text: &str, len: usize) -> Option<u32> {
    if text.len() != len {
        return None;
    }
    digits(text)
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A calendar date and wall-clock time, as written in a timestamp.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
}

/// The instant `civil` denotes at UTC offset `offset_seconds`, after range-checking the fields.
fn to_system_time(civil: Civil, offset_seconds: i64) -> Option<SystemTime> {
    let Civil { year, month, day, hour, minute, second, nanos } = civil;
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour < 24
        && minute < 60
        && second < 61;
    if !valid {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second.min(59))
        - offset_seconds;
    let since_epoch = u64::try_from(seconds).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::new(since_epoch, nanos))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. Times before 1970 are refused (no
/// provider object is that old; it would only be a corrupted field).
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    if text.len() < 20 || !text.is_ascii() {
        return None;
    }
    let (date, rest) = text.split_at(10);
    let mut date_parts = date.split('-');
    let year = i64::from(fixed(date_parts.next()?, 4)?);
    let month = fixed(date_parts.next()?, 2)?;
    let day = fixed(date_parts.next()?, 2)?;
    if date_parts.next().is_some() || !matches!(rest.as_bytes().first(), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let rest = rest.get(1..)?;
    let clock = rest.get(..8)?;
    let mut clock_parts = clock.split(':');
    let hour = fixed(clock_parts.next()?, 2)?;
    let minute = fixed(clock_parts.next()?, 2)?;
    let second = fixed(clock_parts.next()?, 2)?;
    let mut rest = rest.get(8..)?;
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(fraction.len());
        let digits_text = fraction.get(..end)?;
        if digits_text.is_empty() {
            return None;
        }
        for (index, byte) in digits_text.bytes().take(9).enumerate() {
            nanos += u32::from(byte - b'0') * 10u32.pow(8 - index as u32);
        }
        rest = fraction.get(end..)?;
    }
    let offset_seconds = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let offset = rest.get(1..)?;
            let (hours, minutes) = offset.split_once(':')?;
            let (hours, minutes) = (fixed(hours, 2)?, fixed(minutes, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (i64::from(hours) * 3600 + i64::from(minutes) * 60)
        }
    };
    to_system_time(Civil { year, month, day, hour, minute, second, nanos }, offset_seconds)
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form HTTP/1.1 senders must use.
pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    let mut parts = text.split_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day = fixed(parts.next()?, 2)?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year = i64::from(fixed(parts.next()?, 4)?);
    let mut clock = parts.next()?.split(':');
    let hour = fixed(clock.next()?, 2)?;
    let minute = fixed(clock.next()?, 2)?;
    let second = fixed(clock.next()?, 2)?;
    if clock.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    to_system_time(Civil { year, month, day, hour, minute, second, nanos: 0 }, 0)
}

/// A `Retry-After` value: delay seconds, or an HTTP date measured against `now`.
pub(crate) fn parse_retry_after(text: &str, now: SystemTime) -> Option<Duration> {
    let text = text.trim();
    if let Some(seconds) = digits(text) {
        return Some(Duration::from_secs(u64::from(seconds)));
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(text)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Milliseconds since the epoch, clamped at zero for times before it.
pub(crate) fn unix_millis(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The time `millis` after the epoch; `None` if negative or out of range.
pub(crate) fn from_unix_millis(millis: i64) -> Option<SystemTime> {
    let millis = u64::try_from(millis).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(time: SystemTime) -> f64 {
        time.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs_f64()
    }

    #[test]
    fn rfc3339() {
        assert_eq!(secs(parse_rfc3339("1970-01-01T00:00:00Z").unwrap()), 0.0);
        assert_eq!(secs(parse_rfc3339("2026-01-02T03:04:05.678Z").unwrap()), 1_767_323_045.678);
        assert_eq!(secs(parse_rfc3339("2026-01-02T05:04:05.678+02:00").unwrap()), 1_767_323_045.678);
        assert_eq!(secs(parse_rfc3339("2000-02-29T12:00:00.123456789Z").unwrap()), 951_825_600.123_456_8);
        assert_eq!(secs(parse_rfc3339("2024-12-31T23:59:59-01:00").unwrap()), 1_735_693_199.0);
        for bad in [
            "",
            "2026-01-02",
            "2026-13-02T03:04:05Z",
            "2026-02-30T03:04:05Z",
            "2025-02-29T03:04:05Z",
            "2026-01-02T24:04:05Z",
            "2026-01-02T03:04:05",
            "2026-01-02T03:04:05.Z",
            "2026-01-02T03:04:05+2:00",
            "1969-12-31T23:59:59Z",
            "2026-01-02X03:04:05Z",
            "२०२६-01-02T03:04:05Z",
            "+026-01-02T03:04:05Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_770);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn millis_round_trip() {
        let time = from_unix_millis(1_767_323_045_678).unwrap();
        assert_eq!(unix_millis(time), 1_767_323_045_678);
        assert_eq!(from_unix_millis(-1), None);
        assert_eq!(unix_millis(SystemTime::UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
