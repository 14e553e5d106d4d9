//! Packages built from a small chain, their contents, and every tampering the checker must name.

use std::collections::{BTreeMap, HashSet};

use crate::Lang;
use crate::action::{Evidence, MessageSnapshot};
use crate::case::{CASE_FORMAT, CaseRecord, Chained, GENESIS, RecordKind, chain, hashed_form};
use crate::evidence::manifest::{About, Head, PackageKind};
use crate::evidence::package::{
    ChainSpan, Export, MANIFEST_FILE, Package, REPORT_FILE, SUMS_FILE, VERIFY_FILE, build, sha256_hex, span,
};
use crate::evidence::verify::{ProblemKind, verify};

fn msg(id: &str, ts: i64, body: &str) -> MessageSnapshot {
    MessageSnapshot {
        event_id: id.into(),
        sender: "@spam:hs".into(),
        ts,
        kind: "m.room.message".into(),
        body: Some(body.into()),
        redacted: false,
        redacted_by: None,
        case_id: None,
        reply_to: None,
    }
}

/// Sealed evidence of the removal: the message (HTML in it, a phone number) and one before it.
fn evidence() -> (String, String) {
    Evidence {
        group: "!g:hs".into(),
        message: msg("$bad", 2_000, "<script>alert(1)</script> 加微信 13812345678"),
        context: vec![
            msg("$before", 1_000, "大家好 & welcome"),
            msg("$bad", 2_000, "<script>alert(1)</script> 加微信 13812345678"),
        ],
        captured_at: "2026-11-23T10:00:00Z".into(),
    }
    .seal()
}

fn record(case_id: &str, kind: &str, action: &str, reason: &str, detail: &[(&str, &str)]) -> CaseRecord {
    CaseRecord {
        v: CASE_FORMAT,
        case_id: case_id.into(),
        kind: kind.into(),
        group: "!g:hs".into(),
        actor: "@me:hs".into(),
        target: Some("@spam:hs".into()),
        action: action.into(),
        reason: reason.into(),
        rule: Some("R2".into()),
        evidence_hash: None,
        created_at: "2026-11-23T10:00:00Z".into(),
        detail: detail.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

/// My chain: a warning (X), a removal with evidence (Y), X's outcome, Y's outcome, another case (Z).
fn my_chain() -> Vec<Chained> {
    let (_, sha) = evidence();
    let records = [
        record("X", "decision", "warn", "刷屏 13812345678", &[]),
        CaseRecord { evidence_hash: Some(sha), ..record("Y", "decision", "remove", "广告 <b>链接</b>", &[]) },
        record("X", "outcome", "warn", "刷屏", &[("status", "done")]),
        record("Y", "outcome", "remove", "广告", &[("status", "done"), ("detail", "redacted")]),
        record("Z", "decision", "kick", "别的案件", &[]),
    ];
    let mut out: Vec<Chained> = Vec::new();
    for r in records {
        let head = out.last().map_or(GENESIS.to_owned(), |c| c.hash.clone());
        out.push(chain(&head, r));
    }
    out
}

fn case_export(lang: Lang) -> Export {
    let chain = my_chain();
    let trusted: Vec<(Chained, bool)> = chain.iter().cloned().map(|c| (c, true)).collect();
    let (first, records) = span(&trusted, &HashSet::from(["Y".to_owned()])).unwrap();
    let (json, _) = evidence();
    Export {
        about: About {
            kind: PackageKind::Case,
            case_id: Some("Y".into()),
            month: None,
            group: "!g:hs".into(),
            group_name: Some("技术交流群".into()),
            exported_by: "@me:hs".into(),
            exported_at: "2026-12-01T00:00:00Z".into(),
            lang,
        },
        chains: vec![ChainSpan {
            actor: "@me:hs".into(),
            mine: true,
            first,
            records,
            head: Some(Head { hash: chain[4].hash.clone(), count: 5 }),
            announced: Some(Head { hash: chain[3].hash.clone(), count: 4 }),
        }],
        evidence: [("Y".to_owned(), json)].into(),
    }
}

/// Masks mobile numbers the way the engine does (enough for the report's tests).
fn mask(text: &str) -> String {
    text.replace("13812345678", "138****5678")
}

fn package() -> Package {
    build(&case_export(Lang::En), &mask)
}

fn text(p: &Package, file: &str) -> String {
    String::from_utf8(p.files[file].clone()).unwrap()
}

/// Rewrites `SHA256SUMS` for the files as they are now (a forger's last step).
fn resum(files: &mut BTreeMap<String, Vec<u8>>) {
    files.remove(SUMS_FILE);
    let sums: String = files.iter().map(|(p, b)| format!("{}  {p}\n", sha256_hex(b))).collect();
    files.insert(SUMS_FILE.into(), sums.into_bytes());
}

#[test]
fn a_case_package_holds_its_records_the_span_and_the_evidence_as_sealed() {
    let p = package();
    let names: Vec<&str> = p.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            SUMS_FILE,
            "cases/01-000002.json",
            "cases/01-000004.json",
            "evidence/01-000002.json",
            MANIFEST_FILE,
            REPORT_FILE,
            VERIFY_FILE
        ],
        "the decision and the outcome of Y, its evidence, and the rest"
    );
    let chain = my_chain();
    assert_eq!(
        p.files["cases/01-000002.json"],
        hashed_form(&chain[1].record).unwrap().into_bytes(),
        "a record file is exactly the bytes its hash covers"
    );
    assert_eq!(p.files["evidence/01-000002.json"], evidence().0.into_bytes(), "evidence exactly as sealed");
    let positions = &p.manifest.chains[0].positions;
    let seen: Vec<(u64, Option<&str>, bool)> =
        positions.iter().map(|p| (p.seq, p.case_id.as_deref(), p.file.is_some())).collect();
    assert_eq!(seen, [(2, Some("Y"), true), (3, None, false), (4, Some("Y"), true)], "X's outcome is withheld");
    assert_eq!(positions[0].prev_hash, chain[0].hash, "the prefix is summed up by the first record's prev_hash");
    assert_eq!(positions[1].hash, chain[2].hash, "a withheld record keeps its hashes");
    assert_eq!(positions[0].kind, Some(RecordKind::Decision));
    let manifest: serde_json::Value = serde_json::from_slice(&p.files[MANIFEST_FILE]).unwrap();
    assert_eq!(manifest["kind"], "case");
    assert_eq!(manifest["chains"][0]["head"]["count"], 5, "the recorded head");
    assert_eq!(manifest["chains"][0]["announced"]["count"], 4, "the head announced in the room");
    let sums = text(&p, SUMS_FILE);
    assert_eq!(sums.lines().count(), p.files.len() - 1, "SHA256SUMS lists every other file");
    assert!(sums.contains(&format!("{}  {REPORT_FILE}\n", sha256_hex(&p.files[REPORT_FILE]))), "{sums}");

    let report = verify(&p.files);
    assert!(report.ok, "an untouched package verifies: {:#?}", report.problems);
    assert_eq!((report.files, report.records, report.withheld, report.evidence), (6, 2, 1, 1));
}

