//! `qg rules GROUP [--set TEXT|--file F]`, `qg compliance [GROUP]`, `qg admins GROUP`.

use qunguan_core::admin_record::AdminRecord;
use qunguan_core::compliance::Compliance;
use qunguan_core::{ApiError, ErrorCode, Result};
use qunguan_engine::Engine;

use crate::args::Command;
use crate::commands::print_json;
use crate::i18n::{self, Lang, tiers};
use crate::table;

pub async fn run(engine: &Engine, command: Command, json: bool, lang: Lang) -> Result<u8> {
    match command {
        Command::Rules { group, set, file } => {
            let text = match (set, file) {
                (Some(text), _) => Some(engine.set_group_rules(&group, &text).await?),
                (None, Some(path)) => {
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        ApiError::new(ErrorCode::InvalidFile, format!("cannot read {}: {e}", path.display()))
                    })?;
                    Some(engine.set_group_rules(&group, &text).await?)
                }
                (None, None) => engine.group_rules(&group).await?,
            };
            if json {
                let id = engine.group(&group).await?.id;
                print_json(&serde_json::json!({ "group": id, "text": text }))?;
            } else {
                crate::term::out(text.as_deref().unwrap_or_else(|| tiers::word("no_rules", lang)));
            }
            Ok(0)
        }
        Command::Compliance { group } => {
            let all = engine.compliance(group.as_deref()).await?;
            match (json, group.is_some()) {
                (true, true) => print_json(&all.first())?,
                (true, false) => print_json(&all)?,
                (false, _) => crate::term::out(&compliance_table(&all, lang)),
            }
            Ok(0)
        }
        Command::Admins { group } => {
            let records = engine.admin_records(&group).await?;
            if json {
                print_json(&records)?;
            } else {
                crate::term::out(&admins_table(&records, lang));
            }
            Ok(0)
        }
        _ => unreachable!("only rules, compliance and admins come here"),
    }
}

fn compliance_table(all: &[Compliance], lang: Lang) -> String {
    let headers = [
        i18n::word("group", lang),
        i18n::word("name", lang),
        i18n::word("tier", lang),
        i18n::word("members", lang),
        tiers::word("active_admins", lang),
        tiers::word("shortfalls", lang),
    ];
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|c| {
            let shortfalls: Vec<String> = c.shortfalls.iter().map(|s| tiers::shortfall(s, lang)).collect();
            vec![
                c.group.clone(),
                c.name.clone(),
                i18n::tier(c.tier, lang).to_owned(),
                c.members.to_string(),
                format!("{}/{}", c.active_admins.len(), c.expectations.active_admins),
                if shortfalls.is_empty() { tiers::word("meets_tier", lang).to_owned() } else { shortfalls.join("; ") },
            ]
        })
        .collect();
    table::render(&headers, &rows)
}

fn admins_table(records: &[AdminRecord], lang: Lang) -> String {
    let headers =
        ["admin", "role", "actions", "reversed", "dismissals", "decided", "median", "left_waiting", "refused"]
            .map(|k| if k == "role" { i18n::word(k, lang) } else { tiers::word(k, lang) });
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let actions: Vec<String> = r.actions.iter().map(|(k, n)| format!("{k} {n}")).collect();
            vec![
                r.user_id.clone(),
                i18n::role(r.role, lang).to_owned(),
                actions.join(", "),
                r.reversed.to_string(),
                r.dismissals.to_string(),
                r.decided_items.to_string(),
                r.median_decision_seconds.map(|s| tiers::span(s, lang)).unwrap_or_default(),
                r.left_waiting.to_string(),
                r.refused.to_string(),
            ]
        })
        .collect();
    table::render(&headers, &rows)
}
