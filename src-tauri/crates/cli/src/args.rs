//! The command-line grammar.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Warn a member: a notice in the group that mentions them, citing the reason (and rule).
    Warn {
        group: String,
        user: String,
        #[command(flatten)]
        why: Why,
    },
    /// Mute a member for a while (power below what posting needs); undone at the end.
    Mute {
        group: String,
        user: String,
        /// How long: 10m, 2h, 3d, 1w (at most one year).
        #[arg(long = "for", value_name = "DURATION", allow_hyphen_values = true)]
        duration: String,
        #[command(flatten)]
        why: Why,
    },
    /// Let a muted member post again (restores their previous level).
    Unmute {
        group: String,
        user: String,
        #[command(flatten)]
        why: Why,
    },
    /// Remove a message (evidence is captured first).
    Remove {
        group: String,
        event: String,
        #[command(flatten)]
        why: Why,
    },
    /// Remove a member from the group.
    Kick {
        group: String,
        user: String,
        #[command(flatten)]
        why: Why,
    },
    /// Ban a member from the group.
    Ban {
        group: String,
        user: String,
        /// Ban in every group I manage and add the member to my shared blocklist (policy list).
        #[arg(long, conflicts_with = "duration")]
        all_groups: bool,
        /// A timed ban: lifted after 10m, 2h, 3d, 1w (at most one year) by the app or `qg serve`.
        #[arg(long = "for", value_name = "DURATION", allow_hyphen_values = true)]
        duration: Option<String>,
        #[command(flatten)]
        why: Why,
    },
    /// Lift a ban.
    Unban {
        group: String,
        user: String,
        /// Unban in every group I manage and remove the member from my shared blocklist.
        #[arg(long)]
        all_groups: bool,
        #[command(flatten)]
        why: Why,
    },
    /// Suspend posting for members (全员禁言).
    Lock {
        group: String,
        #[command(flatten)]
        why: Why,
    },
    /// Resume posting (restores the previous posting level).
    Unlock {
        group: String,
        #[command(flatten)]
        why: Why,
    },
    /// Change a member's role.
    Role {
        group: String,
        user: String,
        role: RoleArg,
        #[command(flatten)]
        why: Why,
    },
    /// Escalate to the platform.
    #[command(subcommand)]
    Report(Report),
    /// Platform staff (server admins): the report inbox and platform-level measures.
    #[command(subcommand)]
    Staff(crate::staff::Staff),
    /// The case log, oldest first.
    Cases {
        #[arg(long)]
        group: Option<String>,
        /// Cases about this member.
        #[arg(long)]
        user: Option<String>,
        /// Cases taken by this admin.
        #[arg(long)]
        admin: Option<String>,
    },
    /// Check the case log.
    #[command(subcommand)]
    Audit(Audit),
    /// Evidence packages: export a case or a group's month; re-check a package.
    #[command(subcommand)]
    Evidence(Evidence),
    /// Actions decided but not yet confirmed by the platform.
    Outbox {
        #[command(subcommand)]
        cmd: Option<OutboxCmd>,
    },
    /// Stay running: carry out queued actions and end timed mutes when they come due.
    Serve {
        /// Seconds between rounds.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
        interval: u64,
    },
    /// Run the detection engine over a JSONL file: one {"id","findings"} line out per line in.
    Scan {
        /// JSONL input: {"id": ..., "text": ...} a line ("sender" and "ts" enable flood detection).
        #[arg(long, value_name = "FILE.jsonl")]
        input: PathBuf,
        /// Extra terms, `category<TAB>term` a line (added to the built-in lists).
        #[arg(long, value_name = "FILE.tsv")]
        lexicon: Option<PathBuf>,
    },
    /// Follow the groups I manage: store new messages, check them, queue what needs a look.
    Sync {
        /// Only these groups (room IDs or aliases; their feed keeps its own place).
        groups: Vec<String>,
        /// Keep following (live) until Ctrl-C, instead of one round.
        #[arg(long, conflicts_with = "groups")]
        follow: bool,
    },
    /// The flagged queue: open items, most severe first, then oldest.
    Queue {
        /// Only this group (room ID or alias).
        #[arg(long)]
        group: Option<String>,
        /// Items in this state instead of open ones.
        #[arg(long, value_enum)]
        state: Option<StateArg>,
        /// Only items whose top finding has this category (privacy, spam, fraud, …).
        #[arg(long)]
        category: Option<String>,
        /// Only items this source brought.
        #[arg(long, value_enum)]
        source: Option<SourceArg>,
    },
    /// One queue item with the messages around it (personal data masked unless --unmask).
    Show {
        /// The item's ID (see `qg queue`).
        item: String,
        /// Show personal data: recorded as a reveal case, with --reason.
        #[arg(long, requires = "reason")]
        unmask: bool,
        /// Why the personal data is shown (with --unmask).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Close a queue item without acting (recorded as a `dismiss` case).
    Dismiss {
        /// The item's ID (see `qg queue`).
        item: String,
        /// Why (required, not empty).
        #[arg(long)]
        reason: String,
        /// Even if another admin holds it.
        #[arg(long)]
        force: bool,
    },
    /// How members report in a group (`!report` replies, 🚩 reactions); with --command or
    /// --emoji, set the group's own (every admin's console uses them).
    ReportWords {
        /// Room ID or alias.
        group: String,
        /// A word that, first in a reply, reports the message (repeat for several).
        #[arg(long = "command", value_name = "WORD")]
        commands: Vec<String>,
        /// A reaction that reports the message (repeat for several).
        #[arg(long, value_name = "EMOJI")]
        emoji: Vec<String>,
    },
    /// A group's written rules (shown to every admin in the action dialog); with --set or
    /// --file, set them (every admin's console reads them).
    Rules {
        /// Room ID or alias.
        group: String,
        /// The rules text.
        #[arg(long, value_name = "TEXT", conflicts_with = "file")]
        set: Option<String>,
        /// Read the rules text from this file (UTF-8).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// How each group meets its size tier: active managers, queue items waiting too long,
    /// written rules, the owner's presence.
    Compliance {
        /// Only this group (room ID or alias); else every group I manage.
        group: Option<String>,
    },
    /// Each manager's record in a group: actions by kind, reversals, dismissals, decision times.
    Admins {
        /// Room ID or alias.
        group: String,
    },
    /// Hold a queue item, so the other admins' consoles show who is on it.
    Claim {
        /// The item's ID (see `qg queue`).
        item: String,
        /// Take it over from the admin holding it.
        #[arg(long)]
        force: bool,
    },
    /// Let go of a queue item I hold.
    Release {
        /// The item's ID (see `qg queue`).
        item: String,
        /// Release another admin's claim.
        #[arg(long)]
        force: bool,
    },
    /// A member's credit: score, level, and every change with its date, case, action and rule.
    Credit {
        /// GROUP USER (room ID or alias, Matrix ID); USER alone with --all-groups.
        #[arg(num_args = 1..=2, value_names = ["GROUP", "USER"], required = true)]
        targets: Vec<String>,
        /// Across all my groups: overall (this console's policy), then per group.
        #[arg(long)]
        all_groups: bool,
    },
    /// The credit policy in effect for a group (or, without GROUP, this console's default);
    /// with --set FILE, check it and make it the group's own (owners and admins) or the default.
    CreditPolicy {
        /// Room ID or alias; leave out for this console's default.
        group: Option<String>,
        /// A policy's JSON (`-`: standard input); nothing is applied unless all of it is valid.
        #[arg(long, value_name = "FILE")]
        set: Option<PathBuf>,
    },
    /// Retention: drop cached messages past their period (those of open queue items stay;
    /// cases and evidence are never dropped), recorded; `--dry-run` only counts.
    Purge {
        /// Count what would go, drop nothing (recorded as a dry run).
        #[arg(long)]
        dry_run: bool,
        /// List the latest purges and erasures instead.
        #[arg(long, conflicts_with = "dry_run")]
        log: bool,
    },
    /// Back-fill the groups' history into the encrypted store, to a depth (resumable: it
    /// continues from the last page written). Stored for review and search, not queued.
    History {
        /// Room IDs or aliases (none: every group I manage).
        groups: Vec<String>,
        /// How far back, in days (default: the retention period for messages).
        #[arg(long)]
        days: Option<u32>,
    },
    /// The retention policy (`retention.json`): with --set FILE, check it and make it the policy.
    Retention {
        /// A policy's JSON (`-`: standard input): `{"messages_days": N, "cases_days": N}`;
        /// nothing is applied unless all of it is valid.
        #[arg(long, value_name = "FILE")]
        set: Option<PathBuf>,
    },
    /// Search the cached messages of a group (or, with --all-groups, of every group I manage):
    /// Chinese of any length, English words and prefixes; newest first, personal data masked.
    Search {
        /// GROUP QUERY (room ID or alias, the text); QUERY alone with --all-groups.
        #[arg(num_args = 1..=2, value_names = ["GROUP", "QUERY"], required = true)]
        targets: Vec<String>,
        /// Every group I manage.
        #[arg(long)]
        all_groups: bool,
        /// Only messages of this sender (@name:server).
        #[arg(long, value_name = "USER")]
        sender: Option<String>,
        /// Only messages from this day (YYYY-MM-DD, UTC) or time (YYYY-MM-DDTHH:MM:SSZ) on.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only messages up to this day (inclusive) or time.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Only messages flagged by the detector or reported (with a queue item).
        #[arg(long)]
        flagged: bool,
        /// Hits per page (1 to 200; default 50).
        #[arg(long, value_name = "N")]
        limit: Option<u32>,
        /// Continue after a page: the cursor it printed.
        #[arg(long, value_name = "C")]
        cursor: Option<String>,
    },
    /// One person's cached data: export it, or erase their cached messages.
    #[command(subcommand)]
    Person(Person),
    /// Members of a group, with their roles.
    Members {
        /// Room ID (!abc) or alias (#name:server).
        group: String,
    },
}

/// `qg person …`.
#[derive(Debug, Subcommand)]
pub enum Person {
    /// Everything cached about one person, per group (messages masked, cases, reports made).
    Export {
        /// Matrix ID (@name:server).
        user: String,
    },
    /// Erase one person's cached messages in every group (recorded; cases keep their entries).
    Erase {
        /// Matrix ID (@name:server).
        user: String,
        /// Why (required, not empty).
        #[arg(long)]
        reason: String,
    },
}

/// Every action needs a reason; a rule may be cited.
#[derive(Debug, Args)]
pub struct Why {
    /// Why (required, not empty).
    #[arg(long)]
    pub reason: String,
    /// The group rule this cites.
    #[arg(long)]
    pub rule: Option<String>,
    /// The queue item this decides (see `qg queue`): it leaves the open queue with this case,
    /// in every admin's console.
    #[arg(long, value_name = "ITEM")]
    pub item: Option<String>,
    /// With --item: even if another admin holds it.
    #[arg(long, requires = "item")]
    pub force: bool,
}

/// Where an item came from, as `--source` takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SourceArg {
    Auto,
    MemberReport,
    PlatformReport,
}

