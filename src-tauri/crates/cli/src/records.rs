//! `qg cases`, `qg audit verify`, `qg outbox [retry]`.

use qunguan_core::Result;
use qunguan_engine::Engine;

use crate::act::{print_outcomes, worst};
use crate::args::{Audit, Command, OutboxCmd};
use crate::commands::print_json;
use crate::i18n::{self, Lang};
use crate::table;

/// `6`: the audit found a broken chain (or `evidence verify` a broken package).
pub const EXIT_BROKEN_CHAIN: u8 = 6;

pub async fn run(engine: &Engine, command: Command, json: bool, lang: Lang) -> Result<u8> {
    match command {
        Command::Cases { group, user, admin } => {
            let group = match group {
                Some(g) if g.starts_with('#') => Some(engine.group(&g).await?.id),
                other => other,
            };
            let cases = engine.cases(group, user, admin).await?;
            if json {
                print_json(&cases)?;
            } else {
                let headers = ["case", "created_at", "group", "actor", "action", "target", "status", "reason"]
                    .map(|k| i18n::word(k, lang));
                let rows: Vec<Vec<String>> = cases
                    .iter()
                    .map(|c| {
                        vec![
                            c.case_id.clone(),
                            c.created_at.clone(),
                            c.group.clone(),
                            c.actor.clone(),
                            c.action.clone(),
                            c.target.clone().unwrap_or_default(),
                            i18n::status(c.status, lang).to_owned(),
                            c.reason.clone(),
                        ]
                    })
                    .collect();
                crate::term::out(&table::render(&headers, &rows));
            }
            Ok(0)
        }
        Command::Audit(Audit::Verify) => {
            let report = engine.audit_verify().await?;
            if json {
                print_json(&report)?;
            } else {
                crate::term::out(&i18n::audit(report.ok, report.groups, report.records, lang));
                for b in &report.breaks {
                    crate::term::out(&format!("  {}", i18n::audit_break(b, lang)));
                }
            }
            Ok(if report.ok { 0 } else { EXIT_BROKEN_CHAIN })
        }
        Command::Outbox { cmd: Some(OutboxCmd::Retry) } => {
            let outcomes = engine.retry_outbox(true).await?;
            print_outcomes(&outcomes, json, lang, true)?;
            Ok(worst(&outcomes))
        }
        Command::Outbox { cmd: Some(OutboxCmd::Cancel { case, reason }) } => {
            let outcome = engine.cancel_outbox(&case, &reason).await?;
            print_outcomes(std::slice::from_ref(&outcome), json, lang, false)?;
            // The command did what was asked: the entry is cancelled.
            Ok(0)
        }
        Command::Outbox { cmd: None } => {
            let entries = engine.outbox().await?;
            if json {
                print_json(&entries)?;
            } else {
                let headers = ["case", "action", "group", "target", "status", "attempts", "next_attempt", "last_error"]
                    .map(|k| i18n::word(k, lang));
                let rows: Vec<Vec<String>> = entries
                    .iter()
                    .map(|e| {
                        vec![
                            e.case_id.clone(),
                            e.action.clone(),
                            e.group.clone(),
                            e.target.clone().unwrap_or_default(),
                            i18n::status(e.status, lang).to_owned(),
                            e.attempts.to_string(),
                            e.next_attempt_at.clone().unwrap_or_default(),
                            e.last_error.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                crate::term::out(&table::render(&headers, &rows));
            }
            Ok(0)
        }
        _ => unreachable!("only record commands come here"),
    }
}
