//! The warning a member reads: one template, used by the engine to send it and served to the
//! app's action dialog for its preview, so what the admin previews is what the member reads.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// What the action dialog previews of a warning: the engine answers with the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct WarningPreview {
    /// The language of the group's warnings.
    pub lang: Lang,
    /// The member warned.
    pub user: String,
    /// As typed so far; blank shows an ellipsis where the reason will be.
    pub reason: String,
    /// The rule the warning cites; blank is none.
    pub rule: Option<String>,
}

/// The warning text for `user`, in the group's language. `rule` is the rule ID it cites.
pub fn warning_text(lang: Lang, user: &str, reason: &str, rule: Option<&str>) -> String {
    match (lang, rule) {
        (Lang::Zh, Some(r)) => format!("{user} 管理员警告：{reason}（依据群规 {r}）。请遵守群规。"),
        (Lang::Zh, None) => format!("{user} 管理员警告：{reason}。请遵守群规。"),
        (Lang::En, Some(r)) => {
            format!("{user}: warning from the admins: {reason} (rule {r}). Please follow the group rules.")
        }
        (Lang::En, None) => format!("{user}: warning from the admins: {reason}. Please follow the group rules."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_follow_the_group_language() {
        let table: &[(Lang, Option<&str>, &str)] = &[
            (Lang::Zh, Some("flood"), "@u:hs 管理员警告：刷屏（依据群规 flood）。请遵守群规。"),
            (Lang::Zh, None, "@u:hs 管理员警告：刷屏。请遵守群规。"),
            (
                Lang::En,
                Some("flood"),
                "@u:hs: warning from the admins: 刷屏 (rule flood). Please follow the group rules.",
            ),
            (Lang::En, None, "@u:hs: warning from the admins: 刷屏. Please follow the group rules."),
        ];
        for (lang, rule, want) in table {
            assert_eq!(warning_text(*lang, "@u:hs", "刷屏", *rule), *want, "{lang:?} with rule {rule:?}");
        }
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh, "a zh-CN console warns in Chinese");
    }
}