#[test]
fn a_span_covers_every_record_of_the_chosen_cases_and_nothing_outside() {
    let trusted: Vec<(Chained, bool)> = my_chain().into_iter().map(|c| (c, true)).collect();
    let table = [(vec!["Y"], Some((2, 3))), (vec!["X"], Some((1, 3))), (vec!["Z"], Some((5, 1))), (vec!["nope"], None)];
    for (cases, want) in table {
        let chosen: HashSet<String> = cases.iter().map(|c| c.to_string()).collect();
        let got = span(&trusted, &chosen).map(|(first, records)| (first, records.len()));
        assert_eq!(got, want, "span of {cases:?}");
    }
}

#[test]
fn the_report_is_escaped_masked_and_in_the_language_asked() {
    let html = text(&package(), REPORT_FILE);
    assert!(!html.contains("<script>"), "message text is never markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "but it is shown, escaped");
    assert!(html.contains("广告 &lt;b&gt;链接&lt;/b&gt;"), "the reason, escaped");
    assert!(!html.contains("13812345678") && html.contains("138****5678"), "personal data masked");
    assert!(html.contains("大家好 &amp; welcome"), "the context is shown");
    for shown in
        ["remove", "done — redacted", "How to verify", "python3 verify.py", "sha256sum -c SHA256SUMS", "@spam:hs"]
    {
        assert!(html.contains(shown), "{shown:?} in the report");
    }
    assert!(html.contains("evidence JSON in evidence/ keeps what was sealed"), "says what masking does not cover");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));

    let zh = String::from_utf8(build(&case_export(Lang::Zh), &mask).files[REPORT_FILE].clone()).unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    for shown in ["证据包", "如何核验", "删除消息", "已完成", "个人信息已打码"] {
        assert!(zh.contains(shown), "{shown:?} in the Chinese report");
    }
    // An untrusted record is marked.
    let mut e = case_export(Lang::En);
    e.chains[0].records[0].trusted = false;
    let marked = String::from_utf8(build(&e, &mask).files[REPORT_FILE].clone()).unwrap();
    assert!(marked.contains("class=\"untrusted\""), "untrusted imported records are marked");
}

type Tamper = fn(&mut BTreeMap<String, Vec<u8>>);

fn replace(files: &mut BTreeMap<String, Vec<u8>>, file: &str, from: &str, to: &str) {
    let text = String::from_utf8(files[file].clone()).unwrap();
    assert!(text.contains(from), "{from:?} in {file}");
    files.insert(file.into(), text.replacen(from, to, 1).into_bytes());
}

