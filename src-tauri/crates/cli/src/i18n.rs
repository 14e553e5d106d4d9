//! The few human sentences `qg` prints, in the user's language (zh-CN or English, from the locale).

use qunguan_core::{ApiError, ErrorCode, Role, Tier};

/// The same two languages the engine writes warnings in.
pub use qunguan_core::Lang;

/// The words of group tiers, compliance and the managers' record.
pub mod tiers;

/// `QG_LANG`, then `LC_ALL`, `LC_MESSAGES`, `LANG`: Chinese when the first one set starts with `zh`.
pub fn lang() -> Lang {
    ["QG_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .map_or(Lang::En, |v| if v.to_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En })
}

fn error_text(code: ErrorCode, lang: Lang) -> &'static str {
    use ErrorCode::*;
    match (code, lang) {
        (AuthInvalidCredentials, Lang::En) => "Wrong user name or password.",
        (AuthInvalidCredentials, Lang::Zh) => "用户名或密码错误。",
        (AuthInvalidToken, Lang::En) => "The session has expired or was revoked: sign in again (qg login).",
        (AuthInvalidToken, Lang::Zh) => "登录已失效或被撤销：请重新登录（qg login）。",
        (NotSignedIn, Lang::En) => "Not signed in: run `qg login`, or set QG_HOMESERVER and QG_ACCESS_TOKEN.",
        (NotSignedIn, Lang::Zh) => "尚未登录：请运行 `qg login`，或设置 QG_HOMESERVER 和 QG_ACCESS_TOKEN。",
        (HomeserverUnreachable, Lang::En) => "The homeserver cannot be reached. Check the address and the network.",
        (HomeserverUnreachable, Lang::Zh) => "无法连接到服务器，请检查地址和网络。",
        (NotAHomeserver, Lang::En) => "That address answers, but it is not a Matrix homeserver.",
        (NotAHomeserver, Lang::Zh) => "该地址有响应，但不是 Matrix 服务器。",
        (KeyringUnavailable, Lang::En) => {
            "No OS keyring is available to keep the token: start a Secret Service (e.g. gnome-keyring), or set QG_HOMESERVER and QG_ACCESS_TOKEN."
        }
        (KeyringUnavailable, Lang::Zh) => {
            "没有可用的系统密钥环来保存令牌：请启动 Secret Service（如 gnome-keyring），或设置 QG_HOMESERVER 和 QG_ACCESS_TOKEN。"
        }
        (InvalidInput, Lang::En) => "Invalid input.",
        (InvalidInput, Lang::Zh) => "输入无效。",
        (InvalidFile, Lang::En) => "A file is malformed.",
        (InvalidFile, Lang::Zh) => "文件格式有误。",
        (NotFound, Lang::En) => "Not found.",
        (NotFound, Lang::Zh) => "未找到。",
        (Forbidden, Lang::En) => "Not allowed.",
        (Forbidden, Lang::Zh) => "没有权限。",
        (RateLimited, Lang::En) => "The homeserver is rate-limiting us; try again shortly.",
        (RateLimited, Lang::Zh) => "服务器限流，请稍后再试。",
        (Platform, Lang::En) => "The homeserver failed to answer properly.",
        (Platform, Lang::Zh) => "服务器未能正常响应。",
        (Store, Lang::En) => "The local data directory failed.",
        (Store, Lang::Zh) => "本地数据目录出错。",
        (Internal, Lang::En) => "Internal error.",
        (Internal, Lang::Zh) => "内部错误。",
    }
}

/// `Error: <translated sentence>` and the engine's detail on a second line.
pub fn describe(e: &ApiError) -> String {
    let lang = lang();
    let (label, detail, colon) = match lang {
        Lang::En => ("Error", "Details", ": "),
        Lang::Zh => ("错误", "详情", "："),
    };
    format!("{label}{colon}{}\n  {detail}{colon}{}", error_text(e.code, lang), e.message)
}

pub fn role(r: Role, lang: Lang) -> &'static str {
    match (r, lang) {
        (Role::Owner, Lang::Zh) => "群主",
        (Role::Admin, Lang::Zh) => "管理员",
        (Role::Moderator, Lang::Zh) => "协管",
        (Role::Member, Lang::Zh) => "成员",
        (r, Lang::En) => r.as_str(),
    }
}

