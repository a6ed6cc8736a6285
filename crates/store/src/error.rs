/// Why a storage call failed. No driver type leaks out: a database failure is classified here,
/// once, as [`StoreError::Unavailable`] (worth retrying later) or [`StoreError::Internal`].
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
    /// The database cannot be reached or is saturated right now (no connection within the pool's
    /// timeout, the connection lost, the server shutting down or out of connections, SQLite's
    /// lock busy): the same call may well succeed later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Any other failure of the database or its driver, or a migration that failed.
    #[error("database error: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// SQLSTATE classes and codes of PostgreSQL, and SQLite result codes, that mean "not now" rather
/// than "never": connection exceptions (08…), too many connections, the server shutting down or
/// starting, SQLite's database busy or locked.
fn transient(code: &str) -> bool {
    code.starts_with("08")
        || matches!(code, "53300" | "57P01" | "57P02" | "57P03" | "5" | "6" | "261" | "517")
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let text = err.to_string();
        match &err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(text)
            }
            sqlx::Error::Database(db) if db.code().is_some_and(|code| transient(&code)) => {
                StoreError::Unavailable(text)
            }
            // A database closed to new connections for maintenance (`ALLOW_CONNECTIONS false`):
            // SQLSTATE 55000 is too broad to be transient in general, this use of it is.
            sqlx::Error::Database(db)
                if db.code().as_deref() == Some("55000")
                    && db.message().contains("not currently accepting connections") =>
            {
                StoreError::Unavailable(text)
            }
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => StoreError::Corrupt(text),
            _ => StoreError::Internal(text),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        StoreError::Internal(format!("migration failed: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_and_connection_failures_are_unavailable_others_internal() {
        assert!(matches!(StoreError::from(sqlx::Error::PoolTimedOut), StoreError::Unavailable(_)));
        assert!(matches!(StoreError::from(sqlx::Error::PoolClosed), StoreError::Unavailable(_)));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(matches!(StoreError::from(sqlx::Error::Io(io)), StoreError::Unavailable(_)));
        assert!(matches!(StoreError::from(sqlx::Error::RowNotFound), StoreError::Internal(_)));
        assert!(transient("08006") && transient("53300") && transient("5"));
        assert!(!transient("23505") && !transient("19"));
    }
}
