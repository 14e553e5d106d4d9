//! Payment card numbers: 13–19 digits, the Luhn check, and an issuer prefix that is valid for
//! the number's length (UnionPay 62/81, Visa 4, Mastercard 51–55/2221–2720, American Express
//! 34/37, JCB 3528–3589, Diners 30/36/38/39, Discover 6011/644–649/65, Maestro 50/56–58/67,
//! and the old domestic Chinese 60/94–99 ranges). Lengths are checked per issuer, so a
//! 13-digit millisecond timestamp or a date-prefixed order number does not pass.

/// Luhn (mod 10) check over digits.
pub(crate) fn luhn(d: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &x) in d.iter().rev().enumerate() {
        let mut v = x as u32;
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn prefix(d: &[u8], n: usize) -> u32 {
    d[..n.min(d.len())].iter().fold(0, |a, &x| a * 10 + x as u32)
}

/// Whether the issuer prefix allows this length.
pub(crate) fn issuer_ok(d: &[u8]) -> bool {
    let len = d.len();
    let p2 = prefix(d, 2);
    let p3 = prefix(d, 3);
    let p4 = prefix(d, 4);
    match d[0] {
        4 => len == 16 || len == 19 || len == 13,
        5 => match p2 {
            51..=55 => len == 16,
            50 | 56..=59 => (16..=19).contains(&len),
            _ => false,
        },
        2 => len == 16 && ((2221..=2720).contains(&p4) || (2200..=2204).contains(&p4)),
        3 => match p2 {
            34 | 37 => len == 15,
            35 => (3528..=3589).contains(&p4) && len == 16,
            36 => len == 14,
            30 => (300..=305).contains(&p3) && (14..=16).contains(&len),
            38 | 39 => len == 14 || len == 16,
            _ => false,
        },
        6 => match p2 {
            62 => (16..=19).contains(&len),
            60 => (16..=19).contains(&len),
            64 => (644..=649).contains(&p3) && (16..=19).contains(&len),
            65 | 67 => (16..=19).contains(&len),
            63 => p3 == 639 && (16..=19).contains(&len),
            _ => false,
        },
        8 => p2 == 81 && (16..=19).contains(&len),
        9 => (94..=99).contains(&p2) && (16..=19).contains(&len),
        _ => false,
    }
}

/// Whether the digits look like a payment card number.
pub(crate) fn valid(d: &[u8]) -> bool {
    (13..=19).contains(&d.len()) && issuer_ok(d) && luhn(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn table() {
        for (s, ok) in [
            ("4111111111111111", true),   // Visa test number
            ("5500000000000004", true),   // Mastercard test number
            ("340000000000009", true),    // Amex test number
            ("6011000000000004", true),   // Discover test number
            ("3530111333300000", true),   // JCB test number
            ("6212345678901232", true),   // UnionPay shape
            ("4111111111111112", false),  // Luhn
            ("1700000000000", false),     // timestamp
            ("2023112600000005", false),  // date-prefixed
            ("7000000000000006", false),  // no issuer 7
            ("41111111111111111", false), // Visa with 17 digits
        ] {
            assert_eq!(valid(&digits(s)), ok, "{s}");
        }
    }
}
