//! Members' credit (the member card, the action dialog's ladder line) and the credit policy in
//! a group's settings.

use qunguan_core::ApiError;
use qunguan_core::action::Action;
use qunguan_core::credit::{ActionPreview, Credit, PolicyView};
use tauri::State;

use crate::state::AppState;

/// A member's credit in a group, with every change explained and their ladder standing.
#[tauri::command]
pub async fn credit(state: State<'_, AppState>, group: String, user: String) -> Result<Credit, ApiError> {
    state.engine.credit(&group, &user).await
}

/// A member's credit across all my groups (first), then per group they have cases in.
#[tauri::command]
pub async fn credit_everywhere(state: State<'_, AppState>, user: String) -> Result<Vec<Credit>, ApiError> {
    state.engine.credit_everywhere(&user).await
}

/// The action dialog's preview: the member's credit now and where the action puts them on the ladder.
#[tauri::command]
pub async fn action_preview(
    state: State<'_, AppState>,
    group: String,
    action: Action,
) -> Result<ActionPreview, ApiError> {
    state.engine.action_preview(&group, &action).await
}

/// The credit policy in effect for a group (`None`: this console's default) and where it comes from.
#[tauri::command]
pub async fn credit_policy(state: State<'_, AppState>, group: Option<String>) -> Result<PolicyView, ApiError> {
    state.engine.credit_policy(group.as_deref()).await
}

/// Checks a policy's JSON and makes it the group's own (`None`: this console's default); an
/// error names the field and nothing is applied.
#[tauri::command]
pub async fn set_credit_policy(
    state: State<'_, AppState>,
    group: Option<String>,
    text: String,
) -> Result<PolicyView, ApiError> {
    state.engine.set_credit_policy(group.as_deref(), &text).await
}
