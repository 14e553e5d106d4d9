//! Exit codes and error output, per the `qg` contract.

use std::process::ExitCode;

use qunguan_core::{ApiError, ErrorCode};

use crate::{i18n, term};

/// `1` error · `2` usage error (bad arguments; nothing recorded).
pub fn code_for(e: &ApiError) -> u8 {
    match e.code {
        ErrorCode::InvalidInput => 2,
        _ => 1,
    }
}

/// The error as `qg` prints it: `{code, message}` JSON, or the described text; either way
/// without a control character (a server's error text is not ours to trust).
pub fn shown(e: &ApiError, json: bool) -> String {
    if json {
        term::json(&serde_json::to_string(e).unwrap_or_else(|_| format!("{{\"code\":\"{}\"}}", e.code.as_str())))
    } else {
        term::text(&i18n::describe(e))
    }
}

pub fn report(e: &ApiError, json: bool) -> ExitCode {
    eprintln!("{}", shown(e, json));
    ExitCode::from(code_for(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_error_text_reaches_the_terminal_without_control_characters() {
        let e = ApiError::new(ErrorCode::Platform, "M_UNKNOWN: \u{1b}]0;owned\u{7}bad\r\u{9b}2J gateway\u{202e}");
        for json in [false, true] {
            let s = shown(&e, json);
            assert!(
                !s.chars().any(|c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c)),
                "{json}: {s:?}"
            );
            assert!(s.contains("bad"), "the rest of the message is kept: {s:?}");
        }
        let back: ApiError = serde_json::from_str(&shown(&e, true)).unwrap();
        assert_eq!(back.message, e.message, "--json keeps the exact message, escaped");
    }
}
