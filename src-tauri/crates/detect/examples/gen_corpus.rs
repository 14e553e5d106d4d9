//! Regenerate `corpus/generated.jsonl`, the generated half of the labelled corpus.
//!
//! `cargo run -p qunguan-detect --example gen_corpus` (deterministic: same seed, same file).
//!
//! Labels are computed here, independently of the engine: check digits, Luhn and the numbering
//! plan are re-implemented, and evasions are applied to terms from `corpus/lexicon.tsv` (the
//! stand-in for a held-out lexicon) and from the built-in lists. Hard negatives are numbers and
//! words that must not be flagged.

use std::fmt::Write as _;

#[path = "../support/rng.rs"]
mod rng;
use rng::Rng;

#[derive(Clone)]
struct Label {
    kind: &'static str,
    category: Option<String>,
    start: usize,
    end: usize,
}

/// A message under construction: text plus labels.
#[derive(Default)]
struct Msg {
    text: String,
    labels: Vec<Label>,
}

impl Msg {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn label(&mut self, kind: &'static str, category: Option<&str>, s: &str) {
        let start = self.text.len();
        self.text.push_str(s);
        self.labels.push(Label { kind, category: category.map(str::to_owned), start, end: self.text.len() });
    }
    /// Fill a template with `{}` slots.
    fn template(&mut self, tpl: &str, mut fill: impl FnMut(&mut Msg, usize)) {
        for (i, part) in tpl.split("{}").enumerate() {
            if i > 0 {
                fill(self, i - 1);
            }
            self.push(part);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Evasions.

const CJK_SEPS: [&str; 22] = [
    " ", ".", "·", "*", "-", "_", "/", "|", "~", "💰", "🎰", "❤️", "⭐", "🔥", "😀", "。", "，", "、", "  ", " . ",
    "#", "🍀",
];
const INSERTS: [&str; 10] = [".", "*", "_", "·", "💰", "⭐", "|", "~", "/", "🔥"];
const ANY_SEPS: [&str; 12] = [" ", ".", "-", "*", "_", "·", "💰", "|", "~", "/", " - ", "⭐"];
const ZW: [char; 6] = ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}'];

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF)
}

fn homoglyph(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'c' => 'с',
        'e' => 'е',
        'o' => 'о',
        'p' => 'р',
        'x' => 'х',
        'y' => 'у',
        'i' => 'і',
        's' => 'ѕ',
        'j' => 'ј',
        'h' => 'һ',
        'k' => 'κ',
        'v' => 'ν',
        'A' => 'А',
        'B' => 'В',
        'E' => 'Е',
        'M' => 'М',
        'T' => 'Т',
        _ => return None,
    })
}

fn math(c: char, style: usize) -> char {
    // bold, sans-serif bold, monospace, bold italic: no holes in these lowercase alphabets.
    let lower = [0x1D41A, 0x1D5EE, 0x1D68A, 0x1D482][style % 4];
    let upper = [0x1D400, 0x1D5D4, 0x1D670, 0x1D468][style % 4];
    match c {
        'a'..='z' => char::from_u32(lower + (c as u32 - 'a' as u32)).unwrap(),
        'A'..='Z' => char::from_u32(upper + (c as u32 - 'A' as u32)).unwrap(),
        '0'..='9' => char::from_u32(0x1D7CE + (c as u32 - '0' as u32)).unwrap(),
        _ => c,
    }
}

fn circled(c: char) -> char {
    match c {
        'a'..='z' => char::from_u32(0x24D0 + (c as u32 - 'a' as u32)).unwrap(),
        'A'..='Z' => char::from_u32(0x24B6 + (c as u32 - 'A' as u32)).unwrap(),
        _ => c,
    }
}

fn fullwidth(c: char) -> char {
    if c.is_ascii_graphic() { char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap() } else { c }
}

