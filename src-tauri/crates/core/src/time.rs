//! RFC 3339 UTC times to and from Unix milliseconds, without a date crate (core stays dependency-light).

/// Formats milliseconds since the Unix epoch as an RFC 3339 UTC string, second precision.
pub fn rfc3339_from_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// The inverse of [`rfc3339_from_millis`]: milliseconds since the epoch of an RFC 3339 `YYYY-MM-DDTHH:MM:SSZ` (the only form we write).
pub fn millis_from_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from civil (Howard Hinnant), the inverse of `civil_from_days`.
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400) + h * 3600 + mi * 60 + se) * 1000)
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::{millis_from_rfc3339, rfc3339_from_millis};

    #[test]
    fn formats_known_instants() {
        let table = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400_000, "2000-02-29T00:00:00Z"),
            (1_795_435_199_999, "2026-11-23T11:59:59Z"),
            (-1_000, "1969-12-31T23:59:59Z"),
        ];
        for (ms, want) in table {
            assert_eq!(rfc3339_from_millis(ms), want, "ms = {ms}");
        }
    }

    #[test]
    fn parses_what_it_writes() {
        for ms in [0, 951_782_400_000, 1_795_435_199_000, 4_102_444_800_000] {
            assert_eq!(millis_from_rfc3339(&rfc3339_from_millis(ms)), Some(ms), "{ms}");
        }
        for bad in ["", "2026-11-23", "2026-11-23T10:00:00+08:00", "2026-1x-23T10:00:00Z"] {
            assert_eq!(millis_from_rfc3339(bad), None, "{bad}");
        }
    }
}
