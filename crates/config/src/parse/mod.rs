//! Typing the collected text into [`Config`].

use crate::error::ConfigError;
use crate::layers::{Found, Layers};
use crate::settings::{display_name, setting};
use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;
use url::Url;

/// The whole, validated configuration of one server process.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub database_max_connections: u32,
    pub redis_url: Option<Url>,
    /// Prefix of every Redis key (`redis_prefix`).
    pub redis_prefix: String,
    /// `None`: the server generates and stores one (SQLite mode only, enforced here).
    pub jwt_secret: Option<Secret>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub refresh_reuse_grace: Duration,
    pub cors_origins: CorsOrigins,
    pub trust_proxy_headers: bool,
    /// Share links open without signing in.
    pub share_links_public: bool,
    /// Password sign-in and sign-up are on.
    pub password_login: bool,
    /// Single sign-on, when an issuer is configured.
    pub oidc: Option<OidcConfig>,
    pub trusted_proxies: TrustedProxies,
    pub assistant_name: String,
    pub log_format: Option<LogFormat>,
    pub observability: Observability,
    pub anthropic: ProviderConfig,
    pub openai: ProviderConfig,
    pub llm: LlmConfig,
    /// `[models.<id>]` of the config file; the first is the default model.
    pub models: Vec<crate::model_tables::ModelSpec>,
    pub limits: Limits,
}

/// Single sign-on with an OpenID Connect provider (`oidc.*`).
#[derive(Debug, Clone)]
pub struct OidcConfig {
    pub issuer: Url,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub redirect_url: Url,
    pub display_name: String,
}

/// Traces and metrics export.
#[derive(Debug, Clone)]
pub struct Observability {
    /// OTLP/HTTP collector base URL; `None`: no trace export.
    pub otel_endpoint: Option<Url>,
    pub otel_protocol: OtlpProtocol,
    pub otel_service_name: String,
    /// Fraction of new traces sampled, within 0..=1.
    pub otel_sample_ratio: f64,
    /// Bearer token `/metrics` requires, if any.
    pub metrics_token: Option<Secret>,
    /// A separate address for `/metrics` (then not served on the main port).
    pub metrics_listen_addr: Option<SocketAddr>,
}

/// How spans are encoded for the collector (the OTLP/HTTP variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtlpProtocol {
    HttpProtobuf,
    HttpJson,
}

fn parse_otlp_protocol(s: &str) -> Result<OtlpProtocol, String> {
    match s {
        "http/protobuf" => Ok(OtlpProtocol::HttpProtobuf),
        "http/json" => Ok(OtlpProtocol::HttpJson),
        "grpc" => Err("grpc is not supported; use http/protobuf (port 4318 of the collector)".into()),
        _ => Err("expected http/protobuf or http/json".into()),
    }
}

fn parse_ratio(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err("expected a number from 0.0 to 1.0".into()),
    }
}

fn parse_token(s: &str) -> Result<Secret, String> {
    if s.len() < 16 {
        return Err("must be at least 16 characters".into());
    }
    Ok(Secret::new(s))
}

/// The answer engine's settings.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    pub max_output_tokens: u32,
    pub concurrency: usize,
    pub per_user_concurrency: usize,
    pub queue_per_room: usize,
    pub queue_per_user: usize,
    pub flush_interval: Duration,
    pub connect_timeout: Duration,
    pub first_byte_timeout: Duration,
    pub idle_timeout: Duration,
    pub retry_attempts: u32,
    pub daily_token_budget: Option<u64>,
    pub daily_cost_budget: Option<u64>,
    pub demo_pace: Duration,
}

/// A database URL whose scheme has been checked.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    is_postgres: bool,
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (scheme, rest) = text.split_once(':').ok_or("expected sqlite://path or postgres://…")?;
        match scheme {
            "sqlite" => {
                let path = rest.trim_start_matches("//");
                if path.is_empty() {
                    return Err("sqlite URL has no file path (e.g. sqlite://./data/chatbot.db)".into());
                }
                Ok(Self { url: text.to_owned(), is_postgres: false })
            }
            "postgres" | "postgresql" => {
                let url = Url::parse(text).map_err(|e| format!("unparsable URL: {e}"))?;
                if url.host_str().is_none_or(str::is_empty) {
                    return Err("postgres URL has no host".into());
                }
                Ok(Self { url: text.to_owned(), is_postgres: true })
            }
            other => Err(format!("unknown scheme `{other}` (expected sqlite or postgres)")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        self.is_postgres
    }
}

