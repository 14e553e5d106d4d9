//! Which case-log rooms a sync round reads: the moderation rooms of the groups followed and my
//! account log room ride in the round's `/sync`, and only those with news are read.
//!
//! ## Design
//! - The feed's events are a signal, never the data: a room with news is read the trusted way
//!   ([`crate::shared`]: from its own cursor, each record kept only when posted by its actor and
//!   judged by the power its sender had then; [`Engine::keep_claims`]: a claim counts only when
//!   its sender is the holder it names and manages the group), exactly as before.
//! - Read whatever the feed says: every chain once per process (what came while no console
//!   ran, or while its last read failed, is read then from its cursor), a chain whose room was
//!   just found (learned, or moved), and a group whose standing changed (new power levels:
//!   its claims are judged again; a new pointer).
//! - A group's room is found (its pointer judged, [`crate::shared`]) once per process, when its
//!   standing changed, and after a read of it failed (I left it, it is gone): its room is then
//!   read again from its cursor.
//! - No gap between the feed and the reads: a room enters the feed after a read from its
//!   cursor that began after the round's token was given, so whatever came later arrives in
//!   the next round (a read that overlaps the feed reads nothing twice: imports are idempotent).
//! - So an idle round costs its `/sync` alone, and a round with news in k rooms a few requests
//!   for each of those k (and an unposted record of mine, the posting).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use qunguan_core::platform::Platform;
use qunguan_core::{GroupState, Result};

use crate::Engine;

/// What the engine knows of the case-log rooms between rounds (this process only).
#[derive(Debug, Default)]
pub(crate) struct Logs {
    /// Each chain's room as last found (`None`: none I can use).
    found: HashMap<String, Option<String>>,
    /// The room each chain was last read in.
    read: HashMap<String, String>,
}

impl Logs {
    /// The rooms of `chains` found so far: the round's `/sync` follows them too.
    pub(crate) fn rooms(&self, chains: &[String]) -> Vec<String> {
        let rooms: BTreeSet<&String> = chains.iter().filter_map(|c| self.found.get(c)?.as_ref()).collect();
        rooms.into_iter().cloned().collect()
    }

    /// Of `chains`, those whose room is to be found before reading: not found yet, or whose
    /// standing changed (`moved`).
    pub(crate) fn to_find(&self, chains: &[String], moved: &[String]) -> Vec<String> {
        chains.iter().filter(|c| !self.found.contains_key(*c) || moved.contains(c)).cloned().collect()
    }

    /// Keeps where `chain`'s log is, as just found.
    pub(crate) fn found(&mut self, chain: &str, room: Option<String>) {
        self.found.insert(chain.to_owned(), room);
    }

    /// Of `chains`, those to read this round, with their rooms: never read (or in another room),
    /// whose room had news, or whose standing changed (`moved`).
    pub(crate) fn to_read(&self, chains: &[String], news: &[String], moved: &[String]) -> Vec<(String, String)> {
        chains
            .iter()
            .filter_map(|c| {
                let room = self.found.get(c)?.as_ref()?;
                let due = self.read.get(c) != Some(room) || news.contains(room) || moved.contains(c);
                due.then(|| (c.clone(), room.clone()))
            })
            .collect()
    }

    /// `chain` was read in `room` up to its end.
    pub(crate) fn read_ok(&mut self, chain: &str, room: &str) {
        self.read.insert(chain.to_owned(), room.to_owned());
    }

    /// A read of `chain` failed: its room is found again, and read from its cursor, next round.
    pub(crate) fn read_failed(&mut self, chain: &str) {
        self.found.remove(chain);
        self.read.remove(chain);
    }
}

impl Engine {
    /// After a round: reads the case-log rooms of `groups` (the other admins' records and
    /// claims) and of my account chains (my anchors) that the round calls for (see the module
    /// docs); `news`: the rooms the feed brought news from, `moved`: the groups whose standing
    /// changed. A read that fails is logged and tried again next round.
    pub(crate) async fn read_log_rooms(
        &self,
        platform: &Arc<dyn Platform>,
        me: &str,
        groups: &[String],
        news: &[String],
        moved: &[String],
    ) -> Result<()> {
        // My account chains too (a record just posted may have started one).
        let account = self.on_store(|s| s.account_chains()).await?;
        let chains = [groups, &account].concat();
        let find = self.following.lock().await.logs.to_find(&chains, moved);
        for chain in find {
            match self.case_log_room(platform, &chain, false).await {
                Ok(room) => self.following.lock().await.logs.found(&chain, room),
                Err(e) => log_failure(&e, &chain, "case-log room not found this round"),
            }
        }
        let reads = self.following.lock().await.logs.to_read(&chains, news, moved);
        for (chain, room) in reads {
            let read = match groups.contains(&chain) {
                true => self.read_group_log(platform.as_ref(), me, &chain, &room, moved.contains(&chain)).await,
                false => self.anchor_log(platform.as_ref(), me, &chain, &room).await,
            };
            let mut following = self.following.lock().await;
            match read {
                Ok(()) => following.logs.read_ok(&chain, &room),
                Err(e) => {
                    log_failure(&e, &chain, "case-log room not read this round");
                    following.logs.read_failed(&chain);
                }
            }
        }
        Ok(())
    }

