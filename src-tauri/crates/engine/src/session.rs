//! Signing in and out, and restoring the session at start-up.

use std::sync::Arc;

use qunguan_core::platform::{Platform, SignedIn};
use qunguan_core::{Account, ApiError, ErrorCode, Result, RetryKind, Secret};

use crate::secrets::SecretStore;
use crate::{Engine, Session, home, tokens};

/// Runs a keyring call on the blocking pool (Secret Service calls are blocking D-Bus round trips).
/// A keyring that has not answered by then is treated as unavailable: a locked keyring can sit
/// on an unlock prompt indefinitely, and nothing may hang on it.
const KEYRING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub(crate) async fn blocking<T: Send + 'static>(
    secrets: &Arc<dyn SecretStore>,
    f: impl FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
) -> Result<T> {
    let secrets = secrets.clone();
    let task = tokio::task::spawn_blocking(move || f(secrets.as_ref()));
    match tokio::time::timeout(KEYRING_TIMEOUT, task).await {
        Ok(joined) => joined.map_err(|e| ApiError::caused_by(ErrorCode::Internal, "keyring task failed", e))?,
        Err(_) => Err(ApiError::new(
            ErrorCode::KeyringUnavailable,
            "the OS keyring did not answer (is it locked?): unlock it, or set QG_HOMESERVER and QG_ACCESS_TOKEN \
             (and QG_CACHE_KEY)",
        )),
    }
}

fn not_signed_in() -> ApiError {
    ApiError::new(ErrorCode::NotSignedIn, "not signed in: run `qg login`, or set QG_HOMESERVER and QG_ACCESS_TOKEN")
}

impl Engine {
    /// Signs in with a password; the token goes to the keyring, the account becomes current.
    pub async fn sign_in_password(&self, homeserver: &str, user: &str, password: &Secret) -> Result<Account> {
        let signed_in = self.connector.login_password(homeserver, user, password).await?;
        self.adopt(signed_in, true).await
    }

    /// Signs in with an existing access token (checked with the server first).
    pub async fn sign_in_token(&self, homeserver: &str, token: &Secret) -> Result<Account> {
        let signed_in = self.connector.login_token(homeserver, token).await?;
        self.adopt(signed_in, false).await
    }

    async fn adopt(&self, signed_in: SignedIn, created_device: bool) -> Result<Account> {
        let account = signed_in.account.clone();
        let platform = self.connector.open(signed_in.clone());
        let key = account.keyring_user();
        let token = signed_in.access_token.clone();
        if let Err(e) = blocking(&self.secrets, move |s| s.set(&key, &token)).await {
            if created_device {
                // Nowhere safe to keep the token: do not leave a live session behind on the server.
                if let Err(logout) = platform.logout().await {
                    tracing::warn!(code = logout.code.as_str(), "could not end the unsaved session");
                }
            }
            return Err(e);
        }
        home::write_current(&self.home, &account)?;
        self.open_cache(&account, false).await?;
        *self.session.lock().await = Some(Session { account: account.clone(), platform, from_env: false });
        // What was followed (groups, case-log rooms read) was another session's, maybe another account's.
        *self.following.lock().await = Default::default();
        Ok(account)
    }

    /// The signed-in account, from the environment or the keyring; `None` when signed out.
    /// Does not contact the server for a stored session (so it works offline).
    pub async fn restore(&self) -> Result<Option<Account>> {
        let mut session = self.session.lock().await;
        if let Some(s) = session.as_ref() {
            return Ok(Some(s.account.clone()));
        }
        if let Some(token) = &self.env.access_token {
            let homeserver =
                self.env.homeserver.as_deref().ok_or_else(|| {
                    ApiError::invalid_input("QG_ACCESS_TOKEN is set but QG_HOMESERVER is not: set both")
                })?;
            let signed_in = self.env_session(homeserver, token).await?;
            let account = signed_in.account.clone();
            let platform = self.connector.open(signed_in);
            self.open_cache(&account, true).await?;
            *session = Some(Session { account: account.clone(), platform, from_env: true });
            return Ok(Some(account));
        }
        let Some(account) = home::read_current(&self.home)? else { return Ok(None) };
        let key = account.keyring_user();
        let Some(token) = blocking(&self.secrets, move |s| s.get(&key)).await? else {
            // The token was removed from the keyring behind our back: treat as signed out.
            home::clear_current(&self.home)?;
            return Ok(None);
        };
        let platform = self.connector.open(SignedIn { account: account.clone(), access_token: token });
        self.open_cache(&account, false).await?;
        *session = Some(Session { account: account.clone(), platform, from_env: false });
        Ok(Some(account))
    }

