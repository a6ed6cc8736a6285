//! PostgreSQL backend.
//!
//! Concurrency is left to PostgreSQL's row locks, at READ COMMITTED:
//! - `append_message` bumps `rooms.last_seq` with `UPDATE … RETURNING`, whose row lock serialises
//!   concurrent senders to one room until commit, so seqs are gap-free and in commit order; a
//!   failed insert rolls the bump back with it.
//! - two concurrent appends with one `(user_id, client_id)` can both pass the idempotency check;
//!   the unique index fails the later one, which rolls back and returns the first as `Duplicate`.
//! - `rotate_session` retires a token with a conditional `UPDATE`, so of two concurrent rotations
//!   exactly one changes the row; the other sees zero rows affected and is treated as reuse.
//! - `create_user` takes a transaction-scoped advisory lock before "is the table empty".

mod rows;

use crate::error::{StoreError, StoreResult};
use crate::open::OpenOptions;
use crate::records::*;
use crate::shared::append::AppendError;
use chatbot_domain::{MemberRole, MessageId, MessageStatus, RoomId, SessionId, UserId, UserRole};
use rows::{
    json, like_pattern, live_session_of, member_select, message_cols, message_select, now, room_cols,
    search_from, session_cols, share_cols, summary_select, ts, user_cols, write_err,
};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection as _, Postgres, Row, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

/// This backend's database, for the shared code ([`crate::shared`]).
type Db = Postgres;

use crate::shared::sql::postgres as sql;

crate::shared::methods::transaction_helpers!();
crate::shared::methods::store_helpers!(PgStore);
crate::shared::admin::admin_queries!(PgStore);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Lock key for "first user becomes admin" (`pg_advisory_xact_lock`); any constant unique to us.
const FIRST_ADMIN_LOCK: i64 = 0x0063_6861_7461_646d;

/// The PostgreSQL implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and, if asked, migrates (sqlx's migrator holds an advisory lock meanwhile, so two
    /// servers starting together do not race).
    pub async fn open(o: &OpenOptions) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(o.max_connections.max(1))
            .acquire_timeout(o.acquire_timeout)
            .connect(&o.url)
            .await
            .map_err(|e| StoreError::Config(format!("cannot connect to PostgreSQL: {e}")))?;
        if o.migrate {
            MIGRATOR.run(&pool).await?;
        }
        Ok(PgStore { pool })
    }

    /// Reads and writes share one pool ([`crate::shared`] names both): a connection from it, the
    /// caller's until dropped.
    async fn reader(&self) -> StoreResult<PoolConnection<Postgres>> {
        Ok(self.pool.acquire().await?)
    }

    async fn writer(&self) -> StoreResult<PoolConnection<Postgres>> {
        Ok(self.pool.acquire().await?)
    }

    /// Any token may be held: PostgreSQL locks rows, so looking one up in the write transaction
    /// blocks nobody.
    async fn may_hold(&self, _token_hash: &str) -> StoreResult<bool> {
        Ok(true)
    }

    /// Held until commit: concurrent first registrations check "is the table empty" one at a
    /// time, each seeing the users committed before it.
    async fn serialize_first_user(&self, tx: &mut Transaction<'_, Postgres>) -> StoreResult<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(FIRST_ADMIN_LOCK).execute(&mut **tx).await?;
        Ok(())
    }
}

/// Starts a transaction on a connection from [`PgStore::writer`].
async fn begin(writer: &mut PoolConnection<Postgres>) -> StoreResult<Transaction<'_, Postgres>> {
    Ok(writer.begin().await?)
}

/// No one-statement path: batches take the checked path ([`append_batch_in`]).
async fn append_in_one_statement(
    _writer: &mut PgConnection,
    _batch: &[NewMessage],
) -> Option<Vec<StoreResult<Appended>>> {
    None
}

