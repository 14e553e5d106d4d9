use qunguan_core::{Capability, ErrorCode, Group, Member, Membership, Role, Secret, Tier};

use super::*;

/// A stored text message.
pub(crate) fn snapshot(event: &str, sender: &str, ts: i64, body: &str) -> qunguan_core::action::MessageSnapshot {
    qunguan_core::action::MessageSnapshot {
        event_id: event.into(),
        sender: sender.into(),
        ts,
        kind: "m.room.message".into(),
        body: Some(body.into()),
        redacted: false,
        redacted_by: None,
        case_id: None,
        reply_to: None,
    }
}

pub(super) fn key(c: char) -> Secret {
    Secret::new(c.to_string().repeat(64))
}

fn group(id: &str) -> Group {
    Group {
        id: id.into(),
        name: "技术交流群".into(),
        alias: None,
        members: 3,
        role: Role::Owner,
        power: None,
        tier: Tier::Small,
        can: vec![Capability::Ban],
        encrypted: false,
        rules: None,
    }
}

fn member(i: usize) -> Member {
    Member {
        user_id: format!("@u{i}:hs"),
        display_name: Some(format!("用户{i}")),
        role: Role::Member,
        power: Some(0),
        membership: Membership::Join,
        joined_at: None,
        muted_until: None,
        credit: None,
        muted: false,
    }
}

#[test]
fn round_trips_groups_and_members_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CACHE_FILE);
    let mut s = Store::open(&path, &key('a')).unwrap();
    assert_eq!(s.groups().unwrap(), None, "never fetched");
    s.put_groups(&[group("!b"), group("!a")], 7).unwrap();
    let members: Vec<Member> = (0..1000).map(member).collect();
    s.put_members("!b", &members, 9).unwrap();
    drop(s);

    let s = Store::open(&path, &key('a')).unwrap();
    let g = s.groups().unwrap().unwrap();
    assert_eq!(g.value.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(), ["!b", "!a"], "order kept");
    assert_eq!(g.fetched_at_ms, 7, "the fetch time should be kept with the groups");
    let m = s.members("!b").unwrap().unwrap();
    assert_eq!(m.value, members);
    assert_eq!(s.members("!a").unwrap(), None, "members of a group never fetched should be none, not empty");
}

#[test]
fn message_pages_replace_each_other_per_group() {
    use qunguan_core::action::MessageSnapshot;
    let msg = |i: i64| MessageSnapshot {
        event_id: format!("$e{i}"),
        sender: "@u:hs".into(),
        ts: i,
        kind: "m.room.message".into(),
        body: Some(format!("消息 {i}")),
        redacted: i % 2 == 0,
        redacted_by: None,
        case_id: None,
        reply_to: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join(CACHE_FILE), &key('a')).unwrap();
    assert_eq!(s.messages("!g").unwrap(), None, "never fetched");
    s.put_messages("!g", &(0..5).map(msg).collect::<Vec<_>>(), 3).unwrap();
    s.put_messages("!h", &[msg(9)], 4).unwrap();
    let newer: Vec<_> = (3..6).map(msg).collect();
    s.put_messages("!g", &newer, 8).unwrap();
    let page = s.messages("!g").unwrap().unwrap();
    assert_eq!((page.value, page.fetched_at_ms), (newer, 8), "the newer page replaced the older, in order");
    assert_eq!(s.messages("!h").unwrap().unwrap().value, [msg(9)], "other groups untouched");
    s.put_messages("!g", &[], 9).unwrap();
    assert_eq!(s.messages("!g").unwrap(), None, "an empty page leaves nothing to serve");
}

#[test]
fn an_empty_group_list_is_still_a_fetched_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join(CACHE_FILE), &key('a')).unwrap();
    s.put_groups(&[], 5).unwrap();
    s.mark_groups_fetched(5).unwrap();
    assert_eq!(
        s.groups().unwrap(),
        Some(Cached { value: vec![], fetched_at_ms: 5 }),
        "an empty list fetched should be a fetched list, not none"
    );
}

#[test]
fn the_file_is_encrypted_and_a_wrong_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CACHE_FILE);
    let mut s = Store::open(&path, &key('a')).unwrap();
    s.put_groups(&[group("!secret-room-id")], 1).unwrap();
    s.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    drop(s);
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"), "no plaintext SQLite header");
    let needle = "secret-room-id".as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle), "no plaintext content on disk");
    let e = Store::open(&path, &key('b')).err().expect("wrong key refused");
    assert_eq!(e.code, ErrorCode::Store, "a wrong key should be a store error");
    assert!(e.message.contains("wrong key"), "{}", e.message);
}

