//! Doxxing (人肉搜索, 开盒): a message that pairs a person's name or address with their ID or
//! phone number.
//!
//! An ID or phone number alone is personal data (its own finding). It becomes doxxing when the
//! same message also carries one of:
//!
//! * a **name or address cue** (`姓名`, `真名`, `住址`, `家住`, `住在`, `name is`, `lives at`, …);
//! * a **Chinese name**: a common surname and one or two more ideographs right before the
//!   number or before `的电话`/`身份证`/`：` (but not `王经理`, `李老师`: a business contact);
//! * an **address**: `…路12号`, `3号楼`, `2单元`, `…省…市`, `…市…区`, or `12 Baker Street`;
//! * an explicit **doxxing cue** (`人肉`, `开盒`, `dox`).
//!
//! A message that only talks about the writer (`我叫…`, `我的电话`, `my name is`, `call me`)
//! or reads like a shop's contact line (`门店`, `营业`, `欢迎`, `shop`) is not doxxing unless a
//! third-party cue (`他`, `她`, `此人`, `这个人`, `his`, `her`, `this guy`) is also present.
//! The finding spans from the first cue to the last number.

/// Cues that a name or an address follows (lower-case for ASCII).
const NAME_ADDRESS_CUES: [&str; 34] = [
    "姓名",
    "真名",
    "本名",
    "真实姓名",
    "名字叫",
    "名字是",
    "名叫",
    "叫做",
    "住址",
    "地址",
    "家住",
    "住在",
    "家在",
    "户籍",
    "门牌",
    "工作单位",
    "身份证上",
    "老家在",
    "人肉",
    "开盒",
    "name is",
    "name:",
    "full name",
    "real name",
    "lives at",
    "lives in",
    "living at",
    "address",
    "home is at",
    "dox",
    "doxx",
    "doxxed",
    "his name",
    "her name",
];

const SELF_CUES: [&str; 16] = [
    "我叫",
    "我的名字",
    "我的电话",
    "我的手机",
    "本人",
    "联系我",
    "加我",
    "我是",
    "my name",
    "my number",
    "my phone",
    "call me",
    "contact me",
    "text me",
    "i'm ",
    "i am ",
];

const BUSINESS_CUES: [&str; 14] = [
    "门店",
    "营业",
    "欢迎",
    "优惠",
    "订购",
    "咨询热线",
    "客服",
    "公司",
    "总部",
    "shop",
    "store",
    "office",
    "hotline",
    "company",
];

const THIRD_PARTY_CUES: [&str; 14] = [
    "他",
    "她",
    "此人",
    "这人",
    "这个人",
    "该人",
    "这货",
    "his ",
    "her ",
    "this guy",
    "this person",
    "this girl",
    "人肉",
    "开盒",
];

/// Common single-character surnames (the hundred most frequent, roughly).
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";

/// Two-character starts that are ordinary words, not names.
const NOT_NAMES: [&str; 24] = [
    "马上", "高速", "高兴", "方便", "方法", "方式", "时间", "江湖", "金额", "白天", "许多", "任何", "程序", "安全",
    "常用", "向我", "向他", "向她", "万一", "史上", "钱包", "石头", "龙头", "孔子",
];

/// Titles after a surname that mark a business contact, not a private person.
const TITLES: [&str; 10] = ["先生", "女士", "小姐", "经理", "老师", "总", "师傅", "老板", "主任", "客服"];

fn is_han(c: char) -> bool {
    crate::normalize::is_han(c)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cue {
    NameAddress,
    SelfRef,
    Business,
    ThirdParty,
    /// Something an address contains: run the address patterns.
    AddressMarker,
}

/// Characters and words without which [`addresses`] cannot match.
const ADDRESS_MARKERS: [&str; 29] = [
    "路",
    "街",
    "巷",
    "弄",
    "道",
    "号楼",
    "栋",
    "幢",
    "单元",
    "室",
    "省",
    "市",
    " street",
    " st",
    " road",
    " rd",
    " avenue",
    " ave",
    " lane",
    " ln",
    " drive",
    " dr",
    " boulevard",
    " blvd",
    " court",
    " ct",
    " way",
    " place",
    " terrace",
];

/// All cue lists in one case-insensitive automaton: one pass over the message.
fn cue_automaton() -> &'static (aho_corasick::AhoCorasick, Vec<Cue>) {
    static AC: std::sync::OnceLock<(aho_corasick::AhoCorasick, Vec<Cue>)> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        let mut pats: Vec<&str> = Vec::new();
        let mut kinds = Vec::new();
        for (list, kind) in [
            (&NAME_ADDRESS_CUES[..], Cue::NameAddress),
            (&SELF_CUES[..], Cue::SelfRef),
            (&BUSINESS_CUES[..], Cue::Business),
            (&THIRD_PARTY_CUES[..], Cue::ThirdParty),
            (&ADDRESS_MARKERS[..], Cue::AddressMarker),
        ] {
            for p in list {
                pats.push(p);
                kinds.push(kind);
            }
        }
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&pats)
            .expect("cue automaton builds");
        (ac, kinds)
    })
}

