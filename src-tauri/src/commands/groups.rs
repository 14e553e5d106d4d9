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
