use chatbot_domain::ValidationError;
use chatbot_store::StoreError;
use std::time::Duration;

/// What went wrong, in terms every edge (HTTP, Socket.IO, CLI) can translate: each variant maps
/// to exactly one stable error code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    RateLimited { message: &'static str, retry_after: Duration },
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ServiceError::NotFound("resource"),
            StoreError::Conflict(what) => ServiceError::Conflict(format!("{what} already exists")),
            // A database that is down or saturated is a temporary condition for the client.
            StoreError::Unavailable(text) => {
                ServiceError::Unavailable(format!("database unavailable: {text}"))
            }
            other => ServiceError::Internal(other.to_string()),
        }
    }
}
