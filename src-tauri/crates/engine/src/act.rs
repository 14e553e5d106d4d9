//! Acting: every moderation action goes decision → case log + outbox (one transaction) →
//! platform → outcome, so a decided action survives a crash or a lost network and is carried
//! out exactly once (the adapter's per-kind idempotency does the rest).
//!
//! The outbox never wedges: every ID is checked with the platform's grammar before anything is
//! recorded; a failure the adapter calls transient (offline, 5xx, 429) keeps the entry queued
//! with back-off, a permanent one (bad request, bad ID, unknown room) ends it as `failed` with
//! the reason in its case; an entry older than the maximum age ends as `expired`; an admin can
//! end a queued one as `cancelled`. One entry's failure never stops the ones behind it.

use std::collections::BTreeMap;

use qunguan_core::action::{Action, ActionKind, ActionOutcome, Applied, Evidence, OpContext, OutboxError, PlatformOp};
use qunguan_core::case::{CASE_FORMAT, CaseRecord, RecordKind};
use qunguan_core::credit::score as credit;
use qunguan_core::outcome::Why;
use qunguan_core::platform::{Connector, IdKind};
use qunguan_core::policy;
use qunguan_core::role::MESSAGE_EVENT;
use qunguan_core::time::{millis_from_rfc3339, rfc3339_from_millis};
use qunguan_core::warning::{WarningPreview, warning_text};
use qunguan_core::{ApiError, ErrorCode, GroupState, Lang, Result, RetryKind, Status};
use qunguan_store::{CaseFilter, ENDS_CASE, EvidenceRow, OutboxEntry, OutboxStatus, Store};

use crate::Engine;
use crate::cache::now_ms;

/// How many messages either side of a removed or reported one the evidence keeps.
const CONTEXT_MESSAGES: u32 = 5;
/// Retry back-off bounds for queued actions.
const RETRY_MIN_MS: i64 = 5_000;
const RETRY_MAX_MS: i64 = 10 * 60_000;
/// How long a decided action may wait in the outbox, unless `QG_OUTBOX_MAX_AGE` says otherwise:
/// a mute or a ban landing a week after it was decided is more likely harm than help.
pub const DEFAULT_MAX_AGE_SECONDS: u64 = 7 * 86_400;

pub use qunguan_core::case::ITEM_KEY;

/// The case-log chain of actions that are not about one group (reporting a member to the platform).
pub const PLATFORM_CHAIN: &str = "platform";
/// The case-log chain of my shared blocklist's entries (`ban --all-groups`).
pub const POLICY_CHAIN: &str = "policy";

/// This process's exclusive lock on one decided action while it is carried out, so two
/// runners (the app, `qg serve`, another `qg`) never carry out the same action at once — a
/// second kick would be refused by the server and a report would go twice. An advisory lock on
/// `<account>/claims/<case_id>` (the directory keeps its first name, so older runners still
/// exclude this one): the OS drops it when the process dies, so a crash never leaves a stale
/// lock. Whoever gets the lock re-reads the entry, and skips it if it was settled. (Not to be
/// confused with an admin's claim on a queue item, see `queue`.)
struct RunLock {
    file: std::fs::File,
    path: std::path::PathBuf,
    /// The entry, re-read under the lock; `None` when it is no longer queued.
    entry: Option<OutboxEntry>,
    /// How it was settled, when `entry` is `None`.
    settled: ActionOutcome,
}

impl RunLock {
    /// Once the action is settled the lock file goes (still locked, so a runner waiting on it
    /// re-reads a settled entry and skips it).
    fn release(self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file);
    }
}

/// One action as asked for by the app or `qg`.
#[derive(Debug, Clone)]
pub struct ActRequest {
    /// Room ID or alias.
    pub group: String,
    /// What to do, and to whom.
    pub action: Action,
    /// Why, in the admin's words (required; recorded in the case).
    pub reason: String,
    /// The group rule the action cites.
    pub rule: Option<String>,
    /// Language of the warning text the member sees.
    pub lang: Lang,
}

/// What a decision is linked to, written into its detail: the case it ends (a timed measure's
/// end), the queue item it decides, the ladder step it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct Linked {
    /// The case a reversal ends ([`ENDS_CASE`]).
    pub ends: Option<String>,
    /// The queue item decided ([`ITEM_KEY`]).
    pub item: Option<String>,
    /// The ladder step taken (its `after`, [`qunguan_core::credit::LADDER_KEY`]).
    pub ladder: Option<u32>,
}

