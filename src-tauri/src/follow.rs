//! Following the groups live while the app is open: a first round that answers at once, then
//! rounds that wait up to 30 s for news, each stored, checked and queued by the engine. After
//! each round the window hears `queue-changed` (the round's summary) and reloads its queue; a
//! failed round is retried after a pause that doubles up to a minute. Nothing here blocks a
//! command: the rounds run on their own task, notifications on their own threads.

use std::time::Duration;

use qunguan_core::ErrorCode;
use qunguan_core::follow::{FollowPhase, FollowStatus};
use qunguan_core::message::Severity;
use qunguan_core::queue::ItemState;
use tauri::{AppHandle, Emitter, Manager};

use crate::notify;
use crate::state::AppState;

/// The event the window listens to: a [`FollowStatus`] after every round (and at its start).
pub const QUEUE_CHANGED: &str = "queue-changed";
/// How long a following round waits for news.
const WAIT_MS: u64 = 30_000;
/// The first pause after a failed round, doubled each time up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(2);
const MAX_PAUSE: Duration = Duration::from_secs(60);
/// How many of the most severe open items a round's notifications look among.
const NOTIFY_SCAN: u32 = 500;
/// While signed out: how often to look again.
const SIGNED_OUT_PAUSE: Duration = Duration::from_secs(2);

fn publish(app: &AppHandle, update: impl FnOnce(&mut FollowStatus)) {
    let state = app.state::<AppState>();
    let status = {
        let mut s = state.follow.lock().unwrap_or_else(|e| e.into_inner());
        update(&mut s);
        s.clone()
    };
    if let Err(e) = app.emit(QUEUE_CHANGED, status) {
        tracing::warn!(error = %e, "the window was not told of the round");
    }
}

/// Starts following (for the whole life of the app).
pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut first = true;
        let mut pause = FIRST_PAUSE;
        loop {
            if first {
                publish(&app, |s| s.phase = FollowPhase::Reading);
            }
            let state = app.state::<AppState>();
            let round = state.engine.sync_once(if first { 0 } else { WAIT_MS }).await;
            match round {
                Ok(report) => {
                    first = false;
                    pause = FIRST_PAUSE;
                    let fresh: Vec<String> = report.new_items.iter().chain(&report.raised_items).cloned().collect();
                    publish(&app, |s| {
                        s.phase = FollowPhase::Following;
                        s.groups = report.groups;
                        s.rounds += 1;
                        s.new_items = report.new_items;
                        s.raised_items = report.raised_items;
                        s.encrypted_groups = report.encrypted_groups;
                        s.error = None;
                    });
                    if !fresh.is_empty() {
                        // On a task of its own: the next round does not wait for the notifications.
                        tauri::async_runtime::spawn(notify_high(app.clone(), fresh));
                    }
                    // A little history, on a task of its own (one at a time: the engine skips a
                    // step while another runs), so following never waits for it.
                    tauri::async_runtime::spawn(history_step(app.clone()));
                }
                Err(e) if e.code == ErrorCode::NotSignedIn => {
                    // Signed out (or not yet in): the next account starts with a first round.
                    if state.follow_status().phase != FollowPhase::Idle {
                        publish(&app, |s| *s = FollowStatus::default());
                    }
                    first = true;
                    tokio::time::sleep(SIGNED_OUT_PAUSE).await;
                }
                Err(e) => {
                    tracing::warn!(
                        code = e.code.as_str(),
                        pause_s = pause.as_secs(),
                        "sync round failed; trying again"
                    );
                    publish(&app, |s| {
                        s.phase = FollowPhase::Retrying;
                        s.error = Some(e);
                    });
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PAUSE);
                }
            }
        }
    });
}

/// One step of the groups' history back-fill; where it stands goes to the window.
async fn history_step(app: AppHandle) {
    let state = app.state::<AppState>();
    match state.engine.history_step().await {
        Ok(Some(history)) => publish(&app, |s| s.history = history),
        Ok(None) => {}
        Err(e) => tracing::warn!(code = e.code.as_str(), "history back-fill step failed"),
    }
}

/// Notifies of the round's new (or raised) items that are high-severity and open, if the
/// settings allow now.
async fn notify_high(app: AppHandle, ids: Vec<String>) {
    let state = app.state::<AppState>();
    let prefs = state.notify_prefs();
    if !prefs.allows(notify::now_ms()) {
        return;
    }
    // One read of the open queue, most severe first: the round's items among its high ones.
    let fresh: std::collections::HashSet<String> = ids.into_iter().collect();
    let high: Vec<_> = match state.engine.queue(None, Some(ItemState::Open), Some(NOTIFY_SCAN)).await {
        Ok(items) => items.into_iter().filter(|i| i.severity == Severity::High && fresh.contains(&i.id)).collect(),
        Err(e) => {
            tracing::debug!(code = e.code.as_str(), "queue not read for notifications");
            return;
        }
    };
    if high.is_empty() {
        return;
    }
    let names = notify::group_names(&state.engine).await;
    notify::items(&app, &high, notify::Why::High, prefs.lang, &names);
}
