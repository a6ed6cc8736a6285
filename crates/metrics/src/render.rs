//! The Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then one line per
//! series, histograms as cumulative `_bucket{le}` lines with `_sum` and `_count`.

use crate::primitives::HistogramSnapshot;
use crate::process;
use crate::registry::{LLM_OUTCOMES, METHODS, Metrics, ROLES, TOKEN_KINDS, WS_EVENTS, WS_OUTCOMES};
use std::fmt::Write as _;

/// The `Content-Type` of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

impl Metrics {
    /// Every metric as Prometheus text, process metrics included.
    pub fn render(&self) -> String {
        let mut out = Text::default();
        self.render_http(&mut out);
        self.render_realtime(&mut out);
        self.render_llm(&mut out);
        self.render_store(&mut out);
        out.header(
            "chatbot_redis_up",
            "gauge",
            "1 while the configured Redis answers; 0 when it does not or none is configured.",
        );
        out.sample("chatbot_redis_up", &[], self.redis_up.get());
        out.header("chatbot_redis_configured", "gauge", "1 when REDIS_URL is set.");
        out.sample("chatbot_redis_configured", &[], self.redis_configured.get());
        for (name, help, counter) in [
            (
                "chatbot_relay_published_total",
                "Deliveries appended to the cross-instance relay (Redis).",
                &self.relay_published,
            ),
            (
                "chatbot_relay_received_total",
                "Deliveries of other instances read from the relay.",
                &self.relay_received,
            ),
            (
                "chatbot_relay_dropped_total",
                "Deliveries that could not be relayed (Redis down or slow); clients catch up from the database.",
                &self.relay_dropped,
            ),
            (
                "chatbot_relay_reordered_total",
                "Room messages held back until a lower seq from another instance arrived.",
                &self.relay_reordered,
            ),
        ] {
            out.header(name, "counter", help);
            out.sample(name, &[], counter.get());
        }
        out.header("chatbot_build_info", "gauge", "Always 1; the version as a label.");
        let version = self.version.get().map_or("unknown", String::as_str);
        out.sample("chatbot_build_info", &[("version", version)], 1);
        process::render(&mut out);
        out.0
    }

    fn render_http(&self, out: &mut Text) {
        let routes = crate::registry::read(&self.http_routes);
        let mut sorted: Vec<_> = routes.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        out.header(
            "chatbot_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        for (route, series) in &sorted {
            for (method, m) in METHODS.iter().zip(series.methods.iter()) {
                for (status, count) in m.statuses.snapshot() {
                    let status = if status == 0 { "other".to_owned() } else { status.to_string() };
                    out.sample(
                        "chatbot_http_requests_total",
                        &[("method", method), ("route", route), ("status", &status)],
                        count,
                    );
                }
            }
        }
        out.header(
            "chatbot_http_request_duration_seconds",
            "histogram",
            "Time to answer an HTTP request (until the response head).",
        );
        for (route, series) in &sorted {
            for (method, m) in METHODS.iter().zip(series.methods.iter()) {
                let snapshot = m.duration.snapshot();
                if snapshot.count > 0 {
                    out.histogram(
                        "chatbot_http_request_duration_seconds",
                        &[("method", method), ("route", route)],
                        &snapshot,
                    );
                }
            }
        }
    }

    fn render_realtime(&self, out: &mut Text) {
        out.header("chatbot_ws_connections", "gauge", "Open Socket.IO connections on this instance.");
        out.sample("chatbot_ws_connections", &[], self.ws_connections.get());
        out.header(
            "chatbot_ws_events_total",
            "counter",
            "Socket.IO events handled, by event and outcome (ok or the error code).",
        );
        for (e, event) in WS_EVENTS.iter().enumerate() {
            for (o, outcome) in WS_OUTCOMES.iter().enumerate() {
                let count = self.ws_events.get(e * WS_OUTCOMES.len() + o).map_or(0, |c| c.get());
                // `ok` of every event always, so rates exist from the first scrape; errors once seen.
                if count > 0 || (*outcome == "ok" && *event != "unknown") {
                    out.sample("chatbot_ws_events_total", &[("event", event), ("outcome", outcome)], count);
                }
            }
        }
        out.header("chatbot_messages_total", "counter", "Messages stored, by author role.");
        for (role, counter) in ROLES.iter().zip(&self.messages) {
            out.sample("chatbot_messages_total", &[("role", role)], counter.get());
        }
        out.header(
            "chatbot_fanout_delay_seconds",
            "histogram",
            "Time from a change's commit to its hand-off to this instance's sockets.",
        );
        out.histogram("chatbot_fanout_delay_seconds", &[], &self.fanout_delay.snapshot());
    }