/// Simplified → traditional for the characters the corpus terms use (hand-made, checked
/// against the engine's direction only by the scorer).
const S2T: [(char, char); 64] = [
    ('头', '頭'),
    ('丸', '丸'),
    ('摇', '搖'),
    ('麻', '麻'),
    ('毒', '毒'),
    ('气', '氣'),
    ('开', '開'),
    ('试', '試'),
    ('答', '答'),
    ('级', '級'),
    ('证', '證'),
    ('办', '辦'),
    ('凭', '憑'),
    ('驾', '駕'),
    ('护', '護'),
    ('击', '擊'),
    ('器', '器'),
    ('弩', '弩'),
    ('棍', '棍'),
    ('宝', '寶'),
    ('赌', '賭'),
    ('狗', '狗'),
    ('群', '群'),
    ('电', '電'),
    ('竞', '競'),
    ('猜', '猜'),
    ('羊', '羊'),
    ('项', '項'),
    ('费', '費'),
    ('送', '送'),
    ('单', '單'),
    ('员', '員'),
    ('薪', '薪'),
    ('递', '遞'),
    ('丢', '丟'),
    ('赔', '賠'),
    ('废', '廢'),
    ('柴', '柴'),
    ('猪', '豬'),
    ('图', '圖'),
    ('网', '網'),
    ('站', '站'),
    ('书', '書'),
    ('黄', '黃'),
    ('乐', '樂'),
    ('彩', '彩'),
    ('场', '場'),
    ('线', '線'),
    ('视', '視'),
    ('频', '頻'),
    ('约', '約'),
    ('传', '傳'),
    ('销', '銷'),
    ('杀', '殺'),
    ('盘', '盤'),
    ('钱', '錢'),
    ('洗', '洗'),
    ('账', '賬'),
    ('户', '戶'),
    ('贷', '貸'),
    ('骗', '騙'),
    ('东', '東'),
    ('残', '殘'),
    ('脑', '腦'),
];

fn to_trad(s: &str) -> String {
    s.chars().map(|c| S2T.iter().find(|(a, _)| *a == c).map_or(c, |(_, t)| *t)).collect()
}

/// Apply one or two evasions to a term; returns the evaded text.
fn evade(rng: &mut Rng, term: &str) -> String {
    let cjk = term.chars().any(is_cjk);
    let n = if rng.chance(0.3) { 2 } else { 1 };
    let mut t = term.to_owned();
    for _ in 0..n {
        t = match rng.below(9) {
            0 => t,
            1 => t.chars().map(|c| if rng.chance(0.5) { c.to_ascii_uppercase() } else { c }).collect(),
            2 => t.chars().map(fullwidth).collect(),
            3 => {
                // Separators between characters.
                let chars: Vec<char> = t.chars().collect();
                let all = !cjk && rng.chance(0.5);
                let one_space = !cjk && !all && rng.chance(0.3);
                let space_at = 1 + rng.below(chars.len().max(2) - 1);
                let mut out = String::new();
                let sep_all = rng.pick(&ANY_SEPS).to_string();
                for (i, c) in chars.iter().enumerate() {
                    if i > 0 && chars[i - 1] != ' ' && *c != ' ' {
                        if cjk {
                            if rng.chance(0.6) {
                                out.push_str(rng.pick(&CJK_SEPS));
                            }
                        } else if all {
                            out.push_str(&sep_all);
                        } else if one_space {
                            if i == space_at {
                                out.push(' ');
                            }
                        } else if rng.chance(0.4) {
                            out.push_str(rng.pick(&INSERTS));
                        }
                    }
                    out.push(*c);
                }
                out
            }
            4 => {
                let mut out = String::new();
                for (i, c) in t.chars().enumerate() {
                    if i > 0 && rng.chance(0.6) {
                        out.push(rng.pick(&ZW));
                    }
                    out.push(c);
                }
                out
            }
            5 if !cjk || t.chars().any(|c| c.is_ascii_alphabetic()) => t
                .chars()
                .map(|c| match homoglyph(c) {
                    Some(h) if rng.chance(0.6) => h,
                    _ => c,
                })
                .collect(),
            6 if !cjk => {
                let style = rng.below(4);
                t.chars().map(|c| math(c, style)).collect()
            }
            7 if !cjk => t.chars().map(circled).collect(),
            8 if cjk => to_trad(&t),
            _ => t,
        };
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Personal data generators (independent re-implementations of the validators).

const PROVINCES: [u8; 31] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65,
];

fn id_check(d: &[u8]) -> u8 {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = d.iter().zip(W).map(|(&x, w)| x as u32 * w).sum();
    [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2][(s % 11) as usize]
}

fn resident_id(rng: &mut Rng) -> Vec<u8> {
    let p = rng.pick(&PROVINCES);
    let mut d = vec![p / 10, p % 10];
    d.extend(rng.digits(4));
    let y = 1950 + rng.below(60) as u32;
    let m = 1 + rng.below(12) as u32;
    let day = 1 + rng.below(28) as u32;
    for x in format!("{y:04}{m:02}{day:02}").bytes() {
        d.push(x - b'0');
    }
    d.extend(rng.digits(3));
    let c = id_check(&d);
    d.push(c);
    d
}

fn id_text(d: &[u8], lower_x: bool) -> String {
    d.iter()
        .map(|&x| match x {
            10 if lower_x => 'x',
            10 => 'X',
            _ => (b'0' + x) as char,
        })
        .collect()
}

const MOBILE: [&str; 30] = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152", "155", "157", "158",
    "159", "166", "170", "173", "175", "176", "177", "180", "181", "186", "187", "188", "198", "199",
];

