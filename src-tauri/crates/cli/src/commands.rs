//! One function per subcommand: call the engine, print the result.

use std::io::Read;

use qunguan_core::{ApiError, ErrorCode, Group, Member, Result, Secret};
use qunguan_engine::{Engine, EngineConfig, EnvOverride};
use serde::Serialize;

use crate::act;
use crate::args::{Cli, Command};
use crate::i18n::{self, Lang};
use crate::table;

pub async fn run(cli: Cli, env: EnvOverride) -> Result<u8> {
    if let Command::Scan { input, lexicon } = &cli.command {
        // Pure and local: no session, no data directory.
        return scan(input, lexicon.as_deref()).map(|()| 0);
    }
    let engine = Engine::new(EngineConfig::standard(cli.home, env)?);
    let json = cli.json;
    let lang = i18n::lang();
    let result = dispatch(&engine, cli.command, json, lang).await;
    if let Some(since) = engine.offline_since() {
        crate::term::err(&i18n::offline_note(&since, lang));
    }
    for (group, why) in engine.case_log_warnings() {
        crate::term::err(&i18n::case_log_warning(&group, &why, lang));
    }
    result
}

async fn dispatch(engine: &Engine, command: Command, json: bool, lang: Lang) -> Result<u8> {
    let command = match command {
        Command::Serve { interval } => return crate::serve::run(engine, interval, json, lang).await,
        Command::Staff(staff) => return crate::staff::run(engine, staff, json, lang).await,
        c @ (Command::Sync { .. }
        | Command::Queue { .. }
        | Command::Show { .. }
        | Command::Dismiss { .. }
        | Command::Claim { .. }
        | Command::ReportWords { .. }
        | Command::Release { .. }) => {
            return crate::queue::run(engine, c, json, lang).await;
        }
        c @ (Command::Purge { .. } | Command::Retention { .. } | Command::Person(_) | Command::History { .. }) => {
            return crate::retention::run(engine, c, json, lang).await;
        }
        c @ (Command::Rules { .. } | Command::Compliance { .. } | Command::Admins { .. }) => {
            return crate::stewardship::run(engine, c, json, lang).await;
        }
        c @ Command::Search { .. } => return crate::search::run(engine, c, json, lang).await,
        c @ (Command::Credit { .. } | Command::CreditPolicy { .. }) => {
            return crate::credit::run(engine, c, json, lang).await;
        }
        Command::Evidence(evidence) => return crate::evidence::run(engine, evidence, json, lang).await,
        c @ (Command::Cases { .. } | Command::Audit(_) | Command::Outbox { .. }) => {
            return crate::records::run(engine, c, json, lang).await;
        }
        other => other,
    };
    let is_action = !matches!(
        command,
        Command::Login { .. } | Command::Logout | Command::Groups | Command::Members { .. } | Command::Scan { .. }
    );
    if let Command::Ban { all_groups: true, user, why, .. } = command {
        return act::run_all_groups(engine, user, true, why, json, lang).await;
    }
    if let Command::Unban { all_groups: true, user, why, .. } = command {
        return act::run_all_groups(engine, user, false, why, json, lang).await;
    }
    if is_action {
        let (group, action, why) = act::decision(command)?.expect("an action subcommand");
        return act::run(engine, group, action, why, json, lang).await;
    }
    read(engine, command, json, lang).await.map(|()| 0)
}

