//! Numbered schema migrations, tracked by `PRAGMA user_version`.

use qunguan_core::{ApiError, ErrorCode, Result};
use rusqlite::Connection;

/// Migration N (1-based) is `MIGRATIONS[N - 1]`. Append only; never edit a released one.
pub(crate) const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE cached_groups (
        group_id   TEXT PRIMARY KEY,
        position   INTEGER NOT NULL,
        json       TEXT NOT NULL,
        fetched_at INTEGER NOT NULL
    );
    CREATE TABLE cached_members (
        group_id   TEXT NOT NULL,
        user_id    TEXT NOT NULL,
        position   INTEGER NOT NULL,
        json       TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY (group_id, user_id)
    );
    CREATE TABLE cache_marks (
        what       TEXT PRIMARY KEY,
        fetched_at INTEGER NOT NULL
    );
",
    "
    -- The case log: one hash chain per group (see qunguan_core::case). Append only.
    CREATE TABLE case_log (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        group_id   TEXT NOT NULL,
        case_id    TEXT NOT NULL,
        kind       TEXT NOT NULL,
        record     TEXT NOT NULL,
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL UNIQUE
    );
    CREATE INDEX case_log_group ON case_log (group_id, seq);
    CREATE INDEX case_log_case ON case_log (case_id);
    -- The newest hash of each group's chain, so dropping the newest records is detected.
    CREATE TABLE chain_heads (
        group_id   TEXT PRIMARY KEY,
        hash       TEXT NOT NULL,
        length     INTEGER NOT NULL
    );
    -- Decided actions not yet confirmed by the platform; written before any network call.
    CREATE TABLE outbox (
        case_id         TEXT PRIMARY KEY,
        action          TEXT NOT NULL,
        payload         TEXT NOT NULL,
        group_id        TEXT NOT NULL,
        target          TEXT,
        txn_id          TEXT NOT NULL,
        status          TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT
    );
    CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
    -- Evidence captured before a removal or a report: the canonical JSON and its SHA-256.
    CREATE TABLE evidence (
        case_id     TEXT PRIMARY KEY,
        json        TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        captured_at INTEGER NOT NULL
    );
",
    "
    -- Which of my case records have been posted to the group's moderation room.
    ALTER TABLE case_log ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
    -- Other admins' case records, imported from the moderation rooms in timeline order.
    -- Each admin's records form their own chain per group (they are its only writer).
    CREATE TABLE shared_cases (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        group_id   TEXT NOT NULL,
        actor      TEXT NOT NULL,
        case_id    TEXT NOT NULL,
        kind       TEXT NOT NULL,
        record     TEXT NOT NULL,
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL UNIQUE,
        event_id   TEXT NOT NULL
    );
    CREATE INDEX shared_cases_chain ON shared_cases (group_id, actor, seq);
",
    "
    -- The latest page of each group's messages as the platform gave them (the Messages tab
    -- offline). Replaced per group on every fetch.
    CREATE TABLE cached_messages (
        group_id   TEXT NOT NULL,
        position   INTEGER NOT NULL,
        json       TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY (group_id, position)
    );
",
    "
    -- Imported records whose event was later redacted in the moderation room (kept, flagged).
    ALTER TABLE shared_cases ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX shared_cases_event ON shared_cases (event_id);
    -- Where each other admin says their chain of a group ends (their org.qunguan.chain_head).
    CREATE TABLE shared_heads (
        group_id   TEXT NOT NULL,
        actor      TEXT NOT NULL,
        hash       TEXT NOT NULL,
        count      INTEGER NOT NULL,
        PRIMARY KEY (group_id, actor)
    );
    -- The head of my chain I last wrote to each group's moderation room.
    CREATE TABLE announced_heads (
        group_id   TEXT PRIMARY KEY,
        hash       TEXT NOT NULL,
        count      INTEGER NOT NULL
    );
",
    "
    -- Where the next import of each group's shared case log continues (opaque to the store).
    CREATE TABLE shared_cursors (
        group_id   TEXT PRIMARY KEY,
        cursor     TEXT NOT NULL
    );
",
    "
    -- When the server received each imported record (Unix ms; the order they are listed in),
    -- and whether its sender managed the group then. Records imported before this was known
    -- are untrusted until proven otherwise (they are never acted on either way).
    ALTER TABLE shared_cases ADD COLUMN received_at INTEGER;
    ALTER TABLE shared_cases ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0;
    -- The moderation room I last trusted per group, and why the group's pointer is not followed.
    CREATE TABLE case_log_rooms (
        group_id   TEXT PRIMARY KEY,
        room_id    TEXT,
        warning    TEXT
    );
