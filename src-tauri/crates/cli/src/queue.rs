//! `qg sync [--follow]`, `qg queue`, `qg show ITEM`, `qg dismiss ITEM`.

use std::io::IsTerminal;

use qunguan_core::queue::{ItemState, QueueItem, Source};
use qunguan_core::{Result, time::rfc3339_from_millis};
use qunguan_engine::Engine;
use qunguan_engine::queue::QueueQuery;

use crate::act::{exit_code, print_outcomes};
use crate::args::{Command, SourceArg, StateArg};
use crate::commands::print_json;
use crate::i18n::{self, Lang};
use crate::table;

/// Characters of a message a table row shows.
const PREVIEW_CHARS: usize = 40;

pub async fn run(engine: &Engine, command: Command, json: bool, lang: Lang) -> Result<u8> {
    match command {
        Command::Sync { groups, follow } => sync(engine, &groups, follow, json, lang).await,
        Command::Queue { group, state, category, source } => {
            let state = state.map(|s| match s {
                StateArg::Open => ItemState::Open,
                StateArg::Dismissed => ItemState::Dismissed,
                StateArg::Actioned => ItemState::Actioned,
            });
            let source = source.map(|s| match s {
                SourceArg::Auto => Source::Auto,
                SourceArg::MemberReport => Source::MemberReport,
                SourceArg::PlatformReport => Source::PlatformReport,
            });
            let query = QueueQuery { group, state, category, source, limit: None };
            let items = engine.queue_where(&query).await?;
            if json {
                print_json(&items)?;
            } else {
                crate::term::out(&queue_table(&items, lang));
            }
            Ok(0)
        }
        Command::Show { item, unmask, reason } => show(engine, &item, unmask, reason, json, lang).await,
        Command::ReportWords { group, commands, emoji } => {
            let words = if commands.is_empty() && emoji.is_empty() {
                engine.report_words(&group).await?
            } else {
                engine.set_report_words(&group, commands, emoji).await?
            };
            if json {
                print_json(&words)?;
            } else {
                crate::term::out(&i18n::report_words(&words.commands, &words.emoji, lang));
            }
            Ok(0)
        }
        Command::Claim { item, force } => held(engine.claim(&item, force).await?, json, lang),
        Command::Release { item, force } => held(engine.release(&item, force).await?, json, lang),
        Command::Dismiss { item, reason, force } => {
            let outcome = engine.dismiss(&item, &reason, force).await?;
            print_outcomes(std::slice::from_ref(&outcome), json, lang, false)?;
            Ok(exit_code(outcome.status))
        }
        _ => unreachable!("only the queue's subcommands come here"),
    }
}

/// One round, or rounds until Ctrl-C/SIGTERM (see [`crate::serve::follow`]).
async fn sync(engine: &Engine, groups: &[String], follow: bool, json: bool, lang: Lang) -> Result<u8> {
    if !follow {
        let report = with_progress(engine, engine.sync_groups(groups, 0), lang).await?;
        print_round(&report, json, lang)?;
        return Ok(0);
    }
    let (signals, stopped) = crate::serve::stop_on_signals()?;
    let ((), followed) = tokio::join!(signals, crate::serve::follow(engine, stopped, |r| print_round(r, json, lang)));
    followed.map(|()| 0)
}

/// Runs `work`, with a progress line on a terminal's stderr while the round stores and checks
/// its groups (nothing when stderr is piped).
async fn with_progress<T>(engine: &Engine, work: impl std::future::Future<Output = T>, lang: Lang) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let mut progress = engine.sync_progress();
    let line = async {
        while progress.changed().await.is_ok() {
            let p = *progress.borrow();
            if p.groups > 0 {
                eprint!("\r{}", i18n::sync_progress(p.done, p.groups, lang));
            }
        }
    };
    let out = tokio::select! {
        out = work => out,
        () = line => unreachable!("the engine outlives the round"),
    };
    eprint!("\r\x1b[2K");
    out
}

