//! What the app keeps between commands: the one engine.

use qunguan_core::Result;
use qunguan_engine::{Engine, EngineConfig};

pub struct AppState {
    pub engine: Engine,
}

impl AppState {
    /// Same data directory and variables as `qg` (`$QG_HOME`, `QG_HOMESERVER`, `QG_ACCESS_TOKEN`).
    pub fn from_env() -> Result<Self> {
        Ok(Self { engine: Engine::new(EngineConfig::standard(None)?) })
    }
}
