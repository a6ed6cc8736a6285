//! The model registry from configuration: Anthropic when a key is set, an OpenAI-compatible
//! server when a base URL or key is set, and always the offline demo model (the default when no
//! provider is configured, so `make run` answers without a network).

use anyhow::Context;
use chatbot_config::Config;
use chatbot_llm::anthropic::{AnthropicConfig, AnthropicProvider};
use chatbot_llm::demo::DemoProvider;
use chatbot_llm::openai::{OpenAiConfig, OpenAiProvider};
use chatbot_llm::{ModelInfo, Timeouts};
use chatbot_service::{Model, ModelRegistry};
use std::sync::Arc;

/// The demo model's id (what a room's `model` is set to).
pub const DEMO_MODEL: &str = "demo";

pub fn registry(config: &Config) -> anyhow::Result<ModelRegistry> {
    let timeouts = Timeouts {
        connect: config.llm.connect_timeout,
        first_byte: config.llm.first_byte_timeout,
        idle: config.llm.idle_timeout,
    };
    let mut models = Vec::new();
    if let Some(key) = &config.anthropic.api_key {
        let id = config.anthropic.model.clone().unwrap_or_else(|| "claude-sonnet-4-5".into());
        let base_url =
            config.anthropic.base_url.as_ref().map_or("https://api.anthropic.com".into(), |u| u.to_string());
        let provider =
            AnthropicProvider::new(AnthropicConfig { base_url, api_key: key.expose().to_owned(), timeouts })
                .context("cannot set up the Anthropic provider")?;
        models.push(Model { info: ModelInfo::for_model(&id, "anthropic"), provider: Arc::new(provider) });
    }
    if config.openai.base_url.is_some() || config.openai.api_key.is_some() {
        let id = config.openai.model.clone().unwrap_or_else(|| "gpt-4o-mini".into());
        let base_url =
            config.openai.base_url.as_ref().map_or("https://api.openai.com/v1".into(), |u| u.to_string());
        let provider = OpenAiProvider::new(OpenAiConfig {
            base_url,
            api_key: config.openai.api_key.as_ref().map(|k| k.expose().to_owned()),
            timeouts,
        })
        .context("cannot set up the OpenAI-compatible provider")?;
        models.push(Model { info: ModelInfo::for_model(&id, "openai"), provider: Arc::new(provider) });
    }
    models.push(Model {
        info: ModelInfo::demo(DEMO_MODEL),
        provider: Arc::new(DemoProvider::new(config.llm.demo_pace)),
    });
    ModelRegistry::new(models).context("no model configured")
}
