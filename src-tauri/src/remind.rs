//! Reminders of items that have waited too long: once a minute, while notifications are allowed
//! and reminders are on, the open items nobody holds that have waited past the admin's line
//! (the engine's [`qunguan_engine::Engine::waiting`]) are notified of, each once
//! ([`qunguan_core::remind::Reminders`], in memory), a few one by one or many in one
//! notification. On a task of its own: following the groups never waits for it. In the quiet
//! hours nothing is checked, so what still waits when they end is reminded of then.

use std::time::Duration;

use qunguan_core::remind::Reminders;
use tauri::{AppHandle, Manager};

use crate::notify;
use crate::state::AppState;

/// How often the queue is looked at.
const EVERY: Duration = Duration::from_secs(60);
/// How many of the latest waiting items one look reads.
const SCAN: u32 = 500;

/// Starts reminding (for the whole life of the app).
pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut reminders = Reminders::default();
        loop {
            tokio::time::sleep(EVERY).await;
            check(&app, &mut reminders).await;
        }
    });
}

async fn check(app: &AppHandle, reminders: &mut Reminders) {
    let state = app.state::<AppState>();
    let prefs = state.notify_prefs();
    let now = notify::now_ms();
    let Some(after) = prefs.remind_after_ms() else { return };
    if !prefs.allows(now) {
        return;
    }
    let items = match state.engine.waiting(after, SCAN).await {
        Ok(items) => items,
        Err(e) => {
            tracing::debug!(code = e.code.as_str(), "queue not read for reminders");
            return;
        }
    };
    let due = reminders.due(items, after, now);
    if due.is_empty() {
        return;
    }
    let minutes = prefs.remind_after_minutes.unwrap_or_default();
    let names = notify::group_names(&state.engine).await;
    notify::items(app, &due, notify::Why::Waiting { minutes }, prefs.lang, &names);
}
