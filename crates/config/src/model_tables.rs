//! `[models.<id>]` tables of `chatbot.toml`: the models rooms can choose, beyond the one per
//! provider that the environment names. Only the file carries them (a list does not fit in
//! environment variables).
//!
//! ```toml
//! [models.claude-haiku-4-5]
//! provider = "anthropic"
//! label = "Claude Haiku (fast)"
//! price = { input = 0.8, output = 4.0, cache_write = 1.0, cache_read = 0.08 }  # USD per million tokens
//! ```

use crate::error::ConfigError;
use serde::Deserialize;

/// One configured model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Filled from the table's name.
    #[serde(skip)]
    pub id: String,
    /// `anthropic` or `openai` (served with that provider's key and base URL).
    pub provider: String,
    pub label: Option<String>,
    pub context_tokens: Option<u32>,
    pub max_output_tokens: Option<u32>,
    pub price: Option<PriceSpec>,
}

/// USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSpec {
    pub input: f64,
    pub output: f64,
    #[serde(default)]
    pub cache_write: f64,
    #[serde(default)]
    pub cache_read: f64,
}

impl PriceSpec {
    /// Micro-dollars per million tokens: (input, output, cache_write, cache_read).
    pub fn microdollars(&self) -> (u64, u64, u64, u64) {
        let m = |usd: f64| (usd * 1_000_000.0).round() as u64;
        (m(self.input), m(self.output), m(self.cache_write), m(self.cache_read))
    }
}

/// Parses the `models` table of the file, in the order written.
pub fn parse(path: &str, models: toml::Value) -> Result<Vec<ModelSpec>, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        setting: "models".into(),
        source_name: path.to_owned(),
        reason,
    };
    let toml::Value::Table(table) = models else {
        return Err(invalid("`models` must be tables like [models.claude-sonnet-4-5]".into()));
    };
    let mut specs = Vec::new();
    for (id, value) in table {
        let mut spec: ModelSpec = value
            .try_into()
            .map_err(|e: toml::de::Error| invalid(format!("[models.{id}]: {}", e.message())))?;
        if !matches!(spec.provider.as_str(), "anthropic" | "openai") {
            return Err(invalid(format!(
                "[models.{id}]: unknown provider `{}` (anthropic or openai)",
                spec.provider
            )));
        }
        let negative = spec.price.is_some_and(|p| {
            [p.input, p.output, p.cache_write, p.cache_read].iter().any(|v| v.is_nan() || *v < 0.0)
        });
        if negative {
            return Err(invalid(format!("[models.{id}]: prices must be zero or more")));
        }
        spec.id = id;
        specs.push(spec);
    }
    Ok(specs)
}
