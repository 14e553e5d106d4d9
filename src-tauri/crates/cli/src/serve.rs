//! `qg serve`: the always-on loop over the engine's due work.

use std::time::Duration;

use qunguan_core::Result;
use qunguan_engine::Engine;

use crate::act::print_outcomes;
use crate::i18n::{self, Lang};

/// Runs rounds until SIGINT/SIGTERM. A round that fails (e.g. the server is away) is reported
/// and the loop goes on: the work stays queued for the next round.
pub async fn run(engine: &Engine, interval: u64, json: bool, lang: Lang) -> Result<u8> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| qunguan_core::ApiError::internal(format!("cannot watch SIGTERM: {e}")))?;
    crate::term::err(&i18n::serving(interval, lang));
    // Each case-log warning once when it appears (or changes), not every round.
    let mut warned = Vec::new();
    loop {
        match engine.run_due().await {
            Ok(outcomes) if !outcomes.is_empty() => print_outcomes(&outcomes, json, lang, false)?,
            Ok(_) => {}
            Err(e) => crate::term::err(&i18n::describe(&e)),
        }
        let now = engine.case_log_warnings();
        for (group, why) in now.iter().filter(|w| !warned.contains(*w)) {
            crate::term::err(&i18n::case_log_warning(group, why, lang));
        }
        warned = now;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(interval)) => {}
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    Ok(0)
}