pub fn tier(t: Tier, lang: Lang) -> &'static str {
    match (t, lang) {
        (Tier::Small, Lang::En) => "small",
        (Tier::Medium, Lang::En) => "medium",
        (Tier::Large, Lang::En) => "large",
        (Tier::Huge, Lang::En) => "huge",
        (Tier::Small, Lang::Zh) => "小型",
        (Tier::Medium, Lang::Zh) => "中型",
        (Tier::Large, Lang::Zh) => "大型",
        (Tier::Huge, Lang::Zh) => "超大型",
    }
}

/// Column headers and other short words, keyed by meaning.
pub fn word(key: &str, lang: Lang) -> &'static str {
    let pair: (&str, &str) = match key {
        "id" => ("ID", "ID"),
        "name" => ("NAME", "名称"),
        "alias" => ("ALIAS", "别名"),
        "members" => ("MEMBERS", "成员数"),
        "role" => ("ROLE", "角色"),
        "power" => ("POWER", "权限等级"),
        "tier" => ("TIER", "规模"),
        "encrypted" => ("E2EE", "加密"),
        "user" => ("USER", "用户"),
        "display_name" => ("DISPLAY NAME", "昵称"),
        "membership" => ("MEMBERSHIP", "状态"),
        "joined_at" => ("JOINED", "加入时间"),
        "muted" => ("MUTED", "禁言"),
        "yes" => ("yes", "是"),
        "signed_in_as" => ("Signed in as", "已登录："),
        "signed_out" => ("Signed out.", "已退出登录。"),
        "creator" => ("creator", "创建者"),
        "case" => ("case", "案件"),
        "action" => ("ACTION", "操作"),
        "actor" => ("ADMIN", "管理员"),
        "target" => ("TARGET", "对象"),
        "reason" => ("REASON", "理由"),
        "status" => ("STATUS", "状态"),
        "created_at" => ("TIME", "时间"),
        "group" => ("GROUP", "群"),
        "attempts" => ("ATTEMPTS", "尝试次数"),
        "next_attempt" => ("NEXT TRY", "下次尝试"),
        "last_error" => ("LAST ERROR", "最近错误"),
        "item" => ("ITEM", "条目"),
        "sender" => ("SENDER", "发送者"),
        "kind" => ("KIND", "类型"),
        "category" => ("CATEGORY", "类别"),
        "severity" => ("SEVERITY", "严重程度"),
        "source" => ("SOURCE", "来源"),
        "count" => ("COUNT", "次数"),
        "claimed_by" => ("CLAIMED BY", "认领人"),
        "text" => ("TEXT", "内容"),
        "reporters" => ("REPORTERS", "举报人"),
        "credit" => ("CREDIT", "信用"),
        "ladder_step" => ("warning ladder, case", "警告阶梯，案件"),
        "change" => ("CHANGE", "变动"),
        "score" => ("SCORE", "分数"),
        "rule" => ("RULE", "规则"),
        "no_changes" => ("No change: every member starts here.", "无变动：每位成员的初始分。"),
        "messages" => ("MESSAGES", "消息"),
        "pages" => ("PAGES", "页数"),
        "oldest" => ("OLDEST", "最早"),
        "done" => ("DONE", "完成"),
        "cached_pages" => ("OFFLINE PAGES", "离线页"),
        "kept_open" => ("KEPT (OPEN ITEM)", "保留（待处理条目）"),
        "dry_run" => ("dry run: nothing dropped", "演练：未删除任何内容"),
        "nothing_cached" => ("Nothing is cached about this person.", "未缓存此人的任何数据。"),
        "no_hits" => ("No message matches.", "没有匹配的消息。"),
        "more_hits" => ("More results:", "更多结果："),
        "not_indexed" => {
            ("messages are not indexed yet (searched once they are).", "条消息尚未编入索引（编入后即可搜索）。")
        }
        "no_housekeeping" => ("No purge or erasure yet.", "尚无清理或删除记录。"),
        _ => ("?", "?"),
    };
    match lang {
        Lang::En => pair.0,
        Lang::Zh => pair.1,
    }
}