    /// Imports a group's records from its moderation room and judges its claims, by the
    /// group's power levels as followed (read anew when they changed in this round).
    async fn read_group_log(
        &self,
        platform: &dyn Platform,
        me: &str,
        group: &str,
        room: &str,
        moved: bool,
    ) -> Result<()> {
        self.import_log(platform, me, group, room).await?;
        let followed: Option<GroupState> = self.following.lock().await.states.get(group).cloned();
        let state = match followed.filter(|_| !moved) {
            Some(state) => state,
            None => platform.group(group).await?,
        };
        self.keep_claims(platform, group, room, &state).await
    }
}

/// A failed find or read: debug when the server is away or refuses for now, else a warning.
fn log_failure(e: &qunguan_core::ApiError, chain: &str, what: &str) {
    match crate::shared::is_deferred(e) {
        true => tracing::debug!(code = e.code.as_str(), %chain, "{what}"),
        false => tracing::warn!(code = e.code.as_str(), %chain, "{what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn find(logs: &mut Logs, found: &[(&str, Option<&str>)]) {
        for (chain, room) in found {
            logs.found(chain, room.map(str::to_owned));
        }
    }

    #[test]
    fn the_first_round_finds_and_reads_every_room_then_only_news_is_read() {
        let chains = v(&["!a", "!b", "!c", "reports"]);
        let none: Vec<String> = Vec::new();
        let mut logs = Logs::default();
        assert_eq!(logs.to_find(&chains, &none), chains, "every chain's room is found once per process");
        assert!(logs.rooms(&chains).is_empty(), "the first feed follows the groups only");
        find(&mut logs, &[("!a", Some("!ma")), ("!b", Some("!mb")), ("!c", None), ("reports", Some("!log"))]);
        let reads = logs.to_read(&chains, &none, &none);
        assert_eq!(reads.len(), 3, "every room read once, in full from its cursor (a group without one: none)");
        for (c, r) in &reads {
            logs.read_ok(c, r);
        }
        assert_eq!(logs.rooms(&chains), v(&["!log", "!ma", "!mb"]), "then they ride in the feed");
        assert!(logs.to_find(&chains, &none).is_empty(), "found: not judged again");
        assert!(logs.to_read(&chains, &none, &none).is_empty(), "an idle round reads nothing");
        assert_eq!(logs.to_read(&chains, &v(&["!mb"]), &none), [("!b".into(), "!mb".into())], "news: that room only");
    }

    #[test]
    fn a_changed_standing_finds_the_room_again_and_judges_its_claims_again() {
        let chains = v(&["!a", "!b"]);
        let none: Vec<String> = Vec::new();
        let mut logs = Logs::default();
        find(&mut logs, &[("!a", Some("!ma")), ("!b", None)]);
        logs.read_ok("!a", "!ma");
        let moved = v(&["!a", "!b"]);
        assert_eq!(logs.to_find(&chains, &moved), moved, "new levels or a new pointer: the pointer is judged again");
        assert_eq!(logs.to_read(&chains, &none, &moved), [("!a".into(), "!ma".into())], "and the claims again");
        // Another admin made !b's moderation room: found now, read from the start.
        find(&mut logs, &[("!b", Some("!mb"))]);
        assert_eq!(logs.to_read(&chains, &none, &none), [("!b".into(), "!mb".into())], "a room just learned is read");
        // !a now points elsewhere (trusted): the new room is read, not the old one's news.
        find(&mut logs, &[("!a", Some("!ma2"))]);
        logs.read_ok("!b", "!mb");
        assert_eq!(logs.to_read(&chains, &none, &none), [("!a".into(), "!ma2".into())]);
    }

    #[test]
    fn a_failed_read_is_found_and_read_again_next_round() {
        let chains = v(&["!a"]);
        let none: Vec<String> = Vec::new();
        let mut logs = Logs::default();
        find(&mut logs, &[("!a", Some("!ma"))]);
        logs.read_ok("!a", "!ma");
        logs.read_failed("!a");
        assert_eq!(logs.to_find(&chains, &none), chains, "found again (I may have left it)");
        assert!(logs.rooms(&chains).is_empty(), "and out of the feed until then");
        find(&mut logs, &[("!a", Some("!ma"))]);
        assert_eq!(logs.to_read(&chains, &none, &none), [("!a".into(), "!ma".into())], "read again from its cursor");
    }
}
