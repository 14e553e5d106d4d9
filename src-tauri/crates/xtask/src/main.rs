//! # `cargo xtask` — the project's own build and test orchestration
//!
//! One entry point so a fresh Debian box with Rust, Node and Python needs two commands:
//! `cargo xtask demo` (see the app signed in on a seeded homeserver) and `cargo xtask test`
//! (everything CI runs; `.ci/run` calls exactly this). Written in Rust rather than shell so it
//! shares the Synapse harness with the tests and runs the same way on every machine.
//!
//! - `setup`: installs what is missing and skips what is there (apt packages, `tauri-driver`,
//!   `npm ci`, the pinned Synapse venv). Not root and packages missing → prints the one
//!   `sudo apt-get install …` line and fails.
//! - `demo`: setup, build the app, start Synapse from the cached demo fixture, launch the app
//!   signed in as the demo owner; quitting the app stops Synapse.
//! - `synapse`: the demo homeserver alone, for development with `qg` or `npm run tauri dev`.
//! - `fixture`: build (or rebuild) the cached demo fixture and report how long it took.
//! - `test`: fmt, clippy, svelte-check, the app build, then every `cargo test` under Xvfb with a
//!   D-Bus session, a Secret Service and a notification daemon; a timing summary at the end.

mod demo;
mod setup;
mod test;
mod util;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Qunguan's set-up, demo and test orchestration")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Install what is missing: apt packages, tauri-driver, ui/node_modules, the Synapse venv.
    Setup,
    /// Start a seeded Synapse and launch the app signed in as the demo owner.
    Demo,
    /// Start a seeded Synapse (or an empty one) and wait for Ctrl-C.
    Synapse {
        /// No demo data: an empty server.
        #[arg(long)]
        empty: bool,
        /// Low rate limits, so 429s happen.
        #[arg(long)]
        rate_limited: bool,
    },
    /// Build the cached demo fixture (if missing or stale) and print where it is.
    Fixture {
        /// Delete the cached fixture first and build it again.
        #[arg(long)]
        rebuild: bool,
    },
    /// Run every check CI runs, in order, with a timing summary.
    Test {
        /// Run only these steps (repeatable): setup, fmt, types, clippy, doc, deny, ui-check, build-app, test.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(test::STEPS))]
        only: Vec<String>,
    },
    /// The crash-safety test at volume: SIGKILL `qg` at random points N times, then check every
    /// decided action was carried out exactly once on a real Synapse.
    Soak {
        #[arg(long, default_value_t = 1000)]
        kills: u32,
    },
    /// (internal) The `cargo test` runs, inside the Xvfb + D-Bus session `test` sets up.
    #[command(hide = true)]
    SessionTests {
        #[arg(long)]
        timings: std::path::PathBuf,
    },
}

/// `cargo run` hands us the variables it sets for a package (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`,
/// …). Nested cargo runs would pass them on to build scripts, and some (ring's) rerun when they
/// change, so every `cargo xtask` build would recompile half the tree. Drop them.
fn forget_cargo_run_env() {
    let set_by_cargo_run = |k: &str| {
        k.starts_with("CARGO_PKG_")
            || matches!(k, "CARGO_MANIFEST_DIR" | "CARGO_MANIFEST_PATH" | "CARGO_CRATE_NAME" | "CARGO_BIN_NAME")
            || k == "CARGO_PRIMARY_PACKAGE"
    };
    let keys: Vec<String> =
        std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).filter(|k| set_by_cargo_run(k)).collect();
    for k in keys {
        // SAFETY: called first thing in `main`, before any other thread exists.
        unsafe { std::env::remove_var(k) };
    }
}

fn main() {
    forget_cargo_run_env();
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Setup => setup::setup(),
        Cmd::Demo => demo::demo(),
        Cmd::Synapse { empty, rate_limited } => demo::synapse(empty, rate_limited),
        Cmd::Fixture { rebuild } => demo::fixture(rebuild),
        Cmd::Test { only } => test::test(&only),
        Cmd::Soak { kills } => test::soak(kills),
        Cmd::SessionTests { timings } => test::session_tests(&timings),
    };
    if let Err(e) = result {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}
