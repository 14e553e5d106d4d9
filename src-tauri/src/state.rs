//! What the app keeps between commands: the one engine.

use qunguan_core::Result;
use qunguan_engine::{Engine, EngineConfig, EnvOverride};

pub struct AppState {
    pub engine: Engine,
}

impl AppState {
    /// Same data directory and variables as `qg` (`$QG_HOME`, `QG_HOMESERVER`, `QG_ACCESS_TOKEN`),
    /// the variables as `main` took them from the environment.
    pub fn new(env: EnvOverride) -> Result<Self> {
        Ok(Self { engine: Engine::new(EngineConfig::standard(None, env)?) })
    }
}
