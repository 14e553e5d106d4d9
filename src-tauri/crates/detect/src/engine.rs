//! The per-message engine: one call runs every detector over one message.
//!
//! Order of work: normalise once, then run the lexicon automaton over the normalised bytes; if
//! the normaliser saw a possible leetspeak token, run it again over the leet view
//! ([`crate::leet`]) and keep the new hits that cover a replaced character.
//! The normaliser also counts digits and notes a few characters ([`crate::normalize::signals`]),
//! so the other detectors run only where they can find something: links only if the text has a
//! `.`; numbers only where the normalised text has a run of 11 or more digits; e-mail addresses
//! only with an "at" and a "dot" form; mentions only with an `@`/`＠`; doxxing only when an ID
//! or phone number was found. Buffers live in a [`Scratch`] that a caller scanning many
//! messages reuses. On the benchmark's chat text everything but the automaton costs about as
//! much as a raw Aho-Corasick pass (see `BENCH.md`).

use std::sync::Arc;

use crate::finding::{Finding, Kind, Severity, category};
use crate::leet::{self, Leet};
use crate::lexicon::{Hit, Lexicon, Matcher};
use crate::links::{self, Link, Verdict};
use crate::mentions;
use crate::normalize::{self, Normalized};
use crate::pii::{self, PiiHit, doxxing};
use crate::rules::{Resolved, RuleSet, ids};

/// Reusable buffers for [`Engine::scan_with`].
#[derive(Debug, Default)]
pub struct Scratch {
    norm: Normalized,
    hits: Vec<Hit>,
    links: Vec<Link>,
    pii: Vec<PiiHit>,
    leet: Leet,
    leet_norm: Normalized,
    leet_hits: Vec<Hit>,
    /// The matcher's encoding of the normalised text.
    encoded: Vec<u8>,
    /// Link spans (skipped by the personal-data pass) and ID / phone spans (doxxing anchors).
    spans: Vec<(usize, usize)>,
    anchors: Vec<(usize, usize)>,
}

impl Scratch {
    /// Empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The normalised form of the last scanned text.
    pub fn normalized(&self) -> &Normalized {
        &self.norm
    }
}

/// A compiled lexicon plus a group's rules: everything needed to scan messages.
pub struct Engine {
    matcher: Matcher,
    rules: RuleSet,
    /// Keyword rules by category index (see [`Matcher::categories`]).
    keyword: Vec<Resolved>,
    privacy: Arc<str>,
    spam: Arc<str>,
    id: Resolved,
    mobile: Resolved,
    card: Resolved,
    email: Resolved,
    doxxing: Resolved,
    url: Resolved,
    url_denied: Resolved,
    mentions: Resolved,
    mass_mention: Resolved,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("matcher", &self.matcher).finish()
    }
}

impl Engine {
    /// Compile `lexicon` and resolve `rules`.
    pub fn new(lexicon: &Lexicon, rules: RuleSet) -> Engine {
        Engine::from_matcher(lexicon.compile(), rules)
    }

    /// The built-in lexicon with default rules.
    pub fn builtin() -> Engine {
        Engine::new(&Lexicon::builtin(), RuleSet::default())
    }

    /// Use an already compiled lexicon.
    pub fn from_matcher(matcher: Matcher, rules: RuleSet) -> Engine {
        normalize::warm_up();
        let keyword =
            matcher.categories().iter().map(|c| Resolved::of(rules.keyword_rule(c), ids::KEYWORD_CUSTOM)).collect();
        let r = |id: &str| Resolved::of(rules.get(id), id);
        Engine {
            id: r(ids::CN_RESIDENT_ID),
            mobile: r(ids::CN_MOBILE),
            card: r(ids::BANK_CARD),
            email: r(ids::EMAIL),
            doxxing: r(ids::DOXXING),
            url: r(ids::URL),
            url_denied: r(ids::URL_DENIED),
            mentions: r(ids::MENTIONS),
            mass_mention: r(ids::MASS_MENTION),
            keyword,
            privacy: Arc::from(category::PRIVACY),
            spam: Arc::from(category::SPAM),
            matcher,
            rules,
        }
    }

