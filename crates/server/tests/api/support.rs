//! `TestApp`: the real server on port 0 over a throwaway database, and a small HTTP client.

use chatbot_config::{Config, Layers};
use chatbot_server::Application;
use chatbot_store::{Backend, Store};
use chatbot_test_support::TempDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The signing secret every test server uses, so tests can forge tokens deliberately.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub db: Arc<TempDatabase>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

/// A registered user and their tokens.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub access: String,
    pub refresh: String,
}

/// A response's status, headers and JSON body (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The stable error code of an error response.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("<no error code>")
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, &[]).await
    }

    /// Starts a server with extra settings (`chatbot.toml` keys) on a new database.
    pub async fn spawn_with(backend: Backend, settings: &[(&str, &str)]) -> Self {
        let db = Arc::new(TempDatabase::for_backend(backend).await);
        Self::spawn_on(db, settings).await
    }

    /// Starts a server on an existing database (restart tests).
    pub async fn spawn_on(db: Arc<TempDatabase>, settings: &[(&str, &str)]) -> Self {
        let config = test_config(&db.url, settings, None);
        Self::start(db, config).await
    }

    /// Starts a server with a `chatbot.toml` as well as settings.
    pub async fn spawn_with_file(backend: Backend, settings: &[(&str, &str)], file: &str) -> Self {
        let db = Arc::new(TempDatabase::for_backend(backend).await);
        let config = test_config(&db.url, settings, Some(file));
        Self::start(db, config).await
    }

    async fn start(db: Arc<TempDatabase>, config: Config) -> Self {
        let app = Application::build(config).await.expect("the server starts");
        let base = format!("http://{}", app.local_addr().expect("bound address"));
        let store = app.store();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run(async {
            let _ = rx.await;
        }));
        let http = reqwest::Client::builder().build().expect("HTTP client");
        Self { base, http, store, db, shutdown: Some(tx), server: Some(server) }
    }

    /// Graceful shutdown; fails the test if the server did not stop cleanly.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server stopped cleanly");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        reply(request.send().await.expect("request sent")).await
    }

    /// As [`Self::call`], through a proxy that says the client is `forwarded_for`
    /// (`X-Forwarded-For`, as the proxy passes it on: client first, hops appended).
    pub async fn call_from(
        &self,
        forwarded_for: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path)).header("x-forwarded-for", forwarded_for);
        if let Some(body) = body {
            request = request.json(&body);
        }
        reply(request.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Sends raw bytes as a JSON body (for malformed-input tests).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let mut request =
            self.http.request(method, self.url(path)).header("content-type", "application/json").body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        reply(request.send().await.expect("request sent")).await
    }

    /// Registers `name@example.com` with a valid password.
    pub async fn register(&self, name: &str) -> Session {
        let email = format!("{name}@example.com");
        let reply = self
            .call(
                Method::POST,
                "/api/auth/register",
                None,
                Some(json!({ "email": email, "name": name, "password": password_of(name) })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "register {name}: {:?}", reply.body);
        session_of(&reply.body)
    }

    pub async fn login(&self, name: &str) -> Session {
        let email = format!("{name}@example.com");
        let reply = self
            .call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({ "email": email, "password": password_of(name) })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "login {name}: {:?}", reply.body);
        session_of(&reply.body)
    }

    /// Creates a room owned by `owner` and returns its id. The assistant is off, so histories hold
    /// only what the test wrote; answer tests create their rooms themselves.
    pub async fn create_room(&self, owner: &Session, name: &str) -> String {
        let reply = self.post("/api/rooms", &owner.access, json!({ "name": name, "aiMode": "off" })).await;
        assert_eq!(reply.status, StatusCode::CREATED, "create room: {:?}", reply.body);
        reply.body["room"]["id"].as_str().expect("room id").to_owned()
    }

    /// Creates a room with these fields (owner: `owner`) and returns its id.
    pub async fn create_room_with(&self, owner: &Session, fields: Value) -> String {
        let reply = self.post("/api/rooms", &owner.access, fields).await;
        assert_eq!(reply.status, StatusCode::CREATED, "create room: {:?}", reply.body);
        reply.body["room"]["id"].as_str().expect("room id").to_owned()
    }

    /// Posts a message and returns it.
    /// The room's finished answers, oldest first, once there are at least `n` (polls its history).
    pub async fn finished_answers(&self, who: &Session, room: &str, n: usize) -> Vec<Value> {
        for _ in 0..400 {
            let history = self.get(&format!("/api/rooms/{room}/messages"), &who.access).await;
            let done: Vec<Value> = history.body["messages"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter(|m| m["role"] == "assistant" && m["status"] != "streaming")
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if done.len() >= n {
                return done;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("fewer than {n} finished answers in room {room}");
    }

    pub async fn send(&self, who: &Session, room: &str, content: &str) -> Value {
        let reply = self
            .post(&format!("/api/rooms/{room}/messages"), &who.access, json!({ "content": content }))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "send: {:?}", reply.body);
        reply.body["message"].clone()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn password_of(name: &str) -> String {
    format!("{name} has a long password")
}

fn session_of(body: &Value) -> Session {
    Session {
        id: body["user"]["id"].as_str().expect("user id").to_owned(),
        access: body["accessToken"].as_str().expect("access token").to_owned(),
        refresh: body["refreshToken"].as_str().expect("refresh token").to_owned(),
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("response body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, headers, body }
}

/// Test configuration: port 0, the given database, a fixed secret, nothing from the environment.
pub fn test_config(database_url: &str, settings: &[(&str, &str)], file: Option<&str>) -> Config {
    let mut layers = Layers::new().with_env(std::iter::empty());
    if let Some(text) = file {
        layers = layers.with_file_text("chatbot.toml", text).expect("valid test chatbot.toml");
    }
    let mut layers = layers
        .with_flag("listen_addr", "127.0.0.1:0")
        .and_then(|l| l.with_flag("database_url", database_url))
        .and_then(|l| l.with_flag("jwt_secret", TEST_JWT_SECRET))
        .expect("valid base settings");
    for (key, value) in settings {
        layers = layers.with_flag(key, *value).expect("known setting");
    }
    Config::from_layers(&layers).expect("valid test configuration")
}