/// Hides credentials in logs.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Url::parse(&self.url) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                write!(f, "{url}")
            }
            _ => f.write_str(&self.url),
        }
    }
}

/// A secret value that never appears in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Browser origins allowed to call the API cross-origin. Empty: same origin only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsOrigins(pub Vec<String>);

/// The proxies whose `X-Forwarded-For` entries are believed (`trusted_proxies`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        // An IPv4 peer may reach a dual-stack listener as an IPv4-mapped IPv6 address.
        let ip = match ip {
            std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// An upstream LLM provider's settings (used by the LLM engine).
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub api_key: Option<Secret>,
    pub base_url: Option<Url>,
    pub model: Option<String>,
}

/// A throttle: at most `max` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimit {
    pub max: u32,
    pub window: Duration,
}

/// Every explicit limit (SPEC §11), each a named setting.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_page: u32,
    pub max_message_bytes: usize,
    pub max_room_name_chars: usize,
    pub max_room_members: u32,
    pub max_rooms_per_user: u32,
    pub join_history_bytes: usize,
    pub max_system_prompt_chars: usize,
    pub request_timeout: Duration,
    pub http_header_read_timeout: Duration,
    pub http_idle_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_grace: Duration,
    pub password_min_chars: usize,
    pub max_password_chars: usize,
    pub max_display_name_chars: usize,
    pub max_client_id_chars: usize,
    pub max_model_id_chars: usize,
    pub max_description_chars: usize,
    pub login_per_account: ThrottleLimit,
    pub login_per_account_total: ThrottleLimit,
    pub login_per_ip: ThrottleLimit,
    pub refresh_per_ip: ThrottleLimit,
    pub registrations_per_ip: ThrottleLimit,
    pub password_hash_concurrency: usize,
    pub password_hash_queue: usize,
    pub send_rate: ThrottleLimit,
    pub events_per_second: u32,
    pub sockets_per_user: usize,
    pub typing_interval: Duration,
    pub membership_cache_ttl: Duration,
    pub write_batch: usize,
    pub write_lanes: usize,
    pub recent_history_bytes: usize,
    pub socket_queue_bytes: usize,
    pub ws_read_buffer_bytes: usize,
    pub fanout_queue_bytes: usize,
    pub relay_max_entries: u64,
    pub relay_gap_wait: Duration,
    pub max_shares_per_room: u32,
}

/// Reads one setting through a typed parser, naming the setting and source on failure.
struct Reader<'a> {
    layers: &'a Layers,
}

impl Reader<'_> {
    fn optional<T>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        let Some(Found { value, source }) = self.layers.get(key) else { return Ok(None) };
        parse(value.trim()).map(Some).map_err(|reason| ConfigError::Invalid {
            setting: setting(key).map(display_name).unwrap_or(key).to_owned(),
            source_name: source,
            reason,
        })
    }

    fn required<T>(&self, key: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<T, ConfigError> {
        self.optional(key, parse)?.ok_or_else(|| ConfigError::Missing {
            setting: setting(key).map(display_name).unwrap_or(key).to_owned(),
            reason: "no value and no default".to_owned(),
        })
    }
}

fn parse_from_str<T: FromStr>(what: &'static str) -> impl Fn(&str) -> Result<T, String>
where
    T::Err: fmt::Display,
{
    move |s| s.parse::<T>().map_err(|e| format!("expected {what}: {e}"))
}

fn parse_positive<T: FromStr + PartialOrd + Default>(s: &str) -> Result<T, String>
where
    T::Err: fmt::Display,
{
    let value: T = s.parse().map_err(|e| format!("expected a positive whole number: {e}"))?;
    if value > T::default() { Ok(value) } else { Err("must be greater than zero".into()) }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d =
        humantime::parse_duration(s).map_err(|e| format!("expected a duration like 30s, 15m or 30d: {e}"))?;
    if d.is_zero() { Err("must be longer than zero".into()) } else { Ok(d) }
}

/// A duration that may be zero (`0ms`: no pause).
fn parse_pace(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("expected a duration like 30ms: {e}"))
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

fn parse_listen_addr(s: &str) -> Result<SocketAddr, String> {
    s.to_socket_addrs()
        .map_err(|e| format!("expected host:port such as 127.0.0.1:3000: {e}"))?
        .next()
        .ok_or_else(|| "the host resolves to no address".to_owned())
}

fn parse_url(schemes: &'static [&'static str]) -> impl Fn(&str) -> Result<Url, String> {
    move |s| {
        let url = Url::parse(s).map_err(|e| format!("unparsable URL: {e}"))?;
        if schemes.contains(&url.scheme()) {
            Ok(url)
        } else {
            Err(format!("unknown scheme `{}` (expected {})", url.scheme(), schemes.join(" or ")))
        }
    }
}

