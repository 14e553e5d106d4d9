//! `cargo xtask test`: everything CI checks, in order, failing fast, with a timing summary.
//!
//! The `cargo test` runs happen inside `xvfb-run … dbus-run-session -- <wrapper>`: the wrapper
//! starts a Secret Service (gnome-keyring, unlocked from stdin) and a notification daemon
//! (dunst), so sign-in, keyring and notification paths run for real, then calls back into this
//! binary (`session-tests`) to run the tests. GUI test targets (`gui*`) run after the rest with
//! `--test-threads=1`: they share one display and one keyring.
//!
//! The app is built once (`tauri build --debug --no-bundle`, the `custom-protocol` build) and
//! copied to `<target>/e2e-app/qunguan-app`, so later cargo builds can never replace the binary
//! the GUI tests drive; tests find it through `QG_APP_BINARY`. That build covers every workspace
//! target and the test builds turn on the same feature, so they reuse its compiled dependencies.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util::{self, cargo, root, run, target_dir};

pub const STEPS: &[&str] = &["setup", "fmt", "types", "clippy", "doc", "deny", "ui-check", "build-app", "test"];

/// The app feature `tauri build` turns on; the test builds use it too (same compiled deps).
const APP_FEATURE: &str = "qunguan-app/custom-protocol";

fn app_copy() -> Result<PathBuf> {
    Ok(target_dir()?.join("e2e-app").join("qunguan-app"))
}

/// Cargo with CI settings applied.
fn cargo_ci() -> Command {
    let mut c = cargo();
    if util::is_ci() {
        c.env("CARGO_INCREMENTAL", "0");
    }
    c
}

pub fn test(only: &[String]) -> Result<()> {
    let started = Instant::now();
    let mut timings: Vec<(String, Duration, bool)> = Vec::new();
    let mut result = Ok(());
    for &step in STEPS {
        if !only.is_empty() && !only.iter().any(|o| o == step) {
            continue;
        }
        eprintln!("\n\x1b[1;36m==> {step}\x1b[0m");
        let t = Instant::now();
        let r = match step {
            "setup" => crate::setup::setup(),
            "fmt" => run(cargo().args(["fmt", "--all", "--", "--check"])),
            "types" => types_fresh(),
            "clippy" => run(cargo_ci().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])),
            // The API docs build without a warning: no broken intra-doc link survives.
            "doc" => run(cargo_ci().args(["doc", "--no-deps", "--workspace"]).env("RUSTDOCFLAGS", "-D warnings")),
            // Licences, banned crates and sources (deny.toml); advisories need the network.
            "deny" => run(cargo()
                .args(["deny", "--locked", "check", "--hide-inclusion-graph", "licenses", "bans", "sources"])
                .env("PATH", util::path_with_cargo_bin())),
            "ui-check" => ui_check(),
            "build-app" => build_app(),
            "test" => in_session(&mut timings),
            _ => unreachable!("unknown step {step}"),
        };
        timings.push((step.to_owned(), t.elapsed(), r.is_ok()));
        if let Err(e) = r {
            result = Err(e.context(format!("step `{step}` failed")));
            break;
        }
    }
    eprintln!("\n{}", summary(&timings, started.elapsed()));
    result
}

fn summary(timings: &[(String, Duration, bool)], total: Duration) -> String {
    let mut s = String::from("timing summary (cargo xtask test)\n");
    for (name, d, ok) in timings {
        let _ = writeln!(s, "  {:<28} {:>8.1} s  {}", name, d.as_secs_f64(), if *ok { "ok" } else { "FAILED" });
    }
    let _ = write!(s, "  {:<28} {:>8.1} s", "total", total.as_secs_f64());
    s
}

/// The TypeScript bindings in `ui/src/lib/api/bindings/` must be what the Rust types export now:
/// export them to a scratch directory and compare file by file.
fn types_fresh() -> Result<()> {
    let committed = root().join("ui/src/lib/api/bindings");
    let fresh = target_dir()?.join("ts-bindings-check");
    let _ = std::fs::remove_dir_all(&fresh);
    std::fs::create_dir_all(&fresh)?;
    run(cargo_ci()
        .args(["test", "-q", "-p", "qunguan-core", "--features", "ts", "export_bindings"])
        .env("TS_RS_EXPORT_DIR", &fresh))?;
    let list = |dir: &Path| -> Result<Vec<(String, String)>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push((name, std::fs::read_to_string(&path)?));
        }
        files.sort();
        Ok(files)
    };
    let (want, have) = (list(&fresh)?, list(&committed)?);
    if want != have {
        let mut differs: Vec<&str> = want.iter().filter(|f| !have.contains(f)).map(|(n, _)| n.as_str()).collect();
        differs.extend(have.iter().filter(|f| !want.contains(f)).map(|(n, _)| n.as_str()));
        differs.sort();
        differs.dedup();
        bail!(
            "ui/src/lib/api/bindings is stale ({}): run `cargo test -p qunguan-core --features ts export_bindings` \
             and commit the result",
            differs.join(", ")
        );
    }
    Ok(())
}

