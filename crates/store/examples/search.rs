//! Times full-text search with 1,000,000 messages (issue #20: < 50 ms).
//!
//! ```sh
//! cargo run --release -p chatbot-store --example search -- sqlite
//! cargo run --release -p chatbot-store --example search -- postgres   # TEST_POSTGRES_URL, else local
//! ```
//!
//! Seeds a fresh database with 1,000,000 messages in 200 rooms of 200 users, through the same
//! triggers (and generated column) as production; the searcher is a member of 50 rooms (about
//! 250,000 messages; each room's seqs run 1, 2, 3, … as the production triggers require). Texts cycle through 20 sentences, English and Korean, each with its own
//! number, so a word occurs in 1 message of 20 (50,000) and a number in one; one word only in the
//! older half (1 message in 10 there). Message ids ascend
//! with time as UUIDv7 ids do (on SQLite, rowids). Each search runs 20
//! times after a warm-up, reading what one page of results reads (the window of the newest 200
//! matches, which the service ranks); one JSON line gives the median, p95 and max in milliseconds.

use chatbot_store::{OpenOptions, SearchQuery};
mod support;

use sqlx::Connection as _;
use std::time::Instant;
use support::{RUNS, time_it};

const MESSAGES: i64 = 1_000_000;
const ROOMS: i64 = 200;
const USERS: i64 = 200;
/// Rooms the searcher is a member of.
const MY_ROOMS: i64 = 50;

/// The sentences messages cycle through (`{}` becomes the message's number).
const SENTENCES: [&str; 20] = [
    "Deploying the Rust server to production tonight",
    "안녕하세요 여러분, 오늘 회의는 3시입니다",
    "Kubernetes rollout finished without errors",
    "점심 메뉴 추천해 주세요",
    "The database migration took four minutes",
    "배포가 끝났습니다. 확인 부탁드립니다",
    "Can someone review my pull request?",
    "내일 일정이 어떻게 되나요?",
    "Latency went down after the cache change",
    "서버 로그에 에러가 있습니다",
    "Let us move the standup to ten",
    "고객 문의가 많이 들어왔어요",
    "The load balancer health check is flapping",
    "이번 주 금요일에 릴리스합니다",
    "Please update the API documentation",
    "테스트가 모두 통과했습니다",
    "Grafana dashboard shows a memory spike",
    "회의록을 공유드립니다",
    "We should rotate the signing keys",
    "새로운 기능 제안이 있습니다",
];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::main_with("search", |backend, url| async move { run(&backend, &url).await }).await
}

async fn run(backend: &str, url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let store = chatbot_store::open(&OpenOptions::new(url)).await?;
    let started = Instant::now();
    let searcher = chatbot_domain::UserId::from_uuid(seed(backend, url).await?);
    let seeding = started.elapsed();
    let mut searches = serde_json::Map::new();
    for (name, terms) in [
        ("one English word (1 in 20 messages)", vec!["kubernetes"]),
        ("two English words", vec!["rust", "production"]),
        ("an English prefix", vec!["deploy"]),
        ("a Korean word, 2 syllables", vec!["회의"]),
        ("a Korean word, 4 syllables", vec!["안녕하세요"]),
        ("a number (1 message)", vec!["777800"]),
        ("no match", vec!["xylophone"]),
        ("a word only in older messages (50,000)", vec!["legacy"]),
    ] {
        let query = SearchQuery {
            user_id: searcher,
            terms: terms.iter().map(|t| (*t).to_owned()).collect(),
            room_id: None,
            offset: 0,
            // The service ranks the newest 200 matches (RANK_WINDOW), then pages through them.
            limit: 200,
        };
        let found = store.search_messages(&query).await?.len();
        let timing = time_it(|| async { store.search_messages(&query).await.map(|_| ()) }).await?;
        searches.insert(name.to_owned(), serde_json::json!({ "window": found, "ms": timing }));
    }
    store.close().await;
    Ok(serde_json::json!({
        "backend": backend,
        "messages": MESSAGES,
        "searcherRooms": MY_ROOMS,
        "seedingSeconds": (seeding.as_secs_f64() * 10.0).round() / 10.0,
        "runs": RUNS,
        "searches": searches,
    }))
}

/// The content of message `s` (an SQL expression over the integer column `s`).
fn content_sql() -> String {
    let cases: String =
        SENTENCES.iter().enumerate().map(|(i, text)| format!(" WHEN {i} THEN '{text} #' || s")).collect();
    // And a word only in the older half (1 message in 10 there): found, but not among the newest.
    format!(
        "CASE s % 20{cases} END || CASE WHEN s <= {} AND s % 10 = 0 THEN ' legacy' ELSE '' END",
        MESSAGES / 2
    )
}

