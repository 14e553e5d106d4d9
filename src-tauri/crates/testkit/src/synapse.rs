//! A real Synapse per caller: own temp dir, free loopback port, SQLite, fast bcrypt, rate
//! limits raised (or deliberately lowered), no federation, no presence.
//!
//! Why a real server and not a mock: the product's promises (roles from v12 power levels,
//! idempotent retries, 429 handling, report endpoints) are Synapse's behaviour, and a mock would
//! only encode our guesses about it. Starting one costs ~2.5 s, so a test binary shares one and
//! makes fresh users and rooms per test.
//!
//! The child is spawned from one long-lived thread with `PR_SET_PDEATHSIG`, so a server held in a
//! `static` (never dropped) still dies with the test process instead of leaking.

use std::fs;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

/// The Synapse release the harness installs and runs (`cargo xtask setup` pins it).
pub const SYNAPSE_VERSION: &str = "1.163.2";
/// Server name of every harness server, so fixtures copied between runs stay valid.
pub const SERVER_NAME: &str = "localhost";
/// The loopback-only shared secret for admin registration; never used outside tests.
const SHARED_SECRET: &str = "qunguan-harness-shared-secret";

/// `$XDG_CACHE_HOME/qunguan`, else `~/.cache/qunguan`: the venv and the fixtures live here.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("qunguan");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache").join("qunguan")
}

/// Where the pinned Synapse venv is (or will be): `$QG_SYNAPSE_VENV`, else `<cache>/synapse-<version>`.
pub fn synapse_venv() -> PathBuf {
    match std::env::var_os("QG_SYNAPSE_VENV").filter(|v| !v.is_empty()) {
        Some(v) => PathBuf::from(v),
        None => cache_dir().join(format!("synapse-{SYNAPSE_VERSION}")),
    }
}

/// The venv's python, checked to have Synapse installed. Missing → an error naming the fix;
/// tests never skip silently.
pub fn synapse_python() -> Result<PathBuf> {
    let venv = synapse_venv();
    let python = venv.join("bin").join("python");
    let installed = fs::read_dir(venv.join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|py| py.path().join("site-packages/synapse/__init__.py").is_file());
    if !python.is_file() || !installed {
        bail!(
            "Synapse {SYNAPSE_VERSION} is not installed in {}: run `cargo xtask setup` \
             (or point QG_SYNAPSE_VENV at a venv with matrix-synapse=={SYNAPSE_VERSION})",
            venv.display()
        );
    }
    Ok(python)
}

/// How to start a server.
#[derive(Clone, Debug, Default)]
pub struct SynapseOptions {
    /// Low `rc_*` limits for actions (messages, state, redactions, joins, invites, room creation,
    /// reports: a burst of 3, then one per 2 s) so tests can see 429s. Sign-in and registration
    /// stay unlimited so set-up still works; see [`Synapse::exempt_from_rate_limits`].
    pub rate_limited: bool,
    /// Start from a copy of this data instead of an empty database.
    pub fixture: Option<Fixture>,
}

/// A stopped server's data (SQLite database + signing key) to start copies from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fixture {
    /// The directory holding [`Fixture::DB`] and [`Fixture::KEY`].
    pub dir: PathBuf,
    /// The server name the data was made under (copies must keep it).
    pub server_name: String,
}

impl Fixture {
    /// Synapse's SQLite database.
    pub const DB: &'static str = "homeserver.db";
    /// The server's signing key (events in the database are signed with it).
    pub const KEY: &'static str = "signing.key";

    fn check(&self) -> Result<()> {
        for f in [Self::DB, Self::KEY] {
            let p = self.dir.join(f);
            if !p.is_file() {
                bail!("fixture {} is incomplete: {} missing", self.dir.display(), p.display());
            }
        }
        Ok(())
    }
}

/// A user made through shared-secret registration, signed in with one device.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TestUser {
    /// The full Matrix ID.
    pub user_id: String,
    /// The password it was registered with.
    pub password: String,
    /// The token of its one device.
    pub access_token: String,
}

