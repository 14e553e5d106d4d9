//! Engine behaviour against a fake platform (the end-to-end suite runs it on Synapse).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use qunguan_core::action::{Applied, MessageSnapshot, OpContext, PlatformOp};
use qunguan_core::platform::{CaseLogRoom, Connector, Platform, SharedEntry, SharedLog, SignedIn};
use qunguan_core::{
    Account, ApiError, ErrorCode, GroupState, MemberState, Membership, PowerLevels, PowerSnapshot, Result, Role,
    Secret, Status,
};

use crate::{Engine, EngineConfig, EnvOverride, MemorySecrets, SecretStore};

const PASSWORD: &str = "right";

#[derive(Default)]
struct Fake {
    logouts: AtomicUsize,
    offline: AtomicBool,
    applied: std::sync::Mutex<Vec<(String, PlatformOp, String)>>,
    messages: std::sync::Mutex<Vec<MessageSnapshot>>,
    /// The shared case log every group's moderation room holds.
    shared: std::sync::Mutex<Vec<SharedEntry>>,
    /// The chain heads the moderation room holds: `(admin, content)`.
    heads: std::sync::Mutex<Vec<(String, serde_json::Value)>>,
    /// Each read of it: (group, cursor given, records handed out).
    shared_reads: std::sync::Mutex<Vec<(String, Option<String>, usize)>>,
    /// I was demoted to a plain member of `!b-admin`.
    demoted: AtomicBool,
    /// `!b-admin` is locked: posting needs a moderator's level (`events_default` 50).
    locked: AtomicBool,
    /// What the platform answers to any operation on these members instead of carrying it out.
    failing: std::sync::Mutex<Vec<(String, ApiError)>>,
    /// The feed: the round each `since` token gives (`None`: the first round).
    feed: std::sync::Mutex<std::collections::HashMap<Option<String>, qunguan_core::sync::SyncBatch>>,
    /// Tokens the server no longer accepts.
    forgotten: std::sync::Mutex<Vec<String>>,
    /// What paging back from each token gives.
    history: std::sync::Mutex<std::collections::HashMap<String, qunguan_core::sync::Backfill>>,
    /// Each sync call's `since`.
    sync_calls: std::sync::Mutex<Vec<Option<String>>>,
    /// The moderation room's claims, latest per item.
    claims: std::sync::Mutex<Vec<qunguan_core::queue::Claim>>,
    /// Every call that would be a request to the server, by name, in order.
    calls: std::sync::Mutex<Vec<&'static str>>,
    /// The moderation room (records, heads, claims) as the feed last told of it.
    mod_told: std::sync::Mutex<String>,
    /// Each sync call's case-log rooms.
    sync_logs: std::sync::Mutex<Vec<Vec<String>>>,
}

/// The member an operation is about, if any.
fn op_user(op: &PlatformOp) -> Option<&str> {
    match op {
        PlatformOp::SetUserPower { user, .. }
        | PlatformOp::Kick { user, .. }
        | PlatformOp::Ban { user, .. }
        | PlatformOp::Unban { user, .. } => Some(user),
        _ => None,
    }
}

impl Fake {
    fn call(&self, what: &'static str) {
        self.calls.lock().unwrap().push(what);
    }