/// The stderr note of a read served from the cache (exit code stays 0).
pub fn offline_note(since: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("offline since {since}: showing cached data"),
        Lang::Zh => format!("自 {since} 起离线：显示的是缓存数据"),
    }
}

/// The stderr note of a group whose case-log pointer was not followed (see the engine's
/// `shared` module); `why` is the engine's English sentence, which names the sender and room.
pub fn case_log_warning(group: &str, why: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("warning: {group}: {why}"),
        Lang::Zh => format!("警告：{group} 的案件日志指针不可信，未采用（{why}）"),
    }
}

/// An action's outcome, in words.
pub fn status(status: qunguan_core::Status, lang: Lang) -> &'static str {
    use qunguan_core::Status as S;
    match (status, lang) {
        (S::Done, Lang::En) => "done",
        (S::Done, Lang::Zh) => "已完成",
        (S::Queued, Lang::En) => "queued (not confirmed yet)",
        (S::Queued, Lang::Zh) => "已排队（尚未确认）",
        (S::Refused, Lang::En) => "refused",
        (S::Refused, Lang::Zh) => "被拒绝",
        (S::Conflict, Lang::En) => "conflict (nothing done)",
        (S::Conflict, Lang::Zh) => "冲突（未执行）",
        (S::Failed, Lang::En) => "failed (not carried out)",
        (S::Failed, Lang::Zh) => "失败（未执行）",
        (S::Expired, Lang::En) => "expired (not carried out)",
        (S::Expired, Lang::Zh) => "已过期（未执行）",
        (S::Cancelled, Lang::En) => "cancelled",
        (S::Cancelled, Lang::Zh) => "已取消",
    }
}

/// `qg audit verify`, in words.
pub fn audit(ok: bool, groups: u32, records: u32, lang: Lang) -> String {
    match (ok, lang) {
        (true, Lang::En) => format!("case log intact: {records} records in {groups} chains"),
        (true, Lang::Zh) => format!("案件日志完整：{groups} 条链，共 {records} 条记录"),
        (false, Lang::En) => "case log BROKEN".into(),
        (false, Lang::Zh) => "案件日志已被破坏".into(),
    }
}

/// One break `qg audit verify` found, in words.
pub fn audit_break(b: &qunguan_core::case::AuditBreak, lang: Lang) -> String {
    let case = b.case_id.as_deref().unwrap_or("-");
    match (&b.actor, b.kind.as_str(), lang) {
        (Some(actor), "truncated", Lang::En) => format!(
            "records of {actor} in {} end before the head they published: {} of {}",
            b.group,
            b.index,
            b.published.unwrap_or_default()
        ),
        (Some(actor), "truncated", Lang::Zh) => format!(
            "{actor} 在 {} 的记录未达到其公布的链头：{} / {}",
            b.group,
            b.index,
            b.published.unwrap_or_default()
        ),
        (Some(actor), "removed", Lang::En) => {
            format!("records of {actor} in {} were removed from the moderation room", b.group)
        }
        (Some(actor), "removed", Lang::Zh) => format!("{actor} 在 {} 的记录已从管理室中被删除", b.group),
        (Some(actor), kind, Lang::En) => {
            format!("records of {actor} in {}: #{} {case} ({kind})", b.group, b.index)
        }
        (Some(actor), kind, Lang::Zh) => format!("{actor} 在 {} 的记录：#{} {case}（{kind}）", b.group, b.index),
        (None, "missing", Lang::En) => {
            format!("{}: my record {case} is in the moderation room but no longer in the local case log", b.group)
        }
        (None, "missing", Lang::Zh) => format!("{}：我的记录 {case} 在管理室中，但本地案件日志里已没有", b.group),
        (None, "truncated", Lang::En) if b.published.is_some() => format!(
            "{}: the local case log ends before the head I published in the moderation room: {} of {}",
            b.group,
            b.index,
            b.published.unwrap_or_default()
        ),
        (None, "truncated", Lang::Zh) if b.published.is_some() => format!(
            "{}：本地案件日志未达到我在管理室公布的链头：{} / {}",
            b.group,
            b.index,
            b.published.unwrap_or_default()
        ),
        (None, kind, _) => format!("{} #{} {case} ({kind})", b.group, b.index),
    }
}

