//! E-mail addresses: `local@domain.tld`, also with a full-width `＠` or the written-out
//! `(at)`/`[at]` and `(dot)`/`[dot]`. The top-level domain must be two letters (a country) or a
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

/// The "at" forms: (byte offset, length).
fn ats(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'@' {
            out.push((i, 1));
        } else if b[i..].starts_with("＠".as_bytes()) {
            out.push((i, '＠'.len_utf8()));
        } else if matches!(b[i], b'(' | b'[' | b'{') && b.len() >= i + 4 {
            let w = &b[i + 1..i + 3];
            if w.eq_ignore_ascii_case(b"at") && matches!(b[i + 3], b')' | b']' | b'}') {
                out.push((i, 4));
            }
        }
        i += 1;
    }
    out
}

/// Append every e-mail address in `text` to `out`.
pub(crate) fn find(text: &str, out: &mut Vec<PiiHit>) {
    if !text.contains(['@', '＠', '(', '[', '{']) {
        return;
    }
    let b = text.as_bytes();
    for (at, at_len) in ats(text) {
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
        // Domain, forwards: labels separated by `.` or `(dot)`/`[dot]`.
        let mut i = at + at_len;
        let mut labels: Vec<(usize, usize)> = Vec::new();
        loop {
            let ls = i;
            while i < b.len() && is_domain(b[i]) {
                i += 1;
            }
            if i == ls {
                break;
            }
            labels.push((ls, i));
            if i < b.len() && b[i] == b'.' && i + 1 < b.len() && is_domain(b[i + 1]) {
                i += 1;
            } else if b.len() >= i + 5
                && matches!(b[i], b'(' | b'[')
                && b[i + 1..i + 4].eq_ignore_ascii_case(b"dot")
                && matches!(b[i + 4], b')' | b']')
            {
                i += 5;
            } else {
                break;
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
        // Glued on the right to more word characters (`a@b.comx` was already consumed), or on
        // the left to a `/` (a URL's user-info) — neither is an address someone shared.
        let glued_left = s > 0 && matches!(b[s - 1], b'/' | b':');
        if ok_labels && tld_ok && !glued_left {
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
            ("bob(at)example(dot)com", vec!["bob(at)example(dot)com"]),
            ("a.b+tag@mail.co.uk", vec!["a.b+tag@mail.co.uk"]),
            ("@alice hi", vec![]),
            ("image@2x.png", vec![]),
            ("npm i pkg@1.2.3", vec![]),
            ("ssh root@localhost", vec![]),
            (".@x.com", vec![]),
            ("x@-a.com", vec![]),
        ] {
            assert_eq!(emails(text), want, "{text:?}");
        }
    }
}
