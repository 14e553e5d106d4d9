//! The case log: every action as an append-only, hash-chained record.
//!
//! ## Design
//! - A [`CaseRecord`](crate::case::CaseRecord) is what was *decided*: who, on whom, what, why, citing which rule and
//!   which evidence, when. Its `hash` is SHA-256 over the previous record's hash, a newline and
//!   the record's RFC 8785 canonical JSON (see [`crate::canonical`]; the format is specified in
//!   `docs/case-log.md`, so a verifier in any language gets the same hash), so editing any
//!   field, deleting a record or reordering two breaks the chain at a findable place.
//! - Every record names the format its hash covers (`v`). Records written before the format was
//!   specified have none (`v` 0): their hash covers serde's compact JSON in field order, and
//!   they still verify that way; every new record is [`CASE_FORMAT`](crate::case::CASE_FORMAT).
//! - Dropping the newest records leaves a valid prefix; [`verify`](crate::case::verify) therefore takes the
//!   expected chain head (kept separately: locally and, on Matrix, as a state event).
//! - Another admin's chain, as imported, is checked against the head that admin published
//!   with [`verify_published`](crate::case::verify_published): the head may lag behind the records (it is written after
//!   them) but never lead, so a chain that ends before its published head lost records.
//! - Outcomes (done, queued, refused, conflict) are records too, of kind `outcome`, chained
//!   like the rest: a status is never edited in place.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The format of the records this build writes: RFC 8785 JSON of the record, `v` included.
pub const CASE_FORMAT: u32 = 1;

/// The `detail` key of a decision that ends an earlier case (a timed mute's end): that case's ID.
pub const ENDS_CASE: &str = "ends_case";

/// The `detail` key naming the queue item a case decided (in its decision and its outcome).
pub const ITEM_KEY: &str = "item";

fn is_legacy(v: &u32) -> bool {
    *v == 0
}

/// What a record is. The words are inside the hashed format, so a word this build does not
/// know (a newer console's) is kept exactly as written: the record still verifies, and is
/// neither a decision nor an outcome here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// What an admin decided (the case itself).
    Decision,
    /// How carrying it out went (done, queued, refused…); never edited, only followed.
    Outcome,
    /// Any other word, kept as written.
    Other(String),
}

impl RecordKind {
    /// The word the record holds.
    pub fn as_str(&self) -> &str {
        match self {
            RecordKind::Decision => "decision",
            RecordKind::Outcome => "outcome",
            RecordKind::Other(word) => word,
        }
    }
}

impl From<&str> for RecordKind {
    fn from(word: &str) -> Self {
        match word {
            "decision" => RecordKind::Decision,
            "outcome" => RecordKind::Outcome,
            other => RecordKind::Other(other.to_owned()),
        }
    }
}

impl Serialize for RecordKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RecordKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|w| RecordKind::from(w.as_str()))
    }
}

/// One entry of the case log, without its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// The format the hash covers: [`CASE_FORMAT`] for new records, 0 (absent) for older ones.
    #[serde(default, skip_serializing_if = "is_legacy")]
    pub v: u32,
    /// The case this record belongs to; a decision and its outcome share it.
    pub case_id: String,
    /// A decision or an outcome of one.
    pub kind: RecordKind,
    /// The group's room ID, or the name of a chain about no group (`platform`, `policy`, `staff`).
    pub group: String,
    /// Who decided: the acting admin's user ID.
    pub actor: String,
    /// Whom or what the action is about (a user, an event, a report); `None` for group-wide actions.
    pub target: Option<String>,
    /// The action's name as `qg` spells it (`mute`, `ban`, `remove`, …).
    pub action: crate::action::ActionKind,
    /// The reason the admin gave (personal data masked when shared).
    pub reason: String,
    /// The group rule the action cites, if any.
    pub rule: Option<String>,
    /// SHA-256 of the evidence captured before the action (removals, reports).
    pub evidence_hash: Option<String>,
    /// RFC 3339 UTC time the record was written.
    pub created_at: String,
    /// Action-specific facts (duration, previous level, outcome status and detail), sorted by key.
    pub detail: BTreeMap<String, String>,
}