#[test]
fn malformed_keys_are_refused_before_touching_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63)] {
        let e = Store::open(&dir.path().join("x.db"), &Secret::new(bad)).err().expect("refused");
        assert!(e.message.contains("64 hexadecimal"), "{bad:?}: {}", e.message);
    }
    assert!(!dir.path().join("x.db").exists(), "a malformed key should be refused before a file is made");
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CACHE_FILE);
    let s = Store::open(&path, &key('a')).unwrap();
    s.conn.pragma_update(None, "user_version", 99).unwrap();
    drop(s);
    let e = Store::open(&path, &key('a')).err().expect("refused");
    assert!(e.message.contains("newer Qunguan"), "{}", e.message);
}

mod case_log {
    use qunguan_core::case::{BreakKind, CASE_FORMAT, CaseRecord, verify};

    use super::key;
    use crate::{CACHE_FILE, CaseFilter, EvidenceRow, OutboxEntry, OutboxStatus, Store};

    fn decision(n: usize, group: &str) -> CaseRecord {
        CaseRecord {
            v: CASE_FORMAT,
            case_id: format!("c{n}"),
            kind: qunguan_core::case::RecordKind::Decision,
            group: group.into(),
            actor: "@admin:hs".into(),
            target: Some(format!("@u{n}:hs")),
            action: "kick".into(),
            reason: "广告".into(),
            rule: None,
            evidence_hash: None,
            created_at: format!("2026-11-23T10:00:{n:02}Z"),
            detail: Default::default(),
        }
    }

    fn outbox(n: usize) -> OutboxEntry {
        OutboxEntry {
            case_id: format!("c{n}"),
            action: "kick".into(),
            payload: "{}".into(),
            group_id: "!g".into(),
            target: Some(format!("@u{n}:hs")),
            txn_id: format!("txn{n}"),
            status: OutboxStatus::Queued,
            attempts: 0,
            next_attempt_at_ms: 0,
            last_error: None,
            error: None,
        }
    }

    fn outcome(n: usize, status: &str) -> CaseRecord {
        let mut r = decision(n, "!g");
        r.kind = qunguan_core::case::RecordKind::Outcome;
        r.detail.insert("status".into(), status.into());
        r
    }

