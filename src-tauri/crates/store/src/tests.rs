use qunguan_core::{Capability, ErrorCode, Group, Member, Membership, Role, Secret, Tier};

use super::*;

fn key(c: char) -> Secret {
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
    assert_eq!(g.fetched_at_ms, 7);
    let m = s.members("!b").unwrap().unwrap();
    assert_eq!(m.value, members);
    assert_eq!(s.members("!a").unwrap(), None);
}

#[test]
fn an_empty_group_list_is_still_a_fetched_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join(CACHE_FILE), &key('a')).unwrap();
    s.put_groups(&[], 5).unwrap();
    s.mark_groups_fetched(5).unwrap();
    assert_eq!(s.groups().unwrap(), Some(Cached { value: vec![], fetched_at_ms: 5 }));
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
    assert_eq!(e.code, ErrorCode::Store);
    assert!(e.message.contains("wrong key"), "{}", e.message);
}

#[test]
fn malformed_keys_are_refused_before_touching_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63)] {
        let e = Store::open(&dir.path().join("x.db"), &Secret::new(bad)).err().expect("refused");
        assert!(e.message.contains("64 hexadecimal"), "{bad:?}: {}", e.message);
    }
    assert!(!dir.path().join("x.db").exists());
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
