//! What the two backends share, written once: the [`Store`](crate::store::Store) methods whose SQL
//! is the same ([`methods`]) and row decoding and SQL fragments ([`rows`]). Both expand or are
//! used inside each backend's module, where the backend's own value encoding (`ts`, `json`), pools
//! and row type apply. To add a column to `messages`: one migration per backend, the column in
//! `message_select!` and `Message`, one line in the `message` decoder.

pub(crate) mod admin;
pub(crate) mod append;
pub(crate) mod methods;
pub(crate) mod rows;
pub(crate) mod sql;
