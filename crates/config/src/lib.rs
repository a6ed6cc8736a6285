//! Typed configuration, layered: command-line flags > environment > `chatbot.toml` > defaults.
//!
//! Every setting is declared once in [`settings::SETTINGS`] (key, environment names, default,
//! description). Values from every layer are collected as text and parsed by one typed parser per
//! setting, so a bad value always fails the same way: one line naming the setting and where the
//! value came from (`invalid DATABASE_URL (environment): ...`).

mod error;
mod layers;
mod model_tables;
mod parse;
pub mod settings;

pub use error::ConfigError;
pub use layers::Layers;
pub use model_tables::{ModelSpec, PriceSpec};
pub use parse::{
    Config, CorsOrigins, DatabaseUrl, Limits, LlmConfig, LogFormat, Observability, OidcConfig, OtlpProtocol,
    ProviderConfig, Secret, ThrottleLimit, TrustedProxies,
};