/// A round's summary: a JSON line on stdout with `--json`; else a line on stderr when it
/// brought something (or on a terminal), so a pipe stays quiet.
fn print_round(r: &qunguan_engine::sync::SyncReport, json: bool, lang: Lang) -> Result<()> {
    if json {
        let line = serde_json::to_string(r).map_err(|e| qunguan_core::ApiError::internal(e.to_string()))?;
        println!("{}", crate::term::json(&line));
        return Ok(());
    }
    let news = r.new_messages > 0 || !r.new_items.is_empty() || !r.raised_items.is_empty();
    if news || std::io::stderr().is_terminal() {
        crate::term::err(&i18n::synced(r, lang));
    }
    for g in &r.encrypted_groups {
        crate::term::err(&i18n::encrypted_group(g, lang));
    }
    Ok(())
}

/// After a claim or release: the item with `--json`, else who holds it now.
fn held(item: QueueItem, json: bool, lang: Lang) -> Result<u8> {
    if json {
        print_json(&item)?;
    } else {
        crate::term::out(&i18n::held(&item.id, item.claimed_by.as_deref(), item.claim_until.as_deref(), lang));
    }
    Ok(0)
}

fn text_of(item: &QueueItem) -> String {
    item.segments.iter().map(|s| s.text.as_str()).collect()
}

fn queue_table(items: &[QueueItem], lang: Lang) -> String {
    let headers = ["item", "group", "sender", "kind", "category", "severity", "source", "count", "claimed_by", "text"]
        .map(|k| i18n::word(k, lang));
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            let text = text_of(i);
            let mut preview: String = text.chars().take(PREVIEW_CHARS).collect();
            if text.chars().count() > PREVIEW_CHARS {
                preview.push('…');
            }
            vec![
                i.id.clone(),
                i.group.clone(),
                i.sender.clone(),
                i.kind.clone(),
                i.category.clone().unwrap_or_default(),
                i18n::severity(i.severity, lang).to_owned(),
                i.source.as_str().to_owned(),
                i.count.to_string(),
                i.claimed_by.clone().unwrap_or_default(),
                preview,
            ]
        })
        .collect();
    table::render(&headers, &rows)
}

/// `qg show`: the item, its reporters and the messages around it; `--unmask` records a reveal
/// first and shows the message's personal data.
async fn show(engine: &Engine, id: &str, unmask: bool, reason: Option<String>, json: bool, lang: Lang) -> Result<u8> {
    let (mut item, context) = engine.queue_item(id, 5).await?;
    let mut revealed = None;
    if unmask {
        let r = engine.reveal(&item.group, &item.event_id, reason.as_deref().unwrap_or_default()).await?;
        item.segments = r.message.segments.clone();
        revealed = Some(r.case_id);
    }
    if json {
        print_json(&serde_json::json!({"item": item, "context": context, "reveal_case": revealed}))?;
        return Ok(0);
    }
    let w = |k| i18n::word(k, lang);
    crate::term::out(&format!(
        "{} {}  {} {}  {} {}",
        w("item"),
        item.id,
        w("group"),
        item.group,
        w("sender"),
        item.sender
    ));
    crate::term::out(&format!(
        "{} {}  {} {}  {} {}  {} {}",
        w("kind"),
        item.kind,
        w("severity"),
        i18n::severity(item.severity, lang),
        w("source"),
        item.sources.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","),
        w("count"),
        item.count
    ));
    for r in &item.reporters {
        crate::term::out(&format!(
            "  {} {} ({}, +{}/-{}) {}",
            r.at,
            r.reporter,
            r.via.as_str(),
            r.record.upheld,
            r.record.dismissed,
            crate::term::line(r.reason.as_deref().unwrap_or(""))
        ));
    }
    let line = |m: &qunguan_core::message::MessageView| {
        let text: String = m.segments.iter().map(|s| s.text.as_str()).collect();
        crate::term::out(&format!("    {} {}: {}", rfc3339_from_millis(m.ts), m.sender, crate::term::line(&text)));
    };
    let (before, after): (Vec<_>, Vec<_>) = context.iter().partition(|m| m.ts <= item.sent_at);
    before.into_iter().for_each(line);
    match &item.unseen {
        Some(why) => crate::term::out(&format!("  > ({why})")),
        None => crate::term::out(&format!(
            "  > {} {}: {}",
            rfc3339_from_millis(item.sent_at),
            item.sender,
            crate::term::line(&text_of(&item))
        )),
    }
    after.into_iter().for_each(line);
    Ok(0)
}
