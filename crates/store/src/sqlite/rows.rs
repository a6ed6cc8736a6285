//! Row decoding and value encoding for SQLite.

use crate::error::{StoreError, StoreResult};
use crate::records::*;
use chatbot_domain::{MessageId, RoomId, SessionId, UserId};
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Row, Type};
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::shared::rows::truncate;
pub(super) use crate::shared::rows::{
    like_pattern, live_session_of, member_select, message_cols, message_select, now, room_cols, search_from,
    session_cols, share_cols, summary_select, user_cols, write_err,
};

/// A timestamp as stored: UTC, fixed-width RFC 3339 with microseconds (`2026-01-02T03:04:05.000006Z`).
///
/// sqlx's own encoding writes a variable number of fractional digits (and keeps the offset), which
/// makes text comparison and `ORDER BY` disagree with time order; this form keeps them in step and
/// still decodes with sqlx's RFC 3339 decoder.
pub(super) fn ts(t: OffsetDateTime) -> String {
    let t = truncate(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

pub(super) fn json(v: &serde_json::Value) -> String {
    v.to_string()
}

crate::shared::rows::row_decoders!(SqliteRow);

pub(super) fn audit(r: &SqliteRow) -> StoreResult<AuditEntry> {
    let detail: String = get(r, "detail")?;
    Ok(AuditEntry {
        id: get(r, "id")?,
        actor_id: get::<Option<Uuid>>(r, "actor_id")?.map(UserId::from_uuid),
        action: get(r, "action")?,
        target: get(r, "target")?,
        detail: serde_json::from_str(&detail)
            .map_err(|e| StoreError::Corrupt(format!("column `detail`: {e}")))?,
        created_at: get(r, "created_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_fixed_width_utc() {
        assert_eq!(ts(datetime!(2026-01-02 03:04:05 UTC)), "2026-01-02T03:04:05.000000Z");
        assert_eq!(ts(datetime!(2026-01-02 03:04:05.123456789 +02:00)), "2026-01-02T01:04:05.123456Z");
    }
}
