//! E-mail addresses: `local@domain.tld`, also with a full-width `＠`, the written-out
//! `(at)`/`[at]`/` at ` and `(dot)`/`[dot]`/` dot `, a full-width or ideographic dot, and
//! `#` for `@` with the big mail providers (`name#qq.com`). ` at ` needs a spelled-out dot or a
//! known provider, so `look at example.com` is not an address. The top-level domain must be two letters (a country) or a
//! known generic one, so `image@2x.png`, `pkg@1.2.3` and `user@localhost` are not addresses;
//! a bare `@name` is a mention.

use super::PiiHit;
use crate::finding::Kind;

const GENERIC_TLDS: [&str; 60] = [
    "com",
    "net",
    "org",
    "edu",
    "gov",
    "mil",
    "int",
    "info",
    "biz",
    "name",
    "pro",
    "app",
    "dev",
    "xyz",
    "top",
    "vip",
    "club",
    "online",
    "site",
    "shop",
    "store",
    "tech",
    "cloud",
    "email",
    "mail",
    "live",
    "life",
    "world",
    "work",
    "ltd",
    "group",
    "company",
    "asia",
    "mobi",
    "tel",
    "travel",
    "museum",
    "aero",
    "coop",
    "jobs",
    "wang",
    "ink",
    "link",
    "fun",
    "icu",
    "win",
    "today",
    "space",
    "website",
    "digital",
    "media",
    "news",
    "art",
    "studio",
    "design",
    "agency",
    "network",
    "services",
    "solutions",
    "team",
];

fn is_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// Mail providers common enough that `name#qq.com` (a `#` for the `@`) is an address.
const PROVIDERS: [&str; 12] = [
    "qq.com",
    "163.com",
    "126.com",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "foxmail.com",
    "sina.com",
    "yahoo.com",
    "icloud.com",
    "139.com",
    "aliyun.com",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum AtForm {
    /// `@`, `＠`, `(at)`, `[at]`, `{at}`.
    Plain,
    /// ` at `: needs a spelled-out dot or a known provider.
    Spelled,
    /// `#`: needs a known provider.
    Hash,
}

/// The "at" forms: (byte offset, length, form).
fn ats(text: &str) -> Vec<(usize, usize, AtForm)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for i in memchr::memchr3_iter(b'@', b'#', 0xEF, b) {
        match b[i] {
            b'@' => out.push((i, 1, AtForm::Plain)),
            b'#' => out.push((i, 1, AtForm::Hash)),
            _ if b[i..].starts_with("＠".as_bytes()) => out.push((i, "＠".len(), AtForm::Plain)),
            _ => {}
        }
    }
    // `(at)`, `[at]`, `{at}`, ` at ` (all end in `t`: most texts are ruled out by a memchr).
    if memchr::memchr2(b't', b'T', b).is_none() {
        out.sort_unstable_by_key(|&(i, len, _)| (i, len));
        return out;
    }
    for m in spelled().find_overlapping_iter(b) {
        let form = if b[m.start()] == b' ' { AtForm::Spelled } else { AtForm::Plain };
        out.push((m.start(), 4, form));
    }
    out.sort_unstable_by_key(|&(i, len, _)| (i, len));
    out
}

/// The written-out "at" forms, case-insensitive (a small automaton with a fast prefilter).
fn spelled() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([" at ", "(at)", "[at]", "{at}"])
            .expect("four literals build")
    })
}

/// The written-out "dot" forms (what [`possible`] looks for; kept for its test).
#[cfg(test)]
fn spelled_dot() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([" dot ", "(dot)", "[dot]"])
            .expect("three literals build")
    })
}

/// Whether `text` could hold an address at all, given which of `@ ＠ # . ．。` it has
/// (from the normaliser's signals): an "at" form and a "dot" form are both needed.
pub(crate) fn possible(text: &str, at_sign: bool, dot_sign: bool) -> bool {
    let b = text.as_bytes();
    // Both an "at" and a "dot" form are needed. The spelled-out dot is looked for first: its `d`
    // is rarer in chat than the `t`s, and most texts have neither form, so one short memchr pass
    // usually settles it.
    (dot_sign || spelled_dot_in(b)) && (at_sign || spelled_at_in(b))
}

/// ` x `, `(x)`, `[x]`, `{x}`: `open` before and `close` after a spelled-out form.
fn framed(open: u8, close: Option<u8>) -> bool {
    matches!((open, close), (b' ', Some(b' ')) | (b'(', Some(b')')) | (b'[', Some(b']')) | (b'{', Some(b'}')))
}

/// ` dot `, `(dot)`, `[dot]` in `b` (any case; not `{dot}`).
fn spelled_dot_in(b: &[u8]) -> bool {
    memchr::memchr2_iter(b'd', b'D', b).any(|j| {
        j >= 1
            && b.get(j + 1).is_some_and(|&c| c | 0x20 == b'o')
            && b.get(j + 2).is_some_and(|&c| c | 0x20 == b't')
            && b[j - 1] != b'{'
            && framed(b[j - 1], b.get(j + 3).copied())
    })
}

/// ` at `, `(at)`, `[at]`, `{at}` in `b` (any case).
fn spelled_at_in(b: &[u8]) -> bool {
    memchr::memchr2_iter(b't', b'T', b)
        .any(|i| i >= 2 && b[i - 1] | 0x20 == b'a' && framed(b[i - 2], b.get(i + 1).copied()))
}

