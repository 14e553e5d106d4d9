//! The running app carries out due work (queued actions, ends of timed mutes) in the
//! background, like `qg serve`, so nothing waits for a terminal. Following the groups (new
//! messages, reports, claims) is `follow`'s, live.

use std::time::Duration;

use qunguan_core::ErrorCode;
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// Seconds between rounds; the first round runs right after start (missed reversals).
const ROUND: Duration = Duration::from_secs(15);

pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.state::<AppState>();
            match state.engine.run_due().await {
                Ok(outcomes) => {
                    for o in outcomes {
                        tracing::info!(case = %o.case_id, status = %o.status, "due action carried out");
                    }
                }
                Err(e) if e.code == ErrorCode::NotSignedIn => {}
                Err(e) => tracing::warn!(code = e.code.as_str(), "due work failed; it stays queued"),
            }
            tokio::time::sleep(ROUND).await;
        }
    });
}
