//! Following the groups: one round of the platform's feed into the store — every new message
//! through the detector, members' reports into the queue — in one transaction with the token
//! the next round continues from.
//!
//! ## Design
//! - A round is idempotent: if the process dies before the round is written, the next one
//!   starts from the old token and writes the same rows, which the store's unique keys absorb
//!   (no message is lost, no item doubled).
//! - A `limited` round is back-filled from its gap, page by page, until a page reaches a
//!   message already stored (or [`crate::sync::MAX_BACKFILL_PAGES`], or the start of the room).
//! - A token the server no longer accepts starts a fresh first round; stored items stay.
//! - The managers of each group come from its power levels, read once and again whenever the
//!   feed says a group's state changed: their messages are not fed to the flood detector, and
//!   my own console's messages (warnings) are not checked at all.
//! - Each round also shares the case log: mine posted (nothing sent when all is posted), the
//!   others' imported and their claims read from the moderation rooms the same `/sync`
//!   brought news from (the `logs` module), so another admin's dismissal or removal closes the
//!   item here in the same round, and an idle round costs its `/sync` alone.
//! - Whether I am a server admin (whose rounds also read the platform's reports) is asked once
//!   per process, and again after reading the reports failed.
//! - Message text never reaches a log: only counts and IDs.

use std::collections::{HashMap, HashSet};

use qunguan_core::action::MessageSnapshot;
use qunguan_core::report::ReportWords;
use qunguan_core::sync::{GroupBatch, SyncProgress, TimelineEvent};
use qunguan_core::{ApiError, GroupState, Result, RetryKind, Role};
use qunguan_detect::{self as detect, Scratch, Stream};
use qunguan_store::{Edited, Flagged, Ingest, NewReport, Removed};

use crate::Engine;
use crate::cache::now_ms;

/// Pages of back-fill per gap (of [`BACKFILL_PAGE`] events): a group that was busy while the
/// console was away is filled back this far, the rest is history (`qg sync` again reads on).
pub const MAX_BACKFILL_PAGES: u32 = 5;
/// Events per back-fill page.
pub const BACKFILL_PAGE: u32 = 100;
/// Messages of a round handed to the writer at once (`crate::ingest`), so that a first sync
/// of many groups is written while its later groups are still read.
const CHUNK_MESSAGES: usize = 2_000;

/// The engine's memory of the groups it follows, between rounds.
#[derive(Default)]
pub(crate) struct Following {
    /// Each managed group's state (power levels), read when a round says it changed.
    pub(crate) states: HashMap<String, GroupState>,
    /// Whether `states` is current.
    fresh: bool,
    /// Each group's flood detector, fed in arrival order.
    streams: HashMap<String, Stream>,
    /// Whether I am a server admin (`None`: to be asked).
    staff: Option<bool>,
    /// The case-log rooms found and read.
    pub(crate) logs: crate::logs::Logs,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// Groups followed.
    pub groups: u32,
    /// Messages stored for the first time.
    pub new_messages: u32,
    /// Items that entered the queue.
    pub new_items: Vec<String>,
    /// Open items whose severity rose.
    pub raised_items: Vec<String>,
    /// Events left out because they could not be read.
    pub skipped: u32,
    /// Events read back from gaps.
    pub backfilled: u32,
    /// Groups whose messages arrive end-to-end encrypted (they cannot be checked).
    pub encrypted_groups: Vec<String>,
    /// The first round of this console (or after the server forgot the token).
    pub first: bool,
}

impl Following {
    /// Reads the states of the groups I manage, unless they are current.
    async fn refresh(&mut self, platform: &dyn qunguan_core::platform::Platform, me: &str) -> Result<()> {
        if !self.fresh {
            let states = platform.joined_groups().await?;
            self.states = states
                .into_iter()
                .filter(|s| qunguan_core::Group::managed_by(s, me).is_some())
                .map(|s| (s.id.clone(), s))
                .collect();
            self.fresh = true;
        }
        Ok(())
    }

    /// Whether I am a server admin: asked once (again after a failure, which counts as no).
    async fn staff(&mut self, platform: &dyn qunguan_core::platform::Platform) -> bool {
        if let Some(staff) = self.staff {
            return staff;
        }
        match platform.is_staff().await {
            Ok(staff) => *self.staff.insert(staff),
            Err(e) => {
                tracing::warn!(code = e.code.as_str(), "platform reports not read this round");
                false
            }
        }
    }
}

