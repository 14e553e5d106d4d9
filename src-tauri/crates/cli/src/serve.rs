//! `qg serve`: the always-on loop over the engine's due work, and the groups followed live.

use std::time::Duration;

use qunguan_core::Result;
use qunguan_engine::Engine;
use tokio::sync::watch;

use crate::act::print_outcomes;
use crate::i18n::{self, Lang};

/// How long a following round waits for news.
const FOLLOW_WAIT_MS: u64 = 30_000;
/// The longest pause after failed sync rounds (it doubles from one second).
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Runs until SIGINT/SIGTERM: due work every `interval` seconds, and the groups' feed
/// continuously. A round that fails (e.g. the server is away) is reported and the loop goes
/// on: the work stays queued, and the feed resumes from its stored token.
pub async fn run(engine: &Engine, interval: u64, json: bool, lang: Lang) -> Result<u8> {
    let (signals, stopped) = stop_on_signals()?;
    crate::term::err(&i18n::serving(interval, lang));
    let quiet = |_: &qunguan_engine::sync::SyncReport| Ok(());
    let ((), due, followed) =
        tokio::join!(signals, due_work(engine, interval, json, lang, stopped.clone()), follow(engine, stopped, quiet));
    due.and(followed).map(|()| 0)
}

/// A future that resolves on Ctrl-C or SIGTERM, and the receiver that is told then.
pub(crate) fn stop_on_signals() -> Result<(impl std::future::Future<Output = ()>, watch::Receiver<bool>)> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| qunguan_core::ApiError::caused_by(qunguan_core::ErrorCode::Internal, "cannot watch SIGTERM", e))?;
    let (stop, stopped) = watch::channel(false);
    let signals = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        let _ = stop.send(true);
    };
    Ok((signals, stopped))
}

/// Waits `pause`, or less if told to stop; true when stopping.
async fn pause_or_stop(pause: Duration, stopped: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(pause) => *stopped.borrow(),
        _ = stopped.changed() => true,
    }
}

async fn due_work(
    engine: &Engine,
    interval: u64,
    json: bool,
    lang: Lang,
    mut stopped: watch::Receiver<bool>,
) -> Result<()> {
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
        if pause_or_stop(Duration::from_secs(interval), &mut stopped).await {
            return Ok(());
        }
    }
}

/// Follows the groups until told to stop: rounds back to back (each waits for news), a failed
/// round reported and retried after a growing pause, from the same stored token, so nothing
/// is lost. `on_round` sees each round's summary.
pub(crate) async fn follow(
    engine: &Engine,
    mut stopped: watch::Receiver<bool>,
    mut on_round: impl FnMut(&qunguan_engine::sync::SyncReport) -> Result<()>,
) -> Result<()> {
    let (mut wait, mut backoff) = (0, Duration::from_secs(1));
    loop {
        let pause = tokio::select! {
            r = engine.sync_once(wait) => match r {
                Ok(report) => {
                    on_round(&report)?;
                    // A little history between live rounds; a failure waits for the next.
                    if let Err(e) = engine.history_step().await {
                        tracing::warn!(code = e.code.as_str(), "history back-fill step failed");
                    }
                    (wait, backoff) = (FOLLOW_WAIT_MS, Duration::from_secs(1));
                    Duration::ZERO
                }
                Err(e) => {
                    crate::term::err(&i18n::describe(&e));
                    let pause = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    pause
                }
            },
            _ = stopped.changed() => return Ok(()),
        };
        if pause_or_stop(pause, &mut stopped).await {
            return Ok(());
        }
    }
}