/// What one sync round did, for `qg sync`'s stderr.
pub fn synced(r: &qunguan_engine::sync::SyncReport, lang: Lang) -> String {
    let (items, raised) = (r.new_items.len(), r.raised_items.len());
    match lang {
        Lang::En => format!(
            "synced {} groups: {} new messages, {items} new items, {raised} raised{}",
            r.groups,
            r.new_messages,
            if r.skipped > 0 { format!(", {} unreadable events skipped", r.skipped) } else { String::new() }
        ),
        Lang::Zh => format!(
            "已同步 {} 个群：新消息 {} 条，新条目 {items} 个，升级 {raised} 个{}",
            r.groups,
            r.new_messages,
            if r.skipped > 0 { format!("，跳过无法读取的事件 {} 个", r.skipped) } else { String::new() }
        ),
    }
}

/// The progress line of a sync round.
pub fn sync_progress(done: u32, groups: u32, lang: Lang) -> String {
    match lang {
        Lang::En => format!("reading groups: {done}/{groups}"),
        Lang::Zh => format!("正在读取群：{done}/{groups}"),
    }
}

/// A group whose messages cannot be checked because they are end-to-end encrypted.
pub fn encrypted_group(group: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "{group}: messages are end-to-end encrypted and cannot be read by this version; 🚩 reactions still report"
        ),
        Lang::Zh => format!("{group}：消息为端到端加密，此版本无法读取；🚩 表情举报仍然有效"),
    }
}

/// A credit level's name.
pub fn level(l: qunguan_core::credit::Level, lang: Lang) -> &'static str {
    l.label(lang)
}

/// `@u:hs in !g: 80/100, fair`.
pub fn credit_line(
    user: &str,
    group: Option<&str>,
    score: u32,
    start: u32,
    l: qunguan_core::credit::Level,
    lang: Lang,
) -> String {
    let name = level(l, lang);
    match (group, lang) {
        (Some(g), Lang::En) => format!("{user} in {g}: {score}/{start}, {name}"),
        (None, Lang::En) => format!("{user} across all my groups: {score}/{start}, {name}"),
        (Some(g), Lang::Zh) => format!("{user} 在 {g}：{score}/{start}，{name}"),
        (None, Lang::Zh) => format!("{user} 在我管理的所有群：{score}/{start}，{name}"),
    }
}

/// Where a member stands on the warning ladder: `ladder: 2 (warn) in 30d; next: mute for 2h at 3`.
pub fn ladder_line(l: &qunguan_core::credit::LadderStanding, lang: Lang) -> String {
    let counted: Vec<&str> = l.counts.iter().map(|s| s.as_str()).collect();
    let (count, window, counted) = (l.count, qunguan_core::duration::format_duration(l.window), counted.join("/"));
    let mut line = match lang {
        Lang::En => format!("ladder: {count} ({counted}) in {window}"),
        Lang::Zh => format!("警告阶梯：{window} 内 {count} 次（{counted}）"),
    };
    if let Some(due) = l.due.map(|s| s.measure.describe()) {
        line.push_str(&match lang {
            Lang::En => format!("; due now: {due}"),
            Lang::Zh => format!("；当前应处：{due}"),
        });
    }
    if let Some((measure, at)) = l.next.map(|s| (s.measure.describe(), s.after)) {
        line.push_str(&match lang {
            Lang::En => format!("; next: {measure} at {at}"),
            Lang::Zh => format!("；下一步：第 {at} 次时 {measure}"),
        });
    }
    line
}

/// A recovery entry's action column: `recovery ×3`.
pub fn recovery(steps: u32, lang: Lang) -> String {
    match lang {
        Lang::En => format!("recovery ×{steps}"),
        Lang::Zh => format!("恢复 ×{steps}"),
    }
}

