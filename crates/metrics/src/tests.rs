//! The exposition as a scraper reads it.

use super::*;
use std::time::Duration;

fn line_value(text: &str, series: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ').map(str::to_owned))
}

#[test]
fn every_contract_name_is_exposed_before_anything_happened() {
    let text = Metrics::new().render();
    for name in [
        "chatbot_http_requests_total",
        "chatbot_http_request_duration_seconds",
        "chatbot_ws_connections",
        "chatbot_ws_events_total",
        "chatbot_messages_total",
        "chatbot_llm_requests_total",
        "chatbot_llm_time_to_first_token_seconds",
        "chatbot_llm_stream_duration_seconds",
        "chatbot_llm_tokens_total",
        "chatbot_llm_cost_microdollars_total",
        "chatbot_llm_active_streams",
        "chatbot_llm_queue_depth",
        "chatbot_db_query_duration_seconds",
        "chatbot_redis_up",
        "chatbot_recent_reads_total",
        "chatbot_recent_history_bytes",
    ] {
        assert!(text.contains(&format!("# TYPE {name} ")), "{name} has no TYPE line");
    }
    assert_eq!(line_value(&text, "chatbot_ws_connections").as_deref(), Some("0"));
    assert_eq!(
        line_value(&text, "chatbot_ws_events_total{event=\"send\",outcome=\"ok\"}").as_deref(),
        Some("0")
    );
}

#[test]
fn recorded_values_render_with_their_labels() {
    let m = Metrics::new();
    m.set_version("1.2.3");
    m.http_request("GET", "/api/rooms/{id}", 200, Duration::from_millis(3));
    m.http_request("GET", "/api/rooms/{id}", 404, Duration::from_millis(1));
    m.http_request("BREW", "/api/rooms/{id}", 405, Duration::from_millis(1));
    m.ws_connections().inc();
    m.ws_event("send", "ok");
    m.ws_event("send", "rate_limited");
    m.ws_event("send", "rate_limited");
    m.ws_event("made-up", "not-a-code");
    m.message("user");
    let llm = m.llm("anthropic", "claude \"x\"");
    llm.finished("complete");
    llm.tokens("input", 120);
    llm.tokens("cache_read", 7);
    llm.cost_microdollars(450);
    llm.time_to_first_token(Duration::from_millis(300));
    m.db_operation("append_messages").observe(Duration::from_micros(800));
    m.fanout_delay().observe(Duration::from_micros(200));
    m.redis_configured().set(1);
    m.recent_read("history", "memory");
    m.recent_read("history", "memory");
    m.recent_read("spending", "database");
    m.recent_read("session", "memory");
    m.recent_history_bytes().set(4096);
    let text = m.render();

    let expect = [
        ("chatbot_recent_reads_total{read=\"history\",source=\"memory\"}", "2"),
        ("chatbot_recent_reads_total{read=\"history\",source=\"database\"}", "0"),
        ("chatbot_recent_reads_total{read=\"spending\",source=\"database\"}", "1"),
        ("chatbot_recent_reads_total{read=\"session\",source=\"memory\"}", "1"),
        ("chatbot_recent_reads_total{read=\"session\",source=\"database\"}", "0"),
        ("chatbot_recent_history_bytes", "4096"),
        ("chatbot_http_requests_total{method=\"GET\",route=\"/api/rooms/{id}\",status=\"200\"}", "1"),
        ("chatbot_http_requests_total{method=\"GET\",route=\"/api/rooms/{id}\",status=\"404\"}", "1"),
        ("chatbot_http_requests_total{method=\"OTHER\",route=\"/api/rooms/{id}\",status=\"405\"}", "1"),
        ("chatbot_http_request_duration_seconds_count{method=\"GET\",route=\"/api/rooms/{id}\"}", "2"),
        (
            "chatbot_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/rooms/{id}\",le=\"0.001\"}",
            "1",
        ),
        (
            "chatbot_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/rooms/{id}\",le=\"+Inf\"}",
            "2",
        ),
        ("chatbot_ws_connections", "1"),
        ("chatbot_ws_events_total{event=\"send\",outcome=\"ok\"}", "1"),
        ("chatbot_ws_events_total{event=\"send\",outcome=\"rate_limited\"}", "2"),
        ("chatbot_ws_events_total{event=\"unknown\",outcome=\"other\"}", "1"),
        ("chatbot_messages_total{role=\"user\"}", "1"),
        ("chatbot_messages_total{role=\"assistant\"}", "0"),
        (
            "chatbot_llm_requests_total{provider=\"anthropic\",model=\"claude \\\"x\\\"\",outcome=\"complete\"}",
            "1",
        ),
        ("chatbot_llm_tokens_total{provider=\"anthropic\",model=\"claude \\\"x\\\"\",kind=\"input\"}", "120"),
        (
            "chatbot_llm_tokens_total{provider=\"anthropic\",model=\"claude \\\"x\\\"\",kind=\"cache_read\"}",
            "7",
        ),
        ("chatbot_llm_cost_microdollars_total{provider=\"anthropic\",model=\"claude \\\"x\\\"\"}", "450"),
        (
            "chatbot_llm_time_to_first_token_seconds_bucket{provider=\"anthropic\",model=\"claude \\\"x\\\"\",le=\"0.25\"}",
            "0",
        ),
        (
            "chatbot_llm_time_to_first_token_seconds_bucket{provider=\"anthropic\",model=\"claude \\\"x\\\"\",le=\"0.5\"}",
            "1",
        ),
        (
            "chatbot_llm_time_to_first_token_seconds_sum{provider=\"anthropic\",model=\"claude \\\"x\\\"\"}",
            "0.3",
        ),
        ("chatbot_db_query_duration_seconds_count{operation=\"append_messages\"}", "1"),
        ("chatbot_fanout_delay_seconds_count", "1"),
        ("chatbot_redis_configured", "1"),
        ("chatbot_redis_up", "0"),
        ("chatbot_build_info{version=\"1.2.3\"}", "1"),
    ];
    for (series, value) in expect {
        assert_eq!(line_value(&text, series).as_deref(), Some(value), "{series} in\n{text}");
    }
}

/// Every line is a comment or `name{labels} value` with a finite or `+Inf` number, and every
/// series follows its family's `# TYPE` line: what a Prometheus scraper accepts.
#[test]
fn the_output_is_well_formed_exposition() {
    let m = Metrics::new();
    m.http_request("POST", "/api/auth/login", 401, Duration::from_millis(40));
    m.llm("demo", "demo").stream_duration(Duration::from_secs(2));
    let text = m.render();
    let mut typed: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            typed.push(parts.next().unwrap_or_default().to_owned());
            assert!(matches!(parts.next(), Some("counter" | "gauge" | "histogram")), "{line}");
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        assert!(value.parse::<f64>().is_ok(), "bad value in {line}");
        let name = series.split('{').next().unwrap_or_default();
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "bad name in {line}");
        let family = typed.last().unwrap_or_else(|| panic!("series before any TYPE: {line}"));
        let base = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
        assert!(name == family || base == family, "{line} is not of family {family}");
        if let Some(labels) = series.strip_prefix(name) {
            assert!(labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')), "{line}");
        }
    }
}
