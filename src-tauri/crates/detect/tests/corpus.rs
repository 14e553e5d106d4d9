//! The corpus scorer: per-kind precision and recall over `corpus/`, through `qg scan`'s API.
//!
//! A finding matches a label when the kind (and, for keywords, the category) agree and the
//! byte spans overlap: the acceptance rule of `docs/cli.md`. Personal-data kinds, doxxing and each
//! keyword category are scored; links, mentions and flooding are not labelled and not scored.
//! The test prints the table and fails if any scored row is under 0.97.
//!
//! `QG_CORPUS_MISSES=N` prints up to N misses per row (default 10 on failure).

use std::collections::BTreeMap;

use qunguan_detect::scan_lines;
use serde_json::Value;

const HANDWRITTEN: &str = include_str!("../corpus/handwritten.jsonl");
const GENERATED: &str = include_str!("../corpus/generated.jsonl");
const LEXICON: &str = include_str!("../corpus/lexicon.tsv");
const BAR: f64 = 0.97;

struct Item {
    id: String,
    text: String,
    labels: Vec<(String, usize, usize)>,
}

fn key(kind: &str, category: Option<&str>) -> String {
    if kind == "keyword" { format!("keyword:{}", category.unwrap_or("?")) } else { kind.to_owned() }
}

fn load() -> Vec<Item> {
    let mut items = Vec::new();
    for line in HANDWRITTEN.lines().chain(GENERATED.lines()) {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).expect("corpus line is JSON");
        let text = v["text"].as_str().expect("text").to_owned();
        let mut labels = Vec::new();
        for l in v["labels"].as_array().expect("labels") {
            let kind = l["kind"].as_str().expect("kind");
            let k = key(kind, l["category"].as_str());
            let (s, e) = if let Some(m) = l["match"].as_str() {
                let s = text.find(m).unwrap_or_else(|| panic!("{m:?} not in {text:?}"));
                (s, s + m.len())
            } else {
                (l["start"].as_u64().unwrap() as usize, l["end"].as_u64().unwrap() as usize)
            };
            assert!(text.is_char_boundary(s) && text.is_char_boundary(e) && s < e, "label span in {text:?}");
            labels.push((k, s, e));
        }
        items.push(Item { id: v["id"].as_str().expect("id").to_owned(), text, labels });
    }
    items
}

#[derive(Default)]
struct Row {
    labels: usize,
    found_labels: usize,
    findings: usize,
    true_findings: usize,
    misses: Vec<String>,
}

#[test]
fn corpus_precision_and_recall() {
    let items = load();
    let mut input = String::new();
    for it in &items {
        input.push_str(&serde_json::json!({"id": it.id, "text": it.text}).to_string());
        input.push('\n');
    }
    let out = scan_lines(&input, "corpus.jsonl", Some(("corpus/lexicon.tsv", LEXICON))).expect("corpus scans");
    assert_eq!(out.len(), items.len(), "one output line per input line");

    let scored = |k: &str| {
        k.starts_with("keyword:") || matches!(k, "cn_resident_id" | "cn_mobile" | "bank_card" | "email" | "doxxing")
    };
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for (it, line) in items.iter().zip(&out) {
        assert_eq!(line.id, Value::String(it.id.clone()), "output order follows input");
        let found: Vec<(String, usize, usize)> = line
            .findings
            .iter()
            .map(|f| (key(f.kind, f.category.as_deref()), f.start, f.end))
            .filter(|(k, _, _)| scored(k))
            .collect();
        for f in &line.findings {
            assert!(it.text.is_char_boundary(f.start) && it.text.is_char_boundary(f.end));
            assert_eq!(&it.text[f.start..f.end], f.matched, "matched is the original slice");
        }
        let overlaps = |a: &(String, usize, usize), b: &(String, usize, usize)| a.0 == b.0 && a.1 < b.2 && b.1 < a.2;
        for l in &it.labels {
            let r = rows.entry(l.0.clone()).or_default();
            r.labels += 1;
            if found.iter().any(|f| overlaps(f, l)) {
                r.found_labels += 1;
            } else {
                r.misses.push(format!("FN {}: {:?} [{}]", it.id, it.text, &it.text[l.1..l.2]));
            }
        }
        for f in &found {
            let r = rows.entry(f.0.clone()).or_default();
            r.findings += 1;
            if it.labels.iter().any(|l| overlaps(f, l)) {
                r.true_findings += 1;
            } else {
                r.misses.push(format!("FP {}: {:?} [{}]", it.id, it.text, &it.text[f.1..f.2]));
            }
        }
    }

    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let mut table = format!(
        "\n{} messages\n{:<22} {:>7} {:>9} {:>10} {:>10}\n",
        items.len(),
        "kind",
        "labels",
        "findings",
        "precision",
        "recall"
    );
    let mut failed = Vec::new();
    let (mut kl, mut kfl, mut kf, mut ktf) = (0, 0, 0, 0);
    for (k, r) in &rows {
        let p = ratio(r.true_findings, r.findings);
        let rc = ratio(r.found_labels, r.labels);
        table.push_str(&format!("{k:<22} {:>7} {:>9} {p:>10.4} {rc:>10.4}\n", r.labels, r.findings));
        if k.starts_with("keyword:") {
            kl += r.labels;
            kfl += r.found_labels;
            kf += r.findings;
            ktf += r.true_findings;
        }
        if p < BAR || rc < BAR {
            failed.push(k.clone());
        }
    }
    table.push_str(&format!(
        "{:<22} {kl:>7} {kf:>9} {:>10.4} {:>10.4}\n",
        "keyword (all)",
        ratio(ktf, kf),
        ratio(kfl, kl)
    ));
    println!("{table}");
    let limit: usize = std::env::var("QG_CORPUS_MISSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if failed.is_empty() { 0 } else { 10 });
    for (k, r) in &rows {
        for m in r.misses.iter().take(limit) {
            println!("{k}: {m}");
        }
    }
    assert!(failed.is_empty(), "under {BAR}: {failed:?}{table}");
}