fn mobile(rng: &mut Rng) -> String {
    let mut s = rng.pick(&MOBILE).to_string();
    for d in rng.digits(8) {
        s.push((b'0' + d) as char);
    }
    s
}

fn luhn_complete(mut d: Vec<u8>) -> Vec<u8> {
    d.push(0);
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let mut v = x as u32;
            if i % 2 == 1 {
                v *= 2;
                if v > 9 {
                    v -= 9;
                }
            }
            v
        })
        .sum();
    let last = d.len() - 1;
    d[last] = ((10 - sum % 10) % 10) as u8;
    d
}

fn card(rng: &mut Rng) -> String {
    let (prefix, len): (&[u8], usize) = match rng.below(4) {
        0 => (&[6, 2, 2, 2], 19),
        1 => (&[6, 2, 1, 7], 16),
        2 => (&[4], 16),
        _ => (&[5, 1 + rng.below(5) as u8], 16),
    };
    let mut d = prefix.to_vec();
    d.extend(rng.digits(len - prefix.len() - 1));
    luhn_complete(d).iter().map(|&x| (b'0' + x) as char).collect()
}

fn group(s: &str, sizes: &[usize], sep: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    for (k, &n) in sizes.iter().enumerate() {
        if i >= chars.len() {
            break;
        }
        if k > 0 {
            out.push_str(sep);
        }
        let end = if k + 1 == sizes.len() { chars.len() } else { (i + n).min(chars.len()) };
        out.extend(&chars[i..end]);
        i = end;
    }
    out
}

fn cn_numerals(s: &str, rng: &mut Rng) -> String {
    let yao = rng.chance(0.5);
    s.chars()
        .map(|c| match c {
            '0' => '零',
            '1' if yao => '幺',
            '1' => '一',
            '2' => '二',
            '3' => '三',
            '4' => '四',
            '5' => '五',
            '6' => '六',
            '7' => '七',
            '8' => '八',
            '9' => '九',
            _ => c,
        })
        .collect()
}

fn format_mobile(rng: &mut Rng, m: &str) -> String {
    match rng.below(13) {
        11 => m.chars().map(String::from).collect::<Vec<_>>().join(" "),
        12 => group(m, &[3, 4, 4], rng.pick(&["💰", "⭐", "*", "~"])),
        0 | 1 => m.to_owned(),
        2 => group(m, &[3, 4, 4], " "),
        3 => group(m, &[3, 4, 4], "-"),
        4 => format!("+86 {}", group(m, &[3, 4, 4], " ")),
        5 => format!("+86-{m}"),
        6 => format!("86{m}"),
        7 => m.chars().map(fullwidth).collect(),
        8 => group(m, &[3, 4, 4], "."),
        9 => cn_numerals(m, rng),
        _ => m.chars().flat_map(|c| [c, '\u{200B}']).collect::<String>().trim_end_matches('\u{200B}').to_owned(),
    }
}

fn format_id(rng: &mut Rng, d: &[u8]) -> String {
    let s = id_text(d, rng.chance(0.2));
    match rng.below(6) {
        0 | 1 => s,
        2 => group(&s, &[6, 8, 4], " "),
        3 => group(&s, &[6, 8, 4], "-"),
        4 => s.chars().map(fullwidth).collect(),
        _ => group(&s, &[6, 4, 4, 4], " "),
    }
}

fn format_card(rng: &mut Rng, c: &str) -> String {
    match rng.below(4) {
        0 => c.to_owned(),
        1 => group(c, &[4, 4, 4, 4, 4], " "),
        2 => group(c, &[4, 4, 4, 4, 4], "-"),
        _ => c.chars().map(fullwidth).collect(),
    }
}

const LOCALS: [&str; 12] = [
    "zhangwei",
    "li.na",
    "wang_fang88",
    "liuyang",
    "chenjing",
    "john.smith",
    "amy2020",
    "bob+news",
    "xiaoming",
    "jane_doe",
    "mike.w",
    "sunny",
];
const DOMAINS: [&str; 10] = [
    "qq.com",
    "163.com",
    "126.com",
    "gmail.com",
    "outlook.com",
    "foxmail.com",
    "sina.com",
    "example.cn",
    "company.com.cn",
    "yahoo.co.uk",
];

