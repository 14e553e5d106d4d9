//! A cap on every loop that follows a homeserver's pagination tokens (`end`, `next_batch`,
//! `next_token`): a server that never stops handing out a next page ends in a clear
//! [`ErrorCode::Platform`](qunguan_core::ErrorCode::Platform) error instead of an endless loop.

use qunguan_core::{ApiError, ErrorCode};

/// Counts the pages of one paginated read.
pub struct Pages {
    what: &'static str,
    read: usize,
    max: usize,
}

impl Pages {
    /// A read of `what` (said in the error) of at most `max` pages.
    pub fn new(what: &'static str, max: usize) -> Self {
        Pages { what, read: 0, max }
    }

    /// Called before each page is asked for: an error once `max` pages were read.
    pub fn turn(&mut self) -> Result<(), ApiError> {
        if self.read >= self.max {
            return Err(ApiError::new(
                ErrorCode::Platform,
                format!("the homeserver did not stop paginating {} after {} pages", self.what, self.max),
            ));
        }
        self.read += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use qunguan_core::platform::SignedIn;
    use qunguan_core::{Account, Secret};
    use serde_json::json;

    use super::*;
    use crate::MatrixPlatform;
    use crate::http::reqwest_client;
    use crate::shared::MAX_PAGES;
    use crate::testserver::{Answer, TestServer, versions};

    /// A homeserver whose moderation room's timeline has a next page, always, both ways.
    fn endless() -> (TestServer, Arc<AtomicUsize>) {
        let pages = Arc::new(AtomicUsize::new(0));
        let count = pages.clone();
        let server = TestServer::start(move |r| {
            let p = &r.path;
            if p.contains("/versions") {
                versions()
            } else if p.contains("org.qunguan.moderation_room") {
                Answer::json(200, &json!({"room_id": "!mod:hs"}))
            } else if p.contains("/joined_rooms") {
                Answer::json(200, &json!({"joined_rooms": ["!mod:hs"]}))
            } else if p.contains("/messages") {
                let n = count.fetch_add(1, Ordering::SeqCst);
                let event = json!({"type": "m.room.message", "event_id": format!("$e{n}:hs"), "sender": "@a:hs",
                                   "origin_server_ts": 1, "room_id": "!mod:hs", "content": {"body": "x"}});
                Answer::json(200, &json!({"chunk": [event], "start": format!("t{n}"), "end": format!("t{}", n + 1)}))
            } else if p.split('?').next().is_some_and(|p| p.ends_with("/state")) {
                Answer::json(200, &json!([]))
            } else {
                Answer::json(404, &json!({"errcode": "M_NOT_FOUND", "error": "no"}))
            }
        });
        (server, pages)
    }

    fn platform(server: &TestServer) -> MatrixPlatform {
        let account = Account { homeserver: server.url(), user_id: "@me:hs".into(), device_id: None };
        MatrixPlatform::new(reqwest_client(), SignedIn { account, access_token: Secret::new("token") })
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn endless_pagination_stops_at_the_page_cap() {
        for since in [None, Some("!mod:hs t0")] {
            let (server, pages) = endless();
            let platform = platform(&server);
            let read = platform.shared_case_events("!group:hs", "!mod:hs", since);
            let result = tokio::time::timeout(Duration::from_secs(120), read).await;
            let err = result.expect("a read of a timeline that never ends must stop").unwrap_err();
            assert_eq!(err.code, ErrorCode::Platform, "an endless timeline is the homeserver's fault: {err:?}");
            assert!(
                err.message.contains(&format!(
                    "did not stop paginating the moderation room's timeline after {MAX_PAGES} pages"
                )),
                "the error says what never ended: {err:?}"
            );
            assert_eq!(pages.load(Ordering::SeqCst), MAX_PAGES, "exactly the cap's pages were read (since {since:?})");
        }
    }
}