/// Sorts one group's events into the round: messages to store and check, reports, removals.
/// The pure part of a round (no platform, no store), public for the ingest bench.
pub struct Sorter<'a> {
    detector: &'a detect::Engine,
    words: &'a ReportWords,
    me: &'a str,
    scratch: Scratch,
}

impl<'a> Sorter<'a> {
    /// A sorter checking with `detector`, reading reports with `words`; `me` is my user ID
    /// (my console's own messages carrying a case are not judged).
    pub fn new(detector: &'a detect::Engine, words: &'a ReportWords, me: &'a str) -> Sorter<'a> {
        Sorter { detector, words, me, scratch: Scratch::new() }
    }

    /// Sorts one group's `events` (oldest first) into `round`: every message to store, the
    /// flagged ones (detector, and `stream`, the group's flood detector, for members other than
    /// the managers `state` names), reports (report replies and reactions), removals.
    pub fn sort(
        &mut self,
        group: &str,
        events: Vec<TimelineEvent>,
        state: Option<&GroupState>,
        stream: &mut Stream,
        round: &mut Ingest,
    ) {
        // The group's own words when its managers set them, else the console's.
        let own = state.and_then(|s| s.report_words.as_ref());
        let words = own.unwrap_or(self.words).clone();
        for event in events {
            match event {
                TimelineEvent::Message(m) => self.message(group, m, state, &words, stream, round),
                TimelineEvent::Reaction { sender, ts, target, key, .. } => {
                    if words.is_report_reaction(&key) {
                        round.reports.push(NewReport {
                            group_id: group.into(),
                            event_id: target,
                            reporter: sender,
                            via: qunguan_core::queue::ReportVia::Reaction,
                            reason: None,
                            at_ms: ts,
                        });
                    }
                }
                // Anyone may send a removal; it counts for their own message, or for anyone's
                // when they hold the group's redact level (the store checks whose message it is).
                TimelineEvent::Redaction { sender, redacts, .. } => {
                    let any = state.is_some_and(|s| s.power.rank(&sender).at_least(s.power.levels.redact));
                    round.redactions.push(Removed { group_id: group.into(), event_id: redacts, by: sender, any });
                }
                // The new text is judged as the message it replaces (the store checks the sender).
                TimelineEvent::Edit { sender, target, body, ts, .. } => {
                    let mut found = Vec::new();
                    self.detector.scan_with(&body, &mut self.scratch, &mut found);
                    let flagged = self.flagged(group, &target, &found);
                    round.edits.push(Edited { group_id: group.into(), target, sender, body, ts, flagged });
                }
            }
        }
    }

    /// The queue entry for `event` when the detector found anything.
    fn flagged(&self, group: &str, event: &str, found: &[detect::Finding]) -> Option<Flagged> {
        let top = found.iter().max_by_key(|f| f.severity)?;
        Some(Flagged {
            group_id: group.into(),
            event_id: event.to_owned(),
            kind: top.kind.as_str().to_owned(),
            category: top.category.as_deref().map(str::to_owned),
            flags: found.iter().map(|f| crate::messages::flag(self.detector, f)).collect(),
        })
    }

    fn message(
        &mut self,
        group: &str,
        m: MessageSnapshot,
        state: Option<&GroupState>,
        words: &ReportWords,
        stream: &mut Stream,
        round: &mut Ingest,
    ) {
        let text = if m.redacted { "" } else { m.body.as_deref().unwrap_or("") };
        // A report is a reply starting with a report word: recorded as a report, not judged.
        if let (Some(target), Some(reason)) = (&m.reply_to, words.command(text)) {
            round.reports.push(NewReport {
                group_id: group.into(),
                event_id: target.clone(),
                reporter: m.sender.clone(),
                via: qunguan_core::queue::ReportVia::Reply,
                reason: Some(reason.to_owned()).filter(|r| !r.is_empty()),
                at_ms: m.ts,
            });
            round.messages.push((group.into(), m));
            return;
        }
        // My console's own messages (warnings) carry their case: nothing to judge.
        let mine = m.sender == self.me && m.case_id.is_some();
        if !text.is_empty() && !mine {
            let mut found = Vec::new();
            self.detector.scan_with(text, &mut self.scratch, &mut found);
            let manager = state.is_some_and(|s| s.power.role(&m.sender) != Role::Member);
            if !manager {
                found.extend(stream.observe(&m.sender, m.ts, text));
            }
            round.flagged.extend(self.flagged(group, &m.event_id, &found));
        }
        round.messages.push((group.into(), m));
    }
}

/// Whether a failed round with a token means the server forgot it (start afresh) rather than
/// a passing failure (try again from the same token).
fn token_refused(e: &ApiError) -> bool {
    e.retry_kind() == RetryKind::Permanent
        && !matches!(e.code, qunguan_core::ErrorCode::AuthInvalidToken | qunguan_core::ErrorCode::Forbidden)
}

impl Engine {
    /// One round of following every group I manage: waits up to `timeout_ms` for news (0:
    /// answer at once), stores what came, checks every new message, queues what needs a look.
    pub async fn sync_once(&self, timeout_ms: u64) -> Result<SyncReport> {
        self.sync_groups(&[], timeout_ms).await
    }