fn email(rng: &mut Rng) -> String {
    let local = if rng.chance(0.3) {
        {
            let n = 5 + rng.below(5);
            rng.digits(n)
        }
        .iter()
        .map(|&d| (b'0' + d) as char)
        .collect()
    } else {
        rng.pick(&LOCALS).to_string()
    };
    let domain = rng.pick(&DOMAINS);
    match rng.below(8) {
        0 => format!("{local} at {}", domain.replace('.', " dot ")),
        1 => format!("{local}(at){domain}"),
        2 if matches!(domain, "qq.com" | "163.com" | "126.com" | "gmail.com") => format!("{local}#{domain}"),
        3 => format!("{local}＠{domain}"),
        _ => format!("{local}@{domain}"),
    }
}

const NAMES: [&str; 12] =
    ["王小明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏", "徐峰", "孙悦"];
const EN_NAMES: [&str; 6] = ["John Smith", "Emily Chen", "David Brown", "Sarah Lee", "Tom Wang", "Lucy Liu"];
const ROADS: [&str; 8] = ["中山路", "人民路", "解放路", "建设街", "和平路", "长江路", "南京路", "文化街"];
const CITIES: [&str; 6] =
    ["北京市朝阳区", "上海市浦东新区", "广州市天河区", "深圳市南山区", "杭州市西湖区", "成都市武侯区"];
const STREETS: [&str; 6] = ["Baker", "Maple", "Oak", "Elm", "King", "Queen"];

// ---------------------------------------------------------------------------------------------
// Templates and benign chat.

const ZH_TEMPLATES: [&str; 16] = [
    "有没有人要{}？私聊",
    "{}了解一下，价格好商量",
    "群里谁有{}的渠道",
    "最近{}很火啊",
    "出{}，需要的加我",
    "这里有{}，懂的来",
    "兄弟们{}搞起来",
    "{}！！！速来",
    "求{}资源，急",
    "谁知道哪里有{}",
    "今晚{}，老地方见",
    "别在群里发{}了",
    "【{}】限时特价",
    "我靠，{}又来了",
    "刚才那个人在说{}",
    "{}",
];
const EN_TEMPLATES: [&str; 14] = [
    "anyone got {}? dm me",
    "selling {} cheap",
    "where can I find {} around here",
    "{} available now, message me",
    "lol {} again",
    "check out {} tonight",
    "who wants {}?",
    "best {} in town",
    "need {} asap",
    "stop posting {} in this group",
    "{}!!!",
    "Hey guys, {} for everyone",
    "{}",
    "[{}] special deal",
];

/// Benign chat: no term of any list, no personal data.
const BENIGN: [&str; 104] = [
    "look at example.com for details",
    "see issue#12.com in the tracker",
    "我们在github上提了issue #123",
    "meet me at 5pm at the park",
    "明天几点开会？",
    "收到，谢谢老师",
    "今天的作业是第三章习题",
    "周末一起去爬山吗",
    "我到了，在门口等你",
    "这个问题我晚点回复你",
    "图片已经发到群相册了",
    "大家注意天气变化，多穿衣服",
    "下周一放假，别忘了",
    "会议改到下午三点",
    "谁有充电器借我用一下",
    "这家餐厅的菜真不错",
    "祝大家新年快乐！",
    "今天是个大麻烦，电脑坏了",
    "我考虑一下再告诉你",
    "废物利用做了个花盆",
    "买了两根大麻花当早餐",
    "请把文件转成PDF再发",
    "快递到了吗？我的还没到",
    "版本更新到v2.13.1了，大家升级一下",
    "价格是¥1,299，包邮",
    "这个月电费又涨了",
    "孩子发烧了，今天请假",
    "车停在B2层了",
    "我在地铁上，信号不好",
    "有人知道图书馆几点关门吗",
    "我们班的class很有意思",
    "大家好，我是新来的",
    "今天天气真好啊",
    "谁能帮我看看这段代码",
    "晚上吃火锅还是烧烤",
    "文件在共享盘的第二个文件夹",
    "演唱会门票抢到了！",
    "报名截止到本周五",
    "请大家按时提交材料",
    "他说话太快了我没听清",
    "这个视频笑死我了",
    "周三的羽毛球取消了",
    "老板说今天可以早点走",
    "地址发我一下，我导航过去",
    "Anyone up for lunch?",
    "The meeting moved to 3pm",
    "I passed my driving test!",
    "That was a classic move",
    "Can someone send me the slides?",
    "Happy birthday Sarah!",
    "Traffic is terrible today",
    "I'll be five minutes late",
    "Does anyone have a spare charger?",
    "The new version is 13.8.1 now",
    "Let's grab coffee tomorrow",
    "Great job on the presentation",
    "Our assistant will help you",
    "The sextant is an old navigation tool",
    "I grew up in Essex",
    "Flame retardant materials only",
    "Scunthorpe is a town in England",
    "We need a better method for this",
    "Something came up, sorry",
    "Her heroine was Marie Curie",
    "The alphabet song, now with dancing",
    "Please review the analysis",
    "I bet you'll love it",
    "It's a bet between friends, no money",
    "Let me know if you need anything",
    "The closer you get the better",
    "Thanks for the help!",
    "See you all at the party",
    "Who is bringing the snacks?",
    "Welcome to the group everyone",
    "Just finished my homework",
    "The bass guitar sounds amazing",
    "My cat knocked over the vase",
    "Reminder: rent is due Friday",
    "The concert was amazing",
    "I think it's going to rain",
    "Can we reschedule to Monday?",
    "Who won the game last night?",
    "I'm heading home now",
    "The store closes at 9",
    "订单号：202311261234567890，请帮忙查一下",
    "快递单号SF1234567890123到哪了",
    "时间戳是1700000000123",
    "报价 ¥13,800.00 含税",
    "服务器IP是192.168.100.123",
    "2024-11-23 13:45:12 系统维护",
    "请拨打客服电话400-820-8820",
    "群号123456789欢迎加入",
    "Build 20241123.1 passed all tests",
    "Order #4521369870 has shipped",
    "The invoice total is $1,299.99",
    "Version 1.13.8 fixes the bug",
    "Call 10086 for help",
    "我们的新产品编号13812345678",
    "See image@2x.png in the repo",
    "npm install pkg@1.2.3",
    "@alice 你好，明天见",
    "ssh root@localhost to check",
    "今天跑了10公里，用时58分钟",
    "房间号1308，三楼左转",
];

