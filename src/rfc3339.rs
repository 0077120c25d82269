//! A strict RFC 3339 date-time check, without a clock or a time library.

/// Whether `text` is an RFC 3339 date-time such as `2026-11-24T09:30:00Z` or
/// `2026-02-01T10:00:00.5+01:00` (a `t`/space separator and `z` are accepted,
/// as RFC 3339 allows). Checks field ranges, the days of the month and leap
/// years; a leap second (`:60`) is accepted.
pub fn is_valid(text: &str) -> bool {
    parse(text).is_some()
}

fn digits(bytes: &[u8], at: usize, count: usize) -> Option<u32> {
    let slice = bytes.get(at..at + count)?;
    let mut value = 0u32;
    for &byte in slice {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(byte - b'0');
    }
    Some(value)
}

/// The fields of an RFC 3339 date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DateTime {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// The fraction's first nine digits, as nanoseconds (more are dropped,
    /// as chrono drops them).
    nanos: u32,
    /// The offset from UTC in minutes (east positive).
    offset_minutes: i32,
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        _ => 28,
    }
}

fn parse(text: &str) -> Option<DateTime> {
    let b = text.as_bytes();
    let year = digits(b, 0, 4)?;
    (b.get(4) == Some(&b'-')).then_some(())?;
    let month = digits(b, 5, 2)?;
    (b.get(7) == Some(&b'-')).then_some(())?;
    let day = digits(b, 8, 2)?;
    matches!(b.get(10), Some(b'T' | b't' | b' ')).then_some(())?;
    let hour = digits(b, 11, 2)?;
    (b.get(13) == Some(&b':')).then_some(())?;
    let minute = digits(b, 14, 2)?;
    (b.get(16) == Some(&b':')).then_some(())?;
    let second = digits(b, 17, 2)?;
    let mut at = 19;
    let mut nanos = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 9 {
                nanos = nanos * 10 + u32::from(b[at] - b'0');
            }
            at += 1;
        }
        (at > start).then_some(())?;
        for _ in (at - start)..9 {
            nanos *= 10;
        }
    }
    // The offset's sign: `+`, `-`, or U+2212 MINUS SIGN (chrono, and so
    // Kimberlite, accepts it).
    let sign = match b.get(at) {
        Some(b'Z' | b'z') => None,
        Some(b'+') => Some((1, 1)),
        Some(b'-') => Some((1, -1)),
        _ if b[at..].starts_with("\u{2212}".as_bytes()) => Some((3, -1)),
        _ => return None,
    };
    let offset_minutes = match sign {
        None => {
            at += 1;
            0
        }
        Some((width, sign)) => {
            at += width;
            let offset_hour = digits(b, at, 2)?;
            (b.get(at + 2) == Some(&b':')).then_some(())?;
            let offset_minute = digits(b, at + 3, 2)?;
            (offset_hour <= 23 && offset_minute <= 59).then_some(())?;
            at += 5;
            sign * (offset_hour * 60 + offset_minute) as i32
        }
    };
    (at == b.len()).then_some(())?;
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour <= 23
        && minute <= 59
        && second <= 60;
    valid.then_some(DateTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset_minutes,
    })
}

/// The same instant written the way Kimberlite writes `applied_at` (chrono's
/// serialization of a UTC time): `2026-01-01T00:00:00Z`, with a fraction
/// only when it is not zero, in groups of three digits (`.500`, `.000001`,
/// `.631047791`), and the offset folded into the time. `None` when `text` is
/// not RFC 3339, or the instant falls outside the years 0 to 9999.
pub fn to_kimberlite_utc(text: &str) -> Option<String> {
    let time = parse(text)?;
    // Minutes since the day's start, in UTC; the day moves by at most one.
    let minutes = (time.hour * 60 + time.minute) as i32 - time.offset_minutes;
    let (mut year, mut month, mut day) = (time.year as i32, time.month, time.day);
    let minutes = if minutes < 0 {
        if day > 1 {
            day -= 1;
        } else if month > 1 {
            month -= 1;
            day = days_in_month(year as u32, month);
        } else {
            year -= 1;
            month = 12;
            day = 31;
        }
        minutes + 24 * 60
    } else if minutes >= 24 * 60 {
        if day < days_in_month(year as u32, month) {
            day += 1;
        } else if month < 12 {
            month += 1;
            day = 1;
        } else {
            year += 1;
            month = 1;
            day = 1;
        }
        minutes - 24 * 60
    } else {
        minutes
    };
    if !(0..=9999).contains(&year) {
        return None;
    }
    let fraction = match time.nanos {
        0 => String::new(),
        n if n % 1_000_000 == 0 => format!(".{:03}", n / 1_000_000),
        n if n % 1_000 == 0 => format!(".{:06}", n / 1_000),
        n => format!(".{n:09}"),
    };
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{fraction}Z",
        minutes / 60,
        minutes % 60,
        time.second
    ))
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn accepts_rfc3339() {
        for ok in [
            "2026-11-24T09:30:00Z",
            "2026-02-01T10:00:00Z",
            "2026-11-24T09:18:51.631047791Z",
            "2024-02-29T00:00:00+01:00",
            "2026-11-24t09:30:00z",
            "2026-11-24 09:30:00-05:30",
            "2026-11-24T09:30:00\u{2212}05:30",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
    }

    #[test]
    fn writes_instants_as_kimberlite_does() {
        for (given, written) in [
            ("2026-01-01T00:00:00.000Z", Some("2026-01-01T00:00:00Z")),
            ("2026-01-01T00:00:00.500Z", Some("2026-01-01T00:00:00.500Z")),
            ("2026-01-01T00:00:00.5Z", Some("2026-01-01T00:00:00.500Z")),
            (
                "2026-01-01T00:00:00.000001Z",
                Some("2026-01-01T00:00:00.000001Z"),
            ),
            (
                "2026-11-24T09:18:51.631047791Z",
                Some("2026-11-24T09:18:51.631047791Z"),
            ),
            ("2026-01-01T00:30:00+01:00", Some("2025-12-31T23:30:00Z")),
            (
                "2024-02-28T23:00:00\u{2212}01:00",
                Some("2024-02-29T00:00:00Z"),
            ),
            ("9999-12-31T23:00:00-01:00", None),
            ("yesterday", None),
        ] {
            assert_eq!(
                super::to_kimberlite_utc(given).as_deref(),
                written,
                "{given}"
            );
        }
    }

    #[test]
    fn rejects_the_rest() {
        for bad in [
            "",
            "yesterday",
            "2026-11-24",
            "2026-11-24T09:30:00",
            "2026-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T09:30:00.Z",
            "2026-11-24T09:30:00Z ",
            "2026-11-24T09:30:00+0100",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
