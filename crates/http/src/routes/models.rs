//! `/api/models`: the models rooms can use.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// Prices in micro-dollars per million tokens.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriceDto {
    pub input: u64,
    pub output: u64,
    pub cache_write: u64,
    pub cache_read: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelDto {
    /// What a room's `model` is set to.
    pub id: String,
    /// `anthropic`, `openai` or `demo`.
    pub provider: String,
    pub label: String,
    pub context_tokens: u32,
    pub max_output_tokens: u32,
    pub price: PriceDto,
    /// The offline demo model: answers are canned, not AI.
    pub demo: bool,
    /// Used by rooms that name no model.
    pub default: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelList {
    pub models: Vec<ModelDto>,
}

/// Configured models with context size and prices; the first is the default.
#[utoipa::path(get, path = "/api/models", tag = "meta", responses((status = 200, body = ModelList)))]
pub async fn list(State(state): State<AppState>) -> Json<ModelList> {
    let models = state
        .rooms
        .answers()
        .models()
        .list()
        .enumerate()
        .map(|(i, m)| ModelDto {
            id: m.id.clone(),
            provider: m.provider.to_owned(),
            label: m.label.clone(),
            context_tokens: m.context_tokens,
            max_output_tokens: m.max_output_tokens,
            price: PriceDto {
                input: m.price.input,
                output: m.price.output,
                cache_write: m.price.cache_write,
                cache_read: m.price.cache_read,
            },
            demo: m.demo,
            default: i == 0,
        })
        .collect();
    Json(ModelList { models })
}