    /// The session of an environment token: the server says whose it is, and that is
    /// remembered; while the server cannot be reached, the remembered account is used (like a
    /// keyring session, nothing is asked of the server at start).
    async fn env_session(&self, homeserver: &str, token: &Secret) -> Result<SignedIn> {
        match self.connector.login_token(homeserver, token).await {
            Ok(signed_in) => {
                if let Err(e) = tokens::remember(&self.home, homeserver, token, &signed_in.account) {
                    tracing::warn!(code = e.code.as_str(), "token's account not remembered; offline starts will fail");
                }
                Ok(signed_in)
            }
            Err(e) if e.retry_kind() != RetryKind::Permanent => match tokens::recall(&self.home, homeserver, token)? {
                Some(account) => Ok(SignedIn { account, access_token: token.clone() }),
                None => Err(e),
            },
            Err(e) => {
                if e.code == ErrorCode::AuthInvalidToken {
                    tokens::forget(&self.home, homeserver, token)?;
                }
                Err(e)
            }
        }
    }

    /// The platform connection of the signed-in account, or `not_signed_in`.
    pub(crate) async fn platform(&self) -> Result<(Account, Arc<dyn Platform>)> {
        self.restore().await?.ok_or_else(not_signed_in)?;
        let session = self.session.lock().await;
        let s = session.as_ref().ok_or_else(not_signed_in)?;
        Ok((s.account.clone(), s.platform.clone()))
    }

    /// Signs out: ends the session on the server (best effort) and removes the token and the
    /// current-account record. A session from `QG_ACCESS_TOKEN` is only forgotten, never revoked.
    pub async fn sign_out(&self) -> Result<()> {
        let account = match self.restore().await {
            Ok(Some(account)) => account,
            Ok(None) => return Ok(()),
            // The store cannot be opened (say its key is gone): signing out needs none.
            Err(e) if e.code == ErrorCode::Store => return self.sign_out_without_store().await,
            Err(e) => return Err(e),
        };
        let session = self.session.lock().await.take();
        *self.following.lock().await = Default::default();
        let Some(session) = session else { return Ok(()) };
        if session.from_env {
            return Ok(());
        }
        if let Err(e) = session.platform.logout().await {
            // Revoked token or no network: the local sign-out still happens.
            tracing::warn!(code = e.code.as_str(), "server-side sign-out failed");
        }
        let key = account.keyring_user();
        blocking(&self.secrets, move |s| s.delete(&key)).await?;
        // The cache (and its key) stay: case records must be kept; they reopen at the next sign-in.
        *self.cache.lock().expect("not poisoned") = None;
        home::clear_current(&self.home)
    }

    /// Signs out the stored session without opening its store: the token is revoked (best
    /// effort) and removed, the current-account record cleared; the store and its files stay.
    async fn sign_out_without_store(&self) -> Result<()> {
        if self.env.access_token.is_some() {
            return Ok(());
        }
        let Some(account) = home::read_current(&self.home)? else { return Ok(()) };
        let key = account.keyring_user();
        let lookup = key.clone();
        if let Some(token) = blocking(&self.secrets, move |s| s.get(&lookup)).await? {
            let platform = self.connector.open(SignedIn { account: account.clone(), access_token: token });
            if let Err(e) = platform.logout().await {
                tracing::warn!(code = e.code.as_str(), "server-side sign-out failed");
            }
        }
        blocking(&self.secrets, move |s| s.delete(&key)).await?;
        *self.session.lock().await = None;
        home::clear_current(&self.home)
    }
}
