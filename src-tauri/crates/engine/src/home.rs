//! The data directory: `--home DIR`, else `$QG_HOME`, else the XDG data dir (`~/.local/share/qunguan`).
//! Each account (homeserver + user) gets its own subdirectory; `current.json` names the
//! account that is signed in. No secret is ever written here.

use std::path::{Path, PathBuf};

use qunguan_core::{Account, ApiError, ErrorCode, Result};

const CURRENT_FILE: &str = "current.json";

/// The data directory: `--home DIR`, else `$QG_HOME`, else the XDG data dir (`qunguan` in it).
pub fn resolve(flag: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os("QG_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir()
        .map(|d| d.join("qunguan"))
        .ok_or_else(|| ApiError::new(ErrorCode::Store, "no data directory: set QG_HOME or pass --home"))
}

fn store_error(what: &str, path: &Path, e: impl std::error::Error + Send + Sync + 'static) -> ApiError {
    ApiError::caused_by(ErrorCode::Store, format!("{what} {}", path.display()), e)
}

/// The account directory, created on first use.
pub fn account_dir(home: &Path, account: &Account) -> Result<PathBuf> {
    let dir = home.join(account.dir_name());
    std::fs::create_dir_all(&dir).map_err(|e| store_error("cannot create", &dir, e))?;
    Ok(dir)
}

/// An account kept in a small JSON file; `None` when there is no file. A damaged file is an
/// error that names it.
pub(crate) fn read_account(path: &Path) -> Result<Option<Account>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(store_error("cannot read", path, e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| store_error("damaged file", path, e))
}

/// Keeps an account in a small JSON file, atomically (a temporary file, then a rename), making
/// the directory first.
pub(crate) fn write_account(path: &Path, account: &Account) -> Result<()> {
    let dir = path.parent().expect("an account file is in a directory");
    std::fs::create_dir_all(dir).map_err(|e| store_error("cannot create", dir, e))?;
    let json = serde_json::to_vec_pretty(account).map_err(|e| ApiError::internal(e.to_string()))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).map_err(|e| store_error("cannot write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| store_error("cannot write", path, e))
}

/// Removes a file; one that is not there is fine.
pub(crate) fn remove_file(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(store_error("cannot remove", path, e)),
    }
}

/// The account last signed in, if any. A damaged file is an error that names it.
pub fn read_current(home: &Path) -> Result<Option<Account>> {
    read_account(&home.join(CURRENT_FILE))
}

/// Records the signed-in account, atomically (write a temporary file, then rename).
pub fn write_current(home: &Path, account: &Account) -> Result<()> {
    write_account(&home.join(CURRENT_FILE), account)?;
    account_dir(home, account).map(drop)
}

/// Forgets which account is signed in (sign-out); the account's files stay.
pub fn clear_current(home: &Path) -> Result<()> {
    remove_file(&home.join(CURRENT_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_account_round_trips_and_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_current(dir.path()).unwrap(), None, "no current account before one is written");
        let a = Account { homeserver: "http://127.0.0.1:1".into(), user_id: "@a:hs".into(), device_id: None };
        write_current(dir.path(), &a).unwrap();
        assert_eq!(
            read_current(dir.path()).unwrap(),
            Some(a.clone()),
            "the current account should read back as written"
        );
        assert!(dir.path().join(a.dir_name()).is_dir(), "account directory created");
        std::fs::write(dir.path().join(CURRENT_FILE), "{oops").unwrap();
        let e = read_current(dir.path()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Store, "a damaged current account file should be a store error");
        assert!(e.message.contains("current.json"), "{}", e.message);
        clear_current(dir.path()).unwrap();
        clear_current(dir.path()).unwrap();
        assert_eq!(read_current(dir.path()).unwrap(), None, "clearing twice should leave no current account");
    }
}