/// Where the policy shown comes from (the first line of `qg credit-policy`).
pub fn policy_source(source: qunguan_core::credit::PolicySource, lang: Lang) -> String {
    use qunguan_core::credit::PolicySource::*;
    match (source, lang) {
        (Group, Lang::En) => "The group's own credit policy (shared by its admins):".into(),
        (Console, Lang::En) => "This console's default credit policy (credit-policy.json):".into(),
        (Default, Lang::En) => "The built-in credit policy (docs/credit.md):".into(),
        (Group, Lang::Zh) => "本群自己的信用规则（群管理员共用）：".into(),
        (Console, Lang::Zh) => "本控制台的默认信用规则（credit-policy.json）：".into(),
        (Default, Lang::Zh) => "内置信用规则（docs/credit.md）：".into(),
    }
}

/// A group's report words and emoji.
pub fn report_words(commands: &[String], emoji: &[String], lang: Lang) -> String {
    let (c, e) = (commands.join(" "), emoji.join(" "));
    match lang {
        Lang::En => format!("members report by replying {c} REASON, or reacting {e}"),
        Lang::Zh => format!("成员举报方式：回复 {c} 理由，或加表情 {e}"),
    }
}

/// Who holds an item after a claim or release.
pub fn held(item: &str, holder: Option<&str>, until: Option<&str>, lang: Lang) -> String {
    match (holder, lang) {
        (Some(h), Lang::En) => format!("item {item}: held by {h} until {}", until.unwrap_or("?")),
        (Some(h), Lang::Zh) => format!("条目 {item}：由 {h} 认领，至 {}", until.unwrap_or("?")),
        (None, Lang::En) => format!("item {item}: not held"),
        (None, Lang::Zh) => format!("条目 {item}：无人认领"),
    }
}

/// A severity word.
pub fn severity(s: qunguan_core::message::Severity, lang: Lang) -> &'static str {
    use qunguan_core::message::Severity as S;
    match (s, lang) {
        (S::High, Lang::En) => "high",
        (S::Medium, Lang::En) => "medium",
        (S::Low, Lang::En) => "low",
        (S::High, Lang::Zh) => "高",
        (S::Medium, Lang::Zh) => "中",
        (S::Low, Lang::Zh) => "低",
    }
}

/// `qg serve`'s start line.
pub fn serving(interval: u64, lang: Lang) -> String {
    match lang {
        Lang::En => format!("serving: carrying out due actions every {interval} s (Ctrl-C to stop)"),
        Lang::Zh => format!("运行中：每 {interval} 秒执行到期的操作（Ctrl-C 停止）"),
    }
}

/// Why an action was refused or conflicted, for the human output: in Chinese from the reason's
/// data (the same words as the app), in English the engine's own sentence.
pub fn why(o: &qunguan_core::action::ActionOutcome, lang: Lang) -> String {
    use qunguan_core::Capability as C;
    use qunguan_core::outcome::Why;
    let Some(w) = o.why.as_ref().filter(|_| lang == Lang::Zh) else { return o.detail.clone() };
    let action = |c: &C| match c {
        C::Warn => "警告",
        C::Mute => "禁言",
        C::Remove => "撤回",
        C::Kick => "移出",
        C::Ban => "封禁",
        C::Lock => "全员禁言",
        C::Role => "更改角色",
        C::Report => "上报平台",
    };
    match w {
        Why::NotAllowed { capability } => format!("你在此群没有「{}」的权限。", action(capability)),
        Why::TargetTooPowerful { target, role: r } => format!("{target} 是{}，权力不低于你。", role(*r, lang)),
        Why::AboveOwnLevel { target } => format!("不能给 {target} 高于你自己的权力。"),
        Why::SelfTarget => "不能对自己的账号执行此操作。".into(),
        Why::NotInGroup => "你不在这个群里。".into(),
        Why::NotMember { target } => format!("{target} 已不在群里。"),
        Why::MessageUnknown => "服务器上找不到这条消息。".into(),
        Why::AlreadyRemoved => "这条消息已被其他人撤回。".into(),
        Why::NoAccount { target } => format!("本服务器上没有账号 {target}。"),
        Why::PlatformRefused => format!("平台拒绝了此操作：{}", o.detail),
    }
}

