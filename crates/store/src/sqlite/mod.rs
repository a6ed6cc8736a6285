//! SQLite backend.
//!
//! SQLite allows one writer at a time. Every write goes through `writer`, exactly one connection,
//! so writers queue for it (fairly, with `acquire_timeout`) instead of failing with `SQLITE_BUSY`;
//! multi-statement writes start with `BEGIN IMMEDIATE`, which takes the write lock up front (a
//! deferred transaction that reads and then writes can fail when another process wrote in
//! between). Reads use `reader`, up to `max_connections` connections that, with WAL, run in
//! parallel with the writer and see only committed data. The store holds these connections itself
//! rather than in sqlx's pool ([`held`] says why).

mod checkpoint;
mod held;
mod rows;
#[cfg(test)]
mod tests;

use crate::error::{StoreError, StoreResult};
use crate::open::OpenOptions;
use crate::records::*;
use crate::shared::append::AppendError;
use chatbot_domain::{MemberRole, MessageId, MessageStatus, RoomId, SessionId, UserId, UserRole};
use held::{Connections, Held, Limits};
use rows::{
    json, like_pattern, live_session_of, member_select, message_cols, message_select, now, room_cols,
    search_from, session_cols, share_cols, summary_select, ts, user_cols, write_err,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection as _, Row, Sqlite, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// This backend's database, for the shared code ([`crate::shared`]).
type Db = Sqlite;

use crate::shared::sql::sqlite as sql;

crate::shared::methods::transaction_helpers!();
crate::shared::methods::store_helpers!(SqliteStore);
crate::shared::admin::admin_queries!(SqliteStore);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The SQLite implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Exactly one connection: every write.
    writer: Arc<Connections>,
    /// Reads. For an in-memory database, the same connection as `writer`.
    reader: Arc<Connections>,
    /// Background WAL checkpoints (a database file only).
    checkpointer: Option<std::sync::Arc<checkpoint::Checkpointer>>,
}

/// Rows the writer connection's worker thread may queue before the caller reads them: more than
/// a full batch (`limits.write_batch`) returns.
const WRITER_ROW_BUFFER: usize = 1024;

/// How long a reader connection may stay idle before it is closed (sqlx's pool default).
const READER_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Starts a write transaction on the writer connection that holds the database's write lock from
/// its first statement (see the module documentation).
async fn begin(writer: &mut Held) -> StoreResult<Transaction<'_, Sqlite>> {
    Ok(writer.begin_with("BEGIN IMMEDIATE").await?)
}

impl SqliteStore {
    /// A read connection, the caller's until dropped (see the module documentation).
    async fn reader(&self) -> StoreResult<Held> {
        self.reader.acquire().await
    }

    /// The write connection, the caller's until dropped: other writers wait meanwhile.
    async fn writer(&self) -> StoreResult<Held> {
        self.writer.acquire().await
    }

    /// Opens (creating the file and its parent directory if missing, readable by their owner
    /// only) and, if asked, migrates.
    pub async fn open(o: &OpenOptions) -> StoreResult<Self> {
        let base = SqliteConnectOptions::from_str(&o.url)
            .map_err(|e| StoreError::Config(format!("invalid SQLite URL `{}`: {e}", o.url)))?
            .create_if_missing(true)
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(o.acquire_timeout);
        let in_memory = o.url.contains(":memory:") || o.url.contains("mode=memory");

        let store = if in_memory {
            // Each connection to `:memory:` would be its own database (shared cache aside, which
            // locks per table and ignores busy_timeout): keep one connection alive for the store's
            // whole life and use it for reads and writes.
            let only = Connections::new(
                base,
                Limits { size: 1, acquire_timeout: o.acquire_timeout, idle_timeout: None },
            );
            only.open_one()
                .await
                .map_err(|e| StoreError::Config(format!("cannot open SQLite database `{}`: {e}", o.url)))?;
            SqliteStore { writer: Arc::clone(&only), reader: only, checkpointer: None }
        } else {
            let path = base.get_filename().to_path_buf();
            create_private(&path).await?;
            let writer = Connections::new(
                base.clone()
                    .journal_mode(SqliteJournalMode::Wal)
                    // A batch's RETURNING and author rows come back in one go: with the
                    // default 50-row channel the worker thread would stall until the
                    // writer task was scheduled to drain it, several times per batch.
                    .row_buffer_size(WRITER_ROW_BUFFER)
                    // Statement journals of multi-row statements stay in memory instead of
                    // being spilled to a temporary file that is created and deleted per batch.
                    .pragma("temp_store", "MEMORY")
                    .pragma("wal_autocheckpoint", checkpoint::WRITER_AUTOCHECKPOINT_PAGES.to_string()),
                // The one writer is never closed for idleness: it is opened here, once.
                Limits { size: 1, acquire_timeout: o.acquire_timeout, idle_timeout: None },
            );
            writer.open_one().await.map_err(|e| {
                StoreError::Config(format!("cannot open SQLite database `{}`: {e}", path.display()))
            })?;
            let reader = Connections::new(
                // Writes through a reader would bypass the single-writer queue: refuse them.
                base.clone().pragma("query_only", "ON"),
                Limits {
                    size: o.max_connections.max(1),
                    acquire_timeout: o.acquire_timeout,
                    idle_timeout: Some(READER_IDLE_TIMEOUT),
                },
            );
            let checkpointer = checkpoint::Checkpointer::start(&base).await?;
            SqliteStore { writer, reader, checkpointer: Some(std::sync::Arc::new(checkpointer)) }
        };

        if o.migrate {
            MIGRATOR.run(&mut *store.writer().await?).await?;
        }
        Ok(store)
    }

