//! Personal data and secrets: reveals offline, the cache key, recent reasons.

use super::*;

fn leak() -> MessageSnapshot {
    MessageSnapshot {
        event_id: "$leak".into(),
        sender: "@zed:hs".into(),
        ts: 60_000,
        kind: "m.room.message".into(),
        body: Some("身份证 11010519491231002X".into()),
        redacted: false,
        redacted_by: None,
        case_id: None,
        reply_to: None,
    }
}

#[tokio::test]
async fn offline_reveal_checks_my_cached_power() {
    let home = tempfile::tempdir().unwrap();
    let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
    e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    *fake.messages.lock().unwrap() = vec![leak()];
    e.messages("!b-admin", Some(10)).await.unwrap();

    // As an admin (cached), a reveal offline is recorded, queued and shown.
    fake.offline.store(true, Ordering::SeqCst);
    let r = e.reveal("!b-admin", "$leak", "checking a leaked ID").await.unwrap();
    let shown: String = r.message.segments.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(shown, "身份证 11010519491231002X", "my cached power allows it");

    // Demoted to a plain member; the console saw it online, then the server went away.
    fake.offline.store(false, Ordering::SeqCst);
    fake.demoted.store(true, Ordering::SeqCst);
    assert!(e.groups().await.unwrap().iter().all(|g| g.id != "!b-admin"), "no longer a group I manage");
    fake.offline.store(true, Ordering::SeqCst);
    let err = e.reveal("!b-admin", "$leak", "just curious").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "a member is refused a reveal offline: {err:?}");
    assert!(!err.message.contains("19491231"), "the refusal shows no personal data: {}", err.message);

    // The same after a live read of the page told the console (qg messages, then offline).
    let home2 = tempfile::tempdir().unwrap();
    let (e2, fake2) = engine(home2.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
    e2.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    *fake2.messages.lock().unwrap() = vec![leak()];
    e2.messages("!b-admin", Some(10)).await.unwrap();
    fake2.demoted.store(true, Ordering::SeqCst);
    assert_eq!(
        e2.messages("!b-admin", Some(10)).await.unwrap_err().code,
        ErrorCode::Forbidden,
        "a demoted admin should be forbidden the messages"
    );
    fake2.offline.store(true, Ordering::SeqCst);
    assert_eq!(
        e2.reveal("!b-admin", "$leak", "x").await.unwrap_err().code,
        ErrorCode::Forbidden,
        "a demoted admin should be forbidden a reveal, even offline"
    );

    fake.offline.store(false, Ordering::SeqCst);
    fake2.offline.store(false, Ordering::SeqCst);
    for (e, reason) in [(&e, "just curious"), (&e2, "x")] {
        let cases = e.cases(Some("!b-admin".into()), None, None).await.unwrap();
        let refused: Vec<_> = cases.iter().filter(|c| c.action == "reveal" && c.status == Status::Refused).collect();
        assert_eq!(refused.len(), 1, "the refused reveal is a case, like a refusal online: {cases:#?}");
        assert_eq!(refused[0].reason, reason);
    }
}

// Regression (b73ae29): a cache-key entry missing from the keyring beside an existing store made
// a new key (which cannot open that store) instead of a clear error naming the entry.
#[tokio::test]
async fn regression_a_missing_cache_key_entry_made_a_new_key_beside_an_existing_store() {
    let home = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let (e, _) = engine(home.path(), secrets.clone(), EnvOverride::default());
    let a = e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    e.groups().await.unwrap();
    drop(e);
    let store = crate::home::account_dir(home.path(), &a).unwrap().join(qunguan_store::CACHE_FILE);
    let before = std::fs::read(&store).expect("the store exists");
    let entry = format!("{}#cache-key", a.keyring_user());
    secrets.delete(&entry).unwrap();

    let (e, fake) = engine(home.path(), secrets.clone(), EnvOverride::default());
    let err = e.restore().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Store, "{err:?}");
    assert!(err.message.contains(&entry), "names the missing keyring entry: {}", err.message);
    assert!(err.message.contains("QG_CACHE_KEY"), "says what QG_CACHE_KEY is for: {}", err.message);
    assert!(err.message.contains("instead of the keyring"), "{}", err.message);
    let again = e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::Store, "signing in again makes no key either: {again:?}");
    assert_eq!(secrets.get(&entry).unwrap(), None, "no new key was put in the keyring");
    assert_eq!(std::fs::read(&store).unwrap(), before, "the store file is untouched");

    e.sign_out().await.expect("signing out works without the store");
    assert_eq!(fake.logouts.load(Ordering::SeqCst), 1, "the server session was ended");
    assert_eq!(secrets.get(&a.keyring_user()).unwrap(), None, "the token is gone from the keyring");
    assert_eq!(e.restore().await.unwrap(), None, "signed out");
    assert_eq!(std::fs::read(&store).unwrap(), before, "the store is kept for when the key is back");
}

#[tokio::test]
async fn recent_reasons_are_kept_per_account_newest_first_deduplicated_and_capped() {
    let home = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let (e, _) = engine(home.path(), secrets.clone(), EnvOverride::default());
    e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    assert!(e.recent_reasons().await.unwrap().is_empty(), "none yet");
    for r in ["刷屏", "广告", " 刷屏 ", "辱骂"] {
        e.remember_reason(r).await.unwrap();
    }
    assert_eq!(e.recent_reasons().await.unwrap(), ["辱骂", "刷屏", "广告"], "newest first, each once, trimmed");
    assert_eq!(
        e.remember_reason("  ").await.unwrap_err().code,
        ErrorCode::InvalidInput,
        "a blank reason should not be remembered"
    );
    for i in 0..10 {
        e.remember_reason(&format!("理由{i}")).await.unwrap();
    }
    let kept = e.recent_reasons().await.unwrap();
    assert_eq!(kept.len(), crate::reasons::RECENT_REASONS, "capped: {kept:?}");
    assert_eq!(kept[0], "理由9");
    assert!(!kept.contains(&"辱骂".to_owned()), "the oldest are dropped: {kept:?}");

    // In the encrypted store: a restart keeps them; another account has its own.
    let (restarted, _) = engine(home.path(), secrets.clone(), EnvOverride::default());
    restarted.restore().await.unwrap();
    assert_eq!(restarted.recent_reasons().await.unwrap(), kept, "kept across a restart");
    restarted.sign_out().await.unwrap();
    restarted.sign_in_password("hs.test", "@other:hs", &Secret::new(PASSWORD)).await.unwrap();
    assert!(restarted.recent_reasons().await.unwrap().is_empty(), "another account's reasons are its own");
}
