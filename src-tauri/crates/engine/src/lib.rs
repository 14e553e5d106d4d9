//! # qunguan-engine — the one API surface
//!
//! The desktop app's commands and `qg`'s subcommands are one-liners over [`Engine`], so the
//! GUI and the CLI can never disagree and every capability is testable without a window.
//!
//! ## Design
//! - The engine owns the session: which account is signed in (a small JSON file in the data
//!   directory), its access token (the OS keyring, through [`secrets::SecretStore`]) and the
//!   open platform connection. `QG_HOMESERVER` + `QG_ACCESS_TOKEN` override the stored
//!   session for scripts and CI, and then nothing is written to the keyring. The secret ones
//!   are taken out of the environment as they are read ([`EnvOverride::take_from_env`]), so no
//!   child process (WebKit's web and network processes) inherits them;
//!   the account such a token belongs to is remembered by a hash of the token (`tokens.rs`), so
//!   it starts offline too.
//! - The platform is reached only through `qunguan_core::platform::{Connector, Platform}`, so
//!   unit tests run the engine against fakes and the end-to-end suite against Synapse.
//! - Every error is a `qunguan_core::ApiError` — `{code, message}` — ready for IPC and `--json`.

#![warn(missing_docs)]

/// Acting: decision → case log + outbox (one transaction) → platform → outcome.
mod act;
/// `ban` / `unban --all-groups`: a case per group plus the shared blocklist entry.
mod blocklist;
/// The offline path: reads written to the cache, served with an "offline since" mark.
mod cache;
/// Reading the case log and the outbox, and verifying the chains.
mod cases;
/// Members' credit, the credit policies, the warning ladder and the action preview.
mod credit;
/// Work that comes due: queued retries and timed mutes that end.
mod due;
/// Evidence packages: one case or a group's month exported from the store, and re-checked.
pub mod evidence;
/// Groups I manage and their members, live or from the cache.
mod groups;
/// Each managed group's history back-filled into the store, page by page, to a depth.
pub mod history;
/// The data directory and the per-account subdirectories in it.
pub mod home;
/// The store's writer for following: rounds written on their own thread, queued ones together.
pub mod ingest;
/// The warning ladder's automatic step, taken as a case of the admin whose case reached it.
mod ladder;
/// Which case-log rooms a sync round reads: those its `/sync` brought news from.
mod logs;
/// A message's text split into display segments, personal data masked.
mod mask;
/// A group's messages, scanned and masked, and its rules for the rule picker.
pub mod messages;
/// The flagged queue as the app and `qg queue` show it, and closing items (dismiss).
pub mod queue;
/// Deciding a queue item with an action on its message or its sender.
mod queue_act;
/// Recent reasons, kept in the encrypted store and offered again by the action dialog.
pub mod reasons;
/// Retention and privacy: the retention policy, purges, one person's data exported or erased.
mod retention;
/// `qg scan`: the detection engine over a JSONL document.
pub mod scan;
/// Searching the cached messages: validation, the index's catch-up, confirmed and masked hits.
pub mod search;
/// Where access tokens and cache keys live: the OS keyring, never a plain file.
pub mod secrets;
/// Signing in and out, and restoring the session at start-up.
mod session;
/// The shared case log: posting my records to each group's moderation room, importing the others'.
mod shared;
/// Platform-staff mode: the report inbox and the platform-level measures.
pub mod staff;
/// A group's rules, its standing against its size tier, and its managers' records.
mod stewardship;
/// Following the groups: sync rounds into the store, messages checked, reports queued.
pub mod sync;
/// Which account an environment token belongs to, so such a session starts offline too.
mod tokens;

use std::path::PathBuf;
use std::sync::Arc;

use qunguan_core::platform::{Connector, Platform};
use qunguan_core::{Account, Secret};
use tokio::sync::Mutex;
use zeroize::Zeroize;

pub use act::ActRequest;
pub use qunguan_core::{ApiError, ErrorCode, Group, Member, Result};
pub use secrets::{KeyringSecrets, MemorySecrets, SecretStore};

/// Credentials from the environment (`QG_HOMESERVER`, `QG_ACCESS_TOKEN`); they win over the keyring.
#[derive(Debug, Clone, Default)]
pub struct EnvOverride {
    /// `QG_HOMESERVER`: the homeserver to use with `access_token`.
    pub homeserver: Option<String>,
    /// `QG_ACCESS_TOKEN`: a token that replaces the stored session.
    pub access_token: Option<Secret>,
    /// `QG_CACHE_KEY`: the cache key (64 hex characters) when the keyring is not used.
    pub cache_key: Option<Secret>,
    /// `QG_OUTBOX_MAX_AGE`: how long a decided action may wait in the outbox (`7d`, `12h`, …;
    /// default seven days) before it ends as `expired` instead of landing late.
    pub outbox_max_age: Option<String>,
    /// `QG_CLAIM_TTL`: how long a claim on a queue item holds without action (`30m`, `2h`, …;
    /// default 30 minutes).
    pub claim_ttl: Option<String>,
    /// `QG_TEST_NOW`, for tests only: the time (RFC 3339 UTC, `2026-03-01T00:00:00Z`) the
    /// engine's clock reads instead of the system's — what credit, the ladder, decisions and
    /// timed reversals take as now — so recovery and timed ends are tested without waiting.
    pub now: Option<String>,
}

