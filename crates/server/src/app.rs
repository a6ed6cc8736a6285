use crate::VERSION;
use crate::secret::resolve_jwt_secret;
use anyhow::Context;
use chatbot_config::Config;
use chatbot_gateway::{Cluster, EventQueue, Gateway, GatewaySettings};
use chatbot_http::client_addr::ProxyTrust;
use chatbot_http::{AppState, HttpSettings};
use chatbot_redis::shared::Shared;
use chatbot_service::{
    AccountService, AccountSettings, AdminService, AnswerEngine, AnswerSettings, MessageWriter,
    PasswordHasher, Readiness, RoomEvents, RoomService, RoomSettings, TokenIssuer, WriterSettings,
};
use chatbot_store::{OpenOptions, Store};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The wired services, and the store they share (for the process's own housekeeping and to
/// close it at the end; the edges reach it only through the services).
pub struct Services {
    pub state: AppState,
    pub store: Arc<dyn Store>,
}

/// Opens storage (running migrations) and wires the services from configuration. `events`
/// receives committed changes (the real-time gateway, or `NoEvents` for the CLI).
pub async fn build_services(config: &Config, events: Arc<dyn RoomEvents>) -> anyhow::Result<Services> {
    build_services_with(config, events, None).await
}

/// [`build_services`] with limits and answer leases shared through Redis (a serving instance
/// with `REDIS_URL`).
pub async fn build_services_with(
    config: &Config,
    events: Arc<dyn RoomEvents>,
    shared: Option<Shared>,
) -> anyhow::Result<Services> {
    let mut options = OpenOptions::new(config.database.as_str());
    options.max_connections = config.database_max_connections;
    let store = chatbot_store::open(&options)
        .await
        .with_context(|| format!("cannot open database {:?}", config.database))?;
    let store = chatbot_store::measured(store);
    // Answers' history and spending reads, and handshakes' session reads, from memory, kept
    // current by this process's writes: only when no other instance writes beside it (decisions
    // 035 and 038).
    let store = if shared.is_some() {
        store
    } else {
        let settings = chatbot_store::RecentSettings {
            history_window: chatbot_service::HISTORY_WINDOW,
            history_bytes: config.limits.recent_history_bytes,
            spending_read_again_after: chatbot_store::SPENDING_READ_AGAIN_AFTER,
            session_read_again_after: chatbot_store::SESSION_READ_AGAIN_AFTER,
        };
        chatbot_store::recent(store, settings)
    };
    let secret = resolve_jwt_secret(config)?;
    let limits = &config.limits;
    let hasher = PasswordHasher::new(limits.password_hash_concurrency, limits.password_hash_queue).await?;
    let accounts = AccountService::new(
        store.clone(),
        hasher,
        TokenIssuer::new(secret.expose().as_bytes(), config.access_token_ttl),
        AccountSettings {
            refresh_ttl: config.refresh_token_ttl,
            refresh_reuse_grace: config.refresh_reuse_grace,
            password_min_chars: limits.password_min_chars,
            max_password_chars: limits.max_password_chars,
            max_display_name_chars: limits.max_display_name_chars,
            login_per_account: (limits.login_per_account.max, limits.login_per_account.window),
            login_per_account_total: (
                limits.login_per_account_total.max,
                limits.login_per_account_total.window,
            ),
            login_per_ip: (limits.login_per_ip.max, limits.login_per_ip.window),
            refresh_per_ip: (limits.refresh_per_ip.max, limits.refresh_per_ip.window),
            registrations_per_ip: (limits.registrations_per_ip.max, limits.registrations_per_ip.window),
            assistant_name: config.assistant_name.clone(),
            max_page: limits.max_page,
            shared: shared.clone(),
            password_login: config.password_login,
        },
    )
    .with_events(events.clone());
    let writer = MessageWriter::spawn(
        store.clone(),
        events.clone(),
        WriterSettings {
            max_batch: limits.write_batch,
            // SQLite has one writer connection: lanes would only split its batches.
            lanes: if config.database.is_postgres() { limits.write_lanes } else { 1 },
            ..WriterSettings::default()
        },
    );
    let llm = &config.llm;
    let models = Arc::new(crate::model_registry::registry(config)?);
    // Each configured model's series exist from the first scrape, at zero, so rates and alerts
    // see a model that has not answered yet.
    for model in models.list() {
        chatbot_metrics::metrics().llm(model.provider, &model.id);
    }
    let answers = AnswerEngine::new(
        store.clone(),
        writer.clone(),
        events.clone(),
        models.clone(),
        AnswerSettings {
            assistant_name: config.assistant_name.clone(),
            global_concurrency: llm.concurrency,
            per_user_concurrency: llm.per_user_concurrency,
            queue_per_room: llm.queue_per_room,
            queue_per_user: llm.queue_per_user,
            flush_interval: llm.flush_interval,
            max_output_tokens: llm.max_output_tokens,
            daily_token_budget: llm.daily_token_budget,
            daily_cost_budget: llm.daily_cost_budget,
            retry: chatbot_llm::RetryPolicy {
                max_attempts: llm.retry_attempts,
                ..chatbot_llm::RetryPolicy::default()
            },
            shared: shared.clone(),
        },
    );
    let rooms = RoomService::new(
        store.clone(),
        RoomSettings {
            max_room_name_chars: limits.max_room_name_chars,
            max_description_chars: limits.max_description_chars,
            max_system_prompt_chars: limits.max_system_prompt_chars,
            max_message_bytes: limits.max_message_bytes,
            max_room_members: limits.max_room_members,
            max_rooms_per_user: limits.max_rooms_per_user,
            max_shares_per_room: limits.max_shares_per_room,
            share_links_public: config.share_links_public,
            join_history_bytes: limits.join_history_bytes,
            send_rate: (limits.send_rate.max, limits.send_rate.window),
            shared,
            max_page: limits.max_page,
            max_model_id_chars: limits.max_model_id_chars,
            max_client_id_chars: limits.max_client_id_chars,
            membership_cache_ttl: limits.membership_cache_ttl,
            email_lookups: (limits.registrations_per_ip.max, limits.registrations_per_ip.window),
        },
        writer,
        events,
        answers,
    );
    let rooms = Arc::new(rooms);
    let sso = match &config.oidc {
        None => None,
        Some(oidc) => Some(Arc::new(chatbot_service::Sso::new(chatbot_service::SsoSettings {
            issuer: oidc.issuer.to_string().trim_end_matches('/').to_owned(),
            client_id: oidc.client_id.clone(),
            client_secret: oidc.client_secret.as_ref().map(|s| s.expose().to_owned()),
            redirect_url: oidc.redirect_url.to_string(),
            display_name: oidc.display_name.clone(),
            timeout: std::time::Duration::from_secs(10),
        })?)),
    };
    let state = AppState {
        sso,
        accounts: Arc::new(accounts),
        admin: Arc::new(AdminService::new(store.clone(), rooms.clone())),
        rooms,
        readiness: Arc::new(Readiness::new(store.clone()).with_models(&models)),
        settings: Arc::new(HttpSettings {
            max_body_bytes: limits.max_body_bytes,
            request_timeout: limits.request_timeout,
            cors_origins: config.cors_origins.0.clone(),
            proxy_trust: if !config.trusted_proxies.is_empty() {
                ProxyTrust::Listed(config.trusted_proxies.clone())
            } else if config.trust_proxy_headers {
                ProxyTrust::NearestHop
            } else {
                ProxyTrust::None
            },
            version: VERSION,
            metrics_on_main_port: config
                .observability
                .metrics_listen_addr
                .is_none()
                .then(|| metrics_access(config)),
        }),
    };
    Ok(Services { state, store })
}

/// Keeps this instance counted as alive (devices it holds count for their users) while it runs.
async fn heartbeat(shared: Shared) {
    let mut ticks = tokio::time::interval(chatbot_redis::shared::HEARTBEAT_LIFE / 3);
    loop {
        ticks.tick().await;
        let result = shared.heartbeat().await;
        shared.note(&result);
    }
}

fn metrics_access(config: &Config) -> chatbot_http::metrics::MetricsAccess {
    chatbot_http::metrics::MetricsAccess {
        token: config.observability.metrics_token.as_ref().map(|t| Arc::from(t.expose())),
    }
}

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    /// `/metrics` on an address of its own (`CHATBOT_METRICS_ADDR`).
    metrics_listener: Option<TcpListener>,
    redis: Option<chatbot_redis::Redis>,
    state: AppState,
    store: Arc<dyn Store>,
    gateway: Arc<Gateway>,
    events: EventQueue,
    /// Where the services announce changes (housekeeping announces swept answers there too).
    sink: Arc<dyn RoomEvents>,
    /// The other instances' deliveries, when clustered.
    incoming: Option<tokio::sync::mpsc::Receiver<chatbot_redis::relay::Incoming>>,
    config: Config,
}

