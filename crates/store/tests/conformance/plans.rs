//! Statements that run often on the largest table read an index, on both backends: each
//! backend's planner is asked (`EXPLAIN`), since a missing or unusable index changes no result,
//! only the time, which grows with the history (issue #19 item 6).

use crate::open_store;
use chatbot_store::{Backend, statements};
use chatbot_test_support::TempDatabase;
// The statements are the store's own constants, not input.
use sqlx::{AssertSqlSafe, Connection, Row};
use time::OffsetDateTime;

/// The plan of `sql` (two timestamp parameters), one line per step.
async fn plan(db: &TempDatabase, sql: &str) -> Vec<String> {
    let (now, cutoff) = (OffsetDateTime::now_utc(), OffsetDateTime::now_utc());
    match db.backend() {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            let rows = sqlx::query(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                .bind(now.to_string())
                .bind(cutoff.to_string())
                .fetch_all(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
            rows.iter().map(|r| r.get::<String, _>("detail")).collect()
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            // A fresh database is tiny, where a scan is cheapest: take that choice away, so the
            // plan shows whether an index can serve the statement at all.
            sqlx::query("SET enable_seqscan = off").execute(&mut conn).await.unwrap();
            let rows = sqlx::query(AssertSqlSafe(format!("EXPLAIN {sql}")))
                .bind(now)
                .bind(cutoff)
                .fetch_all(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
            rows.iter().map(|r| r.get::<String, _>(0)).collect()
        }
    }
}

async fn the_abandoned_answers_sweep_reads_only_live_answers(db: TempDatabase) {
    open_store(&db).await.close().await;
    let plan = plan(&db, statements::INTERRUPT_STREAMING).await;
    assert!(
        plan.iter().any(|step| step.contains("messages_streaming_idx")),
        "the sweep reads every message instead of the index of live answers: {plan:#?}"
    );
}

db_tests!(the_abandoned_answers_sweep_reads_only_live_answers);
