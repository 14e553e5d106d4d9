//! Recent reasons: what I wrote lately as the reason of an action, offered again by the action
//! dialog. Kept in the account's encrypted store (not the WebView's storage): a reason names
//! members and what they did, which is personal data.

use qunguan_core::{ApiError, Result};

use crate::Engine;

/// How many reasons are kept.
pub const RECENT_REASONS: usize = 6;
/// A longer reason is still a valid reason, but not one to offer as a quick pick.
const MAX_REMEMBERED_CHARS: usize = 200;

impl Engine {
    /// My recent reasons, newest first (none without a store).
    pub async fn recent_reasons(&self) -> Result<Vec<String>> {
        self.platform().await?;
        Ok(self.with_cache(|s| s.recent_reasons()).await?.unwrap_or_default())
    }

    /// Puts a reason first among my recent ones (once; the oldest beyond the cap are dropped).
    pub async fn remember_reason(&self, reason: &str) -> Result<()> {
        self.platform().await?;
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(ApiError::invalid_input("a reason to remember cannot be empty"));
        }
        if reason.chars().count() > MAX_REMEMBERED_CHARS {
            return Ok(());
        }
        self.with_cache(move |s| s.remember_reason(&reason, RECENT_REASONS)).await.map(drop)
    }
}
