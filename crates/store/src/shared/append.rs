//! How appending one message inside a transaction can fail, the same on both backends (the
//! statements that allocate the seq differ, what their failures mean does not).

use crate::error::StoreError;
use crate::records::NewMessage;
use crate::shared::rows::{is_client_id_conflict, write_err};

/// Why appending one message inside a transaction failed.
pub(crate) enum AppendError {
    /// No such room; nothing was written, so the transaction can go on.
    RoomMissing,
    /// The idempotency key was taken after the check (only possible with concurrent writers).
    ClientIdTaken(sqlx::Error),
    Store(StoreError),
}

impl AppendError {
    /// What a failed insert of `new` means: its clientId taken meanwhile, or a store error.
    pub(crate) fn insert_failed(e: sqlx::Error, new: &NewMessage) -> Self {
        if is_client_id_conflict(&e) && new.user_id.is_some() && new.client_id.is_some() {
            AppendError::ClientIdTaken(e)
        } else {
            AppendError::Store(write_err(e))
        }
    }
}

impl<E: Into<StoreError>> From<E> for AppendError {
    fn from(err: E) -> Self {
        AppendError::Store(err.into())
    }
}