/// The headline of a purge or an erasure.
pub fn housekeeping_line(h: &qunguan_core::retention::Housekeeping, lang: Lang) -> String {
    use qunguan_core::retention::HousekeepingKind as K;
    let n = h.total();
    let dry = if h.dry_run { format!(" ({})", word("dry_run", lang)) } else { String::new() };
    match (h.kind, lang) {
        (K::Purge, Lang::En) => format!(
            "{} purge by {}: {n} cached messages from before {}{dry}",
            h.at,
            h.by,
            h.cutoff.as_deref().unwrap_or("?")
        ),
        (K::Purge, Lang::Zh) => {
            format!("{} {} 清理：{} 之前的缓存消息 {n} 条{dry}", h.at, h.by, h.cutoff.as_deref().unwrap_or("?"))
        }
        (K::Erase, Lang::En) => format!(
            "{} erasure by {}: {n} cached messages of {} (reason: {}){dry}",
            h.at,
            h.by,
            h.subject.as_deref().unwrap_or("?"),
            h.reason
        ),
        (K::Erase, Lang::Zh) => format!(
            "{} {} 删除 {} 的缓存消息 {n} 条（理由：{}）{dry}",
            h.at,
            h.by,
            h.subject.as_deref().unwrap_or("?"),
            h.reason
        ),
    }
}

/// A history back-fill's progress line for one group.
pub fn history_progress(g: &qunguan_core::sync::GroupHistory, lang: Lang) -> String {
    let oldest = g.oldest.as_deref().unwrap_or("…");
    match lang {
        Lang::En => format!("history of {}: {} messages in {} pages, back to {oldest}", g.group, g.messages, g.pages),
        Lang::Zh => format!("{} 的历史：{} 页 {} 条消息，最早到 {oldest}", g.group, g.pages, g.messages),
    }
}

/// What `qg evidence export` made, and how to check it.
pub fn evidence_exported(s: &qunguan_core::evidence::package::ExportSummary, lang: Lang) -> String {
    let what = match (&s.case_id, &s.month) {
        (Some(case), _) => case.clone(),
        (None, month) => format!("{} {}", s.group, month.as_deref().unwrap_or("")),
    };
    let check = if s.zip { format!("qg evidence verify {}", s.out) } else { format!("python3 {}/verify.py", s.out) };
    match lang {
        Lang::En => format!(
            "evidence package of {what}: {} cases, {} records ({} withheld), {} evidence files → {}\ncheck it: {check}",
            s.cases, s.records, s.withheld, s.evidence, s.out
        ),
        Lang::Zh => format!(
            "{what} 的证据包：{} 个案件，{} 条记录（{} 条未附内容），{} 个证据文件 → {}\n核验：{check}",
            s.cases, s.records, s.withheld, s.evidence, s.out
        ),
    }
}

/// `qg evidence verify`, in words: what was checked, then every problem.
pub fn evidence_verified(r: &qunguan_core::evidence::verify::VerifyReport, lang: Lang) -> String {
    let mut out = match (r.ok, lang) {
        (true, Lang::En) => "evidence package intact".to_owned(),
        (true, Lang::Zh) => "证据包完整".to_owned(),
        (false, Lang::En) => format!("evidence package BROKEN: {} problems", r.problems.len()),
        (false, Lang::Zh) => format!("证据包已被改动：{} 处问题", r.problems.len()),
    };
    out.push_str(&match lang {
        Lang::En => format!(
            "\n  {} files checked against SHA256SUMS, {} records re-hashed and linked ({} withheld), {} evidence files",
            r.files, r.records, r.withheld, r.evidence
        ),
        Lang::Zh => format!(
            "\n  已核对 {} 个文件与 SHA256SUMS，重算并链接 {} 条记录（{} 条未附内容），{} 个证据文件",
            r.files, r.records, r.withheld, r.evidence
        ),
    });
    for p in &r.problems {
        let place =
            [p.file.clone(), p.seq.map(|n| format!("#{n}"))].into_iter().flatten().collect::<Vec<_>>().join(" ");
        out.push_str(&format!("\n  {} {place}: {}", p.kind.as_str(), p.detail));
    }
    out
}
