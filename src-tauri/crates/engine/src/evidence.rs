//! Evidence packages out of the store: one case, or a group's cases of one month, written as a
//! folder (or one zip file), and any package read back and re-checked.
//!
//! The package itself is built and checked in `qunguan_core::evidence`; here the records, heads
//! and evidence are read from the store, the report's text is masked with the same detector as
//! every screen, and the files are written so that a crash leaves no half package: everything
//! goes to a sibling `.partial` path first, renamed into place at the end.

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use qunguan_core::case::{Chained, RecordKind};
use qunguan_core::evidence::manifest::{About, Head, PackageKind};
use qunguan_core::evidence::package::{ChainSpan, Export, ExportSummary, Package, build, span};
use qunguan_core::evidence::verify::{VerifyReport, verify};
use qunguan_core::platform::IdKind;
use qunguan_core::time::rfc3339_from_millis;
use qunguan_core::{ApiError, ErrorCode, Lang, Result};
use qunguan_store::Store;

use crate::Engine;
use crate::messages::{detector, masked};

/// The most a package read back may hold (all files together), so a hostile zip cannot fill memory.
const MAX_PACKAGE_BYTES: u64 = 1 << 30;

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportScope {
    /// One case, by ID: its decision and outcomes.
    Case(String),
    /// Every case of a group (ID or alias) in a month (`YYYY-MM`, UTC).
    Month {
        /// The group's room ID or alias.
        group: String,
        /// `YYYY-MM`.
        month: String,
    },
}

/// An export: what, where, how.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// One case or a month.
    pub scope: ExportScope,
    /// The folder to make (it must not exist, or be empty), or with `zip` the file.
    pub out: PathBuf,
    /// One zip file instead of a folder.
    pub zip: bool,
    /// The report's language.
    pub lang: Lang,
}

/// `YYYY-MM` with a real month, or a usage error.
fn check_month(month: &str) -> Result<()> {
    let b = month.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = b.len() == 7
        && b[4] == b'-'
        && digits(0..4)
        && digits(5..7)
        && (1..=12).contains(&month[5..].parse::<u8>().unwrap_or(0));
    if ok { Ok(()) } else { Err(ApiError::invalid_input(format!("--month must be YYYY-MM, not {month:?}"))) }
}

/// Nothing may be overwritten: the folder must not exist or be empty; a zip file must not exist.
fn check_out(out: &Path, zip: bool) -> Result<()> {
    let taken = match std::fs::read_dir(out) {
        Ok(mut entries) => zip || entries.next().is_some(),
        Err(_) => out.exists(),
    };
    if taken {
        return Err(ApiError::invalid_input(format!("{} exists: give a new path for the package", out.display())));
    }
    Ok(())
}

/// One chain's records with whether each is trusted.
type Trusted = Vec<(Chained, bool)>;

/// Another admin's chain: (actor, records with trust and time of receipt, announced head).
type TheirChain = (String, Vec<(Chained, bool, String)>, Option<Head>);

/// Everything of one group the package may draw on: my chain and every imported one.
struct Chains {
    mine: Trusted,
    head: Option<Head>,
    announced: Option<Head>,
    /// Other admins' chains.
    theirs: Vec<TheirChain>,
}

fn head(h: Option<(String, u32)>) -> Option<Head> {
    h.map(|(hash, count)| Head { hash, count: count.into() })
}

fn read_chains(s: &Store, group: &str) -> Result<Chains> {
    let mine: Trusted = s.chain(group)?.into_iter().map(|c| (c, true)).collect();
    let recorded = s.chain_head(group)?.map(|(hash, count)| Head { hash, count });
    let announced = s.room_anchors()?.into_iter().find(|a| a.group == group).and_then(|a| head(a.head));
    let heads = s.shared_audit()?;
    let theirs = s
        .shared_chains()?
        .into_iter()
        .filter(|((g, _), _)| g == group)
        .map(|((g, actor), records)| {
            let announced = heads.iter().find(|h| h.group == g && h.actor == actor).and_then(|h| head(h.head.clone()));
            let records = records.into_iter().map(|(c, at, trusted)| (c, trusted, rfc3339_from_millis(at))).collect();
            (actor, records, announced)
        })
        .collect();
    Ok(Chains { mine, head: recorded, announced, theirs })
}

/// The group whose case log holds `case_id` (mine first, then imported ones).
fn group_of_case(s: &Store, case_id: &str) -> Result<String> {
    for (group, _) in s.chain_heads()? {
        if s.chain(&group)?.iter().any(|c| c.record.case_id == case_id) {
            return Ok(group);
        }
    }
    s.shared_chains()?
        .into_iter()
        .find(|(_, records)| records.iter().any(|(c, _, _)| c.record.case_id == case_id))
        .map(|((group, _), _)| group)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no case {case_id} in this console's case log")))
}