    /// The calls made since the last time asked.
    fn take_calls(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    /// Whether the moderation room changed since the feed last told of it (then it tells now).
    fn mod_news(&self) -> bool {
        let now = format!(
            "{:?}{:?}{:?}",
            self.shared.lock().unwrap(),
            self.heads.lock().unwrap(),
            self.claims.lock().unwrap()
        );
        let mut told = self.mod_told.lock().unwrap();
        let news = *told != now;
        *told = now;
        news
    }

    fn reachable(&self) -> Result<()> {
        if self.offline.load(Ordering::SeqCst) {
            return Err(ApiError::new(ErrorCode::HomeserverUnreachable, "could not connect"));
        }
        Ok(())
    }
}

struct FakePlatform {
    account: Account,
    fake: Arc<Fake>,
}

fn account(user: &str) -> Account {
    Account { homeserver: "http://hs.test".into(), user_id: user.into(), device_id: Some("DEV".into()) }
}

pub(crate) fn room(id: &str, users: &[(&str, i64)]) -> GroupState {
    GroupState {
        id: id.into(),
        name: Some(id.trim_start_matches('!').into()),
        alias: None,
        joined_members: 3,
        encrypted: false,
        is_direct: false,
        console_room: false,
        power: PowerSnapshot {
            creators: vec!["@owner:hs".into()],
            creators_outrank: true,
            levels: PowerLevels {
                users: users.iter().map(|(u, l)| (u.to_string(), *l)).collect(),
                events: [("m.room.power_levels".into(), 100)].into(),
                ..PowerLevels::default()
            },
        },
        report_words: None,
        rules: None,
        joined_managers: Vec::new(),
        credit_policy: None,
    }
}

#[async_trait]
impl Platform for FakePlatform {
    fn account(&self) -> &Account {
        &self.account
    }
    async fn whoami(&self) -> Result<String> {
        Ok(self.account.user_id.clone())
    }
    async fn joined_groups(&self) -> Result<Vec<GroupState>> {
        self.fake.call("joined_groups");
        self.fake.reachable()?;
        let mine = if self.fake.demoted.load(Ordering::SeqCst) { 0 } else { 100 };
        let mut managed = room("!b-admin", &[("@me:hs", mine)]);
        if self.fake.locked.load(Ordering::SeqCst) {
            managed.power.levels.events_default = 50;
        }
        Ok(vec![managed, room("!a-member", &[]), room("!c-mod", &[("@me:hs", 50)])])
    }
    async fn group(&self, id: &str) -> Result<GroupState> {
        self.fake.call("group");
        self.fake.reachable()?;
        self.joined_groups().await?.into_iter().find(|g| g.id == id).ok_or(ApiError::new(ErrorCode::NotFound, id))
    }
    async fn members(&self, _: &str) -> Result<Vec<MemberState>> {
        Ok(["@zed:hs", "@owner:hs", "@me:hs"]
            .map(|u| MemberState {
                user_id: u.into(),
                display_name: None,
                membership: Membership::Join,
                since_ms: Some(0),
            })
            .to_vec())
    }
    async fn logout(&self) -> Result<()> {
        self.fake.logouts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn apply(&self, group: &str, op: &PlatformOp, ctx: &OpContext) -> Result<Applied> {
        self.fake.reachable()?;
        let failing = self.fake.failing.lock().unwrap().clone();
        if let Some((_, e)) = failing.into_iter().find(|(u, _)| Some(u.as_str()) == op_user(op)) {
            return Err(e);
        }
        self.fake.applied.lock().unwrap().push((group.to_owned(), op.clone(), ctx.txn_id.clone()));
        Ok(Applied::Done { event_id: None })
    }
    async fn message(&self, _: &str, event_id: &str) -> Result<Option<MessageSnapshot>> {
        self.fake.reachable()?;
        Ok(self.fake.messages.lock().unwrap().iter().find(|m| m.event_id == event_id).cloned())
    }
    async fn context(&self, _: &str, _: &str, _: u32) -> Result<Vec<MessageSnapshot>> {
        Ok(vec![])
    }
    async fn case_log_room(&self, _: &str, _: Option<&str>, _: bool) -> Result<CaseLogRoom> {
        self.fake.call("case_log_room");
        Ok(CaseLogRoom { room: Some("!mod".into()), warning: None })
    }
    /// The cursor is how many of the group's records were handed out already.
    async fn shared_cases(&self, group: &str, _: &str, since: Option<&str>) -> Result<SharedLog> {
        self.fake.call("shared_cases");
        let all: Vec<_> = self
            .fake
            .shared
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.content["record"]["group"] == group)
            .cloned()
            .collect();
        let from = since.and_then(|s| s.parse().ok()).unwrap_or(0usize).min(all.len());
        let records = all[from..].to_vec();
        self.fake.shared_reads.lock().unwrap().push((group.to_owned(), since.map(str::to_owned), records.len()));
        let heads = self.fake.heads.lock().unwrap().clone();
        Ok(SharedLog { heads, records, next: Some(all.len().to_string()), ..SharedLog::default() })
    }
    async fn sync(
        &self,
        since: Option<&str>,
        _: &[String],
        logs: &[String],
        _: u64,
    ) -> Result<qunguan_core::sync::SyncBatch> {
        self.fake.call("sync");
        self.fake.reachable()?;
        self.fake.sync_calls.lock().unwrap().push(since.map(str::to_owned));
        self.fake.sync_logs.lock().unwrap().push(logs.to_vec());
        // The moderation room in the feed: news when anything in it changed.
        let news = logs.iter().any(|l| l == "!mod") && self.fake.mod_news();
        if since.is_some_and(|t| self.fake.forgotten.lock().unwrap().iter().any(|f| f == t)) {
            return Err(ApiError::new(ErrorCode::InvalidInput, "HTTP 400 M_UNKNOWN: unknown since token"));
        }
        let feed = self.fake.feed.lock().unwrap();
        let next = feed.get(&since.map(str::to_owned)).cloned();
        // Nothing new: the same token back, no groups.
        let mut batch = next.unwrap_or_else(|| qunguan_core::sync::SyncBatch {
            next: since.unwrap_or("s0").into(),
            ..Default::default()
        });
        batch.log_rooms.extend(news.then(|| "!mod".to_owned()));
        Ok(batch)
    }
    async fn is_staff(&self) -> Result<bool> {
        self.fake.call("is_staff");
        Ok(false)
    }
    async fn claims(&self, _: &str) -> Result<Vec<qunguan_core::queue::Claim>> {
        self.fake.call("claims");
        self.fake.reachable()?;
        Ok(self.fake.claims.lock().unwrap().clone())
    }
    async fn put_claim(&self, _: &str, group: &str, item: &str, until_ms: Option<i64>) -> Result<()> {
        self.fake.reachable()?;
        let mut claims = self.fake.claims.lock().unwrap();
        claims.retain(|c| c.item != item);
        claims.push(qunguan_core::queue::Claim {
            item: item.into(),
            group: group.into(),
            sender: self.account.user_id.clone(),
            holder: until_ms.map(|_| self.account.user_id.clone()),
            until_ms: until_ms.unwrap_or(0),
        });
        Ok(())
    }
    async fn backfill(&self, _: &str, from: &str, _: u32) -> Result<qunguan_core::sync::Backfill> {
        self.fake.reachable()?;
        self.fake.call("backfill");
        Ok(self.fake.history.lock().unwrap().get(from).cloned().unwrap_or_default())
    }
    async fn recent_messages(&self, _: &str, limit: u32) -> Result<Vec<MessageSnapshot>> {
        self.fake.reachable()?;
        let page = self.fake.messages.lock().unwrap().clone();
        Ok(page.into_iter().rev().take(limit as usize).rev().collect())
    }
}

struct FakeConnector(Arc<Fake>);

#[async_trait]
impl Connector for FakeConnector {
    /// The production rules: the engine's check must be the adapter's.
    fn check_id(&self, kind: qunguan_core::platform::IdKind, value: &str) -> Result<()> {
        qunguan_matrix::ids::check_id(kind, value)
    }
    async fn login_password(&self, _: &str, user: &str, password: &Secret) -> Result<SignedIn> {
        if password.expose() != PASSWORD {
            return Err(ApiError::new(ErrorCode::AuthInvalidCredentials, "Invalid username or password"));
        }
        Ok(SignedIn { account: account(user), access_token: Secret::new("tok") })
    }
    async fn login_token(&self, _: &str, token: &Secret) -> Result<SignedIn> {
        self.0.reachable()?;
        match token.expose() {
            "tok" => Ok(SignedIn { account: account("@me:hs"), access_token: token.clone() }),
            _ => Err(ApiError::new(ErrorCode::AuthInvalidToken, "Unknown token")),
        }
    }
    fn open(&self, s: SignedIn) -> Arc<dyn Platform> {
        Arc::new(FakePlatform { account: s.account, fake: self.0.clone() })
    }
}

fn engine(home: &std::path::Path, secrets: Arc<dyn SecretStore>, env: EnvOverride) -> (Engine, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let config = EngineConfig { home: home.into(), env, connector: Arc::new(FakeConnector(fake.clone())), secrets };
    (Engine::new(config), fake)
}

#[tokio::test]
async fn sign_in_survives_a_restart_and_sign_out_forgets() {
    let home = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let (e, _) = engine(home.path(), secrets.clone(), EnvOverride::default());
    assert_eq!(e.restore().await.unwrap(), None, "fresh home: signed out");
    let a = e.sign_in_password("hs.test", "@me:hs", &Secret::new(PASSWORD)).await.unwrap();
    assert_eq!(secrets.get(&a.keyring_user()).unwrap(), Some(Secret::new("tok")), "token in the keyring");
    let on_disk = std::fs::read_to_string(home.path().join("current.json")).unwrap();
    assert!(!on_disk.contains("tok"), "no token on disk: {on_disk}");

    let (restarted, fake) = engine(home.path(), secrets.clone(), EnvOverride::default());
    assert_eq!(restarted.restore().await.unwrap(), Some(a.clone()), "still signed in after restart");
    restarted.sign_out().await.unwrap();
    assert_eq!(fake.logouts.load(Ordering::SeqCst), 1, "server session ended");
    assert_eq!(secrets.get(&a.keyring_user()).unwrap(), None, "token removed");
    let (again, _) = engine(home.path(), secrets, EnvOverride::default());
    assert_eq!(again.restore().await.unwrap(), None, "a signed-out store should restore no session");
    assert_eq!(
        again.groups().await.unwrap_err().code,
        ErrorCode::NotSignedIn,
        "reads after sign-out should say not signed in"
    );
}

#[tokio::test]
async fn wrong_password_leaves_nothing_behind() {
    let home = tempfile::tempdir().unwrap();
    let (e, _) = engine(home.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
    let err = e.sign_in_password("hs.test", "@me:hs", &Secret::new("wrong")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AuthInvalidCredentials, "a wrong password should be invalid credentials");
    assert!(!home.path().join("current.json").exists(), "a failed sign-in should leave no current account behind");
}

#[tokio::test]
async fn no_keyring_fails_sign_in_and_ends_the_new_session() {
    let home = tempfile::tempdir().unwrap();
    let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::broken()), EnvOverride::default());
    let err = e.sign_in_password("hs.test", "@me:hs", &Secret::new(PASSWORD)).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::KeyringUnavailable, "a broken keyring should fail sign-in as keyring unavailable");
    assert!(err.message.contains("QG_ACCESS_TOKEN"), "says the way around it: {}", err.message);
    assert_eq!(fake.logouts.load(Ordering::SeqCst), 1, "the unsaved session was ended on the server");
    assert!(
        !home.path().join("current.json").exists(),
        "a sign-in the keyring could not keep should leave no current account behind"
    );
}

