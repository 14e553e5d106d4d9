//! What a group's compliance and its managers' records read: when each manager last posted a
//! stored message, and the group's queue items with their latest claim (run out or not).

use std::collections::BTreeMap;

use qunguan_core::Result;
use qunguan_core::admin_record::ItemFact;
use qunguan_core::queue::ItemState;
use rusqlite::params;

use crate::{Store, store_err};

impl Store {
    /// The time (Unix ms) of each of `senders`' latest stored message in the group; a sender
    /// with none is absent. One pass over the timeline (no index reads it by sender: the
    /// ingest pays for every index, and this is read on demand).
    pub fn last_messages(&self, group_id: &str, senders: &[String]) -> Result<BTreeMap<String, i64>> {
        let err = |e| store_err("timeline read", e);
        if senders.is_empty() {
            return Ok(BTreeMap::new());
        }
        let list = serde_json::to_string(senders).map_err(|e| store_err("timeline read", e))?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT sender, max(ts) FROM timeline
                 WHERE group_id = ?1 AND sender IN (SELECT value FROM json_each(?2)) GROUP BY sender",
            )
            .map_err(err)?;
        let rows = stmt.query_map(params![group_id, list], |r| Ok((r.get(0)?, r.get(1)?))).map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)
    }

    /// Every queue item of the group, in any state, with its latest claim as the moderation
    /// room last said (a claim that ran out is kept: who let an item wait is on the record).
    /// An item's start is when it first needed a look — the message's time for a message the
    /// detector flagged, else its first report — never later than it entered this store (an
    /// item another admin's console saw first may enter this one after they decided it).
    pub fn item_facts(&self, group_id: &str) -> Result<Vec<ItemFact>> {
        let err = |e| store_err("queue read", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT q.id, min(
                     q.created_at,
                     coalesce(CASE WHEN q.auto_rank IS NOT NULL THEN (
                         SELECT t.ts FROM timeline t WHERE t.msg_key = qg_message_key(q.group_id, q.event_id)
                         AND t.group_id = q.group_id AND t.event_id = q.event_id) END, q.created_at),
                     coalesce((SELECT min(r.at) FROM queue_reports r WHERE r.item_id = q.id), q.created_at)
                 ) AS since, q.state, q.case_id, c.holder, c.until_ms
                 FROM queue_items q LEFT JOIN claims c ON c.item_id = q.id
                 WHERE q.group_id = ?1 ORDER BY since, q.id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([group_id], |r| {
                let state: String = r.get(2)?;
                let holder: Option<String> = r.get(4)?;
                let until: Option<i64> = r.get(5)?;
                Ok(ItemFact {
                    id: r.get(0)?,
                    since_ms: r.get(1)?,
                    // A state this build does not know reads as open: it still needs a look.
                    state: ItemState::from_word(&state).unwrap_or(ItemState::Open),
                    case_id: r.get(3)?,
                    claim: holder.zip(until),
                })
            })
            .map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use qunguan_core::action::MessageSnapshot;

    use crate::{Flagged, Ingest, Store};

    fn message(event: &str, sender: &str, ts: i64) -> MessageSnapshot {
        crate::tests::snapshot(event, sender, ts, "hi")
    }

    #[test]
    fn the_latest_message_of_each_manager_and_every_item_with_its_claim() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join(crate::CACHE_FILE), &crate::tests::key('a')).unwrap();
        let messages = vec![
            ("!g".to_string(), message("$1", "@a:hs", 10)),
            ("!g".to_string(), message("$2", "@a:hs", 30)),
            ("!g".to_string(), message("$3", "@b:hs", 20)),
            ("!h".to_string(), message("$4", "@b:hs", 99)),
        ];
        let flagged = ["$1", "$3"]
            .map(|e| Flagged {
                group_id: "!g".into(),
                event_id: e.into(),
                kind: "keyword".into(),
                category: None,
                flags: vec![],
            })
            .to_vec();
        s.ingest(&Ingest { messages, flagged, ..Ingest::default() }, 1_000).unwrap();
        let who = ["@a:hs", "@b:hs", "@c:hs"].map(str::to_owned);
        let last = s.last_messages("!g", &who).unwrap();
        assert_eq!(last, [("@a:hs".to_string(), 30), ("@b:hs".to_string(), 20)].into(), "per group, the latest");
        assert!(s.last_messages("!g", &[]).unwrap().is_empty());

        let one = qunguan_core::queue::item_id("!g", "$1");
        s.set_claims("!g", &[(one.clone(), "@a:hs".into(), 500)]).unwrap();
        let items = s.item_facts("!g").unwrap();
        assert_eq!(items.len(), 2, "{items:?}");
        let claimed = items.iter().find(|i| i.id == one).unwrap();
        assert_eq!(claimed.claim, Some(("@a:hs".to_string(), 500)), "a claim that ran out long ago is still known");
        assert_eq!(
            (claimed.since_ms, claimed.state),
            (10, qunguan_core::queue::ItemState::Open),
            "a flagged message's item starts with the message, before it entered this store (at 1,000)"
        );
        assert!(s.item_facts("!h").unwrap().is_empty(), "another group's items are not listed");
    }
}
