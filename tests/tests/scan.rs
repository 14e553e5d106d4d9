//! `qg scan` as a black box: the output contract of `docs/cli.md` and its bad-input rules.

use qunguan_tests::Qg;
use serde_json::Value;

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
}

#[test]
fn one_line_out_per_line_in_with_offsets_into_the_original_text() {
    let qg = Qg::new();
    let text = "大家好，百💰家乐稳赚，联系 138-1234-5678";
    let input = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "a", "text": text}),
        serde_json::json!({"id": 7, "text": "nothing to see"})
    );
    let path = write(qg.home.path(), "in.jsonl", &input);
    let r = qg.run(&["scan", "--input", &path], "");
    assert_eq!(r.code, 0, "{r:#?}");
    let out = lines(&r.stdout);
    assert_eq!(out.len(), 2, "{}", r.stdout);
    assert_eq!(
        (out[0]["id"].clone(), out[1]["id"].clone()),
        (Value::from("a"), Value::from(7)),
        "same order, ids echoed"
    );
    assert_eq!(out[1]["findings"], serde_json::json!([]));
    let findings = out[0]["findings"].as_array().unwrap();
    let span = |kind: &str| {
        let f = findings.iter().find(|f| f["kind"] == kind).unwrap_or_else(|| panic!("no {kind}: {findings:#?}"));
        let (s, e) = (f["start"].as_u64().unwrap() as usize, f["end"].as_u64().unwrap() as usize);
        assert_eq!(f["matched"].as_str().unwrap(), &text[s..e], "matched is the original span");
        (f.clone(), &text[s..e])
    };
    let (kw, evaded) = span("keyword");
    assert_eq!((kw["category"].as_str(), evaded), (Some("gambling"), "百💰家乐"), "the evading span itself");
    let (phone, original) = span("cn_mobile");
    assert_eq!((phone["category"].as_str(), original), (Some("privacy"), "138-1234-5678"));
}

#[test]
fn a_user_lexicon_reports_its_own_category() {
    let qg = Qg::new();
    let lex = write(qg.home.path(), "terms.tsv", "brand\t草莓味\n");
    let input = write(qg.home.path(), "in.jsonl", "{\"id\":\"x\",\"text\":\"买 草 莓 味 的\"}\n");
    let r = qg.run(&["scan", "--input", &input, "--lexicon", &lex], "");
    assert_eq!(r.code, 0, "{r:#?}");
    let out = lines(&r.stdout);
    let f = &out[0]["findings"][0];
    assert_eq!((f["kind"].as_str(), f["category"].as_str()), (Some("keyword"), Some("brand")), "{out:#?}");
}

#[test]
fn bad_input_names_file_and_line_exits_1_and_prints_no_result() {
    let qg = Qg::new();
    let dir = qg.home.path();
    let good = write(dir, "good.jsonl", "{\"id\":1,\"text\":\"hi\"}\n");
    let cases = [
        (write(dir, "broken.jsonl", "{\"id\":1,\"text\":\"ok\"}\n{not json\n"), None, "broken.jsonl:2"),
        (write(dir, "notext.jsonl", "{\"id\":1,\"text\":\"ok\"}\n{\"id\":2}\n"), None, "notext.jsonl:2"),
        (good.clone(), Some(write(dir, "lex.tsv", "gambling\tok\nno tab here\n")), "lex.tsv:2"),
    ];
    for (input, lexicon, where_) in cases {
        let mut args = vec!["scan", "--input", input.as_str(), "--json"];
        if let Some(l) = &lexicon {
            args.extend(["--lexicon", l.as_str()]);
        }
        let r = qg.run(&args, "");
        assert_eq!((r.code, r.error_code().as_str()), (1, "invalid_file"), "{where_}: {r:#?}");
        assert!(r.stderr.contains(where_), "names {where_}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "nothing half-written: {}", r.stdout);
    }
    let missing = qg.run(&["scan", "--input", "/nonexistent/in.jsonl", "--json"], "");
    assert_eq!((missing.code, missing.error_code().as_str()), (1, "invalid_file"), "{missing:#?}");
}
