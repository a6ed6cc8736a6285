//! The model registry from configuration: always the offline demo model (the default when no
//! provider is configured, so `make run` answers without a network).

use anyhow::Context;
use chatbot_config::Config;
use chatbot_llm::ModelInfo;
use chatbot_llm::demo::DemoProvider;
use chatbot_service::{Model, ModelRegistry};
use std::sync::Arc;

/// The demo model's id (what a room's `model` is set to).
pub const DEMO_MODEL: &str = "demo";

pub fn registry(config: &Config) -> anyhow::Result<ModelRegistry> {
    let models = vec![Model {
        info: ModelInfo::demo(DEMO_MODEL),
        provider: Arc::new(DemoProvider::new(config.llm.demo_pace)),
    }];
    ModelRegistry::new(models).context("no model configured")
}
