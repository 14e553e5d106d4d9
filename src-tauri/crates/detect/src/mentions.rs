//! Mention spam: one message that pings many people, or everyone.
//!
//! A mention is `@` at the start of a token (not inside an e-mail address) followed by a name:
//! a Matrix ID (`@alice:example.org`) or a display name up to the next space or punctuation
//! (`@张三`, `@bob`). Room-wide pings are `@room`, `@all`, `@everyone`, `@here`, `@所有人`,
//! `@全体成员`. Distinct mentions are counted (pinging one person five times is one).

use std::collections::HashSet;

/// Mentions in one text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Distinct targets mentioned.
    pub distinct: usize,
    /// A room-wide ping is present.
    pub mass: bool,
    /// Byte span from the first to the end of the last mention.
    pub span: Option<(usize, usize)>,
}

const MASS: [&str; 7] = ["room", "all", "everyone", "here", "所有人", "全体成员", "全体"];

fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '=' | '/')
}

/// Count the mentions in `text`.
pub fn count(text: &str) -> Mentions {
    let mut m = Mentions::default();
    if memchr::memchr(b'@', text.as_bytes()).is_none() && !text.contains('＠') {
        return m;
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut prev: Option<char> = None;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let at = matches!(c, '@' | '＠');
        let start_ok = prev.is_none_or(|p| !(p.is_alphanumeric() || matches!(p, '.' | '_' | '-' | '+' | '%')));
        prev = Some(c);
        if !at || !start_ok {
            continue;
        }
        let name_start = i + c.len_utf8();
        let mut name_end = name_start;
        while let Some(&(j, n)) = it.peek() {
            if !name_char(n) {
                break;
            }
            name_end = j + n.len_utf8();
            prev = Some(n);
            it.next();
        }
        let name = text[name_start..name_end].trim_end_matches(['.', ':', '-']);
        if name.is_empty() {
            continue;
        }
        let lower = name.to_lowercase();
        if MASS.contains(&lower.as_str()) {
            m.mass = true;
        }
        seen.insert(lower);
        let end = name_start + name.len();
        m.span = Some(m.span.map_or((i, end), |(s, _)| (s, end)));
    }
    m.distinct = seen.len();
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        for (text, distinct, mass) in [
            ("@alice hi", 1, false),
            ("@alice @bob @alice", 2, false),
            ("mail a@b.com", 0, false),
            ("@所有人 开会", 1, true),
            ("@room look", 1, true),
            ("@alice:example.org and @bob:example.org", 2, false),
            ("＠张三 ＠李四 ＠王五", 3, false),
            ("@ nobody", 0, false),
        ] {
            let m = count(text);
            assert_eq!((m.distinct, m.mass), (distinct, mass), "{text:?}");
        }
    }
}
