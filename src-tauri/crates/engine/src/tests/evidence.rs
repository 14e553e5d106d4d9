//! Evidence packages through the engine: exported from a real store, checked by `qg`'s checker
//! and by the package's own `verify.py` (the system `python3`), which must agree on every
//! tampering; and the script's RFC 8785 against the Rust one.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use qunguan_core::action::Action;
use qunguan_core::case::{CASE_FORMAT, CaseRecord, GENESIS, chain};
use qunguan_core::evidence::package::sha256_hex;
use serde_json::{Value, json};

use super::*;
use crate::evidence::{ExportRequest, ExportScope};

fn spam() -> MessageSnapshot {
    MessageSnapshot {
        event_id: "$spam".into(),
        sender: "@zed:hs".into(),
        ts: 1_795_000_000_000,
        kind: "m.room.message".into(),
        body: Some("<img src=x onerror=alert(1)> 加微信 13812345678".into()),
        redacted: false,
        redacted_by: None,
        case_id: None,
        reply_to: None,
    }
}

fn req(action: Action, reason: &str) -> crate::ActRequest {
    crate::ActRequest {
        group: "!b-admin".into(),
        action,
        reason: reason.into(),
        rule: None,
        lang: qunguan_core::Lang::En,
    }
}

/// An engine whose `!b-admin` has a warning, a removal with evidence and a mute, all in
/// November 2026; and another admin's two records (one from an admin who did not manage it).
async fn world(home: &Path) -> (Engine, Arc<Fake>, String) {
    let env = EnvOverride { now: Some("2026-11-20T10:00:00Z".into()), ..EnvOverride::default() };
    let (e, fake) = engine(home, Arc::new(MemorySecrets::default()), env);
    e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    *fake.messages.lock().unwrap() = vec![spam()];
    e.act(req(Action::Warn { user: "@zed:hs".into() }, "刷屏 \"第一次\"")).await.unwrap();
    let removed = e.act(req(Action::Remove { event_id: "$spam".into() }, "广告 <b>")).await.unwrap();
    e.act(req(Action::Mute { user: "@zed:hs".into(), seconds: 600 }, "禁言 😀")).await.unwrap();
    let mut prev = GENESIS.to_owned();
    for (n, managed) in [(0, true), (1, false)] {
        let record = CaseRecord {
            v: CASE_FORMAT,
            case_id: format!("other-{n}"),
            kind: "decision".into(),
            group: "!b-admin".into(),
            actor: "@other:hs".into(),
            target: None,
            action: "lock".into(),
            reason: "raid".into(),
            rule: None,
            evidence_hash: None,
            created_at: "2026-11-21T00:00:00Z".into(),
            detail: Default::default(),
        };
        let c = chain(&prev, record);
        prev = c.hash.clone();
        fake.shared.lock().unwrap().push(SharedEntry {
            sender: "@other:hs".into(),
            event_id: format!("$o{n}"),
            content: json!({"record": c.record, "prev_hash": c.prev_hash, "hash": c.hash}),
            // 2026-11-21 and 2026-12-01 (received), so the month picks only the first.
            received_at_ms: [1_795_219_200_000, 1_796_083_200_000][n],
            sender_managed: managed,
        });
    }
    (e, fake, removed.case_id)
}

fn export(scope: ExportScope, out: &Path, zip: bool) -> ExportRequest {
    ExportRequest { scope, out: out.into(), zip, lang: qunguan_core::Lang::Zh }
}

/// The system `python3`, writing no bytecode next to the script (it would be an extra file).
fn python() -> Command {
    let mut c = Command::new("python3");
    c.env("PYTHONDONTWRITEBYTECODE", "1");
    c
}

