//! A signed-in `qg` console for one test user (keyring session, known cache key), and readers
//! of what the homeserver holds afterwards — the tests grade `qg` by the server's state, read
//! with [`qunguan_testkit::Client`], never by `qg`'s own word.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use qunguan_testkit::Client;
use qunguan_testkit::TestUser;
use qunguan_testkit::client::encode;
use reqwest::Method;
use serde_json::Value;

use crate::{Qg, Run};

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// A local part unique to this test process: `prefix<pid>x<n>`.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}{}x{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}

/// 256 random bits as 64 hex characters: a `QG_CACHE_KEY` the test knows.
pub fn random_key() -> String {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).expect("read /dev/urandom");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an action printed with `--json`: `{case_id, status, detail}` and the exit code.
#[derive(Debug)]
pub struct Outcome {
    /// `qg`'s exit code.
    pub code: i32,
    /// The case the action was recorded under.
    pub case_id: String,
    /// `done`, `queued`, `refused`, `conflict`, …
    pub status: String,
    /// The English detail `qg` printed.
    pub detail: String,
    /// The whole run, for messages when an assertion fails.
    pub run: Run,
}

/// The exit code `docs/cli.md` gives each action status.
pub fn code_for(status: &str) -> i32 {
    match status {
        "done" => 0,
        "queued" => 3,
        "refused" => 4,
        "conflict" => 5,
        // Ended without being carried out; the case says why.
        "failed" | "expired" | "cancelled" => 1,
        other => panic!("unknown action status {other:?}"),
    }
}

/// Checks the `{case_id, status, detail}` shape of one outcome object.
pub fn outcome_fields(v: &Value) -> (String, String, String) {
    let field = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("outcome without a string {k:?}: {v}")).to_owned();
    let (case_id, status, detail) = (field("case_id"), field("status"), field("detail"));
    assert!(
        case_id.len() == 36 && case_id.as_bytes()[14] == b'7',
        "case IDs are UUIDv7 (globally unique, time-ordered): {case_id}"
    );
    assert!(
        ["done", "queued", "refused", "conflict", "failed", "expired", "cancelled"].contains(&status.as_str()),
        "status: {v}"
    );
    (case_id, status, detail)
}

/// One account's `qg` data directory, signed in through the OS keyring, with a known cache key.
pub struct Console {
    /// The data directory and environment every run uses.
    pub qg: Qg,
    /// The `QG_CACHE_KEY` every run gets (so the test can open the store itself).
    pub key: String,
    /// The signed-in account.
    pub user_id: String,
}

impl Console {
    /// `qg login --password-stdin` at `homeserver` (a URL: the server, or a proxy in front of it).
    pub fn sign_in(homeserver: &str, user: &TestUser) -> Console {
        let key = random_key();
        let qg = Qg::new().env("QG_CACHE_KEY", &key);
        let r = qg.run(&["login", "--homeserver", homeserver, "--user", &user.user_id, "--password-stdin"], PASSWORD);
        assert_eq!(r.code, 0, "sign-in of {} should succeed: {r:#?}", user.user_id);
        Console { qg, key, user_id: user.user_id.clone() }
    }

    /// Runs `qg ARGS` in this console, with no stdin.
    pub fn run(&self, args: &[&str]) -> Run {
        self.qg.run(args, "")
    }

