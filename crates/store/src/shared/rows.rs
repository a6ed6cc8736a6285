//! Row decoding and the SQL text shared by both backends: column lists, the `SELECT`s that
//! join authors, members and last messages, how a write's constraint violation is named, `LIKE`
//! patterns. Only the encoding of values (timestamps, JSON) and the audit detail column differ
//! per backend (each backend's `rows.rs`).

use crate::error::StoreError;
use time::{OffsetDateTime, UtcOffset};

/// Columns of `users`, in the order [`user`] reads them.
macro_rules! user_cols {
    () => {
        "id, email, name, password_hash, role, is_active, created_at, updated_at, last_login_at, \
         last_active_at, daily_token_budget, daily_cost_budget"
    };
}
pub(crate) use user_cols;

/// The `WHERE` of a user honoured on a session: user `$1`, active, whose family `$2` still has a
/// live (unrevoked, unreplaced) token at `$3`.
macro_rules! live_session_of {
    () => {
        "id = $1 AND is_active = TRUE AND EXISTS ( \
            SELECT 1 FROM sessions s WHERE s.family_id = $2 AND s.user_id = $1 \
               AND s.revoked_at IS NULL AND s.replaced_by IS NULL AND s.expires_at > $3)"
    };
}
pub(crate) use live_session_of;

macro_rules! session_cols {
    () => {
        "id, family_id, user_id, token_hash, user_agent, created_at, expires_at, revoked_at, replaced_by"
    };
}
pub(crate) use session_cols;

macro_rules! room_cols {
    () => {
        "id, name, description, owner_id, visibility, system_prompt, model, ai_mode, last_seq, created_at, \
         updated_at, archived_at"
    };
}
pub(crate) use room_cols;

/// Columns of `share_links`, in the order [`share_link`] reads them.
macro_rules! share_cols {
    () => {
        "id, token, room_id, created_by, up_to_seq, created_at, expires_at, revoked_at"
    };
}
pub(crate) use share_cols;

/// The columns of a message (alias `m`) and its author's name (alias `u`), as [`message`] reads them.
macro_rules! message_cols {
    () => {
        "m.id, m.room_id, m.seq, m.user_id, u.name AS user_name, m.role, m.content, m.status, \
         m.model, m.reply_to, m.client_id, m.error, m.created_at, m.updated_at, m.edited_at, m.deleted_at, \
         m.prompt, m.active_reply"
    };
}
pub(crate) use message_cols;

/// `SELECT` of messages (alias `m`) with the author's name joined (alias `u`).
macro_rules! message_select {
    () => {
        concat!(
            "SELECT ",
            $crate::shared::rows::message_cols!(),
            " FROM messages m LEFT JOIN users u ON u.id = m.user_id "
        )
    };
}
pub(crate) use message_select;

/// What every search reads besides its match: the room's name, limited to the searcher's rooms
/// (`$1`), not deleted, optionally one room (`$2`). Backends add the match and the rank. The rooms
/// are a subquery, not a join, so the planner walks the matches (newest first) and checks each
/// against the set of rooms, stopping at the window, instead of reading every room's history.
///
/// Answers still streaming are left out: no index holds them (migration 0010, decision 030), and
/// SQLite's search for terms too short for its index reads the rows themselves.
macro_rules! search_from {
    () => {
        "JOIN rooms r ON r.id = m.room_id \
         LEFT JOIN users u ON u.id = m.user_id \
         WHERE m.room_id IN (SELECT me.room_id FROM room_members me WHERE me.user_id = $1) \
           AND m.deleted_at IS NULL AND m.status <> 'streaming' AND ($2 IS NULL OR m.room_id = $2) "
    };
}
pub(crate) use search_from;

/// `SELECT` of memberships (alias `rm`) with the member's name and email (alias `u`).
macro_rules! member_select {
    () => {
        "SELECT rm.room_id, rm.user_id, u.name, u.email, rm.role, rm.last_read_seq, rm.joined_at \
         FROM room_members rm JOIN users u ON u.id = rm.user_id "
    };
}
pub(crate) use member_select;

