//! Throwaway databases for tests.
//!
//! ```ignore
//! let db = TempDatabase::for_backend(Backend::Postgres).await;
//! let store = chatbot_store::open(&OpenOptions::new(&db.url)).await?;
//! // … the database is dropped with `db`.
//! ```
//!
//! PostgreSQL tests need a server: the admin URL comes from `TEST_POSTGRES_URL` (default
//! [`DEFAULT_POSTGRES_URL`]). When it cannot be reached, [`TempDatabase::postgres`] panics rather
//! than letting the test pass without having run.

use chatbot_store::{Backend, OpenOptions};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use tempfile::TempDir;

/// Where [`TempDatabase::postgres`] connects to create databases when `TEST_POSTGRES_URL` is unset.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for as long as this value: a SQLite file in a temporary directory, or a
/// PostgreSQL database created for it and dropped (with `WITH (FORCE)`) when it is dropped.
#[derive(Debug)]
pub struct TempDatabase {
    /// The database URL to open (`sqlite:///tmp/…/chatbot.db` or `postgres://…/chatbot_test_…`).
    pub url: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Sqlite { _dir: TempDir },
    Postgres { admin_url: String, name: String },
}

impl TempDatabase {
    /// A SQLite database file (not created yet: opening the store creates it) in a fresh
    /// temporary directory, removed on drop.
    pub fn sqlite() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("chatbot-test-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let url = format!("sqlite://{}", dir.path().join("chatbot.db").display());
        TempDatabase { url, kind: Kind::Sqlite { _dir: dir } }
    }

    /// A new, empty PostgreSQL database named `chatbot_test_<random hex>`.
    ///
    /// # Panics
    /// When the server at `TEST_POSTGRES_URL` cannot be reached or refuses to create the database.
    pub async fn postgres() -> Self {
        let admin_url = postgres_admin_url();
        let mut conn = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL not reachable at {admin_url} ({e}); start it with \
                 `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` \
                 or point TEST_POSTGRES_URL at a server"
            )
        });
        let name = format!("chatbot_test_{}", uuid::Uuid::new_v4().simple());
        conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name} at {admin_url}: {e}"));
        let _ = conn.close().await;

        let mut url = url::Url::parse(&admin_url)
            .unwrap_or_else(|e| panic!("TEST_POSTGRES_URL `{admin_url}` is not a URL: {e}"));
        url.set_path(&format!("/{name}"));
        TempDatabase { url: url.to_string(), kind: Kind::Postgres { admin_url, name } }
    }

    /// [`TempDatabase::sqlite`] or [`TempDatabase::postgres`].
    pub async fn for_backend(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub fn backend(&self) -> Backend {
        match self.kind {
            Kind::Sqlite { .. } => Backend::Sqlite,
            Kind::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Options to open this database with: migrations on, small pools, short timeouts.
    pub fn options(&self) -> OpenOptions {
        OpenOptions { max_connections: 8, ..OpenOptions::new(&self.url) }
    }
}

/// The Redis the tests use: `TEST_REDIS_URL`, else the local one (`make test` starts it when
/// stopped: scripts/ensure-services.sh).
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// The admin URL PostgreSQL test databases are created through.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let Kind::Postgres { admin_url, name } = &self.kind else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop may run inside a Tokio runtime, where blocking on that runtime would panic: use a
        // private one on a thread of its own, and wait for it so the database is gone on return.
        let outcome = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&admin_url).await.map_err(|e| e.to_string())?;
                conn.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = conn.close().await;
                Ok(())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test database {}: {e}", self.url),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.url),
        }
    }
}

/// The folder of the LLM wire transcripts the tests replay: `crates/llm/tests/fixtures`, inside
/// the repository, so a clone with nothing beside it has everything its tests need.
pub fn llm_fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../llm/tests/fixtures")
}

/// The bytes of the LLM wire transcript `name` from [`llm_fixtures_dir`].
///
/// # Panics
/// When the fixture cannot be read: tests must not pass without their fixtures.
pub fn llm_fixture(name: &str) -> Vec<u8> {
    let path = llm_fixtures_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// Runs each listed test once per backend, as `<module>::sqlite::<name>` and
/// `<module>::postgres::<name>`: the one way every suite of the workspace covers both backends.
///
/// - `backend_tests!(a, b)`: each `async fn a(backend: Backend)` is called with the backend.
/// - `backend_tests!(runner = path; a, b)`: `path(backend, a)` is called instead, so a suite sets
///   up per backend what its tests take (an open store, a fresh database).
/// - `backend_tests!(mods = (sqlite_x, postgres_x), runner = path; a)`: other module names, for a
///   second group in the same module.
#[macro_export]
macro_rules! backend_tests {
    (mods = ($sqlite:ident, $postgres:ident), runner = $runner:path; $($name:ident),+ $(,)?) => {
        mod $sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { $runner(chatbot_store::Backend::Sqlite, super::$name).await })+
        }
        mod $postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { $runner(chatbot_store::Backend::Postgres, super::$name).await })+
        }
    };
    (runner = $runner:path; $($name:ident),+ $(,)?) => {
        $crate::backend_tests!(mods = (sqlite, postgres), runner = $runner; $($name),+);
    };
    ($($name:ident),+ $(,)?) => {
        $crate::backend_tests!(mods = (sqlite, postgres), runner = $crate::with_backend; $($name),+);
    };
}

/// The plain runner of [`backend_tests!`]: the test gets the backend.
pub async fn with_backend<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    test(backend).await;
}

/// A [`backend_tests!`] runner for tests of the database itself: a fresh one per test.
pub async fn with_database<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TempDatabase) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    test(TempDatabase::for_backend(backend).await).await;
}

/// What `user` spent on the UTC days from the one of `since` to today, as the daily budget reads
/// it (one day at a time): a test that runs across midnight sums both days instead of missing
/// what it recorded before.
pub async fn spent_since(
    store: &dyn chatbot_store::Store,
    user: chatbot_domain::UserId,
    since: time::OffsetDateTime,
) -> chatbot_store::UsageTotals {
    let mut day = since.date();
    let mut spent = chatbot_store::UsageTotals::default();
    loop {
        let on = store.usage_on_day(user, &chatbot_domain::day_text(day)).await.expect("usage of a day");
        spent = chatbot_store::UsageTotals {
            tokens: spent.tokens + on.tokens,
            cost: spent.cost + on.cost,
            token_budget: on.token_budget,
            cost_budget: on.cost_budget,
        };
        match day.next_day() {
            Some(next) if day < time::OffsetDateTime::now_utc().date() => day = next,
            _ => return spent,
        }
    }
}
