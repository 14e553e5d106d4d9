//! The offline path: every successful read is written to the encrypted cache, and when the
//! homeserver cannot be reached the last cached answer is served with an "offline since" mark.

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

/// 256 random bits as 64 hex characters.
fn fresh_key() -> Result<Secret> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("no randomness for the cache key: {e}")))?;
    Ok(Secret::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// Is this failure "the server is not there" (serve the cache) rather than a real refusal?
pub(crate) fn is_offline(e: &ApiError) -> bool {
    matches!(e.code, ErrorCode::HomeserverUnreachable | ErrorCode::Platform | ErrorCode::RateLimited)
}

impl Engine {
    /// The cache key: `QG_CACHE_KEY`, else the keyring (created on first use when `create`).
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
        let key = match self.cache_key(account, true).await {
            Ok(k) => k,
            Err(e) if from_env && e.code == ErrorCode::KeyringUnavailable => None,
            Err(e) => return Err(e),
        };
        let Some(key) = key else { return Ok(()) };
        let path = home::account_dir(&self.home, account)?.join(CACHE_FILE);
        let store = tokio::task::spawn_blocking(move || Store::open(&path, &key))
            .await
            .map_err(|e| ApiError::internal(format!("cache task failed: {e}")))??;
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
            .map_err(|e| ApiError::internal(format!("cache task failed: {e}")))?
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