    /// The compiled lexicon.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The rules in force.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Scan one message; findings are sorted by position.
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        self.scan_with(text, &mut Scratch::new(), &mut out);
        out
    }

    /// Scan one message, reusing `scratch`, appending findings (sorted by position) to `out`.
    pub fn scan_with(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<Finding>) {
        let first = out.len();
        normalize::normalize_encoded(text, &mut scratch.norm, self.matcher.codes());
        let text = &text[..scratch.norm.source(scratch.norm.len())];

        // Keywords.
        scratch.hits.clear();
        self.matcher.find_with(text, &scratch.norm, &mut scratch.hits, &mut scratch.encoded);
        if scratch.norm.signals() & normalize::signals::LEET != 0 {
            self.leet_pass(text, scratch);
        }
        for h in &scratch.hits {
            if let Some(r) = self.keyword.get(h.category_index)
                && r.enabled
            {
                out.push(Finding {
                    kind: Kind::Keyword,
                    category: Some(h.category.clone()),
                    rule: r.id.clone(),
                    start: h.start,
                    end: h.end,
                    severity: r.severity,
                });
            }
        }

        // Links.
        scratch.links.clear();
        let signals = scratch.norm.signals();
        if signals & normalize::signals::DOT != 0 {
            links::find(text, &mut scratch.links);
        }
        for l in &scratch.links {
            let (r, cat) = match self.rules.links.verdict(&l.host) {
                Verdict::Allowed => continue,
                Verdict::Denied => (&self.url_denied, Some(self.spam.clone())),
                Verdict::Unknown => (&self.url, None),
            };
            if r.enabled {
                out.push(Finding {
                    kind: Kind::Url,
                    category: cat,
                    rule: r.id.clone(),
                    start: l.start,
                    end: l.end,
                    severity: r.severity,
                });
            }
        }

        // Personal data.
        scratch.pii.clear();
        scratch.spans.clear();
        scratch.spans.extend(scratch.links.iter().map(|l| (l.start, l.end)));
        pii::scan_normalized(text, &scratch.norm, &scratch.spans, &mut scratch.pii);
        scratch.anchors.clear();
        scratch.anchors.extend(
            scratch
                .pii
                .iter()
                .filter(|h| matches!(h.kind, Kind::CnResidentId | Kind::CnMobile))
                .map(|h| (h.start, h.end)),
        );
        let dox = if self.doxxing.enabled { doxxing::find(text, &scratch.anchors) } else { None };
        for h in &scratch.pii {
            let r = match h.kind {
                Kind::CnResidentId => &self.id,
                Kind::CnMobile => &self.mobile,
                Kind::BankCard => &self.card,
                _ => &self.email,
            };
            if !r.enabled {
                continue;
            }
            let anchor = matches!(h.kind, Kind::CnResidentId | Kind::CnMobile);
            out.push(Finding {
                kind: h.kind,
                category: Some(self.privacy.clone()),
                rule: r.id.clone(),
                start: h.start,
                end: h.end,
                severity: if dox.is_some() && anchor { Severity::High } else { r.severity },
            });
        }
        if let Some((s, e)) = dox {
            out.push(Finding {
                kind: Kind::Doxxing,
                category: Some(self.privacy.clone()),
                rule: self.doxxing.id.clone(),
                start: s,
                end: e,
                severity: self.doxxing.severity,
            });
        }

        // Mentions.
        let m = if signals & normalize::signals::AT != 0 { mentions::count(text) } else { Default::default() };
        if let Some((s, e)) = m.span {
            let r = if m.distinct >= self.rules.mentions.max_mentions.max(1) {
                Some(&self.mentions)
            } else if m.mass {
                Some(&self.mass_mention)
            } else {
                None
            };
            if let Some(r) = r.filter(|r| r.enabled) {
                out.push(Finding {
                    kind: Kind::Mentions,
                    category: Some(self.spam.clone()),
                    rule: r.id.clone(),
                    start: s,
                    end: e,
                    severity: r.severity,
                });
            }
        }

        out[first..].sort_by_key(|f| (f.start, f.end, f.kind));
    }

    /// Keywords written in leetspeak (`p0rn`, `ca$ino`): the same automaton over the leet view
    /// ([`crate::leet`]), once with `1` → `i` and, if a `1` was replaced, once with `1` → `l`.
    /// A hit counts when it covers a replaced character and no hit of its category overlaps it.
    fn leet_pass(&self, text: &str, scratch: &mut Scratch) {
        for one in [b'i', b'l'] {
            if one == b'l' && !scratch.leet.had_one() {
                break;
            }
            if !leet::fold(text, one, &mut scratch.leet) {
                break;
            }
            normalize::normalize_encoded(scratch.leet.view(), &mut scratch.leet_norm, self.matcher.codes());
            scratch.leet_hits.clear();
            self.matcher.find_with(
                scratch.leet.view(),
                &scratch.leet_norm,
                &mut scratch.leet_hits,
                &mut scratch.encoded,
            );
            for h in scratch.leet_hits.drain(..) {
                let dup = scratch.hits.iter().any(|k| k.category == h.category && k.start < h.end && h.start < k.end);
                if !dup && scratch.leet.covers(h.start, h.end) {
                    scratch.hits.push(h);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Vec<(Kind, Option<String>, String, Severity)> {
        Engine::builtin()
            .scan(text)
            .into_iter()
            .map(|f| (f.kind, f.category.as_deref().map(str::to_owned), f.matched(text).to_owned(), f.severity))
            .collect()
    }

    #[test]
    fn every_detector_reports_through_the_engine() {
        use Kind::*;
        use Severity::*;
        let got = scan("来玩百💰家乐 https://x.example/a 13812345678 a@b.com");
        assert_eq!(
            got,
            vec![
                (Keyword, Some("gambling".into()), "百💰家乐".into(), High),
                (Url, None, "https://x.example/a".into(), Low),
                (CnMobile, Some("privacy".into()), "13812345678".into(), Medium),
                (Email, Some("privacy".into()), "a@b.com".into(), Low),
            ]
        );
    }

    #[test]
    fn doxxing_raises_the_numbers() {
        let got = scan("他叫王小明，电话13812345678");
        assert!(got.contains(&(Kind::CnMobile, Some("privacy".into()), "13812345678".into(), Severity::High)));
        assert!(got.iter().any(|f| f.0 == Kind::Doxxing && f.3 == Severity::High), "{got:?}");
    }

    #[test]
    fn mention_spam() {
        let got = scan("@a @b @c @d @e buy now");
        assert_eq!(got[0].0, Kind::Mentions);
        assert_eq!(got[0].2, "@a @b @c @d @e");
        assert!(scan("@a @b hi").is_empty());
    }

    /// (user lexicon rows, text, expected (kind, matched) list): leetspeak through the engine,
    /// and the personal data and ordinary text it must leave alone.
    type LeetCase = (&'static str, &'static str, &'static [(Kind, &'static str)]);
    const LEET: &[LeetCase] = &[
        ("p\tporn", "free p0rn here", &[(Kind::Keyword, "p0rn")]),
        ("g\tcasino", "best ca$ino online", &[(Kind::Keyword, "ca$ino")]),
        ("g\tcasino", "best c@sino online", &[(Kind::Keyword, "c@sino")]),
        ("g\tcasino", "ＣＡ＄ＩＮＯ", &[(Kind::Keyword, "ＣＡ＄ＩＮＯ")]),
        ("s\tviagra", "cheap v1agra!!", &[(Kind::Keyword, "v1agra")]),
        ("d\theroin", "h3ro1n 便宜出", &[(Kind::Keyword, "h3ro1n")]),
        ("d\tcocaine", "c0ca1n3 anyone", &[(Kind::Keyword, "c0ca1n3")]),
        ("x\tlolita", "1o1ita pics", &[(Kind::Keyword, "1o1ita")]),
        ("p\tsex", "$ex chat", &[(Kind::Keyword, "$ex")]),
        ("p\tsex", "5ex chat", &[(Kind::Keyword, "5ex")]),
        ("g\tcasino", "casino and c4sino", &[(Kind::Keyword, "casino"), (Kind::Keyword, "c4sino")]),
        ("g\tcasino", "c4sino88.vip", &[(Kind::Keyword, "c4sino")]),
        // personal data and ordinary text stay as they were
        (
            "p\tporn",
            "mail zhangwei@qq.com or 13812345678",
            &[(Kind::Email, "zhangwei@qq.com"), (Kind::CnMobile, "13812345678")],
        ),
        ("s\tsale", "s4le@shop.com", &[(Kind::Keyword, "s4le"), (Kind::Email, "s4le@shop.com")]),
        ("v\tvi", "upgrade to v1.2.3", &[]),
        ("g\tgo", "g0 SF1234567890 RMB500 US$50", &[]),
        ("i\tlion", "l10n and i18n", &[]),
        ("i\tass", "a55 and b4ss", &[]),
        ("p\tmpe\np\twebe\np\twinio", "mp3 mp4 x86 win10 web3", &[]),
    ];

    #[test]
    fn leetspeak() {
        for (rows, text, want) in LEET {
            let mut lex = Lexicon::empty();
            lex.add_tsv("t.tsv", rows).unwrap();
            let got: Vec<(Kind, String)> = Engine::new(&lex, RuleSet::default())
                .scan(text)
                .into_iter()
                .filter(|f| f.kind != Kind::Url)
                .map(|f| (f.kind, f.matched(text).to_owned()))
                .collect();
            let want: Vec<(Kind, String)> = want.iter().map(|(k, s)| (*k, s.to_string())).collect();
            assert_eq!(got, want, "lexicon {rows:?} on {text:?}");
        }
    }

    #[test]
    fn disabled_rules_are_silent() {
        let rules = RuleSet::from_json(
            r#"{"rules":[{"id":"pii.email","enabled":false},{"id":"kw.gambling","enabled":false}]}"#,
        )
        .unwrap();
        let e = Engine::new(&Lexicon::builtin(), rules);
        assert!(e.scan("百家乐 a@b.com").is_empty());
    }
}
