//! The language of text a member reads (the warning an admin sends): `zh` or `en`, as the app
//! and `qg` pass it and the outbox keeps it.

use serde::{Deserialize, Serialize};

/// A language a warning can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Simplified Chinese.
    Zh,
    /// English (the default).
    #[default]
    En,
}

impl Lang {
    /// The tag the app, `qg` and the outbox use (`zh`, `en`).
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// A language tag as older outbox entries may hold it (`zh`, `zh-CN`, `en`, …): Chinese for
    /// any `zh` tag, English otherwise, as the warning text always chose.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.starts_with("zh") { Lang::Zh } else { Lang::En }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_keep_todays_words() {
        for (lang, word) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
            assert_eq!(lang.as_str(), word, "as_str of {lang:?}");
            assert_eq!(serde_json::to_value(lang).unwrap(), serde_json::json!(word), "{lang:?} serialises as {word:?}");
            assert_eq!(serde_json::from_value::<Lang>(serde_json::json!(word)).unwrap(), lang, "{word:?} reads back");
            assert_eq!(Lang::from_tag(word), lang, "the tag {word:?} is {lang:?}");
        }
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh, "any zh tag is Chinese");
        assert_eq!(Lang::from_tag("fr"), Lang::En, "anything else is English");
    }
}