/// Runs the package's own `verify.py` with the system `python3`: (exit code, the problem kinds).
fn run_script(dir: &Path) -> (i32, Vec<String>, String) {
    let out =
        python().arg(dir.join("verify.py")).output().expect("python3 runs (it is on every machine of this project)");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let kinds = stdout.lines().filter_map(|l| l.strip_prefix("FAIL ")).map(|l| l.split(' ').next().unwrap().to_owned());
    (out.status.code().unwrap_or(-1), kinds.collect(), format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
}

fn kinds(e: &Engine, dir: &Path) -> Vec<String> {
    e.evidence_verify(dir).unwrap().problems.iter().map(|p| p.kind.as_str().to_owned()).collect()
}

fn copy(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

fn flip(path: &Path, at: impl Fn(&[u8]) -> usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let i = at(&bytes);
    bytes[i] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

/// The offset of `needle` in `bytes`.
fn find(bytes: &[u8], needle: &str) -> usize {
    bytes.windows(needle.len()).position(|w| w == needle.as_bytes()).unwrap_or_else(|| panic!("{needle:?} not found"))
}

fn first_file(dir: &Path, sub: &str) -> std::path::PathBuf {
    let mut names: Vec<_> = std::fs::read_dir(dir.join(sub)).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    names.remove(0)
}

/// Rewrites SHA256SUMS for the folder as it is now.
fn resum(dir: &Path) {
    let mut files = BTreeMap::new();
    for sub in ["", "cases", "evidence"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if path.is_file() && name != "SHA256SUMS" {
                files.insert(name, sha256_hex(&std::fs::read(&path).unwrap()));
            }
        }
    }
    let sums: String = files.iter().map(|(n, h)| format!("{h}  {n}\n")).collect();
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
}

/// Edits the decision of the first case file and recomputes its hash in the manifest (and
/// SHA256SUMS): only the link from the record after it can tell.
fn rehash_first_record(dir: &Path) {
    let manifest_path = dir.join("manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let p = &mut m["chains"][0]["positions"][0];
    let file = dir.join(p["file"].as_str().unwrap());
    let form = std::fs::read_to_string(&file).unwrap().replace("广告", "问候");
    p["hash"] = sha256_hex(format!("{}\n{form}", p["prev_hash"].as_str().unwrap()).as_bytes()).into();
    std::fs::write(&file, form).unwrap();
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    resum(dir);
}

#[tokio::test]
async fn a_case_package_verifies_with_its_own_script_and_every_tampering_fails_both_checkers() {
    let home = tempfile::tempdir().unwrap();
    let (e, _fake, case) = world(home.path()).await;
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("case");
    let summary = e.evidence_export(export(ExportScope::Case(case.clone()), &dir, false)).await.unwrap();
    assert_eq!(
        (summary.cases, summary.records, summary.evidence, summary.withheld),
        (1, 2, 1, 0),
        "the removal's decision and outcome, and its evidence: {summary:?}"
    );
    let m: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!((m["kind"].as_str(), m["case_id"].as_str()), (Some("case"), Some(case.as_str())));
    assert_eq!(m["exported_by"], "@me:hs");
    let chain = &m["chains"][0];
    assert_eq!(chain["positions"][0]["seq"], 3, "after the warning's decision and outcome: {chain:#}");
    assert_eq!(chain["head"]["count"], 6, "the recorded head: three decisions, three outcomes");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("如何核验"), "the report in the language asked");
    assert!(!html.contains("<img") && html.contains("&lt;img src=x"), "message text escaped");
    assert!(!html.contains("13812345678") && html.contains("138****5678"), "personal data masked in the report");
    let sealed = std::fs::read_to_string(first_file(&dir, "evidence")).unwrap();
    assert!(sealed.contains("13812345678"), "the evidence keeps what was sealed");

    assert!(e.evidence_verify(&dir).unwrap().ok, "qg's checker passes it");
    if let Ok(keep) = std::env::var("KEEP_PACKAGE") {
        copy(&dir, Path::new(&keep));
    }
    let (code, found, said) = run_script(&dir);
    assert_eq!((code, found.len()), (0, 0), "its own script passes it: {said}");
    assert!(said.contains("records: 2 re-hashed") && said.contains("evidence: 1 checked"), "{said}");

    type Tamper = fn(&Path);
    let table: [(&str, Tamper, &[&str]); 8] = [
        ("one byte of a case file", |d| flip(&first_file(d, "cases"), |b| find(b, "remove")), &["checksum", "edited"]),
        (
            "one byte of the evidence",
            |d| flip(&first_file(d, "evidence"), |b| find(b, "13812345678")),
            &["checksum", "evidence"],
        ),
        ("one byte of the report", |d| flip(&d.join("report.html"), |b| find(b, "<h1>") + 1), &["checksum"]),
        (
            "one byte of the manifest",
            |d| flip(&d.join("manifest.json"), |b| find(b, "\"prev_hash\": \"") + 20),
            &["checksum", "edited"],
        ),
        ("a record edited, its hash recomputed", rehash_first_record, &["unlinked"]),
        ("a file removed", |d| std::fs::remove_file(first_file(d, "evidence")).unwrap(), &["missing"]),
        ("an extra file", |d| std::fs::write(d.join("cases/notes.txt"), "x").unwrap(), &["extra"]),
        ("SHA256SUMS removed", |d| std::fs::remove_file(d.join("SHA256SUMS")).unwrap(), &["missing"]),
    ];
    for (what, tamper, want) in table {
        let copy_dir = tempfile::tempdir().unwrap();
        copy(&dir, copy_dir.path());
        tamper(copy_dir.path());
        assert_eq!(kinds(&e, copy_dir.path()), want, "{what}: qg's checker");
        let (code, found, said) = run_script(copy_dir.path());
        assert_eq!(found, want, "{what}: verify.py names the same problems: {said}");
        assert_ne!(code, 0, "{what}: verify.py fails: {said}");
        assert!(said.contains("BROKEN"), "{what}: {said}");
    }
}

#[tokio::test]
async fn a_month_package_holds_every_case_of_the_month_mine_and_imported_untrusted_marked() {
    let home = tempfile::tempdir().unwrap();
    let (e, _fake, _) = world(home.path()).await;
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("month");
    let scope = ExportScope::Month { group: "!b-admin".into(), month: "2026-11".into() };
    let summary = e.evidence_export(export(scope, &dir, false)).await.unwrap();
    assert_eq!((summary.cases, summary.records), (4, 7), "my three with outcomes, the other admin's November one");
    let m: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let chains = m["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 2, "{m:#}");
    assert_eq!((chains[0]["mine"].as_bool(), chains[0]["actor"].as_str()), (Some(true), Some("@me:hs")));
    assert_eq!(chains[1]["actor"], "@other:hs");
    assert_eq!(chains[1]["positions"].as_array().unwrap().len(), 1, "December's record is not in November");
    assert!(e.evidence_verify(&dir).unwrap().ok);
    assert_eq!(run_script(&dir).0, 0, "{}", run_script(&dir).2);

    // December: only the untrusted record, marked as such.
    let dec = out.path().join("december");
    let scope = ExportScope::Month { group: "!b-admin".into(), month: "2026-12".into() };
    e.evidence_export(export(scope, &dec, false)).await.unwrap();
    let m: Value = serde_json::from_slice(&std::fs::read(dec.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["chains"][0]["positions"][0]["trusted"], false, "{m:#}");
    assert_eq!(m["chains"][0]["positions"][0]["seq"], 2);
    assert!(std::fs::read_to_string(dec.join("report.html")).unwrap().contains("不受信任"), "marked in the report");
    assert_eq!(run_script(&dec).0, 0, "{}", run_script(&dec).2);
}

#[tokio::test]
async fn a_zip_package_verifies_and_a_changed_entry_does_not() {
    let home = tempfile::tempdir().unwrap();
    let (e, _fake, case) = world(home.path()).await;
    let out = tempfile::tempdir().unwrap();
    let zip = out.path().join("case.zip");
    let s = e.evidence_export(export(ExportScope::Case(case.clone()), &zip, true)).await.unwrap();
    assert!(s.zip && zip.is_file());
    let report = e.evidence_verify(&zip).unwrap();
    assert!(report.ok && report.records == 2, "{report:#?}");
    // Unzipped with Python's own zipfile, the script passes the folder it is in.
    let unzip = python().args(["-m", "zipfile", "-e"]).arg(&zip).arg(out.path()).status().unwrap();
    assert!(unzip.success());
    assert_eq!(run_script(&out.path().join("case")).0, 0, "{}", run_script(&out.path().join("case")).2);
    // The same zip with one entry changed.
    let mut files = BTreeMap::new();
    let mut archive = ::zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        files.insert(entry.name().unwrap().into_owned(), bytes);
    }
    files.get_mut("case/report.html").unwrap()[0] ^= 1;
    let forged = out.path().join("forged.zip");
    let mut w = ::zip::ZipWriter::new(std::fs::File::create(&forged).unwrap());
    for (name, bytes) in files {
        w.start_file(name, ::zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut w, &bytes).unwrap();
    }
    w.finish().unwrap();
    assert_eq!(kinds(&e, &forged), ["checksum"]);
}

#[tokio::test]
async fn bad_exports_are_refused_and_nothing_is_overwritten() {
    let home = tempfile::tempdir().unwrap();
    let (e, _fake, case) = world(home.path()).await;
    let out = tempfile::tempdir().unwrap();
    let taken = out.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("keep.txt"), "mine").unwrap();
    let month = |m: &str| ExportScope::Month { group: "!b-admin".into(), month: m.into() };
    let table: [(ExportScope, &Path, ErrorCode); 5] = [
        (month("2026-13"), &out.path().join("a"), ErrorCode::InvalidInput),
        (month("2026-1"), &out.path().join("a"), ErrorCode::InvalidInput),
        (ExportScope::Case(case), &taken, ErrorCode::InvalidInput),
        (ExportScope::Case("no-such-case".into()), &out.path().join("b"), ErrorCode::NotFound),
        (month("2025-01"), &out.path().join("c"), ErrorCode::NotFound),
    ];
    for (scope, path, code) in table {
        let err = e.evidence_export(export(scope.clone(), path, false)).await.unwrap_err();
        assert_eq!(err.code, code, "{scope:?}: {err:?}");
    }
    assert_eq!(std::fs::read_to_string(taken.join("keep.txt")).unwrap(), "mine", "nothing overwritten");
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["taken"], "no half package left behind");
    assert_eq!(e.evidence_verify(&out.path().join("nothing")).unwrap_err().code, ErrorCode::NotFound);
}

/// The script's RFC 8785 against the Rust one, on what a record may hold and more.
#[test]
fn the_scripts_canonical_json_is_the_rust_one() {
    let values = [
        json!({"reason": "刷屏 \"广告\" \\ 反斜杠", "b": [1, -2, 9007199254740992i64, 0], "a": {"z": null, "y": true, "x": false}}),
        json!({"\u{20ac}": 1, "\r": 2, "\u{fb33}": 3, "1": 4, "\u{1f600}": 5, "\u{80}": 6, "\u{f6}": 7}),
        json!(["tab\there\nnew line\u{2028}sep 😀 𝄞", "控制字符\u{1}\u{1f}\u{7f}结束", "/", ""]),
        json!({"nested": {"deeper": {"deepest": [[], {}, [{"k": "v"}]]}}, "n": -9007199254740992i64}),
    ];
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/evidence");
    let program = "import json, sys, verify\nfor line in sys.stdin:\n    sys.stdout.write(verify.canonical(json.loads(line)) + '\\n')\n";
    let mut child = python()
        .args(["-c", program])
        .current_dir(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = values.iter().map(|v| format!("{v}\n")).collect();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let theirs: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect();
    let ours: Vec<String> = values.iter().map(|v| qunguan_core::canonical::to_string(v).unwrap()).collect();
    assert_eq!(theirs, ours, "verify.py canonicalises as canonical.rs does");
    // What both refuse: a non-integer and a number beyond 2^53.
    for refused in ["1.5", "9007199254740993"] {
        let v: Value = serde_json::from_str(refused).unwrap();
        assert!(qunguan_core::canonical::to_string(&v).is_err(), "{refused}");
        let py = python()
            .args([
                "-c",
                &format!(
                    "import verify\ntry:\n    verify.canonical({refused})\nexcept ValueError:\n    print('refused')"
                ),
            ])
            .current_dir(&script)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(py.stdout).unwrap().trim(), "refused", "{refused}");
    }
}
