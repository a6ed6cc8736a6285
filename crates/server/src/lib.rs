//! Start-up and shutdown of the `chatbot` server, usable from tests: [`Application::build`] binds
//! the listener (port 0 in tests) and reports the real address; [`Application::run`] serves until
//! the shutdown future resolves, then drains in-flight requests.

pub mod admin_commands;
mod app;
pub mod cli;
pub mod healthcheck;
mod housekeeping;
mod http_server;
mod model_registry;
mod secret;
pub mod telemetry;

pub use app::{Application, Services, build_services, build_services_with};
pub use secret::resolve_jwt_secret;

/// The version printed by `chatbot version` and served by `/api/version` and `/readyz`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