    /// The single writer and `BEGIN IMMEDIATE` already serialise "is the table empty" with the
    /// insert.
    async fn serialize_first_user(&self, _tx: &mut Transaction<'_, Sqlite>) -> StoreResult<()> {
        Ok(())
    }

    /// Whether a session holds this token hash, answered by a reader: a token nobody holds (a
    /// guess, a long-forgotten device) must not wait for, or take, the one write lock.
    async fn may_hold(&self, token_hash: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *self.reader().await?)
            .await?;
        Ok(row.is_some())
    }
}

/// The whole batch in one `INSERT … RETURNING` (the trigger assigns each seq), when nothing
/// needs checking first; `None` sends it down the checked path, on the same writer.
async fn append_in_one_statement(
    writer: &mut sqlx::SqliteConnection,
    batch: &[NewMessage],
) -> Option<Vec<StoreResult<Appended>>> {
    match append_new_batch(writer, batch).await {
        Ok(results) => Some(results),
        // A retried clientId, a deleted room or an unknown author (nothing was stored):
        // take the path that checks first.
        Err(err) => {
            tracing::debug!(error = %err, "one-statement batch append refused; checking first");
            None
        }
    }
}

/// Creates the database's directory (0700) and an empty database file (0600) when missing, so
/// that SQLite opens a file only its owner can read: it gives its `-wal` and `-shm` files the
/// database file's mode. Existing files keep whatever mode their operator gave them.
async fn create_private(path: &std::path::Path) -> StoreResult<()> {
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(parent).map_err(|e| {
                StoreError::Config(format!("cannot create directory `{}`: {e}", parent.display()))
            })?;
        }
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(StoreError::Config(format!("cannot create `{}`: {e}", path.display()))),
        }
    })
    .await
    .map_err(|e| StoreError::Config(format!("cannot create the database file: {e}")))?
}

/// The messages of a batch that are to be inserted, each with its 1-based position among its
/// room's new messages (rooms absent from `rooms` are left out).
fn positions<'a>(
    batch: &'a [NewMessage],
    plan: &crate::batch::Plan,
    rooms: impl Fn(RoomId) -> bool,
) -> Vec<(&'a NewMessage, i64)> {
    // With each room's "last seq" set to its count, the room's first new message gets 1.
    let counts = plan.room_counts.iter().filter(|(room, _)| rooms(*room)).copied().collect();
    let positions = crate::batch::assign_seqs(batch, plan, &counts);
    batch.iter().zip(positions).filter_map(|(m, p)| p.map(|p| (m, p))).collect()
}

/// The largest padded batch whose insert statement is kept prepared: the 9 sizes 1, 2, 4, …, 256
/// (`limits.write_batch` defaults to 256). Larger batches are compiled each time.
const CACHED_INSERT_ROWS: usize = 256;

/// What the insert returned for each stored message: its seq and its author's name.
type Inserted = std::collections::HashMap<Uuid, (i64, Option<String>)>;