",
    "
    -- The reasons I gave lately, for the action dialog to offer (newest = highest seq). In the
    -- encrypted store rather than the WebView's storage: reasons name members and what they did.
    CREATE TABLE recent_reasons (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        reason     TEXT NOT NULL UNIQUE
    );
",
    "
    -- What each group's moderation room holds of my own chain (audit verify's outside anchor):
    -- the head I announced there, and every record of mine it carries.
    CREATE TABLE room_own_heads (
        group_id   TEXT PRIMARY KEY,
        hash       TEXT NOT NULL,
        count      INTEGER NOT NULL
    );
    CREATE TABLE room_own_records (
        seq        INTEGER PRIMARY KEY,
        group_id   TEXT NOT NULL,
        case_id    TEXT NOT NULL,
        hash       TEXT NOT NULL,
        UNIQUE (group_id, hash)
    );
    -- This store's identity, chosen once: what I publish says which console wrote it, so a
    -- fresh data directory of the same account is not mistaken for this one with rows deleted.
    CREATE TABLE console_identity (id TEXT NOT NULL);
    INSERT INTO console_identity (id) VALUES (lower(hex(randomblob(16))));
",
    "
    -- Why an entry waits or failed, as data (core's OutboxError, JSON); `last_error` keeps the
    -- words, and the note of an entry settled otherwise.
    ALTER TABLE outbox ADD COLUMN error TEXT;
",
    "
    -- Following the groups: where the next /sync round continues.
    CREATE TABLE sync_tokens (
        scope      TEXT PRIMARY KEY,
        token      TEXT NOT NULL
    );
    -- Every message of a followed group as it arrived (encrypted at rest like the rest).
    CREATE TABLE timeline (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        group_id   TEXT NOT NULL,
        event_id   TEXT NOT NULL,
        sender     TEXT NOT NULL,
        ts         INTEGER NOT NULL,
        body       TEXT,
        reply_to   TEXT,
        redacted   INTEGER NOT NULL DEFAULT 0,
        case_id    TEXT,
        UNIQUE (group_id, event_id)
    );
    CREATE INDEX timeline_group_ts ON timeline (group_id, ts);
    -- The flagged queue: one item per message (the ID is derived from group and message).
    -- `rank` orders the open queue: severity (2 high, 1 medium, 0 low) first, then age.
    CREATE TABLE queue_items (
        id         TEXT PRIMARY KEY,
        group_id   TEXT NOT NULL,
        event_id   TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        category   TEXT,
        flags      TEXT NOT NULL DEFAULT '[]',
        auto_rank  INTEGER,
        rank       INTEGER NOT NULL,
        state      TEXT NOT NULL DEFAULT 'open',
        case_id    TEXT,
        claimed_by TEXT,
        UNIQUE (group_id, event_id)
    );
    CREATE INDEX queue_open ON queue_items (state, rank DESC, created_at);
    -- Reports of an item, one per reporter and way (reply, reaction, platform).
    CREATE TABLE queue_reports (
        item_id    TEXT NOT NULL,
        reporter   TEXT NOT NULL,
        via        TEXT NOT NULL,
        source     TEXT NOT NULL,
        reason     TEXT,
        at         INTEGER NOT NULL,
        PRIMARY KEY (item_id, reporter, via)
    );
    CREATE INDEX queue_reports_reporter ON queue_reports (reporter);
",
    "
    -- Who holds which item, as the group's moderation room says (valid claims only).
    CREATE TABLE claims (
        item_id    TEXT PRIMARY KEY,
        group_id   TEXT NOT NULL,
        holder     TEXT NOT NULL,
        until_ms   INTEGER NOT NULL
    );
",
    "
    -- No query reads the timeline by time, and this index cost every round a page per group
    -- (engine/BENCH.md: ingest 14,300 → 19,800 messages/s in the store).
    DROP INDEX timeline_group_ts;
",
    "
    -- The timeline's unique (group, event) key was two long random strings: its index outgrew
    -- the page cache at a few hundred thousand messages, and every new message then cost a
    -- page read and decryption (engine/BENCH.md). A 64-bit hash of the pair (`qg_message_key`,
    -- the store's own SQL function) under a plain index is a third of the size; the pair is
    -- compared on every lookup, so a collision costs a row read and never a message.
    CREATE TABLE timeline_keyed (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        msg_key    INTEGER NOT NULL,
        group_id   TEXT NOT NULL,
        event_id   TEXT NOT NULL,
        sender     TEXT NOT NULL,
        ts         INTEGER NOT NULL,
        body       TEXT,
        reply_to   TEXT,
        redacted   INTEGER NOT NULL DEFAULT 0,
        case_id    TEXT
    );
    INSERT INTO timeline_keyed (seq, msg_key, group_id, event_id, sender, ts, body, reply_to, redacted, case_id)
        SELECT seq, qg_message_key(group_id, event_id), group_id, event_id, sender, ts, body, reply_to, redacted, case_id
        FROM timeline ORDER BY seq;
    DROP TABLE timeline;
    ALTER TABLE timeline_keyed RENAME TO timeline;
    CREATE INDEX timeline_key ON timeline (msg_key);
",
    "
    -- Purges and erasures of cached messages, as they ran (dry runs too): retention's record.
    CREATE TABLE housekeeping (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        at         INTEGER NOT NULL,
        record     TEXT NOT NULL
    );
",
    "
    -- Who removed a message (the redaction's sender, or the server's word for one already
    -- removed when it arrived).
    ALTER TABLE timeline ADD COLUMN redacted_by TEXT;
",
    "
    -- Each group's history back-fill: where the next page back starts (`NULL`: from the
    -- latest), the oldest message reached, and whether it is done (depth or the room's start).
    CREATE TABLE history (
        group_id   TEXT PRIMARY KEY,
        cursor     TEXT,
        oldest_ts  INTEGER,
        done       INTEGER NOT NULL DEFAULT 0,
        pages      INTEGER NOT NULL DEFAULT 0,
        messages   INTEGER NOT NULL DEFAULT 0
    );
    -- Edits read from history before the message they edit (pages go back in time).
    CREATE TABLE history_edits (
        group_id   TEXT NOT NULL,
        target     TEXT NOT NULL,
        sender     TEXT NOT NULL,
        body       TEXT NOT NULL,
        ts         INTEGER NOT NULL
    );
",
    "
    -- Search (store/src/search.rs): each message's search terms (detect's `search::terms`)
    -- and its group's and sender's tokens in a contentless FTS5 table (no positions) whose rowid is the
    -- message's hour and seq (newest first is rowid order). Indexed after ingest, never in it:
    -- `search_mark` says how far, `search_pending` holds edited messages to index again.
    CREATE VIRTUAL TABLE search_index USING fts5(
        terms, content = '', contentless_delete = 1, detail = none, tokenize = 'ascii'
    );
    CREATE TABLE search_mark (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_to INTEGER NOT NULL
    );
    INSERT INTO search_mark (id, indexed_to) VALUES (1, 0);
    CREATE TABLE search_pending (seq INTEGER PRIMARY KEY);
    -- Every word indexed (never its messages): a last word of a query is looked up as the
    -- words that start with it, which FTS5 answers lazily, instead of as an FTS5 prefix query,
    -- which reads every matching doclist whole first.
    CREATE TABLE search_words (word TEXT PRIMARY KEY) WITHOUT ROWID;
    -- An edit or a redaction takes the old terms out at once, in the same transaction (the
    -- text is gone from the index when it is gone from the timeline); an edit is indexed again.
    CREATE TRIGGER search_forget_changed AFTER UPDATE OF body, redacted ON timeline
        WHEN old.seq <= (SELECT indexed_to FROM search_mark)
         AND (old.body IS NOT new.body OR old.redacted IS NOT new.redacted)
    BEGIN
        DELETE FROM search_index WHERE rowid = (max(0, min(old.ts / 3600000, 2147483647)) << 32) | old.seq;
        INSERT OR IGNORE INTO search_pending (seq)
            SELECT new.seq WHERE new.body IS NOT NULL AND new.redacted = 0;
    END;
    -- A purge or an erasure takes its messages' terms with them.
    CREATE TRIGGER search_forget_deleted AFTER DELETE ON timeline
        WHEN old.seq <= (SELECT indexed_to FROM search_mark)
    BEGIN
        DELETE FROM search_index WHERE rowid = (max(0, min(old.ts / 3600000, 2147483647)) << 32) | old.seq;
        DELETE FROM search_pending WHERE seq = old.seq;
    END;
",
];

pub fn apply(conn: &mut Connection) -> Result<()> {
    let err = |e: rusqlite::Error| ApiError::caused_by(ErrorCode::Store, "cache migration", e);
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).map_err(err)? as usize;
    if current > MIGRATIONS.len() {
        return Err(ApiError::new(
            ErrorCode::Store,
            format!(
                "the cache was written by a newer Qunguan (schema {current}, this build knows {})",
                MIGRATIONS.len()
            ),
        ));
    }
    let tx = conn.transaction().map_err(err)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(err)?;
    }
    tx.commit().map_err(err)
}