    /// Runs an action with `--json` and checks the outcome's shape and that the exit code
    /// matches its status.
    pub fn act(&self, args: &[&str]) -> Outcome {
        let mut all = args.to_vec();
        all.push("--json");
        let run = self.run(&all);
        let v: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("`qg {}` printed no outcome ({e}): {run:#?}", args.join(" ")));
        let (case_id, status, detail) = outcome_fields(&v);
        assert_eq!(run.code, code_for(&status), "exit code of a {status} action: {run:#?}");
        Outcome { code: run.code, case_id, status, detail, run }
    }

    /// `qg cases --json` (extra filter arguments allowed).
    pub fn cases(&self, filter: &[&str]) -> Vec<Value> {
        let mut args = vec!["cases", "--json"];
        args.extend_from_slice(filter);
        let r = self.run(&args);
        assert_eq!(r.code, 0, "qg cases: {r:#?}");
        r.json().as_array().cloned().unwrap_or_else(|| panic!("cases is a JSON array: {r:#?}"))
    }

    /// The case with this ID, from `qg cases --json`.
    pub fn case(&self, case_id: &str) -> Value {
        self.cases(&[])
            .into_iter()
            .find(|c| c["case_id"] == case_id)
            .unwrap_or_else(|| panic!("case {case_id} is not in qg cases"))
    }

    /// `qg outbox --json`.
    pub fn outbox(&self) -> Vec<Value> {
        let r = self.run(&["outbox", "--json"]);
        assert_eq!(r.code, 0, "qg outbox: {r:#?}");
        r.json().as_array().cloned().unwrap_or_else(|| panic!("outbox is a JSON array: {r:#?}"))
    }

    /// The account's encrypted store (`<home>/<account>/cache.db`).
    pub fn store_path(&self) -> PathBuf {
        store_in(self.qg.home.path())
    }

    /// Opens the account's store as someone holding the key would.
    pub fn open_store(&self) -> qunguan_store::Store {
        qunguan_store::Store::open(&self.store_path(), &qunguan_core::Secret::new(self.key.clone()))
            .expect("open the encrypted store with QG_CACHE_KEY")
    }

    /// A second data directory holding a copy of this one (same account and key), for
    /// experiments that must not touch the original.
    pub fn copy(&self) -> Console {
        let qg = Qg::new().env("QG_CACHE_KEY", &self.key);
        copy_dir(self.qg.home.path(), qg.home.path());
        Console { qg, key: self.key.clone(), user_id: self.user_id.clone() }
    }
}

/// The one `cache.db` under a `qg` home.
pub fn store_in(home: &Path) -> PathBuf {
    std::fs::read_dir(home)
        .expect("read the qg home")
        .filter_map(|e| Some(e.ok()?.path().join(qunguan_store::CACHE_FILE)))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("no cache.db in an account directory of {}", home.display()))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy file");
        }
    }
}

/// Every event of a room's timeline, oldest first, all types (pages through `/messages`).
pub async fn timeline(client: &Client, room: &str) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut from: Option<String> = None;
    loop {
        let mut path = format!("/rooms/{}/messages?dir=b&limit=1000", encode(room));
        if let Some(f) = &from {
            path.push_str(&format!("&from={}", encode(f)));
        }
        let v = client.call(Method::GET, &path, None).await?;
        let chunk = v["chunk"].as_array().cloned().unwrap_or_default();
        out.extend(chunk.iter().cloned());
        match v["end"].as_str() {
            Some(end) if !chunk.is_empty() => from = Some(end.to_owned()),
            _ => break,
        }
    }
    out.reverse();
    Ok(out)
}

/// The messages of a timeline that carry `org.qunguan.case_id` = `case_id`.
pub fn sent_for_case<'a>(timeline: &'a [Value], case_id: &str) -> Vec<&'a Value> {
    timeline
        .iter()
        .filter(|e| e["type"] == "m.room.message" && e["content"]["org.qunguan.case_id"] == case_id)
        .collect()
}

/// A member's current membership (`join`, `leave`, `ban`, …), `None` if never a member.
pub async fn membership(client: &Client, room: &str, user: &str) -> anyhow::Result<Option<String>> {
    Ok(client.get_state(room, "m.room.member", user).await?.and_then(|c| c["membership"].as_str().map(str::to_owned)))
}

/// A member's explicit entry in the power levels (`None` when they have none).
pub async fn user_level(client: &Client, room: &str, user: &str) -> anyhow::Result<Option<i64>> {
    Ok(client.power_levels(room).await?["users"][user].as_i64())
}

/// A group `owner` creates on the server at `base_url` (named `群 <prefix…>`, unique), with
/// each of `levels` at its power level, joined by every one of `joiners`; its room ID.
pub fn create_group(
    base_url: &str,
    owner: &TestUser,
    levels: &[(&TestUser, i64)],
    joiners: &[&TestUser],
    prefix: &str,
) -> String {
    crate::RUNTIME
        .block_on(async {
            let spec = qunguan_testkit::RoomSpec {
                name: Some(format!("群 {}", unique(prefix))),
                power: levels.iter().map(|(u, level)| (u.user_id.clone(), *level)).collect(),
                ..qunguan_testkit::RoomSpec::default()
            };
            let room = Client::new(base_url, &owner.access_token).create_room(&spec).await?;
            for u in joiners {
                Client::new(base_url, &u.access_token).join(&room).await?;
            }
            anyhow::Ok(room)
        })
        .expect("create the group and join its members")
}