/// Inserts `messages` (each with its position in its room, see [`positions`]) in ONE statement.
/// Each takes seq = its room's `last_seq` + position; the `messages_seq_follows_room` trigger
/// (migration 0003) checks that every row is its room's `last_seq` + 1 and moves `last_seq` on.
/// SQLite computes every row of an INSERT into a table with row triggers before inserting any
/// (it materialises them in a temporary table), so all rows read the `last_seq` from before the
/// statement (the unit test `one_statement_stores_several_messages_per_room_in_order` checks
/// this on the bundled SQLite); were that ever not so, the trigger would refuse the insert, it
/// could not leave a gap.
///
/// The statement has a row of parameters per message, so its text depends on the batch size.
/// Compiling it (with the triggers it fires) for every batch cost about 7 % of the server's CPU
/// under 200 senders; keeping a plan per size, thousands of parameters each, grew the process by
/// hundreds of megabytes. So the rows are padded up to the next power of two (rows of NULLs,
/// which the `WHERE` drops) and the few statements of those sizes are kept in the cache.
///
/// Errors are the driver's, for the caller to classify (`write_err`, or a `client_id` conflict).
async fn insert_messages<'e, E>(
    executor: E,
    messages: &[(&NewMessage, i64)],
    at: OffsetDateTime,
) -> Result<Inserted, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let mut inserted = Inserted::with_capacity(messages.len());
    if messages.is_empty() {
        return Ok(inserted);
    }
    // LEFT JOIN: a missing room gives a NULL seq, which fails the whole statement, rather than
    // dropping its messages from it. Rows are inserted in `v`'s order (the left side of a LEFT
    // JOIN is the outer loop), so each room's positions arrive in increasing order.
    let rows = messages.len().next_power_of_two();
    let sql = format!(
        "WITH v(id, room_id, position, user_id, role, content, status, model, reply_to, client_id, at) \
              AS (VALUES {}) \
         INSERT INTO messages (id, room_id, seq, user_id, role, content, status, model, reply_to, client_id, \
                               created_at, updated_at) \
         SELECT v.id, v.room_id, r.last_seq + v.position, v.user_id, v.role, v.content, v.status, v.model, \
                v.reply_to, v.client_id, v.at, v.at \
           FROM v LEFT JOIN rooms r ON r.id = v.room_id \
          WHERE v.id IS NOT NULL \
         RETURNING id, seq, (SELECT name FROM users WHERE users.id = messages.user_id)",
        crate::batch::values(11, rows)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(rows <= CACHED_INSERT_ROWS);
    for (new, position) in messages {
        query = query
            .bind(new.id.as_uuid())
            .bind(new.room_id.as_uuid())
            .bind(*position)
            .bind(new.user_id.map(|id| id.as_uuid()))
            .bind(new.role.as_str())
            .bind(&new.content)
            .bind(new.status.as_str())
            .bind(&new.model)
            .bind(new.reply_to.map(|id| id.as_uuid()))
            .bind(&new.client_id)
            .bind(ts(at));
    }
    for _padding in messages.len()..rows {
        for _ in 0..11 {
            query = query.bind(None::<&str>);
        }
    }
    for row in query.fetch_all(executor).await? {
        inserted.insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
    }
    Ok(inserted)
}

/// The outcome of every message of `batch` once `inserted` holds what was stored.
fn batch_outcomes(
    batch: &[NewMessage],
    plan: crate::batch::Plan,
    inserted: &Inserted,
    at: OffsetDateTime,
) -> Vec<StoreResult<Appended>> {
    let seqs: Vec<Option<i64>> =
        batch.iter().map(|m| inserted.get(&m.id.as_uuid()).map(|(seq, _)| *seq)).collect();
    let names =
        batch.iter().filter_map(|m| Some((m.user_id?, inserted.get(&m.id.as_uuid())?.1.clone()?))).collect();
    crate::batch::outcomes(batch, plan, &seqs, &names, at)
}

/// A whole batch as ONE autocommit statement, assuming that no message repeats an idempotency key
/// stored before (a retry after a lost ack is rare) and that every room exists. The database
/// checks the assumption rather than trusting it: a stored `(user_id, client_id)` fails the unique
/// index, a missing room a NOT NULL seq, an unknown author a foreign key; the statement then
/// stored nothing and the caller takes [`append_batch_in`]. One statement is one round trip to the
/// connection's worker thread instead of six (BEGIN, key check, seq bump, insert, names, COMMIT),
/// and the writer, so every sender, waits for each round trip.
async fn append_new_batch(
    writer: &mut sqlx::SqliteConnection,
    batch: &[NewMessage],
) -> StoreResult<Vec<StoreResult<Appended>>> {
    let plan = crate::batch::plan(batch, Vec::new());
    let at = now();
    let inserted =
        insert_messages(writer, &positions(batch, &plan, |_| true), at).await.map_err(write_err)?;
    Ok(batch_outcomes(batch, plan, &inserted, at))
}

