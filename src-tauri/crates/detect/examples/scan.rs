//! Manual testing of `qg scan` without the CLI:
//! `cargo run -p qunguan-detect --example scan -- input.jsonl [lexicon.tsv]`.
//! Prints one JSON line per input line, or the error and exit code 1.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(input_path) = args.first() else {
        eprintln!("usage: scan INPUT.jsonl [LEXICON.tsv]");
        std::process::exit(2);
    };
    let read = |p: &str| {
        std::fs::read_to_string(p).unwrap_or_else(|e| {
            eprintln!("{p}: {e}");
            std::process::exit(1)
        })
    };
    let input = read(input_path);
    let lexicon = args.get(1).map(|p| (p.clone(), read(p)));
    match qunguan_detect::scan_lines(&input, input_path, lexicon.as_ref().map(|(n, c)| (n.as_str(), c.as_str()))) {
        Ok(lines) => {
            for line in lines {
                println!("{}", serde_json::to_string(&line).expect("a scan line serialises"));
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