/// A whole batch in a handful of statements (see `crate::batch`). An error means the
/// transaction may be unusable: the caller rolls back and stores the messages one by one.
///
/// Every statement takes one array per column (`UNNEST`), so its text is the same whatever the
/// batch size and it is prepared once per connection. The earlier form (a VALUES list with a
/// parameter per cell) was parsed and planned for every batch, and could not be cached: a plan
/// per size, hundreds of parameters each, grew the process by hundreds of megabytes. With
/// arrays, a 100-message batch took ~30 ms instead of ~38 ms in the writer (docs/benchmarks.md).
async fn append_batch_in(
    tx: &mut Transaction<'_, Postgres>,
    batch: &[NewMessage],
) -> StoreResult<Vec<StoreResult<Appended>>> {
    let keys = crate::batch::client_keys(batch);
    let mut earlier = Vec::new();
    if !keys.is_empty() {
        let authors: Vec<uuid::Uuid> = keys.iter().map(|(author, _)| author.as_uuid()).collect();
        let client_ids: Vec<&str> = keys.iter().map(|(_, key)| *key).collect();
        let query = sqlx::query(concat!(
            "WITH k(u, c) AS (SELECT * FROM UNNEST($1::uuid[], $2::text[])) ",
            message_select!(),
            "WHERE m.client_id IS NOT NULL AND (m.user_id, m.client_id) IN (SELECT u, c FROM k)"
        ))
        .bind(authors)
        .bind(client_ids);
        for row in query.fetch_all(&mut **tx).await? {
            earlier.push(rows::message(&row, "")?);
        }
    }
    let plan = crate::batch::plan(batch, earlier);

    let mut bumped = std::collections::HashMap::new();
    if !plan.room_counts.is_empty() {
        let rooms: Vec<uuid::Uuid> = plan.room_counts.iter().map(|(room, _)| room.as_uuid()).collect();
        let counts: Vec<i64> = plan.room_counts.iter().map(|(_, count)| *count).collect();
        let query = sqlx::query(
            "WITH v(id, n) AS (SELECT * FROM UNNEST($1::uuid[], $2::bigint[])) \
             UPDATE rooms SET last_seq = rooms.last_seq + v.n FROM v WHERE rooms.id = v.id \
             RETURNING rooms.id, rooms.last_seq",
        )
        .bind(rooms)
        .bind(counts);
        for row in query.fetch_all(&mut **tx).await? {
            bumped.insert(RoomId::from_uuid(row.try_get(0)?), row.try_get::<i64, _>(1)?);
        }
    }
    let seqs = crate::batch::assign_seqs(batch, &plan, &bumped);

    let at = now();
    let inserts: Vec<(&NewMessage, i64)> =
        batch.iter().zip(&seqs).filter_map(|(m, seq)| seq.map(|s| (m, s))).collect();
    if !inserts.is_empty() {
        // One array per column, whatever the batch size: the statement text never changes, so it
        // is prepared once per connection instead of parsed and planned per batch (a multi-row
        // VALUES list has 12 parameters per message, and its text differs with every size).
        // Borrowed, not copied: message contents go to the driver straight from the batch.
        let column = |f: fn(&NewMessage) -> Option<&str>| -> Vec<Option<&str>> {
            inserts.iter().map(|(new, _)| f(new)).collect()
        };
        let uuids = |f: fn(&NewMessage) -> Option<uuid::Uuid>| -> Vec<Option<uuid::Uuid>> {
            inserts.iter().map(|(new, _)| f(new)).collect()
        };
        sqlx::query(
            "INSERT INTO messages (id, room_id, seq, user_id, role, content, status, model, reply_to, client_id, \
                                   created_at, updated_at) \
             SELECT id, room_id, seq, user_id, role, content, status, model, reply_to, client_id, $11, $11 \
             FROM UNNEST($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::text[], \
                         $8::text[], $9::uuid[], $10::text[]) \
                  AS t(id, room_id, seq, user_id, role, content, status, model, reply_to, client_id)",
        )
        .bind(uuids(|m| Some(m.id.as_uuid())))
        .bind(uuids(|m| Some(m.room_id.as_uuid())))
        .bind(inserts.iter().map(|(_, seq)| *seq).collect::<Vec<i64>>())
        .bind(uuids(|m| m.user_id.map(|id| id.as_uuid())))
        .bind(column(|m| Some(m.role.as_str())))
        .bind(column(|m| Some(&m.content)))
        .bind(column(|m| Some(m.status.as_str())))
        .bind(column(|m| m.model.as_deref()))
        .bind(uuids(|m| m.reply_to.map(|id| id.as_uuid())))
        .bind(column(|m| m.client_id.as_deref()))
        .bind(ts(at))
        .execute(&mut **tx)
        .await
        .map_err(write_err)?;
    }

    let mut names = std::collections::HashMap::new();
    let authors = crate::batch::authors(batch, &seqs);
    if !authors.is_empty() {
        let ids: Vec<uuid::Uuid> = authors.iter().map(|id| id.as_uuid()).collect();
        let query = sqlx::query("SELECT id, name FROM users WHERE id = ANY($1)").bind(ids);
        for row in query.fetch_all(&mut **tx).await? {
            names.insert(UserId::from_uuid(row.try_get("id")?), row.try_get::<String, _>("name")?);
        }
    }
    Ok(crate::batch::outcomes(batch, plan, &seqs, &names, at))
}