    fn render_llm(&self, out: &mut Text) {
        let llm = crate::registry::read(&self.llm);
        out.header(
            "chatbot_llm_requests_total",
            "counter",
            "Answers generated, by provider, model and how they ended.",
        );
        for ((provider, model), series) in llm.iter() {
            for (outcome, counter) in LLM_OUTCOMES.iter().zip(&series.outcomes) {
                let labels =
                    [("provider", provider.as_str()), ("model", model.as_str()), ("outcome", outcome)];
                out.sample("chatbot_llm_requests_total", &labels, counter.get());
            }
        }
        out.header(
            "chatbot_llm_tokens_total",
            "counter",
            "Tokens used, by provider, model and kind (input, output, cache_write, cache_read).",
        );
        for ((provider, model), series) in llm.iter() {
            for (kind, counter) in TOKEN_KINDS.iter().zip(&series.tokens) {
                let labels = [("provider", provider.as_str()), ("model", model.as_str()), ("kind", kind)];
                out.sample("chatbot_llm_tokens_total", &labels, counter.get());
            }
        }
        out.header(
            "chatbot_llm_cost_microdollars_total",
            "counter",
            "Cost of answers in millionths of a US dollar, from the configured price table.",
        );
        for ((provider, model), series) in llm.iter() {
            let labels = [("provider", provider.as_str()), ("model", model.as_str())];
            out.sample("chatbot_llm_cost_microdollars_total", &labels, series.cost_microdollars.get());
        }
        out.header(
            "chatbot_llm_time_to_first_token_seconds",
            "histogram",
            "Time from the upstream call to the first token of an answer.",
        );
        for ((provider, model), series) in llm.iter() {
            let labels = [("provider", provider.as_str()), ("model", model.as_str())];
            out.histogram(
                "chatbot_llm_time_to_first_token_seconds",
                &labels,
                &series.time_to_first_token.snapshot(),
            );
        }
        out.header(
            "chatbot_llm_stream_duration_seconds",
            "histogram",
            "Time from the upstream call to the end of an answer.",
        );
        for ((provider, model), series) in llm.iter() {
            let labels = [("provider", provider.as_str()), ("model", model.as_str())];
            out.histogram("chatbot_llm_stream_duration_seconds", &labels, &series.stream_duration.snapshot());
        }
        out.header("chatbot_llm_active_streams", "gauge", "Answers generating now on this instance.");
        out.sample("chatbot_llm_active_streams", &[], self.llm_active_streams.get());
        out.header(
            "chatbot_llm_queue_depth",
            "gauge",
            "Answers waiting for a generation slot on this instance.",
        );
        out.sample("chatbot_llm_queue_depth", &[], self.llm_queue_depth.get());
    }

    fn render_store(&self, out: &mut Text) {
        out.header(
            "chatbot_recent_reads_total",
            "counter",
            "Answers' history and spending reads, and sessions' reads (handshakes, requests), by where they were served from (memory: decisions 035, 038).",
        );
        for (r, read) in crate::registry::RECENT_READS.iter().enumerate() {
            for (s, source) in crate::registry::RECENT_SOURCES.iter().enumerate() {
                if let Some(counter) = self.recent_reads.get(r * crate::registry::RECENT_SOURCES.len() + s) {
                    out.sample(
                        "chatbot_recent_reads_total",
                        &[("read", read), ("source", source)],
                        counter.get(),
                    );
                }
            }
        }
        out.header(
            "chatbot_recent_history_bytes",
            "gauge",
            "Bytes of rooms' newest messages kept in memory for answers (estimated).",
        );
        out.sample("chatbot_recent_history_bytes", &[], self.recent_history_bytes.get());
        out.header(
            "chatbot_db_query_duration_seconds",
            "histogram",
            "Time of each store operation (one or more statements, or one transaction), by operation.",
        );
        for (operation, histogram) in crate::registry::read(&self.db).iter() {
            out.histogram(
                "chatbot_db_query_duration_seconds",
                &[("operation", operation)],
                &histogram.snapshot(),
            );
        }
    }
}

/// The text being written.
#[derive(Default)]
pub(crate) struct Text(String);

impl Text {
    #[cfg(test)]
    pub(crate) fn into_string(self) -> String {
        self.0
    }

    pub(crate) fn header(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    pub(crate) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.0.push_str(name);
        self.labels(labels, None);
        let _ = writeln!(self.0, " {value}");
    }

    fn histogram(&mut self, name: &str, labels: &[(&str, &str)], snapshot: &HistogramSnapshot) {
        for (bound, count) in &snapshot.buckets {
            let le = if bound.is_infinite() { "+Inf".to_owned() } else { bound.to_string() };
            let _ = write!(self.0, "{name}_bucket");
            self.labels(labels, Some(&le));
            let _ = writeln!(self.0, " {count}");
        }
        let _ = write!(self.0, "{name}_sum");
        self.labels(labels, None);
        let _ = writeln!(self.0, " {}", snapshot.sum_seconds);
        let _ = write!(self.0, "{name}_count");
        self.labels(labels, None);
        let _ = writeln!(self.0, " {}", snapshot.count);
    }

    fn labels(&mut self, labels: &[(&str, &str)], le: Option<&str>) {
        if labels.is_empty() && le.is_none() {
            return;
        }
        self.0.push('{');
        let all = labels.iter().copied().chain(le.map(|le| ("le", le)));
        for (i, (key, value)) in all.enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            let _ = write!(self.0, "{key}=\"");
            escape_into(&mut self.0, value);
            self.0.push('"');
        }
        self.0.push('}');
    }
}

/// Label values escape `\`, `"` and newlines (a model id is configuration, not trusted to be tidy).
fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}
