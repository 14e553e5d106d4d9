//! `qg scan`: JSON Lines in, one result line per input line out (see `docs/cli.md`).
//!
//! Input lines are `{"id": …, "text": "…"}`, optionally with `"sender"` (string) and `"ts"`
//! (milliseconds). Output lines are
//! `{"id": …, "findings": [{"kind", "category", "rule", "start", "end", "matched", "severity"}]}`
//! in input order, `start`/`end` being UTF-8 byte offsets into the decoded `text`.
//!
//! All or nothing: every line is parsed and the lexicon loaded before anything is scanned, and
//! any error (invalid JSON, missing `text`, a lexicon row without a tab, …) is returned as a
//! [`ScanError`] naming the file and the 1-based line, with no results.

use serde::Serialize;

use crate::engine::{Engine, Scratch};
use crate::finding::Finding;
use crate::lexicon::Lexicon;
use crate::rules::RuleSet;
use crate::stream::Stream;

/// Why `qg scan` could not produce results. Displays as `input.jsonl:3: missing "text" field`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ScanError {
    /// The file the error is in (the input or the lexicon), as the caller named it.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, in plain words.
    pub message: String,
}

/// One finding as `qg scan` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanFinding {
    /// `keyword`, `cn_resident_id`, `cn_mobile`, `bank_card`, `email`, `url`, `mentions`,
    /// `doxxing`, `flood`.
    pub kind: &'static str,
    /// Category, or `null`.
    pub category: Option<String>,
    /// Rule ID.
    pub rule: String,
    /// UTF-8 byte offset into the original text.
    pub start: usize,
    /// UTF-8 byte offset into the original text (exclusive).
    pub end: usize,
    /// The original text at `start..end`.
    pub matched: String,
    /// `low`, `medium`, `high`.
    pub severity: &'static str,
}

impl ScanFinding {
    fn new(f: &Finding, text: &str) -> ScanFinding {
        ScanFinding {
            kind: f.kind.as_str(),
            category: f.category.as_deref().map(str::to_owned),
            rule: f.rule.to_string(),
            start: f.start,
            end: f.end,
            matched: f.matched(text).to_owned(),
            severity: f.severity.as_str(),
        }
    }
}

/// One output line of `qg scan`. Serialises with `id` first, then `findings`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanLine {
    /// The input line's `id`, echoed as given (string or number).
    pub id: serde_json::Value,
    /// What was found, sorted by position.
    pub findings: Vec<ScanFinding>,
}

struct Message {
    id: serde_json::Value,
    text: String,
    sender: Option<String>,
    ts: Option<i64>,
}

fn parse_line(line: &str, file: &str, no: usize) -> Result<Message, ScanError> {
    let err = |message: String| ScanError { file: file.to_owned(), line: no, message };
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| err(format!("invalid JSON: {e}")))?;
    let serde_json::Value::Object(mut obj) = v else {
        return Err(err("expected a JSON object".into()));
    };
    let id = match obj.remove("id") {
        None | Some(serde_json::Value::Null) => return Err(err("missing \"id\" field".into())),
        Some(id) => id,
    };
    let text = match obj.remove("text") {
        None | Some(serde_json::Value::Null) => return Err(err("missing \"text\" field".into())),
        Some(serde_json::Value::String(s)) => s,
        Some(_) => return Err(err("\"text\" must be a string".into())),
    };
    let sender = match obj.remove("sender") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(err("\"sender\" must be a string".into())),
    };
    let ts = match obj.remove("ts") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => {
            match n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite() && f.abs() < 9.0e18).map(|f| f as i64)) {
                Some(t) => Some(t),
                None => return Err(err("\"ts\" must be a number of milliseconds".into())),
            }
        }
        Some(_) => return Err(err("\"ts\" must be a number of milliseconds".into())),
    };
    Ok(Message { id, text, sender, ts })
}

/// Scan a JSON Lines document, typed: the engine behind [`scan_jsonl`].
///
/// Blank lines are skipped (they produce no output line); a UTF-8 byte-order mark and `\r\n`
/// line ends are accepted. `extra_lexicon` is `(file name, contents)` of a
/// `category<TAB>term` file that adds to the built-in lists.
pub fn scan_lines(
    input: &str,
    input_name: &str,
    extra_lexicon: Option<(&str, &str)>,
) -> Result<Vec<ScanLine>, ScanError> {
    scan_lines_with(input, input_name, extra_lexicon, RuleSet::default())
}

