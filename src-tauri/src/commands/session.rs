//! The sign-in screen.

use qunguan_core::{Account, ApiError, ConnectionStatus, Secret};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn session_restore(state: State<'_, AppState>) -> Result<Option<Account>, ApiError> {
    state.engine.restore().await
}

#[tauri::command]
pub async fn sign_in_password(
    state: State<'_, AppState>,
    homeserver: String,
    user: String,
    password: String,
) -> Result<Account, ApiError> {
    state.engine.sign_in_password(&homeserver, &user, &Secret::new(password)).await
}

#[tauri::command]
pub async fn sign_in_token(state: State<'_, AppState>, homeserver: String, token: String) -> Result<Account, ApiError> {
    state.engine.sign_in_token(&homeserver, &Secret::new(token)).await
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), ApiError> {
    state.engine.sign_out().await
}

/// Online, or serving cached data since a time (set by the last read that found the server gone).
#[tauri::command]
pub fn connection_status(state: State<'_, AppState>) -> ConnectionStatus {
    ConnectionStatus { offline_since: state.engine.offline_since() }
}