/// A dot between domain labels at `i`: its length and whether it is spelled out.
fn dot_at(b: &[u8], i: usize) -> Option<(usize, bool)> {
    if b.get(i) == Some(&b'.') {
        return Some((1, false));
    }
    if b[i..].starts_with("．".as_bytes()) || b[i..].starts_with("。".as_bytes()) {
        return Some((3, false));
    }
    if b.len() >= i + 5
        && matches!(b[i], b'(' | b'[')
        && b[i + 1..i + 4].eq_ignore_ascii_case(b"dot")
        && matches!(b[i + 4], b')' | b']')
    {
        return Some((5, true));
    }
    if b.len() >= i + 5 && b[i] == b' ' && b[i + 1..i + 4].eq_ignore_ascii_case(b"dot") && b[i + 4] == b' ' {
        return Some((5, true));
    }
    None
}

/// Append every e-mail address in `text` to `out`.
pub(crate) fn find(text: &str, out: &mut Vec<PiiHit>) {
    let b = text.as_bytes();
    for (at, at_len, form) in ats(text) {
        // Local part, backwards.
        let mut s = at;
        while s > 0 && is_local(b[s - 1]) && at - s < 64 {
            s -= 1;
        }
        while s < at && b[s] == b'.' {
            s += 1;
        }
        if s == at || b[at - 1] == b'.' {
            continue;
        }
        // Domain, forwards: labels separated by dots in any of their forms.
        let mut i = at + at_len;
        let mut labels: Vec<(usize, usize)> = Vec::new();
        let mut spelled_dot = false;
        loop {
            let ls = i;
            while i < b.len() && is_domain(b[i]) {
                i += 1;
            }
            if i == ls {
                break;
            }
            labels.push((ls, i));
            match dot_at(b, i) {
                Some((len, spelled)) if i + len < b.len() && is_domain(b[i + len]) => {
                    spelled_dot |= spelled;
                    i += len;
                }
                _ => break,
            }
        }
        if labels.len() < 2 {
            continue;
        }
        let ok_labels = labels.iter().all(|&(ls, le)| le - ls <= 63 && b[ls] != b'-' && b[le - 1] != b'-');
        let (ts, te) = labels[labels.len() - 1];
        let tld = &text[ts..te];
        let tld_ok = tld.bytes().all(|c| c.is_ascii_alphabetic())
            && (tld.len() == 2 || GENERIC_TLDS.iter().any(|g| g.eq_ignore_ascii_case(tld)));
        // A known provider: compared label by label, only for the forms that need it.
        let provider = || {
            PROVIDERS.iter().any(|p| {
                p.split('.').count() == labels.len()
                    && p.split('.').zip(&labels).all(|(pl, &(ls, le))| pl.as_bytes().eq_ignore_ascii_case(&b[ls..le]))
            })
        };
        let form_ok = match form {
            AtForm::Plain => true,
            AtForm::Spelled => spelled_dot || provider(),
            AtForm::Hash => provider(),
        };
        // Glued on the left to a `/` or `:` (a URL's user-info): not an address someone shared.
        let glued_left =
            s > 0 && matches!(b[s - 1], b'/' | b':') && !text[..s].to_ascii_lowercase().ends_with("mailto:");
        if ok_labels && tld_ok && form_ok && !glued_left {
            out.push(PiiHit { kind: Kind::Email, start: s, end: te });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emails(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(text, &mut out);
        out.iter().map(|h| &text[h.start..h.end]).collect()
    }

    #[test]
    fn table() {
        for (text, want) in [
            ("mail me: zhang.san@example.com.", vec!["zhang.san@example.com"]),
            ("邮箱12345678@qq.com谢谢", vec!["12345678@qq.com"]),
            ("li_si＠163.com", vec!["li_si＠163.com"]),
            ("bob (at) x.org", vec![]),
            ("john at gmail dot com", vec!["john at gmail dot com"]),
            ("zhang at qq.com", vec!["zhang at qq.com"]),
            ("look at example.com", vec![]),
            ("wang#163.com", vec!["wang#163.com"]),
            ("issue#12.com", vec![]),
            ("li[at]sina(dot)com", vec!["li[at]sina(dot)com"]),
            ("邮箱abc@qq。com", vec!["abc@qq。com"]),
            ("bob(at)example(dot)com", vec!["bob(at)example(dot)com"]),
            ("a.b+tag@mail.co.uk", vec!["a.b+tag@mail.co.uk"]),
            ("@alice hi", vec![]),
            ("image@2x.png", vec![]),
            ("npm i pkg@1.2.3", vec![]),
            ("ssh root@localhost", vec![]),
            ("mailto:bob@example.com", vec!["bob@example.com"]),
            (".@x.com", vec![]),
            ("x@-a.com", vec![]),
        ] {
            assert_eq!(emails(text), want, "{text:?}");
        }
    }

    #[test]
    fn possible_agrees_with_the_spelled_automata() {
        for t in [
            "bob at example dot com",
            "bob(at)example(dot)com",
            "bob [AT] example [DOT] com",
            "bob{at}x dot y",
            "bob {dot} x at y",
            "at dot",
            " at  dot ",
            "what a cat. dotted",
            "the cat sat at the door",
            "",
            "t",
        ] {
            let b = t.as_bytes();
            for (a, d) in [(false, false), (true, false), (false, true), (true, true)] {
                let want = (a || spelled().is_match(b)) && (d || spelled_dot().is_match(b));
                assert_eq!(possible(t, a, d), want, "{t:?} at={a} dot={d}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn possible_agrees_with_the_spelled_automata_on_random_text(t in "([atdoATDO ()\\[\\]{}x看]| [aA][tT] | [dD][oO][tT] |\\(at\\)|\\[DOT\\]|\\{dot\\}|\\{at\\}){0,10}") {
            let b = t.as_bytes();
            for (a, d) in [(false, false), (true, false), (false, true), (true, true)] {
                let want = (a || spelled().is_match(b)) && (d || spelled_dot().is_match(b));
                proptest::prop_assert_eq!(possible(&t, a, d), want);
            }
        }
    }
}
