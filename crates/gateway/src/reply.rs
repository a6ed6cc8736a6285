//! Answers to client events: an ack when the client asked for one, else an `exception` event
//! for failures (SPEC §3: never an `error` event, which the original client takes for a lost
//! connection).

use crate::json_text::JsonText;
use chatbot_protocol::events::{Exception, ServerEvent};
use chatbot_service::ServiceError;
use serde_json::json;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};
use socketioxide::handler::FromMessageParts;
use socketioxide::socket::Socket;
use socketioxide_core::Value as SioValue;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// Whether the client attached an ack callback to this event.
pub struct HasAck(pub bool);

impl<A: Adapter> FromMessageParts<A> for HasAck {
    type Error = Infallible;

    fn from_message_parts(
        _: &Arc<Socket<A>>,
        _: &mut SioValue,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        Ok(HasAck(ack_id.is_some()))
    }
}

/// A failed event, in the stable codes of SPEC §3.
#[derive(Debug, Clone, PartialEq)]
pub struct EventError {
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl EventError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry_after: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new("bad_request", message)
    }

    pub fn rate_limited(message: impl Into<String>, retry_after: Duration) -> Self {
        Self { code: "rate_limited", message: message.into(), retry_after: Some(retry_after) }
    }

    fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after.map(|d| (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1))
    }
}

impl From<ServiceError> for EventError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Invalid(v) if v.too_large => {
                EventError::new("too_large", format!("{} {}", v.field, v.message))
            }
            ServiceError::Invalid(v) => EventError::bad_request(format!("{} {}", v.field, v.message)),
            ServiceError::Unauthorized(m) => EventError::new("unauthorized", m),
            ServiceError::Forbidden(m) => EventError::new("forbidden", m),
            ServiceError::NotFound(what) => EventError::new("not_found", format!("{what} not found")),
            ServiceError::Conflict(m) => EventError::new("conflict", m),
            ServiceError::RateLimited { message, retry_after } => {
                EventError::rate_limited(message, retry_after)
            }
            ServiceError::Unavailable(m) => {
                tracing::warn!(error = %m, "event failed: unavailable");
                EventError {
                    code: "unavailable",
                    message: "temporarily unavailable; retry shortly".into(),
                    retry_after: Some(Duration::from_secs(1)),
                }
            }
            ServiceError::Internal(m) => {
                tracing::error!(error = %m, "event failed: internal error");
                EventError {
                    code: "unavailable",
                    message: "internal error; retry shortly".into(),
                    retry_after: Some(Duration::from_secs(1)),
                }
            }
        }
    }
}

/// The exception event of the original NestJS server: `{status: "error", code, message, retryAfter?}`.
/// Sends the outcome of one event back to the client that sent it.
pub(crate) fn respond<A: Adapter>(
    socket: &SocketRef<A>,
    ack: AckSender<A>,
    has_ack: bool,
    event: &str,
    outcome: Result<JsonText, EventError>,
) {
    match (outcome, has_ack) {
        (Ok(body), true) => {
            if let Err(err) = ack.send(&body) {
                tracing::debug!(event, error = %err, "ack not sent");
            }
        }
        (Ok(_), false) => {}
        (Err(err), true) => {
            let mut error = json!({ "code": err.code, "message": err.message });
            if let Some(seconds) = err.retry_after_secs() {
                error["retryAfter"] = json!(seconds);
            }
            if let Err(e) = ack.send(&json!({ "ok": false, "error": error })) {
                tracing::debug!(event, error = %e, "error ack not sent");
            }
        }
        (Err(err), false) => {
            let retry_after = err.retry_after_secs();
            let body = Exception { status: "error", code: err.code, message: err.message, retry_after };
            if let Err(e) = socket.emit(Exception::NAME, &body) {
                tracing::debug!(event, error = %e, "exception event not sent");
            }
        }
    }
}
