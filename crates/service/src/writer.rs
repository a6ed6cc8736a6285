//! The message writer: every new message goes through a writer task that commits them in
//! batches.
//!
//! Why a task: it gives two guarantees at once, without holding a lock across an await.
//! * **Group commit.** Senders that arrive while a batch is being written are collected into the
//!   next batch, which is committed in one transaction: one durable write (fsync) for many
//!   messages instead of one each.
//! * **Order.** A task commits its batches one after another and announces each message to
//!   [`RoomEvents`] right after its batch commits, in input order, so the order of `message`
//!   events equals `seq` order in every room, for every receiver.
//!
//! **Lanes.** There may be several such tasks ([`WriterSettings::lanes`]), each with the rooms
//! whose id falls to it: a room's messages always take the same lane, so the guarantees hold
//! per room, which is all they promise (SPEC §3). On PostgreSQL each lane's batch runs in a
//! server process of its own, so the lanes' inserts run side by side instead of one batch
//! waiting for the last one's commit; SQLite has one writer connection, so it keeps one lane
//! (docs/decisions/036-write-lanes.md).
//!
//! A sender is acknowledged only after the commit (durable before ack); a failed commit is
//! reported to each sender of the batch, never dropped.
//!
//! Answers' writes (the text so far every flush interval, the final text with its usage) are
//! batched the same way by a task of their own, one transaction per batch: one durable write per
//! answer each was what kept the questions waiting behind them on a busy database. A task and a
//! queue of their own, so a new message never waits in line behind them (with 5,000 answers
//! streaming, that is 5,000 writes a second), and on PostgreSQL the two run side by side
//! (docs/decisions/024-answer-writes-batched.md).

use crate::error::{ServiceError, ServiceResult};
use crate::events::RoomEvents;
use chatbot_domain::RoomId;
use chatbot_metrics::metrics;
use chatbot_store::{AnswerWrite, AnswerWritten, Appended, NewMessage, Store, StoreError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument as _;

type AppendJob = (NewMessage, oneshot::Sender<ServiceResult<Appended>>);
type AnswerJob = (AnswerWrite, oneshot::Sender<ServiceResult<AnswerWritten>>);

/// Handle to the writer tasks; cheap to clone. The tasks end when every handle is dropped.
#[derive(Clone)]
pub struct MessageWriter {
    /// One queue per lane; a room's messages always go to the same one ([`lane_of`]).
    appends: Arc<[mpsc::Sender<AppendJob>]>,
    answers: mpsc::Sender<AnswerJob>,
}

/// Batch and queue sizes.
#[derive(Debug, Clone, Copy)]
pub struct WriterSettings {
    /// Most messages (or answer writes) committed in one transaction.
    pub max_batch: usize,
    /// Messages (and, apart, answer writes) waiting for the writer before senders wait too
    /// (back-pressure), shared out between the lanes.
    pub queue: usize,
    /// Tasks committing new messages side by side, each for its share of the rooms (see the
    /// module documentation). At least one.
    pub lanes: usize,
}

impl Default for WriterSettings {
    fn default() -> Self {
        Self { max_batch: 256, queue: 8192, lanes: 1 }
    }
}

/// The lane of `room` among `lanes`: room ids are random in their low bits (UUID v4 and v7).
fn lane_of(room: RoomId, lanes: usize) -> usize {
    let lanes = u128::try_from(lanes.max(1)).unwrap_or(1);
    usize::try_from(room.as_uuid().as_u128() % lanes).unwrap_or(0)
}

impl MessageWriter {
    /// Starts the writer tasks on the current Tokio runtime.
    pub fn spawn(store: Arc<dyn Store>, events: Arc<dyn RoomEvents>, settings: WriterSettings) -> Self {
        let max_batch = settings.max_batch.max(1);
        let lanes = settings.lanes.max(1);
        let per_lane = (settings.queue / lanes).max(1);
        let appends: Vec<_> = (0..lanes)
            .map(|_| {
                let (lane, lane_rx) = mpsc::channel(per_lane);
                tokio::spawn(run_appends(store.clone(), events.clone(), lane_rx, max_batch));
                lane
            })
            .collect();
        let (answers, answers_rx) = mpsc::channel(settings.queue.max(1));
        tokio::spawn(run_answers(store, answers_rx, max_batch));
        Self { appends: appends.into(), answers }
    }

    /// Stores the message and returns once it is committed (or was a duplicate).
    pub async fn append(&self, message: NewMessage) -> ServiceResult<Appended> {
        let (reply, answer) = oneshot::channel();
        let lane = &self.appends[lane_of(message.room_id, self.appends.len())];
        lane.send((message, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Writes an answer's text so far or its end; returns once it is committed.
    pub async fn write_answer(&self, write: AnswerWrite) -> ServiceResult<AnswerWritten> {
        let (reply, answer) = oneshot::channel();
        self.answers.send((write, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> ServiceError {
    ServiceError::Unavailable("the message writer has stopped".into())
}

/// The error every write of a failed batch gets.
fn batch_error(err: &StoreError) -> ServiceError {
    if matches!(err, StoreError::Unavailable(_)) {
        ServiceError::Unavailable(err.to_string())
    } else {
        ServiceError::Internal(err.to_string())
    }
}

async fn run_appends(
    store: Arc<dyn Store>,
    events: Arc<dyn RoomEvents>,
    mut rx: mpsc::Receiver<AppendJob>,
    max_batch: usize,
) {
    let mut batch = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        append_batch(store.as_ref(), events.as_ref(), std::mem::take(&mut batch)).await;
    }
}

async fn run_answers(store: Arc<dyn Store>, mut rx: mpsc::Receiver<AnswerJob>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        answer_batch(store.as_ref(), std::mem::take(&mut batch)).await;
    }
}

async fn append_batch(store: &dyn Store, events: &dyn RoomEvents, jobs: Vec<AppendJob>) {
    let (messages, replies): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
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
            for reply in replies {
                let _ = reply.send(Err(batch_error(&err)));
            }
        }
    }
}

async fn answer_batch(store: &dyn Store, jobs: Vec<AnswerJob>) {
    let (writes, replies): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
    let size = writes.len();
    let span = tracing::debug_span!("store.answer_batch", size);
    let stored = store.write_answers(writes).instrument(span).await;
    match stored {
        Ok(results) => {
            for (result, reply) in results.into_iter().zip(replies) {
                let _ = reply.send(result.map_err(ServiceError::from));
            }
        }
        Err(err) => {
            tracing::error!(error = %err, size, "answer writes not stored");
            for reply in replies {
                let _ = reply.send(Err(batch_error(&err)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_always_takes_the_same_lane_and_rooms_spread_over_all() {
        let rooms: Vec<RoomId> = (0..400).map(|_| RoomId::new()).collect();
        let mut used = [0usize; 4];
        for room in &rooms {
            let lane = lane_of(*room, 4);
            assert_eq!(lane, lane_of(*room, 4), "stable");
            used[lane] += 1;
        }
        assert!(used.iter().all(|&n| n > 50), "400 random rooms over 4 lanes: {used:?}");
        assert!(rooms.iter().all(|room| lane_of(*room, 1) == 0));
        assert_eq!(lane_of(rooms[0], 0), 0, "no lanes asked for: one");
    }
}
