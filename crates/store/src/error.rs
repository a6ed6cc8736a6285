/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row the call needed does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule would be broken (for example an email already registered).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The URL names no supported backend, or the database cannot be opened.
    #[error("invalid database configuration: {0}")]
    Config(String),
    /// A stored value could not be read back (an unknown enum string, say): data written by
    /// something other than this program, or a missing migration.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;