/// Inserts one message within `tx`: the room's seq bump (a row lock on the room) and the insert.
async fn insert_one_in(tx: &mut Transaction<'_, Postgres>, new: &NewMessage) -> Result<(), AppendError> {
    let seq: i64 =
        sqlx::query_scalar("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq")
            .bind(new.room_id.as_uuid())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(AppendError::RoomMissing)?;
    let at = ts(now());
    let inserted = sqlx::query(
        "INSERT INTO messages (id, room_id, seq, user_id, role, content, status, model, reply_to, client_id, \
                               created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(new.id.as_uuid())
    .bind(new.room_id.as_uuid())
    .bind(seq)
    .bind(new.user_id.map(|id| id.as_uuid()))
    .bind(new.role.as_str())
    .bind(&new.content)
    .bind(new.status.as_str())
    .bind(&new.model)
    .bind(new.reply_to.map(|id| id.as_uuid()))
    .bind(&new.client_id)
    .bind(at)
    .execute(&mut **tx)
    .await;
    inserted.map_err(|e| AppendError::insert_failed(e, new))?;
    Ok(())
}

/// Planner settings for the rest of the transaction, in one round trip.
async fn set_local(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    settings: &[(&str, &str)],
) -> sqlx::Result<()> {
    let (names, values): (Vec<&str>, Vec<&str>) = settings.iter().copied().unzip();
    sqlx::query("SELECT set_config(name, value, true) FROM unnest($1::text[], $2::text[]) AS s(name, value)")
        .bind(names)
        .bind(values)
        .execute(&mut **tx)
        .await
        .map(drop)
}

/// Newest messages a search walks before it asks the GIN index (see `search_messages`), plus 20
/// per result of the window: a word in 1 message of 20 in the searcher's rooms fills it.
const SEARCH_WALK: i64 = 30_000;

/// Newest messages a search looks at first to tell how common its words are: enough to see a
/// word in 1 message of 20 in a quarter of the rooms ~40 times, few enough to cost ~2 ms.
const SEARCH_PROBE: i64 = 3_000;

/// The search's plan, chosen from what the probe of the newest [`SEARCH_PROBE`] messages found.
#[derive(Debug, PartialEq, Eq)]
enum SearchPlan {
    /// The probe filled the window: it is the answer.
    Probed,
    /// Common enough to fill the window within `rows` newest messages (at most the walk's budget).
    Walk { rows: i64 },
    /// Rare among the newest messages: only the index finds its matches without reading history.
    Index,
}

impl SearchPlan {
    /// `found` matches (of the `window_end` wanted) in the probe; walks a third more than the
    /// probe's rate says it needs, so a slightly rarer stretch still fills the window.
    fn after_probe(found: i64, window_end: i64) -> Self {
        if found >= window_end {
            return Self::Probed;
        }
        let budget = SEARCH_WALK + window_end * 20;
        match (SEARCH_PROBE * window_end * 4 / 3).checked_div(found) {
            Some(rows) if rows <= budget => Self::Walk { rows },
            _ => Self::Index,
        }
    }
}

crate::shared::methods::impl_store!(PgStore, "postgres", {
    async fn search_messages(&self, query: &SearchQuery) -> StoreResult<Vec<SearchHit>> {
        // Every term as a word prefix (`term:*`), all required. Terms are letters and digits only
        // (`SearchQuery`), so they cannot be read as tsquery syntax.
        let matched = query.terms.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & ");
        // Newest first (ids are UUIDv7: time-ordered). PostgreSQL cannot estimate how many rows a
        // prefix query matches, and each wrong guess cost 0.2-0.4 s at 1,000,000 messages (seen
        // with `examples/search.rs`), so the plan is chosen here, in one transaction, from a probe
        // of the newest messages: a common word is found by walking the newest messages (the
        // primary key backwards, checking each), which fills the window within a few thousand;
        // a rare one by the GIN index, which knows every match but in no time order.
        let window_end = i64::from(query.offset) + i64::from(query.limit);
        let mut tx = self.pool.begin().await?;
        // The walk reads the primary key backwards: no sequential scan, bitmap or sort, and no
        // parallel workers (they take longer to start than the walk takes).
        let walk_settings = [
            ("enable_seqscan", "off"),
            ("enable_bitmapscan", "off"),
            ("enable_sort", "off"),
            ("max_parallel_workers_per_gather", "0"),
        ];
        set_local(&mut tx, &walk_settings).await?;
        // The walk: the `$5` newest messages below id `$6`, each checked; the first `$4` matches.
        let walk = |rows: i64, limit: i64, below: uuid::Uuid| {
            sqlx::query(concat!(
                "SELECT ",
                message_cols!(),
                ", r.name AS room_name, ts_rank(m.search, to_tsquery('simple', $3))::float8 AS rank \
                 FROM (SELECT * FROM messages WHERE id < $6 ORDER BY id DESC LIMIT $5) m ",
                search_from!(),
                "AND (m.search @@ to_tsquery('simple', $3)) IS TRUE ORDER BY m.id DESC LIMIT $4"
            ))
            .bind(query.user_id.as_uuid())
            .bind(query.room_id.map(|id| id.as_uuid()))
            .bind(&matched)
            .bind(limit)
            .bind(rows)
            .bind(below)
        };
        // The probe says how common the words are; a walk goes on below it, so no message is
        // checked twice.
        let mut walked = walk(SEARCH_PROBE, window_end, uuid::Uuid::max()).fetch_all(&mut *tx).await?;
        let found = i64::try_from(walked.len()).unwrap_or(i64::MAX);
        let filled = match SearchPlan::after_probe(found, window_end) {
            SearchPlan::Probed => true,
            SearchPlan::Walk { rows } => {
                // The probe's last message (none: it read them all).
                let below: Option<uuid::Uuid> =
                    sqlx::query_scalar("SELECT id FROM messages ORDER BY id DESC OFFSET $1 LIMIT 1")
                        .bind(SEARCH_PROBE - 1)
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some(below) = below {
                    walked.extend(
                        walk(rows - SEARCH_PROBE, window_end - found, below).fetch_all(&mut *tx).await?,
                    );
                }
                // A stretch rarer than the probe's leaves it short: the index answers instead.
                i64::try_from(walked.len()).is_ok_and(|n| n >= window_end)
            }
            SearchPlan::Index => false,
        };
        let walked = filled.then(|| {
            walked.into_iter().skip(usize::try_from(query.offset).unwrap_or(usize::MAX)).collect::<Vec<_>>()
        });
        let rows = match walked {
            Some(rows) => rows,
            None => {
                // Only the index may be used, and with the searcher's rooms as an array the
                // planner ANDs it with the rooms' index (`messages_room_id_idx`, compact: one
                // entry per room and page run), so only matches in those rooms are read. The
                // matches are sorted by id alone (narrow rows: the sort took 9 of 59 ms with whole
                // rows); the message, its room's name, the author and the rank are read for the
                // window only.
                set_local(
                    &mut tx,
                    &[("enable_indexscan", "off"), ("enable_bitmapscan", "on"), ("enable_sort", "on")],
                )
                .await?;
                sqlx::query(concat!(
                    "SELECT ",
                    message_cols!(),
                    ", r.name AS room_name, ts_rank(m.search, to_tsquery('simple', $3))::float8 AS rank \
                     FROM (SELECT h.id FROM messages h \
                           WHERE h.room_id = ANY(ARRAY(SELECT me.room_id FROM room_members me WHERE me.user_id = $1)) \
                             AND h.deleted_at IS NULL AND ($2::uuid IS NULL OR h.room_id = $2) \
                             AND h.search @@ to_tsquery('simple', $3) ORDER BY h.id DESC LIMIT $4 OFFSET $5) hit \
                     JOIN messages m ON m.id = hit.id \
                     JOIN rooms r ON r.id = m.room_id \
                     LEFT JOIN users u ON u.id = m.user_id \
                     ORDER BY m.id DESC"
                ))
                .bind(query.user_id.as_uuid())
                .bind(query.room_id.map(|id| id.as_uuid()))
                .bind(&matched)
                .bind(i64::from(query.limit))
                .bind(i64::from(query.offset))
                .fetch_all(&mut *tx)
                .await?
            }
        };
        tx.commit().await?;
        rows.iter().map(rows::search_hit).collect()
    }

    async fn close(&self) {
        self.pool.close().await;
    }
});

#[cfg(test)]
mod tests {
    use super::SearchPlan;

    #[test]
    fn the_probe_of_the_newest_messages_chooses_the_plan() {
        assert_eq!(SearchPlan::after_probe(200, 200), SearchPlan::Probed);
        assert_eq!(SearchPlan::after_probe(450, 400), SearchPlan::Probed);
        // A word in 1 message of 20 in a quarter of the rooms: ~37 in the probe, ~16,000 to walk.
        assert_eq!(SearchPlan::after_probe(37, 200), SearchPlan::Walk { rows: 21_621 });
        assert_eq!(SearchPlan::after_probe(199, 200), SearchPlan::Walk { rows: 4_020 });
        // Rare among the newest messages, or absent: walking would read too much history.
        assert_eq!(SearchPlan::after_probe(12, 200), SearchPlan::Index);
        assert_eq!(SearchPlan::after_probe(0, 200), SearchPlan::Index);
    }
}