    /// One round over only `only` (room IDs or aliases of groups I manage; empty: all), with
    /// a token of its own, so the feed of every group is not moved past what it has not read.
    pub async fn sync_groups(&self, only: &[String], timeout_ms: u64) -> Result<SyncReport> {
        let mut wanted = Vec::new();
        for g in only {
            wanted.push(self.group(g).await?.id);
        }
        wanted.sort();
        wanted.dedup();
        let scope = (!wanted.is_empty()).then(|| format!("sync:{}", wanted.join(",")));
        let (account, platform) = self.platform().await?;
        let mut writer = crate::ingest::Writer::start(self.store_required()?, now_ms);
        let key = scope.clone();
        let (since, account_chains) =
            self.on_store(move |s| Ok((s.sync_token_in(key.as_deref())?, s.account_chains()?))).await?;
        let mut following = self.following.lock().await;
        following.refresh(platform.as_ref(), &account.user_id).await?;
        let mut groups: Vec<String> = following.states.keys().cloned().collect();
        groups.sort();
        if !wanted.is_empty() {
            groups.retain(|g| wanted.contains(g));
        }
        let staff = following.staff(platform.as_ref()).await;
        let mut logs = following.logs.rooms(&[groups.as_slice(), &account_chains].concat());
        // A room is followed as a group or as a case log, never both (its messages would be lost).
        logs.retain(|room| !following.states.contains_key(room));
        let mut report = SyncReport { groups: groups.len() as u32, first: since.is_none(), ..SyncReport::default() };
        let batch = match platform.sync(since.as_deref(), &groups, &logs, timeout_ms).await {
            Ok(b) => b,
            Err(e) if since.is_some() && token_refused(&e) => {
                tracing::warn!(code = e.code.as_str(), "the server refused the sync token: starting afresh");
                let key = scope.clone();
                self.on_store(move |s| s.reset_sync_token_in(key.as_deref())).await?;
                report.first = true;
                platform.sync(None, &groups, &logs, timeout_ms).await?
            }
            Err(e) => return Err(e),
        };
        self.set_online();

        let batch_next = batch.next.clone();
        let mut round = Ingest { scope, ..Ingest::default() };
        let detector = crate::messages::detector().await?;
        let words = ReportWords::default();
        let mut sorter = Sorter::new(&detector, &words, &account.user_id);
        let mut stale = false;
        let (mut changed, mut moved): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        let news = batch.log_rooms;
        let mut progress = SyncProgress { groups: batch.groups.len() as u32, done: 0, first: report.first };
        for g in batch.groups {
            self.progress.send_replace(progress);
            progress.done += 1;
            stale |= g.state_changed;
            if !following.states.contains_key(&g.group_id) {
                continue; // Not (or no longer) a group I manage.
            }
            if g.state_changed {
                changed.push(g.group_id.clone());
            }
            if g.standing_changed {
                moved.push(g.group_id.clone());
            }
            if g.encrypted_events > 0 {
                report.encrypted_groups.push(g.group_id.clone());
            }
            report.skipped += g.skipped;
            let id = g.group_id.clone();
            let events = self.with_gap_filled(platform.as_ref(), g, &mut report).await?;
            let state = following.states.get(&id).cloned();
            let stream = following.streams.entry(id.clone()).or_insert_with(|| Stream::new(detector.rules()));
            sorter.sort(&id, events, state.as_ref(), stream, &mut round);
            // A big round is written group by group while the next groups are read and checked.
            if round.messages.len() >= CHUNK_MESSAGES {
                let part = Ingest { scope: round.scope.clone(), ..Ingest::default() };
                writer.submit(std::mem::replace(&mut round, part)).await?;
            }
        }
        self.progress.send_replace(progress);
        // Reports made to the platform, for a server admin: into the same items.
        if staff {
            match self.platform_reports(&groups).await {
                Ok(reports) => round.reports.extend(reports),
                Err(e) => {
                    tracing::warn!(code = e.code.as_str(), "platform reports not read this round");
                    following.staff = None;
                }
            }
        }
        // A change of members or power is read at the start of the next round.
        following.fresh = !stale;
        drop(following);

        // The round's last part carries its token: written only after every part before it.
        round.token = Some(batch_next);
        writer.submit(round).await?;
        let mut written = qunguan_store::Ingested::default();
        for part in writer.finish().await?.rounds {
            written.absorb(part);
        }
        // The search index catches up now, outside the round's transactions.
        self.catch_up_index().await;
        // Mine to the other admins; their decisions (dismissals, removals) close items here
        // too, and their claims show who holds what: from the rooms with news only.
        if let Err(e) = self.share_mine().await {
            tracing::warn!(code = e.code.as_str(), "my cases not shared this round");
        }
        if let Err(e) = self.read_log_rooms(&platform, &account.user_id, &groups, &news, &moved).await {
            tracing::warn!(code = e.code.as_str(), "the other admins' cases and claims not read this round");
        }
        // Who is in a group and at which level changed: the cached lists the app and `qg`
        // show offline are read again (the list of groups too: a name or my role may differ).
        if stale {
            if let Err(e) = self.groups().await {
                tracing::debug!(code = e.code.as_str(), "group list not refreshed this round");
            }
            for group in &changed {
                if let Err(e) = self.members(group).await {
                    tracing::debug!(code = e.code.as_str(), %group, "members not refreshed this round");
                }
            }
        }
        report.new_messages = written.new_messages;
        report.new_items = written.new_items;
        report.raised_items = written.raised_items;
        tracing::debug!(
            groups = report.groups,
            new_messages = report.new_messages,
            new_items = report.new_items.len(),
            skipped = report.skipped,
            "sync round"
        );
        Ok(report)
    }

