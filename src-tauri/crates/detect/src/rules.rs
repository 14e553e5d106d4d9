//! Rules: what a finding means for a group.
//!
//! A [`Rule`] has a stable ID (`kw.gambling`, `pii.cn_mobile`, …), the detector it belongs to
//! (a [`Kind`]), a category for keyword rules, a severity and a suggested action. Every finding
//! names the rule it came from, so a moderation case can cite it (`qg warn … --rule kw.insult`).
//!
//! A group's rule set is data: JSON, merged over [`RuleSet::default`]. A rule whose ID exists
//! overrides only the fields it gives; a new ID adds a rule (keyword rules for a group's own
//! lexicon category: `{"id": "kw.drugs", "detector": "keyword", "category": "drugs", …}`).
//! Keyword hits use the keyword rule for their category, else `kw.custom`. A disabled rule
//! produces no findings.
//!
//! ```json
//! {
//!   "rules": [
//!     {"id": "kw.insult", "severity": "high", "action": "mute"},
//!     {"id": "pii.email", "enabled": false},
//!     {"id": "kw.drugs", "detector": "keyword", "category": "drugs", "severity": "high", "action": "remove"}
//!   ],
//!   "links": {"allow": ["example.org"], "deny": ["casino.example"]},
//!   "flood": {"max_messages": 5, "window_secs": 10, "repeat_senders": 3, "repeat_window_secs": 60},
//!   "mentions": {"max_mentions": 5}
//! }
//! ```

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::finding::{Kind, Severity, category};
use crate::links::LinkPolicy;

/// What the console suggests doing about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Put it in the queue for a person to look at.
    Review,
    /// Warn the sender.
    Warn,
    /// Remove the message (evidence first).
    Remove,
    /// Mute the sender for a while.
    Mute,
    /// Remove the sender from the group.
    Kick,
    /// Ban the sender.
    Ban,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Stable ID, cited by cases.
    pub id: String,
    /// The detector.
    pub detector: Kind,
    /// For keyword rules: the category it covers (`None` for the catch-all `kw.custom`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Severity of its findings.
    pub severity: Severity,
    /// Suggested action.
    pub action: Action,
    /// Whether it produces findings.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Flood thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FloodPolicy {
    /// This many messages by one sender…
    pub max_messages: usize,
    /// …within this many seconds is flooding.
    pub window_secs: u64,
    /// The same text from this many distinct senders…
    pub repeat_senders: usize,
    /// …within this many seconds is flooding.
    pub repeat_window_secs: u64,
    /// Texts shorter than this (normalised bytes) are never "repeated text" (`ok`, `收到`).
    pub repeat_min_bytes: usize,
}

impl Default for FloodPolicy {
    fn default() -> Self {
        FloodPolicy {
            max_messages: 5,
            window_secs: 10,
            repeat_senders: 3,
            repeat_window_secs: 60,
            repeat_min_bytes: 15,
        }
    }
}

/// Mention thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MentionPolicy {
    /// This many distinct mentions in one message is mention spam.
    pub max_mentions: usize,
}

impl Default for MentionPolicy {
    fn default() -> Self {
        MentionPolicy { max_mentions: 5 }
    }
}

/// A group's rules and detector settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSet {
    /// The rules.
    pub rules: Vec<Rule>,
    /// Link allow/deny lists.
    pub links: LinkPolicy,
    /// Flood thresholds.
    pub flood: FloodPolicy,
    /// Mention thresholds.
    pub mentions: MentionPolicy,
}

/// Rule IDs the detectors use.
pub mod ids {
    /// Resident ID.
    pub const CN_RESIDENT_ID: &str = "pii.cn_resident_id";
    /// Mobile number.
    pub const CN_MOBILE: &str = "pii.cn_mobile";
    /// Payment card.
    pub const BANK_CARD: &str = "pii.bank_card";
    /// E-mail address.
    pub const EMAIL: &str = "pii.email";
    /// Doxxing.
    pub const DOXXING: &str = "pii.doxxing";
    /// A link to a domain on neither list.
    pub const URL: &str = "link.url";
    /// A link to a denied domain.
    pub const URL_DENIED: &str = "link.denied";
    /// Too many mentions.
    pub const MENTIONS: &str = "spam.mentions";
    /// A room-wide ping.
    pub const MASS_MENTION: &str = "spam.mass_mention";
    /// Too many messages from one sender.
    pub const FLOOD_SENDER: &str = "flood.sender";
    /// Same text from many senders.
    pub const FLOOD_REPEAT: &str = "flood.repeat";
    /// Keyword hits in a category without its own rule.
    pub const KEYWORD_CUSTOM: &str = "kw.custom";
}

