//! Searching the cached messages (`qg search`, the app's search box): validation, the index's
//! catch-up, candidates confirmed against the text, masked hits with their highlights.
//!
//! ## Design
//! - The query is read by [`qunguan_detect::search::Query`]: the index (store's `search`
//!   module) offers candidates newest first, and each is confirmed twice: against the stored
//!   text, then against the **masked** text the hit shows. A match that lies only inside
//!   masked personal data is not a hit: searching must not reveal what masking hides (a
//!   reveal is recorded, a search is not). Spans and context are in the masked text.
//! - Work is bounded: a page reads the index in batches of [`crate::search::BATCH`] and stops
//!   after [`crate::search::MAX_SCAN`] candidates, returning the cursor where it stopped (a
//!   page may then hold fewer hits than asked, and the next one goes on).
//! - Before it searches, a search indexes up to [`crate::search::CATCHUP`] messages still
//!   waiting; what is left is [`qunguan_core::search::SearchPage::behind`]. After each sync
//!   round the engine catches up in bounded passes too (`Engine::catch_up_index`).
//! - Message text is never logged; only counts are.

use qunguan_core::search::{ContextRun, SearchHit, SearchPage, SearchQuery, TextSpan, date_millis};
use qunguan_core::{ApiError, Result};
use qunguan_detect::search::Query;
use qunguan_store::{SearchFilter, Store};

use crate::Engine;

/// Hits per page when the query does not say.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most hits a page may ask for.
pub const MAX_LIMIT: u32 = 200;
/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Candidates read from the index at a time.
pub const BATCH: u32 = 200;
/// Candidates one page reads at most before it answers with what it has.
pub const MAX_SCAN: u32 = 10_000;
/// Messages a search indexes first, at most.
pub const CATCHUP: u32 = 5_000;
/// Messages one catch-up pass after a sync round indexes (the store is held for one pass).
const PASS: u32 = 2_000;
/// Passes after one sync round, at most (the rest waits for the next round or search).
const PASSES: u32 = 10;
/// Characters of context kept before the first match.
const BEFORE: usize = 30;
/// Characters of context in all.
const CONTEXT: usize = 120;
const CURSOR_PREFIX: &str = "k";

/// A query checked by [`validate`]: what the store and the confirm step need.
pub struct Valid {
    /// The parsed query.
    pub query: Query,
    /// The store's filter (the group not resolved yet: see [`Engine::search`]).
    pub filter: SearchFilter,
    /// Continue before this index key.
    pub before: Option<i64>,
    /// Hits per page.
    pub limit: u32,
}

/// Checks a query and reads its dates and cursor; the group is left as given.
pub fn validate(q: &SearchQuery) -> Result<Valid> {
    let text = q.text.trim();
    if text.is_empty() {
        return Err(ApiError::invalid_input("the search text is empty"));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid_input(format!("the search text is longer than {MAX_QUERY_CHARS} characters")));
    }
    let query = Query::parse(text).ok_or_else(|| {
        ApiError::invalid_input("the search text has no letters, digits or Chinese characters to look for")
    })?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::invalid_input(format!("limit must be 1 to {MAX_LIMIT}, not {limit}")));
    }
    let date = |v: &Option<String>, what: &str, end: bool| -> Result<Option<i64>> {
        v.as_deref()
            .map(|d| {
                date_millis(d, end).ok_or_else(|| {
                    ApiError::invalid_input(format!("{what} must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, not {d:?}"))
                })
            })
            .transpose()
    };
    let (since_ms, until_ms) = (date(&q.since, "since", false)?, date(&q.until, "until", true)?);
    if let (Some(s), Some(u)) = (since_ms, until_ms)
        && s > u
    {
        return Err(ApiError::invalid_input("since is after until"));
    }
    let sender = q.sender.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(s) = sender
        && !(s.starts_with('@') && s.contains(':'))
    {
        return Err(ApiError::invalid_input(format!("sender must be a user ID like @name:server, not {s:?}")));
    }
    let before = q
        .cursor
        .as_deref()
        .map(|c| {
            c.strip_prefix(CURSOR_PREFIX)
                .and_then(|k| k.parse::<i64>().ok())
                .filter(|k| *k > 0)
                .ok_or_else(|| ApiError::invalid_input(format!("not a search cursor: {c:?}")))
        })
        .transpose()?;
    let filter = SearchFilter {
        exact: query.exact().to_owned(),
        prefix: query.prefix().map(str::to_owned),
        group: q.group.clone(),
        sender: sender.map(str::to_owned),
        since_ms,
        until_ms,
        flagged_only: q.flagged_only,
    };
    Ok(Valid { query, filter, before, limit })
}