/// HS256 needs a key at least as long as its output (32 bytes) to keep its security margin.
fn parse_jwt_secret(s: &str) -> Result<Secret, String> {
    if s.len() < 32 {
        return Err(format!(
            "secret too short ({} bytes); use at least 32 random bytes, e.g. `openssl rand -hex 32`",
            s.len()
        ));
    }
    Ok(Secret::new(s))
}

fn parse_origins(s: &str) -> Result<CorsOrigins, String> {
    let mut origins = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let url = Url::parse(item).map_err(|e| format!("`{item}` is not an origin URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("`{item}` is not an http(s) origin"));
        }
        // An origin is scheme://host[:port] with no path; trailing slashes are tolerated.
        origins.push(url.origin().ascii_serialization());
    }
    Ok(CorsOrigins(origins))
}

fn parse_proxies(s: &str) -> Result<TrustedProxies, String> {
    let mut nets = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let net = item
            .parse::<ipnet::IpNet>()
            .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| format!("`{item}` is neither an IP address nor a CIDR range"))?;
        nets.push(net.trunc());
    }
    Ok(TrustedProxies(nets))
}

fn parse_log_format(s: &str) -> Result<LogFormat, String> {
    match s {
        "json" => Ok(LogFormat::Json),
        "pretty" => Ok(LogFormat::Pretty),
        _ => Err("expected json or pretty".into()),
    }
}

fn parse_display_name(s: &str) -> Result<String, String> {
    chatbot_domain::DisplayName::parse(s, chatbot_domain::DisplayName::DEFAULT_MAX_CHARS)
        .map(chatbot_domain::DisplayName::into_inner)
        .map_err(|e| e.message)
}

/// A setting declared in the table (every key used here is).
fn setting_of(key: &str) -> &'static crate::settings::Setting {
    crate::settings::setting(key).unwrap_or(&crate::settings::SETTINGS[0])
}

fn parse_secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s))
}

