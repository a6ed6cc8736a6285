//! The table of every setting. README's configuration reference and `chatbot.example.toml`
//! are checked against it by tests, so documentation cannot drift from the code.

/// One setting: its `chatbot.toml` key (dotted for sections), environment names (first wins),
/// built-in default (as text; `None` = unset) and a one-line description.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub key: &'static str,
    pub env: &'static [&'static str],
    pub default: Option<&'static str>,
    pub doc: &'static str,
}

macro_rules! settings {
    ($($key:literal, [$($env:literal),*], $default:expr, $doc:literal;)+) => {
        pub const SETTINGS: &[Setting] = &[
            $(Setting { key: $key, env: &[$($env),*], default: $default, doc: $doc }),+
        ];
    };
}

settings! {
    "listen_addr", ["LISTEN_ADDR"], Some("127.0.0.1:3000"), "Address and port to listen on. `PORT` alone changes only the port.";
    "data_dir", ["CHATBOT_DATA_DIR"], Some("./data"), "Directory for the SQLite file and the generated JWT secret.";
    "database_url", ["DATABASE_URL"], Some("sqlite://./data/chatbot.db"), "`sqlite://path` or `postgres://user@host/db`.";
    "database_max_connections", ["CHATBOT_DATABASE_MAX_CONNECTIONS"], Some("16"), "Database connections: the PostgreSQL pool, or SQLite's read connections.";
    "redis_url", ["REDIS_URL"], None, "Redis for running several instances on one PostgreSQL (`redis://host:6379`): every delivery reaches sockets on every instance (docs/scaling.md). Unset: one instance, in-process delivery.";
    "redis_prefix", ["CHATBOT_REDIS_PREFIX"], Some("chatbot:"), "Prefix of every Redis key this deployment uses, so several deployments (or test runs) can share one Redis.";
    "jwt_secret", ["JWT_SECRET"], None, "HS256 signing secret, at least 32 bytes. Unset: generated once into `<data_dir>/jwt_secret` (SQLite only; required with PostgreSQL or Redis, where instances must share it).";
    "access_token_ttl", ["CHATBOT_ACCESS_TOKEN_TTL"], Some("15m"), "Lifetime of access tokens (JWT).";
    "refresh_token_ttl", ["CHATBOT_REFRESH_TOKEN_TTL"], Some("30d"), "Lifetime of refresh tokens (sessions).";
    "refresh_reuse_grace", ["CHATBOT_REFRESH_REUSE_GRACE"], Some("10s"), "A refresh token exchanged less than this long ago may be exchanged once more (two tabs refreshing at once) instead of counting as theft. `0s` disables.";
    "cors_origins", ["CORS_ORIGINS", "FRONTEND_URL"], None, "Comma-separated browser origins allowed cross-origin (credentials allowed). Unset: same origin only.";
    "trust_proxy_headers", ["CHATBOT_TRUST_PROXY_HEADERS"], Some("false"), "Take the client IP from `X-Forwarded-For`, trusting only the proxy that connects to this server: its last entry is the client. Behind several proxies, list them in `trusted_proxies` instead.";
    "trusted_proxies", ["CHATBOT_TRUSTED_PROXIES"], None, "Comma-separated addresses or CIDR ranges of your proxies (`10.0.0.0/8, 127.0.0.1`). A request from one of them is from the rightmost `X-Forwarded-For` entry outside the list; entries a client wrote itself are never believed.";
    "password_login", ["CHATBOT_PASSWORD_LOGIN"], Some("true"), "Whether people sign in and sign up with a password. `false` with single sign-on configured: the identity provider is the only way in (`chatbot user create` still works).";
    "share_links_public", ["CHATBOT_SHARE_PUBLIC"], Some("false"), "Whether a share link opens for anyone who has it (`true`), not only for signed-in users.";
    "assistant_name", ["CHATBOT_ASSISTANT_NAME"], Some("Assistant"), "The assistant's display name in rooms.";
    "log_format", ["LOG_FORMAT"], None, "`json` or `pretty`. Unset: pretty on a terminal, JSON otherwise. Filter with `RUST_LOG`.";
    "otel_endpoint", ["OTEL_EXPORTER_OTLP_ENDPOINT"], None, "OTLP/HTTP collector base URL (`http://collector:4318`); traces go to `<url>/v1/traces`. Unset: no traces exported.";
    "otel_protocol", ["OTEL_EXPORTER_OTLP_PROTOCOL"], Some("http/protobuf"), "OTLP encoding: `http/protobuf` or `http/json`.";
    "otel_service_name", ["OTEL_SERVICE_NAME"], Some("chatbot-socket"), "`service.name` of the exported traces.";
    "otel_sample_ratio", ["OTEL_TRACES_SAMPLER_ARG"], Some("1.0"), "Fraction of traces kept (0.0 to 1.0), decided where a trace starts; children follow their parent.";
    "metrics_token", ["CHATBOT_METRICS_TOKEN"], None, "When set, `/metrics` answers only requests with `Authorization: Bearer <token>` (401 otherwise). Unset: open, like `/healthz`.";
    "metrics_listen_addr", ["CHATBOT_METRICS_ADDR"], None, "Serve `/metrics` on this address only (`0.0.0.0:9100`, a port the load balancer does not expose) instead of the main port.";
    "oidc.issuer", ["OIDC_ISSUER"], None, "Single sign-on: the OpenID Connect provider's issuer URL (its `/.well-known/openid-configuration` is read from there). Unset: no single sign-on.";
    "oidc.client_id", ["OIDC_CLIENT_ID"], None, "Single sign-on: this server's client id at the provider.";
    "oidc.client_secret", ["OIDC_CLIENT_SECRET"], None, "Single sign-on: the client secret (sent with HTTP Basic). Unset: a public client (PKCE only).";
    "oidc.redirect_url", ["OIDC_REDIRECT_URL"], None, "Single sign-on: this server's callback as registered at the provider, `https://<your host>/api/auth/oidc/callback`.";
    "oidc.display_name", ["OIDC_DISPLAY_NAME"], Some("SSO"), "Single sign-on: the provider's name on the sign-in button (`Sign in with <name>`).";
    "anthropic.api_key", ["ANTHROPIC_API_KEY"], None, "Anthropic API key; set to serve Claude.";
    "anthropic.base_url", ["ANTHROPIC_BASE_URL"], Some("https://api.anthropic.com"), "Anthropic API base URL.";
    "anthropic.model", ["ANTHROPIC_MODEL"], Some("claude-sonnet-4-5"), "Anthropic model served when `ANTHROPIC_API_KEY` is set.";
    "openai.api_key", ["OPENAI_API_KEY"], None, "OpenAI-compatible API key (optional for local servers).";
    "openai.base_url", ["OPENAI_BASE_URL"], None, "OpenAI-compatible base URL (OpenAI, Ollama, vLLM, llama.cpp).";
    "openai.model", ["OPENAI_MODEL"], Some("gpt-4o-mini"), "OpenAI-compatible model served when `OPENAI_BASE_URL` or `OPENAI_API_KEY` is set.";
    "llm.max_output_tokens", ["CHATBOT_LLM_MAX_OUTPUT_TOKENS"], Some("1024"), "Output tokens asked of the model per answer.";
    "llm.concurrency", ["CHATBOT_LLM_CONCURRENCY"], Some("8"), "Answers generated at once, server-wide; more wait in the room queues.";
    "llm.per_user_concurrency", ["CHATBOT_LLM_PER_USER_CONCURRENCY"], Some("2"), "Answers generated at once for one user's questions.";
    "llm.queue_per_room", ["CHATBOT_LLM_QUEUE_PER_ROOM"], Some("8"), "Answers waiting per room; beyond it the message is stored and its answer refused (`failed`, `unavailable`).";
    "llm.queue_per_user", ["CHATBOT_LLM_QUEUE_PER_USER"], Some("8"), "Answers waiting for one user's questions, all rooms together; beyond it likewise refused.";
    "llm.flush_interval", ["CHATBOT_LLM_FLUSH_INTERVAL"], Some("1s"), "How often a streaming answer's text is written to the database.";
    "llm.connect_timeout", ["CHATBOT_LLM_CONNECT_TIMEOUT"], Some("10s"), "Upstream connect timeout.";
    "llm.first_byte_timeout", ["CHATBOT_LLM_FIRST_BYTE_TIMEOUT"], Some("60s"), "Longest wait for the upstream's first event.";
    "llm.idle_timeout", ["CHATBOT_LLM_IDLE_TIMEOUT"], Some("60s"), "Longest silence between two upstream events.";
    "llm.retry_attempts", ["CHATBOT_LLM_RETRY_ATTEMPTS"], Some("3"), "Attempts per answer for retryable upstream errors (429, 529, 5xx).";
    "llm.daily_token_budget", ["CHATBOT_DAILY_TOKEN_BUDGET"], None, "Tokens one user's questions may use per UTC day; beyond it answers fail with `quota_exceeded`. Unset: unlimited.";
    "llm.daily_cost_budget", ["CHATBOT_DAILY_COST_BUDGET"], None, "Micro-dollars one user's questions may cost per UTC day. Unset: unlimited.";
    "llm.demo_pace", ["CHATBOT_DEMO_PACE"], Some("30ms"), "Pause between the demo model's chunks.";
    "limits.max_body_bytes", ["CHATBOT_MAX_BODY_BYTES"], Some("1048576"), "Largest accepted request body; larger gets 413.";
    "limits.max_message_bytes", ["CHATBOT_MAX_MESSAGE_BYTES"], Some("16384"), "Largest chat message (UTF-8 bytes); larger gets 413 / `too_large`.";
    "limits.max_room_name_chars", ["CHATBOT_MAX_ROOM_NAME_CHARS"], Some("100"), "Longest room name.";
    "limits.max_page", ["CHATBOT_MAX_PAGE"], Some("200"), "Most items one page of a list holds (history, members, rooms, users); a larger `limit` gets 422.";
    "limits.max_room_members", ["CHATBOT_MAX_ROOM_MEMBERS"], Some("1000"), "Most members a room may have; more gets 409.";
    "limits.join_history_bytes", ["CHATBOT_JOIN_HISTORY_BYTES"], Some("262144"), "Most message text (bytes) a `join` ack carries (besides its 200-message cap); the rest is paged over REST (`hasMore`).";
    "limits.max_rooms_per_user", ["CHATBOT_MAX_ROOMS_PER_USER"], Some("100"), "Rooms one user may own (admins: no limit); more gets 409.";
    "limits.max_description_chars", ["CHATBOT_MAX_DESCRIPTION_CHARS"], Some("2000"), "Longest room description.";
    "limits.max_system_prompt_chars", ["CHATBOT_MAX_SYSTEM_PROMPT_CHARS"], Some("20000"), "Longest room system prompt.";
    "limits.http_header_read_timeout", ["CHATBOT_HTTP_HEADER_READ_TIMEOUT"], Some("30s"), "Longest a client may take to send a request's headers (also how long a keep-alive connection may wait for its next request); then the connection is closed.";
    "limits.http_idle_timeout", ["CHATBOT_HTTP_IDLE_TIMEOUT"], Some("60s"), "A connection with no byte in either direction for this long is closed (must exceed the 25 s Engine.IO ping interval).";
    "limits.max_connections", ["CHATBOT_MAX_CONNECTIONS"], Some("10000"), "Open connections (HTTP and WebSocket together); beyond it new connections wait in the listen backlog until one closes.";
    "limits.request_timeout", ["CHATBOT_REQUEST_TIMEOUT"], Some("30s"), "Longest an API request may take before 503.";
    "limits.shutdown_grace", ["CHATBOT_SHUTDOWN_GRACE"], Some("20s"), "How long shutdown waits for in-flight requests and streaming answers; answers still streaming then are stored `interrupted`.";
    "limits.password_min_chars", ["CHATBOT_PASSWORD_MIN_CHARS"], Some("10"), "Shortest accepted password.";
    "limits.max_password_chars", ["CHATBOT_MAX_PASSWORD_CHARS"], Some("256"), "Longest accepted password (keeps each hash's input bounded).";
    "limits.max_display_name_chars", ["CHATBOT_MAX_DISPLAY_NAME_CHARS"], Some("64"), "Longest display name of an account.";
    "limits.max_client_id_chars", ["CHATBOT_MAX_CLIENT_ID_CHARS"], Some("64"), "Longest idempotency key (`clientId`) of a send.";
    "limits.max_model_id_chars", ["CHATBOT_MAX_MODEL_ID_CHARS"], Some("100"), "Longest model id a room may name (it must also be a configured model).";
    "limits.login_failures_per_account", ["CHATBOT_LOGIN_FAILURES_PER_ACCOUNT"], Some("5"), "Failed logins per account from one client address within `login_window` before that address gets 429 for that account (others still sign in).";
    "limits.login_failures_per_account_total", ["CHATBOT_LOGIN_FAILURES_PER_ACCOUNT_TOTAL"], Some("100"), "Failed logins per account from all addresses together within `login_window` before 429 (a guesser with many addresses).";
    "limits.refresh_failures_per_ip", ["CHATBOT_REFRESH_FAILURES_PER_IP"], Some("30"), "Refused token refreshes (unknown, expired or reused tokens) per client address within `login_window` before 429.";
    "limits.login_failures_per_ip", ["CHATBOT_LOGIN_FAILURES_PER_IP"], Some("20"), "Failed logins per client IP within `login_window` before 429.";
    "limits.login_window", ["CHATBOT_LOGIN_WINDOW"], Some("15m"), "Window for the login throttles.";
    "limits.registrations_per_ip", ["CHATBOT_REGISTRATIONS_PER_IP"], Some("10"), "Accounts one client IP may create within `registration_window`.";
    "limits.registration_window", ["CHATBOT_REGISTRATION_WINDOW"], Some("1h"), "Window for the registration throttle.";
    "limits.send_rate", ["CHATBOT_SEND_RATE"], Some("20"), "Messages one user may send within `send_rate_window`, over Socket.IO and REST together; more gets `rate_limited` / 429.";
    "limits.send_rate_window", ["CHATBOT_SEND_RATE_WINDOW"], Some("10s"), "Window for the send rate.";
    "limits.events_per_second", ["CHATBOT_EVENTS_PER_SECOND"], Some("30"), "Events one socket may send per second; more gets `rate_limited`.";
    "limits.sockets_per_user", ["CHATBOT_SOCKETS_PER_USER"], Some("10"), "Connections one user may hold at once, on every instance together when `REDIS_URL` is set (per instance while Redis is unreachable).";
    "limits.typing_interval", ["CHATBOT_TYPING_INTERVAL"], Some("1s"), "The `typing` throttle's interval: per socket and room, at most two starts (and one renewal while typing) per interval, and a stop only after a forwarded start.";
    "limits.relay_max_entries", ["CHATBOT_RELAY_MAX_ENTRIES"], Some("100000"), "Deliveries the Redis relay stream keeps (approximately): how far an instance that lost Redis for a moment, or fell behind, can catch up without its clients resyncing.";
    "limits.max_shares_per_room", ["CHATBOT_MAX_SHARES_PER_ROOM"], Some("20"), "Live (not revoked, not expired) share links one room may have.";
    "limits.relay_gap_wait", ["CHATBOT_RELAY_GAP_WAIT"], Some("500ms"), "How long a room message from another instance waits for the message before it (seq order) before it is delivered anyway (the one before was lost: clients catch up with `join {since}`).";
    "limits.fanout_queue_bytes", ["CHATBOT_FANOUT_QUEUE_BYTES"], Some("67108864"), "Bytes of room traffic (messages, answer chunks) waiting for real-time delivery at most; past it a room's live deliveries stop and its joined sockets are disconnected to catch up with `join {since}` (only a starved server gets there).";
    "limits.ws_read_buffer_bytes", ["CHATBOT_WS_READ_BUFFER_BYTES"], Some("256"), "Read buffer each WebSocket keeps for its life; a larger frame is read in several steps. Memory per connection against system calls per large frame.";
    "limits.socket_queue_bytes", ["CHATBOT_SOCKET_QUEUE_BYTES"], Some("1048576"), "Bytes of events queued for one socket; a client that does not read past it is disconnected and catches up with `join {since}` when it reconnects. At least twice `limits.join_history_bytes`, so a `join` ack always fits.";
    "limits.recent_history_bytes", ["CHATBOT_RECENT_HISTORY_BYTES"], Some("16777216"), "Bytes of rooms' newest messages kept in memory to build answers' prompts without a read (estimated; the rooms used least recently go first). Kept, with each user's spending today, only while the server runs alone: with `REDIS_URL` every prompt is read from the database. `0` keeps no history.";
    "limits.write_batch", ["CHATBOT_WRITE_BATCH"], Some("256"), "Most messages committed in one transaction (group commit).";
    "limits.write_lanes", ["CHATBOT_WRITE_LANES"], Some("2"), "PostgreSQL: batches of new messages committed side by side, each lane for its share of the rooms (a room's messages keep their order). SQLite has one writer and always uses one lane.";
    "limits.membership_cache_ttl", ["CHATBOT_MEMBERSHIP_CACHE_TTL"], Some("5s"), "How long a `send` trusts a cached membership check. Changes made through this instance apply at once; with several instances a removed member may still post for up to this long. `0s` disables the cache.";
    "limits.password_hash_concurrency", ["CHATBOT_PASSWORD_HASH_CONCURRENCY"], Some("2"), "Password hashes computed at once (each uses ~19 MiB and a core); more wait.";
    "limits.password_hash_queue", ["CHATBOT_PASSWORD_HASH_QUEUE"], Some("64"), "Password hashes queued or running at once; a sign-in, sign-up or password check beyond it gets 503 with `Retry-After`.";
}

/// Looks a setting up by key.
pub fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// The name to show for a setting in errors: its first environment name, else its key.
pub fn display_name(setting: &Setting) -> &'static str {
    setting.env.first().copied().unwrap_or(setting.key)
}