#[tokio::test]
async fn env_token_wins_without_a_keyring_and_is_never_revoked() {
    let home = tempfile::tempdir().unwrap();
    let env = EnvOverride {
        homeserver: Some("hs.test".into()),
        access_token: Some(Secret::new("tok")),
        ..Default::default()
    };
    let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::broken()), env);
    assert_eq!(e.restore().await.unwrap().unwrap().user_id, "@me:hs");
    let groups = e.groups().await.unwrap();
    assert_eq!(groups.len(), 2, "the env session should list both managed groups");
    e.sign_out().await.unwrap();
    assert_eq!(fake.logouts.load(Ordering::SeqCst), 0, "a script's token is not revoked");

    let bad = EnvOverride {
        homeserver: Some("hs.test".into()),
        access_token: Some(Secret::new("revoked")),
        ..Default::default()
    };
    let (e, _) = engine(home.path(), Arc::new(MemorySecrets::default()), bad);
    assert_eq!(
        e.restore().await.unwrap_err().code,
        ErrorCode::AuthInvalidToken,
        "a bad env token should be an invalid token"
    );
    let half = EnvOverride { homeserver: None, access_token: Some(Secret::new("tok")), ..Default::default() };
    let (e, _) = engine(home.path(), Arc::new(MemorySecrets::default()), half);
    assert_eq!(
        e.restore().await.unwrap_err().code,
        ErrorCode::InvalidInput,
        "a token without a homeserver should be bad input"
    );
}

