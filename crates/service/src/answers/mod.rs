//! The answer engine: decides when the assistant answers, runs one answer per room at a time
//! (later triggers queue in order), and streams each answer to the room while storing it.
//!
//! Answers never depend on the asker's connection: they run on their own task and reach the room
//! through [`RoomEvents`]; a client that joins mid-answer gets the text so far from
//! [`AnswerEngine::streaming`] and every later chunk from the room.

mod budget;
mod context;
mod lease;
mod question;
mod registry;
mod run;

pub use context::{Context, build as build_context, estimate_tokens};
pub use question::QuestionWrite;
pub use registry::{Model, ModelRegistry};
pub use run::HISTORY_WINDOW;

use question::{Question, Standing};

use crate::accounts::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::events::RoomEvents;
use crate::writer::MessageWriter;
use chatbot_domain::{AiMode, MessageId, MessageRole, RoomId, UserId};
use chatbot_llm::RetryPolicy;
use chatbot_store::{Message, NewMessage, Room, Store};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

/// Limits and behaviour of the engine (each a setting).
#[derive(Debug, Clone)]
pub struct AnswerSettings {
    /// `@name` mentions that call the assistant in `mention` rooms (`@ai` always works).
    pub assistant_name: String,
    /// Answers generated at once, server-wide.
    pub global_concurrency: usize,
    /// Answers generated at once for one user's questions.
    pub per_user_concurrency: usize,
    /// Answers waiting per room; beyond it an answer is refused (the message is still stored).
    pub queue_per_room: usize,
    /// Answers waiting for one user's questions, all rooms together; beyond it likewise.
    pub queue_per_user: usize,
    /// How often partial text is written to the database while streaming.
    pub flush_interval: Duration,
    /// Output tokens asked of the model per answer.
    pub max_output_tokens: u32,
    /// Per-user daily budgets (UTC day); `None` = unlimited.
    pub daily_token_budget: Option<u64>,
    pub daily_cost_budget: Option<u64>,
    pub retry: RetryPolicy,
    /// Answer leases shared by every instance (`REDIS_URL`): one answer per room and the
    /// per-user concurrency hold across instances.
    pub shared: Option<chatbot_redis::shared::Shared>,
}

/// An answer in progress, as a late joiner needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamingAnswer {
    pub message_id: MessageId,
    /// The text of chunks `0..next_index`.
    pub content: String,
    pub next_index: u64,
}

/// What to answer.
#[derive(Debug)]
struct Job {
    room: Room,
    question: Question,
    /// Whose budget and per-user limit the answer counts against.
    requester: UserId,
    /// The trace of the request that asked (a Socket.IO `send`, a REST post): the answer's span
    /// becomes its child. An OpenTelemetry context, not the span itself, so the request's span
    /// ends when the request does, not when the answer does.
    origin: opentelemetry::Context,
}

struct Live {
    answer: StreamingAnswer,
    stop: watch::Sender<bool>,
}

#[derive(Default)]
struct RoomState {
    /// A task is answering this room's queue: from the moment a job is queued until the queue is
    /// empty (or shutdown stops it from taking the next), the room stays in the map.
    running: bool,
    queue: VecDeque<Job>,
    live: Option<Live>,
}

pub struct AnswerEngine {
    store: Arc<dyn Store>,
    writer: MessageWriter,
    events: Arc<dyn RoomEvents>,
    models: Arc<ModelRegistry>,
    settings: AnswerSettings,
    global: Arc<Semaphore>,
    /// Per-room queues and in-flight answers. A std mutex: never held across an await.
    rooms: Mutex<HashMap<RoomId, RoomState>>,
    per_user: Mutex<HashMap<UserId, Arc<Semaphore>>>,
    /// Answers queued (not yet running) per requester.
    queued_per_user: Mutex<HashMap<UserId, usize>>,
    budget: budget::Budget,
    /// Set by [`AnswerEngine::shut_down`]: no queued answer starts, and a stop signal means
    /// the grace period is over (the answer ends `interrupted`).
    closing: std::sync::atomic::AtomicBool,
}

