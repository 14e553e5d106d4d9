//! The flagged queue as the app and `qg queue` show it: items in queue order with their
//! reporters, text masked; and closing an item without acting (`dismiss`, a case).
//!
//! The text is scanned again for display (masking needs the spans, the store keeps the
//! findings): what the admin reads is masked exactly as the Messages tab masks it.

use qunguan_core::action::{Action, ActionKind, ActionOutcome, MessageSnapshot};
use qunguan_core::platform::Platform;
use qunguan_core::queue::{DEFAULT_CLAIM_SECONDS, ItemState, QueueItem, Report, Source, rank_severity};
use qunguan_core::time::rfc3339_from_millis;
use qunguan_core::{ApiError, ErrorCode, Lang, Result, Status};
use qunguan_detect::{self as detect, Scratch};
use qunguan_store::{ItemRow, QueueFilter};

use crate::cache::now_ms;
use crate::{ActRequest, Engine};

/// Why an item shows no text.
fn unseen(message: Option<&MessageSnapshot>) -> Option<String> {
    match message {
        None => Some("not_seen".into()),
        Some(m) if m.redacted => Some("removed".into()),
        Some(_) => None,
    }
}

/// One stored item as it is shown: masked text, sources, reporters with masked reasons (what
/// [`Engine::queue`] makes of each row; public for the queue bench).
pub fn view(d: &detect::Engine, row: ItemRow) -> QueueItem {
    let mut scratch = Scratch::new();
    let mut masked = |text: &str| {
        let mut found = Vec::new();
        d.scan_with(text, &mut scratch, &mut found);
        crate::mask::segments(text, &found)
    };
    let text = row.message.as_ref().filter(|m| !m.redacted).and_then(|m| m.body.as_deref()).unwrap_or("");
    let segments = if text.is_empty() { Vec::new() } else { masked(text) };
    let reporters: Vec<Report> = row
        .reports
        .iter()
        .map(|r| Report {
            reporter: r.reporter.clone(),
            source: r.source,
            via: r.via,
            // A reporter quotes what they report: the reason carries the same personal data.
            reason: r.reason.as_deref().map(|t| masked(t).into_iter().map(|s| s.text).collect()),
            at: rfc3339_from_millis(r.at_ms),
            record: r.record,
        })
        .collect();
    let mut sources: Vec<Source> =
        row.auto.then_some(Source::Auto).into_iter().chain(reporters.iter().map(|r| r.source)).collect();
    let source = sources.first().copied().unwrap_or(Source::MemberReport);
    sources.sort();
    sources.dedup();
    QueueItem {
        count: u32::from(row.auto) + reporters.len() as u32,
        unseen: unseen(row.message.as_ref()),
        sender: row.message.as_ref().map(|m| m.sender.clone()).unwrap_or_default(),
        sent_at: row.message.as_ref().map_or(0, |m| m.ts),
        id: row.id,
        group: row.group_id,
        event_id: row.event_id,
        kind: row.kind,
        category: row.category,
        severity: rank_severity(row.rank),
        source,
        sources,
        reporters,
        claimed_by: row.claim.as_ref().map(|(holder, _)| holder.clone()),
        claim_until: row.claim.as_ref().map(|(_, until)| rfc3339_from_millis(*until)),
        created_at: rfc3339_from_millis(row.created_at_ms),
        state: row.state,
        case_id: row.case_id,
        flags: row.flags,
        segments,
    }
}

/// Stored items as shown (the masking scan off the runtime's threads).
async fn views(rows: Vec<ItemRow>) -> Result<Vec<QueueItem>> {
    let d = crate::messages::detector().await?;
    tokio::task::spawn_blocking(move || rows.into_iter().map(|r| view(&d, r)).collect())
        .await
        .map_err(|e| ApiError::caused_by(ErrorCode::Internal, "scan task failed", e))
}

/// The queue item (its ID) a case record decides, and how: another admin's dismissal (its
/// decision), removal or report of the message, or any action taken on the item (their done
/// outcome) closes the item in every console that imports it.
pub(crate) fn closed_by(record: &qunguan_core::case::CaseRecord) -> Option<(String, ItemState)> {
    use qunguan_core::case::RecordKind;
    let status = record.detail.get("status").map(String::as_str);
    let on_message = || record.target.as_deref().map(|e| qunguan_core::queue::item_id(&record.group, e));
    let named = record.detail.get(crate::act::ITEM_KEY).cloned();
    match (&record.kind, &record.action, status) {
        (RecordKind::Decision, ActionKind::Dismiss, _) => on_message().map(|id| (id, ItemState::Dismissed)),
        (RecordKind::Outcome, _, Some("done")) if named.is_some() => named.map(|id| (id, ItemState::Actioned)),
        (RecordKind::Outcome, ActionKind::Remove | ActionKind::ReportMessage, Some("done")) => {
            on_message().map(|id| (id, ItemState::Actioned))
        }
        _ => None,
    }
}