#[tokio::test]
async fn groups_are_only_the_managed_ones_and_members_carry_roles() {
    let home = tempfile::tempdir().unwrap();
    let (e, _) = engine(home.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
    e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    let groups = e.groups().await.unwrap();
    let listed: Vec<_> = groups.iter().map(|g| (g.id.as_str(), g.role)).collect();
    assert_eq!(
        listed,
        [("!b-admin", Role::Admin), ("!c-mod", Role::Moderator)],
        "only the groups I manage should be listed, with my role in each"
    );
    assert_eq!(
        e.members("!a-member").await.unwrap_err().code,
        ErrorCode::Forbidden,
        "members of a group I do not manage should be forbidden"
    );
    let members = e.members("!b-admin").await.unwrap();
    let roles: Vec<_> = members.iter().map(|m| (m.user_id.as_str(), m.role)).collect();
    assert_eq!(
        roles,
        [("@owner:hs", Role::Owner), ("@me:hs", Role::Admin), ("@zed:hs", Role::Member)],
        "members should carry their roles, owner first"
    );
}

#[tokio::test]
async fn offline_reads_come_from_the_encrypted_cache_and_say_since_when() {
    let home = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
    let (e, fake) = engine(home.path(), secrets.clone(), EnvOverride::default());
    let a = e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    assert!(secrets.get(&format!("{}#cache-key", a.keyring_user())).unwrap().is_some(), "cache key in the keyring");
    let online_groups = e.groups().await.unwrap();
    let online_members = e.members("!b-admin").await.unwrap();
    assert_eq!(e.offline_since(), None, "online reads should not say offline");

    fake.offline.store(true, Ordering::SeqCst);
    assert_eq!(e.groups().await.unwrap(), online_groups, "served from the cache");
    assert_eq!(e.members("!b-admin").await.unwrap(), online_members);
    assert!(e.offline_since().is_some_and(|t| t.ends_with('Z')), "offline mark set");
    assert_eq!(
        e.members("!never-fetched").await.unwrap_err().code,
        ErrorCode::HomeserverUnreachable,
        "nothing cached: the real error"
    );

    // After a restart, still readable offline (the key comes back from the keyring).
    let (restarted, fake2) = engine(home.path(), secrets, EnvOverride::default());
    fake2.offline.store(true, Ordering::SeqCst);
    restarted.restore().await.unwrap();
    assert_eq!(restarted.groups().await.unwrap(), online_groups);
    fake2.offline.store(false, Ordering::SeqCst);
    restarted.groups().await.unwrap();
    assert_eq!(restarted.offline_since(), None, "back online");
}

#[tokio::test]
async fn messages_are_only_for_managed_groups_and_readable_offline() {
    let home = tempfile::tempdir().unwrap();
    let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
    e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    *fake.messages.lock().unwrap() = (0..5)
        .map(|i| MessageSnapshot {
            event_id: format!("$m{i}"),
            sender: "@zed:hs".into(),
            ts: i * 60_000,
            kind: "m.room.message".into(),
            body: Some(if i == 4 { "身份证 11010519491231002X".into() } else { format!("消息{i}") }),
            redacted: false,
            redacted_by: None,
            case_id: None,
            reply_to: None,
        })
        .collect();
    assert_eq!(e.messages("!a-member", Some(10)).await.unwrap_err().code, ErrorCode::Forbidden, "not managed");
    for bad in [0, crate::messages::MAX_PAGE + 1] {
        let err = e.messages("!b-admin", Some(bad)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "a page of {bad} is refused by the engine, for app and qg alike");
    }
    let live = e.messages("!b-admin", Some(3)).await.unwrap();
    assert_eq!(live.iter().map(|m| m.event_id.as_str()).collect::<Vec<_>>(), ["$m2", "$m3", "$m4"]);
    let shown: String = live[2].segments.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(shown, "身份证 110105********002X", "masked before it leaves the engine");

    fake.offline.store(true, Ordering::SeqCst);
    assert_eq!(e.messages("!b-admin", Some(3)).await.unwrap(), live, "served from the cache");
    assert!(e.offline_since().is_some(), "cached messages should say since when they are offline");
    assert_eq!(
        e.messages("!c-mod", Some(3)).await.unwrap_err().code,
        ErrorCode::HomeserverUnreachable,
        "never fetched"
    );

    // Revealing is recorded first (queued while offline), then shown from the cached page.
    let r = e.reveal("!b-admin", "$m4", "checking a leaked ID").await.unwrap();
    let shown: String = r.message.segments.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(shown, "身份证 11010519491231002X");
    fake.offline.store(false, Ordering::SeqCst);
    let cases = e.cases(Some("!b-admin".into()), None, None).await.unwrap();
    let case = cases.iter().find(|c| c.case_id == r.case_id).expect("the reveal is a case");
    assert_eq!(
        (case.action.as_str(), case.target.as_deref()),
        ("reveal", Some("$m4")),
        "the reveal should be recorded as a case on the message"
    );
    assert_eq!(case.reason, "checking a leaked ID");
    let online = e.reveal("!b-admin", "$m4", "again").await.unwrap();
    assert_eq!(online.message.segments, r.message.segments, "the same from the server");
    assert_eq!(
        e.reveal("!b-admin", "$m4", " ").await.unwrap_err().code,
        ErrorCode::InvalidInput,
        "a reason is required"
    );
    assert_eq!(
        e.reveal("!b-admin", "$nope", "x").await.unwrap_err().code,
        ErrorCode::NotFound,
        "revealing a message that does not exist should be not found"
    );
}

mod act {
    use qunguan_core::action::{Action, OutboxError, PlatformOp};

    use super::*;
    use crate::ActRequest;

    fn req(group: &str, action: Action, reason: &str) -> ActRequest {
        ActRequest { group: group.into(), action, reason: reason.into(), rule: None, lang: qunguan_core::Lang::En }
    }

    async fn signed_in() -> (tempfile::TempDir, Engine, Arc<Fake>) {
        let home = tempfile::tempdir().unwrap();
        let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
        e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
        (home, e, fake)
    }

    #[tokio::test]
    async fn an_allowed_action_is_recorded_carried_out_and_chained() {
        let (_home, e, fake) = signed_in().await;
        let out = e.act(req("!b-admin", Action::Mute { user: "@zed:hs".into(), seconds: 600 }, "刷屏")).await.unwrap();
        assert_eq!(out.status, Status::Done, "{out:?}");
        let applied = fake.applied.lock().unwrap().clone();
        assert_eq!(applied.len(), 1, "one mute should be one platform operation");
        assert_eq!(
            applied[0].1,
            PlatformOp::SetUserPower { user: "@zed:hs".into(), level: Some(-1) },
            "a mute should set the member below the posting level"
        );
        assert!(applied[0].2.contains(&out.case_id), "the transaction ID is tied to the case");
        let cases = e.cases(None, None, None).await.unwrap();
        assert_eq!(
            (cases.len(), cases[0].status.as_str(), cases[0].actor.as_str()),
            (1, "done", "@me:hs"),
            "one case, done, by me"
        );
        assert!(cases[0].detail.contains_key("until"), "a timed mute records its end");
        assert!(e.audit_verify().await.unwrap().ok, "the case log should verify after an action");
    }

    #[tokio::test]
    async fn a_moderator_cannot_mute_and_the_refusal_is_recorded() {
        let (_home, e, fake) = signed_in().await;
        let out = e.act(req("!c-mod", Action::Mute { user: "@zed:hs".into(), seconds: 60 }, "x")).await.unwrap();
        assert_eq!(out.status, Status::Refused, "{out:?}");
        assert!(fake.applied.lock().unwrap().is_empty(), "nothing reached the platform");
        let cases = e.cases(None, None, None).await.unwrap();
        assert_eq!(cases[0].status, Status::Refused, "the refused case should be recorded as refused");
        let out = e.act(req("!b-admin", Action::Kick { user: "@owner:hs".into() }, "x")).await.unwrap();
        assert_eq!(out.status, Status::Refused, "nobody acts on the creator: {out:?}");
    }

    #[tokio::test]
    async fn a_warning_is_sent_in_the_words_the_dialog_previewed() {
        use qunguan_core::warning::WarningPreview;
        let (_home, e, fake) = signed_in().await;
        let preview = |reason: &str, rule: Option<&str>| WarningPreview {
            lang: qunguan_core::Lang::Zh,
            user: "@zed:hs".into(),
            reason: reason.into(),
            rule: rule.map(str::to_owned),
        };
        let shown = e.warning_preview(&preview(" 刷屏 ", Some(" flood "))).unwrap();
        let mut r = req("!b-admin", Action::Warn { user: "@zed:hs".into() }, " 刷屏 ");
        (r.lang, r.rule) = (qunguan_core::Lang::Zh, Some(" flood ".into()));
        assert_eq!(e.act(r).await.unwrap().status, Status::Done, "the warning should be carried out");
        let applied = fake.applied.lock().unwrap().clone();
        let PlatformOp::SendNotice { body, .. } = &applied[0].1 else { panic!("a warning is a notice: {applied:?}") };
        assert_eq!(body, &shown, "the member reads what the admin previewed");
        assert_eq!(shown, "@zed:hs 管理员警告：刷屏（依据群规 flood）。请遵守群规。");
        let cases = e.cases(None, None, None).await.unwrap();
        assert_eq!(cases[0].rule.as_deref(), Some("flood"), "the rule is recorded as the engine reads it, trimmed");

        let blank = e.warning_preview(&preview("  ", Some(" "))).unwrap();
        assert_eq!(blank, "@zed:hs 管理员警告：…。请遵守群规。", "nothing typed yet: an ellipsis, no rule");
        let err = e.warning_preview(&WarningPreview { user: "zed".into(), ..preview("x", None) }).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "the member's ID is checked as for the action itself");
    }

    #[tokio::test]
    async fn bad_input_records_nothing() {
        let (_home, e, _) = signed_in().await;
        for (action, reason) in [
            (Action::Kick { user: "@zed:hs".into() }, "   "),
            (Action::Mute { user: "@zed:hs".into(), seconds: 0 }, "x"),
            (Action::Mute { user: "@zed:hs".into(), seconds: 400 * 86_400 }, "x"),
        ] {
            let err = e.act(req("!b-admin", action, reason)).await.unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidInput, "bad input should be refused as invalid input");
        }
        assert!(e.cases(None, None, None).await.unwrap().is_empty(), "bad input should record no case");
    }

    // Regression (ab771ba): a mute set the member one below the *current* posting level; under a
    // lock (events_default 50) that is 49, so after unlock the "muted" member could post with
    // near-moderator power (e2e: mute_while_the_group_is_locked_still_mutes_after_unlock).
    #[tokio::test]
    async fn regression_a_mute_made_while_locked_became_a_promotion_after_unlock() {
        let (_home, e, fake) = signed_in().await;
        fake.locked.store(true, Ordering::SeqCst);
        let out = e.act(req("!b-admin", Action::Mute { user: "@zed:hs".into(), seconds: 600 }, "刷屏")).await.unwrap();
        assert_eq!(out.status, Status::Done, "{out:?}");
        let applied: Vec<PlatformOp> = fake.applied.lock().unwrap().iter().map(|a| a.1.clone()).collect();
        assert_eq!(
            applied,
            [PlatformOp::SetUserPower { user: "@zed:hs".into(), level: Some(-1) }],
            "a mute under a lock should go below the unlocked posting level too, not to one under the locked level"
        );
    }

    // Regression guard (2690d19): only `qg` checked the reason of `ban --all-groups`; the engine
    // must refuse a blank one itself, before the first of its many cases.
    #[tokio::test]
    async fn regression_ban_in_all_groups_without_a_reason_was_refused_only_by_qg() {
        let (_home, e, fake) = signed_in().await;
        let err = e.ban_all_groups("@zed:hs", "  ", None, qunguan_core::Lang::En, true).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "a blank reason should be refused as bad input: {err:?}");
        assert!(
            e.cases(None, None, None).await.unwrap().is_empty(),
            "a refused ban in all groups should record no case"
        );
        assert!(fake.applied.lock().unwrap().is_empty(), "a refused ban in all groups should reach no group");
    }

    #[tokio::test]
    async fn offline_decisions_queue_and_are_carried_out_once_later() {
        let (_home, e, fake) = signed_in().await;
        fake.offline.store(true, Ordering::SeqCst);
        let out = e.act(req("!b-admin", Action::Ban { user: "@zed:hs".into(), seconds: None }, "广告")).await.unwrap();
        assert_eq!(out.status, Status::Queued, "{out:?}");
        assert_eq!(
            e.outbox().await.unwrap()[0].status,
            Status::Queued,
            "an offline decision should wait in the outbox"
        );
        assert!(e.retry_outbox(true).await.unwrap().iter().all(|o| o.status == Status::Queued), "still away");
        fake.offline.store(false, Ordering::SeqCst);
        let done = e.retry_outbox(true).await.unwrap();
        assert_eq!(done.len(), 1, "the retry should carry out the one queued action");
        assert_eq!(done[0].status, Status::Done, "the queued action should be done once online");
        assert!(e.retry_outbox(true).await.unwrap().is_empty(), "nothing left to do");
        let applied = fake.applied.lock().unwrap().clone();
        assert_eq!(applied.len(), 1, "carried out exactly once: {applied:?}");
        assert_eq!(e.cases(None, None, None).await.unwrap()[0].status, Status::Done, "the case should end done");
    }

    /// Two `qg serve` (or `qg serve` and the app) on one data directory both see the mute come due.
    // Regression (d086b31): each runner made its own unmute case for the same timed mute.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn regression_two_runners_on_one_store_each_ended_the_same_timed_mute() {
        let home = tempfile::tempdir().unwrap();
        let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecrets::default());
        let (one, fake_one) = engine(home.path(), secrets.clone(), EnvOverride::default());
        one.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
        let (two, fake_two) = engine(home.path(), secrets, EnvOverride::default());
        two.restore().await.unwrap().expect("the second runner shares the session");
        // Three mutes, so three races in one run.
        let members = ["@zed:hs", "@x1:hs", "@x2:hs"];
        for user in members {
            let mute = Action::Mute { user: user.into(), seconds: 1 };
            assert_eq!(
                one.act(req("!b-admin", mute, "刷屏")).await.unwrap().status,
                Status::Done,
                "each mute should be carried out"
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

        let (a, b) = tokio::join!(one.run_due(), two.run_due());
        let ended: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
        // A runner may also report the other's reversal, found queued in the outbox and waited
        // for under its claim ("carried out by another runner"): the same case, not a second one.
        let cases: std::collections::BTreeSet<_> = ended.iter().map(|o| o.case_id.as_str()).collect();
        assert_eq!(cases.len(), 3, "exactly one runner decides each reversal: {ended:?}");
        assert!(ended.iter().all(|o| o.status == Status::Done), "{ended:?}");
        let unmutes = one.cases(None, None, None).await.unwrap().into_iter().filter(|c| c.action == "unmute").count();
        assert_eq!(unmutes, 3, "one unmute case per mute");
        let ops = [&fake_one, &fake_two].iter().map(|f| f.applied.lock().unwrap().len()).sum::<usize>();
        assert_eq!(ops, 6, "each mute and one unmute each reached the platform");
        assert!(one.run_due().await.unwrap().is_empty() && two.run_due().await.unwrap().is_empty(), "nothing later");
        assert!(one.audit_verify().await.unwrap().ok, "the case log should verify after two runners shared the store");
    }

    fn queued_statuses(outbox: &[qunguan_core::action::OutboxView]) -> Vec<(String, Status)> {
        outbox.iter().map(|o| (o.target.clone().unwrap_or_default(), o.status)).collect()
    }

    #[tokio::test]
    async fn malformed_user_id_is_refused_before_recording() {
        let (_home, e, fake) = signed_in().await;
        let bad = [
            ("!b-admin", Action::Mute { user: "@a:bad_host!".into(), seconds: 600 }),
            ("!b-admin", Action::Kick { user: "zed".into() }),
            ("!b-admin", Action::Remove { event_id: "not-an-event".into() }),
            ("tech", Action::Lock),
            ("", Action::ReportMember { user: "@a:bad_host!".into() }),
            ("", Action::BlocklistAdd { user: "@:hs".into() }),
        ];
        for (group, action) in bad {
            let err = e.act(req(group, action.clone(), "刷屏")).await.expect_err(&format!("{action:?}"));
            assert_eq!(err.code, ErrorCode::InvalidInput, "{action:?} must be a usage error: {err:?}");
        }
        let err = e.ban_all_groups("@a:bad_host!", "spam", None, qunguan_core::Lang::En, true).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "ban --all-groups checks the ID before any group");
        assert!(e.cases(None, None, None).await.unwrap().is_empty(), "nothing recorded");
        assert!(e.outbox().await.unwrap().is_empty(), "nothing queued");
        assert!(fake.applied.lock().unwrap().is_empty(), "nothing reached the platform");
        let ok = e.act(req("!b-admin", Action::Kick { user: "@zed:hs".into() }, "x")).await.unwrap();
        assert_eq!(ok.status, Status::Done, "a well-formed ID still goes through: {ok:?}");
    }

    #[tokio::test]
    async fn failed_entry_does_not_block_the_next() {
        let (_home, e, fake) = signed_in().await;
        let mute = Action::Mute { user: "@x3:hs".into(), seconds: 1 };
        assert_eq!(
            e.act(req("!b-admin", mute, "刷屏")).await.unwrap().status,
            Status::Done,
            "the mute should be carried out"
        );
        fake.offline.store(true, Ordering::SeqCst);
        let mut queued = Vec::new();
        for user in ["@x1:hs", "@x2:hs", "@x4:hs", "@zed:hs"] {
            let out = e.act(req("!b-admin", Action::Ban { user: user.into(), seconds: None }, "广告")).await.unwrap();
            assert_eq!(out.status, Status::Queued, "{out:?}");
            queued.push(out.case_id);
        }
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        fake.offline.store(false, Ordering::SeqCst);
        *fake.failing.lock().unwrap() = vec![
            // What the adapter says of an ID its parser refuses at send time.
            ("@x1:hs".into(), ApiError::invalid_input("“@x1:hs” is not a valid user ID")),
            // A request the server refuses for good (the adapter classifies 4xx as permanent).
            (
                "@x2:hs".into(),
                ApiError::new(ErrorCode::Platform, "HTTP 400 M_BAD_JSON: bad content")
                    .with_retry(qunguan_core::RetryKind::Permanent),
            ),
            // A 503: the server is there but cannot serve it now.
            ("@x4:hs".into(), ApiError::new(ErrorCode::Platform, "HTTP 503 Service Unavailable")),
        ];

        let round = e.run_due().await.expect("a failing entry must not fail the round");
        let by_case = |id: &str| round.iter().find(|o| o.case_id == id).cloned();
        assert_eq!(by_case(&queued[0]).map(|o| o.status), Some(Status::Failed), "bad ID at send time: {round:?}");
        assert_eq!(by_case(&queued[1]).map(|o| o.status), Some(Status::Failed), "M_BAD_JSON: {round:?}");
        assert_eq!(by_case(&queued[2]).map(|o| o.status), Some(Status::Queued), "503 retries: {round:?}");
        assert_eq!(by_case(&queued[3]).map(|o| o.status), Some(Status::Done), "the next one went: {round:?}");
        let unmute = round.iter().find(|o| !queued.contains(&o.case_id)).expect("the timed unmute ran");
        assert_eq!(unmute.status, Status::Done, "the due timed unmute behind them: {round:?}");
        let applied: Vec<_> = fake.applied.lock().unwrap().iter().map(|a| a.1.clone()).collect();
        assert!(applied.contains(&PlatformOp::Ban { user: "@zed:hs".into(), reason: "广告".into() }), "{applied:?}");
        assert!(applied.contains(&PlatformOp::SetUserPower { user: "@x3:hs".into(), level: None }), "{applied:?}");

        let cases = e.cases(None, None, None).await.unwrap();
        let case = |id: &str| cases.iter().find(|c| c.case_id == id).unwrap().clone();
        let failed = case(&queued[0]);
        assert_eq!(failed.status, Status::Failed, "the entry the platform rejected should end failed");
        assert!(
            failed.status_detail.as_deref().is_some_and(|d| d.contains("is not a valid user ID")),
            "the case records the reason: {:?}",
            failed.status_detail
        );
        assert!(case(&queued[1]).status_detail.unwrap().contains("M_BAD_JSON"), "the reason is recorded");
        let outbox = e.outbox().await.unwrap();
        let retrying = outbox.iter().find(|o| o.case_id == queued[2]).unwrap();
        assert_eq!((retrying.status.as_str(), retrying.attempts), ("queued", 1), "{retrying:?}");
        assert!(retrying.last_error.as_deref().is_some_and(|m| m.contains("503")), "{retrying:?}");
        let busy = OutboxError::Busy { code: ErrorCode::Platform, message: "HTTP 503 Service Unavailable".into() };
        assert_eq!(retrying.error.as_ref(), Some(&busy), "why it waits, as data: {retrying:?}");
        let bad_json = outbox.iter().find(|o| o.case_id == queued[1]).unwrap();
        assert!(
            matches!(&bad_json.error, Some(OutboxError::Rejected { .. })),
            "a failure retrying cannot help is typed as rejected: {bad_json:?}"
        );
        assert!(outbox.iter().find(|o| o.case_id == queued[0]).unwrap().next_attempt_at.is_none(), "settled");
        // A failed entry is never tried again.
        fake.failing.lock().unwrap().clear();
        let again = e.retry_outbox(true).await.unwrap();
        assert_eq!(again.iter().map(|o| o.case_id.as_str()).collect::<Vec<_>>(), [queued[2].as_str()]);
        assert!(e.audit_verify().await.unwrap().ok, "the case log should verify after a failed entry");
    }

    #[tokio::test]
    async fn outbox_entry_past_its_age_expires_with_a_case_note() {
        let home = tempfile::tempdir().unwrap();
        let env = EnvOverride { outbox_max_age: Some("1s".into()), ..Default::default() };
        let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), env);
        e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
        fake.offline.store(true, Ordering::SeqCst);
        let out = e.act(req("!b-admin", Action::Ban { user: "@zed:hs".into(), seconds: None }, "广告")).await.unwrap();
        assert_eq!(out.status, Status::Queued, "an offline decision should be queued");
        assert_eq!(e.retry_outbox(true).await.unwrap()[0].status, Status::Queued, "young enough: still queued");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        fake.offline.store(false, Ordering::SeqCst);
        let round = e.retry_outbox(true).await.unwrap();
        assert_eq!(round.len(), 1, "the round should settle the one expired entry");
        assert_eq!(round[0].status, Status::Expired, "{round:?}");
        assert!(fake.applied.lock().unwrap().is_empty(), "an expired action never lands");
        let case = e.cases(None, None, None).await.unwrap().into_iter().find(|c| c.case_id == out.case_id).unwrap();
        assert_eq!(case.status, Status::Expired, "an entry past its age should end expired");
        let note = case.status_detail.unwrap_or_default();
        assert!(note.contains("not carried out within 1s"), "the case says why it ended: {note}");
        assert_eq!(e.outbox().await.unwrap()[0].status, Status::Expired, "the outbox should show the entry expired");
        assert!(e.retry_outbox(true).await.unwrap().is_empty(), "and it is not tried again");

        // A maximum age that is not a duration is named, not silently replaced.
        let home = tempfile::tempdir().unwrap();
        let env = EnvOverride { outbox_max_age: Some("a week".into()), ..Default::default() };
        let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), env);
        e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
        fake.offline.store(true, Ordering::SeqCst);
        e.act(req("!b-admin", Action::Kick { user: "@zed:hs".into() }, "x")).await.unwrap();
        let err = e.retry_outbox(true).await.unwrap_err();
        assert!(err.message.contains("QG_OUTBOX_MAX_AGE"), "{err:?}");
    }

    #[tokio::test]
    async fn cancelled_entry_is_never_carried_out() {
        let (_home, e, fake) = signed_in().await;
        fake.offline.store(true, Ordering::SeqCst);
        let kick = e.act(req("!b-admin", Action::Kick { user: "@zed:hs".into() }, "x")).await.unwrap();
        let ban = e.act(req("!b-admin", Action::Ban { user: "@x1:hs".into(), seconds: None }, "x")).await.unwrap();
        assert_eq!(
            e.cancel_outbox(&kick.case_id, "  ").await.unwrap_err().code,
            ErrorCode::InvalidInput,
            "cancelling without a reason should be bad input"
        );
        let out = e.cancel_outbox(&kick.case_id, "wrong member").await.unwrap();
        assert_eq!(out.status, Status::Cancelled, "{out:?}");
        let again = e.cancel_outbox(&kick.case_id, "twice").await.unwrap_err();
        assert_eq!(again.code, ErrorCode::InvalidInput, "only a queued entry can be cancelled: {again:?}");
        assert_eq!(
            e.cancel_outbox("no-such-case", "x").await.unwrap_err().code,
            ErrorCode::InvalidInput,
            "cancelling an unknown case should be bad input"
        );
        fake.offline.store(false, Ordering::SeqCst);
        let round = e.retry_outbox(true).await.unwrap();
        assert_eq!(round.iter().map(|o| o.case_id.as_str()).collect::<Vec<_>>(), [ban.case_id.as_str()]);
        let applied: Vec<_> = fake.applied.lock().unwrap().iter().map(|a| a.1.clone()).collect();
        assert!(!applied.iter().any(|op| matches!(op, PlatformOp::Kick { .. })), "never kicked: {applied:?}");
        let case = e.cases(None, None, None).await.unwrap().into_iter().find(|c| c.case_id == kick.case_id).unwrap();
        assert_eq!(case.status, Status::Cancelled, "the cancelled entry's case should be cancelled");
        assert!(case.status_detail.unwrap_or_default().contains("wrong member"), "the reason is recorded");
        assert_eq!(
            queued_statuses(&e.outbox().await.unwrap()),
            [("@zed:hs".into(), Status::Cancelled), ("@x1:hs".into(), Status::Done)]
        );
        assert!(e.audit_verify().await.unwrap().ok, "the case log should verify after a cancel");
    }

    #[tokio::test]
    async fn token_session_works_offline_like_a_keyring_session() {
        let home = tempfile::tempdir().unwrap();
        let env = EnvOverride {
            homeserver: Some("hs.test".into()),
            access_token: Some(Secret::new("tok")),
            cache_key: Some(Secret::new("ab".repeat(32))),
            ..Default::default()
        };
        let no_keyring = || -> Arc<dyn SecretStore> { Arc::new(MemorySecrets::broken()) };
        let (first, _) = engine(home.path(), no_keyring(), env.clone());
        let online = first.groups().await.unwrap();
        drop(first);

        let (e, fake) = engine(home.path(), no_keyring(), env.clone());
        fake.offline.store(true, Ordering::SeqCst);
        assert_eq!(e.restore().await.unwrap().map(|a| a.user_id), Some("@me:hs".into()), "the remembered account");
        assert_eq!(e.groups().await.unwrap(), online, "served from the cache");
        assert!(e.offline_since().is_some(), "with the offline mark");
        let out = e.act(req("!b-admin", Action::Kick { user: "@zed:hs".into() }, "x")).await.unwrap();
        assert_eq!(out.status, Status::Queued, "{out:?}");
        fake.offline.store(false, Ordering::SeqCst);
        assert_eq!(
            e.retry_outbox(true).await.unwrap()[0].status,
            Status::Done,
            "the queued action should be done once online"
        );
        assert_eq!(fake.applied.lock().unwrap().len(), 1, "the queued action should reach the platform once");

        // A token never seen online cannot be trusted offline: the real error.
        let other = EnvOverride { access_token: Some(Secret::new("tok2")), ..env };
        let (e, fake) = engine(home.path(), no_keyring(), other);
        fake.offline.store(true, Ordering::SeqCst);
        assert_eq!(
            e.restore().await.unwrap_err().code,
            ErrorCode::HomeserverUnreachable,
            "a token never seen online should not be trusted offline: the real error"
        );
        for entry in std::fs::read_dir(home.path().join("tokens")).unwrap() {
            let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            assert!(!body.contains("tok"), "no token on disk: {body}");
        }
    }
}

