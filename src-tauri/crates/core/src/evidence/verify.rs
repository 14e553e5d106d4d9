//! Re-checking a package: the same checks, in the same order, as the `verify.py` it ships.
//!
//! Every file against `SHA256SUMS` (none missing, none extra); every record re-hashed from its
//! hashed form and linked to the one before it; the heads the manifest names held against the
//! positions they name; every evidence file against the `evidence_hash` its record sealed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::{CaseRecord, GENESIS, RecordKind};
use crate::evidence::manifest::{Manifest, ManifestChain, PACKAGE_FORMAT};
use crate::evidence::package::{MANIFEST_FILE, SUMS_FILE, sha256_hex};

/// What is wrong with a package; each kind names a different tampering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A file `SHA256SUMS` or the manifest names is not there.
    Missing,
    /// A file `SHA256SUMS` does not list.
    Extra,
    /// A file's SHA-256 is not the one `SHA256SUMS` lists.
    Checksum,
    /// A file is not what it should be (bad JSON, a bad line, an unknown format).
    Unreadable,
    /// A record file is not the exact form its hash covers.
    NotCanonical,
    /// A record's hash does not match its content.
    Edited,
    /// A record does not follow the one before it.
    Unlinked,
    /// A record's case, kind, group or actor differ from what the manifest says.
    Mismatch,
    /// An evidence file's SHA-256 is not its record's `evidence_hash`.
    Evidence,
    /// A chain head the manifest names is not the record at its position.
    Head,
}

impl ProblemKind {
    /// The word `qg evidence verify` and `verify.py` print.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Missing => "missing",
            ProblemKind::Extra => "extra",
            ProblemKind::Checksum => "checksum",
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::NotCanonical => "not_canonical",
            ProblemKind::Edited => "edited",
            ProblemKind::Unlinked => "unlinked",
            ProblemKind::Mismatch => "mismatch",
            ProblemKind::Evidence => "evidence",
            ProblemKind::Head => "head",
        }
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// The file it is in, when there is one.
    pub file: Option<String>,
    /// The record number in its chain, for a record's problem.
    pub seq: Option<u64>,
    /// In English, what was found.
    pub detail: String,
}

/// The result of `qg evidence verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// No problem found.
    pub ok: bool,
    /// Files checked against `SHA256SUMS`.
    pub files: u32,
    /// Records re-hashed and linked.
    pub records: u32,
    /// Records withheld (hashes only).
    pub withheld: u32,
    /// Evidence files checked against their records.
    pub evidence: u32,
    /// Every problem, in the order found.
    pub problems: Vec<Problem>,
}

fn safe(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('/') && !path.contains('\\') && !path.split('/').any(|p| p == "..")
}

/// The bytes a record file's hash covers, from its JSON as read (the checker's own reading,
/// not the record type's: a field added to the file changes them).
fn hashed_form(value: &Value) -> Result<String, String> {
    match value.get("v") {
        None => {
            let record: CaseRecord = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
            Ok(serde_json::to_string(&record).expect("a record serialises"))
        }
        Some(v) if v == 1 => crate::canonical::to_string(value).map_err(|e| e.to_string()),
        Some(v) => Err(format!("record format {v} is unknown")),
    }
}

struct Checker<'a> {
    files: &'a BTreeMap<String, Vec<u8>>,
    problems: Vec<Problem>,
    missing: BTreeSet<String>,
    report: VerifyReport,
}