fn rule(id: &str, detector: Kind, category: Option<&str>, severity: Severity, action: Action) -> Rule {
    Rule { id: id.to_owned(), detector, category: category.map(str::to_owned), severity, action, enabled: true }
}

impl Default for RuleSet {
    fn default() -> Self {
        use Action::*;
        use Severity::*;
        let kw = |cat: &str, sev, act| rule(&format!("kw.{cat}"), Kind::Keyword, Some(cat), sev, act);
        RuleSet {
            rules: vec![
                kw(category::PORN, High, Remove),
                kw(category::VIOLENCE, High, Remove),
                kw(category::FRAUD, High, Remove),
                kw(category::PYRAMID, High, Remove),
                kw(category::GAMBLING, High, Remove),
                kw(category::INSULT, Medium, Warn),
                kw(category::SPAM, Low, Review),
                rule(ids::KEYWORD_CUSTOM, Kind::Keyword, None, Medium, Review),
                rule(ids::CN_RESIDENT_ID, Kind::CnResidentId, Some(category::PRIVACY), High, Remove),
                rule(ids::CN_MOBILE, Kind::CnMobile, Some(category::PRIVACY), Medium, Review),
                rule(ids::BANK_CARD, Kind::BankCard, Some(category::PRIVACY), High, Remove),
                rule(ids::EMAIL, Kind::Email, Some(category::PRIVACY), Low, Review),
                rule(ids::DOXXING, Kind::Doxxing, Some(category::PRIVACY), High, Remove),
                rule(ids::URL, Kind::Url, None, Low, Review),
                rule(ids::URL_DENIED, Kind::Url, Some(category::SPAM), High, Remove),
                rule(ids::MENTIONS, Kind::Mentions, Some(category::SPAM), Medium, Warn),
                rule(ids::MASS_MENTION, Kind::Mentions, Some(category::SPAM), Low, Review),
                rule(ids::FLOOD_SENDER, Kind::Flood, Some(category::SPAM), Medium, Mute),
                rule(ids::FLOOD_REPEAT, Kind::Flood, Some(category::SPAM), Medium, Remove),
            ],
            links: LinkPolicy::default(),
            flood: FloodPolicy::default(),
            mentions: MentionPolicy::default(),
        }
    }
}

/// A rule-set document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// Not valid JSON, or a field of the wrong type.
    #[error("rule set: {0}")]
    Json(String),
    /// A new rule lacks a field only overrides may omit.
    #[error("rule {id}: a new rule needs {field}")]
    Incomplete {
        /// The rule ID.
        id: String,
        /// The missing field.
        field: &'static str,
    },
    /// A keyword rule without a category, other than `kw.custom`.
    #[error("rule {0}: a keyword rule needs a category")]
    KeywordWithoutCategory(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulePatch {
    id: String,
    detector: Option<Kind>,
    category: Option<String>,
    severity: Option<Severity>,
    action: Option<Action>,
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    #[serde(default)]
    rules: Vec<RulePatch>,
    #[serde(default)]
    links: Option<LinkPolicy>,
    #[serde(default)]
    flood: Option<FloodPolicy>,
    #[serde(default)]
    mentions: Option<MentionPolicy>,
}

impl RuleSet {
    /// Parse a group's rule-set JSON and merge it over the defaults.
    pub fn from_json(json: &str) -> Result<RuleSet, RulesError> {
        let doc: Doc = serde_json::from_str(json).map_err(|e| RulesError::Json(e.to_string()))?;
        let mut set = RuleSet::default();
        for p in doc.rules {
            if let Some(r) = set.rules.iter_mut().find(|r| r.id == p.id) {
                if let Some(d) = p.detector {
                    r.detector = d;
                }
                if p.category.is_some() {
                    r.category = p.category;
                }
                if let Some(s) = p.severity {
                    r.severity = s;
                }
                if let Some(a) = p.action {
                    r.action = a;
                }
                if let Some(e) = p.enabled {
                    r.enabled = e;
                }
                continue;
            }
            let need = |f: &'static str| RulesError::Incomplete { id: p.id.clone(), field: f };
            let detector = p.detector.ok_or_else(|| need("detector"))?;
            let severity = p.severity.ok_or_else(|| need("severity"))?;
            let action = p.action.ok_or_else(|| need("action"))?;
            if detector == Kind::Keyword && p.category.is_none() {
                return Err(RulesError::KeywordWithoutCategory(p.id));
            }
            set.rules.push(Rule {
                id: p.id,
                detector,
                category: p.category,
                severity,
                action,
                enabled: p.enabled.unwrap_or(true),
            });
        }
        if let Some(l) = doc.links {
            set.links = l;
        }
        if let Some(f) = doc.flood {
            set.flood = f;
        }
        if let Some(m) = doc.mentions {
            set.mentions = m;
        }
        Ok(set)
    }

    /// The rule with this ID.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The rule keyword hits of `category` are reported under.
    pub fn keyword_rule(&self, category: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.detector == Kind::Keyword && r.category.as_deref() == Some(category))
            .or_else(|| self.get(ids::KEYWORD_CUSTOM))
    }

    /// Serialise as the JSON document [`RuleSet::from_json`] reads.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A rule resolved for fast use while scanning.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub id: Arc<str>,
    pub severity: Severity,
    pub enabled: bool,
}

