//! The named credit levels (良好 / 一般 / 较差 / 危险) and where a score falls among them.

use serde::{Deserialize, Serialize};

use crate::Lang;

/// A member's credit level, from their score and the group's thresholds
/// ([`crate::credit::Thresholds`]); the rationale is in `docs/credit.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 危险: below the `poor` threshold; the next sanction is likely removal.
    Danger,
    /// 较差: from `poor` up to `fair`; repeated trouble, measures escalate.
    Poor,
    /// 一般: from `fair` up to `good`; some recent trouble.
    Fair,
    /// 良好: at or above `good`; nothing recent, or it has healed.
    Good,
}

impl Level {
    /// The word `qg --json` and the app use (`good`, `fair`, `poor`, `danger`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Good => "good",
            Level::Fair => "fair",
            Level::Poor => "poor",
            Level::Danger => "danger",
        }
    }

    /// The level's name as a person reads it.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Level::Good, Lang::Zh) => "良好",
            (Level::Fair, Lang::Zh) => "一般",
            (Level::Poor, Lang::Zh) => "较差",
            (Level::Danger, Lang::Zh) => "危险",
            (Level::Good, Lang::En) => "good",
            (Level::Fair, Lang::En) => "fair",
            (Level::Poor, Lang::En) => "poor",
            (Level::Danger, Lang::En) => "danger",
        }
    }
}
