//! Storage: one interface ([`Store`]), two real backends (SQLite and PostgreSQL).
//!
//! The server picks a backend once, from the `DATABASE_URL` scheme, and talks to it only through
//! `Arc<dyn Store>`. Each backend owns its SQL and its migrations (`migrations/sqlite`,
//! `migrations/postgres`); the conformance suite in `tests/conformance/` runs unchanged against
//! both, so behaviour is tested to be the same rather than assumed.
//!
//! Writes that belong together (a message and its room's `last_seq`, a token rotation, a room and
//! its owner membership) each happen in one transaction.

mod batch;
mod error;
mod forwarded;
mod measured;
/// The records the store reads and writes (defined in `chatbot_domain::records`).
mod records {
    pub use chatbot_domain::records::*;
}
mod open;
mod postgres;
mod recent;
mod shared;
mod sqlite;
#[doc(hidden)]
pub mod statements;
mod store;

pub use error::StoreError;
pub use measured::measured;
pub use open::{Backend, OpenOptions, open};
pub use recent::{RecentSettings, SESSION_READ_AGAIN_AFTER, SPENDING_READ_AGAIN_AFTER, recent};
pub use records::*;
pub use store::Store;
