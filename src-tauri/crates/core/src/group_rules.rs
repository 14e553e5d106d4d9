//! A group's written rules: the text its managers hold members to, kept in the group's own
//! settings (on Matrix, a state event only a manager's counts) and shown to every admin in the
//! action dialog. Written by people and read by every console, so it is checked on the way in
//! and on the way out alike.

/// The longest rules text, in characters (a state event holds at most 64 KiB of JSON).
pub const MAX_RULES_CHARS: usize = 8_000;

/// `text` as a group's rules: control characters other than line breaks and tabs dropped,
/// line ends made `\n`, surrounding blank space trimmed; refused when nothing is left or it is
/// longer than [`MAX_RULES_CHARS`].
pub fn checked(text: &str) -> crate::Result<String> {
    let text: String = text
        .replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .filter(|c| !('\u{202a}'..='\u{202e}').contains(c) && !('\u{2066}'..='\u{2069}').contains(c))
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Err(crate::ApiError::invalid_input("the group rules are empty: write at least one rule"));
    }
    let n = text.chars().count();
    if n > MAX_RULES_CHARS {
        return Err(crate::ApiError::invalid_input(format!(
            "the group rules are {n} characters long; at most {MAX_RULES_CHARS}"
        )));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_cleaned_and_bounded() {
        let table: &[(&str, Option<&str>)] = &[
            ("1. 不发广告\n2. 不人身攻击", Some("1. 不发广告\n2. 不人身攻击")),
            ("  \r\n1. Be kind\r\n\t- really\r\n ", Some("1. Be kind\n\t- really")),
            ("no \u{1b}[31mcolour\u{7} codes", Some("no [31mcolour codes")),
            ("no \u{202e}bidi\u{2066} tricks", Some("no bidi tricks")),
            ("", None),
            (" \n\t ", None),
            ("\u{7}\u{1b}", None),
        ];
        for (input, want) in table {
            assert_eq!(checked(input).ok().as_deref(), *want, "{input:?}");
        }
        assert!(checked(&"规".repeat(MAX_RULES_CHARS)).is_ok(), "the longest rules allowed");
        let e = checked(&"规".repeat(MAX_RULES_CHARS + 1)).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidInput, "too long is bad input: {e:?}");
    }
}
