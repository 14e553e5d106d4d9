//! The store's writer for following: rounds are written on a thread of their own while the
//! next ones are read and checked, and rounds that queued up while it wrote go in together.
//!
//! ## Design
//! - Reading an answer (JSON, events) and checking its messages use one core; the encrypted
//!   store uses another. A round handed to the [`crate::ingest::Writer`] is written while the caller goes on.
//! - **Group commit.** A commit costs every page the transaction dirtied, encrypted and written
//!   once; the timeline's index is written at random places, so a round of 1,000 messages
//!   dirties nearly 1,000 pages whatever the messages. When rounds queue up (the writer fell
//!   behind: a first sync, a back-fill, a burst), it takes all of them, up to
//!   [`crate::ingest::MAX_MESSAGES`], into one transaction (`Store::ingest_all`). A round that arrives alone
//!   is written alone, at once: following live costs no latency.
//! - Rounds are written in the order given, and a transaction holds whole rounds, so what is
//!   stored is always a prefix of what was handed over. A round carries the token after it:
//!   after a crash, the feed continues from the last token written and reads the rest again,
//!   which the store's keys absorb.
//! - A failed transaction of several rounds is tried again round by round up to the one that
//!   fails; then the writer stops: no later round (and no later token) is written past a round
//!   that was not.
//! - Queue depth is bounded ([`crate::ingest::DEPTH`] rounds): a reader faster than the disk waits.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use qunguan_core::{ApiError, ErrorCode, Result};
use qunguan_store::{Ingest, Ingested, Store};
use tokio::sync::{mpsc, oneshot};

/// Rounds waiting for the writer before a new one waits too.
pub const DEPTH: usize = 16;
/// Messages of queued rounds one transaction takes at most (a larger one holds the store
/// longer and gains little: engine/BENCH.md).
pub const MAX_MESSAGES: usize = 20_000;

/// What the writer did.
#[derive(Debug, Default)]
pub struct Written {
    /// What each round changed, in the order they were given.
    pub rounds: Vec<Ingested>,
    /// Transactions committed.
    pub transactions: u32,
    /// Time spent writing (wall clock, store locked).
    pub busy: Duration,
    /// Time spent writing, per round, in order (a round written with others gets its share).
    pub per_round: Vec<Duration>,
}

/// A writer thread over one store; see the module docs.
pub struct Writer {
    rounds: Option<mpsc::Sender<Ingest>>,
    done: Option<oneshot::Receiver<Result<Written>>>,
}

impl Writer {
    /// Starts the writer on `store`; `now_ms` is the clock items are dated by.
    pub fn start(store: Arc<Mutex<Store>>, now_ms: fn() -> i64) -> Writer {
        let (tx, rx) = mpsc::channel(DEPTH);
        let (done_tx, done) = oneshot::channel();
        std::thread::Builder::new()
            .name("qg-store-writer".into())
            .spawn(move || {
                let _ = done_tx.send(write_all(&store, rx, now_ms));
            })
            .expect("the writer thread starts");
        Writer { rounds: Some(tx), done: Some(done) }
    }

    /// Hands a round over (waits while [`DEPTH`] rounds wait). An error is the one the writer
    /// stopped at.
    pub async fn submit(&mut self, round: Ingest) -> Result<()> {
        let rounds = self.rounds.as_ref().expect("not finished");
        if rounds.send(round).await.is_ok() {
            return Ok(());
        }
        Err(self.result().await.err().unwrap_or_else(stopped))
    }

    /// [`Writer::submit`] from a thread outside the async runtime (the bench).
    pub fn submit_blocking(&mut self, round: Ingest) -> Result<()> {
        let rounds = self.rounds.as_ref().expect("not finished");
        if rounds.blocking_send(round).is_ok() {
            return Ok(());
        }
        Err(self.result_blocking().err().unwrap_or_else(stopped))
    }

    /// Waits until every round handed over is written; what was written, or the first error.
    pub async fn finish(mut self) -> Result<Written> {
        self.rounds = None;
        self.result().await
    }

    /// [`Writer::finish`] outside the async runtime.
    pub fn finish_blocking(mut self) -> Result<Written> {
        self.rounds = None;
        self.result_blocking()
    }

    /// The writer's end (once: later calls say it stopped).
    async fn result(&mut self) -> Result<Written> {
        self.done.take().ok_or_else(stopped)?.await.map_err(|_| stopped())?
    }

    fn result_blocking(&mut self) -> Result<Written> {
        self.done.take().ok_or_else(stopped)?.blocking_recv().map_err(|_| stopped())?
    }
}

fn stopped() -> ApiError {
    ApiError::new(ErrorCode::Internal, "the store writer stopped")
}