/// The variables that hold secrets: removed from the environment once read.
pub const SECRET_VARS: [&str; 2] = ["QG_ACCESS_TOKEN", "QG_CACHE_KEY"];

impl EnvOverride {
    /// Reads the documented variables (empty values count as unset), then removes
    /// [`SECRET_VARS`] from the process environment so that no child process inherits them.
    ///
    /// # Safety
    /// Changing the environment is only sound while no other thread may read it: call this
    /// first thing in `main`, before an async runtime, a GUI toolkit or a logger starts a thread.
    pub unsafe fn take_from_env() -> Self {
        let env = Self::from_env();
        for k in SECRET_VARS {
            // SAFETY: single-threaded, as the caller promises.
            unsafe { std::env::remove_var(k) };
        }
        env
    }

    fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let secret = |k: &str| {
            let mut raw = std::env::var(k).ok()?;
            let value = Some(Secret::new(raw.trim())).filter(|s| !s.is_empty());
            raw.zeroize();
            value
        };
        Self {
            homeserver: var("QG_HOMESERVER"),
            access_token: secret("QG_ACCESS_TOKEN"),
            cache_key: secret("QG_CACHE_KEY"),
            outbox_max_age: var("QG_OUTBOX_MAX_AGE"),
            claim_ttl: var("QG_CLAIM_TTL"),
            now: var("QG_TEST_NOW"),
        }
    }
}

/// How to build an [`Engine`].
pub struct EngineConfig {
    /// The data directory (see [`home::resolve`]).
    pub home: PathBuf,
    /// Credentials and settings from the environment.
    pub env: EnvOverride,
    /// How to sign in and reach the platform (Matrix, or a fake in tests).
    pub connector: Arc<dyn Connector>,
    /// Where tokens and store keys are kept (the OS keyring, or memory in tests).
    pub secrets: Arc<dyn SecretStore>,
}

impl EngineConfig {
    /// The production set-up: Matrix, the OS keyring, `--home`/`$QG_HOME`/XDG, and the env
    /// override (taken from the environment at start-up, see [`EnvOverride::take_from_env`]).
    pub fn standard(home_flag: Option<PathBuf>, env: EnvOverride) -> Result<Self> {
        Ok(Self {
            home: home::resolve(home_flag)?,
            env,
            connector: Arc::new(qunguan_matrix::MatrixConnector::default()),
            secrets: Arc::new(KeyringSecrets),
        })
    }
}

struct Session {
    account: Account,
    platform: Arc<dyn Platform>,
    from_env: bool,
}

/// The engine: one per process, shared by every command.
pub struct Engine {
    home: PathBuf,
    env: EnvOverride,
    connector: Arc<dyn Connector>,
    secrets: Arc<dyn SecretStore>,
    session: Mutex<Option<Session>>,
    cache: std::sync::Mutex<Option<Arc<std::sync::Mutex<qunguan_store::Store>>>>,
    offline_since: std::sync::Mutex<Option<i64>>,
    /// Groups whose case-log pointer was not followed this run: `group → why` (see `shared`).
    case_log_warnings: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
    /// The groups followed between sync rounds (their power levels, their flood detectors).
    following: Mutex<sync::Following>,
    /// Held while a history back-fill runs (one at a time: a second would read the same pages).
    history: Mutex<()>,
    /// How far the current sync round is (see [`Engine::sync_progress`]).
    progress: tokio::sync::watch::Sender<qunguan_core::sync::SyncProgress>,
}

impl Engine {
    /// An engine over `config`; nothing is read or sent until the first call.
    pub fn new(config: EngineConfig) -> Self {
        Self {
            home: config.home,
            env: config.env,
            connector: config.connector,
            secrets: config.secrets,
            session: Mutex::new(None),
            cache: std::sync::Mutex::new(None),
            offline_since: std::sync::Mutex::new(None),
            case_log_warnings: std::sync::Mutex::default(),
            following: Mutex::default(),
            history: Mutex::default(),
            progress: tokio::sync::watch::Sender::new(Default::default()),
        }
    }

    /// The data directory this engine reads and writes.
    pub fn home(&self) -> &std::path::Path {
        &self.home
    }
}

/// Engine behaviour against a fake platform (the end-to-end suite runs it on Synapse).
#[cfg(test)]
mod tests;