/// What the outbox replays: the decision and everything needed to carry it out again.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Payload {
    action: Action,
    reason: String,
    rule: Option<String>,
    /// Entries written before the type may hold any tag (`zh-CN`): read as the warning always chose.
    #[serde(deserialize_with = "lang_tag")]
    lang: Lang,
    actor: String,
    /// The queue item this decides, if any (written into the outcome too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    item: Option<String>,
}

/// Can trying again later succeed? The adapter's classification (see [`RetryKind`]).
fn retry_later(e: &ApiError) -> bool {
    e.retry_kind() != RetryKind::Permanent
}

/// A failure of the session or the store, not of one entry: every other entry would fail the
/// same way, so the round stops and says so (signing in again or fixing the store resumes it).
fn session_wide(e: &ApiError) -> bool {
    matches!(
        e.code,
        ErrorCode::AuthInvalidToken | ErrorCode::NotSignedIn | ErrorCode::Store | ErrorCode::KeyringUnavailable
    )
}

/// Every identifier of a request, checked with the platform's own parser before anything is
/// asked or recorded: one the adapter would refuse at send time could only fail later.
/// `group` is empty for the actions that are not about one group.
pub(crate) fn check_ids(connector: &dyn Connector, group: &str, action: &Action) -> Result<()> {
    let check = |kind, value: &str| connector.check_id(kind, value);
    let groupless = group.is_empty()
        && (matches!(
            action,
            Action::ReportMember { .. } | Action::BlocklistAdd { .. } | Action::BlocklistRemove { .. }
        ) || action.is_staff());
    if !groupless {
        check(IdKind::RoomOrAlias, group)?;
    }
    if let Some(user) = action.target_user() {
        check(IdKind::User, user)?;
    }
    match action {
        Action::Remove { event_id }
        | Action::ReportMessage { event_id }
        | Action::Reveal { event_id }
        | Action::Dismiss { event_id } => check(IdKind::Event, event_id),
        Action::StaffClose { room } => check(IdKind::RoomOrAlias, room),
        _ => Ok(()),
    }
}

fn status(s: OutboxStatus, case_id: &str, detail: impl Into<String>) -> ActionOutcome {
    ActionOutcome { case_id: case_id.to_owned(), status: s, detail: detail.into(), why: None, ladder_step: None }
}

/// A refusal: the English text for the record and `qg`, and the same as data for the app.
pub(crate) type Refused = (String, Why);

/// The group's policy ([`policy::check_action`]) as the engine records it: English and data.
fn check(state: &GroupState, actor: &str, action: &Action) -> std::result::Result<(), Refused> {
    policy::check_action(state, actor, action).map_err(|d| (d.message(actor), d.why()))
}

fn lang_tag<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Lang, D::Error> {
    <String as serde::Deserialize>::deserialize(d).map(|t| Lang::from_tag(&t))
}

/// How long a timed measure (a mute, a timed ban) lasts; `None` for anything else.
pub(crate) fn timed(action: &Action) -> Option<u64> {
    match action {
        Action::Mute { seconds, .. } => Some(*seconds),
        Action::Ban { seconds, .. } => *seconds,
        _ => None,
    }
}

/// The rule a decision cites, as typed: blank is none.
fn rule_id(rule: Option<&str>) -> Option<String> {
    rule.map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned)
}

impl Engine {
    /// The text a warning will carry, from the template the engine sends, so the dialog's
    /// preview is what the member reads. The member's ID is checked like an action's.
    pub fn warning_preview(&self, p: &WarningPreview) -> Result<String> {
        self.connector.check_id(IdKind::User, &p.user)?;
        let reason = match p.reason.trim() {
            "" => "…",
            r => r,
        };
        Ok(warning_text(p.lang, &p.user, reason, rule_id(p.rule.as_deref()).as_deref()))
    }

    /// Every identifier of a request, checked with the platform's own parser (see [`check_ids`]).
    pub(crate) fn check_ids(&self, group: &str, action: &Action) -> Result<()> {
        check_ids(self.connector.as_ref(), group, action)
    }

    /// The maximum age of an outbox entry, in ms (`QG_OUTBOX_MAX_AGE`, else seven days).
    fn outbox_max_age_ms(&self) -> Result<i64> {
        let seconds = match &self.env.outbox_max_age {
            Some(text) => qunguan_core::duration::parse_duration(text)
                .map_err(|e| ApiError::invalid_input(format!("QG_OUTBOX_MAX_AGE: {}", e.message)))?,
            None => DEFAULT_MAX_AGE_SECONDS,
        };
        Ok(seconds as i64 * 1000)
    }