/// The writer's loop: every queued round, in order, in as few transactions as allowed.
fn write_all(store: &Mutex<Store>, mut rx: mpsc::Receiver<Ingest>, now_ms: fn() -> i64) -> Result<Written> {
    let mut out = Written::default();
    while let Some(first) = rx.blocking_recv() {
        let mut n = first.messages.len();
        let mut batch = vec![first];
        while n < MAX_MESSAGES {
            match rx.try_recv() {
                Ok(round) => {
                    n += round.messages.len();
                    batch.push(round);
                }
                Err(_) => break,
            }
        }
        let t = Instant::now();
        let mut store = store.lock().expect("not poisoned");
        let now = now_ms();
        let result = match store.ingest_all(&batch, now) {
            Ok(written) => {
                out.transactions += 1;
                Ok(written)
            }
            // Round by round, so every round before the bad one is kept.
            Err(e) if batch.len() > 1 => {
                tracing::warn!(code = e.code.as_str(), rounds = batch.len(), "a group commit failed: one by one");
                let mut written = Vec::new();
                let mut failed = None;
                for round in &batch {
                    match store.ingest(round, now) {
                        Ok(w) => {
                            out.transactions += 1;
                            written.push(w);
                        }
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                out.rounds.extend(written);
                failed.map_or(Ok(Vec::new()), Err)
            }
            Err(e) => Err(e),
        };
        drop(store);
        let spent = t.elapsed();
        out.busy += spent;
        out.per_round.extend(std::iter::repeat_n(spent / batch.len() as u32, batch.len()));
        out.rounds.extend(result?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qunguan_core::action::MessageSnapshot;

    fn store() -> (tempfile::TempDir, Arc<Mutex<Store>>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db"), &qunguan_core::Secret::new("ab".repeat(32))).unwrap();
        (dir, Arc::new(Mutex::new(store)))
    }

    fn round(n: usize, token: &str) -> Ingest {
        let messages = (0..n)
            .map(|i| {
                let m = MessageSnapshot {
                    event_id: format!("${token}-{i}"),
                    sender: "@m:hs".into(),
                    ts: i as i64,
                    kind: "m.room.message".into(),
                    body: Some("hi".into()),
                    redacted: false,
                    redacted_by: None,
                    case_id: None,
                    reply_to: None,
                };
                ("!g:hs".to_owned(), m)
            })
            .collect();
        Ingest { token: Some(token.into()), messages, ..Ingest::default() }
    }

    #[test]
    fn rounds_queued_behind_a_busy_writer_are_written_together_in_order() {
        let (_dir, store) = store();
        // The writer is held up (as by a slow disk) while 10 rounds queue behind it.
        let held = store.lock().unwrap();
        let mut writer = Writer::start(store.clone(), || 1);
        for t in 0..10 {
            writer.submit_blocking(round(3, &format!("t{t}"))).unwrap();
        }
        drop(held);
        let written = writer.finish_blocking().unwrap();
        assert_eq!(written.rounds.len(), 10, "one answer per round");
        assert!(written.rounds.iter().all(|w| w.new_messages == 3), "{:?}", written.rounds);
        assert!(written.transactions < 10, "queued rounds share transactions: {}", written.transactions);
        let s = store.lock().unwrap();
        assert_eq!(s.sync_token().unwrap().as_deref(), Some("t9"), "the last round's token is the one kept");
        assert!(s.has_message("!g:hs", "$t0-0").unwrap() && s.has_message("!g:hs", "$t9-2").unwrap());
    }

    #[test]
    fn nothing_after_a_round_that_failed_is_written() {
        let (dir, store) = store();
        // A store that refuses one round's messages (as a full disk or a broken file would).
        let conn = rusqlite::Connection::open(dir.path().join("c.db")).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "ab".repeat(32))).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON timeline WHEN NEW.event_id LIKE '$bad%'
             BEGIN SELECT RAISE(ABORT, 'refused'); END;",
        )
        .unwrap();
        let held = store.lock().unwrap();
        let mut writer = Writer::start(store.clone(), || 1);
        for t in ["a", "bad", "c"] {
            writer.submit_blocking(round(2, t)).unwrap();
        }
        drop(held);
        assert!(writer.finish_blocking().is_err(), "the failure is reported");
        let s = store.lock().unwrap();
        assert_eq!(s.sync_token().unwrap().as_deref(), Some("a"), "the token stays before the failed round");
        assert!(s.has_message("!g:hs", "$a-1").unwrap(), "the round before the failure is kept");
        assert!(!s.has_message("!g:hs", "$c-0").unwrap(), "nothing after the failure is written");
    }

    #[test]
    fn a_round_given_alone_is_written_before_the_next_is_given() {
        let (_dir, store) = store();
        let mut writer = Writer::start(store.clone(), || 1);
        writer.submit_blocking(round(2, "a")).unwrap();
        // Nothing else queued: the writer commits it alone, soon, without waiting for more.
        let deadline = Instant::now() + Duration::from_secs(10);
        while store.lock().unwrap().sync_token().unwrap().is_none() {
            assert!(Instant::now() < deadline, "a lone round was not written");
            std::thread::sleep(Duration::from_millis(5));
        }
        let written = writer.finish_blocking().unwrap();
        assert_eq!(written.transactions, 1);
    }
}