mod shared {
    use qunguan_core::action::{Action, PlatformOp};
    use qunguan_core::case::{CASE_FORMAT, CaseRecord, GENESIS, chain};
    use serde_json::json;

    use super::*;

    /// Another admin's record number `n` of `!b-admin`, chained after `prev`, as posted.
    fn post(fake: &Fake, n: usize, prev: &str) -> String {
        let record = CaseRecord {
            v: CASE_FORMAT,
            case_id: format!("c{n}"),
            kind: "decision".into(),
            group: "!b-admin".into(),
            actor: "@other:hs".into(),
            target: None,
            action: "lock".into(),
            reason: "刷屏".into(),
            rule: None,
            evidence_hash: None,
            created_at: format!("2026-11-23T10:00:0{n}Z"),
            detail: Default::default(),
        };
        let c = chain(prev, record);
        let content = json!({"record": c.record, "prev_hash": c.prev_hash, "hash": c.hash});
        fake.shared.lock().unwrap().push(SharedEntry {
            sender: "@other:hs".into(),
            event_id: format!("$e{n}"),
            content,
            received_at_ms: n as i64,
            sender_managed: true,
        });
        c.hash
    }

    #[tokio::test]
    async fn each_round_imports_only_what_came_since_the_last() {
        let home = tempfile::tempdir().unwrap();
        let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
        e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
        let h = post(&fake, 0, GENESIS);
        let h = post(&fake, 1, &h);
        let in_group = || e.cases(Some("!b-admin".into()), None, None);
        assert_eq!(in_group().await.unwrap().len(), 2, "first round: everything");
        assert_eq!(in_group().await.unwrap().len(), 2, "second round: nothing new");
        post(&fake, 2, &h);
        assert_eq!(in_group().await.unwrap().len(), 3, "third round: the new one");
        let reads: Vec<_> = fake
            .shared_reads
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.0 == "!b-admin")
            .map(|r| (r.1.clone(), r.2))
            .collect();
        assert_eq!(
            reads,
            [(None, 2), (Some("2".into()), 0), (Some("2".into()), 1)],
            "each round goes on from where the last one stopped"
        );
        assert!(e.audit_verify().await.unwrap().ok, "the case log should verify after incremental imports");
    }

    /// A record of `actor` in `!b-admin`, as they would post it, chained after `prev`.
    fn forge(fake: &Fake, actor: &str, n: usize, prev: &str, managed: bool, r: CaseRecord) -> String {
        let record = CaseRecord { actor: actor.into(), group: "!b-admin".into(), ..r };
        let c = chain(prev, record);
        let content = json!({"record": c.record, "prev_hash": c.prev_hash, "hash": c.hash});
        fake.shared.lock().unwrap().push(SharedEntry {
            sender: actor.into(),
            event_id: format!("${actor}{n}"),
            content,
            received_at_ms: 1_000 + n as i64,
            sender_managed: managed,
        });
        c.hash
    }

    fn record(kind: &str, case_id: &str, action: &str, created_at: &str, detail: &[(&str, &str)]) -> CaseRecord {
        CaseRecord {
            v: CASE_FORMAT,
            case_id: case_id.into(),
            kind: kind.into(),
            group: String::new(),
            actor: String::new(),
            target: Some("@zed:hs".into()),
            action: action.into(),
            reason: "forged".into(),
            rule: None,
            evidence_hash: None,
            created_at: created_at.into(),
            detail: detail.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    /// Another admin's done mute of @zed, dated in the future, claiming @zed was at 100 before.
    fn future_dated_mute(fake: &Fake) {
        let detail = [("previous_power", "100"), ("until", "2099-01-01T00:00:00Z")];
        let h = forge(
            fake,
            "@mallory:hs",
            0,
            GENESIS,
            true,
            record("decision", "m1", "mute", "2099-01-01T00:00:00Z", &detail),
        );
        let done = [("status", "done")];
        forge(fake, "@mallory:hs", 1, &h, true, record("outcome", "m1", "mute", "2099-01-01T00:00:01Z", &done));
    }

    async fn signed_in() -> (tempfile::TempDir, Engine, Arc<Fake>) {
        let home = tempfile::tempdir().unwrap();
        let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
        e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
        (home, e, fake)
    }

    fn req(action: Action) -> crate::ActRequest {
        crate::ActRequest {
            group: "!b-admin".into(),
            action,
            reason: "r".into(),
            rule: None,
            lang: qunguan_core::Lang::En,
        }
    }

    #[tokio::test]
    async fn imported_mute_record_cannot_raise_a_level() {
        let (_home, e, fake) = signed_in().await;
        let mute = e.act(req(Action::Mute { user: "@zed:hs".into(), seconds: 3600 })).await.unwrap();
        assert_eq!(mute.status, Status::Done, "{mute:?}");
        future_dated_mute(&fake);
        let cases = e.cases(Some("!b-admin".into()), None, None).await.unwrap();
        assert!(cases.iter().any(|c| c.actor == "@mallory:hs"), "the forged record was imported: {cases:?}");
        let unmute = e.act(req(Action::Unmute { user: "@zed:hs".into() })).await.unwrap();
        assert_eq!(unmute.status, Status::Done, "{unmute:?}");
        let last = fake.applied.lock().unwrap().last().cloned().unwrap().1;
        assert_eq!(
            last,
            PlatformOp::SetUserPower { user: "@zed:hs".into(), level: None },
            "the unmute restores what my own mute recorded (the default), not the imported 100"
        );
    }

    #[tokio::test]
    async fn future_dated_imported_mute_does_not_stop_my_timed_unmute() {
        let (_home, e, fake) = signed_in().await;
        let mute = e.act(req(Action::Mute { user: "@zed:hs".into(), seconds: 1 })).await.unwrap();
        assert_eq!(mute.status, Status::Done, "{mute:?}");
        future_dated_mute(&fake);
        e.cases(None, None, None).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let ended = e.run_due().await.unwrap();
        assert_eq!(ended.len(), 1, "my timed mute ends on time, whatever was imported: {ended:?}");
        assert_eq!(ended[0].status, Status::Done, "{ended:?}");
        let last = fake.applied.lock().unwrap().last().cloned().unwrap().1;
        assert_eq!(
            last,
            PlatformOp::SetUserPower { user: "@zed:hs".into(), level: None },
            "my timed unmute should drop the member's entry (the default level)"
        );
    }

    #[tokio::test]
    async fn a_record_from_someone_who_did_not_manage_the_group_is_kept_untrusted() {
        let (_home, e, fake) = signed_in().await;
        // Received first but dated last, then received second but dated first.
        let h =
            forge(&fake, "@ex:hs", 0, GENESIS, false, record("decision", "x0", "warn", "2099-01-01T00:00:00Z", &[]));
        forge(&fake, "@ex:hs", 1, &h, true, record("decision", "x1", "warn", "2000-01-01T00:00:00Z", &[]));
        let cases = e.cases(Some("!b-admin".into()), None, None).await.unwrap();
        let seen: Vec<_> = cases.iter().map(|c| (c.case_id.as_str(), c.trusted)).collect();
        assert_eq!(
            seen,
            [("x0", false), ("x1", true)],
            "kept but untrusted, and listed in the order the server received them"
        );
    }

    #[tokio::test]
    async fn audit_verify_reports_every_break() {
        let (_home, e, fake) = signed_in().await;
        // @other's chain misses records 1 and 3: two gaps.
        let decision = |n: usize| record("decision", &format!("o{n}"), "warn", "2026-01-01T00:00:00Z", &[]);
        let mut prev = GENESIS.to_owned();
        let mut hashes = Vec::new();
        for n in 0..5 {
            let c = chain(&prev, CaseRecord { actor: "@other:hs".into(), group: "!b-admin".into(), ..decision(n) });
            prev = c.hash.clone();
            hashes.push(prev.clone());
        }
        let mut prev = GENESIS.to_owned();
        for n in [0, 2, 4] {
            let p = if n == 0 { GENESIS.to_owned() } else { hashes[n - 1].clone() };
            prev = forge(&fake, "@other:hs", n, &p, true, decision(n));
        }
        assert_eq!(prev, hashes[4]);
        // @third announced three records; one arrived.
        forge(&fake, "@third:hs", 0, GENESIS, true, decision(9));
        fake.heads.lock().unwrap().push(("@third:hs".into(), json!({"group": "!b-admin", "hash": "h", "count": 3})));
        let report = e.audit_verify().await.unwrap();
        assert!(!report.ok, "audit verify should fail when a chain breaks");
        let found: Vec<_> =
            report.breaks.iter().map(|b| (b.group.as_str(), b.actor.as_deref(), b.index, b.kind.as_str())).collect();
        assert_eq!(
            found,
            [
                ("!b-admin", Some("@other:hs"), 1, "unlinked"),
                ("!b-admin", Some("@other:hs"), 2, "unlinked"),
                ("!b-admin", Some("@third:hs"), 1, "truncated"),
            ],
            "every break, each naming its group, admin and position"
        );
        assert_eq!(report.broken.as_ref(), report.breaks.first(), "the first is still reported as before");
    }
}

mod credit;
mod evidence;
mod follow;
mod privacy;
mod search;
