//! Small process helpers: every command is echoed before it runs, and fails loudly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};

/// The repository root (this crate lives at `src-tauri/crates/xtask`).
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().nth(3).expect("src-tauri/crates/xtask has three ancestors").to_path_buf()
}

/// The cargo that runs us (`$CARGO`), so nested builds use the same toolchain.
pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root());
    c
}

/// The workspace's target directory (honours `CARGO_TARGET_DIR` and config).
pub fn target_dir() -> Result<PathBuf> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    if let Some(d) = DIR.get() {
        return Ok(d.clone());
    }
    let out = cargo().args(["metadata", "--format-version", "1", "--no-deps"]).output().context("cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let dir = PathBuf::from(v["target_directory"].as_str().context("no target_directory")?);
    Ok(DIR.get_or_init(|| dir).clone())
}

/// Runs a command, echoing it first; a non-zero exit is an error naming the command.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = show(cmd);
    eprintln!("\x1b[1m$ {shown}\x1b[0m");
    let status = cmd.status().with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        if a.contains(' ') || a.is_empty() {
            s.push_str(&format!(" '{a}'"));
        } else {
            s.push(' ');
            s.push_str(&a);
        }
    }
    if let Some(dir) = cmd.get_current_dir()
        && dir != root()
    {
        s = format!("(cd {} && {s})", dir.strip_prefix(root()).unwrap_or(dir).display());
    }
    s
}

/// `name` on `PATH` (or in `~/.cargo/bin`, where `cargo install` puts things).
pub fn which(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    dirs.push(cargo_bin());
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// `$CARGO_HOME/bin`, else `~/.cargo/bin`.
pub fn cargo_bin() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(h) => PathBuf::from(h).join("bin"),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo").join("bin"),
    }
}

/// `PATH` with `~/.cargo/bin` added, for children that look up `tauri-driver`.
pub fn path_with_cargo_bin() -> std::ffi::OsString {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    let bin = cargo_bin();
    if !dirs.contains(&bin) {
        dirs.push(bin);
    }
    std::env::join_paths(dirs).expect("PATH entries without ':'")
}

/// Effective user is root (from `/proc/self/status`, no libc needed).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

/// CI mode (`CI=true`): no incremental compilation, it only costs disk and time there.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The tauri CLI from `ui/node_modules` (installed by `npm ci`).
pub fn tauri_cli() -> Result<PathBuf> {
    let cli = root().join("ui/node_modules/.bin/tauri");
    if !cli.is_file() {
        bail!("{} is missing: run `cargo xtask setup` (npm ci in ui/)", cli.display());
    }
    Ok(cli)
}

/// `tauri build --debug --no-bundle` from the repo root (the `custom-protocol` build that serves
/// the bundled UI); `cargo_args` go to its `cargo build`. Returns the app binary.
pub fn build_app(cargo_args: &[&str]) -> Result<PathBuf> {
    let mut cmd = Command::new(tauri_cli()?);
    cmd.args(["build", "--debug", "--no-bundle"]).current_dir(root());
    if !cargo_args.is_empty() {
        cmd.arg("--").args(cargo_args);
    }
    if is_ci() {
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    run(&mut cmd)?;
    let app = target_dir()?.join("debug").join("qunguan-app");
    if !app.is_file() {
        bail!("the tauri build finished but {} does not exist", app.display());
    }
    Ok(app)
}
