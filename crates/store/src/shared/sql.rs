//! Statements whose SQL text differs between the backends, twin next to twin. Each backend imports
//! its own module as `sql`; the code that runs them is shared ([`crate::shared::methods`]).

pub(crate) mod postgres {
    /// Moves the read marker forward only, never past the room's last message.
    pub(crate) const MARK_READ: &str = "UPDATE room_members \
         SET last_read_seq = GREATEST(last_read_seq, LEAST($3, (SELECT last_seq FROM rooms WHERE id = $1))) \
         WHERE room_id = $1 AND user_id = $2 RETURNING last_read_seq";
}

pub(crate) mod sqlite {
    /// The same with SQLite's multi-argument scalar `max`/`min` for `GREATEST`/`LEAST`.
    pub(crate) const MARK_READ: &str = "UPDATE room_members \
         SET last_read_seq = max(last_read_seq, min($3, (SELECT last_seq FROM rooms WHERE id = $1))) \
         WHERE room_id = $1 AND user_id = $2 RETURNING last_read_seq";
}