    pub(crate) fn store_required(&self) -> Result<std::sync::Arc<std::sync::Mutex<Store>>> {
        self.cache.lock().expect("not poisoned").clone().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Store,
                "actions need the encrypted store to keep their case: use the keyring, or set QG_CACHE_KEY",
            )
        })
    }

    pub(crate) async fn on_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store_required()?;
        tokio::task::spawn_blocking(move || f(&mut store.lock().expect("not poisoned")))
            .await
            .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "store task failed", e))?
    }

    /// Decides and carries out one action. `Err` only for bad input or a broken session/store;
    /// every platform answer (refused, conflict, unreachable) is an outcome with a case.
    pub async fn act(&self, req: ActRequest) -> Result<ActionOutcome> {
        self.act_for(req, None).await
    }

    /// [`Engine::act`] deciding queue item `item` (its ID goes into the case, so the other
    /// admins' consoles close the item too when they import the case's done outcome).
    pub(crate) async fn act_for(&self, req: ActRequest, item: Option<String>) -> Result<ActionOutcome> {
        let closes = match &req.action {
            Action::Remove { event_id } | Action::ReportMessage { event_id } => Some(event_id.clone()),
            _ => None,
        };
        let trigger = (req.group.clone(), req.action.clone(), req.lang);
        let mut outcome = self.decide_and_carry_out(req, Linked { item, ..Linked::default() }).await?;
        // A case that reached a step of an automatic ladder takes that step, as mine.
        if let Some(o) = outcome.as_mut()
            && o.status == Status::Done
        {
            // The action is done whatever happens here: a ladder that cannot be read is logged, not an error.
            o.ladder_step = match self.take_ladder_step(&trigger.0, &trigger.1, &o.case_id, trigger.2).await {
                Ok(step) => step.map(Box::new),
                Err(e) => {
                    tracing::warn!(case = %o.case_id, code = e.code.as_str(), "warning ladder not read");
                    None
                }
            };
        }
        // Removing or reporting a queued message decides its item, for every admin's queue here.
        if let (Some(event), Some(o)) = (closes, &outcome)
            && matches!(o.status, Status::Done | Status::Queued)
        {
            let case = o.case_id.clone();
            self.on_store(move |s| s.close_item_for(&event, qunguan_core::queue::ItemState::Actioned, &case)).await?;
        }
        self.share_now().await;
        outcome.ok_or_else(|| ApiError::internal("a decision that ends no case cannot be taken already"))
    }

    /// Decides and carries out the reversal of case `ends` (a timed mute's end), unless a
    /// decision ending it is in the case log already — another runner on this store took it:
    /// `None` then. Deciding is one store transaction that checks and records (see
    /// `Store::record_reversal`), so of two runners exactly one ends the case.
    pub(crate) async fn end_case(&self, req: ActRequest, ends: &str) -> Result<Option<ActionOutcome>> {
        let outcome =
            self.decide_and_carry_out(req, Linked { ends: Some(ends.to_owned()), ..Linked::default() }).await?;
        if outcome.is_some() {
            self.share_now().await;
        }
        Ok(outcome)
    }

    /// Shares my new cases with the group's other admins now; if that fails, the next round does.
    async fn share_now(&self) {
        if let Err(e) = self.publish_cases().await {
            tracing::debug!(code = e.code.as_str(), "case not shared yet");
        }
    }

    /// Decides (with what it is `linked` to) and carries out one action.
    pub(crate) async fn decide_and_carry_out(&self, req: ActRequest, linked: Linked) -> Result<Option<ActionOutcome>> {
        let Linked { ends, item, ladder } = linked;
        let reason = req.reason.trim().to_owned();
        if reason.is_empty() {
            return Err(ApiError::invalid_input("a reason is required"));
        }
        let rule = rule_id(req.rule.as_deref());
        if let Some(seconds) = timed(&req.action)
            && (seconds == 0 || seconds > qunguan_core::duration::MAX_SECONDS)
        {
            let what = req.action.name();
            return Err(ApiError::invalid_input(format!(
                "a timed {what} lasts more than zero seconds and at most one year"
            )));
        }
        self.check_ids(&req.group, &req.action)?;
        let (account, platform) = self.platform().await?;
        self.store_required()?;
        let case_id = uuid::Uuid::now_v7().to_string();
        // The engine's clock (`QG_TEST_NOW` in tests), so a timed measure's end moves with it.
        let now = self.clock_ms()?;
        let created_at = rfc3339_from_millis(now);

        // The latest state: to check my power now, and to know what the group looked like.
        let blocklist = matches!(req.action, Action::BlocklistAdd { .. } | Action::BlocklistRemove { .. });
        let groupless = matches!(req.action, Action::ReportMember { .. }) || req.action.is_staff() || blocklist;
        let mut out_of_reach = None;
        let (state, offline) = match groupless {
            true => (None, None),
            false => match platform.group(&req.group).await {
                Ok(s) => (Some(s), None),
                Err(e) if retry_later(&e) => (None, Some(OutboxError::from_api(&e))),
                // A group I am not in is beyond my reach: a refused case, like a lack of power.
                Err(e) if e.code == ErrorCode::Forbidden => {
                    out_of_reach = Some((e.message, Why::NotInGroup));
                    (None, None)
                }
                Err(e) => return Err(e),
            },
        };
        let group_id = match (&state, groupless) {
            (_, true) if req.action.is_staff() => crate::staff::STAFF_CHAIN.to_owned(),
            (_, true) if blocklist => POLICY_CHAIN.to_owned(),
            (_, true) => PLATFORM_CHAIN.to_owned(),
            (Some(s), _) => s.id.clone(),
            (None, _) => req.group.clone(),
        };
        let mut detail = BTreeMap::new();
        if let Some(s) = &state {
            if let Some(user) = req.action.target_user() {
                detail.insert("previous_power".into(), s.power.power(user).map_or("creator".into(), |p| p.to_string()));
            }
            detail.insert("previous_events_default".into(), s.power.levels.events_default.to_string());
        }
        if let Some(seconds) = timed(&req.action) {
            detail.insert("until".into(), rfc3339_from_millis(now + seconds as i64 * 1000));
        }
        if let Some(ends) = &ends {
            detail.insert(ENDS_CASE.into(), ends.clone());
        }
        if let Some(item) = &item {
            detail.insert(ITEM_KEY.into(), item.clone());
        }
        if let Some(after) = ladder {
            detail.insert(qunguan_core::credit::LADDER_KEY.into(), after.to_string());
        }
        let mut refusal =
            out_of_reach.or_else(|| state.as_ref().and_then(|s| check(s, &account.user_id, &req.action).err()));
        // Offline, a reveal shows the message at once from the cache: my cached power decides.
        if let (Action::Reveal { .. }, Some(_), None) = (&req.action, &offline, &refusal) {
            refusal = self.cached_reveal_refusal(&account.user_id, &req.group).await?;
        }

        // Evidence first, for removals and reports (while the message is still there).
        let mut evidence = None;
        if let (Some(event_id), None, None) = (req.action.target_event(), &refusal, &offline)
            && let Some(message) = platform.message(&group_id, event_id).await?
        {
            let context = platform.context(&group_id, event_id, CONTEXT_MESSAGES).await.unwrap_or_default();
            // Whose message it was, and what its queue item found: what a removal costs the sender's credit.
            if req.action.kind() == ActionKind::Remove {
                detail.insert(credit::SENDER_KEY.into(), message.sender.clone());
                let item = qunguan_core::queue::item_id(&group_id, event_id);
                let row = self.on_store(move |s| s.queue_item(&item, now_ms())).await?;
                if let Some(category) = row.and_then(|r| r.category) {
                    detail.insert(credit::CATEGORY_KEY.into(), category);
                }
            }
            evidence =
                Some(Evidence { group: group_id.clone(), message, context, captured_at: created_at.clone() }.seal());
        }

        let record = CaseRecord {
            v: CASE_FORMAT,
            case_id: case_id.clone(),
            kind: RecordKind::Decision,
            group: group_id.clone(),
            actor: account.user_id.clone(),
            target: req.action.target().map(str::to_owned),
            action: req.action.kind(),
            reason: reason.clone(),
            rule: rule.clone(),
            evidence_hash: evidence.as_ref().map(|(_, h)| h.clone()),
            created_at,
            detail,
        };
        let payload = Payload {
            action: req.action.clone(),
            reason,
            rule: rule.clone(),
            lang: req.lang,
            actor: account.user_id.clone(),
            item,
        };
        let outbox = OutboxEntry {
            case_id: case_id.clone(),
            action: req.action.name().into(),
            payload: serde_json::to_string(&payload).map_err(|e| ApiError::internal(e.to_string()))?,
            group_id: group_id.clone(),
            target: record.target.clone(),
            txn_id: format!("qg.{case_id}"),
            status: OutboxStatus::Queued,
            attempts: 0,
            next_attempt_at_ms: now_ms(),
            last_error: offline.as_ref().map(|e| e.message().to_owned()),
            error: offline.clone(),
        };
        let entry = outbox.clone();
        let reversal = ends.is_some();
        let decided = self
            .on_store(move |s| {
                if reversal {
                    return Ok(s.record_reversal(record, &entry)?.is_some());
                }
                let ev =
                    evidence.as_ref().map(|(json, sha)| EvidenceRow { json, sha256: sha, captured_at_ms: now_ms() });
                s.record_decision(record, Some(&entry), ev).map(|_| true)
            })
            .await?;
        if !decided {
            return Ok(None);
        }

        if let Some(why) = refusal {
            let run = self.lock_run(&outbox.case_id).await?;
            let Some(entry) = run.entry.clone() else { return Ok(Some(run.settled)) };
            let (text, why) = why;
            return self
                .settle(&entry, OutboxStatus::Refused, &text, Some(why), None)
                .await
                .inspect(|_| run.release())
                .map(Some);
        }
        if let Some(why) = offline {
            return Ok(Some(status(
                OutboxStatus::Queued,
                &case_id,
                format!("the homeserver cannot be reached ({}); it will be carried out later", why.message()),
            )));
        }
        self.carry_out(outbox).await.map(Some)
    }

    /// Records the outcome of a decided action and returns it. An entry whose payload cannot
    /// be read is still settled (as the signed-in account, without the decision's reason).
    async fn settle(
        &self,
        entry: &OutboxEntry,
        outcome: OutboxStatus,
        detail_text: &str,
        why: Option<Why>,
        error: Option<OutboxError>,
    ) -> Result<ActionOutcome> {
        let (actor, reason, rule, item) = match serde_json::from_str::<Payload>(&entry.payload) {
            Ok(p) => (p.actor, p.reason, p.rule, p.item),
            Err(_) => (self.platform().await?.0.user_id, String::new(), None, None),
        };
        // Expiring or cancelling is not an attempt at the platform.
        let attempted = !matches!(outcome, OutboxStatus::Expired | OutboxStatus::Cancelled);
        let mut detail = BTreeMap::new();
        detail.insert("status".to_string(), outcome.as_str().to_string());
        detail.insert("detail".to_string(), detail_text.to_string());
        detail.insert("attempts".to_string(), (entry.attempts + u32::from(attempted)).to_string());
        if let Some(item) = item {
            detail.insert(ITEM_KEY.into(), item);
        }
        if let Some(why) = &why {
            detail
                .insert("why".to_string(), serde_json::to_string(why).map_err(|e| ApiError::internal(e.to_string()))?);
        }
        let record = CaseRecord {
            v: CASE_FORMAT,
            case_id: entry.case_id.clone(),
            kind: RecordKind::Outcome,
            group: entry.group_id.clone(),
            actor,
            target: entry.target.clone(),
            action: entry.action.as_str().into(),
            reason,
            rule,
            evidence_hash: None,
            created_at: rfc3339_from_millis(self.clock_ms()?),
            detail,
        };
        let note = (outcome != OutboxStatus::Done).then(|| detail_text.to_owned());
        self.on_store(move |s| s.record_outcome(record, outcome, note.as_deref(), error.as_ref()).map(drop)).await?;
        Ok(ActionOutcome { why, ..status(outcome, &entry.case_id, detail_text) })
    }

    /// Locks a decided action for this process (see [`RunLock`]) and re-reads it: `entry` is
    /// `None` when another runner settled it meanwhile, and `settled` then says how.
    async fn lock_run(&self, case_id: &str) -> Result<RunLock> {
        let (account, _) = self.platform().await?;
        let dir = crate::home::account_dir(&self.home, &account)?.join("claims");
        let path = dir.join(case_id);
        let file = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
            file.lock().map(|()| (file, path))
        })
        .await
        .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "lock task failed", e))?
        .map_err(|e| ApiError::caused_by(ErrorCode::Store, format!("cannot lock case {case_id}"), e))?;
        let id = case_id.to_owned();
        let fresh = self.on_store(move |s| s.outbox_entry(&id)).await?;
        let settled = match &fresh {
            Some(e) => status(
                e.status,
                case_id,
                e.last_error.clone().unwrap_or_else(|| "carried out by another runner".into()),
            ),
            None => return Err(ApiError::internal(format!("case {case_id} has no outbox entry"))),
        };
        let entry = fresh.filter(|e| e.status == OutboxStatus::Queued);
        Ok(RunLock { file: file.0, path: file.1, entry, settled })
    }

    /// One attempt at a queued action, under its lock; leaves it queued (with back-off) when
    /// the platform is away.
    async fn carry_out(&self, entry: OutboxEntry) -> Result<ActionOutcome> {
        let run = self.lock_run(&entry.case_id).await?;
        let Some(entry) = run.entry.clone() else { return Ok(run.settled) };
        if let Some(note) = self.too_old(&entry).await? {
            return self.settle(&entry, OutboxStatus::Expired, &note, None, None).await.inspect(|_| run.release());
        }
        let outcome = self.carry_out_locked(entry).await;
        if outcome.as_ref().is_ok_and(|o| o.status != OutboxStatus::Queued) {
            run.release();
        }
        outcome
    }

    /// The case note when `entry` waited longer than the maximum age; `None` while it may still go.
    async fn too_old(&self, entry: &OutboxEntry) -> Result<Option<String>> {
        let max_age = self.outbox_max_age_ms()?;
        let id = entry.case_id.clone();
        let decided = self.on_store(move |s| s.decided_at(&id)).await?;
        let Some(decided_ms) = decided.as_deref().and_then(millis_from_rfc3339) else { return Ok(None) };
        // Against the clock decisions are dated by (`QG_TEST_NOW` in tests).
        if self.clock_ms()? - decided_ms <= max_age {
            return Ok(None);
        }
        let max = qunguan_core::duration::format_duration((max_age / 1000) as u64);
        Ok(Some(format!(
            "expired: not carried out within {max} of the decision ({}); ended instead of carried out late",
            rfc3339_from_millis(decided_ms)
        )))
    }

    async fn carry_out_locked(&self, entry: OutboxEntry) -> Result<ActionOutcome> {
        let payload: Payload = match serde_json::from_str(&entry.payload) {
            Ok(p) => p,
            Err(e) => {
                let text = format!("the outbox entry cannot be read ({e}); nothing was carried out");
                let error = OutboxError::Unreadable { message: text.clone() };
                return self.settle(&entry, OutboxStatus::Failed, &text, None, Some(error)).await;
            }
        };
        let (account, platform) = self.platform().await?;
        if account.user_id != payload.actor {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("case {} was decided by {}; sign in as them to carry it out", entry.case_id, payload.actor),
            ));
        }
        let attempt = async {
            let ops = if entry.group_id == PLATFORM_CHAIN {
                match &payload.action {
                    Action::ReportMember { user } => {
                        vec![PlatformOp::ReportUser { user: user.clone(), reason: payload.reason.clone() }]
                    }
                    other => return Err(ApiError::internal(format!("{} has no group", other.name()))),
                }
            } else if entry.group_id == POLICY_CHAIN {
                let (user, ban) = match &payload.action {
                    Action::BlocklistAdd { user } => (user, true),
                    Action::BlocklistRemove { user } => (user, false),
                    other => return Err(ApiError::internal(format!("{} is not a blocklist action", other.name()))),
                };
                vec![PlatformOp::SetPolicyRule { entity: user.clone(), reason: payload.reason.clone(), ban }]
            } else if entry.group_id == crate::staff::STAFF_CHAIN {
                match self.staff_ops(platform.as_ref(), &account, &payload.action, &payload.reason).await? {
                    Ok(ops) => ops,
                    Err(why) => return Ok(Err((OutboxStatus::Refused, why, None))),
                }
            } else {
                let state = platform.group(&entry.group_id).await?;
                if let Err((text, why)) = check(&state, &account.user_id, &payload.action) {
                    return Ok(Err((OutboxStatus::Refused, text, Some(why))));
                }
                self.ops_for(&state, &payload).await?
            };
            let ctx = OpContext { txn_id: entry.txn_id.clone(), case_id: entry.case_id.clone() };
            let mut notes = Vec::new();
            for op in &ops {
                match platform.apply(&entry.group_id, op, &ctx).await? {
                    Applied::Done { .. } => notes.push("carried out"),
                    Applied::AlreadyDone { .. } => notes.push("already in effect"),
                    Applied::Conflict { reason, why } => return Ok(Err((OutboxStatus::Conflict, reason, why))),
                }
            }
            if ops.is_empty() {
                notes.push("recorded");
            }
            Ok::<_, ApiError>(Ok(notes.join(", ")))
        };
        match attempt.await {
            Ok(Ok(note)) => self.settle(&entry, OutboxStatus::Done, &note, None, None).await,
            Ok(Err((outcome, text, why))) => self.settle(&entry, outcome, &text, why, None).await,
            Err(e) if e.code == ErrorCode::Forbidden => {
                self.settle(&entry, OutboxStatus::Refused, &e.message, Some(Why::PlatformRefused), None).await
            }
            Err(e) if e.code == ErrorCode::NotFound => {
                self.settle(&entry, OutboxStatus::Conflict, &e.message, None, None).await
            }
            Err(e) if session_wide(&e) => Err(e),
            Err(e) if retry_later(&e) => {
                let backoff = (RETRY_MIN_MS << entry.attempts.min(10)).min(RETRY_MAX_MS);
                let (id, error) = (entry.case_id.clone(), OutboxError::from_api(&e));
                self.on_store(move |s| s.outbox_retry_later(&id, now_ms() + backoff, &error)).await?;
                Ok(status(
                    OutboxStatus::Queued,
                    &entry.case_id,
                    format!("not confirmed yet ({}); it will be retried", e.message),
                ))
            }
            // Retrying cannot help (bad request, bad ID, unknown room): end it, saying why.
            Err(e) => {
                let text = format!("failed: {} ({}); not retried", e.message, e.code.as_str());
                self.settle(&entry, OutboxStatus::Failed, &text, None, Some(OutboxError::from_api(&e))).await
            }
        }
    }

    /// The platform operations that carry out a decision, against the latest state.
    async fn ops_for(&self, state: &GroupState, p: &Payload) -> Result<Vec<PlatformOp>> {
        let levels = &state.power.levels;
        let reason = p.reason.clone();
        Ok(match &p.action {
            Action::Warn { user } => vec![PlatformOp::SendNotice {
                body: warning_text(p.lang, user, &p.reason, p.rule.as_deref()),
                mentions: vec![user.clone()],
            }],
            Action::Mute { user, .. } => {
                // Below what posting needs now, and still below it once a lock (a raised
                // `events_default`) is lifted: one under the locked level would be a promotion.
                let level = (levels.message_level(MESSAGE_EVENT) - 1).min(levels.users_default - 1).min(-1);
                vec![PlatformOp::SetUserPower { user: user.clone(), level: Some(level) }]
            }
            Action::Unmute { user } => {
                let previous = self.previous_value(&state.id, ActionKind::Mute, Some(user), "previous_power").await?;
                let level = policy::restored_level(&state.power, &p.actor, previous.as_deref())
                    .filter(|l| *l != levels.users_default);
                vec![PlatformOp::SetUserPower { user: user.clone(), level }]
            }
            Action::Lock => vec![PlatformOp::SetPostingLevel { level: levels.moderator_level() }],
            Action::Unlock => {
                let previous =
                    self.previous_value(&state.id, ActionKind::Lock, None, "previous_events_default").await?;
                vec![PlatformOp::SetPostingLevel {
                    level: policy::restored_level(&state.power, &p.actor, previous.as_deref()).unwrap_or(0),
                }]
            }
            Action::Role { user, role } => {
                vec![PlatformOp::SetUserPower { user: user.clone(), level: policy::role_level(&state.power, *role) }]
            }
            Action::Remove { event_id } => vec![PlatformOp::Redact { event_id: event_id.clone(), reason }],
            Action::Kick { user } => vec![PlatformOp::Kick { user: user.clone(), reason }],
            Action::Ban { user, .. } => vec![PlatformOp::Ban { user: user.clone(), reason }],
            Action::Unban { user } => vec![PlatformOp::Unban { user: user.clone(), reason }],
            Action::ReportMessage { event_id } => vec![PlatformOp::ReportEvent { event_id: event_id.clone(), reason }],
            Action::ReportMember { user } => vec![PlatformOp::ReportUser { user: user.clone(), reason }],
            Action::ReportGroup => vec![PlatformOp::ReportRoom { reason }],
            // The case is the point: nothing to ask of the platform.
            Action::Reveal { .. } | Action::Dismiss { .. } => Vec::new(),
            Action::StaffSuspend { .. }
            | Action::StaffUnsuspend { .. }
            | Action::StaffDeactivate { .. }
            | Action::StaffClose { .. }
            | Action::StaffResolve { .. }
            | Action::BlocklistAdd { .. }
            | Action::BlocklistRemove { .. } => {
                return Err(ApiError::internal(format!("{} has no group", p.action.name())));
            }
        })
    }

    /// A detail of my latest done case of `action` in a group (on `target`): what a reversal
    /// restores. From my own chain only: another admin's records (imported, their `created_at`
    /// chosen by them) never decide what my actions do.
    async fn previous_value(
        &self,
        group: &str,
        action: ActionKind,
        target: Option<&str>,
        key: &str,
    ) -> Result<Option<String>> {
        let filter = CaseFilter { group: Some(group.to_owned()), target: target.map(str::to_owned), actor: None };
        let key = key.to_owned();
        self.on_store(move |s| {
            Ok(s.own_cases(&filter)?
                .into_iter()
                .rev()
                .find(|c| c.decision.record.action == action && c.status == OutboxStatus::Done)
                .and_then(|c| c.decision.record.detail.get(&key).cloned()))
        })
        .await
    }

    /// Carries out every queued action that is due (or all of them with `force`), oldest first.
    /// An entry that cannot be carried out is skipped (and stays queued); only a failure of the
    /// session or the store, which every entry would meet, ends the round early.
    pub async fn retry_outbox(&self, force: bool) -> Result<Vec<ActionOutcome>> {
        self.platform().await?;
        self.outbox_max_age_ms()?; // A bad setting is named once, not met by every entry.
        let due = self.on_store(move |s| if force { s.outbox_due(i64::MAX) } else { s.outbox_due(now_ms()) }).await?;
        let mut out = Vec::new();
        for entry in due {
            let case_id = entry.case_id.clone();
            match self.carry_out(entry).await {
                Ok(o) => out.push(o),
                Err(e) if session_wide(&e) => return Err(e),
                Err(e) => tracing::warn!(case = %case_id, code = e.code.as_str(), "outbox entry skipped this round"),
            }
        }
        Ok(out)
    }

    /// Ends a queued action before it is carried out, as `cancelled`, with the admin's reason
    /// in its case. Waits for a runner carrying it out right now; then it is no longer queued,
    /// and cancelling it is refused (`invalid_input`, nothing recorded).
    pub async fn cancel_outbox(&self, case_id: &str, reason: &str) -> Result<ActionOutcome> {
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(ApiError::invalid_input("a reason is required"));
        }
        let (account, _) = self.platform().await?;
        let id = case_id.to_owned();
        if self.on_store(move |s| s.outbox_entry(&id)).await?.is_none() {
            return Err(ApiError::invalid_input(format!("case {case_id} is not in the outbox")));
        }
        let run = self.lock_run(case_id).await?;
        let Some(entry) = run.entry.clone() else {
            return Err(ApiError::invalid_input(format!(
                "case {case_id} is {} already: only a queued action can be cancelled",
                run.settled.status
            )));
        };
        let text = format!("cancelled by {}: {reason}", account.user_id);
        self.settle(&entry, OutboxStatus::Cancelled, &text, None, None).await.inspect(|_| run.release())
    }
}

#[cfg(test)]
mod tests {
    // Regression guard (f664627, a8b58ec): payloads queued before the Lang enum hold a language tag
    // ("zh-CN"); the enum must still read them, or a queued warning would replay in another language.
    #[test]
    fn regression_an_outbox_payload_with_a_language_tag_must_still_replay_after_the_lang_enum() {
        let old = |lang: &str| serde_json::json!({"action": {"action": "lock"}, "reason": "r", "rule": null, "lang": lang, "actor": "@me:hs"});
        let read = |lang: &str| serde_json::from_value::<super::Payload>(old(lang)).map(|p| p.lang);
        assert_eq!(read("zh-CN").unwrap(), qunguan_core::Lang::Zh, "a zh tag is Chinese, as before the type");
        assert_eq!(read("en-GB").unwrap(), qunguan_core::Lang::En, "any other tag is English");
        let p = serde_json::from_value::<super::Payload>(old("zh")).unwrap();
        assert_eq!(serde_json::to_value(&p).unwrap()["lang"], "zh", "written back as today's word");
    }
}
