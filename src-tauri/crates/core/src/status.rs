//! The one vocabulary for where a decided action stands: the outcome `qg` prints, a case's
//! latest status, and an outbox entry's state. Serialised (JSON, SQLite, the case log's
//! `status` detail) as the lower-case words `docs/cli.md` documents; the UI imports the
//! generated type instead of re-declaring it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{ApiError, ErrorCode};

/// Where a decided action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Recorded, waiting for its (next) attempt.
    Queued,
    /// Carried out (or it already held).
    Done,
    /// Our own rules said no; nothing was sent.
    Refused,
    /// The group or the member changed under us (someone else acted first).
    Conflict,
    /// The platform refused the request itself (bad ID, bad JSON, unknown room): retrying cannot help.
    Failed,
    /// Not carried out within the maximum age: ended rather than landing days late.
    Expired,
    /// Ended by an admin before it was carried out.
    Cancelled,
}

impl Status {
    /// Every status, in the order above.
    pub const ALL: [Status; 7] = [
        Status::Queued,
        Status::Done,
        Status::Refused,
        Status::Conflict,
        Status::Failed,
        Status::Expired,
        Status::Cancelled,
    ];

    /// The lower-case word `docs/cli.md` documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Done => "done",
            Status::Refused => "refused",
            Status::Conflict => "conflict",
            Status::Failed => "failed",
            Status::Expired => "expired",
            Status::Cancelled => "cancelled",
        }
    }

    /// Settled: no further attempt will be made.
    pub fn is_settled(self) -> bool {
        self != Status::Queued
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, format!("unknown status {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_keeps_todays_word_in_json_and_from_str() {
        let table = [
            (Status::Queued, "queued"),
            (Status::Done, "done"),
            (Status::Refused, "refused"),
            (Status::Conflict, "conflict"),
            (Status::Failed, "failed"),
            (Status::Expired, "expired"),
            (Status::Cancelled, "cancelled"),
        ];
        assert_eq!(table.len(), Status::ALL.len(), "the table should cover every status");
        for (status, word) in table {
            assert_eq!(status.as_str(), word, "as_str of {status:?} should be {word:?}");
            assert_eq!(status.to_string(), word, "Display of {status:?} should be {word:?}");
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(word),
                "{status:?} should serialise as {word:?} (the --json contract)"
            );
            assert_eq!(
                serde_json::from_value::<Status>(serde_json::json!(word)).unwrap(),
                status,
                "{word:?} should deserialise to {status:?}"
            );
            assert_eq!(word.parse::<Status>().unwrap(), status, "{word:?} should parse to {status:?}");
        }
        assert!("Done".parse::<Status>().is_err(), "parsing is exact: no other spelling is a status");
        assert!(serde_json::from_value::<Status>(serde_json::json!("ok")).is_err(), "an unknown word is refused");
    }
}
