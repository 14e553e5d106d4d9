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
    let b = text.as_bytes();
    let mut ats: Vec<(usize, usize)> = memchr::memchr_iter(b'@', b).map(|i| (i, 1)).collect();
    ats.extend(memchr::memmem::find_iter(b, "＠".as_bytes()).map(|i| (i, "＠".len())));
    if ats.is_empty() {
        return m;
    }
    ats.sort_unstable();
    let mut seen: HashSet<String> = HashSet::new();
    let mut consumed = 0usize;
    for (i, len) in ats {
        if i < consumed {
            continue; // inside the previous mention's name
        }
        let start_ok = text[..i]
            .chars()
            .next_back()
            .is_none_or(|p| !(p.is_alphanumeric() || matches!(p, '.' | '_' | '-' | '+' | '%' | '@' | '＠')));
        if !start_ok {
            continue;
        }
        let name_start = i + len;
        let name_end =
            text[name_start..].char_indices().find(|&(_, n)| !name_char(n)).map_or(text.len(), |(j, _)| name_start + j);
        consumed = name_end;
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
