//! Periodic clean-up of what would otherwise only grow: expired sessions (every refresh leaves
//! a row behind, so the table would hold every token ever issued).

use chatbot_store::Store;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// How often expired sessions are deleted.
const EVERY: Duration = Duration::from_secs(3600);

/// How long an expired session is kept: a day, so a device that presents a just-expired token
/// still hears "expired" (sign in again) rather than "invalid".
const KEEP_EXPIRED: time::Duration = time::Duration::days(1);

/// Runs until the task is aborted, first at start-up, then every hour.
pub async fn run(store: Arc<dyn Store>) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.prune_sessions(OffsetDateTime::now_utc() - KEEP_EXPIRED).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "deleted expired sessions"),
            Err(err) => tracing::warn!(error = %err, "could not delete expired sessions"),
        }
    }
}