async fn read(engine: &Engine, command: Command, json: bool, lang: Lang) -> Result<()> {
    match command {
        Command::Login { homeserver, user, password_stdin, token_stdin: _ } => {
            let secret = read_stdin_secret()?;
            let account = if password_stdin {
                let user = user.unwrap_or_default();
                engine.sign_in_password(&homeserver, &user, &secret).await?
            } else {
                engine.sign_in_token(&homeserver, &secret).await?
            };
            if json {
                print_json(&account)
            } else {
                let line = format!("{} {} ({})", i18n::word("signed_in_as", lang), account.user_id, account.homeserver);
                crate::term::out(&line);
                Ok(())
            }
        }
        Command::Logout => {
            engine.sign_out().await?;
            if json {
                print_json(&serde_json::json!({"signed_out": true}))
            } else {
                crate::term::out(i18n::word("signed_out", lang));
                Ok(())
            }
        }
        Command::Groups => {
            let groups = engine.groups().await?;
            if json {
                print_json(&groups)
            } else {
                crate::term::out(&groups_table(&groups, lang));
                Ok(())
            }
        }
        Command::Members { group } => {
            let members = engine.members(&group).await?;
            if json {
                print_json(&members)
            } else {
                crate::term::out(&members_table(&members, lang));
                Ok(())
            }
        }
        _ => unreachable!("scan, actions and records are dispatched elsewhere"),
    }
}

fn read_file(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| ApiError::new(ErrorCode::InvalidFile, format!("cannot read {}: {e}", path.display())))
}

/// `qg scan`: JSON lines out, in input order; on any bad line, nothing on stdout.
fn scan(input: &std::path::Path, lexicon: Option<&std::path::Path>) -> Result<()> {
    let text = read_file(input)?;
    let lexicon = lexicon.map(|p| Ok::<_, ApiError>((p.display().to_string(), read_file(p)?))).transpose()?;
    let lines = qunguan_engine::scan::scan(
        &text,
        &input.display().to_string(),
        lexicon.as_ref().map(|(n, c)| (n.as_str(), c.as_str())),
    )?;
    let mut out = String::new();
    for line in &lines {
        out.push_str(&crate::term::json(&serde_json::to_string(line).map_err(|e| ApiError::internal(e.to_string()))?));
        out.push('\n');
    }
    use std::io::Write;
    std::io::stdout().lock().write_all(out.as_bytes()).map_err(|e| ApiError::internal(e.to_string()))
}

/// Reads one secret from standard input (trailing newline removed); never echoes it.
fn read_stdin_secret() -> Result<Secret> {
    // Wiped when dropped, like the secret made from it.
    let mut text = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut text)
        .map_err(|e| ApiError::invalid_input(format!("cannot read standard input: {e}")))?;
    let value = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if value.is_empty() {
        return Err(ApiError::invalid_input("nothing on standard input: pipe the password or token into qg"));
    }
    Ok(Secret::new(value))
}

pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| ApiError::internal(e.to_string()))?;
    println!("{}", crate::term::json(&text));
    Ok(())
}

fn power(p: Option<i64>, lang: Lang) -> String {
    p.map_or_else(|| i18n::word("creator", lang).to_owned(), |p| p.to_string())
}

fn groups_table(groups: &[Group], lang: Lang) -> String {
    let headers = ["id", "name", "alias", "members", "role", "power", "tier", "encrypted"].map(|k| i18n::word(k, lang));
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            vec![
                g.id.clone(),
                g.name.clone(),
                g.alias.clone().unwrap_or_default(),
                g.members.to_string(),
                i18n::role(g.role, lang).to_owned(),
                power(g.power, lang),
                i18n::tier(g.tier, lang).to_owned(),
                if g.encrypted { i18n::word("yes", lang).to_owned() } else { String::new() },
            ]
        })
        .collect();
    table::render(&headers, &rows)
}

fn members_table(members: &[Member], lang: Lang) -> String {
    let headers = ["user", "display_name", "role", "power", "membership", "joined_at", "muted", "credit"]
        .map(|k| i18n::word(k, lang));
    let rows: Vec<Vec<String>> = members
        .iter()
        .map(|m| {
            vec![
                m.user_id.clone(),
                m.display_name.clone().unwrap_or_default(),
                i18n::role(m.role, lang).to_owned(),
                power(m.power, lang),
                serde_json::to_value(m.membership).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                m.joined_at.clone().unwrap_or_default(),
                if m.muted { i18n::word("yes", lang).to_owned() } else { String::new() },
                m.credit.map(|c| format!("{} {}", c.score, i18n::level(c.level, lang))).unwrap_or_default(),
            ]
        })
        .collect();
    table::render(&headers, &rows)
}
