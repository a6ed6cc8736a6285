//! Row decoding and value encoding for PostgreSQL.

use crate::error::{StoreError, StoreResult};
use crate::records::*;
use chatbot_domain::{MessageId, RoomId, SessionId, UserId};
use sqlx::postgres::PgRow;
use sqlx::{Decode, Row, Type};
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::shared::rows::truncate;
pub(super) use crate::shared::rows::{
    like_pattern, live_session_of, member_select, message_cols, message_select, now, room_cols, search_from,
    session_cols, share_cols, summary_select, user_cols, write_err,
};

/// A timestamp as stored: UTC, truncated to microseconds (timestamptz's precision, and what
/// the SQLite backend keeps too).
pub(super) fn ts(t: OffsetDateTime) -> OffsetDateTime {
    truncate(t)
}

pub(super) fn json(v: &serde_json::Value) -> sqlx::types::Json<&serde_json::Value> {
    sqlx::types::Json(v)
}

crate::shared::rows::row_decoders!(PgRow);

pub(super) fn audit(r: &PgRow) -> StoreResult<AuditEntry> {
    let detail: sqlx::types::Json<serde_json::Value> = get(r, "detail")?;
    Ok(AuditEntry {
        id: get(r, "id")?,
        actor_id: get::<Option<Uuid>>(r, "actor_id")?.map(UserId::from_uuid),
        action: get(r, "action")?,
        target: get(r, "target")?,
        detail: detail.0,
        created_at: get(r, "created_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_utc_microseconds() {
        assert_eq!(
            ts(datetime!(2026-01-02 03:04:05.123456789 +02:00)),
            datetime!(2026-01-02 01:04:05.123456 UTC)
        );
    }
}
