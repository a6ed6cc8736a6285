//! What is known about a model: context size, output limit, prices.

use crate::Usage;

/// Micro-dollars per million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Price {
    pub input: u64,
    pub output: u64,
    pub cache_write: u64,
    pub cache_read: u64,
}

impl Price {
    /// The cost of `usage` in micro-dollars (rounded up per kind, so nothing rounds to free).
    /// Estimated usage (counted by us, not billed) is priced too: it is the best figure there is.
    pub fn cost_microdollars(&self, usage: &Usage) -> u64 {
        let part = |tokens: u64, per_million: u64| (tokens * per_million).div_ceil(1_000_000);
        part(usage.input_tokens, self.input)
            + part(usage.output_tokens, self.output)
            + part(usage.cache_creation_tokens, self.cache_write)
            + part(usage.cache_read_tokens, self.cache_read)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// What a room's `model` is set to, and what is sent upstream.
    pub id: String,
    /// `anthropic`, `openai` or `demo`.
    pub provider: &'static str,
    pub label: String,
    pub context_tokens: u32,
    pub max_output_tokens: u32,
    pub price: Price,
    /// The offline demo model: canned answers, labelled as such everywhere.
    pub demo: bool,
}

impl ModelInfo {
    /// A real model with the defaults for its family (see [`default_price`], [`context_tokens`]).
    pub fn for_model(id: &str, provider: &'static str) -> Self {
        Self {
            id: id.to_owned(),
            provider,
            label: id.to_owned(),
            context_tokens: context_tokens(id),
            max_output_tokens: 8_192,
            price: default_price(id),
            demo: false,
        }
    }

    /// The demo model.
    pub fn demo(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            provider: "demo",
            label: "Demo (offline, not AI)".to_owned(),
            context_tokens: 8_192,
            max_output_tokens: 1_024,
            price: Price::default(),
            demo: true,
        }
    }
}

/// List prices (USD per million tokens, as micro-dollars) by model family; zero for local and
/// unknown models. Operators override by choosing models; a price table in configuration is a
/// later addition.
pub fn default_price(model: &str) -> Price {
    let m = model.to_ascii_lowercase();
    let usd = |input: f64, output: f64, cache_write: f64, cache_read: f64| Price {
        input: (input * 1_000_000.0) as u64,
        output: (output * 1_000_000.0) as u64,
        cache_write: (cache_write * 1_000_000.0) as u64,
        cache_read: (cache_read * 1_000_000.0) as u64,
    };
    if m.contains("opus") {
        usd(15.0, 75.0, 18.75, 1.5)
    } else if m.contains("sonnet") {
        usd(3.0, 15.0, 3.75, 0.3)
    } else if m.contains("haiku") {
        usd(0.8, 4.0, 1.0, 0.08)
    } else if m.contains("gpt-4o-mini") {
        usd(0.15, 0.6, 0.0, 0.075)
    } else if m.contains("gpt-4o") {
        usd(2.5, 10.0, 0.0, 1.25)
    } else if m.contains("gpt-4.1-mini") {
        usd(0.4, 1.6, 0.0, 0.1)
    } else if m.contains("gpt-4.1") {
        usd(2.0, 8.0, 0.0, 0.5)
    } else {
        Price::default()
    }
}

/// Context window by family; unknown (often local) models get a conservative 8k.
pub fn context_tokens(model: &str) -> u32 {
    let m = model.to_ascii_lowercase();
    if m.contains("claude") {
        200_000
    } else if m.contains("gpt-4.1") {
        1_000_000
    } else if m.contains("gpt-4o") {
        128_000
    } else {
        8_192
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_per_million_and_rounds_up() {
        let price = default_price("claude-sonnet-4-5");
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 1,
            cache_read_tokens: 0,
            cache_creation_tokens: 0,
            estimated: false,
        };
        assert_eq!(price.cost_microdollars(&usage), 3_000_000 + 15);
        assert_eq!(default_price("llama3.1").cost_microdollars(&usage), 0);
    }

    #[test]
    fn families_have_sensible_defaults() {
        assert_eq!(ModelInfo::for_model("claude-haiku-4-5", "anthropic").context_tokens, 200_000);
        assert_eq!(ModelInfo::for_model("qwen2.5:7b", "openai").context_tokens, 8_192);
        assert!(ModelInfo::demo("demo").demo);
    }
}
