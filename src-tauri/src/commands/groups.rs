//! The groups screen and a group's members.

use qunguan_core::{ApiError, Group, Member};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn list_groups(state: State<'_, AppState>) -> Result<Vec<Group>, ApiError> {
    state.engine.groups().await
}

#[tauri::command]
pub async fn list_members(state: State<'_, AppState>, group: String) -> Result<Vec<Member>, ApiError> {
    state.engine.members(&group).await
}

/// Why the group's case-log pointer is not followed (its sender could not choose the room), if so.
#[tauri::command]
pub async fn case_log_warning(state: State<'_, AppState>, group: String) -> Result<Option<String>, ApiError> {
    state.engine.case_log_warning(&group).await
}
