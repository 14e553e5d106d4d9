//! Links: find URLs in a message and judge their domain against a group's allow and deny lists.
//!
//! A URL is `http://` or `https://` (any case) followed by a host, `www.` followed by a host, or
//! a bare host whose top-level domain is one that link spam uses (`bit.ly/x`, `t.me/x`,
//! `example.com`). The URL ends at whitespace, at a CJK character or full-width punctuation
//! (chat glues text to links: `看这个https://x.com/a很好`), and trailing `.,;:!?)` are not part of
//! it. Hosts inside e-mail addresses (`a@b.com`) are not links.
//!
//! A domain rule `example.com` matches that host and every subdomain (`www.example.com`).
//! Deny wins over allow.

use crate::normalize::is_cjk;

/// A URL found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Byte offsets of the whole URL.
    pub start: usize,
    /// Byte offsets of the whole URL.
    pub end: usize,
    /// The host, lower-cased.
    pub host: String,
}

/// What a group's domain lists say about a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// On the allow list (and not denied): not reported.
    Allowed,
    /// On the deny list.
    Denied,
    /// On neither.
    Unknown,
}

/// Top-level domains accepted for bare hosts (no scheme, no `www.`).
const BARE_TLDS: [&str; 40] = [
    "com", "net", "org", "cn", "io", "me", "ly", "cc", "top", "xyz", "info", "biz", "vip", "club", "site", "online",
    "app", "co", "tv", "ru", "uk", "de", "jp", "hk", "tw", "us", "in", "gg", "to", "link", "shop", "live", "fun",
    "icu", "win", "bet", "casino", "dev", "ink", "wang",
];

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

fn url_char(c: char) -> bool {
    !c.is_whitespace()
        && !is_cjk(c)
        && !matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}' | '<' | '>' | '"' | '`')
        && !c.is_control()
}

/// Find URLs in `text`.
pub fn find(text: &str, out: &mut Vec<Link>) {
    if !may_contain(text.as_bytes()) {
        return;
    }
    find_ungated(text, out);
}

/// Whether `b` can contain a URL: a valid host has at least two labels and an alphabetic
/// top-level domain, so its last dot is followed by an ASCII letter. Without such a dot
/// [`find_ungated`] finds nothing.
fn may_contain(b: &[u8]) -> bool {
    memchr::memchr_iter(b'.', b).any(|dot| b.get(dot + 1).is_some_and(u8::is_ascii_alphabetic))
}

/// [`find`] without the pre-check.
fn find_ungated(text: &str, out: &mut Vec<Link>) {
    let b = text.as_bytes();
    // Every URL has a dot in its host: only the tokens around dots are looked at.
    let mut done = 0usize;
    for dot in memchr::memchr_iter(b'.', b) {
        if dot < done {
            continue;
        }
        let mut s = dot;
        while s > done && is_token_byte(b[s - 1]) {
            s -= 1;
        }
        done = find_from(text, s, dot, out).max(dot + 1);
    }
}

/// Bytes a URL-ish token is made of (for finding where the token around a dot starts).
fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, b'.' | b'-' | b'_' | b'/' | b':' | b'@' | b'?' | b'=' | b'&' | b'%' | b'#' | b'~' | b'+')
}

/// Look for URLs starting in `from..=last`; returns where the scan ended.
fn find_from(text: &str, from: usize, last: usize, out: &mut Vec<Link>) -> usize {
    let b = text.as_bytes();
    let mut i = from;
    while i <= last && i < b.len() {
        // Only consider starts of tokens.
        let boundary =
            i == 0 || !(b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'.' | b'@' | b'-' | b'_' | b'/'));
        if !boundary || !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let rest = &b[i..];
        let (host_start, explicit) = if starts_ci(rest, b"https://") {
            (i + 8, true)
        } else if starts_ci(rest, b"http://") {
            (i + 7, true)
        } else if starts_ci(rest, b"www.") {
            (i, true)
        } else {
            (i, false)
        };
        let mut h = host_start;
        while h < b.len() && is_host_byte(b[h]) {
            h += 1;
        }
        let mut host_end = h;
        while host_end > host_start && matches!(b[host_end - 1], b'.' | b'-') {
            host_end -= 1;
        }
        let host = &text[host_start..host_end];
        // Two or more labels, none empty or starting/ending with '-'; an alphabetic TLD; not
        // an e-mail's domain. Cheapest tests first (all are pure), the TLD list for bare hosts last.
        let tld = host.rsplit('.').next().unwrap_or("");
        let followed_by_at = host_end < b.len() && b[host_end] == b'@';
        let valid_host = tld.len() >= 2
            && tld.bytes().all(|c| c.is_ascii_alphabetic())
            && !followed_by_at
            && host.contains('.')
            && host.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if !valid_host || !(explicit || BARE_TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld))) {
            i = h.max(i + 1);
            continue;
        }
        // Path, query, fragment.
        let mut end = host_end;
        if end < b.len() && matches!(b[end], b'/' | b':' | b'?' | b'#') {
            for (off, c) in text[end..].char_indices() {
                if !url_char(c) {
                    break;
                }
                end = host_end + off + c.len_utf8();
            }
            // Not trailing punctuation.
            while end > host_end && matches!(b[end - 1], b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'\'') {
                end -= 1;
            }
        }
        out.push(Link { start: i, end, host: host.to_ascii_lowercase() });
        i = end.max(i + 1);
    }
    i
}

