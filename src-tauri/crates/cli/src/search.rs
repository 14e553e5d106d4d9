//! `qg search GROUP QUERY` and `qg search --all-groups QUERY`: the cached messages, newest
//! first, personal data masked, the matches marked.

use qunguan_core::search::{SearchHit, SearchPage, SearchQuery};
use qunguan_core::time::rfc3339_from_millis;
use qunguan_core::{ApiError, Result};
use qunguan_engine::Engine;
use serde::Serialize;

use crate::args::Command;
use crate::commands::print_json;
use crate::i18n::{self, Lang};
use crate::table;

/// How a match is marked in the table (text only: no terminal escapes).
const MARK: (&str, &str) = ("«", "»");

/// One hit as `--json` prints it (times as RFC 3339, the text masked).
#[derive(Serialize)]
struct HitJson<'a> {
    group: &'a str,
    event_id: &'a str,
    sender: &'a str,
    ts: String,
    text: String,
    spans: &'a [qunguan_core::search::TextSpan],
    context: &'a [qunguan_core::search::ContextRun],
    flagged: bool,
    flags: &'a [qunguan_core::message::Flag],
    severity: Option<qunguan_core::message::Severity>,
}

#[derive(Serialize)]
struct PageJson<'a> {
    hits: Vec<HitJson<'a>>,
    next_cursor: Option<&'a str>,
    behind: u64,
}

fn hit_json(h: &SearchHit) -> HitJson<'_> {
    HitJson {
        group: &h.group_id,
        event_id: &h.message.event_id,
        sender: &h.message.sender,
        ts: rfc3339_from_millis(h.message.ts),
        text: h.message.segments.iter().map(|s| s.text.as_str()).collect(),
        spans: &h.spans,
        context: &h.context,
        flagged: h.flagged,
        flags: &h.message.flags,
        severity: h.message.severity,
    }
}

/// The context with its matches marked.
fn marked(h: &SearchHit) -> String {
    h.context.iter().map(|r| if r.hit { format!("{}{}{}", MARK.0, r.text, MARK.1) } else { r.text.clone() }).collect()
}

pub async fn run(engine: &Engine, command: Command, json: bool, lang: Lang) -> Result<u8> {
    let Command::Search { targets, all_groups, sender, since, until, flagged, limit, cursor } = command else {
        unreachable!("only qg search comes here")
    };
    let (group, text) = match (all_groups, targets.as_slice()) {
        (false, [group, text]) => (Some(group.clone()), text.clone()),
        (true, [text]) => (None, text.clone()),
        (false, _) => return Err(ApiError::invalid_input("qg search GROUP QUERY (or --all-groups QUERY)")),
        (true, _) => return Err(ApiError::invalid_input("qg search --all-groups QUERY takes no GROUP")),
    };
    let query = SearchQuery { group, text, sender, since, until, flagged_only: flagged, cursor, limit };
    let page = engine.search(query).await?;
    if json {
        print_json(&PageJson {
            hits: page.hits.iter().map(hit_json).collect(),
            next_cursor: page.next_cursor.as_deref(),
            behind: page.behind,
        })?;
    } else {
        show(&page, lang);
    }
    Ok(0)
}

fn show(page: &SearchPage, lang: Lang) {
    if page.hits.is_empty() {
        crate::term::out(i18n::word("no_hits", lang));
    } else {
        let headers = ["created_at", "group", "sender", "text"].map(|k| i18n::word(k, lang));
        let rows: Vec<Vec<String>> = page
            .hits
            .iter()
            .map(|h| vec![rfc3339_from_millis(h.message.ts), h.group_id.clone(), h.message.sender.clone(), marked(h)])
            .collect();
        crate::term::out(&table::render(&headers, &rows));
    }
    if let Some(c) = &page.next_cursor {
        crate::term::err(&format!("{} --cursor {c}", i18n::word("more_hits", lang)));
    }
    if page.behind > 0 {
        crate::term::err(&format!("{} {}", page.behind, i18n::word("not_indexed", lang)));
    }
}
