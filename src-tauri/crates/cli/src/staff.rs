//! `qg staff …`: platform-staff mode for server admins — the report inbox and the measures.
//!
//! Reads (`reports`) exit `1` with `forbidden` for an account that is not a server admin;
//! measures are cases and exit like every action (`4` refused when not a server admin).
//! Report text comes from strangers: the table shows it with control characters stripped
//! (`crate::table` cells go through `crate::term`), so a reported message cannot drive the
//! terminal; `--json` carries it as a JSON string. The engine masks its personal data.

use clap::{Args, Subcommand};
use qunguan_core::Result;
use qunguan_core::action::Action;
use qunguan_core::staff::StaffReport;
use qunguan_engine::Engine;
use qunguan_engine::staff::StaffRequest;

use crate::act::{exit_code, print_outcomes};
use crate::commands::print_json;
use crate::i18n::{self, Lang};
use crate::table;

/// Platform staff (server admins): reports sent to the server and platform-level measures.
#[derive(Debug, Subcommand)]
pub enum Staff {
    /// Event and user reports sent to this server, newest first (needs a server admin).
    ///
    /// Each report has an ID that names its kind: event:12 (a reported message) or user:3
    /// (a reported account). Synapse has no admin list of room reports.
    Reports,
    /// Resolve a report: remove it from the inbox (recorded as a case).
    ///
    /// REPORT is the ID `qg staff reports` shows, with its kind: event:12 or user:3 (event and
    /// user reports are numbered separately, so a bare number is refused).
    Resolve {
        /// event:ID or user:ID
        report: String,
        /// Why (optional here; the case then says "resolved (no reason given)").
        #[arg(long)]
        reason: Option<String>,
        /// The platform rule this cites.
        #[arg(long)]
        rule: Option<String>,
    },
    /// Suspend an account of this server: it can still read and leave, but not post or join.
    Suspend {
        user: String,
        #[command(flatten)]
        why: StaffWhy,
    },
    /// Lift a suspension.
    Unsuspend {
        user: String,
        #[command(flatten)]
        why: StaffWhy,
    },
    /// Deactivate an account of this server for good: it can no longer sign in.
    Deactivate {
        user: String,
        #[command(flatten)]
        why: StaffWhy,
    },
    /// Close a group: block its room on this server, remove everyone and purge it.
    ///
    /// Waits up to a minute for the server to finish; past that the case stays queued (exit 3)
    /// and `qg outbox retry` follows the same deletion.
    Close {
        /// Room ID (!abc) or alias (#name:server); I need not be in it.
        group: String,
        #[command(flatten)]
        why: StaffWhy,
    },
}

/// Every staff measure needs a reason; a platform rule may be cited.
#[derive(Debug, Args)]
pub struct StaffWhy {
    /// Why (required, not empty).
    #[arg(long)]
    pub reason: String,
    /// The platform rule (terms of service clause) this cites.
    #[arg(long)]
    pub rule: Option<String>,
}

pub async fn run(engine: &Engine, command: Staff, json: bool, lang: Lang) -> Result<u8> {
    let (action, reason, rule) = match command {
        Staff::Reports => {
            let reports = engine.staff_reports().await?;
            if json {
                print_json(&reports)?;
            } else {
                crate::term::out(&reports_table(&reports, lang));
            }
            return Ok(0);
        }
        Staff::Resolve { report, reason, rule } => (Action::StaffResolve { report }, reason.unwrap_or_default(), rule),
        Staff::Suspend { user, why } => (Action::StaffSuspend { user }, why.reason, why.rule),
        Staff::Unsuspend { user, why } => (Action::StaffUnsuspend { user }, why.reason, why.rule),
        Staff::Deactivate { user, why } => (Action::StaffDeactivate { user }, why.reason, why.rule),
        Staff::Close { group, why } => (Action::StaffClose { room: group }, why.reason, why.rule),
    };
    let outcome = engine.staff_act(StaffRequest { action, reason, rule }).await?;
    print_outcomes(std::slice::from_ref(&outcome), json, lang, false)?;
    Ok(exit_code(outcome.status))
}

fn word(key: &str, lang: Lang) -> &'static str {
    let (en, zh) = match key {
        "id" => ("ID", "编号"),
        "received" => ("RECEIVED", "收到时间"),
        "reported" => ("REPORTED", "被举报"),
        "group" => ("GROUP", "群"),
        "reporter" => ("REPORTER", "举报人"),
        "score" => ("SCORE", "分值"),
        "reason" => ("REASON", "理由"),
        "text" => ("MESSAGE", "消息内容"),
        "none" => ("No open reports.", "没有待处理的举报。"),
        _ => return i18n::word(key, lang),
    };
    if lang == Lang::Zh { zh } else { en }
}

fn reports_table(reports: &[StaffReport], lang: Lang) -> String {
    if reports.is_empty() {
        return word("none", lang).to_owned();
    }
    let headers = ["id", "received", "reported", "group", "reporter", "score", "reason", "text"].map(|k| word(k, lang));
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            let reported = match (&r.reported_user, &r.event_id) {
                (Some(u), Some(e)) => format!("{u} {e}"),
                (Some(u), None) => u.clone(),
                (None, Some(e)) => e.clone(),
                (None, None) => String::new(),
            };
            let group = r.group_alias.as_ref().or(r.group.as_ref()).cloned().unwrap_or_default();
            let text = match (&r.text, &r.event_type) {
                (Some(t), _) => t.clone(),
                (None, Some(kind)) => format!("[{kind}]"),
                (None, None) => String::new(),
            };
            [
                r.id.clone(),
                r.received_at.clone(),
                reported,
                group,
                r.reporter.clone(),
                r.score.map(|s| s.to_string()).unwrap_or_default(),
                r.reason.clone().unwrap_or_default(),
                text,
            ]
            .into()
        })
        .collect();
    table::render(&headers, &rows)
}
