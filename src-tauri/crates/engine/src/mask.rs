//! Splitting a message's text into display segments, with personal data masked.
//!
//! ## Design
//! - Masking works per character on the original text, so a finding's span keeps its length
//!   in characters and separators (`138 1234 5678` → `138 **** 5678`), and the admin still
//!   sees where the number was and how it was written.
//! - Only the *significant* characters of a number (digits, the `X` check character, in half or
//!   full width) count for which part is kept: an 18-digit ID keeps its region code and its
//!   last four (`110105********002X`), a mobile its prefix and last four (`138****5678`, also
//!   after `+86`), a card its first and last four; an e-mail keeps the first character of the
//!   local part and the domain.
//! - Where findings overlap, a character belongs to the personal-data finding that masks it,
//!   else to the most severe finding covering it. Flood findings cover whole messages and mark
//!   no span (the message lists them).

use qunguan_core::message::Segment;
use qunguan_detect::{Finding, Kind};

/// Which characters of a span, counted among its significant ones, stay visible.
fn keep_range(kind: Kind, significant: usize) -> Option<(usize, usize)> {
    let (head, tail) = match kind {
        Kind::CnResidentId => (6, 4),
        // The last 8 digits are the subscriber number: hide its first half, keep the prefix.
        Kind::CnMobile => (significant.saturating_sub(8), 4),
        Kind::BankCard => (4, 4),
        _ => return None,
    };
    if head + tail >= significant {
        // Too short to keep both ends: hide the middle half.
        let q = significant / 4;
        return Some((q, significant - q));
    }
    Some((head, significant - tail))
}

fn is_significant_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c) || matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ')
}

/// The masked characters of one personal-data span; `None` for kinds that are not masked.
fn mask_span(kind: Kind, span: &str) -> Option<Vec<char>> {
    let chars: Vec<char> = span.chars().collect();
    if kind == Kind::Email {
        // Keep the first character of the local part and everything from the `@` (or `(at)`) on.
        let at = chars.iter().position(|c| matches!(c, '@' | '＠' | '(' | '（' | '[' | '［' | ' '));
        let end = at.unwrap_or(chars.len());
        return Some(
            chars
                .iter()
                .enumerate()
                .map(|(i, &c)| if i > 0 && i < end && !c.is_whitespace() { '*' } else { c })
                .collect(),
        );
    }
    let significant = chars.iter().filter(|c| is_significant_digit(**c)).count();
    let (from, to) = keep_range(kind, significant)?;
    let mut n = 0;
    Some(
        chars
            .into_iter()
            .map(|c| {
                if !is_significant_digit(c) {
                    return c;
                }
                n += 1;
                if (from..to).contains(&(n - 1)) { '*' } else { c }
            })
            .collect(),
    )
}

/// Splits `text` into runs: plain, flagged (`flag` = index into `findings`) and masked.
pub fn segments(text: &str, findings: &[Finding]) -> Vec<Segment> {
    split(text, findings, true)
}

/// The same runs with personal data shown: only after the admin asked, with a reason, and a
/// case recorded it (see `Engine::reveal`).
pub fn segments_unmasked(text: &str, findings: &[Finding]) -> Vec<Segment> {
    split(text, findings, false)
}

