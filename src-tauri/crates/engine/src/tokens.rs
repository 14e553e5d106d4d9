//! Which account an environment token (`QG_HOMESERVER` + `QG_ACCESS_TOKEN`) belongs to, so
//! such a session starts offline like a keyring session: the first start online asks the
//! server (`whoami`) and remembers the answer; later starts that cannot reach the server use it.
//!
//! Kept under `<home>/tokens/`, one file per (homeserver, token) named by a SHA-256 of both:
//! the token itself is never written. A token the server calls invalid is forgotten.

use std::path::{Path, PathBuf};

use qunguan_core::{Account, ApiError, ErrorCode, Result, Secret};
use sha2::{Digest, Sha256};

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

fn store_error(what: &str, path: &Path, e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Store, format!("{what} {}: {e}", path.display()))
}

/// Remembers the account the server said the token belongs to (atomically: temp file, rename).
pub(crate) fn remember(home: &Path, homeserver: &str, token: &Secret, account: &Account) -> Result<()> {
    let path = path(home, homeserver, token);
    let dir = path.parent().expect("a file in the tokens directory");
    std::fs::create_dir_all(dir).map_err(|e| store_error("cannot create", dir, e))?;
    let json = serde_json::to_vec_pretty(account).map_err(|e| ApiError::internal(e.to_string()))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).map_err(|e| store_error("cannot write", &tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| store_error("cannot write", &path, e))
}

/// The account remembered for this token, if it was seen online before.
pub(crate) fn recall(home: &Path, homeserver: &str, token: &Secret) -> Result<Option<Account>> {
    let path = path(home, homeserver, token);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(store_error("cannot read", &path, e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| store_error("damaged file", &path, e))
}

/// Forgets a token the server no longer accepts.
pub(crate) fn forget(home: &Path, homeserver: &str, token: &Secret) -> Result<()> {
    let path = path(home, homeserver, token);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(store_error("cannot remove", &path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_remembered_by_its_hash_never_in_clear() {
        let home = tempfile::tempdir().unwrap();
        let token = Secret::new("syt_secret_token_value");
        let a = Account { homeserver: "http://127.0.0.1:1".into(), user_id: "@a:hs".into(), device_id: None };
        assert_eq!(recall(home.path(), "hs", &token).unwrap(), None);
        remember(home.path(), "hs", &token, &a).unwrap();
        assert_eq!(recall(home.path(), "hs", &token).unwrap(), Some(a.clone()));
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
