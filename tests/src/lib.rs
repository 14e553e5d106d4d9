//! # qunguan-tests — end-to-end tests on the real stack
//!
//! - `tests/cli.rs`: `qg` (and so the engine and the Matrix adapter) against a real Synapse
//!   started by [`qunguan_testkit`], one server per test binary, fresh users and rooms per test.
//! - `tests/act.rs`: every moderation action, refusal, conflict, bad input, the offline queue
//!   and tamper detection, checked against the server's state read back with the raw client.
//! - `tests/crash.rs`: `qg` SIGKILLed at random points mid-batch (`QG_CRASH_KILLS` for the
//!   soak), and Synapse stopped mid-batch; every decided action done exactly once.
//! - `tests/ratelimit.rs`: a rate-limited Synapse; 429s waited out, each send once.
//! - `tests/gui.rs`: the built app in its real window, driven through `tauri-driver` (the
//!   harness: [`gui`]).
//!
//! Tests that need something this machine lacks (Synapse, a keyring, the app binary) fail
//! with a message that says what to install — they never skip.

#![warn(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use tokio::runtime::Runtime;

/// One runtime for the whole test binary, so the shared Synapse and its clients live on it.
pub static RUNTIME: LazyLock<Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime"));

/// The `qg` binary: `$QG_BIN`, else `target/<profile>/qg` beside this test executable.
pub fn qg_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("QG_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    let qg = profile_dir.join("qg");
    assert!(
        qg.is_file(),
        "qg binary not found at {}: build it first (`cargo build -p qunguan-cli`; `cargo xtask test` does)",
        qg.display()
    );
    qg
}

/// What one `qg` run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`-1` when killed by a signal).
    pub code: i32,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

impl Run {
    /// Stdout parsed as JSON (panics with the run when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }

    /// The `{code, message}` document `--json` prints on stderr.
    pub fn error_code(&self) -> String {
        let v: serde_json::Value = serde_json::from_str(self.stderr.trim())
            .unwrap_or_else(|e| panic!("stderr is not a JSON error ({e}): {self:#?}"));
        v["code"].as_str().unwrap_or_else(|| panic!("no code in {v}")).to_owned()
    }
}

/// A `qg` invocation with its own data directory and a controlled environment.
pub struct Qg {
    /// The data directory, passed as `--home` (deleted on drop).
    pub home: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Default for Qg {
    fn default() -> Self {
        Self::new()
    }
}

impl Qg {
    /// A `qg` with a fresh temporary data directory.
    pub fn new() -> Self {
        Self { home: tempfile::tempdir().expect("temp dir"), env: Vec::new() }
    }

    /// Sets an environment variable for every run.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Runs `qg --home <home> ARGS`, feeding `stdin`; credentials in the caller's environment are removed.
    pub fn run(&self, args: &[&str], stdin: &str) -> Run {
        self.run_with(args, stdin, &[])
    }

    /// [`Qg::run`] with more environment for this run only (`QG_TEST_NOW` for a later clock).
    pub fn run_with(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        cmd.envs(env.iter().copied());
        let mut child = cmd.spawn().expect("spawn qg");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        let out = child.wait_with_output().expect("qg output");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The `qg --home <home> ARGS` command [`Qg::run`] runs, piped, for callers that need the
    /// child itself (to kill it mid-run).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(qg_binary());
        cmd.arg("--home")
            .arg(self.home.path())
            .args(args)
            .env_remove("QG_HOMESERVER")
            .env_remove("QG_ACCESS_TOKEN")
            .env("LANG", "en_US.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("QG_LANG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}

/// Fails loudly when no Secret Service is reachable (tests must run inside the harness's D-Bus session).
pub fn require_keyring() {
    let stored = Command::new("secret-tool")
        .args(["store", "--label", "qunguan test probe", "service", "qunguan-probe", "key", "probe"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().expect("stdin").write_all(b"probe")?;
            c.wait()
        })
        .is_ok_and(|s| s.success());
    assert!(stored, "no Secret Service: run the tests through `cargo xtask test` (D-Bus session with gnome-keyring)");
    let _ = Command::new("secret-tool").args(["clear", "service", "qunguan-probe", "key", "probe"]).status();
}
/// A signed-in `qg` console per test user, and readers of the homeserver's state.
pub mod console;
/// The GUI tests' harness: the app in its window through `tauri-driver`, and WebDriver helpers.
pub mod gui;
/// A loopback forwarder to take a homeserver "offline" for one client, or hold requests back.
pub mod proxy;
