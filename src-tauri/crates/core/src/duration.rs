//! Durations typed by a person (`10m`, `2h`, `3d`), checked before anything is recorded.

use crate::error::{ApiError, Result};

/// The longest timed measure the console accepts: one year.
pub const MAX_SECONDS: u64 = 365 * 24 * 3600;

/// Parses `<positive integer><unit>` with unit `s`, `m`, `h`, `d` or `w` into seconds.
/// Zero, negative, fractional, unit-less and over-a-year durations are refused with a reason.
pub fn parse_duration(input: &str) -> Result<u64> {
    let s = input.trim();
    let bad = |why: &str| ApiError::invalid_input(format!("duration “{input}”: {why}"));
    if s.starts_with('-') {
        return Err(bad("must not be negative"));
    }
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(|| bad("needs a unit: s, m, h, d or w (e.g. 10m)"))?;
    let (number, unit) = s.split_at(split);
    if number.is_empty() {
        return Err(bad("must start with a number (e.g. 10m, 2h, 3d)"));
    }
    let unit_seconds: u64 = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        other => return Err(bad(&format!("unknown unit “{other}”: use s, m, h, d or w"))),
    };
    let n: u64 = number.parse().map_err(|_| bad("is too large"))?;
    if n == 0 {
        return Err(bad("must be more than zero"));
    }
    let seconds = n.checked_mul(unit_seconds).ok_or_else(|| bad("is too large"))?;
    if seconds > MAX_SECONDS {
        return Err(bad("is longer than one year"));
    }
    Ok(seconds)
}

/// Seconds in the largest unit that divides them evenly (`604800` → `1w`, `90` → `90s`): the
/// inverse of [`parse_duration`], for messages.
pub fn format_duration(seconds: u64) -> String {
    let units = [(7 * 86_400, "w"), (86_400, "d"), (3600, "h"), (60, "m")];
    match units.iter().find(|(n, _)| seconds > 0 && seconds.is_multiple_of(*n)) {
        Some((n, unit)) => format!("{}{unit}", seconds / n),
        None => format!("{seconds}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_what_it_parses() {
        for text in ["1w", "3d", "2h", "10m", "90s", "8d"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
    }

    #[test]
    fn accepts_the_documented_forms() {
        let table =
            [("10m", 600), ("2h", 7200), ("3d", 259_200), ("1w", 604_800), (" 90s ", 90), ("365d", MAX_SECONDS)];
        for (input, want) in table {
            assert_eq!(parse_duration(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn refuses_with_a_reason() {
        let table = [
            ("-5m", "negative"),
            ("0m", "more than zero"),
            ("10 years", "unknown unit"),
            ("366d", "longer than one year"),
            ("53w", "longer than one year"),
            ("10", "needs a unit"),
            ("m", "must start with a number"),
            ("1.5h", "unknown unit"),
            ("", "needs a unit"),
            ("99999999999999999999d", "too large"),
        ];
        for (input, why) in table {
            let e = parse_duration(input).unwrap_err();
            assert!(e.message.contains(why), "{input}: {}", e.message);
            assert_eq!(e.code, crate::ErrorCode::InvalidInput, "a refused duration should be bad input");
        }
    }
}