impl Checker<'_> {
    fn problem(&mut self, kind: ProblemKind, file: Option<&str>, seq: Option<u64>, detail: impl Into<String>) {
        self.problems.push(Problem { kind, file: file.map(str::to_owned), seq, detail: detail.into() });
    }

    fn read(&mut self, path: &str, seq: u64) -> Option<&[u8]> {
        if !self.files.contains_key(path) {
            if self.missing.insert(path.to_owned()) {
                self.problem(
                    ProblemKind::Missing,
                    Some(path),
                    Some(seq),
                    "named in the manifest but not in the package",
                );
            }
            return None;
        }
        self.files.get(path).map(Vec::as_slice)
    }

    fn sums(&mut self) {
        let Some(sums) = self.files.get(SUMS_FILE) else {
            self.problem(ProblemKind::Missing, Some(SUMS_FILE), None, "the checksum file is missing");
            return;
        };
        let mut listed = BTreeSet::new();
        for line in String::from_utf8_lossy(sums).lines() {
            let parsed = line.split_at_checked(64).and_then(|(hash, rest)| {
                let path = rest.strip_prefix("  ").or_else(|| rest.strip_prefix(" *"))?;
                let hex = hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                (hex && safe(path)).then(|| (hash.to_owned(), path.to_owned()))
            });
            let Some((want, path)) = parsed else {
                self.problem(
                    ProblemKind::Unreadable,
                    Some(SUMS_FILE),
                    None,
                    format!("a line is not '<sha256>  <file>': {line:?}"),
                );
                continue;
            };
            listed.insert(path.clone());
            match self.files.get(&path) {
                None => {
                    self.missing.insert(path.clone());
                    self.problem(
                        ProblemKind::Missing,
                        Some(&path),
                        None,
                        "listed in SHA256SUMS but not in the package",
                    );
                }
                Some(bytes) if sha256_hex(bytes) != want => self.problem(
                    ProblemKind::Checksum,
                    Some(&path),
                    None,
                    "its SHA-256 is not the one SHA256SUMS lists",
                ),
                Some(_) => {}
            }
        }
        let extra: Vec<String> =
            self.files.keys().filter(|p| *p != SUMS_FILE && !listed.contains(*p)).cloned().collect();
        for path in extra {
            self.problem(ProblemKind::Extra, Some(&path), None, "not listed in SHA256SUMS");
        }
        self.report.files = listed.len() as u32;
    }

    fn manifest(&mut self) -> Option<Manifest> {
        let bytes = self.files.get(MANIFEST_FILE)?;
        let read = serde_json::from_slice::<Manifest>(bytes).map_err(|e| e.to_string()).and_then(|m| {
            if m.format == PACKAGE_FORMAT {
                Ok(m)
            } else {
                Err(format!("format {:?} is not {PACKAGE_FORMAT}", m.format))
            }
        });
        read.map_err(|e| {
            self.problem(
                ProblemKind::Unreadable,
                Some(MANIFEST_FILE),
                None,
                format!("the manifest cannot be read: {e}"),
            )
        })
        .ok()
    }

    fn chain(&mut self, chain: &ManifestChain, group: &str) {
        use ProblemKind::*;
        let mut prev: Option<(u64, &str)> = None;
        for p in &chain.positions {
            let (seq, file) = (p.seq, p.file.as_deref());
            match prev {
                None if seq == 1 && p.prev_hash != GENESIS => {
                    self.problem(Unlinked, file, Some(seq), "the first record of a chain must follow the genesis")
                }
                Some((s, _)) if seq != s + 1 => {
                    self.problem(Unlinked, file, Some(seq), "positions are not consecutive")
                }
                Some((_, hash)) if p.prev_hash != hash => {
                    self.problem(Unlinked, file, Some(seq), "prev_hash is not the hash of the record before it")
                }
                _ => {}
            }
            prev = Some((seq, &p.hash));
            let Some(file) = file else {
                self.report.withheld += 1;
                continue;
            };
            let Some(data) = self.read(file, seq).map(<[u8]>::to_vec) else { continue };
            self.report.records += 1;
            let parsed = serde_json::from_slice::<Value>(&data).map_err(|e| e.to_string());
            let (value, form) = match parsed.and_then(|v| hashed_form(&v).map(|f| (v, f))) {
                Ok(x) => x,
                Err(e) => {
                    self.problem(Unreadable, Some(file), Some(seq), format!("the record cannot be read: {e}"));
                    continue;
                }
            };
            if form.as_bytes() != data {
                self.problem(NotCanonical, Some(file), Some(seq), "the file is not the record's hashed form");
            }
            let mut framed = format!("{}\n", p.prev_hash).into_bytes();
            framed.extend_from_slice(form.as_bytes());
            if sha256_hex(&framed) != p.hash {
                self.problem(Edited, Some(file), Some(seq), "the record's hash does not match its content");
            }
            let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
            let theirs =
                (text("case_id"), text("kind").map(|k| RecordKind::from(k.as_str())), text("group"), text("actor"));
            if theirs != (p.case_id.clone(), p.kind.clone(), Some(group.to_owned()), Some(chain.actor.clone())) {
                self.problem(Mismatch, Some(file), Some(seq), "case, kind, group or actor differ from the manifest");
            }
            if let Some(path) = &p.evidence
                && let Some(ev) = self.read(path, seq)
            {
                let sealed = sha256_hex(ev);
                self.report.evidence += 1;
                if Some(sealed) != text("evidence_hash") {
                    self.problem(
                        Evidence,
                        Some(path),
                        Some(seq),
                        "its SHA-256 is not the evidence_hash its record sealed",
                    );
                }
            }
        }
        let Some(last) = chain.positions.last().map(|p| p.seq) else { return };
        for (name, head) in [("head", &chain.head), ("announced", &chain.announced)] {
            let Some(head) = head else { continue };
            if chain.positions.iter().any(|p| p.seq == head.count && p.hash != head.hash) {
                self.problem(
                    Head,
                    None,
                    Some(head.count),
                    format!("the {name} head is not the record at its position"),
                );
            }
            if name == "head" && head.count < last {
                self.problem(Head, None, Some(head.count), "the recorded head is before the last record listed");
            }
        }
    }
}

/// Checks a package given as relative path (with `/`) → bytes.
pub fn verify(files: &BTreeMap<String, Vec<u8>>) -> VerifyReport {
    let report = VerifyReport { ok: false, files: 0, records: 0, withheld: 0, evidence: 0, problems: Vec::new() };
    let mut c = Checker { files, problems: Vec::new(), missing: BTreeSet::new(), report };
    c.sums();
    let manifest = c.manifest();
    if manifest.is_none() && !files.contains_key(MANIFEST_FILE) && !c.missing.contains(MANIFEST_FILE) {
        c.problem(ProblemKind::Unreadable, Some(MANIFEST_FILE), None, "the manifest cannot be read: it is missing");
    }
    for chain in manifest.iter().flat_map(|m| m.chains.iter().map(move |ch| (ch, m.about.group.as_str()))) {
        c.chain(chain.0, chain.1);
    }
    let mut report = c.report;
    report.problems = c.problems;
    report.ok = report.problems.is_empty();
    report
}