/// A record with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chained {
    /// The record itself (flattened into the same JSON object).
    #[serde(flatten)]
    pub record: CaseRecord,
    /// The hash of the record before it, or [`GENESIS`] for the first.
    pub prev_hash: String,
    /// [`hash_record`] over `prev_hash` and `record`.
    pub hash: String,
}

/// SHA-256 (lower-case hex) over `prev_hash`, a newline, and the record's canonical JSON in
/// the format it names. A record of a format this build does not know has no hash it could
/// match (an empty string), so it never verifies rather than verifying wrongly.
pub fn hash_record(prev_hash: &str, record: &CaseRecord) -> String {
    let Some(canonical) = hashed_form(record) else { return String::new() };
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    hex(&h.finalize())
}

/// The bytes a record's hash covers after `prev_hash` and the newline: its RFC 8785 JSON
/// (format 1), or serde's compact JSON in field order (legacy records); `None` for a format
/// this build does not know.
pub fn hashed_form(record: &CaseRecord) -> Option<String> {
    match record.v {
        0 => Some(serde_json::to_string(record).expect("a record always serialises")),
        CASE_FORMAT => {
            let value = serde_json::to_value(record).expect("a record always serialises");
            Some(crate::canonical::to_string(&value).expect("a record holds strings, nulls and small integers only"))
        }
        _ => None,
    }
}

/// Lower-case hex, as every hash in the case log is written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends `record` after `head` (the last hash, or [`GENESIS`]).
pub fn chain(head: &str, record: CaseRecord) -> Chained {
    let hash = hash_record(head, &record);
    Chained { record, prev_hash: head.to_owned(), hash }
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// 0-based position of the first bad record (`len` when the head is missing records).
    pub index: usize,
    /// The case of the bad record, when there is one (not for a missing tail).
    pub case_id: Option<String>,
    /// What is wrong there.
    pub kind: BreakKind,
}

/// How a chain is broken; each kind names a different tampering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The record's content no longer matches its hash.
    Edited,
    /// The record does not follow the one before it (a record was removed or moved).
    Unlinked,
    /// The chain ends before the recorded head (newest records removed).
    Truncated,
    /// Another admin's record was imported, then removed (redacted) from the shared log.
    Removed,
    /// My own record is in the group's moderation room but no longer in my local chain
    /// (deleted here, head and all: only the room still knows it).
    Missing,
}

/// Checks every link and hash, and that the chain ends at `expected_head` when given.
pub fn verify(records: &[Chained], expected_head: Option<&str>) -> Result<(), Break> {
    verify_all(records, expected_head).into_iter().next().map_or(Ok(()), Err)
}

/// Every break of a chain in order, not just the first: after a break the walk goes on from
/// the broken record's own hash, so a removed record is one break and a later edit another.
pub fn verify_all(records: &[Chained], expected_head: Option<&str>) -> Vec<Break> {
    let mut breaks = Vec::new();
    let mut prev = GENESIS;
    for (i, c) in records.iter().enumerate() {
        let at = |kind| Break { index: i, case_id: Some(c.record.case_id.clone()), kind };
        if c.prev_hash != prev {
            breaks.push(at(BreakKind::Unlinked));
        } else if hash_record(&c.prev_hash, &c.record) != c.hash {
            breaks.push(at(BreakKind::Edited));
        }
        prev = &c.hash;
    }
    if let Some(head) = expected_head
        && head != prev
    {
        breaks.push(Break { index: records.len(), case_id: None, kind: BreakKind::Truncated });
    }
    breaks
}

/// An imported chain against the head its writer published (`(hash, count)`: the hash of
/// record number `count`). Records after the head are fine: the writer publishes its head
/// after the records it names, so the head can lag behind them but never lead. A chain that
/// holds fewer than `count` records is [`BreakKind::Truncated`] at `records.len()`; one whose
/// record number `count` is not the head is [`BreakKind::Unlinked`] there (another history).
pub fn verify_published(records: &[Chained], head: Option<(&str, usize)>) -> Result<(), Break> {
    verify_published_all(records, head).into_iter().next().map_or(Ok(()), Err)
}