fn ui_check() -> Result<()> {
    let ui = root().join("ui");
    if !ui.join("package.json").is_file() {
        bail!("ui/package.json does not exist: the front end is not there yet");
    }
    run(Command::new("npm").args(["run", "check"]).current_dir(ui))
}

/// The app, and with it every workspace target: `--workspace --all-targets` makes this one cargo
/// run resolve features exactly as the later `cargo test --workspace` does, so the Tauri stack is
/// compiled once per CI run instead of twice.
fn build_app() -> Result<()> {
    let app = util::build_app(&["--workspace", "--all-targets"])?;
    let copy = app_copy()?;
    std::fs::create_dir_all(copy.parent().expect("e2e-app dir"))?;
    // Replace, never write through: a running copy must not be modified in place.
    let _ = std::fs::remove_file(&copy);
    std::fs::copy(&app, &copy).with_context(|| format!("copy {} to {}", app.display(), copy.display()))?;
    eprintln!("app binary for the GUI tests: {}", copy.display());
    Ok(())
}

const WRAPPER: &str = r#"#!/usr/bin/env bash
# Runs inside `xvfb-run … dbus-run-session --`: a Secret Service and a notification daemon for
# the tests, then the given command. Written by `cargo xtask test`.
set -uo pipefail
logs="$1"; shift
# A keyring of our own for this run: a login keyring left in ~/.local/share/keyrings by another
# session (with another password) would stay locked and make gnome-keyring prompt, hanging the tests.
export XDG_DATA_HOME="$logs/xdg-data"
rm -rf "$XDG_DATA_HOME"
mkdir -p "$XDG_DATA_HOME"
# A keyring of its own (never the user's login keyring, whose password we do not know), new
# each run: gnome-keyring keeps keyrings in $XDG_DATA_HOME/keyrings.
rm -rf "$logs/keyring-data"; mkdir -p "$logs/keyring-data"
printf 'qunguan-test-keyring' | XDG_DATA_HOME="$logs/keyring-data" \
  gnome-keyring-daemon --foreground --unlock --components=secrets >"$logs/gnome-keyring.log" 2>&1 &
