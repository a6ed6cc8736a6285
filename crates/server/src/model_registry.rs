//! The model registry from configuration: the `[models.<id>]` tables of `chatbot.toml` first (in
//! order; the first is the default), then the model each configured provider names in the
//! environment (Anthropic when a key is set, an OpenAI-compatible server when a base URL or key
//! is set), and always the offline demo model (the default when no provider is configured, so
//! `make run` answers without a network).

use anyhow::Context;
use chatbot_config::Config;
use chatbot_llm::anthropic::{AnthropicConfig, AnthropicProvider};
use chatbot_llm::demo::DemoProvider;
use chatbot_llm::openai::{OpenAiConfig, OpenAiProvider};
use chatbot_llm::{ModelInfo, Price, Provider, Timeouts};
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
    let mut anthropic: Option<(Arc<dyn Provider>, String)> = None;
    if let Some(key) = &config.anthropic.api_key {
        let id = config.anthropic.model.clone().unwrap_or_else(|| "claude-sonnet-4-5".into());
        let base_url =
            config.anthropic.base_url.as_ref().map_or("https://api.anthropic.com".into(), |u| u.to_string());
        let provider =
            AnthropicProvider::new(AnthropicConfig { base_url, api_key: key.expose().to_owned(), timeouts })
                .context("cannot set up the Anthropic provider")?;
        anthropic = Some((Arc::new(provider), id));
    }
    let mut openai: Option<(Arc<dyn Provider>, String)> = None;
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
        openai = Some((Arc::new(provider), id));
    }
    let mut models: Vec<Model> = Vec::new();
    for spec in &config.models {
        let (name, provider) = match spec.provider.as_str() {
            "anthropic" => ("anthropic", anthropic.as_ref()),
            _ => ("openai", openai.as_ref()),
        };
        // Configuration already refused models whose provider is not configured.
        let (provider, _) =
            provider.with_context(|| format!("[models.{}]: provider not configured", spec.id))?;
        let mut info = ModelInfo::for_model(&spec.id, name);
        if let Some(label) = &spec.label {
            info.label = label.clone();
        }
        if let Some(tokens) = spec.context_tokens {
            info.context_tokens = tokens;
        }
        if let Some(tokens) = spec.max_output_tokens {
            info.max_output_tokens = tokens;
        }
        if let Some(price) = spec.price {
            let (input, output, cache_write, cache_read) = price.microdollars();
            info.price = Price { input, output, cache_write, cache_read };
        }
        models.push(Model { info, provider: provider.clone() });
    }
    for (name, configured) in [("anthropic", &anthropic), ("openai", &openai)] {
        if let Some((provider, id)) = configured
            && !models.iter().any(|m| m.info.id == *id)
        {
            models.push(Model { info: ModelInfo::for_model(id, name), provider: provider.clone() });
        }
    }
    models.push(Model {
        info: ModelInfo::demo(DEMO_MODEL),
        provider: Arc::new(DemoProvider::new(config.llm.demo_pace)),
    });
    ModelRegistry::new(models).context("no model configured")
}
