//! Searching what following stored: indexed after the round, masked hits, filters, pages.

use qunguan_core::search::SearchQuery;
use qunguan_core::sync::{GroupBatch, SyncBatch};

use super::follow::msg;
use super::*;

fn q(text: &str) -> SearchQuery {
    SearchQuery { text: text.into(), ..SearchQuery::default() }
}

fn ids(page: &qunguan_core::search::SearchPage) -> Vec<&str> {
    page.hits.iter().map(|h| h.message.event_id.as_str()).collect()
}

#[tokio::test]
async fn a_synced_message_is_found_masked_with_its_match_marked_in_the_masked_text() {
    let home = tempfile::tempdir().unwrap();
    let (e, fake) = engine(home.path(), Arc::new(MemorySecrets::default()), EnvOverride::default());
    e.sign_in_token("hs.test", &Secret::new("tok")).await.unwrap();
    e.groups().await.unwrap();
    let events = vec![
        msg("$1", "@a:hs", 1_000, "我的手机 13812345678 找我领红包"),
        msg("$2", "@b:hs", 2_000, "红包群 Hello World"),
        msg("$3", "@a:hs", 3_000, "北京 大学"),
        msg("$4", "@a:hs", 4_000, "北京大学"),
    ];
    let batch = SyncBatch {
        next: "s1".into(),
        groups: vec![GroupBatch { group_id: "!b-admin".into(), events, ..GroupBatch::default() }],
        ..SyncBatch::default()
    };
    fake.feed.lock().unwrap().insert(None, batch);
    e.sync_once(0).await.unwrap();
    let behind = e.on_store(|s| Ok(s.index_pending(0)?.behind)).await.unwrap();
    assert_eq!(behind, 0, "the sync round caught the index up");

    let page = e.search(q("红包")).await.unwrap();
    assert_eq!(ids(&page), ["$2", "$1"], "newest first");
    let hit = &page.hits[1];
    let shown: String = hit.message.segments.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(shown, "我的手机 138****5678 找我领红包", "masked as on the Messages tab");
    assert_eq!(hit.spans, [qunguan_core::search::TextSpan { start: 20, end: 22 }], "in the masked text");
    let marked: Vec<&str> = hit.context.iter().filter(|r| r.hit).map(|r| r.text.as_str()).collect();
    assert_eq!(marked, ["红包"]);
    // What masking hides cannot be searched for; what it shows can.
    assert!(e.search(q("1234")).await.unwrap().hits.is_empty(), "the masked digits are not a match");
    assert_eq!(ids(&e.search(q("138")).await.unwrap()), ["$1"]);
    assert_eq!(ids(&e.search(q("北京大")).await.unwrap()), ["$4"], "a space breaks the run");
    assert_eq!(ids(&e.search(q("wor")).await.unwrap()), ["$2"], "a word prefix");
    assert_eq!(ids(&e.search(SearchQuery { sender: Some("@a:hs".into()), ..q("北京") }).await.unwrap()), ["$4", "$3"]);
    assert_eq!(ids(&e.search(SearchQuery { group: Some("!b-admin".into()), ..q("北") }).await.unwrap()).len(), 2);
    let refused = e.search(SearchQuery { group: Some("!elsewhere".into()), ..q("北") }).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);

    // Pages of one, to the end.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = e.search(SearchQuery { limit: Some(1), cursor: cursor.clone(), ..q("北京") }).await.unwrap();
        seen.extend(ids(&page).into_iter().map(str::to_owned));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ["$4", "$3"]);
}