/// A queue item's state, as `--state` takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StateArg {
    Open,
    Dismissed,
    Actioned,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Moderator,
    Member,
}

#[derive(Debug, Subcommand)]
pub enum Report {
    /// Report a message to the platform (evidence is captured first).
    Message {
        group: String,
        event: String,
        #[command(flatten)]
        why: Why,
    },
    /// Report a member to the platform.
    Member {
        user: String,
        #[command(flatten)]
        why: Why,
    },
    /// Report a whole group to the platform.
    Group {
        group: String,
        #[command(flatten)]
        why: Why,
    },
}

#[derive(Debug, Subcommand)]
pub enum Audit {
    /// Verify every hash chain (and against the moderation rooms); exit 6 and every break if broken.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum Evidence {
    /// Export one case, or every case of a group in a month, as a package anyone can check
    /// (records and evidence as hashed, report.html, verify.py, SHA256SUMS).
    Export {
        /// The case ID (or give --group and --month instead).
        #[arg(required_unless_present = "group", conflicts_with = "group")]
        case: Option<String>,
        /// Room ID or alias: with --month, every case of the group in that month.
        #[arg(long, requires = "month")]
        group: Option<String>,
        /// YYYY-MM (UTC), with --group.
        #[arg(long, value_name = "YYYY-MM", requires = "group")]
        month: Option<String>,
        /// The folder to make (new, or empty); with --zip, the zip file.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Write one zip file (its files under one folder) instead of a folder.
        #[arg(long)]
        zip: bool,
        /// The report's language (default: the UI language, from QG_LANG or LANG).
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
    },
    /// Re-check an exported package (a folder or a zip): exit 6 and every problem if broken.
    Verify {
        /// The package's folder or zip file.
        path: PathBuf,
    },
}

/// A report language, as `--lang` takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    #[value(alias = "zh-CN", alias = "zh_CN")]
    Zh,
    En,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCmd {
    /// Carry out every queued action now.
    Retry,
    /// End a queued action without carrying it out (recorded in its case as `cancelled`).
    Cancel {
        /// The case ID of the queued action (see `qg outbox`).
        case: String,
        /// Why (required, not empty).
        #[arg(long)]
        reason: String,
    },
}
