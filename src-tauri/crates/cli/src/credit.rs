//! `qg credit GROUP USER`, `qg credit --all-groups USER` and `qg credit-policy [GROUP] [--set FILE]`.

use std::io::Read;

use qunguan_core::credit::{ChangeKind, Credit};
use qunguan_core::{ApiError, ErrorCode, Result};
use qunguan_engine::Engine;

use crate::args::Command;
use crate::commands::print_json;
use crate::i18n::{self, Lang};
use crate::table;

/// The most a policy file may hold.
const MAX_POLICY_BYTES: u64 = 256 * 1024;

pub async fn run(engine: &Engine, command: Command, json: bool, lang: Lang) -> Result<u8> {
    match command {
        Command::Credit { targets, all_groups } => {
            let credits = match (all_groups, targets.as_slice()) {
                (false, [group, user]) => vec![engine.credit(group, user).await?],
                (true, [user]) => engine.credit_everywhere(user).await?,
                (false, _) => return Err(ApiError::invalid_input("qg credit GROUP USER (or --all-groups USER)")),
                (true, _) => return Err(ApiError::invalid_input("qg credit --all-groups USER takes no GROUP")),
            };
            if json {
                match (all_groups, credits.first()) {
                    (false, Some(one)) => print_json(one)?,
                    _ => print_json(&credits)?,
                }
            } else {
                let text: Vec<String> = credits.iter().map(|c| credit_text(c, lang)).collect();
                crate::term::out(&text.join("\n\n"));
            }
            Ok(0)
        }
        Command::CreditPolicy { group, set } => {
            let view = match set {
                Some(path) => engine.set_credit_policy(group.as_deref(), &read_policy(&path)?).await?,
                None => engine.credit_policy(group.as_deref()).await?,
            };
            if !json {
                crate::term::out(&i18n::policy_source(view.source, lang));
            }
            print_json(&view.policy.to_value())?;
            Ok(0)
        }
        _ => unreachable!("only the credit commands come here"),
    }
}

/// The policy file's text; `-` reads standard input.
fn read_policy(path: &std::path::Path) -> Result<String> {
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().take(MAX_POLICY_BYTES).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_POLICY_BYTES).read_to_string(&mut text))
    };
    read.map_err(|e| ApiError::new(ErrorCode::InvalidFile, format!("cannot read {}: {e}", path.display())))?;
    Ok(text)
}

/// The score line and the table of changes.
fn credit_text(c: &Credit, lang: Lang) -> String {
    let mut head = i18n::credit_line(&c.user_id, c.group.as_deref(), c.score, c.start, c.level, lang);
    if let Some(l) = &c.ladder {
        head = format!("{head}\n{}", i18n::ladder_line(l, lang));
    }
    if c.changes.is_empty() {
        return format!("{head}\n{}", i18n::word("no_changes", lang));
    }
    let headers = ["created_at", "change", "score", "case", "action", "rule"].map(|k| i18n::word(k, lang));
    let rows: Vec<Vec<String>> = c
        .changes
        .iter()
        .map(|ch| {
            let action = match ch.kind {
                ChangeKind::Recovery => i18n::recovery(ch.steps.unwrap_or(0), lang),
                _ => ch.action.clone().unwrap_or_default(),
            };
            vec![
                ch.at.clone(),
                format!("{:+}", ch.delta),
                ch.score.to_string(),
                ch.case_id.clone().unwrap_or_default(),
                action,
                ch.case_rule.as_ref().map_or_else(|| ch.rule.clone(), |r| format!("{} ({r})", ch.rule)),
            ]
        })
        .collect();
    format!("{head}\n{}", table::render(&headers, &rows))
}
