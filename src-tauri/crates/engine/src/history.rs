//! Each managed group's history back-filled into the encrypted store, page by page, to a
//! depth (default: the retention period for messages, so nothing is read only to be purged).
//!
//! ## Design
//! - A group's back-fill starts at its latest message (`/messages` backwards without a
//!   `from`) and pages back; what the live feed already stored is absorbed by the store's keys.
//!   Each page is written in one transaction with where the next one starts, so a crash or a
//!   lost network resumes from the last page written (`Store::ingest_history`).
//! - It ends at the depth (the oldest message of a page older than it: the older ones are not
//!   stored) or at the start of the room.
//! - History is for review and search: its messages are stored (with their edits and
//!   removals) but not queued. The queue is for what arrives, and for the gaps the live feed
//!   fills. A removal counts as in the live feed: by the message's sender, or by someone with the
//!   group's redact level; a message already removed when read keeps who removed it.
//! - Edits arrive before the messages they edit (pages go back in time): the store keeps them
//!   until their message is stored, then applies them, the latest last.
//! - `budget` pages per call over all groups, so the app and `qg serve` can take a little at a
//!   time between live rounds and never hold up following; `qg history` reads to the end.

use qunguan_core::report::ReportWords;
use qunguan_core::retention::DAY_MS;
use qunguan_core::sync::{GroupHistory, TimelineEvent};
use qunguan_core::time::rfc3339_from_millis;
use qunguan_core::{ApiError, Result};
use qunguan_detect::Stream;
use qunguan_store::{HistoryMark, Ingest};

use crate::Engine;
use crate::sync::{BACKFILL_PAGE, Sorter};

fn view(mark: &HistoryMark) -> GroupHistory {
    GroupHistory {
        group: mark.group_id.clone(),
        pages: mark.pages,
        messages: mark.messages,
        oldest: mark.oldest_ts.map(rfc3339_from_millis),
        done: mark.done,
    }
}

/// Pages a [`Engine::history_step`] reads at most: a little between two live rounds.
pub const STEP_PAGES: u32 = 5;

impl Engine {
    /// A little of every group's history ([`STEP_PAGES`]), between two live rounds of the app or
    /// `qg serve`; `None` when another back-fill is running. Where each group stands.
    pub async fn history_step(&self) -> Result<Option<Vec<GroupHistory>>> {
        let Ok(_one) = self.history.try_lock() else { return Ok(None) };
        self.backfill_unlocked(&[], None, STEP_PAGES, &|_| {}).await.map(Some)
    }

    /// Back-fills the history of `only` (room IDs or aliases of groups I manage; empty: all) to
    /// `days` back (`None`: the retention period for messages), reading at most `budget` pages
    /// in all; `progress` hears each group after each page. Where each group stands.
    pub async fn backfill_history(
        &self,
        only: &[String],
        days: Option<u32>,
        budget: u32,
        progress: &(dyn Fn(&GroupHistory) + Send + Sync),
    ) -> Result<Vec<GroupHistory>> {
        let _one = self.history.lock().await;
        self.backfill_unlocked(only, days, budget, progress).await
    }

    async fn backfill_unlocked(
        &self,
        only: &[String],
        days: Option<u32>,
        budget: u32,
        progress: &(dyn Fn(&GroupHistory) + Send + Sync),
    ) -> Result<Vec<GroupHistory>> {
        let days = match days {
            Some(0) => return Err(ApiError::invalid_input("--days must be at least 1")),
            Some(d) => d,
            None => self.retention()?.messages_days,
        };
        let (account, platform) = self.platform().await?;
        let mut groups: Vec<String> = Vec::new();
        // The groups followed, with their states, when a round has read them: nothing to ask.
        let followed = self.followed_states().await;
        if only.is_empty() && !followed.is_empty() {
            groups.extend(followed.keys().cloned());
        } else if only.is_empty() {
            groups.extend(self.groups().await?.into_iter().map(|g| g.id));
        } else {
            for g in only {
                groups.push(self.group(g).await?.id);
            }
        }
        groups.sort();
        groups.dedup();
        let cutoff = self.clock_ms()? - i64::from(days) * DAY_MS;
        let detector = crate::messages::detector().await?;
        let words = ReportWords::default();
        let mut left = budget;
        let mut out = Vec::new();
        for group in groups {
            let g = group.clone();
            let mut mark = self
                .on_store(move |s| s.history_mark(&g))
                .await?
                .unwrap_or(HistoryMark { group_id: group.clone(), ..HistoryMark::default() });
            // A deeper depth than the one that finished: read on from where it stopped.
            if mark.done && mark.oldest_ts.is_some_and(|t| t > cutoff) && mark.cursor.is_some() {
                mark.done = false;
            }
            if mark.done || left == 0 {
                out.push(view(&mark));
                continue;
            }
            let state = match followed.get(&group) {
                Some(s) => Some(s.clone()),
                None => platform.group(&group).await.ok(),
            };
            while !mark.done && left > 0 {
                left -= 1;
                let page = platform.backfill(&group, mark.cursor.as_deref().unwrap_or(""), BACKFILL_PAGE).await?;
                let oldest = page.events.iter().map(TimelineEvent::ts).min();
                let events: Vec<TimelineEvent> = page.events.into_iter().filter(|e| e.ts() >= cutoff).collect();
                let mut round = Ingest::default();
                // A flood stream of its own: history is not judged (see the module docs).
                let mut stream = Stream::new(detector.rules());
                Sorter::new(&detector, &words, &account.user_id).sort(
                    &group,
                    events,
                    state.as_ref(),
                    &mut stream,
                    &mut round,
                );
                let edits = std::mem::take(&mut round.edits);
                mark.pages += 1;
                mark.oldest_ts = oldest.map_or(mark.oldest_ts, |o| Some(mark.oldest_ts.map_or(o, |m| m.min(o))));
                mark.done = page.earlier.is_none() || oldest.is_none_or(|o| o < cutoff);
                mark.cursor = page.earlier;
                let (written, page_mark) = (round, mark.clone());
                let new = self.on_store(move |s| s.ingest_history(&written, &edits, &page_mark)).await?;
                mark.messages += new;
                progress(&view(&mark));
            }
            out.push(view(&mark));
        }
        Ok(out)
    }
}