/// Seeds users, rooms, memberships and messages; returns the searcher's id.
async fn seed(backend: &str, url: &str) -> Result<uuid::Uuid, sqlx::Error> {
    let content = content_sql();
    let statements: Vec<String> = if backend == "sqlite" {
        vec![
            format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {USERS})
                 INSERT INTO users (id, email, name, password_hash, role, is_active, created_at, updated_at)
                 SELECT randomblob(16), 'u' || i || '@example.com', 'user ' || i, 'x', 'user', 1,
                        '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM n"
            ),
            format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROOMS})
                 INSERT INTO rooms (id, name, owner_id, visibility, ai_mode, last_seq, created_at, updated_at)
                 SELECT randomblob(16), 'room ' || i, (SELECT id FROM users WHERE rowid = 1), 'private', 'off', 0,
                        '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM n"
            ),
            format!(
                "INSERT INTO room_members (room_id, user_id, role, last_read_seq, joined_at)
                 SELECT r.id, u.id, 'member', 0, '2026-01-01T00:00:00.000000Z' FROM rooms r, users u
                 WHERE u.rowid = 1 AND r.rowid <= {MY_ROOMS}"
            ),
            format!(
                "WITH RECURSIVE n(s) AS (SELECT 1 UNION ALL SELECT s + 1 FROM n WHERE s < {MESSAGES})
                 INSERT INTO messages (id, room_id, seq, user_id, role, content, status, created_at, updated_at)
                 SELECT randomblob(16), (SELECT id FROM rooms WHERE rowid = 1 + s % {ROOMS}), (s - 1) / {ROOMS} + 1,
                        (SELECT id FROM users WHERE rowid = 1 + s % {USERS}), 'user', {content}, 'complete',
                        '2026-11-01T00:00:00.000000Z', '2026-11-01T00:00:00.000000Z' FROM n"
            ),
            "ANALYZE".to_owned(),
        ]
    } else {
        vec![
            format!(
                "INSERT INTO users (id, email, name, password_hash, role, is_active, created_at, updated_at)
                 SELECT gen_random_uuid(), 'u' || i || '@example.com', 'user ' || i, 'x', 'user', true,
                        '2026-01-01', '2026-01-01' FROM generate_series(1, {USERS}) i"
            ),
            format!(
                "INSERT INTO rooms (id, name, owner_id, visibility, ai_mode, last_seq, created_at, updated_at)
                 SELECT gen_random_uuid(), 'room ' || i, (SELECT id FROM users WHERE email = 'u1@example.com'),
                        'private', 'off', 0, '2026-01-01', '2026-01-01' FROM generate_series(1, {ROOMS}) i"
            ),
            format!(
                "INSERT INTO room_members (room_id, user_id, role, last_read_seq, joined_at)
                 SELECT r.id, u.id, 'member', 0, '2026-01-01' FROM rooms r, users u
                 WHERE u.email = 'u1@example.com' AND r.name LIKE 'room %' AND substr(r.name, 6)::int <= {MY_ROOMS}"
            ),
            format!(
                "WITH r AS (SELECT array_agg(id ORDER BY substr(name, 6)::int) a FROM rooms WHERE name LIKE 'room %'),
                      u AS (SELECT array_agg(id ORDER BY email) a FROM users)
                 INSERT INTO messages (id, room_id, seq, user_id, role, content, status, created_at, updated_at)
                 SELECT ('01900000-0000-7000-8000-' || lpad(to_hex(s), 12, '0'))::uuid, r.a[1 + s % {ROOMS}],
                        (s - 1) / {ROOMS} + 1, u.a[1 + s % {USERS}], 'user', {content},
                        'complete', '2026-11-01', '2026-11-01'
                 FROM r, u, generate_series(1, {MESSAGES}) s"
            ),
            "ANALYZE".to_owned(),
        ]
    };
    let searcher = if backend == "sqlite" {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
        }
        let id = sqlx::query_scalar("SELECT id FROM users WHERE rowid = 1").fetch_one(&mut conn).await?;
        conn.close().await?;
        id
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
        }
        let id = sqlx::query_scalar("SELECT id FROM users WHERE email = 'u1@example.com'")
            .fetch_one(&mut conn)
            .await?;
        conn.close().await?;
        id
    };
    Ok(searcher)
}
