//! The message writer: every new message goes through one task that commits them in batches.
//!
//! Why one task: it gives two guarantees at once, without holding a lock across an await.
//! * **Group commit.** Senders that arrive while a batch is being written are collected into the
//!   next batch, which is committed in one transaction: one durable write (fsync) for many
//!   messages instead of one each.
//! * **Order.** Batches are committed one after another and each message is announced to
//!   [`RoomEvents`] right after its batch commits, in input order, so the order of `message`
//!   events equals `seq` order in every room, for every receiver.
//!
//! A sender is acknowledged only after the commit (durable before ack); a failed commit is
//! reported to each sender of the batch, never dropped.

use crate::error::{ServiceError, ServiceResult};
use crate::events::RoomEvents;
use chatbot_metrics::metrics;
use chatbot_store::{Appended, NewMessage, Store, StoreError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument as _;

struct Job {
    message: NewMessage,
    reply: oneshot::Sender<ServiceResult<Appended>>,
}

/// Handle to the writer task; cheap to clone. The task ends when every handle is dropped.
#[derive(Clone)]
pub struct MessageWriter {
    jobs: mpsc::Sender<Job>,
}

/// Batch and queue sizes.
#[derive(Debug, Clone, Copy)]
pub struct WriterSettings {
    /// Most messages committed in one transaction.
    pub max_batch: usize,
    /// Messages waiting for the writer before senders wait too (back-pressure).
    pub queue: usize,
}

impl Default for WriterSettings {
    fn default() -> Self {
        Self { max_batch: 256, queue: 8192 }
    }
}

impl MessageWriter {
    /// Starts the writer task on the current Tokio runtime.
    pub fn spawn(store: Arc<dyn Store>, events: Arc<dyn RoomEvents>, settings: WriterSettings) -> Self {
        let (jobs, rx) = mpsc::channel(settings.queue.max(1));
        tokio::spawn(run(store, events, rx, settings.max_batch.max(1)));
        Self { jobs }
    }

    /// Stores the message and returns once it is committed (or was a duplicate).
    pub async fn append(&self, message: NewMessage) -> ServiceResult<Appended> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { message, reply })
            .await
            .map_err(|_| ServiceError::Unavailable("the message writer has stopped".into()))?;
        answer.await.map_err(|_| ServiceError::Unavailable("the message writer has stopped".into()))?
    }
}

async fn run(
    store: Arc<dyn Store>,
    events: Arc<dyn RoomEvents>,
    mut rx: mpsc::Receiver<Job>,
    max_batch: usize,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let (messages, replies): (Vec<_>, Vec<_>) =
            batch.drain(..).map(|job| (job.message, job.reply)).unzip();
        let (size, started) = (messages.len(), std::time::Instant::now());
        let span = tracing::debug_span!("store.append_batch", size);
        let stored = store.append_messages(messages).instrument(span).await;
        tracing::debug!(
            size,
            elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "message batch committed"
        );
        match stored {
            Ok(results) => {
                for (result, reply) in results.into_iter().zip(replies) {
                    if let Ok(Appended::Created(message)) = &result {
                        events.message_stored(message);
                        metrics().message(message.role.as_str());
                    }
                    // A sender that gave up waiting is fine: its message is stored all the same.
                    let _ = reply.send(result.map_err(ServiceError::from));
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "message batch not stored");
                let text = err.to_string();
                let unavailable = matches!(err, StoreError::Unavailable(_));
                for reply in replies {
                    let error = if unavailable {
                        ServiceError::Unavailable(text.clone())
                    } else {
                        ServiceError::Internal(text.clone())
                    };
                    let _ = reply.send(Err(error));
                }
            }
        }
    }
}