/// A room as seen by member `me` (`$1` = the member's user id): the room, the membership, unread
/// count, member count, and the message at `last_seq` (columns prefixed `lm_`, null when none).
/// Every part is a lookup by key: unread is `last_seq - last_read_seq` (seqs have no gaps, and
/// sending marks the room read for the sender) less the deleted messages after the read mark
/// (a partial index holds only deleted messages), the member count is kept on the room
/// (migrations `*_room_counts.sql`): the cost does not grow with the room's history or size.
macro_rules! summary_select {
    () => {
        "SELECT r.id, r.name, r.description, r.owner_id, r.visibility, r.system_prompt, r.model, r.ai_mode, \
                r.last_seq, r.created_at, r.updated_at, r.archived_at, \
                me.role AS my_role, me.last_read_seq AS my_last_read_seq, \
                CASE WHEN r.last_seq > me.last_read_seq THEN r.last_seq - me.last_read_seq ELSE 0 END \
                  - (SELECT COUNT(*) FROM messages d \
                      WHERE d.room_id = r.id AND d.seq > me.last_read_seq AND d.deleted_at IS NOT NULL) AS unread, \
                r.member_count AS member_count, \
                lm.id AS lm_id, lm.room_id AS lm_room_id, lm.seq AS lm_seq, lm.user_id AS lm_user_id, \
                lu.name AS lm_user_name, lm.role AS lm_role, lm.content AS lm_content, \
                lm.status AS lm_status, lm.model AS lm_model, lm.reply_to AS lm_reply_to, \
                lm.client_id AS lm_client_id, lm.error AS lm_error, lm.created_at AS lm_created_at, \
                lm.updated_at AS lm_updated_at, lm.edited_at AS lm_edited_at, lm.deleted_at AS lm_deleted_at, \
                lm.prompt AS lm_prompt, lm.active_reply AS lm_active_reply \
         FROM room_members me \
         JOIN rooms r ON r.id = me.room_id \
         LEFT JOIN messages lm ON lm.room_id = r.id AND lm.seq = r.last_seq \
         LEFT JOIN users lu ON lu.id = lm.user_id \
         WHERE me.user_id = $1 "
    };
}
pub(crate) use summary_select;

/// The current time, UTC, truncated to microseconds (the precision both backends store).
pub(crate) fn now() -> OffsetDateTime {
    truncate(OffsetDateTime::now_utc())
}

/// `t` in UTC, truncated to microseconds.
pub(crate) fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap_or(t)
}

