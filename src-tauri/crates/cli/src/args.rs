//! The command-line grammar.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "qg", version, about = "Qunguan — moderate your chat groups from the command line")]
pub struct Cli {
    /// Data directory (default: $QG_HOME, else ~/.local/share/qunguan).
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Print one JSON document instead of a table; errors as {"code","message"} on stderr.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in; the access token is kept in the OS keyring.
    Login {
        /// Homeserver URL or server name (e.g. example.org).
        #[arg(long, env = "QG_HOMESERVER")]
        homeserver: String,
        /// Matrix ID (@alice:example.org) or local part; needed with --password-stdin.
        #[arg(long, required_unless_present = "token_stdin")]
        user: Option<String>,
        /// Read the password from standard input.
        #[arg(long, conflicts_with = "token_stdin", required_unless_present = "token_stdin")]
        password_stdin: bool,
        /// Read an existing access token from standard input.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Sign out: end the session and remove the token from the keyring.
    Logout,
    /// Groups where I am owner, admin or moderator.
    Groups,
    /// Run the detection engine over a JSONL file: one {"id","findings"} line out per line in.
    Scan {
        /// JSONL input: {"id": ..., "text": ...} a line ("sender" and "ts" enable flood detection).
        #[arg(long, value_name = "FILE.jsonl")]
        input: PathBuf,
        /// Extra terms, `category<TAB>term` a line (added to the built-in lists).
        #[arg(long, value_name = "FILE.tsv")]
        lexicon: Option<PathBuf>,
    },
    /// Members of a group, with their roles.
    Members {
        /// Room ID (!abc) or alias (#name:server).
        group: String,
    },
}
