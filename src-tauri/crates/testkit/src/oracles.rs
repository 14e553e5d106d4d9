//! Judges nobody here wrote: pinned third-party packages the tests check our output against.
//!
//! They live in a venv of their own (`<cache>/oracles`, or `$QG_ORACLE_VENV`) that
//! `cargo xtask setup` fills with exactly [`ORACLE_PACKAGES`](crate::oracles::ORACLE_PACKAGES); a test that needs one and finds it
//! missing fails with an error naming the fix, never skips.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::synapse::cache_dir;

/// `(distribution, version)` pairs, as pip names them.
pub const ORACLE_PACKAGES: &[(&str, &str)] = &[
    // RFC 8785 JSON Canonicalization, pure Python (Trail of Bits): re-hashes our case records.
    ("rfc8785", "0.1.4"),
    // A Matrix client library (matrix.org's Python SDK): members who reply, react and report
    // the way a real client sends it, not the way our own test client would.
    ("matrix-nio", "0.26.0"),
];

/// Where the oracle venv is (or will be).
pub fn oracle_venv() -> PathBuf {
    match std::env::var_os("QG_ORACLE_VENV").filter(|v| !v.is_empty()) {
        Some(v) => PathBuf::from(v),
        None => cache_dir().join("oracles"),
    }
}

/// Is `dist==version` installed in the venv?
pub fn oracle_installed(dist: &str, version: &str) -> bool {
    let dist_info = format!("{}-{version}.dist-info", dist.replace('-', "_"));
    std::fs::read_dir(oracle_venv().join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|py| py.path().join("site-packages").join(&dist_info).is_dir())
}

/// The venv's python, checked to hold every oracle package.
pub fn oracle_python() -> Result<PathBuf> {
    let python = oracle_venv().join("bin").join("python");
    let missing: Vec<String> =
        ORACLE_PACKAGES.iter().filter(|(d, v)| !oracle_installed(d, v)).map(|(d, v)| format!("{d}=={v}")).collect();
    if !python.is_file() || !missing.is_empty() {
        bail!("the oracle packages ({}) are not in {}: run `cargo xtask setup`", missing.join(", "), python.display());
    }
    Ok(python)
}

/// Runs `script` with the oracle python, `stdin` on its standard input; returns its stdout.
pub fn run_oracle(script: &str, stdin: &str) -> Result<String> {
    use std::io::Write as _;
    let mut child = Command::new(oracle_python()?)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("start the oracle python")?;
    child.stdin.take().context("stdin")?.write_all(stdin.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("the oracle script failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}
