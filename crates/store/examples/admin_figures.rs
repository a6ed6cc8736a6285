//! Times the admin console's reads on a database with a long history (issue #17: the dashboard
//! answers in < 50 ms with 1 M messages and 100 k usage rows, on SQLite and PostgreSQL).
//!
//! ```sh
//! cargo run --release -p chatbot-store --example admin_figures -- sqlite
//! cargo run --release -p chatbot-store --example admin_figures -- postgres   # TEST_POSTGRES_URL, else local
//! ```
//!
//! Seeds a fresh database (a temporary SQLite file, or a PostgreSQL database it creates and drops)
//! with 1,000 users, 100 rooms of 10,000 messages each (one in 500 a failed answer) spread over
//! the last 30 days, and 100,000 usage rows from 500 users in two rooms each, three models, over
//! those days; every row goes through the triggers that keep the per-day sums, as in production.
//! Then it runs each read 20 times after one warm-up and prints one JSON line: per read, the
//! median, p95 and max in milliseconds, with the seeding time and row counts.

use chatbot_store::{AdminRoomQuery, OpenOptions, UsageGroup};
mod support;

use sqlx::Connection as _;
use std::time::Instant;
use support::{RUNS, time_it};
use time::OffsetDateTime;

const ROOMS: i64 = 100;
const MESSAGES_PER_ROOM: i64 = 10_000;
const USAGE_ROWS: i64 = 100_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::main_with("admin-figures", |backend, url| async move { run(&backend, &url).await }).await
}

async fn run(backend: &str, url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let store = chatbot_store::open(&OpenOptions::new(url)).await?;
    let started = Instant::now();
    match backend {
        "sqlite" => seed_sqlite(url).await?,
        _ => seed_postgres(url).await?,
    }
    let seeding = started.elapsed();
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let day = |days_ago: i64| chatbot_domain::day_text(today - time::Duration::days(days_ago));
    let first_of_window = day(13);
    let (from, to) = (day(29), day(0));
    let active = (now - time::Duration::hours(24), now - time::Duration::days(7));

    let figures = store.dashboard(&first_of_window, active).await?;
    let mut reads = serde_json::Map::new();
    reads.insert(
        "dashboard_14_days".into(),
        time_it(|| async { store.dashboard(&first_of_window, active).await.map(|_| ()) }).await?,
    );
    for (name, group) in [
        ("usage_by_user_30_days", UsageGroup::User),
        ("usage_by_room_30_days", UsageGroup::Room),
        ("usage_by_model_30_days", UsageGroup::Model),
        ("usage_by_day_30_days", UsageGroup::Day),
    ] {
        reads.insert(
            name.into(),
            time_it(|| async { store.usage_report(group, &from, &to).await.map(|_| ()) }).await?,
        );
    }
    let page = AdminRoomQuery { limit: 50, ..AdminRoomQuery::default() };
    reads.insert(
        "rooms_page_50".into(),
        time_it(|| async { store.admin_rooms(&page).await.map(|_| ()) }).await?,
    );
    reads.insert(
        "errors_page_50".into(),
        time_it(|| async { store.failed_answers(None, 50).await.map(|_| ()) }).await?,
    );
    store.close().await;
    Ok(serde_json::json!({
        "backend": backend,
        "messages": figures.messages,
        "users": figures.users,
        "rooms": figures.rooms,
        "answersInDashboardWindow": figures.models.iter().map(|m| m.2.answers).sum::<i64>(),
        "seedingSeconds": (seeding.as_secs_f64() * 10.0).round() / 10.0,
        "runs": RUNS,
        "readsMs": reads,
    }))
}

