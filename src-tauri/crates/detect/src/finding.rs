//! What a detector reports: a [`Finding`] names its kind, category, rule, severity and the
//! byte span of the original text it covers.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Which detector produced a finding. Serialised in snake_case, as `qg scan` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A lexicon term (category says which list).
    Keyword,
    /// Mainland China resident identity card number.
    CnResidentId,
    /// Mainland China mobile number.
    CnMobile,
    /// Payment card number.
    BankCard,
    /// E-mail address.
    Email,
    /// A person's name or address paired with an ID or phone number.
    Doxxing,
    /// A link.
    Url,
    /// Too many mentions in one message.
    Mentions,
    /// Too many messages, or the same text from many senders.
    Flood,
}

impl Kind {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Keyword => "keyword",
            Kind::CnResidentId => "cn_resident_id",
            Kind::CnMobile => "cn_mobile",
            Kind::BankCard => "bank_card",
            Kind::Email => "email",
            Kind::Doxxing => "doxxing",
            Kind::Url => "url",
            Kind::Mentions => "mentions",
            Kind::Flood => "flood",
        }
    }

    /// Every kind, in a stable order.
    pub const ALL: [Kind; 9] = [
        Kind::Keyword,
        Kind::CnResidentId,
        Kind::CnMobile,
        Kind::BankCard,
        Kind::Email,
        Kind::Doxxing,
        Kind::Url,
        Kind::Mentions,
        Kind::Flood,
    ];

    /// Parse a snake_case name.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a finding matters. Ordered: `Low < Medium < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Likely a violation.
    Medium,
    /// Act now.
    High,
}

impl Severity {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The built-in categories. Lexicons may add their own (any string).
pub mod category {
    /// Pornography.
    pub const PORN: &str = "porn";
    /// Violence and terrorism.
    pub const VIOLENCE: &str = "violence";
    /// Rumours and fraud.
    pub const FRAUD: &str = "fraud";
    /// Pyramid schemes.
    pub const PYRAMID: &str = "pyramid";
    /// Gambling.
    pub const GAMBLING: &str = "gambling";
    /// Insults and bullying.
    pub const INSULT: &str = "insult";
    /// Spam and advertising.
    pub const SPAM: &str = "spam";
    /// Personal data.
    pub const PRIVACY: &str = "privacy";
    /// The built-in keyword categories, in a stable order.
    pub const KEYWORD: [&str; 7] = [PORN, VIOLENCE, FRAUD, PYRAMID, GAMBLING, INSULT, SPAM];
}

/// One thing found in one message.
///
/// `start..end` is a UTF-8 byte range of the **original** text, on character boundaries; for a
/// keyword it covers the evading span (`百💰家乐`), separators included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which detector.
    pub kind: Kind,
    /// Category (`privacy` for personal data, the lexicon's for keywords), if any.
    pub category: Option<Arc<str>>,
    /// The ID of the rule that produced it (see [`crate::rules`]).
    pub rule: Arc<str>,
    /// Byte offset of the first byte in the original text.
    pub start: usize,
    /// Byte offset one past the last byte in the original text.
    pub end: usize,
    /// How much it matters.
    pub severity: Severity,
}

impl Finding {
    /// The original text this finding covers.
    pub fn matched<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }
}
