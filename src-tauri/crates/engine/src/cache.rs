//! The offline path: every successful read is written to the encrypted cache, and when the
//! homeserver cannot be reached the last cached answer is served with an "offline since" mark.
//!
//! The cache key is made once, with the store: when the store exists but the keyring has lost
//! its key, a new key would only lock the old store away (its case records with it), so that
//! is an error that names the missing entry and the way around it (`QG_CACHE_KEY`).

use std::sync::{Arc, Mutex};

use qunguan_core::{Account, ApiError, ErrorCode, Result, Secret};
use qunguan_store::{CACHE_FILE, Store};

use crate::secrets::SecretStore;
use crate::session::blocking;
use crate::{Engine, home};

/// The keyring key of an account's cache key, next to its token.
fn cache_key_name(account: &Account) -> String {
    format!("{}#cache-key", account.keyring_user())
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl Engine {
    /// The engine's clock, Unix ms: the system's, or `QG_TEST_NOW` in tests (an unreadable
    /// value is an error naming the variable, never silently the system time).
    pub(crate) fn clock_ms(&self) -> Result<i64> {
        match &self.env.now {
            None => Ok(now_ms()),
            Some(t) => qunguan_core::time::millis_from_rfc3339(t).ok_or_else(|| {
                ApiError::invalid_input(format!(
                    "QG_TEST_NOW: “{t}” is not an RFC 3339 UTC time (2026-03-01T00:00:00Z)"
                ))
            }),
        }
    }
}

/// The store exists, its key is not in the keyring (and `QG_CACHE_KEY` is not set).
fn missing_key(account: &Account, store: &std::path::Path) -> ApiError {
    ApiError::new(
        ErrorCode::Store,
        format!(
            "the encrypted store {} of {} exists, but the OS keyring has no key for it: the entry \
             “{}” (service “{}”) is missing. Restore that entry, or set QG_CACHE_KEY to the store's key \
             (64 hexadecimal characters; it is used instead of the keyring). No new key is made over an \
             existing store, since its case records could no longer be read; signing out still works",
            store.display(),
            account.user_id,
            cache_key_name(account),
            crate::secrets::KEYRING_SERVICE,
        ),
    )
}

/// 256 random bits as 64 hex characters.
fn fresh_key() -> Result<Secret> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("no randomness for the cache key: {e}")))?;
    let key = Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    zeroize::Zeroize::zeroize(&mut bytes);
    Ok(key)
}

/// Is this failure "the server is not there" (serve the cache) rather than a real refusal?
pub(crate) fn is_offline(e: &ApiError) -> bool {
    matches!(e.code, ErrorCode::HomeserverUnreachable | ErrorCode::Platform | ErrorCode::RateLimited)
}

impl Engine {
    /// The cache key: `QG_CACHE_KEY`, else the keyring (created on first use when `create`,
    /// which is only while there is no store yet).
    async fn cache_key(&self, account: &Account, create: bool) -> Result<Option<Secret>> {
        if let Some(k) = &self.env.cache_key {
            return Ok(Some(k.clone()));
        }
        let name = cache_key_name(account);
        let secrets: Arc<dyn SecretStore> = self.secrets.clone();
        let existing = blocking(&secrets, {
            let name = name.clone();
            move |s| s.get(&name)
        })
        .await?;
        match existing {
            Some(k) => Ok(Some(k)),
            None if create => {
                let key = fresh_key()?;
                let stored = key.clone();
                blocking(&secrets, move |s| s.set(&name, &stored)).await?;
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }

    /// Opens the account's cache, creating its key when the keyring can hold one.
    /// Without a key (env session without `QG_CACHE_KEY` and no keyring) there is no cache.
    pub(crate) async fn open_cache(&self, account: &Account, from_env: bool) -> Result<()> {
        let path = home::account_dir(&self.home, account)?.join(CACHE_FILE);
        let exists = path.exists();
        let key = match self.cache_key(account, !exists).await {
            Ok(None) if exists => return Err(missing_key(account, &path)),
            Ok(k) => k,
            Err(e) if from_env && e.code == ErrorCode::KeyringUnavailable => None,
            Err(e) => return Err(e),
        };
        let Some(key) = key else { return Ok(()) };
        let store = tokio::task::spawn_blocking(move || Store::open(&path, &key))
            .await
            .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "cache task failed", e))??;
        *self.cache.lock().expect("not poisoned") = Some(Arc::new(Mutex::new(store)));
        Ok(())
    }

    /// Runs `f` on the cache, if there is one, on the blocking pool.
    pub(crate) async fn with_cache<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<Option<T>> {
        let Some(store) = self.cache.lock().expect("not poisoned").clone() else { return Ok(None) };
        tokio::task::spawn_blocking(move || f(&mut store.lock().expect("not poisoned")).map(Some))
            .await
            .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "cache task failed", e))?
    }

    pub(crate) fn set_online(&self) {
        *self.offline_since.lock().expect("not poisoned") = None;
    }

    pub(crate) fn set_offline(&self, fetched_at_ms: i64) {
        let mut o = self.offline_since.lock().expect("not poisoned");
        if o.is_none() {
            *o = Some(fetched_at_ms);
        }
    }

    /// When the last read was served from the cache because the server was unreachable:
    /// the RFC 3339 time of the cached data. `None` while online.
    pub fn offline_since(&self) -> Option<String> {
        self.offline_since.lock().expect("not poisoned").map(qunguan_core::time::rfc3339_from_millis)
    }
}
