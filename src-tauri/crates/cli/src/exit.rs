//! Exit codes and error output, per the `qg` contract.

use std::process::ExitCode;

use qunguan_core::{ApiError, ErrorCode};

use crate::i18n;

/// `1` error · `2` usage error (bad arguments; nothing recorded).
pub fn code_for(e: &ApiError) -> u8 {
    match e.code {
        ErrorCode::InvalidInput => 2,
        _ => 1,
    }
}

pub fn report(e: &ApiError, json: bool) -> ExitCode {
    if json {
        eprintln!("{}", serde_json::to_string(e).unwrap_or_else(|_| format!("{{\"code\":\"{}\"}}", e.code.as_str())));
    } else {
        eprintln!("{}", i18n::describe(e));
    }
    ExitCode::from(code_for(e))
}
