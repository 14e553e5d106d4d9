//! A group's Messages and Rules tabs.

use qunguan_core::ApiError;
use qunguan_core::message::{MessageView, Revealed, RuleView};
use tauri::State;

use crate::state::AppState;

/// The group's latest messages, oldest first, masked and flagged (the engine checks `limit`).
#[tauri::command]
pub async fn list_messages(
    state: State<'_, AppState>,
    group: String,
    limit: Option<u32>,
) -> Result<Vec<MessageView>, ApiError> {
    state.engine.messages(&group, limit).await
}

/// The rules a case can cite.
#[tauri::command]
pub async fn list_rules(state: State<'_, AppState>) -> Result<Vec<RuleView>, ApiError> {
    state.engine.rules().await
}

/// One message with its personal data shown; records a `reveal` case with the reason first.
#[tauri::command]
pub async fn reveal_message(
    state: State<'_, AppState>,
    group: String,
    event_id: String,
    reason: String,
) -> Result<Revealed, ApiError> {
    state.engine.reveal(&group, &event_id, &reason).await
}

/// Searches the cached messages of one group or all of mine (the engine validates the query).
#[tauri::command]
pub async fn search_messages(
    state: State<'_, AppState>,
    query: qunguan_core::search::SearchQuery,
) -> Result<qunguan_core::search::SearchPage, ApiError> {
    state.engine.search(query).await
}