/// A running Synapse. Dropping it kills the process and deletes its data.
pub struct Synapse {
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    /// The server name in user IDs (`localhost`).
    pub server_name: String,
    /// The loopback port it listens on.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    http: reqwest::Client,
    admin: OnceCell<TestUser>,
}

impl std::fmt::Debug for Synapse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synapse").field("base_url", &self.base_url).field("dir", &self.dir.path()).finish()
    }
}

impl Synapse {
    /// An empty server with unlimited rates.
    pub async fn start() -> Result<Synapse> {
        Self::start_with(SynapseOptions::default()).await
    }

    /// A server configured by `opts` (rate limits, registration, …).
    pub async fn start_with(opts: SynapseOptions) -> Result<Synapse> {
        Self::start_configured(opts, true).await
    }

    /// `push: false` skips push-rule evaluation for every member on every event: seeding a
    /// 1,000-member room is then several times faster. Only the fixture build uses it.
    pub(crate) async fn start_configured(opts: SynapseOptions, push: bool) -> Result<Synapse> {
        let python = synapse_python()?;
        let mut dir = tempfile::Builder::new().prefix("qunguan-synapse-").tempdir().context("temp dir for Synapse")?;
        let server_name = match &opts.fixture {
            Some(f) => {
                f.check()?;
                fs::copy(f.dir.join(Fixture::DB), dir.path().join(Fixture::DB)).context("copy fixture database")?;
                fs::copy(f.dir.join(Fixture::KEY), dir.path().join(Fixture::KEY)).context("copy fixture key")?;
                f.server_name.clone()
            }
            None => {
                fs::write(dir.path().join(Fixture::KEY), signing_key()?).context("write signing key")?;
                SERVER_NAME.to_owned()
            }
        };
        fs::create_dir_all(dir.path().join("media_store"))?;
        fs::write(dir.path().join("log.config"), LOG_CONFIG)?;
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(120)).build()?;
        let mut last_err = None;
        // A free port can be taken between probing and Synapse's bind; try a few.
        for _ in 0..4 {
            let port = free_port()?;
            let config = config(dir.path(), &server_name, port, opts.rate_limited, push);
            fs::write(dir.path().join("homeserver.yaml"), serde_json::to_string_pretty(&config)?)?;
            let mut s = Synapse {
                base_url: format!("http://127.0.0.1:{port}"),
                server_name: server_name.clone(),
                port,
                dir,
                child: None,
                http: http.clone(),
                admin: OnceCell::new(),
            };
            match s.launch(&python).await {
                Ok(()) => return Ok(s),
                Err(e) if s.log_tail(40).contains("Address already in use") => {
                    last_err = Some(e);
                    dir = std::mem::replace(&mut s.dir, tempfile::tempdir()?);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow!("no free port")))
    }

    /// Spawns the process on the current config and waits until the client API answers.
    async fn launch(&mut self, python: &Path) -> Result<()> {
        let log_path = self.log_path();
        let log = fs::OpenOptions::new().create(true).append(true).open(&log_path)?;
        let mut cmd = Command::new(python);
        cmd.args(["-m", "synapse.app.homeserver", "-c"])
            .arg(self.dir.path().join("homeserver.yaml"))
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let started = Instant::now();
        let mut child = spawn_tied_to_process(cmd).with_context(|| format!("spawn {}", python.display()))?;
        let url = format!("{}/_matrix/client/versions", self.base_url);
        loop {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "Synapse exited during start-up ({status}); last lines of {}:\n{}",
                    log_path.display(),
                    self.log_tail(30)
                );
            }
            if let Ok(r) = self.http.get(&url).timeout(Duration::from_secs(2)).send().await
                && r.status().is_success()
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(90) {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "Synapse did not answer {url} within 90 s; last lines of {}:\n{}",
                    log_path.display(),
                    self.log_tail(30)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.child = Some(child);
        Ok(())
    }

