//! The one error shape that crosses every boundary: a stable code and a human message.
//!
//! The UI switches on `code` (and translates it); `qg --json` prints the same pair on stderr.
//! Messages are English details for logs and for the "details" line; they never carry secrets.

use serde::{Deserialize, Serialize};

/// The stable codes the UI switches on and `qg --json` prints.
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
    /// The group, member, message, case or report does not exist (or not for me).
    NotFound,
    /// The server refused: my account may not do this.
    Forbidden,
    /// The server asked us to slow down and the wait ran out.
    RateLimited,
    /// The homeserver failed (5xx) or answered something unexpected.
    Platform,
    /// The local store failed (disk, encryption key).
    Store,
    /// A bug: something that should not happen did.
    Internal,
}

impl ErrorCode {
    /// The code as it appears in JSON (`auth_invalid_token`, …).
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

/// Whether trying the same request again can succeed (matrix-rust-sdk's `RetryKind`).
///
/// The outbox reads it to decide between "later" and "never": a transient or network failure
/// keeps a decided action queued with back-off; a permanent one ends it as failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryKind {
    /// No answer came (offline, DNS, refused, timed out): try again when the network is back.
    Network,
    /// The server answered but could not serve it now (5xx, 429): try again after a while.
    Transient,
    /// The request itself is wrong (bad ID, bad JSON, unknown room, forbidden): retrying cannot help.
    Permanent,
}

impl ErrorCode {
    /// The retry classification a code implies when the adapter said nothing more precise.
    pub fn default_retry(self) -> RetryKind {
        match self {
            ErrorCode::HomeserverUnreachable => RetryKind::Network,
            ErrorCode::RateLimited | ErrorCode::Platform => RetryKind::Transient,
            _ => RetryKind::Permanent,
        }
    }
}

/// The typed cause of an [`ApiError`], shared so the error stays `Clone`.
pub type Cause = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

/// `{code, message}`: the error of every engine call, every IPC command and `qg --json`.
// `retry` and `source` are not part of the wire shape. `retry` is the adapter's classification
// of a platform failure (a 400 is `platform` but permanent, a 503 is `platform` and transient),
// read by the outbox through `ApiError::retry_kind`. `source` is the typed error underneath
// (the store's SQLite error, the adapter's HTTP failure, an I/O error), kept up to the
// IPC/`--json` boundary for `Error::source` walkers and debug logs; `message` already carries
// its words, so what crosses the boundary is unchanged.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ApiError {
    /// What kind of failure, for the UI to switch on.
    pub code: ErrorCode,
    /// An English detail for logs and the "details" line (never a secret).
    pub message: String,
    /// The adapter's retry classification, when it made one (not serialised).
    #[serde(skip)]
    pub retry: Option<RetryKind>,
    /// The typed error this one came from, if kept (never on the wire).
    #[serde(skip)]
    pub source: Option<Cause>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

// By hand: the cause is the error inside the `Arc`, so that `downcast_ref` finds its type.
impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Two errors are the same when they say the same: the cause is how it came about.
impl PartialEq for ApiError {
    fn eq(&self, other: &Self) -> bool {
        (self.code, &self.message, self.retry) == (other.code, &other.message, other.retry)
    }
}

impl Eq for ApiError {}

impl ApiError {
    /// An error with this code and detail, not classified for retrying.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry: None, source: None }
    }

    /// `context: cause` as the message, and the cause kept as the error's source.
    pub fn caused_by(
        code: ErrorCode,
        context: impl std::fmt::Display,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::new(code, format!("{context}: {cause}")).with_source(cause)
    }

    /// The same error, keeping the typed error it came from.
    pub fn with_source(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(cause));
        self
    }

    /// The first error of type `E` in the chain under this one, if any.
    pub fn cause<E: std::error::Error + 'static>(&self) -> Option<&E> {
        let mut next = std::error::Error::source(self);
        while let Some(e) = next {
            if let Some(found) = e.downcast_ref::<E>() {
                return Some(found);
            }
            next = e.source();
        }
        None
    }

    /// The same error, classified for retrying by the one who knows (the platform adapter).
    pub fn with_retry(mut self, retry: RetryKind) -> Self {
        self.retry = Some(retry);
        self
    }

    /// How a retry would fare: the adapter's classification, else the code's default.
    pub fn retry_kind(&self) -> RetryKind {
        self.retry.unwrap_or_else(|| self.code.default_retry())
    }

    /// Bad arguments: nothing was done.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// A bug, reported as `internal`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

/// The result of every fallible call in Qunguan.
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
    fn retry_classification_is_not_on_the_wire_and_defaults_from_the_code() {
        let e = ApiError::new(ErrorCode::Platform, "HTTP 400 M_UNKNOWN").with_retry(RetryKind::Permanent);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "platform", "message": "HTTP 400 M_UNKNOWN"})
        );
        assert_eq!(e.retry_kind(), RetryKind::Permanent, "the adapter's word wins over the code's default");
        let table = [
            (ErrorCode::HomeserverUnreachable, RetryKind::Network),
            (ErrorCode::RateLimited, RetryKind::Transient),
            (ErrorCode::Platform, RetryKind::Transient),
            (ErrorCode::InvalidInput, RetryKind::Permanent),
            (ErrorCode::NotFound, RetryKind::Permanent),
            (ErrorCode::Forbidden, RetryKind::Permanent),
        ];
        for (code, want) in table {
            assert_eq!(ApiError::new(code, "x").retry_kind(), want, "{code:?}");
        }
    }

    #[test]
    fn the_cause_is_kept_under_the_error_and_left_off_the_wire() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "read-only file system");
        let e = ApiError::caused_by(ErrorCode::Store, "cannot write the cache", io);
        assert_eq!(e.message, "cannot write the cache: read-only file system", "the cause's words are in the message");
        let kind = e.cause::<std::io::Error>().map(std::io::Error::kind);
        assert_eq!(kind, Some(std::io::ErrorKind::PermissionDenied), "the typed cause is reachable");
        assert!(e.cause::<std::fmt::Error>().is_none(), "no cause of another type is invented");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "store", "message": "cannot write the cache: read-only file system"})
        );
        assert_eq!(e.clone(), ApiError::new(ErrorCode::Store, e.message.clone()), "equal by what they say");
    }

    #[test]
    fn as_str_matches_serde() {
        for code in [ErrorCode::AuthInvalidToken, ErrorCode::NotAHomeserver, ErrorCode::KeyringUnavailable] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json.trim_matches('"'), code.as_str());
        }
    }
}