    /// A group's events with the gap before them filled (when the feed left one).
    async fn with_gap_filled(
        &self,
        platform: &dyn qunguan_core::platform::Platform,
        g: GroupBatch,
        report: &mut SyncReport,
    ) -> Result<Vec<TimelineEvent>> {
        let (Some(mut from), true) = (g.gap.clone(), g.limited) else { return Ok(g.events) };
        let mut earlier: Vec<TimelineEvent> = Vec::new();
        let seen: HashSet<String> = g.events.iter().map(|e| e.event_id().to_owned()).collect();
        for _ in 0..MAX_BACKFILL_PAGES {
            let page = platform.backfill(&g.group_id, &from, BACKFILL_PAGE).await?;
            report.skipped += page.skipped;
            let ids: Vec<(String, String)> =
                page.events.iter().map(|e| (g.group_id.clone(), e.event_id().to_owned())).collect();
            let known = self
                .on_store(move |s| ids.iter().map(|(g, e)| s.has_message(g, e)).collect::<Result<Vec<bool>>>())
                .await?;
            let reached = known.iter().any(|k| *k);
            let fresh: Vec<TimelineEvent> = page
                .events
                .into_iter()
                .zip(known)
                .filter(|(e, k)| !k && !seen.contains(e.event_id()))
                .map(|(e, _)| e)
                .collect();
            report.backfilled += fresh.len() as u32;
            earlier.splice(0..0, fresh);
            match page.earlier {
                Some(next) if !reached => from = next,
                _ => break,
            }
        }
        earlier.extend(g.events);
        Ok(earlier)
    }
}

impl Engine {
    /// How far the current (or last) sync round is: a progress line watches this.
    pub fn sync_progress(&self) -> tokio::sync::watch::Receiver<SyncProgress> {
        self.progress.subscribe()
    }

    /// The states of the groups followed, as the last round read them (empty before one).
    pub(crate) async fn followed_states(&self) -> HashMap<String, GroupState> {
        self.following.lock().await.states.clone()
    }

    /// Forgets the followed groups' states: the next round reads them again (after a setting
    /// of a group changed here).
    pub(crate) async fn forget_group_states(&self) {
        self.following.lock().await.fresh = false;
    }
}