/// Edits the record at `position` and recomputes its hash in the manifest and SHA256SUMS.
fn rehash(f: &mut BTreeMap<String, Vec<u8>>, position: usize, from: &str, to: &str) {
    let m: serde_json::Value = serde_json::from_slice(&f[MANIFEST_FILE]).unwrap();
    let p = &m["chains"][0]["positions"][position];
    let file = p["file"].as_str().unwrap().to_owned();
    let form = String::from_utf8(f[&file].clone()).unwrap().replace(from, to);
    let old = p["hash"].as_str().unwrap().to_owned();
    let new = sha256_hex(format!("{}\n{form}", p["prev_hash"].as_str().unwrap()).as_bytes());
    f.insert(file, form.into_bytes());
    replace(f, MANIFEST_FILE, &format!("\"hash\": \"{old}\""), &format!("\"hash\": \"{new}\""));
    resum(f);
}

/// Every tampering and the problems it must show, in order.
pub(crate) fn tamperings() -> Vec<(&'static str, Tamper, Vec<ProblemKind>)> {
    use ProblemKind::*;
    vec![
        ("a byte of a case file", |f| replace(f, "cases/01-000002.json", "remove", "removf"), vec![Checksum, Edited]),
        (
            "a byte of the evidence",
            |f| replace(f, "evidence/01-000002.json", "13812345678", "13812345679"),
            vec![Checksum, Evidence],
        ),
        ("a byte of the report", |f| replace(f, REPORT_FILE, "How to verify", "How to verifY"), vec![Checksum]),
        ("a byte of the script", |f| replace(f, VERIFY_FILE, "import json", "import  json"), vec![Checksum]),
        (
            "a withheld record's hash",
            |f| {
                let m: serde_json::Value = serde_json::from_slice(&f[MANIFEST_FILE]).unwrap();
                let hash = m["chains"][0]["positions"][1]["hash"].as_str().unwrap().to_owned();
                let forged = format!("{}{}", if hash.starts_with('0') { "1" } else { "0" }, &hash[1..]);
                replace(f, MANIFEST_FILE, &format!("\"hash\": \"{hash}\""), &format!("\"hash\": \"{forged}\""));
            },
            vec![Checksum, Unlinked],
        ),
        ("a record edited, its hash recomputed", |f| rehash(f, 0, "remove", "warn"), vec![Unlinked]),
        ("the last record edited, its hash recomputed", |f| rehash(f, 2, "redacted", "nothing"), vec![Head]),
        (
            "a record re-written with whitespace",
            |f| {
                let v: serde_json::Value = serde_json::from_slice(&f["cases/01-000004.json"]).unwrap();
                f.insert("cases/01-000004.json".into(), serde_json::to_vec_pretty(&v).unwrap());
                resum(f);
            },
            vec![NotCanonical],
        ),
        ("the evidence removed", |f| drop(f.remove("evidence/01-000002.json")), vec![Missing]),
        (
            "a case file removed and unlisted",
            |f| {
                f.remove("cases/01-000004.json");
                resum(f);
            },
            vec![Missing],
        ),
        ("an extra file", |f| drop(f.insert("cases/01-000009.json".into(), b"{}".to_vec())), vec![Extra]),
        ("SHA256SUMS removed", |f| drop(f.remove(SUMS_FILE)), vec![Missing]),
        ("the manifest removed", |f| drop(f.remove(MANIFEST_FILE)), vec![Missing]),
        (
            "a bad checksum line",
            |f| {
                let mut sums = f[SUMS_FILE].clone();
                sums.extend_from_slice(b"not a line\n");
                f.insert(SUMS_FILE.into(), sums);
            },
            vec![Unreadable],
        ),
    ]
}

#[test]
fn every_tampering_is_found_and_named() {
    for (what, tamper, want) in tamperings() {
        let mut files = package().files;
        tamper(&mut files);
        let report = verify(&files);
        let found: Vec<ProblemKind> = report.problems.iter().map(|p| p.kind).collect();
        assert_eq!(found, want, "{what}: {:#?}", report.problems);
        assert!(!report.ok, "{what} must fail verification");
    }
}

#[test]
fn problems_name_their_file_and_place() {
    let mut files = package().files;
    replace(&mut files, "cases/01-000002.json", "remove", "removf");
    let report = verify(&files);
    let edited = report.problems.iter().find(|p| p.kind == ProblemKind::Edited).unwrap();
    assert_eq!((edited.file.as_deref(), edited.seq), (Some("cases/01-000002.json"), Some(2)));
    assert_eq!(serde_json::to_value(edited.kind).unwrap(), "edited");
    assert_eq!(ProblemKind::NotCanonical.as_str(), "not_canonical");
}
