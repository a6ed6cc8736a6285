//! Domain vocabulary shared by every layer: identifiers, enumerations and validated values.
//!
//! Input is parsed into these types once, at the edge (HTTP handler, socket event, CLI), so that
//! deeper layers never re-validate: a `RoomName` that exists is a valid room name.

mod enums;
mod error;
mod ids;
pub mod records;
mod values;

pub use enums::{AiMode, MemberRole, MessageRole, MessageStatus, RoomVisibility, UserRole};
pub use error::ValidationError;
pub use ids::{IdParseError, MessageId, RoomId, SessionId, UserId};
pub use records::*;
pub use values::{
    ClientId, DisplayName, Email, MessageContent, Password, RoomName, TextField, page_size, passes_for,
};
