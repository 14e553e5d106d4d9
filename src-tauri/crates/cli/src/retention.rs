//! `qg history [GROUP...] [--days N]`, `qg purge [--dry-run | --log]`, `qg retention [--set FILE]`,
//! `qg person export USER` and `qg person erase USER --reason TEXT`.

use qunguan_core::Result;
use qunguan_core::retention::Housekeeping;
use qunguan_core::sync::GroupHistory;
use qunguan_engine::Engine;

use crate::args::{Command, Person};
use crate::commands::print_json;
use crate::i18n::{self, Lang};
use crate::table;

/// Purges and erasures `--log` lists.
const LOG_LIMIT: u32 = 50;

pub async fn run(engine: &Engine, command: Command, json: bool, lang: Lang) -> Result<u8> {
    match command {
        Command::Purge { log: true, .. } => {
            let records = engine.housekeeping(LOG_LIMIT).await?;
            if json {
                print_json(&records)?;
            } else if records.is_empty() {
                crate::term::out(i18n::word("no_housekeeping", lang));
            } else {
                let lines: Vec<String> = records.iter().map(|h| i18n::housekeeping_line(h, lang)).collect();
                crate::term::out(&lines.join("\n"));
            }
        }
        Command::History { groups, days } => {
            // A line per page on a terminal (stderr), nothing when piped.
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let progress = move |g: &GroupHistory| {
                if tty {
                    eprint!("\r\x1b[2K{}", crate::term::line(&i18n::history_progress(g, lang)));
                }
            };
            let marks = engine.backfill_history(&groups, days, u32::MAX, &progress).await?;
            if tty {
                eprint!("\r\x1b[2K");
            }
            if json {
                print_json(&marks)?;
            } else {
                let headers = ["group", "pages", "messages", "oldest", "done"].map(|k| i18n::word(k, lang));
                let rows: Vec<Vec<String>> = marks
                    .iter()
                    .map(|g| {
                        let done = if g.done { i18n::word("yes", lang) } else { "" };
                        vec![
                            g.group.clone(),
                            g.pages.to_string(),
                            g.messages.to_string(),
                            g.oldest.clone().unwrap_or_default(),
                            done.into(),
                        ]
                    })
                    .collect();
                crate::term::out(&table::render(&headers, &rows));
            }
        }
        Command::Purge { dry_run, .. } => show(&engine.purge(dry_run).await?, json, lang)?,
        Command::Retention { set } => {
            let policy = match set {
                Some(path) => engine.set_retention(&crate::credit::read_policy(&path)?)?,
                None => engine.retention()?,
            };
            print_json(&policy)?;
        }
        Command::Person(Person::Export { user }) => {
            let export = engine.person_export(&user).await?;
            if !json && export.groups.is_empty() {
                crate::term::err(i18n::word("nothing_cached", lang));
            }
            // The export is JSON either way: it is meant to be handed over.
            print_json(&export)?;
        }
        Command::Person(Person::Erase { user, reason }) => {
            show(&engine.person_erase(&user, &reason).await?, json, lang)?;
        }
        _ => unreachable!("only the retention commands come here"),
    }
    Ok(0)
}

/// A purge's or an erasure's record: its line and a table per group.
fn show(h: &Housekeeping, json: bool, lang: Lang) -> Result<()> {
    if json {
        return print_json(h);
    }
    let headers = ["group", "messages", "cached_pages", "kept_open"].map(|k| i18n::word(k, lang));
    let rows: Vec<Vec<String>> = h
        .groups
        .iter()
        .map(|g| vec![g.group.clone(), g.messages.to_string(), g.cached.to_string(), g.kept_open.to_string()])
        .collect();
    let line = i18n::housekeeping_line(h, lang);
    crate::term::out(&if rows.is_empty() { line } else { format!("{line}\n{}", table::render(&headers, &rows)) });
    Ok(())
}