keyring=$!
dunst >"$logs/dunst.log" 2>&1 &
notifier=$!
trap 'kill $keyring $notifier 2>/dev/null; wait $keyring $notifier 2>/dev/null' EXIT
export WEBKIT_DISABLE_COMPOSITING_MODE=1
ready=no
for _ in $(seq 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
       org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    ready=yes; break
  fi
  sleep 0.1
done
if [ "$ready" != yes ]; then
  echo "gnome-keyring did not appear on the session bus; its log:" >&2
  cat "$logs/gnome-keyring.log" >&2
  exit 1
fi
"$@"
status=$?
exit $status
"#;

/// The `test` step: run `session-tests` inside Xvfb + D-Bus, then merge its timings.
fn in_session(timings: &mut Vec<(String, Duration, bool)>) -> Result<()> {
    let app = app_copy()?;
    if !app.is_file() {
        bail!("{} does not exist: the build-app step makes it (`cargo xtask test --only build-app`)", app.display());
    }
    let logs = target_dir()?.join("test-session");
    std::fs::create_dir_all(&logs)?;
    let wrapper = logs.join("session.sh");
    std::fs::write(&wrapper, WRAPPER)?;
    let timings_file = logs.join("timings.tsv");
    let _ = std::fs::remove_file(&timings_file);
    for tool in ["xvfb-run", "dbus-run-session", "gnome-keyring-daemon", "dunst", "dbus-send"] {
        if util::which(tool).is_none() {
            bail!("{tool} is not installed: run `cargo xtask setup`");
        }
    }
    // The build-app step rebuilt (replaced) our own binary; run a copy of the one running now.
    let me = logs.join("xtask-session");
    let _ = std::fs::remove_file(&me);
    std::fs::copy("/proc/self/exe", &me).context("copy the running xtask binary")?;
    let mut cmd = Command::new("xvfb-run");
    cmd.args(["-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--", "bash"])
        .arg(&wrapper)
        .arg(&logs)
        .arg(&me)
        .arg("session-tests")
        .arg("--timings")
        .arg(&timings_file)
        .env("QG_APP_BINARY", &app)
        .env("PATH", util::path_with_cargo_bin())
        .current_dir(root());
    let r = run(&mut cmd);
    if let Ok(text) = std::fs::read_to_string(&timings_file) {
        for line in text.lines() {
            let mut f = line.split('\t');
            if let (Some(name), Some(secs), Some(ok)) = (f.next(), f.next(), f.next()) {
                let secs: f64 = secs.parse().unwrap_or(0.0);
                timings.push((format!("  test: {name}"), Duration::from_secs_f64(secs), ok == "ok"));
            }
        }
    }
    r
}

/// `cargo xtask soak`: the crash-safety test at volume (`kills` SIGKILLs), in a D-Bus session
/// with a keyring like the test step, printing the test's own figures.
pub fn soak(kills: u32) -> Result<()> {
    let logs = target_dir()?.join("soak-session");
    std::fs::create_dir_all(&logs)?;
    let wrapper = logs.join("session.sh");
    std::fs::write(&wrapper, WRAPPER)?;
    run(cargo_ci().args(["build", "-p", "qunguan-cli"]))?;
    let started = Instant::now();
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "bash"])
        .arg(&wrapper)
        .arg(&logs)
        .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["test", "-p", "qunguan-tests", "--test", "crash", "sigkill", "--", "--nocapture"])
        .env("QG_CRASH_KILLS", kills.to_string())
        .env("PATH", util::path_with_cargo_bin())
        .current_dir(root());
    let r = run(&mut cmd);
    eprintln!("soak: {kills} kills wanted, {:.0} s in all", started.elapsed().as_secs_f64());
    r
}

/// Test targets (`--test NAME`) of the workspace, split into (others, GUI).
fn test_targets() -> Result<(Vec<String>, Vec<String>)> {
    let out = cargo().args(["metadata", "--format-version", "1", "--no-deps"]).output()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("cargo metadata")?;
    let mut names: Vec<String> = v["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .filter(|t| t["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "test")))
        .filter_map(|t| t["name"].as_str().map(String::from))
        .collect();
    names.sort();
    names.dedup();
    Ok(names.into_iter().partition(|n| !n.starts_with("gui")))
}

/// Inside the session: build everything the tests need, then run the tests. Every run happens
/// even if an earlier one failed; the step fails if any did.
pub fn session_tests(timings_file: &Path) -> Result<()> {
    let (others, gui) = test_targets()?;
    let record = |name: &str, t: Instant, ok: bool| {
        let line = format!("{name}\t{:.3}\t{}\n", t.elapsed().as_secs_f64(), if ok { "ok" } else { "failed" });
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(timings_file)
            .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
    };
    let mut failed = Vec::new();

    // `qg` and the other binaries the end-to-end tests start, plus every test target.
    let t = Instant::now();
    let ok = run(cargo_ci().args(["build", "--workspace", "--all-targets", "--features", APP_FEATURE])).is_ok();
    record("build", t, ok);
    if !ok {
        bail!("the workspace does not build");
    }

    let mut runs: Vec<(&str, Vec<String>)> = Vec::new();
    let mut unit: Vec<String> = ["--lib", "--bins", "--examples"].map(String::from).to_vec();
    for name in &others {
        unit.push("--test".into());
        unit.push(name.clone());
    }
    runs.push(("unit + integration", unit));
    runs.push(("doc", vec!["--doc".into()]));
    if !gui.is_empty() {
        let mut g = Vec::new();
        for name in &gui {
            g.push("--test".into());
            g.push(name.clone());
        }
        g.extend(["--", "--test-threads=1"].map(String::from));
        runs.push(("gui", g));
    }
    for (name, args) in runs {
        let t = Instant::now();
        let mut cmd = cargo_ci();
        cmd.args(["test", "--workspace", "--no-fail-fast", "--features", APP_FEATURE]);
        // `--` must come after cargo's own flags.
        let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
        cmd.args(&args[..split]);
        cmd.args(&args[split..]);
        let ok = run(&mut cmd).is_ok();
        record(name, t, ok);
        if !ok {
            failed.push(name);
        }
    }
    if !failed.is_empty() {
        bail!("failing test runs: {}", failed.join(", "));
    }
    Ok(())
}