/// Every break of an imported chain (see [`verify_published`]): the links', then the head's.
pub fn verify_published_all(records: &[Chained], head: Option<(&str, usize)>) -> Vec<Break> {
    let mut breaks = verify_all(records, None);
    breaks.extend(reaches_head(records, head).err());
    breaks
}

/// The head half of [`verify_published`], for a chain whose links were checked already: record
/// number `count` must be there and be the head.
pub fn reaches_head(records: &[Chained], head: Option<(&str, usize)>) -> Result<(), Break> {
    let Some((hash, count)) = head.filter(|(_, n)| *n > 0) else { return Ok(()) };
    match records.get(count - 1) {
        None => Err(Break { index: records.len(), case_id: None, kind: BreakKind::Truncated }),
        Some(c) if c.hash != hash => {
            Err(Break { index: count - 1, case_id: Some(c.record.case_id.clone()), kind: BreakKind::Unlinked })
        }
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: usize) -> CaseRecord {
        CaseRecord {
            v: CASE_FORMAT,
            case_id: format!("case-{n}"),
            kind: RecordKind::Decision,
            group: "!g".into(),
            actor: "@admin:hs".into(),
            target: Some(format!("@u{n}:hs")),
            action: "mute".into(),
            reason: "刷屏".into(),
            rule: Some("flood".into()),
            evidence_hash: None,
            created_at: "2026-11-23T10:00:00Z".into(),
            detail: [("duration".to_string(), "600".to_string())].into(),
        }
    }

    fn log(n: usize) -> Vec<Chained> {
        let mut out: Vec<Chained> = Vec::new();
        for i in 0..n {
            let head = out.last().map_or(GENESIS.to_owned(), |c| c.hash.clone());
            out.push(chain(&head, record(i)));
        }
        out
    }

    #[test]
    fn an_untouched_log_verifies() {
        let l = log(5);
        assert_eq!(verify(&l, Some(&l[4].hash)), Ok(()), "an untouched chain should verify against its head");
        assert_eq!(verify(&[], Some(GENESIS)), Ok(()), "an empty chain should verify against the genesis head");
    }

    #[test]
    fn tampering_is_found_where_it_happened() {
        let l = log(5);
        let head = l[4].hash.clone();

        let mut edited = l.clone();
        edited[2].record.reason = "nothing happened".into();
        assert_eq!(
            verify(&edited, Some(&head)).unwrap_err(),
            Break { index: 2, case_id: Some("case-2".into()), kind: BreakKind::Edited }
        );

        let mut detail = l.clone();
        detail[1].record.detail.insert("duration".into(), "6".into());
        assert_eq!(
            verify(&detail, Some(&head)).unwrap_err().index,
            1,
            "an edited detail should break the chain at that record"
        );

        let mut deleted = l.clone();
        deleted.remove(1);
        assert_eq!(
            verify(&deleted, Some(&head)).unwrap_err(),
            Break { index: 1, case_id: Some("case-2".into()), kind: BreakKind::Unlinked }
        );

        let mut reordered = l.clone();
        reordered.swap(2, 3);
        assert_eq!(
            verify(&reordered, Some(&head)).unwrap_err().kind,
            BreakKind::Unlinked,
            "swapped records should break the link"
        );

        let truncated = &l[..3];
        assert_eq!(verify(truncated, None), Ok(()), "a prefix alone looks fine…");
        assert_eq!(verify(truncated, Some(&head)).unwrap_err().kind, BreakKind::Truncated, "…the head catches it");

        let mut rehashed = l.clone();
        rehashed[4].record.reason = "forged".into();
        rehashed[4].hash = hash_record(&rehashed[4].prev_hash, &rehashed[4].record);
        assert_eq!(
            verify(&rehashed, Some(&head)).unwrap_err().kind,
            BreakKind::Truncated,
            "a re-hashed last entry no longer matches the head"
        );
    }

    #[test]
    fn an_imported_chain_must_reach_the_head_its_writer_published() {
        let l = log(4);
        let head = |n: usize| Some((l[n - 1].hash.as_str(), n));
        assert_eq!(verify_published(&l, head(4)), Ok(()), "a chain that reaches its published head should verify");
        assert_eq!(verify_published(&l, head(2)), Ok(()), "a head that lags behind the records is no alarm");
        assert_eq!(verify_published(&l, None), Ok(()), "no head published: the links alone");
        assert_eq!(
            verify_published(&l[..3], head(4)).unwrap_err(),
            Break { index: 3, case_id: None, kind: BreakKind::Truncated },
            "the newest record is gone"
        );
        assert_eq!(verify_published(&[], head(4)).unwrap_err().kind, BreakKind::Truncated, "all of them are gone");
        let mut forked = l[..2].to_vec();
        forked.push(chain(&l[1].hash, record(7)));
        assert_eq!(
            verify_published(&forked, Some((l[2].hash.as_str(), 3))).unwrap_err().kind,
            BreakKind::Unlinked,
            "record 3 is not the one the head names"
        );
        let mut edited = l.clone();
        edited[1].record.reason = "x".into();
        assert_eq!(verify_published(&edited, head(4)).unwrap_err().kind, BreakKind::Edited, "links first");
    }

    #[test]
    fn every_break_of_a_chain_is_found_not_just_the_first() {
        let l = log(6);
        let mut broken = l.clone();
        broken[1].record.reason = "edited".into();
        broken.remove(3);
        let found: Vec<_> = verify_all(&broken, Some(&l[5].hash)).into_iter().map(|b| (b.index, b.kind)).collect();
        assert_eq!(found, [(1, BreakKind::Edited), (3, BreakKind::Unlinked)], "the edit and the gap after it");
        let short = &l[..2];
        let found: Vec<_> =
            verify_published_all(short, Some((l[3].hash.as_str(), 4))).into_iter().map(|b| b.kind).collect();
        assert_eq!(found, [BreakKind::Truncated]);
        assert!(verify_all(&l, Some(&l[5].hash)).is_empty(), "an untouched chain should have no break");
    }

    #[test]
    fn legacy_records_keep_their_hash() {
        // Regression guard: records written before `v` existed must still verify. The value is
        // SHA-256 of GENESIS, "\n" and the record's compact JSON in field order, computed independently.
        let legacy = CaseRecord { v: 0, ..record(0) };
        assert!(!serde_json::to_string(&legacy).unwrap().contains("\"v\""), "a legacy record serialises as before");
        assert_eq!(hash_record(GENESIS, &legacy), "485d4dea6246616fdaa5f0b0e58434ba00f2a7714d59d36a6c6b1c689a31595e");
    }

    #[test]
    fn a_record_kind_this_build_does_not_know_keeps_its_word_and_its_hash() {
        let newer = CaseRecord { kind: RecordKind::from("appeal"), ..record(0) };
        let json = serde_json::to_string(&newer).unwrap();
        assert!(json.contains(r#""kind":"appeal""#), "written back as it came: {json}");
        let read: CaseRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(read.kind, RecordKind::Other("appeal".into()));
        assert_eq!(hash_record(GENESIS, &read), hash_record(GENESIS, &newer), "the hash is unchanged by reading");
        for kind in [RecordKind::Decision, RecordKind::Outcome] {
            assert_eq!(RecordKind::from(kind.as_str()), kind, "{kind:?} round-trips as its word");
        }
    }

    #[test]
    fn the_hash_covers_the_rfc_8785_form() {
        // The value is SHA-256 of GENESIS, "\n" and the JCS form below, computed independently
        // (Python: hashlib over rfc8785.dumps of the same object); docs/case-log.md shows it too.
        let jcs = r#"{"action":"mute","actor":"@admin:hs","case_id":"case-0","created_at":"2026-11-23T10:00:00Z","detail":{"duration":"600"},"evidence_hash":null,"group":"!g","kind":"decision","reason":"刷屏","rule":"flood","target":"@u0:hs","v":1}"#;
        let value = serde_json::to_value(record(0)).unwrap();
        assert_eq!(crate::canonical::to_string(&value).unwrap(), jcs);
        assert_eq!(
            hash_record(GENESIS, &record(0)),
            "80678ebbc955b561ddf834dab3cb4678f6523496327706f3170d9374fdb13c9a"
        );
        assert_ne!(hash_record(GENESIS, &record(0)), hash_record(GENESIS, &record(1)));
        assert_eq!(hash_record(GENESIS, &CaseRecord { v: 99, ..record(0) }), "", "an unknown format never verifies");
    }
}

/// A case as listed by the app and `qg cases`: the decision with its latest outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct CaseView {
    /// The case's ID, shared by its decision and outcomes.
    pub case_id: String,
    /// The group's room ID, or the name of a chain about no group.
    pub group: String,
    /// The admin who decided.
    pub actor: String,
    /// The member, message, room or report acted on.
    pub target: Option<String>,
    /// The action's name (`mute`, `ban`, …).
    pub action: String,
    /// The reason the admin gave.
    pub reason: String,
    /// The group rule cited, if any.
    pub rule: Option<String>,
    /// SHA-256 of the evidence kept before acting.
    pub evidence_hash: Option<String>,
    /// RFC 3339 time of the decision.
    pub created_at: String,
    /// The latest outcome's status; `queued` until there is one.
    pub status: crate::Status,
    /// The latest outcome's detail, in English.
    pub status_detail: Option<String>,
    /// The outcome's reason as data, for the app to translate (when the engine knew it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub status_why: Option<crate::outcome::Why>,
    /// The decision's action-specific facts (duration, previous level, …).
    pub detail: BTreeMap<String, String>,
    /// The chain link before the decision record.
    pub prev_hash: String,
    /// The decision record's own hash.
    pub hash: String,
    /// `false` for another admin's record whose sender did not manage the group when it was
    /// posted: kept and shown, never acted on.
    pub trusted: bool,
}

#[cfg(test)]
impl CaseView {
    /// A done, trusted decision for table tests: `actor` did `action` to `target` at `at_ms`.
    pub(crate) fn decided(id: &str, actor: &str, action: &str, target: &str, at_ms: i64) -> CaseView {
        CaseView {
            case_id: id.into(),
            group: "!g:hs".into(),
            actor: actor.into(),
            target: Some(target.into()),
            action: action.into(),
            reason: "r".into(),
            rule: None,
            evidence_hash: None,
            created_at: crate::time::rfc3339_from_millis(at_ms),
            status: crate::Status::Done,
            status_detail: None,
            status_why: None,
            detail: BTreeMap::new(),
            prev_hash: String::new(),
            hash: String::new(),
            trusted: true,
        }
    }
}

/// The result of `qg audit verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AuditReport {
    /// No chain is broken.
    pub ok: bool,
    /// How many chains were checked.
    pub groups: u32,
    /// How many records they hold.
    pub records: u32,
    /// The first broken entry, when the chain is broken.
    pub broken: Option<AuditBreak>,
    /// Every break found, in every group's and every admin's chain, in order.
    pub breaks: Vec<AuditBreak>,
}

/// One break found by `qg audit verify`, as it prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AuditBreak {
    /// The chain's group (room ID, or `platform`, `policy`, `staff`).
    pub group: String,
    /// Whose chain: another admin's, imported from the moderation room; `None` for mine.
    pub actor: Option<String>,
    /// 0-based position in the chain (for `truncated`: how many records are there).
    pub index: u32,
    /// The case of the bad record, when there is one.
    pub case_id: Option<String>,
    /// How it is broken.
    pub kind: BreakKind,
    /// For another admin's chain: how many records the head they published names.
    pub published: Option<u32>,
}

impl BreakKind {
    /// The kind as `qg audit verify` and [`AuditBreak::kind`] spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::Edited => "edited",
            BreakKind::Unlinked => "unlinked",
            BreakKind::Truncated => "truncated",
            BreakKind::Removed => "removed",
            BreakKind::Missing => "missing",
        }
    }
}
