//! The signed-in account: which homeserver, which user.

use serde::{Deserialize, Serialize};

/// A signed-in account: the homeserver and the user on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Account {
    /// The homeserver's client API base URL, e.g. `https://matrix.example.org`.
    pub homeserver: String,
    /// Full Matrix ID, e.g. `@owner:example.org`.
    pub user_id: String,
    /// The session's device, when the sign-in named one.
    pub device_id: Option<String>,
}

impl Account {
    /// A file-system-safe, stable name for the account's data directory.
    pub fn dir_name(&self) -> String {
        let host = self.homeserver.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/');
        let raw = format!("{}@{}", self.user_id.trim_start_matches('@'), host);
        raw.chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') { c } else { '_' })
            .collect()
    }

    /// The key under which the account's secrets live in the keyring.
    pub fn keyring_user(&self) -> String {
        format!("{}|{}", self.homeserver.trim_end_matches('/'), self.user_id)
    }
}

/// Whether reads come from the server or, while it cannot be reached, from the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConnectionStatus {
    /// RFC 3339 time of the cached data being shown; `null` while online.
    pub offline_since: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_name_is_safe_and_distinct_per_server() {
        let a = Account {
            homeserver: "http://127.0.0.1:8008/".into(),
            user_id: "@owner:localhost".into(),
            device_id: None,
        };
        assert_eq!(a.dir_name(), "owner_localhost@127.0.0.1_8008");
        let b = Account { homeserver: "http://127.0.0.1:8009".into(), ..a.clone() };
        assert_ne!(a.dir_name(), b.dir_name());
        let evil = Account { user_id: "@../../etc:x".into(), ..a };
        assert!(!evil.dir_name().contains('/'), "no path separators: {}", evil.dir_name());
    }
}