/// Which items to list (see [`Engine::queue_where`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueQuery {
    /// One group (room ID or alias), or all.
    pub group: Option<String>,
    /// Items in this state (`None`: open ones).
    pub state: Option<ItemState>,
    /// Only items whose top finding has this category (`privacy`, `spam`, …).
    pub category: Option<String>,
    /// Only items this source brought (among others).
    pub source: Option<Source>,
    /// At most this many.
    pub limit: Option<u32>,
}

/// The most items one listing returns.
pub const MAX_LISTED: u32 = 10_000;

impl Engine {
    /// Items in queue order (most severe, then oldest): open ones unless `state` says
    /// otherwise, of one group (ID or alias) or all, at most `limit` ([`MAX_LISTED`]).
    pub async fn queue(
        &self,
        group: Option<&str>,
        state: Option<ItemState>,
        limit: Option<u32>,
    ) -> Result<Vec<QueueItem>> {
        self.queue_where(&QueueQuery { group: group.map(str::to_owned), state, limit, ..QueueQuery::default() }).await
    }

    /// [`Engine::queue`] narrowed further, by the top finding's category and by source.
    pub async fn queue_where(&self, q: &QueueQuery) -> Result<Vec<QueueItem>> {
        let (group, state, limit) = (q.group.as_deref(), q.state, q.limit);
        let limit = limit.unwrap_or(MAX_LISTED);
        if limit == 0 || limit > MAX_LISTED {
            return Err(ApiError::invalid_input(format!("limit must be 1 to {MAX_LISTED}, not {limit}")));
        }
        self.platform().await?;
        let group = match group {
            Some(g) => Some(self.queue_group_id(g).await?),
            None => None,
        };
        let filter = QueueFilter {
            group,
            state: Some(state.unwrap_or(ItemState::Open)),
            limit: Some(limit),
            now_ms: now_ms(),
            category: q.category.clone(),
            source: q.source,
        };
        let rows = self.on_store(move |s| s.queue(&filter)).await?;
        views(rows).await
    }

    /// Open items nobody holds that entered the queue at least `longer_than_ms` ago: the latest
    /// to cross that line first, at most `limit` ([`MAX_LISTED`]). What the app reminds of
    /// ([`qunguan_core::remind`]).
    pub async fn waiting(&self, longer_than_ms: i64, limit: u32) -> Result<Vec<QueueItem>> {
        if limit == 0 || limit > MAX_LISTED {
            return Err(ApiError::invalid_input(format!("limit must be 1 to {MAX_LISTED}, not {limit}")));
        }
        self.platform().await?;
        let now = now_ms();
        let before = now.saturating_sub(longer_than_ms.max(0));
        let rows = self.on_store(move |s| s.waiting(before, now, limit)).await?;
        views(rows).await
    }

    /// One item by ID, with up to `context` stored messages either side (masked).
    pub async fn queue_item(
        &self,
        id: &str,
        context: u32,
    ) -> Result<(QueueItem, Vec<qunguan_core::message::MessageView>)> {
        self.platform().await?;
        let key = id.to_owned();
        let row = self.item_row(&key).await?;
        let (group, event) = (row.group_id.clone(), row.event_id.clone());
        let around = self.on_store(move |s| s.timeline_context(&group, &event, context)).await?;
        let d = crate::messages::detector().await?;
        let me = self.platform().await?.0.user_id;
        let context = crate::messages::masked_views(&d, &around, &me);
        Ok((view(&d, row), context))
    }

