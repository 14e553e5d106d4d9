//! Where access tokens live: the OS keyring (Secret Service on Linux), never a plain file.
//!
//! Keyring calls block (D-Bus round trips), so the async engine runs them on the blocking pool.
//! A missing or locked keyring is [`ErrorCode::KeyringUnavailable`], with a message that
//! names the way around it (`QG_HOMESERVER` + `QG_ACCESS_TOKEN`).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use qunguan_core::{ApiError, ErrorCode, Result, Secret};

/// The keyring "service" under which every Qunguan entry is filed.
pub const KEYRING_SERVICE: &str = "qunguan";

/// A place to keep secrets by key. Implementations must be cheap to call from a blocking thread.
pub trait SecretStore: Send + Sync {
    /// The secret under `key`, `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<Secret>>;
    /// Stores `value` under `key`, replacing what was there.
    fn set(&self, key: &str, value: &Secret) -> Result<()>;
    /// Removes the secret under `key` (no error when there is none).
    fn delete(&self, key: &str) -> Result<()>;
}

/// The OS keyring through `keyring-core` and the Secret Service store.
pub struct KeyringSecrets;

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::KeyringUnavailable,
        format!(
            "no usable OS keyring (Secret Service): {e}. Start a Secret Service (e.g. gnome-keyring) \
             or set QG_HOMESERVER and QG_ACCESS_TOKEN"
        ),
    )
}

fn store_ready() -> Result<()> {
    static READY: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    READY
        .get_or_init(|| {
            let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| e.to_string())?;
            keyring_core::set_default_store(store);
            Ok(())
        })
        .clone()
        .map_err(unavailable)
}

fn entry(key: &str) -> Result<keyring_core::Entry> {
    store_ready()?;
    keyring_core::Entry::new(KEYRING_SERVICE, key).map_err(unavailable)
}

impl SecretStore for KeyringSecrets {
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        match entry(key)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        entry(key)?.set_password(value.expose()).map_err(unavailable)
    }

    fn delete(&self, key: &str) -> Result<()> {
        match entry(key)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// An in-memory store for unit tests, and a stand-in that can be told to fail like a missing keyring.
#[derive(Default)]
pub struct MemorySecrets {
    values: Mutex<HashMap<String, Secret>>,
    /// Answer every call like a missing keyring (`keyring_unavailable`).
    pub unavailable: bool,
}

impl MemorySecrets {
    /// A store that fails like a machine without a Secret Service.
    pub fn broken() -> Self {
        Self { unavailable: true, ..Self::default() }
    }

    fn check(&self) -> Result<()> {
        if self.unavailable { Err(unavailable("test keyring is switched off")) } else { Ok(()) }
    }
}

impl SecretStore for MemorySecrets {
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        self.check()?;
        Ok(self.values.lock().expect("not poisoned").get(key).cloned())
    }

    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        self.check()?;
        self.values.lock().expect("not poisoned").insert(key.to_owned(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.check()?;
        self.values.lock().expect("not poisoned").remove(key);
        Ok(())
    }
}
