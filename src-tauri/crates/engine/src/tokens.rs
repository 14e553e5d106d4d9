//! Which account an environment token (`QG_HOMESERVER` + `QG_ACCESS_TOKEN`) belongs to, so
//! such a session starts offline like a keyring session: the first start online asks the
//! server (`whoami`) and remembers the answer; later starts that cannot reach the server use it.
//!
//! Kept under `<home>/tokens/`, one file per (homeserver, token) named by a SHA-256 of both:
//! the token itself is never written. A token the server calls invalid is forgotten.

use std::path::{Path, PathBuf};

use qunguan_core::{Account, Result, Secret};
use sha2::{Digest, Sha256};

use crate::home::{read_account, remove_file, write_account};

const DIR: &str = "tokens";

fn path(home: &Path, homeserver: &str, token: &Secret) -> PathBuf {
    let mut h = Sha256::new();
    h.update(b"qunguan.token-account.v1\0");
    h.update(homeserver.trim().as_bytes());
    h.update(b"\0");
    h.update(token.expose().trim().as_bytes());
    let name: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    home.join(DIR).join(format!("{name}.json"))
}

/// Remembers the account the server said the token belongs to.
pub(crate) fn remember(home: &Path, homeserver: &str, token: &Secret, account: &Account) -> Result<()> {
    write_account(&path(home, homeserver, token), account)
}

/// The account remembered for this token, if it was seen online before.
pub(crate) fn recall(home: &Path, homeserver: &str, token: &Secret) -> Result<Option<Account>> {
    read_account(&path(home, homeserver, token))
}

/// Forgets a token the server no longer accepts.
pub(crate) fn forget(home: &Path, homeserver: &str, token: &Secret) -> Result<()> {
    remove_file(&path(home, homeserver, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_remembered_by_its_hash_never_in_clear() {
        let home = tempfile::tempdir().unwrap();
        let token = Secret::new("syt_secret_token_value");
        let a = Account { homeserver: "http://127.0.0.1:1".into(), user_id: "@a:hs".into(), device_id: None };
        assert_eq!(recall(home.path(), "hs", &token).unwrap(), None, "a token never remembered should recall nothing");
        remember(home.path(), "hs", &token, &a).unwrap();
        assert_eq!(
            recall(home.path(), "hs", &token).unwrap(),
            Some(a.clone()),
            "a remembered token should recall its account"
        );
        assert_eq!(recall(home.path(), "other-hs", &token).unwrap(), None, "keyed by the homeserver too");
        assert_eq!(recall(home.path(), "hs", &Secret::new("another")).unwrap(), None, "and by the token");
        for entry in std::fs::read_dir(home.path().join(DIR)).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            let body = std::fs::read_to_string(entry.path()).unwrap();
            assert!(
                !name.contains("syt_secret") && !body.contains("syt_secret"),
                "the token must not be written: {name}: {body}"
            );
        }
        forget(home.path(), "hs", &token).unwrap();
        assert_eq!(recall(home.path(), "hs", &token).unwrap(), None, "forgotten");
        forget(home.path(), "hs", &token).unwrap();
    }
}