/// Find a doxxing span in `text`, given the spans of the IDs and phone numbers found in it.
pub(crate) fn find(text: &str, anchors: &[(usize, usize)]) -> Option<(usize, usize)> {
    if anchors.is_empty() {
        return None;
    }
    let (ac, kinds) = cue_automaton();
    let mut cues: Vec<(usize, usize)> = Vec::new();
    let (mut self_ref, mut business, mut third, mut marker) = (false, false, false, false);
    for m in ac.find_overlapping_iter(text) {
        match kinds[m.pattern().as_usize()] {
            Cue::NameAddress => cues.push((m.start(), m.end())),
            Cue::SelfRef => self_ref = true,
            Cue::Business => business = true,
            Cue::ThirdParty => third = true,
            Cue::AddressMarker => marker = true,
        }
    }
    if !third && (self_ref || business) {
        return None;
    }
    names(text, anchors, &mut cues);
    if marker {
        addresses(text, &mut cues);
    }
    if cues.is_empty() {
        return None;
    }
    let start = cues.iter().chain(anchors).map(|s| s.0).min()?;
    let end = cues.iter().chain(anchors).map(|s| s.1).max()?;
    Some((start, end))
}

fn is_surname(c: char) -> bool {
    // Sorted once: a binary search instead of decoding the whole list for every character.
    static SORTED: std::sync::OnceLock<Vec<char>> = std::sync::OnceLock::new();
    is_han(c)
        && SORTED
            .get_or_init(|| {
                let mut v: Vec<char> = SURNAMES.chars().collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .binary_search(&c)
            .is_ok()
}

/// Chinese names: surname + 1–2 ideographs, followed by the number (separators only between),
/// by `的` + a personal-data word, or by a colon.
/// Only the 16 characters before each number are searched: that is where such a name sits.
fn names(text: &str, anchors: &[(usize, usize)], out: &mut Vec<(usize, usize)>) {
    // The characters around each anchor, in a buffer kept per thread between calls (collecting
    // them into a fresh vector cost more than the search itself).
    thread_local! {
        static CHARS: std::cell::RefCell<Vec<(usize, char)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    CHARS.with_borrow_mut(|chars| {
        for &(anchor, _) in anchors {
            let from = text[..anchor].char_indices().rev().nth(15).map_or(0, |(i, _)| i);
            let from = text[..from].char_indices().next_back().map_or(from, |(i, _)| i);
            chars.clear();
            chars.extend(text[from..].char_indices().map(|(i, c)| (from + i, c)).take_while(|&(i, _)| i < anchor + 16));
            names_in(text, chars, anchor, anchors, out);
        }
    });
    out.sort_unstable();
    out.dedup();
}

/// `chars`: the characters (with their offsets) from where a name can start to 16 bytes past `to`.
fn names_in(text: &str, chars: &[(usize, char)], to: usize, anchors: &[(usize, usize)], out: &mut Vec<(usize, usize)>) {
    for (k, &(pos, c)) in chars.iter().enumerate() {
        if pos >= to || !is_surname(c) {
            continue;
        }
        if k > 0 && is_han(chars[k - 1].1) && !matches!(chars[k - 1].1, '叫' | '是' | '名' | '人') {
            continue;
        }
        for len in [2usize, 1] {
            let given: Vec<char> = chars[k + 1..].iter().take(len).map(|x| x.1).collect();
            if given.len() < len || !given.iter().all(|&g| is_han(g) && !"的是了在和与叫电手号身住家".contains(g))
            {
                continue;
            }
            let end_idx = k + 1 + len;
            let end = chars.get(end_idx).map_or(text.len(), |x| x.0);
            let name = &text[pos..end];
            if NOT_NAMES.iter().any(|w| name.starts_with(w))
                || TITLES.iter().any(|t| text[pos + c.len_utf8()..].starts_with(t))
            {
                continue;
            }
            let rest = &text[end..];
            let rest_trim = rest.trim_start_matches(|x: char| x.is_whitespace() || matches!(x, ',' | '，' | '、'));
            let skipped = end + (rest.len() - rest_trim.len());
            let followed = [
                "的身份证",
                "的电话",
                "的手机",
                "的号码",
                "的住址",
                "的地址",
                "的家",
                "身份证",
                "电话",
                "手机",
                ":",
                "：",
            ]
            .iter()
            .any(|w| rest_trim.starts_with(w))
                || anchors.iter().any(|a| a.0 == skipped);
            if followed {
                out.push((pos, end));
                break;
            }
        }
    }
}

/// Addresses, Chinese and English.
fn addresses(text: &str, out: &mut Vec<(usize, usize)>) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    for k in 0..n {
        let (pos, c) = chars[k];
        // 路/街/巷/弄/道 + digits + 号, e.g. 中山路88号.
        if matches!(c, '路' | '街' | '巷' | '弄' | '道') && k > 0 && is_han(chars[k - 1].1) {
            let mut j = k + 1;
            while j < n && chars[j].1.is_ascii_digit() {
                j += 1;
            }
            if j > k + 1 && j < n && chars[j].1 == '号' {
                let s = chars[k.saturating_sub(3)].0;
                out.push((s, chars[j].0 + '号'.len_utf8()));
            }
        }
        // digits + 号楼/栋/幢/单元/室.
        if c.is_ascii_digit() && (k == 0 || !chars[k - 1].1.is_ascii_digit()) {
            let mut j = k;
            while j < n && chars[j].1.is_ascii_digit() {
                j += 1;
            }
            let rest = &text[chars.get(j).map_or(text.len(), |x| x.0)..];
            for unit in ["号楼", "栋", "幢", "单元", "室"] {
                if rest.starts_with(unit) {
                    out.push((pos, text.len() - rest.len() + unit.len()));
                }
            }
        }
        // 省 … 市 or 市 … 区/县 within a few characters.
        if matches!(c, '省' | '市') {
            let want: &[char] = if c == '省' { &['市'] } else { &['区', '县'] };
            for j in k + 2..(k + 6).min(n) {
                if !is_han(chars[j].1) {
                    break;
                }
                if want.contains(&chars[j].1) {
                    let s = chars[k.saturating_sub(2)].0;
                    out.push((s, chars[j].0 + chars[j].1.len_utf8()));
                    break;
                }
            }
        }
    }
    english_street(text, out);
}

const STREETS: [&str; 17] = [
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "drive",
    "dr",
    "boulevard",
    "blvd",
    "court",
    "ct",
    "way",
    "place",
    "terrace",
];

/// `12 Baker Street`, `221B Baker St.`: a number, capitalised words, a street type.
fn english_street(text: &str, out: &mut Vec<(usize, usize)>) {
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if c.is_whitespace() || c == ',' {
            if let Some(s) = start.take() {
                words.push((s, &text[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    for (i, &(pos, w)) in words.iter().enumerate() {
        let num = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if num.is_empty() || num.len() > 5 || !num.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        for j in i + 2..(i + 5).min(words.len()) {
            let (wp, ww) = words[j];
            let bare = ww.trim_end_matches(['.', ',', ';']);
            let lower = bare.to_ascii_lowercase();
            let capitalised =
                words[i + 1..j].iter().all(|(_, x)| x.chars().next().is_some_and(|c| c.is_ascii_uppercase()));
            if capitalised && STREETS.contains(&lower.as_str()) {
                out.push((pos, wp + bare.len()));
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dox(text: &str, anchor: &str) -> Option<String> {
        let s = text.find(anchor).expect("anchor in text");
        find(text, &[(s, s + anchor.len())]).map(|(a, b)| text[a..b].to_owned())
    }

    #[test]
    fn table() {
        let p = "13812345678";
        for (text, want) in [
            ("他叫王小明，电话13812345678", Some("王小明，电话13812345678")),
            ("姓名：张伟 手机 13812345678", Some("姓名：张伟 手机 13812345678")),
            ("这个人住在中山路88号，13812345678", Some("住在中山路88号，13812345678")),
            ("李娜的电话是13812345678大家去骂她", Some("李娜的电话是13812345678")),
            (
                "his name is John Smith and his number is 13812345678",
                Some("his name is John Smith and his number is 13812345678"),
            ),
            ("He lives at 12 Baker Street, phone 13812345678", Some("lives at 12 Baker Street, phone 13812345678")),
            ("我叫张伟，我的电话13812345678", None),
            ("有事联系王经理 13812345678", None),
            ("马上电话13812345678", None),
            ("call me at 13812345678", None),
            ("门店地址：人民路8号 咨询热线 13812345678", None),
            ("13812345678", None),
        ] {
            assert_eq!(dox(text, p).as_deref(), want, "{text:?}");
        }
    }
}
