//! Acting on members and messages, and the case history.

use qunguan_core::action::{Action, ActionOutcome, OutboxView};
use qunguan_core::case::{AuditReport, CaseView};
use qunguan_core::warning::WarningPreview;
use qunguan_core::{ApiError, Lang};
use qunguan_engine::ActRequest;
use tauri::State;

use crate::state::AppState;

/// Decides and carries out one action; the outcome says done, queued, refused or conflict.
#[tauri::command]
pub async fn act(
    state: State<'_, AppState>,
    group: String,
    action: Action,
    reason: String,
    rule: Option<String>,
    lang: Lang,
) -> Result<ActionOutcome, ApiError> {
    state.engine.act(ActRequest { group, action, reason, rule, lang }).await
}

/// The text a warning will carry (the dialog's preview), from the engine's one template.
#[tauri::command]
pub fn warning_preview(state: State<'_, AppState>, preview: WarningPreview) -> Result<String, ApiError> {
    state.engine.warning_preview(&preview)
}

/// Cases, oldest first, by group (room ID) and/or member.
#[tauri::command]
pub async fn list_cases(
    state: State<'_, AppState>,
    group: Option<String>,
    user: Option<String>,
) -> Result<Vec<CaseView>, ApiError> {
    state.engine.cases(group, user, None).await
}

/// My recent reasons, newest first (the action dialog's picks; kept in the encrypted store).
#[tauri::command]
pub async fn recent_reasons(state: State<'_, AppState>) -> Result<Vec<String>, ApiError> {
    state.engine.recent_reasons().await
}

/// Puts a reason first among my recent ones.
#[tauri::command]
pub async fn remember_reason(state: State<'_, AppState>, reason: String) -> Result<(), ApiError> {
    state.engine.remember_reason(&reason).await
}

#[tauri::command]
pub async fn list_outbox(state: State<'_, AppState>) -> Result<Vec<OutboxView>, ApiError> {
    state.engine.outbox().await
}

/// Ends a queued action without carrying it out (`cancelled`, with the reason in its case).
#[tauri::command]
pub async fn cancel_outbox(
    state: State<'_, AppState>,
    case_id: String,
    reason: String,
) -> Result<ActionOutcome, ApiError> {
    state.engine.cancel_outbox(&case_id, &reason).await
}

#[tauri::command]
pub async fn audit_verify(state: State<'_, AppState>) -> Result<AuditReport, ApiError> {
    state.engine.audit_verify().await
}
