//! The action subcommands: build the decision, hand it to the engine, print the outcome.

use qunguan_core::action::{Action, ActionOutcome};
use qunguan_core::duration::parse_duration;
use qunguan_core::{ApiError, Result, Role, Status};
use qunguan_engine::{ActRequest, Engine};

use crate::args::{Command, Report, RoleArg, Why};
use crate::i18n::{self, Lang};
use crate::term;

/// `0` done · `3` queued · `4` refused · `5` conflict · `1` failed, expired or cancelled
/// (ended without being carried out; the case says why).
pub fn exit_code(status: Status) -> u8 {
    match status {
        Status::Done => 0,
        Status::Queued => 3,
        Status::Refused => 4,
        Status::Conflict => 5,
        Status::Failed | Status::Expired | Status::Cancelled => 1,
    }
}

/// The (group, action, why) of an action subcommand; `None` for other subcommands.
pub fn decision(command: Command) -> Result<Option<(String, Action, Why)>> {
    Ok(Some(match command {
        Command::Warn { group, user, why } => (group, Action::Warn { user }, why),
        Command::Mute { group, user, duration, why } => {
            (group, Action::Mute { user, seconds: parse_duration(&duration)? }, why)
        }
        Command::Unmute { group, user, why } => (group, Action::Unmute { user }, why),
        Command::Remove { group, event, why } => (group, Action::Remove { event_id: event }, why),
        Command::Kick { group, user, why } => (group, Action::Kick { user }, why),
        Command::Ban { group, user, duration, why, .. } => {
            let seconds = duration.as_deref().map(parse_duration).transpose()?;
            (group, Action::Ban { user, seconds }, why)
        }
        Command::Unban { group, user, why, .. } => (group, Action::Unban { user }, why),
        Command::Lock { group, why } => (group, Action::Lock, why),
        Command::Unlock { group, why } => (group, Action::Unlock, why),
        Command::Role { group, user, role, why } => {
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Moderator => Role::Moderator,
                RoleArg::Member => Role::Member,
            };
            (group, Action::Role { user, role }, why)
        }
        Command::Report(Report::Message { group, event, why }) => {
            (group, Action::ReportMessage { event_id: event }, why)
        }
        Command::Report(Report::Member { user, why }) => (String::new(), Action::ReportMember { user }, why),
        Command::Report(Report::Group { group, why }) => (group, Action::ReportGroup, why),
        _ => return Ok(None),
    }))
}

/// `ban|unban --all-groups`: one case per group plus the blocklist entry; the worst exit code.
pub async fn run_all_groups(engine: &Engine, user: String, ban: bool, why: Why, json: bool, lang: Lang) -> Result<u8> {
    if why.item.is_some() {
        return Err(ApiError::invalid_input("--item decides one item, in one group: not with --all-groups"));
    }
    let outcomes = engine.ban_all_groups(&user, &why.reason, why.rule, lang, ban).await?;
    print_outcomes(&outcomes, json, lang, true)?;
    Ok(worst(&outcomes))
}

/// IDs are checked by the engine, with the platform's parser, before anything is recorded.
pub async fn run(engine: &Engine, group: String, action: Action, why: Why, json: bool, lang: Lang) -> Result<u8> {
    let outcome = match why.item {
        // The engine checks the action is on the item's message or sender, and asks first
        // (refuses without --force) when another admin holds it.
        Some(item) => engine.act_on_item(&item, action, &why.reason, why.rule, lang, why.force).await?,
        None => engine.act(ActRequest { group, action, reason: why.reason, rule: why.rule, lang }).await?,
    };
    print_outcomes(std::slice::from_ref(&outcome), json, lang, false)?;
    Ok(exit_code(outcome.status))
}

/// Prints outcomes: with `json`, an array when `many`, else one compact
/// `{case_id, status, detail}` document per outcome (a line each); without, one line each.
pub fn print_outcomes(outcomes: &[ActionOutcome], json: bool, lang: Lang, many: bool) -> Result<()> {
    let encode = |r: serde_json::Result<String>| r.map_err(|e| ApiError::internal(e.to_string()));
    if json && many {
        println!("{}", term::json(&encode(serde_json::to_string_pretty(outcomes))?));
    } else if json {
        for o in outcomes {
            println!("{}", term::json(&encode(serde_json::to_string(o))?));
        }
    } else {
        for o in outcomes {
            let status = i18n::status(o.status, lang);
            let why = term::line(&i18n::why(o, lang));
            term::out(&format!("{} {}: {} — {why}", i18n::word("case", lang), o.case_id, status));
            if let Some(step) = &o.ladder_step {
                let status = i18n::status(step.status, lang);
                let why = term::line(&i18n::why(step, lang));
                term::out(&format!("  {} {}: {} — {why}", i18n::word("ladder_step", lang), step.case_id, status));
            }
        }
    }
    Ok(())
}

/// The worst exit code among several outcomes.
pub fn worst(outcomes: &[ActionOutcome]) -> u8 {
    outcomes
        .iter()
        .map(|o| exit_code(o.status))
        .max_by_key(|c| match c {
            0 => 0,
            3 => 1,
            5 => 2,
            4 => 3,
            _ => 4,
        })
        .unwrap_or(0)
}
