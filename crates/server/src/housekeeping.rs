//! Periodic clean-up, for a serving instance only (never for a CLI command):
//! - answers left `streaming` by an instance that died: a live answer is flushed every flush
//!   interval, so one not written for several intervals has no writer left, whichever
//!   instance it was (several may share the database); the sweep runs at start and then at
//!   that pace, so a restart finds its own previous answers within a few intervals. Each one
//!   is announced like any end (`stream` end, then the answer as a `message`), through the
//!   relay to every instance, so members see it end without reloading;
//! - expired sessions (every refresh leaves a row behind).

use chatbot_service::{AnswerUsage, RoomEvents};
use chatbot_store::Store;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// How often expired sessions are deleted.
const SESSIONS_EVERY: Duration = Duration::from_secs(3600);

/// How long an expired session is kept: a day, so a device that presents a just-expired token
/// still hears "expired" (sign in again) rather than "invalid".
const KEEP_EXPIRED: time::Duration = time::Duration::days(1);

/// Flush intervals an answer may go unwritten before it counts as abandoned.
const ABANDONED_AFTER_FLUSHES: u32 = 5;

/// Runs until the task is aborted.
pub async fn run(store: Arc<dyn Store>, events: Arc<dyn RoomEvents>, flush_interval: Duration) {
    let abandoned_after = (flush_interval * ABANDONED_AFTER_FLUSHES).max(Duration::from_millis(100));
    let mut answers = tokio::time::interval(abandoned_after);
    let mut sessions = tokio::time::interval(SESSIONS_EVERY);
    for ticks in [&mut answers, &mut sessions] {
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    }
    loop {
        tokio::select! {
            _ = answers.tick() => interrupt_abandoned(store.as_ref(), events.as_ref(), abandoned_after).await,
            _ = sessions.tick() => prune_sessions(store.as_ref()).await,
        }
    }
}

async fn interrupt_abandoned(store: &dyn Store, events: &dyn RoomEvents, abandoned_after: Duration) {
    let cutoff = OffsetDateTime::now_utc() - abandoned_after;
    match store.interrupt_streaming(cutoff).await {
        Ok(interrupted) if interrupted.is_empty() => {}
        Ok(interrupted) => {
            tracing::warn!(
                interrupted = interrupted.len(),
                "answers nobody is writing any more are now `interrupted`"
            );
            for answer in &interrupted {
                // What it used was never reported by its generator: no usage to show.
                events.answer_finished(answer, AnswerUsage::default());
            }
        }
        Err(err) => tracing::warn!(error = %err, "could not mark abandoned answers interrupted"),
    }
}

async fn prune_sessions(store: &dyn Store) {
    match store.prune_sessions(OffsetDateTime::now_utc() - KEEP_EXPIRED).await {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(pruned, "deleted expired sessions"),
        Err(err) => tracing::warn!(error = %err, "could not delete expired sessions"),
    }
}