/// Decisions of `records` whose time (by `at`) falls in `month`.
fn decided_in<T>(records: &[T], month: &str, record: impl Fn(&T) -> (&Chained, &str)) -> HashSet<String> {
    records
        .iter()
        .map(&record)
        .filter(|(c, at)| c.record.kind == RecordKind::Decision && at.starts_with(month))
        .map(|(c, _)| c.record.case_id.clone())
        .collect()
}

/// The spans of every chain of `group` that hold a chosen case, with the evidence I keep.
fn gather(s: &Store, me: &str, group: &str, scope: &ExportScope) -> Result<(Vec<ChainSpan>, BTreeMap<String, String>)> {
    let chains = read_chains(s, group)?;
    let month = match scope {
        ExportScope::Month { month, .. } => month.as_str(),
        ExportScope::Case(_) => "",
    };
    let chosen = |of_month: &dyn Fn() -> HashSet<String>| match scope {
        ExportScope::Case(id) => HashSet::from([id.clone()]),
        ExportScope::Month { .. } => of_month(),
    };
    let mut spans = Vec::new();
    let mine = chosen(&|| decided_in(&chains.mine, month, |(c, _)| (c, c.record.created_at.as_str())));
    if let Some((first, records)) = span(&chains.mine, &mine) {
        spans.push(ChainSpan {
            actor: me.to_owned(),
            mine: true,
            first,
            records,
            head: chains.head.clone(),
            announced: chains.announced.clone(),
        });
    }
    for (actor, records, announced) in chains.theirs {
        let cases = chosen(&|| decided_in(&records, month, |(c, _, at)| (c, at.as_str())));
        let trusted: Trusted = records.into_iter().map(|(c, t, _)| (c, t)).collect();
        if let Some((first, records)) = span(&trusted, &cases) {
            spans.push(ChainSpan { actor, mine: false, first, records, head: None, announced });
        }
    }
    let mut evidence = BTreeMap::new();
    for r in spans.iter().filter(|c| c.mine).flat_map(|c| &c.records) {
        let rec = &r.chained.record;
        if r.included
            && rec.evidence_hash.is_some()
            && let Some((json, _)) = s.evidence(&rec.case_id)?
        {
            evidence.insert(rec.case_id.clone(), json);
        }
    }
    Ok((spans, evidence))
}

impl Engine {
    /// Exports one case, or a group's cases of one month, as an evidence package at `req.out`.
    pub async fn evidence_export(&self, req: ExportRequest) -> Result<ExportSummary> {
        if let ExportScope::Month { month, .. } = &req.scope {
            check_month(month)?;
        }
        if let ExportScope::Case(id) = &req.scope
            && id.trim().is_empty()
        {
            return Err(ApiError::invalid_input("a case ID is needed"));
        }
        check_out(&req.out, req.zip)?;
        let (account, _) = self.platform().await?;
        // The moderation rooms as they are now: other admins' records and the heads announced
        // (best effort: offline exports what is here).
        self.sync_cases().await?;
        let group = match &req.scope {
            ExportScope::Month { group, .. } => Some(self.resolve_group(group).await?),
            ExportScope::Case(_) => None,
        };
        let (scope, me, now) = (req.scope.clone(), account.user_id.clone(), self.clock_ms()?);
        let (group, chains, evidence, name) = self
            .on_store(move |s| {
                let group = match (&scope, group) {
                    (_, Some(g)) => g,
                    (ExportScope::Case(id), None) => group_of_case(s, id)?,
                    (ExportScope::Month { group, .. }, None) => group.clone(),
                };
                let (chains, evidence) = gather(s, &me, &group, &scope)?;
                let name = s.groups()?.and_then(|g| g.value.into_iter().find(|g| g.id == group).map(|g| g.name));
                Ok((group, chains, evidence, name))
            })
            .await?;
        let (kind, case_id, month) = match &req.scope {
            ExportScope::Case(id) => (PackageKind::Case, Some(id.clone()), None),
            ExportScope::Month { month, .. } => (PackageKind::Month, None, Some(month.clone())),
        };
        if chains.is_empty() {
            let what = month.as_deref().map_or_else(|| "that case".to_owned(), |m| format!("{group} in {m}"));
            return Err(ApiError::new(ErrorCode::NotFound, format!("no cases of {what} in this console's case log")));
        }
        let about = About {
            kind,
            case_id,
            month,
            group,
            group_name: name.filter(|n| !n.is_empty()),
            exported_by: account.user_id,
            exported_at: rfc3339_from_millis(now),
            lang: req.lang,
        };
        let export = Export { about, chains, evidence };
        let d = detector().await?;
        let (out, zip) = (req.out.clone(), req.zip);
        tokio::task::spawn_blocking(move || {
            let package = build(&export, &|text| masked(&d, text));
            if zip { write_zip(&package, &out) } else { write_dir(&package, &out) }?;
            Ok(package.summary(out.display().to_string(), zip))
        })
        .await
        .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "export task failed", e))?
    }

    /// A group's room ID from an ID or an alias (from the cache first, so offline works).
    async fn resolve_group(&self, group: &str) -> Result<String> {
        self.connector.check_id(IdKind::RoomOrAlias, group)?;
        let key = group.to_owned();
        let id = self.on_store(move |s| crate::groups::cached_group_id(s, &key)).await?;
        if id.starts_with('#') { Ok(self.group(group).await?.id) } else { Ok(id) }
    }

    /// Re-checks the package at `path` (a folder, or a zip file): no session needed.
    pub fn evidence_verify(&self, path: &Path) -> Result<VerifyReport> {
        Ok(verify(&read_package(path)?))
    }
}