/// The row decoders, expanded in each backend's `rows.rs` for its row type: `get`, `get_enum`
/// and one function per model (`user`, `session`, `device`, `room`, `member`, `message`,
/// `summary`). Only the row type differs, so the decoding is written here once.
macro_rules! row_decoders {
    ($row:ty) => {
        /// Reads a column; a value that does not decode is `Corrupt` (see `StoreError`'s `From`).
        fn get<'r, T>(row: &'r $row, col: &str) -> StoreResult<T>
        where
            T: Decode<'r, <$row as Row>::Database> + Type<<$row as Row>::Database>,
        {
            row.try_get(col).map_err(StoreError::from)
        }

        fn get_enum<T: FromStr<Err = String>>(row: &$row, col: &str) -> StoreResult<T> {
            let text: String = get(row, col)?;
            text.parse().map_err(|e: String| StoreError::Corrupt(format!("column `{col}`: {e}")))
        }

        pub(super) fn user(r: &$row) -> StoreResult<User> {
            Ok(User {
                id: UserId::from_uuid(get(r, "id")?),
                email: get(r, "email")?,
                name: get(r, "name")?,
                password_hash: get(r, "password_hash")?,
                role: get_enum(r, "role")?,
                is_active: get(r, "is_active")?,
                created_at: get(r, "created_at")?,
                updated_at: get(r, "updated_at")?,
                last_login_at: get(r, "last_login_at")?,
                last_active_at: get(r, "last_active_at")?,
                daily_token_budget: get(r, "daily_token_budget")?,
                daily_cost_budget: get(r, "daily_cost_budget")?,
            })
        }

        pub(super) fn session(r: &$row) -> StoreResult<Session> {
            Ok(Session {
                id: get(r, "id")?,
                family_id: SessionId::from_uuid(get(r, "family_id")?),
                user_id: UserId::from_uuid(get(r, "user_id")?),
                token_hash: get(r, "token_hash")?,
                user_agent: get(r, "user_agent")?,
                created_at: get(r, "created_at")?,
                expires_at: get(r, "expires_at")?,
                revoked_at: get(r, "revoked_at")?,
                replaced_by: get(r, "replaced_by")?,
            })
        }

        pub(super) fn device(r: &$row) -> StoreResult<Device> {
            Ok(Device {
                id: SessionId::from_uuid(get(r, "family_id")?),
                user_agent: get(r, "user_agent")?,
                signed_in_at: get(r, "signed_in_at")?,
                last_used_at: get(r, "last_used_at")?,
                expires_at: get(r, "expires_at")?,
            })
        }

        pub(super) fn room(r: &$row) -> StoreResult<Room> {
            Ok(Room {
                id: RoomId::from_uuid(get(r, "id")?),
                name: get(r, "name")?,
                description: get(r, "description")?,
                owner_id: get::<Option<Uuid>>(r, "owner_id")?.map(UserId::from_uuid),
                visibility: get_enum(r, "visibility")?,
                system_prompt: get(r, "system_prompt")?,
                model: get(r, "model")?,
                ai_mode: get_enum(r, "ai_mode")?,
                last_seq: get(r, "last_seq")?,
                created_at: get(r, "created_at")?,
                updated_at: get(r, "updated_at")?,
                archived_at: get(r, "archived_at")?,
            })
        }

        pub(super) fn member(r: &$row) -> StoreResult<Member> {
            Ok(Member {
                room_id: RoomId::from_uuid(get(r, "room_id")?),
                user_id: UserId::from_uuid(get(r, "user_id")?),
                name: get(r, "name")?,
                email: get(r, "email")?,
                role: get_enum(r, "role")?,
                last_read_seq: get(r, "last_read_seq")?,
                joined_at: get(r, "joined_at")?,
            })
        }

        /// A message from columns named `{prefix}id`, `{prefix}seq`, …
        pub(super) fn message(r: &$row, prefix: &str) -> StoreResult<Message> {
            // Most reads have no prefix: no string built per column per row for them.
            let c = |name: &'static str| -> std::borrow::Cow<'static, str> {
                if prefix.is_empty() { name.into() } else { format!("{prefix}{name}").into() }
            };
            Ok(Message {
                id: MessageId::from_uuid(get(r, &c("id"))?),
                room_id: RoomId::from_uuid(get(r, &c("room_id"))?),
                seq: get(r, &c("seq"))?,
                user_id: get::<Option<Uuid>>(r, &c("user_id"))?.map(UserId::from_uuid),
                user_name: get(r, &c("user_name"))?,
                role: get_enum(r, &c("role"))?,
                content: get(r, &c("content"))?,
                status: get_enum(r, &c("status"))?,
                model: get(r, &c("model"))?,
                reply_to: get::<Option<Uuid>>(r, &c("reply_to"))?.map(MessageId::from_uuid),
                client_id: get(r, &c("client_id"))?,
                error: get(r, &c("error"))?,
                created_at: get(r, &c("created_at"))?,
                updated_at: get(r, &c("updated_at"))?,
                edited_at: get(r, &c("edited_at"))?,
                deleted_at: get(r, &c("deleted_at"))?,
                prompt: get(r, &c("prompt"))?,
                active_reply: get::<Option<Uuid>>(r, &c("active_reply"))?.map(MessageId::from_uuid),
            })
        }

        /// A message as [`crate::Store::prompt_history`] reads it.
        pub(super) fn prompt_message(r: &$row) -> StoreResult<PromptMessage> {
            Ok(PromptMessage {
                id: MessageId::from_uuid(get(r, "id")?),
                seq: get(r, "seq")?,
                user_id: get::<Option<Uuid>>(r, "user_id")?.map(UserId::from_uuid),
                user_name: get(r, "user_name")?,
                role: get_enum(r, "role")?,
                content: get(r, "content")?,
                status: get_enum(r, "status")?,
                reply_to: get::<Option<Uuid>>(r, "reply_to")?.map(MessageId::from_uuid),
                client_id: get(r, "client_id")?,
                deleted: get(r, "deleted")?,
                prompt: get(r, "prompt")?,
                active_reply: get::<Option<Uuid>>(r, "active_reply")?.map(MessageId::from_uuid),
            })
        }

        /// A row of the usage sums per answer (`usage_of_messages`).
        pub(super) fn message_usage(r: &$row) -> StoreResult<MessageUsage> {
            Ok(MessageUsage {
                message_id: MessageId::from_uuid(get(r, "message_id")?),
                input_tokens: get(r, "input_tokens")?,
                output_tokens: get(r, "output_tokens")?,
                cache_read_tokens: get(r, "cache_read_tokens")?,
                cache_creation_tokens: get(r, "cache_creation_tokens")?,
                cost: get(r, "cost")?,
            })
        }

        /// A row of a search: the message, its room's name and its rank.
        pub(super) fn search_hit(r: &$row) -> StoreResult<SearchHit> {
            Ok(SearchHit { message: message(r, "")?, room_name: get(r, "room_name")?, rank: get(r, "rank")? })
        }

        /// A row of `share_links`.
        pub(super) fn share_link(r: &$row) -> StoreResult<ShareLink> {
            Ok(ShareLink {
                id: get(r, "id")?,
                token: get(r, "token")?,
                room_id: RoomId::from_uuid(get(r, "room_id")?),
                created_by: get::<Option<Uuid>>(r, "created_by")?.map(UserId::from_uuid),
                up_to_seq: get(r, "up_to_seq")?,
                created_at: get(r, "created_at")?,
                expires_at: get(r, "expires_at")?,
                revoked_at: get(r, "revoked_at")?,
            })
        }

        /// A row of `summary_select!`.
        pub(super) fn summary(r: &$row) -> StoreResult<RoomSummary> {
            let last_id: Option<Uuid> = get(r, "lm_id")?;
            let last_deleted: Option<OffsetDateTime> = get(r, "lm_deleted_at")?;
            let last_message = match (last_id, last_deleted) {
                (Some(_), None) => Some(message(r, "lm_")?),
                _ => None,
            };
            Ok(RoomSummary {
                room: room(r)?,
                my_role: get_enum(r, "my_role")?,
                last_read_seq: get(r, "my_last_read_seq")?,
                unread: get(r, "unread")?,
                member_count: get(r, "member_count")?,
                last_message,
            })
        }
    };
}
pub(crate) use row_decoders;

