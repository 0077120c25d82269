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

fn parse(text: &str) -> Option<()> {
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
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        (at > start).then_some(())?;
    }
    match b.get(at) {
        Some(b'Z' | b'z') => at += 1,
        Some(b'+' | b'-') => {
            let offset_hour = digits(b, at + 1, 2)?;
            (b.get(at + 3) == Some(&b':')).then_some(())?;
            let offset_minute = digits(b, at + 4, 2)?;
            (offset_hour <= 23 && offset_minute <= 59).then_some(())?;
            at += 6;
        }
        _ => return None,
    }
    (at == b.len()).then_some(())?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (day >= 1 && day <= days_in_month && hour <= 23 && minute <= 59 && second <= 60).then_some(())
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
        ] {
            assert!(is_valid(ok), "{ok}");
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
