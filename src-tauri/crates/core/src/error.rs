//! The one error shape that crosses every boundary: a stable code and a human message.
//!
//! The UI switches on `code` (and translates it); `qg --json` prints the same pair on stderr.
//! Messages are English details for logs and for the "details" line; they never carry secrets.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Wrong user name or password (the server does not say which).
    AuthInvalidCredentials,
    /// The access token is expired, revoked or unknown: sign in again.
    AuthInvalidToken,
    /// No account is signed in and no token is in the environment.
    NotSignedIn,
    /// The homeserver could not be reached (DNS, refused, timed out).
    HomeserverUnreachable,
    /// Something answered, but it is not a Matrix homeserver.
    NotAHomeserver,
    /// No OS keyring (Secret Service) is available to keep the token.
    KeyringUnavailable,
    /// Bad arguments: nothing was done.
    InvalidInput,
    /// A file given to a command (input, lexicon, rules) is malformed; the message names file and line.
    InvalidFile,
    NotFound,
    Forbidden,
    RateLimited,
    /// The homeserver failed (5xx) or answered something unexpected.
    Platform,
    /// The local store failed (disk, encryption key).
    Store,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AuthInvalidCredentials => "auth_invalid_credentials",
            ErrorCode::AuthInvalidToken => "auth_invalid_token",
            ErrorCode::NotSignedIn => "not_signed_in",
            ErrorCode::HomeserverUnreachable => "homeserver_unreachable",
            ErrorCode::NotAHomeserver => "not_a_homeserver",
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::InvalidFile => "invalid_file",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Platform => "platform",
            ErrorCode::Store => "store",
            ErrorCode::Internal => "internal",
        }
    }
}

/// `{code, message}`: the error of every engine call, every IPC command and `qg --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = ApiError::new(ErrorCode::HomeserverUnreachable, "connection refused");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"code":"homeserver_unreachable","message":"connection refused"}"#);
    }

    #[test]
    fn as_str_matches_serde() {
        for code in [ErrorCode::AuthInvalidToken, ErrorCode::NotAHomeserver, ErrorCode::KeyringUnavailable] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json.trim_matches('"'), code.as_str());
        }
    }
}
