//! Logs and traces. Logs: structured JSON in production, readable text on a terminal, filtered by
//! `RUST_LOG`. Traces: exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, with a
//! filter of their own, so the detail spans (one per Socket.IO event, per store operation, at
//! debug level) exist only when a collector receives them: a server that exports nothing does not
//! pay for them.

use chatbot_config::{LogFormat, Observability, OtlpProtocol};
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use std::io::IsTerminal;
use std::time::Duration;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer};

/// Our crates' spans at debug level, everything else's at info, go to the collector.
const TRACED_CRATES: &[&str] =
    &["chatbot_server", "chatbot_http", "chatbot_gateway", "chatbot_service", "chatbot_store", "chatbot_llm"];

/// What must outlive the server: the trace exporter, flushed by [`Telemetry::shutdown`].
#[must_use = "keep it until the end of main and call shutdown, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still buffered. Call outside the async runtime (the exporter blocks).
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(err) = provider.shutdown()
        {
            eprintln!("chatbot: could not flush traces: {err}");
        }
    }
}

/// Installs the global subscriber once (later calls keep the first: tests start several servers).
pub fn init(format: Option<LogFormat>, observability: &Observability, version: &'static str) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let format =
        format.unwrap_or(if std::io::stderr().is_terminal() { LogFormat::Pretty } else { LogFormat::Json });
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let logs = match format {
        LogFormat::Json => {
            logs.json().flatten_event(true).with_current_span(true).with_filter(filter).boxed()
        }
        LogFormat::Pretty => logs.with_filter(filter).boxed(),
    };
    let provider = observability.otel_endpoint.as_ref().and_then(|endpoint| {
        match tracer_provider(endpoint, observability, version) {
            Ok(provider) => Some(provider),
            Err(err) => {
                eprintln!("chatbot: traces will not be exported: {err}");
                None
            }
        }
    });
    let traces = provider.as_ref().map(|provider| {
        let targets = TRACED_CRATES
            .iter()
            .fold(Targets::new().with_default(Level::INFO), |t, krate| t.with_target(*krate, Level::DEBUG));
        tracing_opentelemetry::layer().with_tracer(provider.tracer("chatbot-socket")).with_filter(targets)
    });
    let _ = tracing_subscriber::registry().with(logs).with(traces).try_init();
    Telemetry { provider }
}

fn tracer_provider(
    endpoint: &url::Url,
    observability: &Observability,
    version: &'static str,
) -> Result<SdkTracerProvider, String> {
    let protocol = match observability.otel_protocol {
        OtlpProtocol::HttpProtobuf => Protocol::HttpBinary,
        OtlpProtocol::HttpJson => Protocol::HttpJson,
    };
    // The setting is the collector's base URL, as in the OpenTelemetry specification; the
    // signal's path is ours to add.
    let traces_url = format!("{}/v1/traces", endpoint.as_str().trim_end_matches('/'));
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(protocol)
        .with_endpoint(traces_url)
        .with_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let resource = Resource::builder()
        .with_service_name(observability.otel_service_name.clone())
        .with_attribute(KeyValue::new("service.version", version))
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            observability.otel_sample_ratio,
        ))))
        .with_resource(resource)
        .build())
}
