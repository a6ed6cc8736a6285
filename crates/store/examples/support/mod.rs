//! What the store benchmarks share: the command line and its one JSON line of output, a fresh
//! database to seed, dropped afterwards, and timing a read.

use sqlx::Connection as _;
use std::time::{Duration, Instant};

type Failure = Box<dyn std::error::Error>;

/// An example's whole run: the backend from the first argument (`sqlite` by default), a fresh
/// database named after `tag` for `run` (given the backend and the URL), dropped afterwards
/// whatever happened, and `run`'s result printed as one JSON line.
pub async fn main_with<F, Fut>(tag: &str, run: F) -> Result<(), Failure>
where
    F: FnOnce(String, String) -> Fut,
    Fut: Future<Output = Result<serde_json::Value, Failure>>,
{
    let backend = std::env::args().nth(1).unwrap_or_else(|| "sqlite".to_owned());
    let db = TempDb::create(&backend, tag).await?;
    let result = run(backend, db.url.clone()).await;
    // KEEP_DB=1 leaves the database for a look at the plans (`EXPLAIN ANALYZE`).
    if std::env::var_os("KEEP_DB").is_some() {
        eprintln!("kept: {}", db.url);
    } else {
        db.remove().await;
    }
    println!("{}", result?);
    Ok(())
}

/// Runs of each read after its warm-up.
pub const RUNS: usize = 20;

/// A fresh database for one run: a temporary SQLite file, or a PostgreSQL database created
/// through `TEST_POSTGRES_URL` (else the local server) and dropped by [`TempDb::remove`].
pub struct TempDb {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl TempDb {
    /// `backend` is `sqlite` or `postgres`; `tag` names the file or database.
    pub async fn create(backend: &str, tag: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let id = std::process::id();
        match backend {
            "sqlite" => {
                let path = std::env::temp_dir().join(format!("{tag}-{id}.db"));
                Ok(Self { url: format!("sqlite://{}", path.display()), postgres: None })
            }
            "postgres" => {
                let admin = std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| {
                    "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable".to_owned()
                });
                let name = format!("chatbot_{}_{id}", tag.replace('-', "_"));
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await?;
                let base = admin.split('?').next().unwrap_or(&admin);
                let url =
                    format!("{}/{name}?sslmode=disable", base.rsplit_once('/').map_or(base, |(b, _)| b));
                Ok(Self { url, postgres: Some((admin, name)) })
            }
            other => Err(format!("unknown backend `{other}`: sqlite or postgres").into()),
        }
    }

    /// Deletes the file (and its WAL) or drops the database.
    pub async fn remove(self) {
        match self.postgres {
            Some((admin, name)) => {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await;
                }
            }
            None => {
                let path = self.url.trim_start_matches("sqlite://").to_owned();
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
        }
    }
}

/// One warm-up, then [`RUNS`] timed runs: median, p95 and max in milliseconds.
pub async fn time_it<F, Fut>(read: F) -> Result<serde_json::Value, Box<dyn std::error::Error>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), chatbot_store::StoreError>>,
{
    let times = timed_runs(1, RUNS, read).await?;
    let ms = |d: Duration| (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    Ok(serde_json::json!({ "p50": ms(at(0.5)), "p95": ms(at(0.95)), "max": ms(at(1.0)) }))
}

/// `warm_up` untimed runs of `read`, then `runs` timed ones, one after another: their times,
/// shortest first.
pub async fn timed_runs<F, Fut>(
    warm_up: usize,
    runs: usize,
    mut read: F,
) -> Result<Vec<Duration>, chatbot_store::StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), chatbot_store::StoreError>>,
{
    for _ in 0..warm_up {
        read().await?;
    }
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        read().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times)
}