impl AnswerEngine {
    pub fn new(
        store: Arc<dyn Store>,
        writer: MessageWriter,
        events: Arc<dyn RoomEvents>,
        models: Arc<ModelRegistry>,
        settings: AnswerSettings,
    ) -> Arc<Self> {
        Arc::new(Self {
            global: Arc::new(Semaphore::new(settings.global_concurrency.max(1))),
            budget: budget::Budget::new(
                store.clone(),
                settings.daily_token_budget,
                settings.daily_cost_budget,
                settings.shared.clone(),
            ),
            store,
            writer,
            events,
            models,
            settings,
            rooms: Mutex::new(HashMap::new()),
            per_user: Mutex::new(HashMap::new()),
            queued_per_user: Mutex::new(HashMap::new()),
            closing: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn models(&self) -> &ModelRegistry {
        &self.models
    }

    fn queued_per_user(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, usize>> {
        self.queued_per_user.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<RoomId, RoomState>> {
        // Every critical section is a few map operations: a poisoned lock holds consistent data.
        self.rooms.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a user message with this text calls for an answer in this room (SPEC §6).
    pub fn wants_answer(&self, room: &Room, content: &str) -> bool {
        match room.ai_mode {
            AiMode::Always => true,
            AiMode::Off => false,
            AiMode::Mention => {
                let text = content.to_lowercase();
                let name = format!("@{}", self.settings.assistant_name.to_lowercase());
                text.contains("@ai") || text.contains(&name)
            }
        }
    }

    /// The assistant's display name.
    pub fn assistant_name(&self) -> &str {
        &self.settings.assistant_name
    }

    /// Queues an answer to a new user message if the room's mode calls for one. The message is
    /// stored already: when no answer can be queued, the refusal is itself an answer in the
    /// room (`failed`, `unavailable`), never a lost message.
    pub fn on_user_message(self: &Arc<Self>, room: &Room, message: &Message) -> ServiceResult<()> {
        if message.role != MessageRole::User || !self.wants_answer(room, &message.content) {
            return Ok(());
        }
        let requester =
            message.user_id.ok_or_else(|| ServiceError::Internal("user message without author".into()))?;
        self.queue_or_refuse(room, Question::stored(message.clone()), requester);
        Ok(())
    }

    /// Queues an answer to a user message that is being stored now, if the room's mode calls
    /// for one: the answer asks the model while the message is committed, and appears in the
    /// room only once it is (decision 033). `None` when no answer is wanted; otherwise the
    /// caller says through the returned [`QuestionWrite`] how the write ended.
    pub fn on_arriving_question(
        self: &Arc<Self>,
        room: &Room,
        message: &NewMessage,
        author_name: &str,
    ) -> Option<QuestionWrite> {
        let requester = message.user_id?;
        if message.role != MessageRole::User || !self.wants_answer(room, &message.content) {
            return None;
        }
        let (question, write) = Question::arriving(message, author_name);
        self.queue_or_refuse(room, question, requester);
        Some(write)
    }

    /// Queues the answer; a refused one (a full queue) still appears in the room, failed.
    fn queue_or_refuse(self: &Arc<Self>, room: &Room, question: Question, requester: UserId) {
        let job = Job { room: room.clone(), question, requester, origin: trace_context() };
        if let Err((err, job)) = self.enqueue(job) {
            tracing::info!(room_id = %room.id, error = %err, "answer refused");
            let engine = self.clone();
            tokio::spawn(async move { engine.refuse(*job, "unavailable").await });
        }
    }

    /// A new answer to the question `answer` replied to (the old answer stays in history: the
    /// new one is another branch). Returns the question.
    pub async fn regenerate(
        self: &Arc<Self>,
        actor: &Actor,
        room: Room,
        answer: MessageId,
    ) -> ServiceResult<MessageId> {
        let old = self.store.message(answer).await?.filter(|m| m.room_id == room.id);
        let old = old.ok_or(ServiceError::NotFound("message"))?;
        if old.role != MessageRole::Assistant {
            return Err(ServiceError::Conflict("only an answer can be regenerated".into()));
        }
        let question = match old.reply_to {
            Some(id) => self.store.message(id).await?.filter(|m| m.room_id == room.id),
            None => None,
        };
        let question = question.ok_or(ServiceError::NotFound("question"))?;
        if question.deleted_at.is_some() {
            return Err(ServiceError::Conflict("the question was deleted".into()));
        }
        let id = question.id;
        let job = Job {
            room,
            question: Question::stored(question),
            requester: actor.id(),
            origin: trace_context(),
        };
        self.enqueue(job).map_err(|(err, _)| err)?;
        Ok(id)
    }

    /// Stops the room's streaming answer `message_id`. Any member may stop an answer.
    pub fn stop(&self, room: RoomId, message_id: MessageId) -> ServiceResult<()> {
        let rooms = self.rooms();
        match rooms.get(&room).and_then(|state| state.live.as_ref()) {
            Some(live) if live.answer.message_id == message_id => {
                live.stop.send_replace(true);
                Ok(())
            }
            _ => Err(ServiceError::NotFound("streaming answer")),
        }
    }

    /// The room's answers in progress (at most one), for a client joining mid-answer.
    pub fn streaming(&self, room: RoomId) -> Vec<StreamingAnswer> {
        self.rooms()
            .get(&room)
            .and_then(|s| s.live.as_ref())
            .map(|live| live.answer.clone())
            .into_iter()
            .collect()
    }

    /// Rooms whose answer is in progress server-wide, counted from the moment its job leaves the
    /// queue: before its row exists and it streams (`live`), shutdown must already wait for it,
    /// or the database is closed under an answer that then cannot store its end.
    pub fn active(&self) -> usize {
        self.rooms().values().filter(|s| s.running).count()
    }

    /// Shutdown: no queued answer starts any more; the answers streaming now get until `grace`
    /// to finish; those still running then end `interrupted` with their text so far, stored and
    /// announced like any end. Returns once every answer has been stored (or, should the
    /// database not answer, a little after the grace period).
    pub async fn shut_down(&self, grace: Duration) {
        use std::sync::atomic::Ordering;
        self.closing.store(true, Ordering::Release);
        let deadline = tokio::time::Instant::now() + grace;
        while self.active() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let interrupted = {
            let rooms = self.rooms();
            let mut count = 0;
            for live in rooms.values().filter_map(|state| state.live.as_ref()) {
                live.stop.send_replace(true);
                count += 1;
            }
            count
        };
        if interrupted > 0 {
            tracing::warn!(interrupted, "shutdown grace period over: streaming answers end `interrupted`");
        }
        let stored_by = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.active() > 0 && tokio::time::Instant::now() < stored_by {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Queues the job; a refused one comes back with the reason.
    fn enqueue(self: &Arc<Self>, job: Job) -> Result<(), (ServiceError, Box<Job>)> {
        let room_id = job.room.id;
        let requester = job.requester;
        let start = {
            let mut rooms = self.rooms();
            let state = rooms.entry(room_id).or_default();
            if state.queue.len() >= self.settings.queue_per_room {
                let err = ServiceError::Unavailable("too many answers are waiting in this room".into());
                return Err((err, Box::new(job)));
            }
            // Lock order: rooms, then the per-user counts (never the other way round).
            let mut queued = self.queued_per_user();
            let mine = queued.entry(requester).or_insert(0);
            if *mine >= self.settings.queue_per_user {
                let err = ServiceError::Unavailable("too many of your answers are waiting".into());
                return Err((err, Box::new(job)));
            }
            *mine += 1;
            state.queue.push_back(job);
            !std::mem::replace(&mut state.running, true)
        };
        if start {
            let engine = self.clone();
            tokio::spawn(async move { engine.drain(room_id).await });
        }
        Ok(())
    }

    /// Runs the room's queued answers one after another, then retires.
    async fn drain(self: Arc<Self>, room: RoomId) {
        loop {
            let job = {
                let mut rooms = self.rooms();
                let Some(state) = rooms.get_mut(&room) else { return };
                // Shutting down: what has not started stays unanswered (the questions are
                // stored; `regenerate` asks again).
                if self.closing.load(std::sync::atomic::Ordering::Acquire) {
                    rooms.remove(&room);
                    return;
                }
                match state.queue.pop_front() {
                    Some(job) => {
                        let mut queued = self.queued_per_user();
                        if let Some(mine) = queued.get_mut(&job.requester) {
                            *mine = mine.saturating_sub(1);
                            if *mine == 0 {
                                queued.remove(&job.requester);
                            }
                        }
                        job
                    }
                    None => {
                        rooms.remove(&room);
                        return;
                    }
                }
            };
            self.answer(job).await;
        }
    }

    fn user_permits(&self, user: UserId) -> Arc<Semaphore> {
        let mut per_user = self.per_user.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        prune_idle(&mut per_user);
        per_user
            .entry(user)
            .or_insert_with(|| Arc::new(Semaphore::new(self.settings.per_user_concurrency.max(1))))
            .clone()
    }

    fn set_live(&self, room: RoomId, live: Option<Live>) {
        if let Some(state) = self.rooms().get_mut(&room) {
            state.live = live;
        }
    }

    /// Records a streamed chunk for late joiners.
    fn push_chunk(&self, room: RoomId, text: &str) -> u64 {
        let mut rooms = self.rooms();
        match rooms.get_mut(&room).and_then(|s| s.live.as_mut()) {
            Some(live) => {
                live.answer.content.push_str(text);
                live.answer.next_index += 1;
                live.answer.next_index - 1
            }
            None => 0,
        }
    }
}

/// Users' permit pools kept before idle ones are dropped.
const PERMIT_POOLS_KEPT: usize = 1024;

/// Drops the permit pools nobody holds a permit of (the map's own reference is the only one),
/// once there are many: a pool per user who ever asked would otherwise stay forever.
fn prune_idle<K>(pools: &mut HashMap<K, Arc<Semaphore>>) {
    if pools.len() >= PERMIT_POOLS_KEPT {
        pools.retain(|_, pool| Arc::strong_count(pool) > 1);
    }
}

/// The current span's trace context (empty when no trace exporter is installed).
fn trace_context() -> opentelemetry::Context {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    tracing::Span::current().context()
}

#[cfg(test)]
mod pool_tests {
    use super::*;

    #[test]
    fn idle_permit_pools_are_dropped_and_busy_ones_kept() {
        let mut pools: HashMap<usize, Arc<Semaphore>> =
            (0..PERMIT_POOLS_KEPT).map(|i| (i, Arc::new(Semaphore::new(1)))).collect();
        let busy = pools[&7].clone(); // an answer in flight holds its user's pool
        prune_idle(&mut pools);
        assert_eq!(pools.len(), 1);
        assert!(Arc::ptr_eq(&pools[&7], &busy));
        drop(busy);
    }
}