/// Byte spans of `text` as character spans.
fn char_spans(text: &str, spans: &[(usize, usize)]) -> Vec<TextSpan> {
    let at = |b: usize| text[..b].chars().count() as u32;
    spans.iter().map(|&(s, e)| TextSpan { start: at(s), end: at(e) }).collect()
}

/// The masked text around the first span, split into matched and unmatched runs.
fn context(text: &str, spans: &[TextSpan]) -> Vec<ContextRun> {
    let chars: Vec<char> = text.chars().collect();
    let first = spans.first().map_or(0, |s| s.start as usize);
    let from = if chars.len() <= CONTEXT { 0 } else { first.saturating_sub(BEFORE) };
    let to = (from + CONTEXT).min(chars.len());
    let mut runs: Vec<ContextRun> = Vec::new();
    let mut push = |text: String, hit: bool| match runs.last_mut() {
        Some(r) if r.hit == hit => r.text.push_str(&text),
        _ if !text.is_empty() => runs.push(ContextRun { text, hit }),
        _ => {}
    };
    if from > 0 {
        push("…".into(), false);
    }
    let mut i = from;
    for s in spans.iter().filter(|s| (s.end as usize) > from && (s.start as usize) < to) {
        let (s0, s1) = ((s.start as usize).max(i), (s.end as usize).min(to));
        push(chars[i..s0].iter().collect(), false);
        push(chars[s0..s1].iter().collect(), true);
        i = s1;
    }
    push(chars[i..to].iter().collect(), false);
    if to < chars.len() {
        push("…".into(), false);
    }
    runs
}

/// One page of hits from an indexed store: candidates confirmed against the text, then masked
/// and confirmed again on what the hit shows (see the module docs). `me` is my user ID.
pub fn search_page(store: &Store, detector: &qunguan_detect::Engine, v: &Valid, me: &str) -> Result<SearchPage> {
    let mut page = SearchPage::default();
    let (mut before, mut scanned) = (v.before, 0u32);
    'scan: while scanned < MAX_SCAN {
        let (candidates, next) = store.search_candidates(&v.filter, before, BATCH)?;
        scanned += BATCH;
        for c in candidates {
            if v.query.find(c.message.body.as_deref().unwrap_or("")).is_empty() {
                continue;
            }
            let Some(view) = crate::messages::masked_views(detector, std::slice::from_ref(&c.message), me).pop() else {
                continue;
            };
            let shown: String = view.segments.iter().map(|s| s.text.as_str()).collect();
            let spans = char_spans(&shown, &v.query.find(&shown));
            if spans.is_empty() {
                continue; // It matched only where personal data is masked.
            }
            page.hits.push(SearchHit {
                group_id: c.group_id,
                context: context(&shown, &spans),
                spans,
                message: view,
                flagged: c.flagged,
            });
            if page.hits.len() as u32 == v.limit {
                before = Some(c.key);
                break 'scan;
            }
        }
        before = next;
        if before.is_none() {
            break;
        }
    }
    page.next_cursor = before.map(|k| format!("{CURSOR_PREFIX}{k}"));
    Ok(page)
}

