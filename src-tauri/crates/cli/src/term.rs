//! The one door to the terminal: everything `qg` prints goes through here.
//!
//! Group names, reasons, reported messages and server error text come from other people and
//! can be hostile: an escape sequence can clear the screen, retitle the window or hide text, a
//! carriage return can overwrite what was printed, a bidi override can make `@evil` read as
//! something else. So before any of it reaches a terminal, C0 control characters (except
//! newline and tab where the output has several lines), DEL, the C1 controls (U+0080–U+009F,
//! which some terminals take as escape sequences) and the bidi embeddings, overrides and
//! isolates (U+202A–U+202E, U+2066–U+2069) are removed. JSON output keeps the data exact: the
//! same characters are written as `\uXXXX` escapes, which JSON readers decode back.

use std::fmt::Write as _;

/// A bidi embedding, override or isolate (they reorder what follows them on the line).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// May this character reach a terminal? (`\n` and `\t` are decided by the caller.)
fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Text for a terminal, several lines allowed: newlines and tabs stay, the rest is stripped.
pub fn text(s: &str) -> String {
    s.chars().filter(|&c| matches!(c, '\n' | '\t') || !is_unsafe(c)).collect()
}

/// Text for one line (a table cell): newlines and tabs become spaces, the rest is stripped.
pub fn line(s: &str) -> String {
    s.chars().filter_map(|c| if matches!(c, '\n' | '\t') { Some(' ') } else { (!is_unsafe(c)).then_some(c) }).collect()
}

/// Serialised JSON with the characters a terminal could act on written as `\uXXXX` escapes
/// (`serde_json` escapes C0 already; C1, DEL and bidi controls it writes raw). They can only
/// occur inside strings, where the escape means the same character.
pub fn json(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe(c) && !c.is_ascii_control() || c == '\u{7f}' {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints a line of text on standard output, stripped.
pub fn out(s: &str) {
    println!("{}", text(s));
}

/// Prints a line of text on standard error, stripped.
pub fn err(s: &str) {
    eprintln!("{}", text(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let hostile =
            "群\u{1b}[2J\u{1b}]0;pwned\u{7}名\r覆盖\u{8}\u{0}\u{7f}\u{9b}31m\u{85}@evil\u{202e}lave\u{2066}x\u{2069}";
        let want = "群[2J]0;pwned名覆盖31m@evillavex";
        assert_eq!(line(hostile), want, "one line: every control stripped");
        assert_eq!(text(hostile), want, "several lines: the same");
        assert_eq!(text("第一行\n\t第二行\r\n"), "第一行\n\t第二行\n", "multi-line output keeps newlines and tabs");
        assert_eq!(line("第一行\n\t第二行"), "第一行  第二行", "a cell stays on its line");
        assert_eq!(line("加微信 <b>稳赚</b> 13812345678"), "加微信 <b>稳赚</b> 13812345678", "text stays text");
    }

    #[test]
    fn json_output_escapes_what_a_terminal_could_act_on_and_keeps_the_data() {
        let value = serde_json::json!({"name": "a\u{1b}[2Jb\u{9b}c\u{202e}d\u{7f}e\n"});
        let encoded = json(&serde_json::to_string(&value).unwrap());
        assert!(
            !encoded.chars().any(|c| c.is_control() || is_bidi_control(c)),
            "no raw control character in the JSON text: {encoded:?}"
        );
        let back: serde_json::Value = serde_json::from_str(&encoded).unwrap();
        assert_eq!(back, value, "the JSON reader gets the same string back");
    }
}