    /// The room ID of a group I manage, for filtering the queue (offline: as the cache knows it).
    async fn queue_group_id(&self, id_or_alias: &str) -> Result<String> {
        if id_or_alias.starts_with('!') {
            self.check_ids(id_or_alias, &Action::Lock)?;
            return Ok(id_or_alias.to_owned());
        }
        match self.group(id_or_alias).await {
            Ok(g) => Ok(g.id),
            Err(e) if crate::cache::is_offline(&e) => {
                let key = id_or_alias.to_owned();
                self.with_cache(move |s| crate::groups::cached_group_id(s, &key)).await?.ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    /// How members of a group report a message: its own words and emoji when its managers set
    /// them, else the console's defaults.
    pub async fn report_words(&self, group: &str) -> Result<qunguan_core::report::ReportWords> {
        let state = self.group_state_managed(group).await?;
        Ok(state.report_words.unwrap_or_default())
    }

    /// Sets a group's report words and emoji (checked; in the group's state, so every admin's
    /// console and every round after this one use them). Needs the power to change the
    /// group's settings: the platform says no otherwise.
    pub async fn set_report_words(
        &self,
        group: &str,
        commands: Vec<String>,
        emoji: Vec<String>,
    ) -> Result<qunguan_core::report::ReportWords> {
        let words = qunguan_core::report::ReportWords::checked(commands, emoji)?;
        let state = self.group_state_managed(group).await?;
        let (_, platform) = self.platform().await?;
        platform.set_report_words(&state.id, &words).await?;
        self.forget_group_states().await;
        Ok(words)
    }

    /// A group I manage, as the platform has it now.
    pub(crate) async fn group_state_managed(&self, group: &str) -> Result<qunguan_core::GroupState> {
        let (account, platform) = self.platform().await?;
        let state = platform.group(group).await?;
        match qunguan_core::Group::managed_by(&state, &account.user_id) {
            Some(_) => Ok(state),
            None => Err(crate::groups::not_managed(group)),
        }
    }

    /// One stored item by ID, `not_found` if there is none.
    pub(crate) async fn item_row(&self, id: &str) -> Result<ItemRow> {
        let key = id.to_owned();
        self.on_store(move |s| s.queue_item(&key, now_ms()))
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no queue item {id}")))
    }

    /// How long a claim holds (`QG_CLAIM_TTL`, else [`DEFAULT_CLAIM_SECONDS`]), in ms.
    fn claim_ttl_ms(&self) -> Result<i64> {
        let seconds = match &self.env.claim_ttl {
            Some(text) => qunguan_core::duration::parse_duration(text)
                .map_err(|e| ApiError::invalid_input(format!("QG_CLAIM_TTL: {}", e.message)))?,
            None => DEFAULT_CLAIM_SECONDS,
        };
        Ok(seconds as i64 * 1000)
    }

    /// The item's holder if someone else holds it, read fresh from the moderation room.
    async fn held_by_other(&self, row: &ItemRow) -> Result<Option<(String, i64)>> {
        let (account, platform) = self.platform().await?;
        self.refresh_claims(platform.as_ref(), &row.group_id).await?;
        let key = row.id.clone();
        let claim = self.on_store(move |s| s.claim_of(&key, now_ms())).await?;
        Ok(claim.filter(|(holder, _)| *holder != account.user_id))
    }

    /// Refuses to act on an item someone else holds, unless `force` (the admin was asked).
    pub(crate) async fn not_held_by_other(&self, row: &ItemRow, force: bool) -> Result<()> {
        match self.held_by_other(row).await? {
            Some((holder, until)) if !force => Err(ApiError::invalid_input(format!(
                "queue item {} is held by {holder} until {}: ask them, or take it over (--force)",
                row.id,
                rfc3339_from_millis(until)
            ))),
            _ => Ok(()),
        }
    }

    /// Reads a group's claims from its moderation room into the store, fresh (before acting on
    /// an item): see [`Engine::keep_claims`].
    pub(crate) async fn refresh_claims(&self, platform: &dyn Platform, group: &str) -> Result<()> {
        let Some(room) = self.case_log_room_id(group).await? else { return Ok(()) };
        let state = platform.group(group).await?;
        self.keep_claims(platform, group, &room, &state).await
    }

    /// Reads the claims in a group's moderation room `room` into the store: only claims whose
    /// sender is the holder they name and manages the group (by its power levels in `state`,
    /// current) count.
    pub(crate) async fn keep_claims(
        &self,
        platform: &dyn Platform,
        group: &str,
        room: &str,
        state: &qunguan_core::GroupState,
    ) -> Result<()> {
        let valid: Vec<(String, String, i64)> = platform
            .claims(room)
            .await?
            .into_iter()
            .filter_map(|c| {
                let holder = c.holder?;
                let manages = state.power.role(&c.sender) != qunguan_core::Role::Member;
                (holder == c.sender && manages && c.group == group).then_some((c.item, holder, c.until_ms))
            })
            .collect();
        let group = group.to_owned();
        self.on_store(move |s| s.set_claims(&group, &valid)).await
    }

    /// Claims an open item for me until the claim time runs out, in the group's moderation
    /// room, so every admin's console shows who holds it. Held by someone else: refused
    /// unless `force` (taking it over).
    pub async fn claim(&self, id: &str, force: bool) -> Result<QueueItem> {
        self.set_claim(id, force, true).await
    }

    /// Releases my claim on an item (someone else's only with `force`).
    pub async fn release(&self, id: &str, force: bool) -> Result<QueueItem> {
        self.set_claim(id, force, false).await
    }

    async fn set_claim(&self, id: &str, force: bool, claim: bool) -> Result<QueueItem> {
        let (account, platform) = self.platform().await?;
        let row = self.item_row(id).await?;
        if claim && row.state != ItemState::Open {
            return Err(ApiError::invalid_input(format!("queue item {id} is already {}", row.state.as_str())));
        }
        self.not_held_by_other(&row, force).await?;
        let room = match self.case_log_room_id(&row.group_id).await? {
            Some(room) => room,
            None => self.create_case_log_room(&row.group_id).await?,
        };
        let until = claim.then(|| self.claim_ttl_ms().map(|ttl| now_ms() + ttl)).transpose()?;
        platform.put_claim(&room, &row.group_id, &row.id, until).await?;
        let (key, group, me) = (row.id.clone(), row.group_id.clone(), account.user_id.clone());
        self.on_store(move |s| s.put_claim(&key, &group, &me, until)).await?;
        let d = crate::messages::detector().await?;
        Ok(view(&d, self.item_row(id).await?))
    }

    /// Closes an open item without acting: a `dismiss` case (with the message as evidence)
    /// in the group's chain, then the item leaves the open queue. Its reporters' record counts
    /// it as dismissed. An item someone else holds is refused unless `force`.
    pub async fn dismiss(&self, id: &str, reason: &str, force: bool) -> Result<ActionOutcome> {
        self.platform().await?;
        let row = self.item_row(id).await?;
        if row.state != ItemState::Open {
            return Err(ApiError::invalid_input(format!("queue item {id} is already {}", row.state.as_str())));
        }
        if reason.trim().is_empty() {
            return Err(ApiError::invalid_input("a reason is required"));
        }
        self.not_held_by_other(&row, force).await?;
        let req = ActRequest {
            group: row.group_id.clone(),
            action: Action::Dismiss { event_id: row.event_id.clone() },
            reason: reason.to_owned(),
            rule: None,
            lang: Lang::En,
        };
        let outcome = self.act(req).await?;
        self.settle_item(&row, ItemState::Dismissed, &outcome).await?;
        Ok(outcome)
    }

    /// An item decided by `outcome`, if it was done or queued: closed as `state` and linked to
    /// the case, and my claim on it (if any) released; a failure there leaves it to run out.
    pub(crate) async fn settle_item(&self, row: &ItemRow, state: ItemState, outcome: &ActionOutcome) -> Result<()> {
        if !matches!(outcome.status, Status::Done | Status::Queued) {
            return Ok(());
        }
        let (key, case) = (row.id.clone(), outcome.case_id.clone());
        self.on_store(move |s| s.close_item(&key, state, &case)).await?;
        if row.claim.is_some()
            && let Err(e) = self.release(&row.id, true).await
        {
            tracing::debug!(code = e.code.as_str(), "claim not released; it runs out");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use qunguan_core::case::{CASE_FORMAT, CaseRecord, RecordKind};
    use qunguan_core::queue::item_id;

    use super::*;

    fn record(kind: RecordKind, action: &str, detail: &[(&str, &str)]) -> CaseRecord {
        CaseRecord {
            v: CASE_FORMAT,
            case_id: "c".into(),
            kind,
            group: "!g".into(),
            actor: "@a:hs".into(),
            target: Some("$m".into()),
            action: action.into(),
            reason: "r".into(),
            rule: None,
            evidence_hash: None,
            created_at: String::new(),
            detail: detail.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn which_imported_records_close_an_item_here() {
        let on_message = item_id("!g", "$m");
        let done = [("status", "done")];
        let table: Vec<(CaseRecord, Option<(String, ItemState)>)> = vec![
            (record(RecordKind::Decision, "dismiss", &[]), Some((on_message.clone(), ItemState::Dismissed))),
            (record(RecordKind::Outcome, "remove", &done), Some((on_message.clone(), ItemState::Actioned))),
            (record(RecordKind::Outcome, "remove", &[("status", "refused")]), None),
            // A mute decided from the queue names its item; done, it closes it everywhere.
            (
                record(RecordKind::Outcome, "mute", &[("status", "done"), ("item", "abc123")]),
                Some(("abc123".into(), ItemState::Actioned)),
            ),
            (record(RecordKind::Outcome, "mute", &[("status", "conflict"), ("item", "abc123")]), None),
            (record(RecordKind::Outcome, "mute", &done), None),
            (record(RecordKind::Decision, "remove", &[]), None),
        ];
        for (r, want) in table {
            assert_eq!(closed_by(&r), want, "{:?} {} {:?}", r.kind, r.action, r.detail);
        }
    }
}
