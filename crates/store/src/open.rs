use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Which backend a database URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Chooses by URL scheme: `sqlite:` or `postgres:`/`postgresql:`.
    pub fn from_url(url: &str) -> StoreResult<Self> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::Config(format!(
                "unsupported database URL scheme `{scheme}` (expected sqlite:// or postgres://)"
            ))),
        }
    }
}

/// How to open the database.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    pub url: String,
    /// Apply pending migrations on open (the server does; `chatbot migrate` does explicitly).
    pub migrate: bool,
    /// Most connections open at once (PostgreSQL's pool; SQLite's readers, beside its writer).
    pub max_connections: u32,
    /// How long to wait for a free connection, and SQLite's busy timeout.
    pub acquire_timeout: Duration,
}

impl OpenOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), migrate: true, max_connections: 16, acquire_timeout: Duration::from_secs(5) }
    }
}

/// Opens (and for SQLite creates, along with its parent directory) the database the URL names.
pub async fn open(options: &OpenOptions) -> StoreResult<Arc<dyn Store>> {
    match Backend::from_url(&options.url)? {
        Backend::Sqlite => Ok(Arc::new(crate::sqlite::SqliteStore::open(options).await?)),
        Backend::Postgres => Ok(Arc::new(crate::postgres::PgStore::open(options).await?)),
    }
}