fn starts_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

/// A group's link policy: allowed and denied domains.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkPolicy {
    /// Domains whose links are fine (not reported).
    #[serde(default)]
    pub allow: Vec<String>,
    /// Domains whose links are reported with high severity.
    #[serde(default)]
    pub deny: Vec<String>,
}

fn domain_matches(host: &str, domain: &str) -> bool {
    let d = domain.trim().trim_start_matches("*.").trim_matches('.');
    if d.is_empty() {
        return false;
    }
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case(d)
        || (host.len() > d.len()
            && host.as_bytes()[host.len() - d.len() - 1] == b'.'
            && host[host.len() - d.len()..].eq_ignore_ascii_case(d))
}

impl LinkPolicy {
    /// Judge a host.
    pub fn verdict(&self, host: &str) -> Verdict {
        if self.deny.iter().any(|d| domain_matches(host, d)) {
            Verdict::Denied
        } else if self.allow.iter().any(|d| domain_matches(host, d)) {
            Verdict::Allowed
        } else {
            Verdict::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(text, &mut out);
        out.iter().map(|l| &text[l.start..l.end]).collect()
    }

    #[test]
    fn table() {
        for (text, want) in [
            ("see https://example.com/a?b=1.", vec!["https://example.com/a?b=1"]),
            ("看这个https://x.com/abc很好", vec!["https://x.com/abc"]),
            ("HTTP://EXAMPLE.ORG", vec!["HTTP://EXAMPLE.ORG"]),
            ("go to www.casino-royal.vip now", vec!["www.casino-royal.vip"]),
            ("bit.ly/3abc and t.me/joinchat", vec!["bit.ly/3abc", "t.me/joinchat"]),
            ("(https://a.io/x)", vec!["https://a.io/x"]),
            ("mail bob@example.com", vec![]),
            ("version 1.2.3 and file.txt and e.g. this", vec![]),
            ("node.js is nice", vec![]),
            ("", vec![]),
        ] {
            assert_eq!(urls(text), want, "{text:?}");
        }
    }

    fn urls_ungated(text: &str) -> Vec<Link> {
        let mut out = Vec::new();
        find_ungated(text, &mut out);
        out
    }

    #[test]
    fn gate_is_a_superset() {
        for text in [
            "a.b",
            "x.com",
            "x.c",
            "x.1com",
            "1.2.3",
            "end.",
            "end. Next",
            "a..com",
            "a.-b.com",
            "http://x.y",
            "https://.com",
            "www.x",
            "bit.ly/x.",
            "a@b.com",
            "看x.com很好",
            "x.Com",
            "x。com",
            "x．com",
            ".com",
            "t.me",
            "a-.io",
            "foo.bar.baz",
            "e.g. this",
            "1.5x",
            "x.\u{e9}.com",
            "",
        ] {
            let mut gated = Vec::new();
            find(text, &mut gated);
            assert_eq!(gated, urls_ungated(text), "{text:?}");
            if !urls_ungated(text).is_empty() {
                assert!(may_contain(text.as_bytes()), "{text:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn gated_equals_ungated(text in "([a-zA-Z0-9./:@_-]|[ 。．看w]|https?://|www\\.|\\.com|\\.[a-z]{1,3}){0,24}") {
            let mut gated = Vec::new();
            find(&text, &mut gated);
            proptest::prop_assert_eq!(gated, urls_ungated(&text));
        }
    }

    #[test]
    fn policy() {
        let p =
            LinkPolicy { allow: vec!["example.com".into()], deny: vec!["bad.example.com".into(), "casino.vip".into()] };
        assert_eq!(p.verdict("example.com"), Verdict::Allowed);
        assert_eq!(p.verdict("www.example.com"), Verdict::Allowed);
        assert_eq!(p.verdict("bad.example.com"), Verdict::Denied, "deny wins");
        assert_eq!(p.verdict("x.casino.vip"), Verdict::Denied);
        assert_eq!(p.verdict("notexample.com"), Verdict::Unknown);
    }
}