/// [`scan_lines`] under a group's rule set.
pub fn scan_lines_with(
    input: &str,
    input_name: &str,
    extra_lexicon: Option<(&str, &str)>,
    rules: RuleSet,
) -> Result<Vec<ScanLine>, ScanError> {
    let input = input.strip_prefix('\u{FEFF}').unwrap_or(input);
    let mut messages = Vec::new();
    for (i, raw) in input.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        messages.push(parse_line(line, input_name, i + 1)?);
    }
    let mut lexicon = Lexicon::builtin();
    if let Some((name, contents)) = extra_lexicon {
        lexicon.add_tsv(name, contents).map_err(|e| ScanError { file: e.file, line: e.line, message: e.message })?;
    }
    let engine = Engine::new(&lexicon, rules);
    let mut stream = Stream::new(engine.rules());
    let mut scratch = Scratch::new();
    let mut findings = Vec::new();
    let mut out = Vec::with_capacity(messages.len());
    for m in messages {
        findings.clear();
        engine.scan_with(&m.text, &mut scratch, &mut findings);
        if let (Some(sender), Some(ts)) = (&m.sender, m.ts) {
            findings.extend(stream.observe(sender, ts, &m.text));
        }
        out.push(ScanLine { id: m.id, findings: findings.iter().map(|f| ScanFinding::new(f, &m.text)).collect() });
    }
    Ok(out)
}

/// `qg scan`, as a pure function: the CLI reads the files, calls this, prints each returned
/// value as one line, and on `Err` prints the error to stderr and exits 1 (having printed
/// nothing to stdout).
///
/// ```
/// let out = qunguan_detect::scan_jsonl("{\"id\":1,\"text\":\"百.家.乐\"}\n", "in.jsonl", None).unwrap();
/// assert_eq!(out[0]["findings"][0]["category"], "gambling");
/// let err = qunguan_detect::scan_jsonl("{\"id\":1}\n", "in.jsonl", None).unwrap_err();
/// assert_eq!(err.to_string(), "in.jsonl:1: missing \"text\" field");
/// ```
///
/// * `input`: the JSONL document; `input_name`: its name for error messages.
/// * `extra_lexicon`: `Some((file name, contents))` for `--lexicon`.
/// * Returns one `{"id", "findings"}` object per non-blank input line, in order. The values are
///   `serde_json::Value`s, so key order inside an object follows serde_json's map (sorted unless
///   the `preserve_order` feature is on); use [`scan_lines`] to print `id` first.
pub fn scan_jsonl(
    input: &str,
    input_name: &str,
    extra_lexicon: Option<(&str, &str)>,
) -> Result<Vec<serde_json::Value>, ScanError> {
    Ok(scan_lines(input, input_name, extra_lexicon)?
        .into_iter()
        .map(|l| serde_json::to_value(l).unwrap_or(serde_json::Value::Null))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shape_and_offsets() {
        let input = "{\"id\":\"1\",\"text\":\"来玩百💰家乐\"}\n\n{\"id\":2,\"text\":\"hello\"}\n";
        let out = scan_jsonl(input, "in.jsonl", None).unwrap();
        assert_eq!(out.len(), 2, "blank lines produce nothing");
        assert_eq!(
            out[0],
            json!({"id": "1", "findings": [{
                "kind": "keyword", "category": "gambling", "rule": "kw.gambling",
                "start": 6, "end": 19, "matched": "百💰家乐", "severity": "high"}]})
        );
        assert_eq!(out[1], json!({"id": 2, "findings": []}));
        let line = serde_json::to_string(&scan_lines(input, "in.jsonl", None).unwrap()[1]).unwrap();
        assert_eq!(line, r#"{"id":2,"findings":[]}"#, "typed lines print id first");
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            ("{\"id\":1,\"text\":\"a\"}\n{\"id\":2}\n", None, "in.jsonl:2: missing \"text\" field"),
            (
                "{\"id\":1,\"text\":\"a\"}\n\n{oops\n",
                None,
                "in.jsonl:3: invalid JSON: key must be a string at line 1 column 2",
            ),
            ("[1]\n", None, "in.jsonl:1: expected a JSON object"),
            ("{\"text\":\"a\"}\n", None, "in.jsonl:1: missing \"id\" field"),
            ("{\"id\":1,\"text\":5}\n", None, "in.jsonl:1: \"text\" must be a string"),
            (
                "{\"id\":1,\"text\":\"a\"}\n",
                Some(("lex.tsv", "drugs\tmeth\ndrugs meth\n")),
                "lex.tsv:2: expected category<TAB>term, found no tab in \"drugs meth\"",
            ),
        ];
        for (input, lex, want) in cases {
            let e = scan_jsonl(input, "in.jsonl", lex).unwrap_err();
            assert_eq!(e.to_string(), want);
        }
    }

    #[test]
    fn lexicon_categories_and_flood() {
        let mut input = String::new();
        for i in 0..6 {
            input.push_str(&format!(
                "{{\"id\":{i},\"text\":\"try m.e.t.h now\",\"sender\":\"@a:x\",\"ts\":{}}}\n",
                i * 100
            ));
        }
        let out = scan_lines(&input, "in.jsonl", Some(("lex.tsv", "drugs\tmeth\n"))).unwrap();
        assert_eq!(out[0].findings.len(), 1);
        assert_eq!(out[0].findings[0].category.as_deref(), Some("drugs"));
        assert_eq!(out[0].findings[0].rule, "kw.custom");
        assert_eq!(out[0].findings[0].matched, "m.e.t.h");
        assert!(out[4].findings.iter().any(|f| f.kind == "flood"), "fifth message floods");
        assert!(!out[3].findings.iter().any(|f| f.kind == "flood"));
    }
}
