//! A group's latest messages, scanned and masked for the Messages tab, and the group's rules
//! for the rule picker — live when the server answers, from the cache when not.
//!
//! Message text never reaches a log: only counts and IDs are traced.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use qunguan_core::action::Action;
use qunguan_core::action::MessageSnapshot;
use qunguan_core::message::{Flag, MessageView, Revealed, RuleView, Severity, StaffItem};
use qunguan_core::outcome::Why;
use qunguan_core::policy::Refusal;
use qunguan_core::staff::StaffReport;
use qunguan_core::{ApiError, Capability, ErrorCode, Group, Result, Role, Status};
use qunguan_detect::{self as detect, Finding, Scratch, Stream};

use crate::act::Refused;
use crate::cache::{is_offline, now_ms};
use crate::{ActRequest, Engine};

/// The page size the app asks for when it does not say.
pub const DEFAULT_PAGE: u32 = 200;
/// The largest page (the platform's own cap).
pub const MAX_PAGE: u32 = qunguan_matrix::messages::MAX_PAGE;
/// Text longer than this is cut for display (a wall of text is still flagged as a whole).
const MAX_SHOWN_BYTES: usize = 16 * 1024;

static DETECTOR: OnceLock<Arc<detect::Engine>> = OnceLock::new();

/// The built-in lexicons and default rules, compiled once per process (about a second).
pub(crate) async fn detector() -> Result<Arc<detect::Engine>> {
    if let Some(d) = DETECTOR.get() {
        return Ok(d.clone());
    }
    let built = tokio::task::spawn_blocking(|| Arc::new(detect::Engine::builtin()))
        .await
        .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "detector build failed", e))?;
    Ok(DETECTOR.get_or_init(|| built).clone())
}

fn severity(s: detect::Severity) -> Severity {
    match s {
        detect::Severity::Low => Severity::Low,
        detect::Severity::Medium => Severity::Medium,
        detect::Severity::High => Severity::High,
    }
}