/// Maps constraint violations of a write: uniqueness to `Conflict`, a missing referenced row to
/// `NotFound`.
pub(crate) fn write_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.kind() {
            sqlx::error::ErrorKind::UniqueViolation => {
                return StoreError::Conflict(conflict_on(db.message()));
            }
            sqlx::error::ErrorKind::ForeignKeyViolation => return StoreError::NotFound,
            _ => {}
        }
    }
    e.into()
}

/// Names what a uniqueness error was about, from the constraint or index named in its message.
fn conflict_on(message: &str) -> &'static str {
    if message.contains("email") {
        "email"
    } else if message.contains("token_hash") {
        "token"
    } else if message.contains("client_id") {
        "client_id"
    } else if message.contains("room_members") {
        "member"
    } else if message.contains("messages") {
        "message"
    } else if message.contains("rooms") {
        "room"
    } else if message.contains("sessions") {
        "session"
    } else if message.contains("users") {
        "user"
    } else {
        "unique"
    }
}

/// Whether the error is a uniqueness violation of the `(user_id, client_id)` index.
pub(crate) fn is_client_id_conflict(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.is_unique_violation() && db.message().contains("client_id"),
        _ => false,
    }
}

/// `%term%` for `LIKE … ESCAPE '\'`, lowercased, with the wildcards in `term` escaped.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for ch in term.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("A_b%c"), "%a\\_b\\%c%");
    }

    #[test]
    fn conflicts_are_named_from_either_backend() {
        assert_eq!(conflict_on("UNIQUE constraint failed: users.email"), "email");
        assert_eq!(conflict_on("UNIQUE constraint failed: index 'users_email_lower_idx'"), "email");
        assert_eq!(conflict_on("UNIQUE constraint failed: rooms.id"), "room");
        assert_eq!(
            conflict_on("duplicate key value violates unique constraint \"users_email_key\""),
            "email"
        );
        assert_eq!(conflict_on("duplicate key value violates unique constraint \"rooms_pkey\""), "room");
    }
}
