use crate::VERSION;
use crate::secret::resolve_jwt_secret;
use anyhow::Context;
use axum::serve::ListenerExt as _;
use chatbot_config::Config;
use chatbot_http::{AppState, HttpSettings};
use chatbot_service::{
    AccountService, AccountSettings, PasswordHasher, RoomService, RoomSettings, TokenIssuer,
};
use chatbot_store::{OpenOptions, Store};
use std::future::{Future, IntoFuture as _};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Opens storage (running migrations) and wires the services from configuration.
pub async fn build_services(config: &Config) -> anyhow::Result<AppState> {
    let mut options = OpenOptions::new(config.database.as_str());
    options.max_connections = config.database_max_connections;
    let store = chatbot_store::open(&options)
        .await
        .with_context(|| format!("cannot open database {:?}", config.database))?;
    let secret = resolve_jwt_secret(config)?;
    let limits = &config.limits;
    let hasher = PasswordHasher::new(limits.password_hash_concurrency).await?;
    let accounts = AccountService::new(
        store.clone(),
        hasher,
        TokenIssuer::new(secret.expose().as_bytes(), config.access_token_ttl),
        AccountSettings {
            refresh_ttl: config.refresh_token_ttl,
            password_min_chars: limits.password_min_chars,
            login_per_account: (limits.login_per_account.max, limits.login_per_account.window),
            login_per_ip: (limits.login_per_ip.max, limits.login_per_ip.window),
            registrations_per_ip: (limits.registrations_per_ip.max, limits.registrations_per_ip.window),
        },
    );
    let rooms = RoomService::new(
        store.clone(),
        RoomSettings {
            max_room_name_chars: limits.max_room_name_chars,
            max_description_chars: 2000,
            max_system_prompt_chars: limits.max_system_prompt_chars,
            max_message_bytes: limits.max_message_bytes,
            max_room_members: limits.max_room_members,
            max_page: 200,
        },
    );
    Ok(AppState {
        accounts: Arc::new(accounts),
        rooms: Arc::new(rooms),
        store,
        settings: Arc::new(HttpSettings {
            max_body_bytes: limits.max_body_bytes,
            request_timeout: limits.request_timeout,
            cors_origins: config.cors_origins.0.clone(),
            trust_proxy_headers: config.trust_proxy_headers,
            version: VERSION,
        }),
    })
}

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    config: Config,
}

impl Application {
    /// Binds `config.listen_addr` (port 0 picks a free port) and prepares every service.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let state = build_services(&config).await?;
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .with_context(|| format!("cannot listen on {} (LISTEN_ADDR/PORT)", config.listen_addr))?;
        Ok(Self { listener, state, config })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.state.store.clone()
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests finish
    /// for at most the configured grace period, and closes the database.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Self { listener, state, config } = self;
        let store = state.store.clone();
        let app = chatbot_http::router(state);
        let grace = config.limits.shutdown_grace;
        tracing::info!(addr = %listener.local_addr()?, database = store.backend(), version = VERSION, "listening");
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let server = axum::serve(
            listener.tap_io(|tcp| {
                // Small writes (acks, events) must not wait for delayed ACKs (Nagle).
                if let Err(err) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %err, "cannot set TCP_NODELAY");
                }
            }),
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections, draining in-flight requests");
            let _ = stop_tx.send(true);
        });
        let mut stopped = stop_rx.clone();
        let deadline = async move {
            let _ = stopped.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            result = server.into_future() => result.context("server error")?,
            () = deadline => tracing::warn!(?grace, "shutdown grace period over; dropping remaining connections"),
        }
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}