async fn seed_sqlite(url: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::SqliteConnection::connect(url).await?;
    let statements = [
        // 1,000 users, active over the last ten days.
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
         INSERT INTO users (id, email, name, password_hash, role, is_active, created_at, updated_at, last_active_at)
         SELECT randomblob(16), 'u' || i || '@example.com', 'user ' || i, 'x', 'user', 1,
                '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z',
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-' || (i % 10) || ' days')
         FROM n"
            .to_owned(),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROOMS})
             INSERT INTO rooms (id, name, owner_id, visibility, ai_mode, last_seq, created_at, updated_at)
             SELECT randomblob(16), 'room ' || i, (SELECT id FROM users WHERE rowid = i), 'private', 'off', 0,
                    '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
             FROM n"
        ),
        "INSERT INTO room_members (room_id, user_id, role, last_read_seq, joined_at)
         SELECT r.id, u.id, 'member', 0, '2026-01-01T00:00:00.000000Z'
         FROM rooms r JOIN users u ON u.rowid % 100 = r.rowid % 100 WHERE r.id <> zeroblob(16)"
            .to_owned(),
        // Each room's messages in seq order (the seq trigger checks each follows its room's last).
        format!(
            "WITH RECURSIVE s(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < {MESSAGES_PER_ROOM})
             INSERT INTO messages (id, room_id, seq, user_id, role, content, status, error, created_at, updated_at)
             SELECT randomblob(16), r.id, s.seq, CASE WHEN s.seq % 500 = 0 THEN NULL ELSE r.owner_id END,
                    CASE WHEN s.seq % 500 = 0 THEN 'assistant' ELSE 'user' END,
                    'message number ' || s.seq || ' of a long conversation',
                    CASE WHEN s.seq % 500 = 0 THEN 'failed' ELSE 'complete' END,
                    CASE WHEN s.seq % 500 = 0 THEN 'upstream' END,
                    strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-' || (29 - s.seq * 30 / ({MESSAGES_PER_ROOM} + 1)) || ' days'),
                    strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-' || (29 - s.seq * 30 / ({MESSAGES_PER_ROOM} + 1)) || ' days')
             FROM rooms r, s
             WHERE r.id <> zeroblob(16)
             ORDER BY r.rowid, s.seq"
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {USAGE_ROWS} - 1)
             INSERT INTO token_usage (id, user_id, room_id, provider, model, input_tokens, output_tokens,
                                      cache_creation_tokens, cache_read_tokens, cost, created_at)
             SELECT randomblob(16), (SELECT id FROM users WHERE rowid = 1 + i % 500),
                    (SELECT id FROM rooms WHERE rowid = 2 + ((i % 500) * 3 + i % 2) % {ROOMS}),
                    CASE i % 3 WHEN 0 THEN 'anthropic' WHEN 1 THEN 'openai' ELSE 'demo' END,
                    CASE i % 3 WHEN 0 THEN 'claude-sonnet-4-5' WHEN 1 THEN 'gpt-4o-mini' ELSE 'demo' END,
                    200 + i % 50, 300 + i % 70, 0, i % 20, (i % 3) * 900,
                    strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-' || (i % 30) || ' days')
             FROM n"
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
    }
    conn.close().await
}

async fn seed_postgres(url: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let statements = [
        "INSERT INTO users (id, email, name, password_hash, role, is_active, created_at, updated_at, last_active_at)
         SELECT gen_random_uuid(), 'u' || i || '@example.com', 'user ' || i, 'x', 'user', true,
                '2026-01-01', '2026-01-01', now() - (i % 10) * interval '1 day'
         FROM generate_series(1, 1000) i"
            .to_owned(),
        format!(
            "INSERT INTO rooms (id, name, owner_id, visibility, ai_mode, last_seq, created_at, updated_at)
             SELECT gen_random_uuid(), 'room ' || i, (SELECT id FROM users ORDER BY email OFFSET i LIMIT 1),
                    'private', 'off', {MESSAGES_PER_ROOM}, '2026-01-01', '2026-01-01'
             FROM generate_series(1, {ROOMS}) i"
        ),
        "INSERT INTO room_members (room_id, user_id, role, last_read_seq, joined_at)
         SELECT r.id, u.id, 'member', 0, '2026-01-01'
         FROM (SELECT id, row_number() OVER (ORDER BY id) k FROM rooms WHERE id <> '00000000-0000-0000-0000-000000000000') r
         JOIN (SELECT id, row_number() OVER (ORDER BY id) k FROM users) u ON u.k % 100 = r.k % 100"
            .to_owned(),
        format!(
            "INSERT INTO messages (id, room_id, seq, user_id, role, content, status, error, created_at, updated_at)
             SELECT gen_random_uuid(), r.id, s, CASE WHEN s % 500 = 0 THEN NULL ELSE r.owner_id END,
                    CASE WHEN s % 500 = 0 THEN 'assistant' ELSE 'user' END,
                    'message number ' || s || ' of a long conversation',
                    CASE WHEN s % 500 = 0 THEN 'failed' ELSE 'complete' END,
                    CASE WHEN s % 500 = 0 THEN 'upstream' END,
                    now() - (29 - s * 30 / ({MESSAGES_PER_ROOM} + 1)) * interval '1 day',
                    now() - (29 - s * 30 / ({MESSAGES_PER_ROOM} + 1)) * interval '1 day'
             FROM rooms r, generate_series(1, {MESSAGES_PER_ROOM}) s
             WHERE r.id <> '00000000-0000-0000-0000-000000000000'"
        ),
        format!(
            "WITH u AS (SELECT array_agg(id ORDER BY id) a FROM users),
                  r AS (SELECT array_agg(id ORDER BY id) a FROM rooms WHERE id <> '00000000-0000-0000-0000-000000000000')
             INSERT INTO token_usage (id, user_id, room_id, provider, model, input_tokens, output_tokens,
                                      cache_creation_tokens, cache_read_tokens, cost, created_at)
             SELECT gen_random_uuid(), u.a[1 + i % 500], r.a[1 + ((i % 500) * 3 + i % 2) % {ROOMS}],
                    CASE i % 3 WHEN 0 THEN 'anthropic' WHEN 1 THEN 'openai' ELSE 'demo' END,
                    CASE i % 3 WHEN 0 THEN 'claude-sonnet-4-5' WHEN 1 THEN 'gpt-4o-mini' ELSE 'demo' END,
                    200 + i % 50, 300 + i % 70, 0, i % 20, (i % 3) * 900, now() - (i % 30) * interval '1 day'
             FROM u, r, generate_series(0, {USAGE_ROWS} - 1) i"
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
    }
    conn.close().await
}