impl Engine {
    /// Searches the cached messages of one group I manage or of all of them, newest first
    /// (see the module docs); works offline, on the cache alone.
    pub async fn search(&self, q: SearchQuery) -> Result<SearchPage> {
        let v = validate(&q)?;
        let (account, _) = self.platform().await?;
        let detector = crate::messages::detector().await?;
        let me = account.user_id.clone();
        let page = self
            .on_store(move |s| {
                let mut v = v;
                if let Some(g) = v.filter.group.take() {
                    let id = crate::groups::cached_group_id(s, &g)?;
                    let mine = s.groups()?.is_some_and(|c| c.value.iter().any(|x| x.id == id));
                    if !mine {
                        return Err(crate::groups::not_managed(&g));
                    }
                    v.filter.group = Some(id);
                }
                let behind = s.index_pending(CATCHUP)?.behind;
                Ok(SearchPage { behind, ..search_page(s, &detector, &v, &me)? })
            })
            .await?;
        tracing::debug!(hits = page.hits.len(), behind = page.behind, "search");
        Ok(page)
    }

    /// Indexes messages still waiting for the search index, in bounded passes (each its own
    /// transaction, so the store writer and readers get the store between them).
    pub(crate) async fn catch_up_index(&self) {
        for _ in 0..PASSES {
            match self.with_cache(|s| s.index_pending(PASS)).await {
                Ok(Some(c)) if c.behind > 0 => continue,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(code = e.code.as_str(), "search index not caught up");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> SearchQuery {
        SearchQuery { text: text.into(), ..SearchQuery::default() }
    }

    #[test]
    fn bad_queries_are_refused_with_the_reason() {
        let cases: &[(SearchQuery, &str)] = &[
            (query("  "), "empty"),
            (query("!!! 😀"), "no letters"),
            (query(&"字".repeat(201)), "longer than 200"),
            (SearchQuery { limit: Some(0), ..query("红包") }, "limit must be 1 to 200"),
            (SearchQuery { limit: Some(201), ..query("红包") }, "limit must be 1 to 200"),
            (SearchQuery { since: Some("2026-02-30".into()), ..query("红包") }, "since must be"),
            (SearchQuery { until: Some("tomorrow".into()), ..query("红包") }, "until must be"),
            (
                SearchQuery { since: Some("2026-03-02".into()), until: Some("2026-03-01".into()), ..query("红包") },
                "since is after until",
            ),
            (SearchQuery { sender: Some("bob".into()), ..query("红包") }, "sender must be"),
            (SearchQuery { cursor: Some("x1".into()), ..query("红包") }, "not a search cursor"),
        ];
        for (q, want) in cases {
            let e = validate(q).err().unwrap_or_else(|| panic!("{q:?} was accepted"));
            assert_eq!(e.code, qunguan_core::ErrorCode::InvalidInput);
            assert!(e.message.contains(want), "{q:?}: {}", e.message);
        }
        let v =
            validate(&SearchQuery { until: Some("2026-03-01".into()), cursor: Some("k42".into()), ..query("红包") })
                .unwrap();
        assert_eq!((v.before, v.filter.until_ms, v.limit), (Some(42), Some(1_772_409_599_999), DEFAULT_LIMIT));
    }

    #[test]
    fn context_is_cut_around_the_first_match_with_the_matches_marked() {
        let text = format!("{}红包{}红包{}", "前".repeat(50), "中".repeat(10), "后".repeat(100));
        let spans = [TextSpan { start: 50, end: 52 }, TextSpan { start: 62, end: 64 }];
        let runs = context(&text, &spans);
        let shown: Vec<(&str, bool)> = runs.iter().map(|r| (r.text.as_str(), r.hit)).collect();
        let (before, middle) = ("前".repeat(30), "中".repeat(10));
        let after = "后".repeat(120 - 30 - 2 - 10 - 2);
        assert_eq!(
            shown,
            [
                (format!("…{before}").as_str(), false),
                ("红包", true),
                (middle.as_str(), false),
                ("红包", true),
                (format!("{after}…").as_str(), false)
            ]
        );
        let short = context("hello world", &[TextSpan { start: 6, end: 11 }]);
        assert_eq!(
            short,
            [ContextRun { text: "hello ".into(), hit: false }, ContextRun { text: "world".into(), hit: true }]
        );
    }
}