fn io_err(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> ApiError {
    let message = format!("cannot {what} {}", path.display());
    move |e| ApiError::caused_by(ErrorCode::Store, message, e)
}

/// A sibling path to write to first: `<name>.partial`.
fn partial(out: &Path) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    out.with_file_name(name)
}

fn write_dir(package: &Package, out: &Path) -> Result<()> {
    let tmp = partial(out);
    let _ = std::fs::remove_dir_all(&tmp);
    for (name, bytes) in &package.files {
        let path = tmp.join(name);
        let parent = path.parent().expect("a file in the package folder");
        if let Err(e) = std::fs::create_dir_all(parent).and_then(|()| std::fs::write(&path, bytes)) {
            // Nothing half-written is left behind (a full disk, a read-only folder).
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(io_err("write", &path)(e));
        }
    }
    // An empty folder at `out` was allowed: it is replaced.
    let _ = std::fs::remove_dir(out);
    std::fs::rename(&tmp, out).map_err(io_err("create", out))
}

fn write_zip(package: &Package, out: &Path) -> Result<()> {
    let tmp = partial(out);
    let top = out.file_stem().map_or_else(|| "evidence".to_owned(), |s| s.to_string_lossy().into_owned());
    let write = || -> zip::result::ZipResult<()> {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&tmp)?);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in &package.files {
            zip.start_file(format!("{top}/{name}"), options)?;
            zip.write_all(bytes)?;
        }
        zip.finish()?.sync_all()?;
        Ok(())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ApiError::caused_by(ErrorCode::Store, format!("cannot write {}", tmp.display()), e)
    })?;
    std::fs::rename(&tmp, out).map_err(io_err("create", out))
}

/// A package's files as relative path (with `/`) → bytes, from a folder or a zip file.
fn read_package(path: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ApiError::caused_by(ErrorCode::NotFound, format!("no package at {}", path.display()), e))?;
    let files = if meta.is_dir() { read_dir(path)? } else { read_zip(path)? };
    if files.values().map(|b| b.len() as u64).sum::<u64>() > MAX_PACKAGE_BYTES {
        return Err(ApiError::new(ErrorCode::InvalidFile, format!("{} is larger than any package", path.display())));
    }
    Ok(files)
}

fn read_dir(root: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io_err("read", &dir))? {
            let path = entry.map_err(io_err("read", &dir))?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(root).expect("under the root");
            let name = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.insert(name, std::fs::read(&path).map_err(io_err("read", &path))?);
        }
    }
    Ok(files)
}

/// A zip's files, with the one folder they are all in (as `--zip` writes it) taken off.
fn read_zip(path: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let bad = |e: zip::result::ZipError| {
        ApiError::caused_by(ErrorCode::InvalidFile, format!("{} is neither a folder nor a zip file", path.display()), e)
    };
    let file = std::fs::File::open(path).map_err(io_err("read", path))?;
    let mut zip = zip::ZipArchive::new(file).map_err(bad)?;
    let mut files = BTreeMap::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(bad)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map_err(bad)?.into_owned();
        let mut bytes = Vec::new();
        // Read no more than the limit, whatever the entry claims.
        (&mut entry).take(MAX_PACKAGE_BYTES + 1 - total).read_to_end(&mut bytes).map_err(io_err("read", path))?;
        total += bytes.len() as u64;
        if total > MAX_PACKAGE_BYTES {
            return Err(ApiError::new(
                ErrorCode::InvalidFile,
                format!("{} is larger than any package", path.display()),
            ));
        }
        files.insert(name, bytes);
    }
    let top = files.keys().next().and_then(|k| k.split_once('/')).map(|(t, _)| format!("{t}/"));
    match top {
        Some(top) if files.keys().all(|k| k.starts_with(&top)) => {
            Ok(files.into_iter().map(|(k, v)| (k[top.len()..].to_owned(), v)).collect())
        }
        _ => Ok(files),
    }
}