/// Hard negatives built from numbers that must not be flagged.
fn number_negative(rng: &mut Rng) -> String {
    let d = |rng: &mut Rng, n: usize| -> String {
        let mut s: String = rng.digits(n).iter().map(|&x| (b'0' + x) as char).collect();
        if s.starts_with('0') {
            s.replace_range(0..1, "1");
        }
        s
    };
    match rng.below(16) {
        0 => format!("订单号：2023{}", d(rng, 14)),
        1 => format!("order #{}", d(rng, 12)),
        2 => format!("快递单号 SF{}", d(rng, 13)),
        3 => format!("运单号：YT{}", d(rng, 13)),
        4 => format!("created_at 17{}", d(rng, 11)),
        5 => format!("ts={}", 1_600_000_000 + rng.below(200_000_000)),
        6 => format!("价格 ¥{},{:03}.00", 1 + rng.below(99), rng.below(1000)),
        7 => format!("升级到 {}.{}.{} 版本", rng.below(20), rng.below(20), rng.below(9999)),
        8 => format!(
            "{}-{:02}-{:02} {:02}:{:02}:{:02}",
            2000 + rng.below(30),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
        9 => format!("ip {}.{}.{}.{}", rng.below(256), rng.below(256), rng.below(256), rng.below(256)),
        10 => {
            // A resident-ID shape with a wrong check digit.
            let mut id = resident_id(rng);
            id[17] = (id[17] + 1) % 11;
            format!("身份证号{}", id_text(&id, false))
        }
        11 => {
            // A card shape that fails Luhn.
            let c = card(rng);
            let mut b = c.into_bytes();
            let l = b.len() - 1;
            b[l] = b'0' + ((b[l] - b'0' + 1) % 10);
            format!("卡号 {}", String::from_utf8(b).unwrap())
        }
        12 => format!("电话 1{}{}", rng.below(3), d(rng, 9)), // 10x–12x: no such mobile
        13 => format!("QQ群 {}", d(rng, 9)),
        14 => format!("https://shop.example.com/item/{}", card(rng)),
        _ => format!("座机 0{}-{}", 10 + rng.below(89), d(rng, 8)),
    }
}

// ---------------------------------------------------------------------------------------------

struct Term {
    category: String,
    text: String,
}

fn load_terms() -> (Vec<Term>, Vec<Term>) {
    let lex = include_str!("../corpus/lexicon.tsv");
    let user: Vec<Term> = lex
        .lines()
        .skip_while(|l| l.starts_with('#') || l.starts_with("category"))
        .filter_map(|l| l.split_once('\t'))
        .map(|(c, t)| Term { category: c.to_owned(), text: t.to_owned() })
        .collect();
    let builtin: Vec<Term> = qunguan_detect::Lexicon::builtin()
        .terms()
        .iter()
        .filter(|t| t.origin != qunguan_detect::lexicon::Origin::Allow)
        .map(|t| Term { category: t.category.to_string(), text: t.text.clone() })
        .collect();
    (user, builtin)
}

fn keyword_message(rng: &mut Rng, terms: &[Term]) -> Msg {
    let t = &terms[rng.below(terms.len())];
    let cjk = t.text.chars().any(is_cjk);
    let tpl = if cjk || rng.chance(0.2) { rng.pick(&ZH_TEMPLATES) } else { rng.pick(&EN_TEMPLATES) };
    let evaded = evade(rng, &t.text);
    let mut m = Msg::default();
    m.template(tpl, |m, _| m.label("keyword", Some(&t.category), &evaded));
    m
}

fn pii_message(rng: &mut Rng) -> Msg {
    let mut m = Msg::default();
    match rng.below(4) {
        0 => {
            let id = resident_id(rng);
            let s = format_id(rng, &id);
            let tpl = rng.pick(&[
                "身份证号：{}",
                "我的身份证是{}，帮我查一下",
                "ID number {}",
                "{} 这是身份证",
                "证件号码{}请核对",
                "实名信息 {}",
            ]);
            m.template(tpl, |m, _| m.label("cn_resident_id", Some("privacy"), &s));
        }
        1 => {
            let p = mobile(rng);
            let s = format_mobile(rng, &p);
            let tpl = rng.pick(&[
                "电话{}",
                "手机：{}",
                "有事打我电话 {}",
                "call me at {}",
                "my number is {}",
                "微信同号{}",
                "联系方式 {} 随时联系",
                "{}",
            ]);
            m.template(tpl, |m, _| m.label("cn_mobile", Some("privacy"), &s));
        }
        2 => {
            let c = card(rng);
            let s = format_card(rng, &c);
            let tpl =
                rng.pick(&["卡号{}", "转账到这张卡 {}", "银行卡 {} 户名见私信", "card number: {}", "pay to {} please"]);
            m.template(tpl, |m, _| m.label("bank_card", Some("privacy"), &s));
        }
        _ => {
            let e = email(rng);
            let tpl = rng.pick(&["邮箱 {}", "发到我邮箱{}", "email me at {}", "contact: {}", "简历投递{}谢谢"]);
            m.template(tpl, |m, _| m.label("email", Some("privacy"), &e));
        }
    }
    m
}

fn doxxing_message(rng: &mut Rng) -> Msg {
    let mut m = Msg::default();
    let start_labels = |m: &Msg| m.text.len();
    match rng.below(5) {
        0 => {
            let name = rng.pick(&NAMES);
            let id = {
                let d = resident_id(rng);
                format_id(rng, &d)
            };
            let addr = format!("{}{}{}号", rng.pick(&CITIES), rng.pick(&ROADS), 1 + rng.below(300));
            m.push("人肉出来了：");
            let s = start_labels(&m);
            m.push(name);
            m.push("，身份证");
            m.label("cn_resident_id", Some("privacy"), &id);
            m.push("，家住");
            m.push(&addr);
            let e = m.text.len();
            m.labels.push(Label { kind: "doxxing", category: Some("privacy".into()), start: s, end: e });
        }
        1 => {
            let name = rng.pick(&NAMES);
            let p = {
                let m = mobile(rng);
                format_mobile(rng, &m)
            };
            let s = m.text.len();
            m.push(name);
            m.push("的电话是");
            m.label("cn_mobile", Some("privacy"), &p);
            let e = m.text.len();
            m.push("，大家去问候他");
            m.labels.push(Label { kind: "doxxing", category: Some("privacy".into()), start: s, end: e });
        }
        2 => {
            let name = rng.pick(&NAMES);
            let p = {
                let m = mobile(rng);
                format_mobile(rng, &m)
            };
            m.push("这个人叫");
            let s = m.text.len();
            m.push(name);
            m.push("，手机");
            m.label("cn_mobile", Some("privacy"), &p);
            let e = m.text.len();
            m.push("，住在");
            m.push(rng.pick(&ROADS));
            m.push(&format!("{}号", 1 + rng.below(200)));
            let e2 = m.text.len();
            m.labels.push(Label { kind: "doxxing", category: Some("privacy".into()), start: s, end: e.max(e2) });
        }
        3 => {
            let name = rng.pick(&EN_NAMES);
            let p = {
                let m = mobile(rng);
                format_mobile(rng, &m)
            };
            let s = m.text.len();
            m.push(&format!(
                "His name is {name} and he lives at {} {} Street, call ",
                1 + rng.below(999),
                rng.pick(&STREETS)
            ));
            m.label("cn_mobile", Some("privacy"), &p);
            let e = m.text.len();
            m.labels.push(Label { kind: "doxxing", category: Some("privacy".into()), start: s, end: e });
        }
        _ => {
            let name = rng.pick(&NAMES);
            let p = {
                let m = mobile(rng);
                format_mobile(rng, &m)
            };
            m.push("开盒 ");
            let s = m.text.len();
            m.push(name);
            m.push(" ");
            m.label("cn_mobile", Some("privacy"), &p);
            m.push(" 地址");
            m.push(rng.pick(&CITIES));
            let e = m.text.len();
            m.labels.push(Label { kind: "doxxing", category: Some("privacy".into()), start: s, end: e });
        }
    }
    m
}

/// Personal data that is not doxxing: the writer's own, or a shop's contact line.
fn not_doxxing(rng: &mut Rng) -> Msg {
    let mut m = Msg::default();
    let p = {
        let m = mobile(rng);
        format_mobile(rng, &m)
    };
    match rng.below(3) {
        0 => {
            m.push(&format!("我叫{}，我的电话", rng.pick(&NAMES)));
            m.label("cn_mobile", Some("privacy"), &p);
        }
        1 => {
            m.push("门店地址：人民路8号，欢迎咨询 ");
            m.label("cn_mobile", Some("privacy"), &p);
        }
        _ => {
            m.push("my name is Tom, call me at ");
            m.label("cn_mobile", Some("privacy"), &p);
        }
    }
    m
}

// ---------------------------------------------------------------------------------------------
// Leetspeak (`p0rn`, `ca$ino`, `h3ro1n`) and the look-alike numbers and codes it must not touch.

/// A digit or symbol for a letter, as people write them (`first`: the word's first letter,
/// where `@`, `!` and `|` read as a mention or punctuation and are not used).
fn leet_sub(rng: &mut Rng, c: char, first: bool) -> Option<&'static str> {
    Some(match c.to_ascii_lowercase() {
        'a' if first => "4",
        'a' => rng.pick(&["4", "@"]),
        'e' => "3",
        'i' if first => "1",
        'i' => rng.pick(&["1", "!"]),
        'o' => "0",
        's' => rng.pick(&["5", "$"]),
        't' => "7",
        'l' if first => "1",
        'l' => rng.pick(&["1", "|"]),
        'b' => "8",
        'g' => "9",
        _ => return None,
    })
}

