//! Building a package's files from the records, the evidence and the masking the engine gives.
//!
//! Which records go in: for every chain that holds a chosen case, the consecutive span from that
//! chain's first record of a chosen case to its last. The chosen cases' records are in full
//! (`cases/…`, exactly the bytes their hash covers); any other record inside the span is
//! *withheld*: only its place and hashes are listed, so the links can be followed without
//! handing over other members' cases. The chain before the span is summed up by the first
//! record's `prev_hash` and its record number.

use std::collections::{BTreeMap, HashSet};

use sha2::{Digest, Sha256};

use crate::case::{Chained, hashed_form, hex};
use crate::evidence::manifest::{About, Head, Manifest, ManifestChain, PACKAGE_FORMAT, PackageKind, Position};

/// The package's checksum file, in `sha256sum` format, over every other file.
pub const SUMS_FILE: &str = "SHA256SUMS";
/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The readable report's file name.
pub const REPORT_FILE: &str = "report.html";
/// The verifier's file name.
pub const VERIFY_FILE: &str = "verify.py";
/// The verifier shipped in every package: Python's standard library only.
pub const VERIFY_PY: &str = include_str!("verify.py");

/// A record inside a chain's span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanRecord {
    /// The record with its link.
    pub chained: Chained,
    /// Whether it is trusted (always, for my own; imported: its sender managed the group).
    pub trusted: bool,
    /// In full (a chosen case's record), else withheld.
    pub included: bool,
}

/// One chain's part of the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSpan {
    /// Whose chain.
    pub actor: String,
    /// The exporting console's own chain.
    pub mine: bool,
    /// Record number (1-based) of `records[0]`.
    pub first: u64,
    /// The span, in chain order.
    pub records: Vec<SpanRecord>,
    /// The head kept locally (my chain only).
    pub head: Option<Head>,
    /// The head announced in the moderation room, if known.
    pub announced: Option<Head>,
}

/// The span of `chain` (records with their trust) that covers every record of `cases`;
/// `None` when the chain holds none of them.
pub fn span(chain: &[(Chained, bool)], cases: &HashSet<String>) -> Option<(u64, Vec<SpanRecord>)> {
    let chosen = |c: &Chained| cases.contains(&c.record.case_id);
    let from = chain.iter().position(|(c, _)| chosen(c))?;
    let to = chain.iter().rposition(|(c, _)| chosen(c))?;
    let records = chain[from..=to]
        .iter()
        .map(|(c, trusted)| SpanRecord { included: chosen(c), chained: c.clone(), trusted: *trusted })
        .collect();
    Some((from as u64 + 1, records))
}

/// Everything a package is made of.
#[derive(Debug, Clone)]
pub struct Export {
    /// What it is about and who makes it.
    pub about: About,
    /// My chain first, then other admins'.
    pub chains: Vec<ChainSpan>,
    /// The sealed evidence this console holds, by case ID: the JSON exactly as sealed.
    pub evidence: BTreeMap<String, String>,
}

/// A package in memory: relative path (with `/`) → bytes, `SHA256SUMS` included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// What `manifest.json` holds.
    pub manifest: Manifest,
    /// Every file.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The package's files; `mask` masks personal data in text shown in the report.
pub fn build(export: &Export, mask: &dyn Fn(&str) -> String) -> Package {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut chains = Vec::new();
    for (n, chain) in export.chains.iter().enumerate() {
        let mut positions = Vec::new();
        for (i, r) in chain.records.iter().enumerate() {
            let seq = chain.first + i as u64;
            let c = &r.chained;
            let name = format!("{:02}-{seq:06}.json", n + 1);
            let (file, evidence) = if r.included {
                // A record of a format this build cannot write as hashed goes in as serde writes
                // it: it will not verify, which is the truth about it.
                let bytes =
                    hashed_form(&c.record).unwrap_or_else(|| serde_json::to_string(&c.record).unwrap_or_default());
                let file = format!("cases/{name}");
                files.insert(file.clone(), bytes.into_bytes());
                let evidence =
                    c.record.evidence_hash.as_ref().and(export.evidence.get(&c.record.case_id)).map(|json| {
                        let path = format!("evidence/{name}");
                        files.insert(path.clone(), json.clone().into_bytes());
                        path
                    });
                (Some(file), evidence)
            } else {
                (None, None)
            };
            positions.push(Position {
                seq,
                case_id: r.included.then(|| c.record.case_id.clone()),
                kind: r.included.then(|| c.record.kind.clone()),
                prev_hash: c.prev_hash.clone(),
                hash: c.hash.clone(),
                file,
                evidence,
                trusted: r.trusted,
            });
        }
        chains.push(ManifestChain {
            actor: chain.actor.clone(),
            mine: chain.mine,
            positions,
            head: chain.head.clone(),
            announced: chain.announced.clone(),
        });
    }
    let manifest = Manifest { format: PACKAGE_FORMAT.to_owned(), about: export.about.clone(), chains };
    let json = serde_json::to_string_pretty(&manifest).expect("a manifest serialises");
    files.insert(MANIFEST_FILE.to_owned(), format!("{json}\n").into_bytes());
    files.insert(REPORT_FILE.to_owned(), crate::evidence::report::render(export, &manifest, mask).into_bytes());
    files.insert(VERIFY_FILE.to_owned(), VERIFY_PY.as_bytes().to_vec());
    let sums: String = files.iter().map(|(path, bytes)| format!("{}  {path}\n", sha256_hex(bytes))).collect();
    files.insert(SUMS_FILE.to_owned(), sums.into_bytes());
    Package { manifest, files }
}

/// What `qg evidence export` made, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportSummary {
    /// Where the package is: the folder, or the zip file with `zip`.
    pub out: String,
    /// Written as one zip file (its entries under one folder) rather than a folder.
    pub zip: bool,
    /// One case or a month.
    pub kind: PackageKind,
    /// The group's room ID.
    pub group: String,
    /// The case, for a case package.
    pub case_id: Option<String>,
    /// `YYYY-MM`, for a month package.
    pub month: Option<String>,
    /// Decisions in full.
    pub cases: u32,
    /// Records in full (decisions and outcomes).
    pub records: u32,
    /// Records of other cases inside the spans, listed by their hashes only.
    pub withheld: u32,
    /// Evidence files.
    pub evidence: u32,
    /// Files, `SHA256SUMS` included.
    pub files: u32,
}

/// `(cases, records, withheld, evidence)` of a manifest: decisions in full, records in full,
/// records withheld, evidence files.
pub(crate) fn counts(m: &Manifest) -> (u32, u32, u32, u32) {
    let mut n = (0, 0, 0, 0);
    for p in m.chains.iter().flat_map(|c| &c.positions) {
        match p.file {
            Some(_) => {
                n.0 += u32::from(p.kind == Some(crate::case::RecordKind::Decision));
                n.1 += 1;
            }
            None => n.2 += 1,
        }
        n.3 += u32::from(p.evidence.is_some());
    }
    n
}

impl Package {
    /// The summary of this package written to `out`.
    pub fn summary(&self, out: String, zip: bool) -> ExportSummary {
        let m = &self.manifest;
        let (cases, records, withheld, evidence) = counts(m);
        let a = &m.about;
        ExportSummary {
            out,
            zip,
            kind: a.kind,
            group: a.group.clone(),
            case_id: a.case_id.clone(),
            month: a.month.clone(),
            cases,
            records,
            withheld,
            evidence,
            files: self.files.len() as u32,
        }
    }
}