    /// The directory with the config, database, signing key and log.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Synapse's stdout and stderr (log level WARNING unless `QG_SYNAPSE_LOG_LEVEL` says otherwise).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("synapse.log")
    }

    /// The last `n` lines of the log, for error messages.
    pub fn log_tail(&self, n: usize) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(self.log_path()) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
            let mut buf = Vec::new();
            let _ = f.read_to_end(&mut buf);
            text = String::from_utf8_lossy(&buf).into_owned();
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Is the process running (not shut down, not crashed)?
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Registers a user through the shared secret and returns it signed in.
    pub async fn register(&self, localpart: &str, password: &str, admin: bool) -> Result<TestUser> {
        self.register_with(localpart, password, admin, None).await
    }

    /// [`Self::register`] with a display name set at creation (no extra profile request).
    pub async fn register_with(
        &self,
        localpart: &str,
        password: &str,
        admin: bool,
        display_name: Option<&str>,
    ) -> Result<TestUser> {
        let url = format!("{}/_synapse/admin/v1/register", self.base_url);
        let nonce: Value = self.http.get(&url).send().await?.error_for_status()?.json().await?;
        let nonce = nonce["nonce"].as_str().context("register: no nonce")?;
        let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(SHARED_SECRET.as_bytes()).expect("any key length");
        for part in [nonce, localpart, password] {
            mac.update(part.as_bytes());
            mac.update(b"\0");
        }
        mac.update(if admin { b"admin" } else { b"notadmin" });
        let mac: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let mut body = json!({"nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac});
        if let Some(d) = display_name {
            body["displayname"] = json!(d);
        }
        let r = self.http.post(&url).json(&body).send().await?;
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("register {localpart}: HTTP {status}: {v}");
        }
        Ok(TestUser {
            user_id: v["user_id"].as_str().context("register: no user_id")?.to_owned(),
            password: password.to_owned(),
            access_token: v["access_token"].as_str().context("register: no access_token")?.to_owned(),
        })
    }

    /// A server admin made on first use (`@qg-harness-admin`), for admin-API helpers.
    pub async fn admin(&self) -> Result<&TestUser> {
        self.admin.get_or_try_init(|| self.register("qg-harness-admin", "qg-harness-admin-pass", true)).await
    }

    /// Lifts every rate limit for one user (Synapse's `override_ratelimit`), so set-up in a
    /// `rate_limited` server is not throttled while the user under test still is.
    pub async fn exempt_from_rate_limits(&self, user_id: &str) -> Result<()> {
        let admin = self.admin().await?;
        let url =
            format!("{}/_synapse/admin/v1/users/{}/override_ratelimit", self.base_url, crate::client::encode(user_id));
        let r = self
            .http
            .post(&url)
            .bearer_auth(&admin.access_token)
            .json(&json!({"messages_per_second": 0, "burst_count": 0}))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("override_ratelimit {user_id}: HTTP {}: {}", r.status(), r.text().await.unwrap_or_default());
        }
        Ok(())
    }

    /// SIGTERM and wait (up to 20 s, then SIGKILL); the data stays for [`Self::resume`].
    pub async fn shutdown(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else { return Ok(()) };
        if child.try_wait()?.is_some() {
            return Ok(());
        }
        // SAFETY: plain kill(2) on our own child's pid, which has not been reaped yet.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                child.kill()?;
                child.wait()?;
                bail!("Synapse ignored SIGTERM for 20 s and was killed");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// SIGKILL: a crash, for outage tests. The data stays for [`Self::resume`].
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again on the same data and port.
    pub async fn resume(&mut self) -> Result<()> {
        if self.is_running() {
            return Ok(());
        }
        let python = synapse_python()?;
        self.launch(&python).await
    }

    /// Same data, same port: shut down, then resume.
    pub async fn restart(&mut self) -> Result<()> {
        self.shutdown().await?;
        self.resume().await
    }

    /// Graceful stop; deletes the data.
    pub async fn stop(mut self) -> Result<()> {
        self.shutdown().await
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0").context("bind a probe socket")?.local_addr()?.port())
}

/// A fresh ed25519 signing key in Synapse's file format (`ed25519 <key id> <unpadded base64 seed>`);
/// writing it ourselves saves a second ~2 s Python start (`--generate-keys`).
fn signing_key() -> Result<String> {
    let mut seed = [0u8; 32];
    fs::File::open("/dev/urandom")?.read_exact(&mut seed)?;
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in seed.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            b64.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    let id: String = seed[..4].iter().map(|b| (b'a' + b % 26) as char).collect();
    Ok(format!("ed25519 a_{id} {b64}\n"))
}

const LOG_CONFIG: &str = r#"version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: precise
root:
  level: WARNING
  handlers: [console]
disable_existing_loggers: false
"#;

/// The homeserver config (JSON is YAML). Everything a test does not need is off.
fn config(dir: &Path, server_name: &str, port: u16, rate_limited: bool, push: bool) -> Value {
    let high = json!({"per_second": 100000, "burst_count": 1000000});
    let action = if rate_limited { json!({"per_second": 0.5, "burst_count": 3}) } else { high.clone() };
    let level = std::env::var("QG_SYNAPSE_LOG_LEVEL").unwrap_or_else(|_| "WARNING".into());
    let _ = fs::write(dir.join("log.config"), LOG_CONFIG.replace("level: WARNING", &format!("level: {level}")));
    json!({
        "server_name": server_name,
        "public_baseurl": format!("http://127.0.0.1:{port}/"),
        "pid_file": dir.join("homeserver.pid"),
        "listeners": [{
            "port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": false, "x_forwarded": false,
            "resources": [{"names": ["client"], "compress": false}],
        }],
        "database": {"name": "sqlite3", "args": {"database": dir.join(Fixture::DB)}},
        "log_config": dir.join("log.config"),
        "media_store_path": dir.join("media_store"),
        "signing_key_path": dir.join(Fixture::KEY),
        "registration_shared_secret": SHARED_SECRET,
        "macaroon_secret_key": "qunguan-harness-macaroon-secret",
        "form_secret": "qunguan-harness-form-secret",
        "enable_registration": false,
        "report_stats": false,
        "enable_metrics": false,
        "bcrypt_rounds": 4,
        "presence": {"enabled": false},
        "push": {"enabled": push},
        "url_preview_enabled": false,
        "trusted_key_servers": [],
        "suppress_key_server_warning": true,
        "federation_domain_whitelist": [],
        "rc_message": action,
        "rc_admin_redaction": action,
        "rc_joins": {"local": action, "remote": action},
        "rc_joins_per_room": action,
        "rc_invites": {"per_room": action, "per_user": action, "per_issuer": action},
        "rc_room_creation": action,
        "rc_reports": action,
        "rc_third_party_invite": action,
        "rc_registration": high,
        "rc_registration_token_validity": high,
        "rc_login": {"address": high, "account": high, "failed_attempts": high},
        "rc_3pid_validation": high,
        "rc_media_create": high,
        "rc_presence": {"per_user": high},
        "rc_delayed_event_mgmt": high,
        "rc_user_directory": high,
        "rc_profile": high,
        "rc_key_requests": high,
    })
}

type SpawnRequest = (Command, mpsc::Sender<std::io::Result<Child>>);

/// Spawns from one thread that lives as long as the process, with `PR_SET_PDEATHSIG`: the
/// signal fires when the *spawning thread* ends, so it must not be a test's thread.
fn spawn_tied_to_process(mut cmd: Command) -> std::io::Result<Child> {
    static SPAWNER: LazyLock<Mutex<mpsc::Sender<SpawnRequest>>> = LazyLock::new(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("qg-synapse-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("spawner thread");
        Mutex::new(tx)
    });
    use std::os::unix::process::CommandExt as _;
    // SAFETY: prctl and getppid are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        let parent = libc::getpid();
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 || libc::getppid() != parent {
                return Err(std::io::Error::other("parent gone"));
            }
            Ok(())
        });
    }
    let (tx, rx) = mpsc::channel();
    SPAWNER.lock().expect("spawner lock").send((cmd, tx)).map_err(|_| std::io::Error::other("spawner gone"))?;
    rx.recv().map_err(|_| std::io::Error::other("spawner gone"))?
}
