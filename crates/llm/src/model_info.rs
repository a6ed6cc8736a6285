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
    /// The cost of `usage` in micro-dollars: each of the four (disjoint) token counts at its own
    /// price, each rounded up, so nothing priced rounds to free. Estimated usage is priced like
    /// any other (it is the best figure there is); in practice it comes from local servers and the
    /// demo, whose prices are zero.
    pub fn cost_microdollars(&self, usage: &Usage) -> u64 {
        let part = |tokens: u64, per_million: u64| tokens.saturating_mul(per_million).div_ceil(1_000_000);
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
    /// A real model with the defaults for its family (see [`default_price`], [`context_tokens`],
    /// [`max_output_tokens`]).
    pub fn for_model(id: &str, provider: &'static str) -> Self {
        Self {
            id: id.to_owned(),
            provider,
            label: id.to_owned(),
            context_tokens: context_tokens(id),
            max_output_tokens: max_output_tokens(id),
            price: default_price(id),
            demo: false,
        }
    }

    /// The demo model: free, 8k context.
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

/// USD per million tokens → micro-dollars per million tokens.
fn usd(input: f64, output: f64, cache_write: f64, cache_read: f64) -> Price {
    let micro = |usd: f64| (usd * 1_000_000.0).round() as u64;
    Price {
        input: micro(input),
        output: micro(output),
        cache_write: micro(cache_write),
        cache_read: micro(cache_read),
    }
}

/// Claude Opus 4 and 4.1 and Claude 3 Opus kept the old Opus price; Opus 4.5 and later cost a third.
fn legacy_opus(m: &str) -> bool {
    m.contains("3-opus")
        || m.contains("opus-4-1")
        || m.contains("opus-4-0")
        || m.contains("opus-4-2025")
        || m.ends_with("opus-4")
}

/// List prices by model family, matched by substring of the lower-cased id (so dated ids,
/// `-latest` aliases and Bedrock/Vertex-style prefixes match too); zero for local and unknown
/// models and the demo. Anthropic: cache writes (5-minute) cost 1.25× input, cache reads 0.1×.
/// OpenAI charges no cache writes. A price table in configuration is a later addition.
pub fn default_price(model: &str) -> Price {
    let m = model.to_ascii_lowercase();
    if m.contains("opus") {
        if legacy_opus(&m) { usd(15.0, 75.0, 18.75, 1.5) } else { usd(5.0, 25.0, 6.25, 0.5) }
    } else if m.contains("sonnet") {
        usd(3.0, 15.0, 3.75, 0.3)
    } else if m.contains("haiku") {
        if m.contains("3-haiku") {
            usd(0.25, 1.25, 0.3, 0.03)
        } else if m.contains("3-5-haiku") {
            usd(0.8, 4.0, 1.0, 0.08)
        } else {
            usd(1.0, 5.0, 1.25, 0.1)
        }
    } else if m.contains("gpt-4o-mini") {
        usd(0.15, 0.6, 0.0, 0.075)
    } else if m.contains("gpt-4o") {
        usd(2.5, 10.0, 0.0, 1.25)
    } else if m.contains("gpt-4.1-nano") {
        usd(0.1, 0.4, 0.0, 0.025)
    } else if m.contains("gpt-4.1-mini") {
        usd(0.4, 1.6, 0.0, 0.1)
    } else if m.contains("gpt-4.1") {
        usd(2.0, 8.0, 0.0, 0.5)
    } else if m.contains("gpt-5-nano") {
        usd(0.05, 0.4, 0.0, 0.005)
    } else if m.contains("gpt-5-mini") {
        usd(0.25, 2.0, 0.0, 0.025)
    } else if m.contains("gpt-5") {
        usd(1.25, 10.0, 0.0, 0.125)
    } else {
        Price::default()
    }
}

/// Context window by family; unknown (often local) models get a conservative 8k, which an
/// operator's local server may well exceed (a larger window is a later configuration setting).
pub fn context_tokens(model: &str) -> u32 {
    let m = model.to_ascii_lowercase();
    if m.contains("claude") {
        200_000
    } else if m.contains("gpt-4.1") {
        1_000_000
    } else if m.contains("gpt-5") {
        400_000
    } else if m.contains("gpt-4o") {
        128_000
    } else {
        8_192
    }
}

/// The most a model can write in one answer (what `max_tokens` may ask for); the answer engine
/// asks for the smaller of this and `llm.max_output_tokens`.
pub fn max_output_tokens(model: &str) -> u32 {
    let m = model.to_ascii_lowercase();
    if m.contains("claude-3-haiku") || m.contains("3-opus") {
        4_096
    } else if m.contains("claude-3-5") {
        8_192
    } else if m.contains("opus") && legacy_opus(&m) {
        32_000
    } else if m.contains("claude") {
        64_000
    } else if m.contains("gpt-5") {
        128_000
    } else if m.contains("gpt-4.1") {
        32_768
    } else if m.contains("gpt-4o") {
        16_384
    } else {
        4_096
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
        assert_eq!(ModelInfo::for_model("gpt-4o", "openai").context_tokens, 128_000);
        assert_eq!(ModelInfo::for_model("qwen2.5:7b", "openai").context_tokens, 8_192);
        let demo = ModelInfo::demo("demo");
        assert!(demo.demo && demo.price == Price::default() && demo.context_tokens == 8_192);
    }

    #[test]
    fn prices_by_family() {
        let per_million = |m: &str| default_price(m).input / 1_000_000;
        assert_eq!(default_price("claude-sonnet-4-5-20250929"), usd(3.0, 15.0, 3.75, 0.3));
        assert_eq!(per_million("claude-opus-4-1-20250805"), 15);
        assert_eq!(per_million("claude-opus-4-20250514"), 15);
        assert_eq!(default_price("claude-opus-4-5"), usd(5.0, 25.0, 6.25, 0.5));
        assert_eq!(default_price("claude-haiku-4-5"), usd(1.0, 5.0, 1.25, 0.1));
        assert_eq!(default_price("claude-3-5-haiku-latest").input, 800_000);
        assert_eq!(default_price("gpt-4o-mini").input, 150_000);
        assert_eq!(default_price("gpt-4o-2024-08-06").input, 2_500_000);
        assert_eq!(default_price("gpt-4.1-mini").input, 400_000);
        assert_eq!(default_price("llama3.2"), Price::default());
        assert_eq!(default_price("demo"), Price::default());
    }

    #[test]
    fn cache_tokens_are_priced_apart() {
        let usage = Usage {
            input_tokens: 12,
            output_tokens: 9,
            cache_read_tokens: 2048,
            cache_creation_tokens: 1000,
            estimated: false,
        };
        // Sonnet: 12 × 3 + 9 × 15 + 1000 × 3.75 + 2048 × 0.3 micro-dollars, each rounded up.
        assert_eq!(default_price("claude-sonnet-4-5").cost_microdollars(&usage), 36 + 135 + 3750 + 615);
    }
}