impl Resolved {
    pub fn of(rule: Option<&Rule>, fallback_id: &str) -> Resolved {
        match rule {
            Some(r) => Resolved { id: Arc::from(r.id.as_str()), severity: r.severity, enabled: r.enabled },
            None => Resolved { id: Arc::from(fallback_id), severity: Severity::Medium, enabled: false },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_every_detector() {
        let set = RuleSet::default();
        for k in Kind::ALL {
            assert!(set.rules.iter().any(|r| r.detector == k), "{k} has a rule");
        }
        for cat in category::KEYWORD {
            assert_eq!(set.keyword_rule(cat).unwrap().id, format!("kw.{cat}"));
        }
        assert_eq!(set.keyword_rule("drugs").unwrap().id, ids::KEYWORD_CUSTOM);
        let mut ids: Vec<&str> = set.rules.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), set.rules.len(), "rule IDs are unique");
    }

    #[test]
    fn json_overrides_and_adds() {
        let set = RuleSet::from_json(
            r#"{"rules": [
                {"id": "kw.insult", "severity": "high", "action": "mute"},
                {"id": "pii.email", "enabled": false},
                {"id": "kw.drugs", "detector": "keyword", "category": "drugs", "severity": "high", "action": "remove"}
            ], "links": {"deny": ["casino.example"]}, "mentions": {"max_mentions": 3}}"#,
        )
        .unwrap();
        assert_eq!(set.get("kw.insult").unwrap().severity, Severity::High);
        assert_eq!(set.get("kw.insult").unwrap().action, Action::Mute);
        assert!(!set.get("pii.email").unwrap().enabled);
        assert_eq!(set.keyword_rule("drugs").unwrap().id, "kw.drugs");
        assert_eq!(set.links.deny, vec!["casino.example".to_string()]);
        assert_eq!(set.mentions.max_mentions, 3);
        assert_eq!(set.flood, FloodPolicy::default());
        // Round trip.
        assert_eq!(RuleSet::from_json(&set.to_json()).unwrap(), set);
    }

    #[test]
    fn bad_documents() {
        assert!(matches!(RuleSet::from_json("{"), Err(RulesError::Json(_))));
        assert!(matches!(
            RuleSet::from_json(r#"{"rules": [{"id": "x.new", "severity": "low"}]}"#),
            Err(RulesError::Incomplete { field: "detector", .. })
        ));
        assert!(matches!(
            RuleSet::from_json(
                r#"{"rules": [{"id": "kw.x", "detector": "keyword", "severity": "low", "action": "warn"}]}"#
            ),
            Err(RulesError::KeywordWithoutCategory(_))
        ));
        assert!(matches!(RuleSet::from_json(r#"{"rulez": []}"#), Err(RulesError::Json(_))));
    }
}
