//! What the app keeps between commands: the one engine, and the live side of the queue (the
//! latest round of following, and when notifications may be shown).

use std::sync::Mutex;

use qunguan_core::Result;
use qunguan_core::follow::{FollowStatus, NotifyPrefs};
use qunguan_engine::{Engine, EngineConfig, EnvOverride};

pub struct AppState {
    pub engine: Engine,
    /// The latest round of following the groups (`follow` writes it, the queue screen reads it).
    pub follow: Mutex<FollowStatus>,
    /// The admin's notification settings, as the UI last sent them (kept with its other settings).
    pub notify: Mutex<NotifyPrefs>,
}

impl AppState {
    /// Same data directory and variables as `qg` (`$QG_HOME`, `QG_HOMESERVER`, `QG_ACCESS_TOKEN`),
    /// the variables as `main` took them from the environment.
    pub fn new(env: EnvOverride) -> Result<Self> {
        Ok(Self {
            engine: Engine::new(EngineConfig::standard(None, env)?),
            follow: Mutex::default(),
            notify: Mutex::default(),
        })
    }

    /// The latest round of following.
    pub fn follow_status(&self) -> FollowStatus {
        self.follow.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The notification settings now.
    pub fn notify_prefs(&self) -> NotifyPrefs {
        *self.notify.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the UI's notification settings.
    pub fn set_notify_prefs(&self, prefs: NotifyPrefs) {
        *self.notify.lock().unwrap_or_else(|e| e.into_inner()) = prefs;
    }
}