fn split(text: &str, findings: &[Finding], mask: bool) -> Vec<Segment> {
    // Per character: what to show, which finding it belongs to, and whether it is masked.
    let mut chars: Vec<(usize, char, Option<usize>, bool)> =
        text.char_indices().map(|(at, c)| (at, c, None, false)).collect();
    let at_byte = |chars: &[(usize, char, Option<usize>, bool)], byte: usize| chars.partition_point(|c| c.0 < byte);

    // Most severe first, so a later (milder) finding never takes a character over.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(findings[i].severity));
    for &i in &order {
        let f = &findings[i];
        // Flooding is about the message as a whole: it is listed, not painted over the text.
        if f.kind == Kind::Flood {
            continue;
        }
        let (a, b) = (at_byte(&chars, f.start), at_byte(&chars, f.end));
        for c in &mut chars[a..b] {
            if c.2.is_none() {
                c.2 = Some(i);
            }
        }
    }
    // Masking wins over any other finding on the same characters.
    for (i, f) in findings.iter().enumerate().filter(|_| mask) {
        let Some(span) = text.get(f.start..f.end) else { continue };
        let Some(masked) = mask_span(f.kind, span) else { continue };
        let a = at_byte(&chars, f.start);
        for (c, m) in chars[a..].iter_mut().zip(masked) {
            c.3 |= c.1 != m;
            c.1 = m;
            c.2 = Some(i);
        }
    }

    let mut out: Vec<Segment> = Vec::new();
    for (_, c, flag, masked) in chars {
        let flag = flag.map(|i| i as u32);
        match out.last_mut() {
            Some(s) if s.flag == flag && s.masked == masked => s.text.push(c),
            _ => out.push(Segment { text: c.to_string(), flag, masked }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use qunguan_detect::Severity;

    use super::*;

    fn finding(kind: Kind, text: &str, part: &str, severity: Severity) -> Finding {
        let start = text.find(part).expect("part of the text");
        Finding { kind, category: None, rule: Arc::from("r"), start, end: start + part.len(), severity }
    }

    fn shown(segments: &[Segment]) -> String {
        segments.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn personal_data_is_masked_the_way_the_ui_brief_shows_it() {
        let table = [
            (Kind::CnResidentId, "110105194912310021", "110105********0021"),
            (Kind::CnResidentId, "11010519491231002X", "110105********002X"),
            (Kind::CnResidentId, "110105 19491231 002X", "110105 ******** 002X"),
            (Kind::CnMobile, "13812345678", "138****5678"),
            (Kind::CnMobile, "+86 138-1234-5678", "+86 138-****-5678"),
            (Kind::CnMobile, "１３８１２３４５６７８", "１３８****５６７８"),
            (Kind::BankCard, "6222 0212 3456 7890", "6222 **** **** 7890"),
            (Kind::Email, "zhangsan@example.com", "z*******@example.com"),
            (Kind::Email, "zhangsan (at) example.com", "z******* (at) example.com"),
        ];
        for (kind, original, want) in table {
            let text = format!("资料：{original} 谢谢");
            let f = finding(kind, &text, original, Severity::High);
            let segs = segments(&text, &[f]);
            assert_eq!(shown(&segs), format!("资料：{want} 谢谢"), "{kind:?} {original}");
            let masked: Vec<&Segment> = segs.iter().filter(|s| s.masked).collect();
            assert!(!masked.is_empty() && masked.iter().all(|s| s.flag == Some(0)), "{kind:?}: {segs:?}");
        }
    }

    #[test]
    fn keywords_are_flagged_but_shown_and_plain_text_stays_plain() {
        let text = "来玩百💰家乐吧";
        let segs = segments(text, &[finding(Kind::Keyword, text, "百💰家乐", Severity::High)]);
        let parts: Vec<(&str, Option<u32>, bool)> = segs.iter().map(|s| (s.text.as_str(), s.flag, s.masked)).collect();
        assert_eq!(parts, [("来玩", None, false), ("百💰家乐", Some(0), false), ("吧", None, false)]);
        assert_eq!(segments("", &[]), []);
    }

    #[test]
    fn a_phone_inside_a_doxxing_span_is_masked_and_the_rest_stays_with_the_doxxing_flag() {
        let text = "张三 住在幸福路8号 13812345678";
        let dox = finding(Kind::Doxxing, text, text, Severity::High);
        let phone = finding(Kind::CnMobile, text, "13812345678", Severity::Medium);
        let segs = segments(text, &[dox, phone]);
        assert_eq!(shown(&segs), "张三 住在幸福路8号 138****5678");
        assert_eq!(segs[0].flag, Some(0), "the doxxing span");
        assert!(
            segs.iter().any(|s| s.masked && s.flag == Some(1)),
            "the phone inside the doxxing span should be masked under its own flag"
        );
        assert!(!shown(&segs).contains("1234"), "the hidden digits never reach the screen");
    }

    #[test]
    fn unmasked_runs_show_the_number_and_still_flag_it() {
        let text = "电话 13812345678";
        let phone = finding(Kind::CnMobile, text, "13812345678", Severity::Medium);
        let segs = segments_unmasked(text, std::slice::from_ref(&phone));
        assert_eq!(shown(&segs), text);
        assert!(
            segs.iter().any(|s| s.flag == Some(0) && !s.masked && s.text == "13812345678"),
            "an unmasked run should show the number and still flag it"
        );
        assert_eq!(shown(&segments(text, &[phone])), "电话 138****5678", "masked by default");
    }

    #[test]
    fn a_flood_finding_marks_no_span() {
        let text = "哈哈哈哈哈";
        let segs = segments(text, &[finding(Kind::Flood, text, text, Severity::Medium)]);
        assert_eq!(
            segs,
            [Segment { text: text.into(), flag: None, masked: false }],
            "a flood finding should mark no span"
        );
    }

    #[test]
    fn findings_with_bad_offsets_never_panic() {
        let text = "百家乐";
        let bad = Finding {
            kind: Kind::CnMobile,
            category: None,
            rule: Arc::from("r"),
            start: 1,
            end: 99,
            severity: Severity::Low,
        };
        assert_eq!(shown(&segments(text, &[bad])), "百家乐");
    }
}
