//! Mainland China resident identity number (GB 11643-1999): 6-digit area code, 8-digit birth
//! date, 3-digit sequence, 1 check character (`0`–`9` or `X` for 10).
//!
//! The first-generation number (issued until 1999, valid until 2013 but still written in old
//! records and forms) has 15 digits: 6-digit area code, `YYMMDD` birth date in the 1900s, 3-digit
//! sequence, no check digit. Without a check digit about one random 15-digit number in a hundred
//! passes [`valid15`], so the caller also wants a context word (see [`crate::pii`]).

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character by `sum % 11` (10 stands for `X`).
const CHECK: [u8; 11] = [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2];

/// Province-level codes in use (incl. 71 Taiwan, 81 Hong Kong, 82 Macao, 83 residence permits
/// for Taiwan residents).
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];

/// The GB 11643 check character for 17 digits (10 means `X`).
pub(crate) fn check_char(d17: &[u8]) -> u8 {
    let sum: u32 = d17.iter().zip(WEIGHTS).map(|(&d, w)| d as u32 * w).sum();
    CHECK[(sum % 11) as usize]
}

/// Whether 17 digits plus a check value (0–10) form a valid resident ID.
pub(crate) fn valid(d17: &[u8], check: u8) -> bool {
    if d17.len() != 17 {
        return false;
    }
    let province = d17[0] * 10 + d17[1];
    if !PROVINCES.contains(&province) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| d17[r].iter().fold(0u32, |a, &d| a * 10 + d as u32);
    let (y, m, d) = (num(6..10), num(10..12), num(12..14));
    if !(1900..=2099).contains(&y) || !valid_date(y, m, d) {
        return false;
    }
    check_char(d17) == check
}

/// Whether 15 digits form a plausible first-generation ID: a mainland province code, a real
/// birth date in 1900–1999 and a sequence other than `000`.
pub(crate) fn valid15(d: &[u8]) -> bool {
    if d.len() != 15 {
        return false;
    }
    let province = d[0] * 10 + d[1];
    if !PROVINCES.contains(&province) || province >= 71 {
        return false;
    }
    let num = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |a, &x| a * 10 + x as u32);
    valid_date(1900 + num(6..8), num(8..10), num(10..12)) && num(12..15) != 0
}

fn valid_date(y: u32, m: u32, d: u32) -> bool {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn standard_example() {
        // The worked example of GB 11643-1999.
        assert_eq!(check_char(&digits("11010519491231002")), 10);
        assert!(valid(&digits("11010519491231002"), 10));
        assert!(!valid(&digits("11010519491231002"), 1));
    }

    #[test]
    fn first_generation() {
        for (d, ok) in [
            ("110105491231002", true),
            ("440305900229123", false), // 1990-02-29: 1990 is not a leap year
            ("440305920229123", true),  // 1992-02-29
            ("110105491331002", false), // month 13
            ("990105491231002", false), // no province 99
            ("810105491231002", false), // Hong Kong had no first-generation mainland number
            ("110105491231000", false), // sequence 000
            ("11010549123100", false),  // 14 digits
        ] {
            assert_eq!(valid15(&digits(d)), ok, "{d}");
        }
    }

    #[test]
    fn dates_and_provinces() {
        // (17 digits, valid?) with the correct check digit computed in the test.
        for (d, ok) in [
            ("11010520000229001", true),  // leap day
            ("11010519000229001", false), // 1900 is not a leap year
            ("11010519901301001", false), // month 13
            ("99010519900101001", false), // no province 99
            ("20231126123456789", false), // an order number
        ] {
            let d = digits(d);
            assert_eq!(valid(&d, check_char(&d)), ok, "{d:?}");
        }
    }
}
