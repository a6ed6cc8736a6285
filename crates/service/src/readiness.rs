//! Whether this instance can take traffic: its database answers. The HTTP layer shows the result
//! at `/readyz`; the edge never talks to the store itself.

use crate::error::ServiceResult;
use chatbot_store::Store;
use std::sync::Arc;

pub struct Readiness {
    store: Arc<dyn Store>,
}

impl Readiness {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    /// One round trip to the database. The error's text may name hosts or users from the
    /// connection string: log it, never show it to an anonymous caller.
    pub async fn ping_database(&self) -> ServiceResult<()> {
        Ok(self.store.ping().await?)
    }
}