/// Replace one or two letters (never a word's last, never two adjacent) of the words of four or
/// more letters of a Latin term; `None` if the term has no such word.
fn leetify(rng: &mut Rng, term: &str) -> Option<String> {
    let chars: Vec<char> = term.chars().collect();
    let mut cands = Vec::new();
    let mut start = 0;
    for i in 0..=chars.len() {
        if i == chars.len() || !chars[i].is_ascii_alphabetic() {
            if i - start >= 4 {
                cands.extend((start..i - 1).filter(|&k| "aeiostlbg".contains(chars[k].to_ascii_lowercase())));
            }
            start = i + 1;
        }
    }
    if cands.is_empty() {
        return None;
    }
    let first = cands[rng.below(cands.len())];
    let mut picks = vec![first];
    if rng.chance(0.4) {
        let second = cands[rng.below(cands.len())];
        if second.abs_diff(first) > 1 {
            picks.push(second);
        }
    }
    let mut out = String::new();
    for (k, &c) in chars.iter().enumerate() {
        let word_start = k == 0 || !chars[k - 1].is_ascii_alphabetic();
        match picks.contains(&k).then(|| leet_sub(rng, c, word_start)).flatten() {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    if rng.chance(0.25) {
        out = out.chars().map(|c| if rng.chance(0.5) { c.to_ascii_uppercase() } else { c }).collect();
    }
    if rng.chance(0.1) {
        out = out.chars().map(fullwidth).collect();
    }
    Some(out)
}

fn leet_message(rng: &mut Rng, terms: &[Term]) -> Msg {
    loop {
        let t = &terms[rng.below(terms.len())];
        if !t.text.is_ascii() {
            continue;
        }
        let Some(evaded) = leetify(rng, &t.text) else {
            continue;
        };
        let tpl = if rng.chance(0.2) { rng.pick(&ZH_TEMPLATES) } else { rng.pick(&EN_TEMPLATES) };
        let mut m = Msg::default();
        m.template(tpl, |m, _| m.label("keyword", Some(&t.category), &evaded));
        return m;
    }
}

/// Letters glued to digits and symbols that are not leetspeak: versions, prices, codes,
/// numeronyms, times, models, mentions, file names, e-mail addresses with digits.
fn leet_negative(rng: &mut Rng) -> Msg {
    let d = |rng: &mut Rng, n: usize| -> String { rng.digits(n).iter().map(|&x| (b'0' + x) as char).collect() };
    let mut m = Msg::default();
    let s = match rng.below(16) {
        0 => format!("升级到 v{}.{}.{} 了", 1 + rng.below(9), rng.below(20), rng.below(30)),
        1 => format!("budget is US${} or ${}k", d(rng, 3), 1 + rng.below(9)),
        2 => format!("my iPhone{} and win{} both died", 11 + rng.below(5), rng.pick(&["7", "10", "11"])),
        3 => format!("meet at {}pm, room {}b", 1 + rng.below(11), 1 + rng.below(9)),
        4 => format!("快递 SF{} 到了", d(rng, 12)),
        5 => format!("型号 A{}B{}C{} 有货", rng.below(10), rng.below(10), rng.below(10)),
        6 => "i18n, l10n and a11y are numeronyms; k8s too".to_owned(),
        7 => format!("MP3 MP4 H264 x86_64 utf8 md5 sha256 base64 ipv6 web3 covid19 {}", d(rng, 2)),
        8 => format!("4S店 5G套餐 3D打印 h5页面 {}楼", 1 + rng.below(30)),
        9 => format!("commit {:x} fixed it", rng.next() & 0xFFF_FFFF),
        10 => format!("icon@2x.png react@18.{}.0", rng.below(3)),
        11 => format!("@{} 看一下 @{}", rng.pick(&NAMES), rng.pick(&["bob", "alice", "li_si"])),
        12 => format!(
            "the {} and the {}, B2B P2P O2O",
            rng.pick(&["1st", "2nd", "3rd", "4th", "5th"]),
            rng.pick(&["6th", "7th", "8th", "9th"])
        ),
        13 => format!("ticket #A{}-{} for order 20{}", d(rng, 3), d(rng, 4), d(rng, 8)),
        14 => format!("wifi密码 abc{}xyz, 房间 {}A", d(rng, 3), d(rng, 3)),
        _ => {
            let e = format!("{}{}@{}", rng.pick(&LOCALS), d(rng, 2), rng.pick(&DOMAINS));
            m.push("mail ");
            m.label("email", Some("privacy"), &e);
            m.push(" thanks");
            return m;
        }
    };
    m.push(&s);
    m
}

fn json_line(id: usize, m: &Msg) -> String {
    let labels: Vec<serde_json::Value> = m
        .labels
        .iter()
        .map(|l| serde_json::json!({"kind": l.kind, "category": l.category, "start": l.start, "end": l.end}))
        .collect();
    serde_json::json!({"id": format!("g{id}"), "text": m.text, "labels": labels}).to_string()
}

fn main() {
    let mut rng = Rng(0x5157_4755_414E_2024);
    let (user, builtin) = load_terms();
    let mut out = String::new();
    let mut id = 0;
    let mut emit = |out: &mut String, m: Msg| {
        id += 1;
        writeln!(out, "{}", json_line(id, &m)).unwrap();
    };
    for _ in 0..900 {
        let m = keyword_message(&mut rng, &user);
        emit(&mut out, m);
    }
    for _ in 0..500 {
        let m = keyword_message(&mut rng, &builtin);
        emit(&mut out, m);
    }
    for _ in 0..1000 {
        let m = pii_message(&mut rng);
        emit(&mut out, m);
    }
    for _ in 0..150 {
        let m = doxxing_message(&mut rng);
        emit(&mut out, m);
    }
    for _ in 0..100 {
        let m = not_doxxing(&mut rng);
        emit(&mut out, m);
    }
    for _ in 0..500 {
        let s = number_negative(&mut rng);
        emit(&mut out, Msg { text: s, labels: vec![] });
    }
    for b in BENIGN {
        emit(&mut out, Msg { text: b.to_owned(), labels: vec![] });
    }
    // Mixed: keyword plus personal data in one message.
    for _ in 0..200 {
        let mut a = keyword_message(&mut rng, &user);
        let b = pii_message(&mut rng);
        a.push(" ");
        let off = a.text.len();
        a.text.push_str(&b.text);
        a.labels.extend(b.labels.into_iter().map(|mut l| {
            l.start += off;
            l.end += off;
            l
        }));
        emit(&mut out, a);
    }
    // Leetspeak, with its own generator so the messages above do not change.
    let mut rng = Rng(0x1EE7_5EED_0000_0004);
    let latin: Vec<Term> = user
        .iter()
        .chain(&builtin)
        .filter(|t| t.text.is_ascii())
        .map(|t| Term { category: t.category.clone(), text: t.text.clone() })
        .collect();
    for _ in 0..250 {
        let m = leet_message(&mut rng, &latin);
        emit(&mut out, m);
    }
    for _ in 0..250 {
        let m = leet_negative(&mut rng);
        emit(&mut out, m);
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/generated.jsonl");
    std::fs::write(path, out).expect("write corpus/generated.jsonl");
    eprintln!("wrote {path}");
}
