//! The words of `qg rules`, `qg compliance` and `qg admins` (group tiers and the managers' record).

use qunguan_core::compliance::Shortfall;

use super::Lang;

/// Column headers and short words of these commands, keyed by meaning.
pub fn word(key: &str, lang: Lang) -> &'static str {
    let pair: (&str, &str) = match key {
        "active_admins" => ("ACTIVE", "活跃管理"),
        "shortfalls" => ("SHORTFALLS", "不足之处"),
        "meets_tier" => ("meets its tier", "符合规模要求"),
        "admin" => ("ADMIN", "管理者"),
        "actions" => ("ACTIONS", "处置"),
        "reversed" => ("REVERSED", "被撤销"),
        "dismissals" => ("DISMISSED", "驳回"),
        "decided" => ("DECIDED", "处理条目"),
        "median" => ("MEDIAN", "中位用时"),
        "left_waiting" => ("LEFT WAITING", "搁置"),
        "refused" => ("REFUSED", "被拒"),
        "no_rules" => ("This group has no written rules yet.", "本群尚未设置群规。"),
        _ => ("?", "?"),
    };
    match lang {
        Lang::En => pair.0,
        Lang::Zh => pair.1,
    }
}

/// A duration in seconds as people read it (`3 d`, `5 h`, `12 min`, `40 s`).
pub fn span(seconds: u64, lang: Lang) -> String {
    let (n, unit) = match seconds {
        s if s >= 86_400 => (s / 86_400, ("d", "天")),
        s if s >= 3_600 => (s / 3_600, ("h", "小时")),
        s if s >= 60 => (s / 60, ("min", "分钟")),
        s => (s, ("s", "秒")),
    };
    match lang {
        Lang::En => format!("{n} {}", unit.0),
        Lang::Zh => format!("{n} {}", unit.1),
    }
}

/// One shortfall as a sentence.
pub fn shortfall(s: &Shortfall, lang: Lang) -> String {
    match (s, lang) {
        (Shortfall::TooFewAdmins { active, needed }, Lang::En) => {
            format!("too few active managers: {active} of the {needed} its size needs")
        }
        (Shortfall::TooFewAdmins { active, needed }, Lang::Zh) => {
            format!("活跃管理者不足：{active} 人，应有 {needed} 人")
        }
        (Shortfall::StaleItems { count, oldest_age_seconds, max_age_seconds, .. }, _) => {
            let (age, max) = (span(*oldest_age_seconds, lang), span(*max_age_seconds, lang));
            match lang {
                Lang::En => format!("{count} queue item(s) open longer than {max} (the oldest {age})"),
                Lang::Zh => format!("{count} 个待处理条目超过 {max}（最久 {age}）"),
            }
        }
        (Shortfall::NoRules, Lang::En) => "no written group rules".into(),
        (Shortfall::NoRules, Lang::Zh) => "没有书面群规".into(),
        (Shortfall::OwnerAbsent, Lang::En) => "the owner is no longer in the group".into(),
        (Shortfall::OwnerAbsent, Lang::Zh) => "群主已不在群内".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_shortfalls_read_in_both_languages() {
        assert_eq!(span(3 * 86_400 + 5, Lang::En), "3 d");
        assert_eq!(span(7_200, Lang::Zh), "2 小时");
        assert_eq!(span(59, Lang::En), "59 s");
        let s =
            Shortfall::StaleItems { count: 2, oldest: "x".into(), oldest_age_seconds: 90_000, max_age_seconds: 86_400 };
        assert_eq!(shortfall(&s, Lang::En), "2 queue item(s) open longer than 1 d (the oldest 1 d)");
        assert_eq!(shortfall(&Shortfall::NoRules, Lang::Zh), "没有书面群规");
    }
}