fn action_name(a: detect::Action) -> String {
    serde_json::to_value(a).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn rule_view(r: &detect::Rule) -> RuleView {
    RuleView {
        id: r.id.clone(),
        detector: r.detector.as_str().to_owned(),
        category: r.category.clone(),
        severity: severity(r.severity),
        suggested: action_name(r.action),
        enabled: r.enabled,
    }
}

pub(crate) fn flag(d: &detect::Engine, f: &Finding) -> Flag {
    Flag {
        rule: f.rule.to_string(),
        kind: f.kind.as_str().to_owned(),
        category: f.category.as_deref().map(str::to_owned),
        severity: severity(f.severity),
        suggested: d.rules().get(&f.rule).map(|r| action_name(r.action)).unwrap_or_else(|| "review".into()),
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary.
fn shown(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// How a page is turned into views.
#[derive(Default)]
struct ViewOptions {
    /// My user ID: only my console's messages keep their case ID.
    me: String,
    /// Show personal data (a recorded reveal).
    unmasked: bool,
    /// The group's owner, admins and moderators: their messages are not fed to the flood
    /// detector (an admin repeating an announcement is not flooding, and nobody here could act on it).
    managers: HashSet<String>,
}

/// Scans a page (oldest first, so the flood detector sees it in order) into views.
fn views(d: &detect::Engine, page: &[MessageSnapshot], o: &ViewOptions) -> Vec<MessageView> {
    let mut scratch = Scratch::new();
    let mut stream = Stream::new(d.rules());
    page.iter()
        .map(|m| {
            let text = if m.redacted { "" } else { m.body.as_deref().unwrap_or("") };
            let text = shown(text, MAX_SHOWN_BYTES);
            let mut found = Vec::new();
            d.scan_with(text, &mut scratch, &mut found);
            if !text.is_empty() && !o.managers.contains(&m.sender) {
                found.extend(stream.observe(&m.sender, m.ts, text));
            }
            let flags: Vec<Flag> = found.iter().map(|f| flag(d, f)).collect();
            MessageView {
                event_id: m.event_id.clone(),
                sender: m.sender.clone(),
                ts: m.ts,
                redacted: m.redacted,
                redacted_by: m.redacted_by.clone().filter(|_| m.redacted),
                segments: if o.unmasked {
                    crate::mask::segments_unmasked(text, &found)
                } else {
                    crate::mask::segments(text, &found)
                },
                severity: flags.iter().map(|f| f.severity).max(),
                flags,
                // Anyone can put a case ID in a message; only my own console's messages are believed.
                case_id: m.case_id.clone().filter(|_| m.sender == o.me),
            }
        })
        .collect()
}

/// Stored messages as the Messages tab shows them (masked, flagged), e.g. a queue item's context.
pub(crate) fn masked_views(d: &detect::Engine, page: &[MessageSnapshot], me: &str) -> Vec<MessageView> {
    views(d, page, &ViewOptions { me: me.to_owned(), ..ViewOptions::default() })
}

/// `text` with its personal data masked as the Messages tab masks it, as one string (for text
/// that is shown whole: report reasons, `qg staff reports`).
pub(crate) fn masked(d: &detect::Engine, text: &str) -> String {
    let mut found = Vec::new();
    d.scan_with(text, &mut Scratch::new(), &mut found);
    crate::mask::segments(text, &found).into_iter().map(|s| s.text).collect()
}

/// Reports with the reported text and the reporters' reasons masked: a reporter quotes what
/// they report, so the reason carries the same personal data as the message.
pub(crate) async fn mask_reports(reports: Vec<StaffReport>) -> Result<Vec<StaffReport>> {
    let d = detector().await?;
    tokio::task::spawn_blocking(move || {
        reports
            .into_iter()
            .map(|mut r| {
                r.text = r.text.map(|t| masked(&d, &t));
                r.reason = r.reason.map(|t| masked(&d, &t));
                r
            })
            .collect()
    })
    .await
    .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "scan task failed", e))
}

impl Engine {
    /// The latest `limit` messages of a group I manage, oldest first, scanned and masked.
    /// `limit` defaults to [`DEFAULT_PAGE`] and may not exceed [`MAX_PAGE`].
    pub async fn messages(&self, id_or_alias: &str, limit: Option<u32>) -> Result<Vec<MessageView>> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if limit == 0 || limit > MAX_PAGE {
            return Err(ApiError::invalid_input(format!("limit must be 1 to {MAX_PAGE}, not {limit}")));
        }
        let (account, _) = self.platform().await?;
        let (page, managers) = match self.messages_live(id_or_alias, limit).await {
            Ok(live) => live,
            Err(e) if is_offline(&e) => {
                let key = id_or_alias.to_owned();
                let cached = self
                    .with_cache(move |s| {
                        let id = crate::groups::cached_group_id(s, &key)?;
                        let managers = s.members(&id)?.map_or_else(HashSet::new, |m| {
                            m.value.into_iter().filter(|m| m.role != Role::Member).map(|m| m.user_id).collect()
                        });
                        Ok(s.messages(&id)?.map(|page| (page, managers)))
                    })
                    .await?
                    .flatten();
                let Some((cached, managers)) = cached else { return Err(e) };
                self.set_offline(cached.fetched_at_ms);
                (cached.value, managers)
            }
            Err(e) => return Err(e),
        };
        let d = detector().await?;
        let o = ViewOptions { me: account.user_id.clone(), unmasked: false, managers };
        tokio::task::spawn_blocking(move || views(&d, &page, &o))
            .await
            .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "scan task failed", e))
    }

    /// The live page and the senders on it who manage the group.
    async fn messages_live(&self, id_or_alias: &str, limit: u32) -> Result<(Vec<MessageSnapshot>, HashSet<String>)> {
        let (account, platform) = self.platform().await?;
        let state = platform.group(id_or_alias).await?;
        // What I may do here now is what an offline reveal of this page will go by.
        let managed = Group::managed_by(&state, &account.user_id);
        self.cache_group(&state.id, managed.clone()).await;
        if managed.is_none() {
            return Err(crate::groups::not_managed(id_or_alias));
        }
        let page = platform.recent_messages(&state.id, limit).await?;
        self.set_online();
        let (id, copy) = (state.id.clone(), page.clone());
        self.cache_write(move |s| s.put_messages(&id, &copy, now_ms())).await;
        let managers =
            page.iter().map(|m| &m.sender).filter(|u| state.power.role(u) != Role::Member).cloned().collect();
        Ok((page, managers))
    }

    /// Shows one message of a group I manage with its personal data, recording first who looked
    /// and why (a `reveal` case, shared with the other admins like every case). Offline, the
    /// case waits in the outbox and the message comes from the cached page.
    pub async fn reveal(&self, group_id: &str, event_id: &str, reason: &str) -> Result<Revealed> {
        let req = ActRequest {
            group: group_id.to_owned(),
            action: Action::Reveal { event_id: event_id.to_owned() },
            reason: reason.to_owned(),
            rule: None,
            lang: qunguan_core::Lang::En,
        };
        let outcome = self.act(req).await?;
        if !matches!(outcome.status, Status::Done | Status::Queued) {
            return Err(ApiError::new(ErrorCode::Forbidden, outcome.detail));
        }
        let (account, platform) = self.platform().await?;
        let found = match platform.message(group_id, event_id).await {
            Ok(m) => m,
            Err(e) if is_offline(&e) => {
                let (group, event) = (group_id.to_owned(), event_id.to_owned());
                self.with_cache(move |s| {
                    Ok(s.messages(&group)?.and_then(|p| p.value.into_iter().find(|m| m.event_id == event)))
                })
                .await?
                .flatten()
            }
            Err(e) => return Err(e),
        };
        let message =
            found.ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no message {event_id} in {group_id}")))?;
        let d = detector().await?;
        let me = account.user_id.clone();
        let o = ViewOptions { me, unmasked: true, ..ViewOptions::default() };
        let view = tokio::task::spawn_blocking(move || views(&d, &[message], &o))
            .await
            .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "scan task failed", e))?
            .pop()
            .ok_or_else(|| ApiError::internal("no view of the message"))?;
        Ok(Revealed { case_id: outcome.case_id, message: view })
    }

    /// Whether my cached power in a group lets me reveal (offline, where the live check cannot
    /// be made): the cached group list must show the group as one I manage and that I can
    /// remove messages in. No cached list, or the group not on it, is a refusal too: nothing
    /// shows that I may see the message's personal data.
    pub(crate) async fn cached_reveal_refusal(&self, me: &str, id_or_alias: &str) -> Result<Option<Refused>> {
        let key = id_or_alias.to_owned();
        let cached = self
            .with_cache(move |s| {
                Ok(s.groups()?.and_then(|g| {
                    g.value.into_iter().find(|g| g.id == key || g.alias.as_deref() == Some(key.as_str()))
                }))
            })
            .await?
            .flatten();
        Ok(match cached {
            Some(g) if g.can.contains(&Capability::Remove) => None,
            Some(_) => {
                let r = Refusal::NotAllowed { capability: Capability::Remove };
                Some((format!("{} (as of the cached group list)", r.message(me, id_or_alias)), r.why(id_or_alias)))
            }
            None => Some((
                format!(
                    "{me} is not owner, admin or moderator of {id_or_alias} as far as the cached group list knows: \
                     reveal once the homeserver can be reached"
                ),
                Why::NotInGroup,
            )),
        })
    }

    /// The staff inbox for the app: each reported message's text scanned and masked like the
    /// Messages tab's (the report's raw `text` does not cross IPC), the reporter's reason masked.
    pub async fn staff_inbox(&self) -> Result<Vec<StaffItem>> {
        let reports = self.staff_reports_unmasked().await?;
        let d = detector().await?;
        tokio::task::spawn_blocking(move || {
            reports
                .into_iter()
                .map(|mut report| {
                    report.reason = report.reason.map(|r| masked(&d, &r));
                    let snapshot = MessageSnapshot {
                        event_id: report.event_id.clone().unwrap_or_default(),
                        sender: report.reported_user.clone().unwrap_or_default(),
                        ts: 0,
                        kind: "m.room.message".into(),
                        body: report.text.take(),
                        redacted: false,
                        redacted_by: None,
                        case_id: None,
                        reply_to: None,
                    };
                    let view = views(&d, std::slice::from_ref(&snapshot), &ViewOptions::default()).pop();
                    let (segments, flags, severity) =
                        view.map(|v| (v.segments, v.flags, v.severity)).unwrap_or_default();
                    StaffItem { report, segments, flags, severity }
                })
                .collect()
        })
        .await
        .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "scan task failed", e))
    }

    /// The rules a case can cite in a group: the built-in rule set (per-group rule sets are
    /// data on top of it, see `qunguan_detect::rules`).
    pub async fn rules(&self) -> Result<Vec<RuleView>> {
        Ok(detector().await?.rules().rules.iter().map(rule_view).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(i: i64, sender: &str, body: &str) -> MessageSnapshot {
        MessageSnapshot {
            event_id: format!("$e{i}"),
            sender: sender.into(),
            ts: 1_000 * i,
            kind: "m.room.message".into(),
            body: Some(body.into()),
            redacted: false,
            redacted_by: None,
            case_id: None,
            reply_to: None,
        }
    }

    #[test]
    fn views_flag_mask_and_keep_order() {
        let d = detect::Engine::builtin();
        let mut warned = msg(3, "@me:hs", "@u:hs 管理员警告");
        warned.case_id = Some("01CASE".into());
        let mut spoofed = msg(4, "@u:hs", "我也是管理员");
        spoofed.case_id = Some("01FAKE".into());
        let mut removed = msg(5, "@u:hs", "");
        (removed.body, removed.redacted) = (None, true);
        let page = [msg(1, "@u:hs", "你好"), msg(2, "@u:hs", "来玩百家乐，电话 13812345678"), warned, spoofed, removed];
        let v = views(&d, &page, &me());
        assert_eq!(v.iter().map(|m| m.event_id.as_str()).collect::<Vec<_>>(), ["$e1", "$e2", "$e3", "$e4", "$e5"]);
        assert!(
            v[0].flags.is_empty() && v[0].severity.is_none(),
            "a plain message should carry no flag and no severity"
        );
        let text: String = v[1].segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(text, "来玩百家乐，电话 138****5678");
        let rules: Vec<&str> = v[1].flags.iter().map(|f| f.rule.as_str()).collect();
        assert!(rules.contains(&"kw.gambling") && rules.contains(&"pii.cn_mobile"), "{rules:?}");
        assert_eq!(v[1].severity, Some(Severity::High), "gambling should be high severity");
        assert_eq!(v[1].flags.iter().find(|f| f.rule == "kw.gambling").unwrap().suggested, "remove");
        assert_eq!(v[2].case_id.as_deref(), Some("01CASE"), "my console's warning");
        assert_eq!(v[3].case_id, None, "a member cannot make a message look like the console's");
        assert!(
            v[4].redacted && v[4].segments.is_empty(),
            "a removed message should be marked removed and show no text"
        );
    }

    #[test]
    fn flooding_shows_on_the_page() {
        let d = detect::Engine::builtin();
        let page: Vec<MessageSnapshot> = (0..8).map(|i| msg(i, "@spam:hs", &format!("第{i}条"))).collect();
        let v = views(&d, &page, &me());
        assert!(v.iter().any(|m| m.flags.iter().any(|f| f.rule == "flood.sender")), "8 messages in 8 s");
        assert!(v[0].flags.is_empty(), "the first message alone is no flood");
    }

    // Regression (704d918): managers' messages were fed to the flood detector, so an admin
    // repeating an announcement was flagged as flooding (and out of reach anyway).
    #[test]
    fn regression_an_admin_repeating_an_announcement_was_flagged_as_flooding() {
        let d = detect::Engine::builtin();
        let page: Vec<MessageSnapshot> = (0..8).map(|i| msg(i, "@spam:hs", &format!("第{i}条"))).collect();
        let o = ViewOptions { managers: ["@spam:hs".to_owned()].into(), ..me() };
        assert!(views(&d, &page, &o).iter().all(|m| m.flags.is_empty()), "managers are not flood-checked");
    }

    fn me() -> ViewOptions {
        ViewOptions { me: "@me:hs".into(), ..ViewOptions::default() }
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let text = "群".repeat(10);
        assert_eq!(shown(&text, 7), "群群");
        assert_eq!(shown("ab", 7), "ab");
    }

    #[test]
    fn the_rule_list_has_stable_ids_and_suggestions() {
        let d = detect::Engine::builtin();
        let rules: Vec<RuleView> = d.rules().rules.iter().map(rule_view).collect();
        let gambling = rules.iter().find(|r| r.id == "kw.gambling").unwrap();
        assert_eq!((gambling.detector.as_str(), gambling.suggested.as_str()), ("keyword", "remove"));
        assert_eq!(gambling.severity, Severity::High, "gambling should be high severity");
        assert!(
            rules.iter().any(|r| r.id == "pii.cn_resident_id" && r.category.as_deref() == Some("privacy")),
            "the rule list should hold the resident-ID rule under privacy"
        );
    }
}
