//! The flagged queue: its items, one item in context, claims and dismissals; the state of
//! following (the screen's progress line) and the notification settings.

use qunguan_core::action::{Action, ActionOutcome};
use qunguan_core::follow::{FollowStatus, NotifyPrefs};
use qunguan_core::message::MessageView;
use qunguan_core::queue::{ItemState, QueueItem};
use qunguan_core::{ApiError, Lang};
use tauri::State;

use crate::state::AppState;

/// Items in queue order (most severe, then oldest): open ones unless `state` says otherwise.
#[tauri::command]
pub async fn list_queue(
    state: State<'_, AppState>,
    group: Option<String>,
    item_state: Option<ItemState>,
    limit: Option<u32>,
) -> Result<Vec<QueueItem>, ApiError> {
    state.engine.queue(group.as_deref(), item_state, limit).await
}

/// One item with up to `context` stored messages either side (masked).
#[tauri::command]
pub async fn queue_item(
    state: State<'_, AppState>,
    id: String,
    context: u32,
) -> Result<(QueueItem, Vec<MessageView>), ApiError> {
    state.engine.queue_item(&id, context).await
}

/// Claims an item for me (someone else's only with `force`: taking it over).
#[tauri::command]
pub async fn claim_item(state: State<'_, AppState>, id: String, force: bool) -> Result<QueueItem, ApiError> {
    state.engine.claim(&id, force).await
}

/// Releases my claim (someone else's only with `force`).
#[tauri::command]
pub async fn release_item(state: State<'_, AppState>, id: String, force: bool) -> Result<QueueItem, ApiError> {
    state.engine.release(&id, force).await
}

/// Closes an item without acting, with a reason (a `dismiss` case).
#[tauri::command]
pub async fn dismiss_item(
    state: State<'_, AppState>,
    id: String,
    reason: String,
    force: bool,
) -> Result<ActionOutcome, ApiError> {
    state.engine.dismiss(&id, &reason, force).await
}

/// Where following the groups stands (the latest round).
#[tauri::command]
pub fn follow_status(state: State<'_, AppState>) -> FollowStatus {
    state.follow_status()
}

/// The notification settings the UI keeps (on/off, do-not-disturb hours, language).
#[tauri::command]
pub fn set_notify_prefs(state: State<'_, AppState>, prefs: NotifyPrefs) {
    state.set_notify_prefs(prefs);
}

/// Decides an item with an action on its message or its sender (asked first if held: `force`).
#[tauri::command]
pub async fn act_on_item(
    state: State<'_, AppState>,
    id: String,
    action: Action,
    reason: String,
    rule: Option<String>,
    lang: Lang,
    force: bool,
) -> Result<ActionOutcome, ApiError> {
    state.engine.act_on_item(&id, action, &reason, rule, lang, force).await
}