    fn filled() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join(CACHE_FILE), &key('a')).unwrap();
        for n in 0..4 {
            s.record_decision(decision(n, "!g"), Some(&outbox(n)), None).unwrap();
        }
        s.record_decision(decision(9, "!other"), None, None).unwrap();
        s.record_outcome(outcome(1, "done"), OutboxStatus::Done, None, None).unwrap();
        (dir, s)
    }

    fn verify_group(s: &Store, group: &str) -> Result<(), qunguan_core::case::Break> {
        let head = s.chain_heads().unwrap().into_iter().find(|(g, _)| g == group).map(|(_, h)| h);
        verify(&s.chain(group).unwrap(), head.as_deref())
    }

    #[test]
    fn an_outbox_error_is_kept_as_data_with_its_words() {
        use qunguan_core::ErrorCode;
        use qunguan_core::action::OutboxError;
        let (_dir, mut s) = filled();
        let busy = OutboxError::Busy { code: ErrorCode::Platform, message: "HTTP 503: try later".into() };
        s.outbox_retry_later("c2", 5_000, &busy).unwrap();
        let e = s.outbox_entry("c2").unwrap().unwrap();
        assert_eq!(
            (e.error.as_ref(), e.last_error.as_deref(), e.attempts),
            (Some(&busy), Some("HTTP 503: try later"), 1)
        );

        let rejected = OutboxError::Rejected { code: ErrorCode::InvalidInput, message: "M_BAD_JSON".into() };
        s.record_outcome(outcome(2, "failed"), OutboxStatus::Failed, Some("failed: M_BAD_JSON"), Some(&rejected))
            .unwrap();
        let e = s.outbox_entry("c2").unwrap().unwrap();
        assert_eq!(e.error, Some(rejected), "the failure replaces the transient error");
        assert_eq!(
            e.last_error.as_deref(),
            Some("failed: M_BAD_JSON"),
            "the failure's words should be kept as the last error"
        );

        // A kind this build does not know (a newer console's) is shown by its words only.
        s.tamper(r#"UPDATE outbox SET error = '{"kind":"quarantined","message":"x"}' WHERE case_id = 'c3'"#).unwrap();
        assert_eq!(s.outbox_entry("c3").unwrap().unwrap().error, None, "an unknown kind does not fail the read");
    }

    #[test]
    fn decisions_outcomes_and_outbox_move_together() {
        let (_dir, s) = filled();
        assert_eq!(verify_group(&s, "!g"), Ok(()), "the group's chain should verify");
        assert_eq!(verify_group(&s, "!other"), Ok(()), "one chain per group");
        let cases = s.cases(&CaseFilter::default()).unwrap();
        assert_eq!(cases.len(), 5, "every decision of both groups should be listed as a case");
        let c1 = cases.iter().find(|c| c.decision.record.case_id == "c1").unwrap();
        assert_eq!(c1.status, OutboxStatus::Done, "the case with an outcome should be done");
        assert_eq!(
            s.outbox_entry("c1").unwrap().unwrap().status,
            OutboxStatus::Done,
            "the outbox entry should be settled with its outcome"
        );
        let due: Vec<String> = s.outbox_due(0).unwrap().into_iter().map(|e| e.case_id).collect();
        assert_eq!(due, ["c0", "c2", "c3"], "settled entries are not due");
        let filtered = s.cases(&CaseFilter { target: Some("@u2:hs".into()), ..Default::default() }).unwrap();
        assert_eq!(filtered.len(), 1, "the target filter should keep the one case on that member");
        assert_eq!(filtered[0].status, OutboxStatus::Queued, "a case without an outcome should still be queued");
    }

    #[test]
    fn an_outcome_with_an_unknown_status_is_listed_as_failed_naming_the_word() {
        let (_dir, mut s) = filled();
        let mut odd = outcome(2, "exploded");
        odd.detail.insert("detail".into(), "by another client".into());
        s.record_outcome(odd, OutboxStatus::Failed, None, None).unwrap();
        let cases = s.cases(&CaseFilter::default()).unwrap();
        let c2 = cases.iter().find(|c| c.decision.record.case_id == "c2").unwrap();
        assert_eq!(c2.status, OutboxStatus::Failed, "a word that is not a status should not pass as one");
        assert_eq!(
            c2.status_detail.as_deref(),
            Some(r#"unknown outcome status "exploded": by another client"#),
            "the detail should name the unknown word and keep the record's own detail"
        );
        let c1 = cases.iter().find(|c| c.decision.record.case_id == "c1").unwrap();
        assert_eq!(c1.status, OutboxStatus::Done, "the other cases are listed as before");
    }

    #[test]
    fn a_failed_transaction_leaves_neither_case_nor_outbox() {
        let (_dir, mut s) = filled();
        let before = s.chain("!g").unwrap().len();
        // The same case ID twice in the outbox violates its primary key: the whole decision rolls back.
        let e = s.record_decision(decision(7, "!g"), Some(&outbox(0)), None).unwrap_err();
        assert_eq!(e.code, qunguan_core::ErrorCode::Store, "a decision that cannot be written should be a store error");
        assert_eq!(s.chain("!g").unwrap().len(), before, "no half-written case");
        assert_eq!(verify_group(&s, "!g"), Ok(()), "the head did not move either");
    }

    #[test]
    fn evidence_is_kept_with_its_decision() {
        let (_dir, mut s) = filled();
        let ev = EvidenceRow { json: r#"{"event":"x"}"#, sha256: "ab", captured_at_ms: 1 };
        s.record_decision(decision(5, "!g"), None, Some(ev)).unwrap();
        assert_eq!(
            s.evidence("c5").unwrap(),
            Some((r#"{"event":"x"}"#.into(), "ab".into())),
            "the evidence should be kept with its hash"
        );
    }

    #[test]
    fn tampering_with_stored_cases_is_caught() {
        let table = [
            ("UPDATE case_log SET record = replace(record, '广告', '无事') WHERE case_id = 'c2'", BreakKind::Edited),
            ("DELETE FROM case_log WHERE case_id = 'c1' AND kind = 'decision'", BreakKind::Unlinked),
            (
                "UPDATE case_log SET seq = seq + 1000 WHERE case_id = 'c0'; UPDATE case_log SET seq = 1 WHERE case_id = 'c3'",
                BreakKind::Unlinked,
            ),
            (
                "DELETE FROM case_log WHERE seq = (SELECT max(seq) FROM case_log WHERE group_id = '!g')",
                BreakKind::Truncated,
            ),
            ("UPDATE case_log SET record = 'garbage' WHERE case_id = 'c3'", BreakKind::Edited),
        ];
        for (sql, kind) in table {
            let (_dir, s) = filled();
            s.tamper(sql).unwrap();
            let broken = verify_group(&s, "!g").expect_err(sql);
            assert_eq!(broken.kind, kind, "{sql}: {broken:?}");
            assert_eq!(verify_group(&s, "!other"), Ok(()), "other chains unaffected");
        }
    }
}
