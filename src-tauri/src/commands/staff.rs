//! The platform-staff screen: the report inbox and the staff measures (server admins only).

use qunguan_core::ApiError;
use qunguan_core::action::{Action, ActionOutcome};
use qunguan_core::message::StaffItem;
use qunguan_engine::staff::StaffRequest;
use tauri::State;

use crate::state::AppState;

/// Is the signed-in account a server admin? The sidebar shows the inbox when so.
#[tauri::command]
pub async fn staff_status(state: State<'_, AppState>) -> Result<bool, ApiError> {
    state.engine.staff_status().await
}

/// Event and user reports, newest first, reported text masked.
#[tauri::command]
pub async fn staff_inbox(state: State<'_, AppState>) -> Result<Vec<StaffItem>, ApiError> {
    state.engine.staff_inbox().await
}

/// One staff measure (`staff_*` actions only), recorded as a case.
#[tauri::command]
pub async fn staff_act(state: State<'_, AppState>, action: Action, reason: String) -> Result<ActionOutcome, ApiError> {
    state.engine.staff_act(StaffRequest { action, reason, rule: None }).await
}