impl Application {
    /// Binds `config.listen_addr` (port 0 picks a free port) and prepares every service.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let (sink, events) = chatbot_gateway::event_channel(config.limits.fanout_queue_bytes);
        // Redis is watched from here on; one that is down at start-up is picked up when it
        // comes back (SPEC §5: degrade, then heal). Through it, limits are shared and every
        // delivery reaches the other instances' sockets (docs/scaling.md).
        let instance = uuid::Uuid::new_v4().to_string();
        let redis = config.redis_url.as_ref().map(chatbot_redis::Redis::connect).transpose()?;
        let shared = redis.as_ref().map(|redis| Shared::new(redis.clone(), &config.redis_prefix, &instance));
        let Services { state, store } = build_services_with(&config, sink.clone(), shared.clone()).await?;
        if let Some(shared) = shared.clone() {
            tokio::spawn(heartbeat(shared));
        }
        let limits = &config.limits;
        let (cluster, incoming) = match &redis {
            Some(redis) => {
                state.readiness.attach_redis(redis.clone());
                let relay = chatbot_redis::relay::RelayConfig {
                    key: format!("{}relay", config.redis_prefix),
                    instance,
                    max_entries: limits.relay_max_entries,
                };
                let (sender, incoming) = chatbot_redis::relay::start(redis, relay);
                (Cluster::new(Some(sender), shared.clone(), limits.relay_gap_wait), Some(incoming))
            }
            None => (Cluster::single(), None),
        };
        let gateway = Gateway::new(
            state.accounts.clone(),
            state.rooms.clone(),
            GatewaySettings {
                events_per_second: limits.events_per_second,
                sockets_per_user: limits.sockets_per_user,
                typing_interval: limits.typing_interval,
                max_payload: u64::try_from(limits.max_body_bytes).unwrap_or(u64::MAX),
                socket_queue_bytes: limits.socket_queue_bytes,
                ws_read_buffer_bytes: limits.ws_read_buffer_bytes,
                assistant_name: config.assistant_name.clone(),
                // A quarter of the token's life, within 1 to 30 seconds: a socket outlives its
                // token by at most that much.
                token_check_interval: (config.access_token_ttl / 4)
                    .clamp(std::time::Duration::from_secs(1), std::time::Duration::from_secs(30)),
            },
            Arc::new(cluster),
        );
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .with_context(|| format!("cannot listen on {} (LISTEN_ADDR/PORT)", config.listen_addr))?;
        let metrics_listener = match config.observability.metrics_listen_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr} (CHATBOT_METRICS_ADDR)"))?,
            ),
            None => None,
        };
        let process = chatbot_metrics::metrics();
        process.set_version(VERSION);
        process.redis_configured().set(i64::from(config.redis_url.is_some()));
        Ok(Self { listener, metrics_listener, state, store, gateway, events, sink, incoming, config, redis })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The metrics address actually bound, when `/metrics` has its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests finish
    /// for at most the configured grace period, and closes the database.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Self { listener, metrics_listener, state, store, gateway, events, sink, incoming, config, redis } =
            self;
        let redis_watch = redis.clone().map(|redis| tokio::spawn(redis.watch()));
        let metrics_server = metrics_listener.map(|listener| {
            tracing::info!(addr = ?listener.local_addr().ok(), "metrics listening");
            let app = chatbot_http::metrics::router(metrics_access(&config));
            tokio::spawn(async move {
                if let Err(err) = axum::serve(listener, app).await {
                    tracing::error!(error = %err, "the metrics listener stopped");
                }
            })
        });
        let answers = state.rooms.answers().clone();
        let (realtime, io) = chatbot_gateway::layer(gateway, events, incoming);
        let app = chatbot_http::router(state, |routes| routes.layer(realtime));
        let grace = config.limits.shutdown_grace;
        let connection_limits = crate::http_server::ConnectionLimits {
            header_read_timeout: config.limits.http_header_read_timeout,
            idle_timeout: config.limits.http_idle_timeout,
            max_connections: config.limits.max_connections,
        };
        tracing::info!(addr = %listener.local_addr()?, database = store.backend(), version = VERSION, "listening");
        let housekeeping =
            tokio::spawn(crate::housekeeping::run(store.clone(), sink, config.llm.flush_interval));
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stopping = async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections, draining in-flight requests");
            // Sockets would hold the server open until the grace period ends; closing them
            // tells clients to reconnect (to another instance, behind a load balancer).
            io.close().await;
            let _ = stop_tx.send(true);
        };
        let server = crate::http_server::serve(listener, app, connection_limits, stopping);
        // Answers streaming at shutdown get the grace period to finish, alongside in-flight
        // requests; the rest end `interrupted`, stored before the database is closed.
        let mut stopped = stop_rx.clone();
        let answers_done = async move {
            let _ = stopped.wait_for(|s| *s).await;
            answers.shut_down(grace).await;
        };
        let mut stopped = stop_rx.clone();
        let deadline = async move {
            let _ = stopped.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        };
        let connections_done = async move {
            tokio::select! {
                () = server => {}
                () = deadline => tracing::warn!(?grace, "shutdown grace period over; dropping remaining connections"),
            }
        };
        tokio::join!(connections_done, answers_done);
        housekeeping.abort();
        if let Some(metrics_server) = metrics_server {
            metrics_server.abort();
        }
        if let Some(redis) = redis {
            if let Some(watch) = redis_watch {
                watch.abort();
            }
            redis.close().await;
        }
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}
