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
use crate::models::*;
use crate::open::OpenOptions;
use chatbot_domain::{MemberRole, MessageId, MessageStatus, RoomId, SessionId, UserId, UserRole};
use rows::{
    json, like_pattern, member_select, message_select, now, room_cols, session_cols, summary_select, ts,
    user_cols, write_err,
};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Lock key for "first user becomes admin" (`pg_advisory_xact_lock`); any constant unique to us.
const FIRST_ADMIN_LOCK: i64 = 0x0063_6861_7461_646d;

/// The PostgreSQL implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// The message a user first sent with this idempotency key, read outside any transaction.
    async fn first_with_client_id(&self, new: &NewMessage) -> StoreResult<Option<Message>> {
        let (Some(user_id), Some(client_id)) = (new.user_id, new.client_id.as_deref()) else {
            return Ok(None);
        };
        let row = sqlx::query(concat!(message_select!(), "WHERE m.user_id = $1 AND m.client_id = $2"))
            .bind(user_id.as_uuid())
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| rows::message(&r, "")).transpose()
    }

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

    /// Reads and writes share one pool ([`crate::shared`] names both).
    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    async fn summaries(
        &self,
        user_id: UserId,
        room: Option<RoomId>,
        limit: u32,
    ) -> StoreResult<Vec<RoomSummary>> {
        let rows = match room {
            Some(room) => {
                sqlx::query(concat!(summary_select!(), "AND r.id = $2"))
                    .bind(user_id.as_uuid())
                    .bind(room.as_uuid())
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(concat!(
                    summary_select!(),
                    "ORDER BY COALESCE(lm.created_at, r.created_at) DESC, r.id DESC LIMIT $2"
                ))
                .bind(user_id.as_uuid())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(rows::summary).collect()
    }
}

/// Revokes every live token of a family.
async fn revoke_family_in(
    tx: &mut Transaction<'static, Postgres>,
    family: Uuid,
    now: OffsetDateTime,
) -> StoreResult<u64> {
    let done = sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
        .bind(family)
        .bind(ts(now))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// Inserts `next` as a live token of the family.
async fn insert_next(
    tx: &mut Transaction<'static, Postgres>,
    next: &NewSession,
    family_id: SessionId,
    user_id: UserId,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id, family_id, user_id, token_hash, user_agent, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(next.id)
    .bind(family_id.as_uuid())
    .bind(user_id.as_uuid())
    .bind(&next.token_hash)
    .bind(&next.user_agent)
    .bind(ts(now))
    .bind(ts(next.expires_at))
    .execute(&mut **tx)
    .await
    .map_err(write_err)?;
    Ok(())
}

/// Uses up the grace of a just-exchanged token, so that it is honoured once more (the other tab)
/// and never again: its retirement is moved back to before the grace began. A compare-and-set:
/// of two presentations at once, only one finds the retirement still recent.
async fn spend_grace(
    tx: &mut Transaction<'static, Postgres>,
    id: Uuid,
    now: OffsetDateTime,
    grace: time::Duration,
) -> StoreResult<bool> {
    let spent = now - grace - time::Duration::SECOND;
    let done = sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at > $2")
        .bind(id)
        .bind(ts(spent))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the family still has a token that is neither revoked nor expired.
async fn family_is_live(
    tx: &mut Transaction<'static, Postgres>,
    family_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let live: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM sessions WHERE family_id = $1 AND revoked_at IS NULL AND expires_at > $2 LIMIT 1",
    )
    .bind(family_id)
    .bind(ts(now))
    .fetch_optional(&mut **tx)
    .await?;
    Ok(live.is_some())
}

/// A whole batch in a handful of statements (see `crate::batch`). An error means the
/// transaction may be unusable: the caller rolls back and stores the messages one by one.
///
/// Every statement takes one array per column (`UNNEST`), so its text is the same whatever the
/// batch size and it is prepared once per connection. The earlier form (a VALUES list with a
/// parameter per cell) was parsed and planned for every batch, and could not be cached: a plan
/// per size, hundreds of parameters each, grew the process by hundreds of megabytes. With
/// arrays, a 100-message batch took ~30 ms instead of ~38 ms in the writer (docs/realtime.md).
async fn append_batch_in(
    tx: &mut Transaction<'static, Postgres>,
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

/// Why appending one message inside a transaction failed.
enum AppendError {
    /// No such room; nothing was written, so the transaction can go on.
    RoomMissing,
    /// The idempotency key was taken after the check (only possible with concurrent writers).
    ClientIdTaken(sqlx::Error),
    Store(StoreError),
}

impl<E: Into<StoreError>> From<E> for AppendError {
    fn from(err: E) -> Self {
        AppendError::Store(err.into())
    }
}

/// Appends one message within `tx`: the idempotency check, the room's seq bump and the insert.
async fn append_in(
    tx: &mut Transaction<'static, Postgres>,
    new: &NewMessage,
) -> Result<Appended, AppendError> {
    if let (Some(user_id), Some(client_id)) = (new.user_id, new.client_id.as_deref())
        && let Some(first) = message_by_client_id_in(tx, user_id.as_uuid(), client_id).await?
    {
        return Ok(Appended::Duplicate(first));
    }
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
    match inserted {
        Ok(_) => Ok(Appended::Created(message_in(tx, new.id.as_uuid()).await?)),
        Err(e) if rows::is_client_id_conflict(&e) && new.user_id.is_some() && new.client_id.is_some() => {
            Err(AppendError::ClientIdTaken(e))
        }
        Err(e) => Err(AppendError::Store(write_err(e))),
    }
}

async fn message_in(tx: &mut Transaction<'static, Postgres>, id: Uuid) -> StoreResult<Message> {
    let row =
        sqlx::query(concat!(message_select!(), "WHERE m.id = $1")).bind(id).fetch_one(&mut **tx).await?;
    rows::message(&row, "")
}

async fn message_by_client_id_in(
    tx: &mut Transaction<'static, Postgres>,
    user_id: Uuid,
    client_id: &str,
) -> StoreResult<Option<Message>> {
    let row = sqlx::query(concat!(message_select!(), "WHERE m.user_id = $1 AND m.client_id = $2"))
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| rows::message(&r, "")).transpose()
}

async fn insert_member(
    tx: &mut Transaction<'static, Postgres>,
    room_id: RoomId,
    user_id: UserId,
    role: MemberRole,
    at: OffsetDateTime,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO room_members (room_id, user_id, role, last_read_seq, joined_at) VALUES ($1, $2, $3, 0, $4) \
         ON CONFLICT (room_id, user_id) DO NOTHING",
    )
    .bind(room_id.as_uuid())
    .bind(user_id.as_uuid())
    .bind(role.as_str())
    .bind(ts(at))
    .execute(&mut **tx)
    .await
    .map_err(write_err)?;
    Ok(done.rows_affected() == 1)
}

crate::shared::methods::impl_store!(PgStore, {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    // ---- users ---------------------------------------------------------------------------------

    async fn create_user(&self, new: NewUser, first_becomes_admin: bool) -> StoreResult<User> {
        let mut tx = self.begin().await?;
        let role = if first_becomes_admin {
            // Held until commit: concurrent first registrations check "is the table empty" one at a
            // time, each seeing the users committed before it.
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(FIRST_ADMIN_LOCK).execute(&mut *tx).await?;
            let any: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)").fetch_one(&mut *tx).await?;
            if any { new.role } else { UserRole::Admin }
        } else {
            new.role
        };
        let at = ts(now());
        let row = sqlx::query(concat!(
            "INSERT INTO users (id, email, name, password_hash, role, is_active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ",
            user_cols!()
        ))
        .bind(new.id.as_uuid())
        .bind(&new.email)
        .bind(&new.name)
        .bind(&new.password_hash)
        .bind(role.as_str())
        .bind(true)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(write_err)?;
        let user = rows::user(&row)?;
        tx.commit().await?;
        Ok(user)
    }

    async fn rotate_session_with_grace(
        &self,
        token_hash: &str,
        next: NewSession,
        now: OffsetDateTime,
        grace: time::Duration,
    ) -> StoreResult<Rotation> {
        let mut tx = self.begin().await?;
        let Some(row) =
            sqlx::query(concat!("SELECT ", session_cols!(), " FROM sessions WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(Rotation::Unknown);
        };
        let current = rows::session(&row)?;
        let (user_id, family_id) = (current.user_id, current.family_id);

        if current.revoked_at.is_some() || current.replaced_by.is_some() {
            let just_rotated =
                current.replaced_by.is_some() && current.revoked_at.is_some_and(|at| now - at < grace);
            if just_rotated
                && family_is_live(&mut tx, family_id.as_uuid(), now).await?
                && spend_grace(&mut tx, current.id, now, grace).await?
            {
                insert_next(&mut tx, &next, family_id, user_id, now).await?;
                tx.commit().await?;
                return Ok(Rotation::Rotated { user_id, family_id });
            }
            revoke_family_in(&mut tx, family_id.as_uuid(), now).await?;
            tx.commit().await?;
            return Ok(Rotation::Reused { user_id, family_id });
        }
        if current.expires_at <= now {
            return Ok(Rotation::Expired);
        }
        let retired = sqlx::query(
            "UPDATE sessions SET revoked_at = $2, replaced_by = $3 \
                 WHERE id = $1 AND revoked_at IS NULL AND replaced_by IS NULL",
        )
        .bind(current.id)
        .bind(ts(now))
        .bind(next.id)
        .execute(&mut *tx)
        .await?;
        if retired.rows_affected() != 1 {
            // Another rotation won just now: within the grace period this is the same client
            // racing itself, otherwise presenting the token again is reuse.
            if !grace.is_zero() && family_is_live(&mut tx, family_id.as_uuid(), now).await? {
                insert_next(&mut tx, &next, family_id, user_id, now).await?;
                tx.commit().await?;
                return Ok(Rotation::Rotated { user_id, family_id });
            }
            revoke_family_in(&mut tx, family_id.as_uuid(), now).await?;
            tx.commit().await?;
            return Ok(Rotation::Reused { user_id, family_id });
        }
        insert_next(&mut tx, &next, family_id, user_id, now).await?;
        tx.commit().await?;
        Ok(Rotation::Rotated { user_id, family_id })
    }

    async fn revoke_session_by_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(UserId, SessionId)>> {
        let mut tx = self.begin().await?;
        let Some(row) = sqlx::query("SELECT user_id, family_id FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let user_id: Uuid = row.try_get("user_id")?;
        let family_id: Uuid = row.try_get("family_id")?;
        revoke_family_in(&mut tx, family_id, now).await?;
        tx.commit().await?;
        Ok(Some((UserId::from_uuid(user_id), SessionId::from_uuid(family_id))))
    }

    async fn mark_read(&self, room_id: RoomId, user_id: UserId, seq: i64) -> StoreResult<i64> {
        let stored: Option<i64> = sqlx::query_scalar(
                "UPDATE room_members \
                 SET last_read_seq = GREATEST(last_read_seq, LEAST($3, (SELECT last_seq FROM rooms WHERE id = $1))) \
                 WHERE room_id = $1 AND user_id = $2 RETURNING last_read_seq",
            )
            .bind(room_id.as_uuid())
            .bind(user_id.as_uuid())
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        stored.ok_or(StoreError::NotFound)
    }

    // ---- messages ------------------------------------------------------------------------------

    async fn append_messages(&self, batch: Vec<NewMessage>) -> StoreResult<Vec<StoreResult<Appended>>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin().await?;
        match append_batch_in(&mut tx, &batch).await {
            Ok(results) => {
                tx.commit().await?;
                Ok(results)
            }
            Err(err) => {
                // An unknown author, or a clientId taken by a concurrent writer on another
                // instance: store each message on its own so one cannot fail the others.
                tracing::debug!(error = %err, "batch append failed; appending one by one");
                tx.rollback().await?;
                let mut results = Vec::with_capacity(batch.len());
                for new in batch {
                    results.push(self.append_message(new).await);
                }
                Ok(results)
            }
        }
    }
});

fn apply_patch(room: &mut Room, patch: RoomPatch) {
    if let Some(name) = patch.name {
        room.name = name;
    }
    if let Some(description) = patch.description {
        room.description = description;
    }
    if let Some(visibility) = patch.visibility {
        room.visibility = visibility;
    }
    if let Some(system_prompt) = patch.system_prompt {
        room.system_prompt = system_prompt;
    }
    if let Some(model) = patch.model {
        room.model = model;
    }
    if let Some(ai_mode) = patch.ai_mode {
        room.ai_mode = ai_mode;
    }
}
