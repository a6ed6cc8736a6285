//! The configured models and the providers that serve them.

use chatbot_llm::{ModelInfo, Provider};
use std::sync::Arc;

/// One model a room can use.
#[derive(Clone)]
pub struct Model {
    pub info: ModelInfo,
    pub provider: Arc<dyn Provider>,
}

/// Every configured model; the first is the default for rooms that name none (or an unknown one).
pub struct ModelRegistry {
    models: Vec<Model>,
}

impl ModelRegistry {
    /// `models` must not be empty (the demo model is always available).
    pub fn new(models: Vec<Model>) -> Option<Self> {
        (!models.is_empty()).then_some(Self { models })
    }

    pub fn default_model(&self) -> &Model {
        &self.models[0]
    }

    /// The room's model, or the default when unset or no longer configured.
    pub fn for_room(&self, model: Option<&str>) -> &Model {
        model
            .and_then(|id| self.models.iter().find(|m| m.info.id == id))
            .unwrap_or_else(|| self.default_model())
    }

    pub fn contains(&self, id: &str) -> bool {
        self.models.iter().any(|m| m.info.id == id)
    }

    pub fn list(&self) -> impl Iterator<Item = &ModelInfo> {
        self.models.iter().map(|m| &m.info)
    }

    pub fn models(&self) -> impl Iterator<Item = &Model> {
        self.models.iter()
    }
}