impl Config {
    /// Types and checks every setting. Fails with the first bad one.
    pub fn from_layers(layers: &Layers) -> Result<Self, ConfigError> {
        let r = Reader { layers };
        let database = r.required("database_url", DatabaseUrl::parse)?;
        let redis_url = r.optional("redis_url", parse_url(&["redis", "rediss"]))?;
        let jwt_secret = r.optional("jwt_secret", parse_jwt_secret)?;
        if jwt_secret.is_none() && (database.is_postgres() || redis_url.is_some()) {
            return Err(ConfigError::Missing {
                setting: "JWT_SECRET".into(),
                reason: "required with PostgreSQL or Redis, where every instance must share it \
                         (at least 32 random bytes, e.g. `openssl rand -hex 32`)"
                    .into(),
            });
        }
        let oidc = match r.optional("oidc.issuer", parse_url(&["http", "https"]))? {
            None => None,
            Some(issuer) => Some(OidcConfig {
                issuer,
                client_id: r.required("oidc.client_id", |s| Ok(s.to_owned()))?,
                client_secret: r.optional("oidc.client_secret", parse_secret)?,
                redirect_url: r.required("oidc.redirect_url", parse_url(&["http", "https"]))?,
                display_name: r.required("oidc.display_name", |s| Ok(s.to_owned()))?,
            }),
        };
        let password_login = r.required("password_login", parse_bool)?;
        if !password_login && oidc.is_none() {
            return Err(ConfigError::Missing {
                setting: "OIDC_ISSUER".into(),
                reason:
                    "with password sign-in turned off (CHATBOT_PASSWORD_LOGIN=false), single sign-on is the \
                         only way in: configure it (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_REDIRECT_URL)"
                        .into(),
            });
        }
        let limits = Limits {
            max_body_bytes: r.required("limits.max_body_bytes", parse_positive)?,
            max_page: r.required("limits.max_page", parse_positive)?,
            max_message_bytes: r.required("limits.max_message_bytes", parse_positive)?,
            max_room_name_chars: r.required("limits.max_room_name_chars", parse_positive)?,
            max_room_members: r.required("limits.max_room_members", parse_positive)?,
            max_rooms_per_user: r.required("limits.max_rooms_per_user", parse_positive)?,
            join_history_bytes: r.required("limits.join_history_bytes", parse_positive)?,
            max_system_prompt_chars: r.required("limits.max_system_prompt_chars", parse_positive)?,
            request_timeout: r.required("limits.request_timeout", parse_duration)?,
            http_header_read_timeout: r.required("limits.http_header_read_timeout", parse_duration)?,
            http_idle_timeout: r.required("limits.http_idle_timeout", parse_duration)?,
            max_connections: r.required("limits.max_connections", parse_positive)?,
            shutdown_grace: r.required("limits.shutdown_grace", parse_duration)?,
            password_min_chars: r.required("limits.password_min_chars", parse_positive)?,
            max_password_chars: r.required("limits.max_password_chars", parse_positive)?,
            max_display_name_chars: r.required("limits.max_display_name_chars", parse_positive)?,
            max_client_id_chars: r.required("limits.max_client_id_chars", parse_positive)?,
            max_model_id_chars: r.required("limits.max_model_id_chars", parse_positive)?,
            max_description_chars: r.required("limits.max_description_chars", parse_positive)?,
            login_per_account: ThrottleLimit {
                max: r.required("limits.login_failures_per_account", parse_positive)?,
                window: r.required("limits.login_window", parse_duration)?,
            },
            login_per_account_total: ThrottleLimit {
                max: r.required("limits.login_failures_per_account_total", parse_positive)?,
                window: r.required("limits.login_window", parse_duration)?,
            },
            login_per_ip: ThrottleLimit {
                max: r.required("limits.login_failures_per_ip", parse_positive)?,
                window: r.required("limits.login_window", parse_duration)?,
            },
            refresh_per_ip: ThrottleLimit {
                max: r.required("limits.refresh_failures_per_ip", parse_positive)?,
                window: r.required("limits.login_window", parse_duration)?,
            },
            registrations_per_ip: ThrottleLimit {
                max: r.required("limits.registrations_per_ip", parse_positive)?,
                window: r.required("limits.registration_window", parse_duration)?,
            },
            password_hash_concurrency: r.required("limits.password_hash_concurrency", parse_positive)?,
            password_hash_queue: r.required("limits.password_hash_queue", parse_positive)?,
            send_rate: ThrottleLimit {
                max: r.required("limits.send_rate", parse_positive)?,
                window: r.required("limits.send_rate_window", parse_duration)?,
            },
            events_per_second: r.required("limits.events_per_second", parse_positive)?,
            sockets_per_user: r.required("limits.sockets_per_user", parse_positive)?,
            typing_interval: r.required("limits.typing_interval", parse_duration)?,
            membership_cache_ttl: r.required("limits.membership_cache_ttl", parse_duration)?,
            write_batch: r.required("limits.write_batch", parse_positive)?,
            write_lanes: r.required("limits.write_lanes", parse_positive)?,
            recent_history_bytes: r.required(
                "limits.recent_history_bytes",
                parse_from_str::<usize>("a whole number of bytes"),
            )?,
            socket_queue_bytes: r.required("limits.socket_queue_bytes", parse_positive)?,
            ws_read_buffer_bytes: r.required("limits.ws_read_buffer_bytes", parse_positive)?,
            fanout_queue_bytes: r.required("limits.fanout_queue_bytes", parse_positive)?,
            relay_max_entries: r.required("limits.relay_max_entries", parse_positive)?,
            relay_gap_wait: r.required("limits.relay_gap_wait", parse_duration)?,
            max_shares_per_room: r.required("limits.max_shares_per_room", parse_positive)?,
        };
        // A queue smaller than the largest ack would end every connection whose `join` is answered
        // in full; twice the history bytes leaves room for the ack's members and metadata.
        if limits.socket_queue_bytes < limits.join_history_bytes.saturating_mul(2) {
            let key = "limits.socket_queue_bytes";
            return Err(ConfigError::Invalid {
                setting: setting(key).map(display_name).unwrap_or(key).to_owned(),
                source_name: layers.get(key).map(|found| found.source).unwrap_or_default(),
                reason: format!(
                    "must be at least twice limits.join_history_bytes ({}), so a join ack fits",
                    limits.join_history_bytes
                ),
            });
        }
        let anthropic_key = r.optional("anthropic.api_key", parse_secret)?.is_some();
        let openai_set = r.optional("openai.api_key", parse_secret)?.is_some()
            || layers.explicit(setting_of("openai.base_url")).is_some();
        for model in layers.models() {
            let (configured, needs) = match model.provider.as_str() {
                "anthropic" => (anthropic_key, "ANTHROPIC_API_KEY"),
                _ => (openai_set, "OPENAI_BASE_URL or OPENAI_API_KEY"),
            };
            if !configured {
                return Err(ConfigError::Missing {
                    setting: needs.into(),
                    reason: format!(
                        "[models.{}] uses the {} provider, which is not configured",
                        model.id, model.provider
                    ),
                });
            }
        }
        Ok(Config {
            listen_addr: r.required("listen_addr", parse_listen_addr)?,
            data_dir: r.required("data_dir", parse_from_str::<PathBuf>("a directory path"))?,
            database,
            database_max_connections: r.required("database_max_connections", parse_positive)?,
            redis_url,
            redis_prefix: r.required("redis_prefix", |s| Ok(s.to_owned()))?,
            jwt_secret,
            access_token_ttl: r.required("access_token_ttl", parse_duration)?,
            refresh_token_ttl: r.required("refresh_token_ttl", parse_duration)?,
            refresh_reuse_grace: r.required("refresh_reuse_grace", parse_pace)?,
            cors_origins: r.optional("cors_origins", parse_origins)?.unwrap_or_default(),
            trust_proxy_headers: r.required("trust_proxy_headers", parse_bool)?,
            share_links_public: r.required("share_links_public", parse_bool)?,
            password_login,
            oidc,
            trusted_proxies: r.optional("trusted_proxies", parse_proxies)?.unwrap_or_default(),
            assistant_name: r.required("assistant_name", parse_display_name)?,
            log_format: r.optional("log_format", parse_log_format)?,
            observability: Observability {
                otel_endpoint: r.optional("otel_endpoint", parse_url(&["http", "https"]))?,
                otel_protocol: r.required("otel_protocol", parse_otlp_protocol)?,
                otel_service_name: r.required("otel_service_name", |s| Ok(s.to_owned()))?,
                otel_sample_ratio: r.required("otel_sample_ratio", parse_ratio)?,
                metrics_token: r.optional("metrics_token", parse_token)?,
                metrics_listen_addr: r.optional("metrics_listen_addr", parse_listen_addr)?,
            },
            anthropic: ProviderConfig {
                api_key: r.optional("anthropic.api_key", parse_secret)?,
                base_url: r.optional("anthropic.base_url", parse_url(&["http", "https"]))?,
                model: r.optional("anthropic.model", |s| Ok(s.to_owned()))?,
            },
            openai: ProviderConfig {
                api_key: r.optional("openai.api_key", parse_secret)?,
                base_url: r.optional("openai.base_url", parse_url(&["http", "https"]))?,
                model: r.optional("openai.model", |s| Ok(s.to_owned()))?,
            },
            llm: LlmConfig {
                max_output_tokens: r.required("llm.max_output_tokens", parse_positive)?,
                concurrency: r.required("llm.concurrency", parse_positive)?,
                per_user_concurrency: r.required("llm.per_user_concurrency", parse_positive)?,
                queue_per_room: r.required("llm.queue_per_room", parse_positive)?,
                queue_per_user: r.required("llm.queue_per_user", parse_positive)?,
                flush_interval: r.required("llm.flush_interval", parse_duration)?,
                connect_timeout: r.required("llm.connect_timeout", parse_duration)?,
                first_byte_timeout: r.required("llm.first_byte_timeout", parse_duration)?,
                idle_timeout: r.required("llm.idle_timeout", parse_duration)?,
                retry_attempts: r.required("llm.retry_attempts", parse_positive)?,
                daily_token_budget: r.optional("llm.daily_token_budget", parse_positive)?,
                daily_cost_budget: r.optional("llm.daily_cost_budget", parse_positive)?,
                demo_pace: r.required("llm.demo_pace", parse_pace)?,
            },
            models: layers.models().to_vec(),
            limits,
        })
    }
}

#[cfg(test)]
mod tests;
