//! `qg` — the headless face of the Qunguan engine (see `docs/cli.md` for the contract).
//!
//! Each subcommand is a thin call into `qunguan_engine::Engine` plus output formatting; the
//! exit code and the `{code, message}` error shape are decided in one place, [`exit`].

mod act;
mod args;
mod commands;
mod credit;
mod evidence;
mod exit;
mod i18n;
mod queue;
mod records;
mod retention;
mod search;
mod serve;
mod staff;
mod stewardship;
mod table;
mod term;

use clap::Parser;

fn main() -> std::process::ExitCode {
    // SAFETY: first thing in `main`: no thread exists yet (the runtime is started below).
    let env = unsafe { qunguan_engine::EnvOverride::take_from_env() };
    let args = args::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("QG_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            term::err(&format!("qg: cannot start: {e}"));
            return std::process::ExitCode::from(1);
        }
    };
    let json = args.json;
    match runtime.block_on(commands::run(args, env)) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => exit::report(&e, json),
    }
}
