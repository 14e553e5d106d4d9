//! Mainland China mobile numbers: 11 digits, `1` then a prefix allocated to mobile service in
//! the current numbering plan (MIIT; data-only 14x and satellite 1349/174x included, IoT 140–144
//! which are 13 digits long excluded).

/// Allocated three-digit mobile prefixes (second and third digit after the leading `1`).
const PREFIXES: [u16; 48] = [
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, // 13x
    145, 146, 147, 148, 149, // 14x data and mobile
    150, 151, 152, 153, 155, 156, 157, 158, 159, // 15x (154 unallocated)
    162, 165, 166, 167, // 16x
    170, 171, 172, 173, 174, 175, 176, 177, 178, // 17x (170/171 virtual operators)
    180, 181, 182, 183, 184, 185, 186, 187, 188, 189, // 18x
    190, // 19x continues below
];
const PREFIXES_19: [u16; 8] = [191, 192, 193, 195, 196, 197, 198, 199];

/// Whether 11 digits are a mainland mobile number.
pub(crate) fn valid(d: &[u8]) -> bool {
    if d.len() != 11 || d[0] != 1 {
        return false;
    }
    let p = d[0] as u16 * 100 + d[1] as u16 * 10 + d[2] as u16;
    PREFIXES.contains(&p) || PREFIXES_19.contains(&p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        for (s, ok) in [
            ("13812345678", true),
            ("19912345678", true),
            ("16612345678", true),
            ("17412345678", true),
            ("12345678901", false),
            ("15412345678", false),
            ("19412345678", false),
            ("10086123456", false),
            ("1381234567", false),
        ] {
            let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
            assert_eq!(valid(&d), ok, "{s}");
        }
    }
}
