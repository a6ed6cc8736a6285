use chatbot_service::{AccountService, AdminService, Readiness, RoomService};
use std::sync::Arc;
use std::time::Duration;

/// Settings the HTTP layer itself applies.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Allowed cross-origin browser origins; empty = same origin only.
    pub cors_origins: Vec<String>,
    /// Whose `X-Forwarded-For` to believe.
    pub proxy_trust: crate::client_addr::ProxyTrust,
    /// Shown by `/readyz` and `/api/version`.
    pub version: &'static str,
    /// `/metrics` on the main port, with who may read it; `None` when it has its own address.
    pub metrics_on_main_port: Option<crate::metrics::MetricsAccess>,
}

/// What handlers need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub accounts: Arc<AccountService>,
    /// Single sign-on, when configured.
    pub sso: Option<Arc<chatbot_service::Sso>>,
    pub rooms: Arc<RoomService>,
    pub admin: Arc<AdminService>,
    pub readiness: Arc<Readiness>,
    pub settings: Arc<HttpSettings>,
}
