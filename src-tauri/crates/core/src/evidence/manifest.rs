//! `manifest.json` of an evidence package: what it holds and where each record sits in its chain.

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::case::RecordKind;

/// The format word every manifest carries; a verifier refuses any other.
pub const PACKAGE_FORMAT: &str = "qunguan-evidence/1";

/// What a package was exported for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageKind {
    /// One case: its decision and outcomes.
    Case,
    /// Every case of one group in one calendar month (UTC).
    Month,
}

/// A chain head: record number `count` (1-based) of the chain has hash `hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The hash of record number `count`.
    pub hash: String,
    /// How many records the chain had at that head.
    pub count: u64,
}

/// One place in a chain, as the package lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Record number in the chain, 1-based (the first record's `prev_hash` is the genesis).
    pub seq: u64,
    /// The record's case; `None` for a withheld record (another case: only its hashes are given).
    pub case_id: Option<String>,
    /// Decision or outcome; `None` for a withheld record.
    pub kind: Option<RecordKind>,
    /// The hash of the record before it.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
    /// The record as hashed (`cases/…`); `None` when withheld.
    pub file: Option<String>,
    /// The sealed evidence its `evidence_hash` names (`evidence/…`), when this console holds it.
    pub evidence: Option<String>,
    /// `false` for another admin's record whose sender did not manage the group when it was posted.
    pub trusted: bool,
}

/// One admin's chain of the group, as far as the package shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestChain {
    /// Whose chain: the admin who wrote its records.
    pub actor: String,
    /// The exporting console's own chain (else imported from the moderation room).
    pub mine: bool,
    /// Consecutive positions, from the first record of a case in the package to the last.
    /// The chain before them is summed up by the first one's `prev_hash`.
    pub positions: Vec<Position>,
    /// The head this console keeps for its own chain (`None` for imported chains).
    pub head: Option<Head>,
    /// The head announced in the group's moderation room (`org.qunguan.chain_head`), if known.
    pub announced: Option<Head>,
}

/// What a package is about and who made it: the head of its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    /// One case or one month.
    pub kind: PackageKind,
    /// The case, for [`PackageKind::Case`].
    pub case_id: Option<String>,
    /// `YYYY-MM`, for [`PackageKind::Month`].
    pub month: Option<String>,
    /// The group's room ID.
    pub group: String,
    /// The group's name, when this console knows it.
    pub group_name: Option<String>,
    /// Who exported it (the signed-in account).
    pub exported_by: String,
    /// When (RFC 3339 UTC).
    pub exported_at: String,
    /// The language of `report.html`.
    pub lang: Lang,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`PACKAGE_FORMAT`].
    pub format: String,
    /// What it is about (flattened into the same object).
    #[serde(flatten)]
    pub about: About,
    /// The chains the records come from: the exporting console's first, then other admins'.
    pub chains: Vec<ManifestChain>,
}