/// A whole batch in a transaction that checks first: earlier messages with the batch's
/// idempotency keys (answered as duplicates) and which rooms exist (messages to others fail
/// with `NotFound`). An error means the transaction may be unusable: the caller rolls back and
/// stores the messages one by one.
async fn append_batch_in(
    tx: &mut Transaction<'_, Sqlite>,
    batch: &[NewMessage],
) -> StoreResult<Vec<StoreResult<Appended>>> {
    let keys = crate::batch::client_keys(batch);
    let mut earlier = Vec::new();
    if !keys.is_empty() {
        let sql = crate::batch::earlier_messages_sql(message_select!(), keys.len());
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for (author, key) in &keys {
            query = query.bind(author.as_uuid()).bind(*key);
        }
        for row in query.fetch_all(&mut **tx).await? {
            earlier.push(rows::message(&row, "")?);
        }
    }
    let plan = crate::batch::plan(batch, earlier);

    let mut rooms = std::collections::HashSet::new();
    if !plan.room_counts.is_empty() {
        let sql =
            format!("SELECT id FROM rooms WHERE id IN ({})", crate::batch::list(plan.room_counts.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for (room, _) in &plan.room_counts {
            query = query.bind(room.as_uuid());
        }
        for row in query.fetch_all(&mut **tx).await? {
            rooms.insert(RoomId::from_uuid(row.try_get(0)?));
        }
    }
    let at = now();
    let inserted = insert_messages(&mut **tx, &positions(batch, &plan, |room| rooms.contains(&room)), at)
        .await
        .map_err(write_err)?;
    Ok(batch_outcomes(batch, plan, &inserted, at))
}

/// Inserts one message within `tx`: the check that the room exists and the insert at the room's
/// next seq (the trigger moves it on).
async fn insert_one_in(tx: &mut Transaction<'_, Sqlite>, new: &NewMessage) -> Result<(), AppendError> {
    let room: Option<i32> = sqlx::query_scalar("SELECT 1 FROM rooms WHERE id = $1")
        .bind(new.room_id.as_uuid())
        .fetch_optional(&mut **tx)
        .await?;
    if room.is_none() {
        return Err(AppendError::RoomMissing);
    }
    // Position 1: the room's last_seq + 1, moved on by the trigger.
    let inserted = insert_messages(&mut **tx, &[(new, 1)], now()).await;
    inserted.map_err(|e| AppendError::insert_failed(e, new))?;
    Ok(())
}

crate::shared::methods::impl_store!(SqliteStore, "sqlite", {
    async fn search_messages(&self, query: &SearchQuery) -> StoreResult<Vec<SearchHit>> {
        // The trigram index answers terms of three characters or more; shorter ones (a two-syllable
        // Korean word) are checked on the candidates it found, or on the user's rooms without one.
        let (indexed, short): (Vec<&String>, Vec<&String>) =
            query.terms.iter().partition(|t| t.chars().count() >= 3);
        let mut sql = String::from(concat!("SELECT ", message_cols!(), ", r.name AS room_name, "));
        if indexed.is_empty() {
            // Walk the table newest first and stop at the window: no index knows these terms, and
            // the one on rooms would read every message of the searcher's rooms before sorting.
            sql.push_str(concat!("0.0 AS rank FROM messages m NOT INDEXED ", search_from!()));
        } else {
            sql.push_str(concat!(
                "-bm25(messages_fts) AS rank FROM messages_fts f JOIN messages m ON m.rowid = f.rowid ",
                search_from!(),
                "AND messages_fts MATCH $3 "
            ));
        }
        for i in 0..short.len() {
            sql.push_str(&format!("AND lower(m.content) LIKE ${} ESCAPE '\\' ", i + 4));
        }
        // Newest first (rowids ascend with inserts): the index's own order, so a window of the
        // newest matches is read without sorting every match.
        let order = if indexed.is_empty() { "m.rowid" } else { "f.rowid" };
        sql.push_str(&format!(
            "ORDER BY {order} DESC LIMIT ${} OFFSET ${}",
            short.len() + 4,
            short.len() + 5
        ));
        // Each term quoted: FTS5 then reads it as a string, never as query syntax.
        let matched = indexed.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" AND ");
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(query.user_id.as_uuid())
            .bind(query.room_id.map(|id| id.as_uuid()))
            .bind(matched);
        for term in &short {
            statement = statement.bind(like_pattern(term));
        }
        let rows = statement
            .bind(i64::from(query.limit))
            .bind(i64::from(query.offset))
            .fetch_all(&mut *self.reader().await?)
            .await?;
        rows.iter().map(rows::search_hit).collect()
    }

    async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.stop().await;
        }
        self.writer.close().await;
        if !Arc::ptr_eq(&self.reader, &self.writer) {
            self.reader.close().await;
        }
    }
});
