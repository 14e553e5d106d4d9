//! A group's written rules, its standing against its size tier, and its managers' records
//! (the group screen's banner and Admins tab, the group list's marker).

use qunguan_core::ApiError;
use qunguan_core::admin_record::AdminRecord;
use qunguan_core::compliance::Compliance;
use tauri::State;

use crate::state::AppState;

/// Sets the group's written rules (checked); the text as stored.
#[tauri::command]
pub async fn set_group_rules(state: State<'_, AppState>, group: String, text: String) -> Result<String, ApiError> {
    state.engine.set_group_rules(&group, &text).await
}

/// Every managed group's standing against its tier, or one group's (room ID).
#[tauri::command]
pub async fn group_compliance(state: State<'_, AppState>, group: Option<String>) -> Result<Vec<Compliance>, ApiError> {
    state.engine.compliance(group.as_deref()).await
}

/// Each manager's record in a group (room ID).
#[tauri::command]
pub async fn admin_records(state: State<'_, AppState>, group: String) -> Result<Vec<AdminRecord>, ApiError> {
    state.engine.admin_records(&group).await
}
