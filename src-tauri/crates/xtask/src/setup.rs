//! `cargo xtask setup`: install what is missing, skip what is there. Idempotent and quick when
//! everything is present (no network), so `demo` and `test` always run it first.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use qunguan_testkit::oracles::{ORACLE_PACKAGES, oracle_installed, oracle_python, oracle_venv};
use qunguan_testkit::{SYNAPSE_VERSION, synapse_python, synapse_venv};

use crate::util::{self, root, run, which};

/// Building the Tauri app (WebKitGTK and friends).
pub const APT_BUILD: &[&str] = &[
    "build-essential",
    "pkg-config",
    "curl",
    "wget",
    "file",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libsoup-3.0-dev",
    "libxdo-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
];

/// GUI tests: a virtual display, the WebDriver, fonts (CJK too), screenshots, a session bus,
/// a notification daemon and a Secret Service. Not `dbus-x11`: it breaks `dbus-run-session`.
pub const APT_GUI: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus",
    "libgl1-mesa-dri",
    "fonts-dejavu-core",
    "fonts-noto-cjk",
    "imagemagick",
    "xdotool",
    "dunst",
    "libnotify-bin",
    "gnome-keyring",
    "libsecret-tools",
];

pub fn setup() -> Result<()> {
    apt()?;
    tauri_driver()?;
    cargo_deny()?;
    npm_ci()?;
    synapse()?;
    oracles()?;
    eprintln!("setup: everything is in place");
    Ok(())
}

/// Packages from the lists (plus `python3-venv` when the system python cannot make a venv)
/// that `dpkg-query` does not report as installed.
fn missing_packages() -> Result<Vec<String>> {
    let mut wanted: Vec<&str> = APT_BUILD.iter().chain(APT_GUI).copied().collect();
    let venv_ok = Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !venv_ok {
        wanted.push("python3-venv");
    }
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${Package} ${db:Status-Abbrev}\n"])
        .args(&wanted)
        .output()
        .context("dpkg-query (this set-up expects Debian or Ubuntu)")?;
    let installed: Vec<&str> = std::str::from_utf8(&out.stdout)?
        .lines()
        .filter_map(|l| l.split_once(' ').filter(|(_, s)| s.starts_with("ii")).map(|(p, _)| p))
        .collect();
    Ok(wanted
        .into_iter()
        .filter(|p| !installed.contains(&p.split(':').next().unwrap_or(p)))
        .map(String::from)
        .collect())
}

fn apt() -> Result<()> {
    let missing = missing_packages()?;
    if missing.is_empty() {
        eprintln!("setup: apt packages present");
        return Ok(());
    }
    if !util::is_root() {
        eprintln!("setup: these system packages are missing; install them with:\n");
        eprintln!("    sudo apt-get install -y {}\n", missing.join(" "));
        bail!("{} apt package(s) missing (run the line above, then this command again)", missing.len());
    }
    run(Command::new("apt-get").args(["update"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(Command::new("apt-get").args(["install", "-y"]).args(&missing).env("DEBIAN_FRONTEND", "noninteractive"))?;
    let still = missing_packages()?;
    if !still.is_empty() {
        bail!("apt-get finished but these are still not installed: {}", still.join(" "));
    }
    Ok(())
}

fn tauri_driver() -> Result<()> {
    if let Some(p) = which("tauri-driver") {
        eprintln!("setup: tauri-driver present ({})", p.display());
        return Ok(());
    }
    run(util::cargo().args(["install", "tauri-driver", "--locked"]))
}

/// The version of cargo-deny the `deny` step runs (pinned: its config format changes).
const CARGO_DENY_VERSION: &str = "0.20.2";

fn cargo_deny() -> Result<()> {
    let present = Command::new("cargo")
        .args(["deny", "--version"])
        .env("PATH", util::path_with_cargo_bin())
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains(CARGO_DENY_VERSION));
    if present {
        eprintln!("setup: cargo-deny {CARGO_DENY_VERSION} present");
        return Ok(());
    }
    run(util::cargo().args(["install", "cargo-deny", "--locked", "--version", CARGO_DENY_VERSION]))
}

fn mtime(p: &Path) -> Option<SystemTime> {
    p.metadata().and_then(|m| m.modified()).ok()
}

/// `npm ci` in `ui/` when there is a lock file and `node_modules` is missing or older than it
/// (npm writes `node_modules/.package-lock.json` on every install).
fn npm_ci() -> Result<()> {
    let ui = root().join("ui");
    let lock = ui.join("package-lock.json");
    if !lock.is_file() {
        eprintln!("setup: no ui/package-lock.json yet, skipping npm ci (the ui-check step will fail)");
        return Ok(());
    }
    let stamp = ui.join("node_modules/.package-lock.json");
    let fresh = match (mtime(&stamp), mtime(&lock), mtime(&ui.join("package.json"))) {
        (Some(s), Some(l), Some(p)) => s >= l && s >= p,
        _ => false,
    };
    if fresh {
        eprintln!("setup: ui/node_modules up to date");
        return Ok(());
    }
    eprintln!("\x1b[1m$ (cd ui && npm ci --no-audit --no-fund)\x1b[0m");
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&ui)
        .stdout(std::process::Stdio::inherit())
        .output()
        .context("could not start npm")?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    // A lock written against a registry mirror that serves only some platforms' optional packages
    // (e.g. no `@tauri-apps/cli-darwin-*`) lacks their entries, which `npm ci` rejects while
    // `npm install` installs the locked versions unchanged.
    if err.contains("are in sync") && err.contains("Missing:") {
        eprintln!("setup: npm ci rejects the lock file's missing optional platform packages; using npm install");
        return run(Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(&ui));
    }
    eprint!("{err}");
    bail!("npm ci failed ({})", out.status)
}

/// The pinned Synapse in a venv under the cache dir.
fn synapse() -> Result<()> {
    let venv = synapse_venv();
    let pinned = || {
        std::fs::read_dir(venv.join("lib"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|py| py.path().join(format!("site-packages/matrix_synapse-{SYNAPSE_VERSION}.dist-info")).is_dir())
    };
    if synapse_python().is_ok() && pinned() {
        eprintln!("setup: Synapse {SYNAPSE_VERSION} present ({})", venv.display());
        return Ok(());
    }
    pip_install(&venv, &[format!("matrix-synapse=={SYNAPSE_VERSION}")])?;
    synapse_python()?;
    if !pinned() {
        bail!("pip finished but Synapse {SYNAPSE_VERSION} is not in {}", venv.display());
    }
    Ok(())
}

/// The pinned oracle packages (see `qunguan_testkit::oracles`) in their own venv.
fn oracles() -> Result<()> {
    let venv = oracle_venv();
    let missing: Vec<String> =
        ORACLE_PACKAGES.iter().filter(|(d, v)| !oracle_installed(d, v)).map(|(d, v)| format!("{d}=={v}")).collect();
    if missing.is_empty() && oracle_python().is_ok() {
        eprintln!("setup: oracle packages present ({})", venv.display());
        return Ok(());
    }
    pip_install(&venv, &missing)?;
    oracle_python()?;
    Ok(())
}

/// `pip install` of pinned requirements into `venv`, made first if it is not there.
fn pip_install(venv: &Path, requirements: &[String]) -> Result<()> {
    if !venv.join("bin/python").is_file() {
        let python = which("python3").context("python3 is not on PATH")?;
        std::fs::create_dir_all(venv.parent().context("venv has a parent")?)?;
        run(Command::new(python).args(["-m", "venv"]).arg(venv))?;
    }
    run(Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet"])
        .args(requirements))
}
