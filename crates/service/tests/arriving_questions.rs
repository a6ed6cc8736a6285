//! Answers that start while their question is being committed (decision 033): the model is asked
//! before the commit, the room sees the question first and the answer after it, and an answer
//! whose question was not stored (a failed write, a retry of a stored message) never appears.

mod common;

use chatbot_domain::{MessageId, MessageRole, MessageStatus, RoomId, UserId};
use chatbot_llm::{
    ChatRequest, EventStream, FinishReason, LlmError, ModelInfo, Provider, StreamEvent, Usage,
};
use chatbot_service::{
    AnswerEngine, AnswerUsage, MessageWriter, Model, ModelRegistry, RoomEvents, WriterSettings,
};
use chatbot_store::{Appended, HistoryQuery, Message, NewMessage, Room, Store};
use chatbot_test_support::TempDatabase;
use futures_util::StreamExt as _;
use sqlx::Connection as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A model that reports each request it gets, answers `ok`, and notes when the answer's stream
/// is dropped (how an answer closes its upstream request).
struct Recording {
    requests: mpsc::UnboundedSender<ChatRequest>,
    dropped: Arc<AtomicBool>,
    /// The stream waits this long before its text, so a test can see it dropped mid-request.
    first_token: Duration,
}

/// Sets its flag when the stream that owns it is dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl Provider for Recording {
    fn name(&self) -> &'static str {
        "openai"
    }

    async fn stream(&self, request: ChatRequest) -> Result<EventStream, LlmError> {
        let _ = self.requests.send(request);
        let (flag, wait) = (DropFlag(self.dropped.clone()), self.first_token);
        let events = [
            StreamEvent::Text("ok".into()),
            StreamEvent::Usage(Usage { input_tokens: 5, output_tokens: 1, ..Usage::default() }),
            StreamEvent::Finished(FinishReason::Stop),
        ];
        let stream = futures_util::stream::iter(events).enumerate().then(move |(i, event)| {
            let _owned = &flag; // the stream owns the flag: dropping it sets the flag
            async move {
                if i == 0 {
                    tokio::time::sleep(wait).await;
                }
                Ok(event)
            }
        });
        Ok(stream.boxed())
    }
}

/// What the room was told, in order.
#[derive(Default)]
struct Told(Mutex<Vec<(&'static str, MessageId)>>);

impl Told {
    fn seen(&self) -> Vec<(&'static str, MessageId)> {
        self.0.lock().expect("events lock").clone()
    }

    fn push(&self, what: &'static str, id: MessageId) {
        self.0.lock().expect("events lock").push((what, id));
    }
}

impl RoomEvents for Told {
    fn message_stored(&self, message: &Message) {
        self.push("message", message.id);
    }
    fn answer_started(&self, answer: &Message) {
        self.push("start", answer.id);
    }
    fn answer_chunk(&self, _: RoomId, answer: MessageId, _: u64, _: &str) {
        self.push("chunk", answer);
    }
    fn answer_finished(&self, answer: &Message, _: AnswerUsage) {
        self.push("end", answer.id);
    }
    fn member_added(&self, _: RoomId, _: UserId) {}
    fn member_removed(&self, _: RoomId, _: UserId) {}
    fn room_deleted(&self, _: RoomId) {}
}

struct World {
    store: Arc<dyn Store>,
    engine: Arc<AnswerEngine>,
    writer: MessageWriter,
    told: Arc<Told>,
    requests: mpsc::UnboundedReceiver<ChatRequest>,
    dropped: Arc<AtomicBool>,
    room: Room,
    author: UserId,
}

async fn world(db: &TempDatabase, first_token: Duration) -> World {
    let store = chatbot_store::open(&db.options()).await.expect("store opens");
    let (author, room) = common::author_and_room(store.as_ref()).await;
    let told = Arc::new(Told::default());
    let writer = MessageWriter::spawn(store.clone(), told.clone(), WriterSettings::default());
    let (requests_tx, requests) = mpsc::unbounded_channel();
    let dropped = Arc::new(AtomicBool::new(false));
    let provider = Recording { requests: requests_tx, dropped: dropped.clone(), first_token };
    let model = Model { info: ModelInfo::demo("recording"), provider: Arc::new(provider) };
    let models = Arc::new(ModelRegistry::new(vec![model]).expect("one model"));
    let engine =
        AnswerEngine::new(store.clone(), writer.clone(), told.clone(), models, common::answer_settings());
    World { store, engine, writer, told, requests, dropped, room, author }
}

fn question(world: &World, content: &str, client_id: Option<&str>) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        room_id: world.room.id,
        user_id: Some(world.author),
        role: MessageRole::User,
        content: content.into(),
        status: MessageStatus::Complete,
        model: None,
        reply_to: None,
        client_id: client_id.map(str::to_owned),
    }
}

async fn next_request(requests: &mut mpsc::UnboundedReceiver<ChatRequest>) -> ChatRequest {
    tokio::time::timeout(Duration::from_secs(20), requests.recv())
        .await
        .expect("the model is asked")
        .expect("the provider is alive")
}

/// Waits until no answer is in progress (each test's answers end on their own).
async fn settled(engine: &AnswerEngine) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while engine.active() > 0 {
        assert!(Instant::now() < deadline, "the answer never ended");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn history(world: &World) -> Vec<Message> {
    let newest = HistoryQuery { before: None, after: None, limit: 50 };
    world.store.list_messages(world.room.id, newest).await.expect("history")
}

/// The user turns of a request, as the model reads them.
fn user_text(request: &ChatRequest) -> String {
    request.messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n")
}

/// PostgreSQL, because a table lock holds the question's commit for as long as the test likes,
/// while reads go on: the answer must ask the model inside that window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_is_asked_while_the_question_commits_and_the_answer_appears_after_it() {
    let db = TempDatabase::postgres().await;
    let mut world = world(&db, Duration::ZERO).await;
    let earlier = question(&world, "an earlier message", None);
    world.store.append_message(earlier).await.expect("earlier message");

    let mut holder = sqlx::PgConnection::connect(&db.url).await.expect("second connection");
    sqlx::query("BEGIN").execute(&mut holder).await.expect("begin");
    sqlx::query("LOCK TABLE messages IN EXCLUSIVE MODE").execute(&mut holder).await.expect("lock");

    let asked = question(&world, "what is the answer?", Some("c-1"));
    let write = world.engine.on_arriving_question(&world.room, &asked, "ada").expect("an answer is wanted");
    let committing = tokio::spawn({
        let (writer, asked) = (world.writer.clone(), asked.clone());
        async move { writer.append(asked).await }
    });
    let request = next_request(&mut world.requests).await;
    assert!(!committing.is_finished(), "the question committed before the model was asked");
    let text = user_text(&request);
    assert_eq!(text.matches("what is the answer?").count(), 1, "the question once: {text}");
    assert!(text.contains("an earlier message"), "the history before it: {text}");
    assert!(world.told.seen().is_empty(), "nothing reaches the room before the question commits");

    sqlx::query("ROLLBACK").execute(&mut holder).await.expect("unlock");
    let stored = committing.await.expect("append task").expect("the question is stored");
    let Appended::Created(stored) = stored else { panic!("a new question is created") };
    write.stored(&stored);
    settled(&world.engine).await;

    let answer = history(&world).await.into_iter().find(|m| m.role == MessageRole::Assistant);
    let answer = answer.expect("the answer is stored");
    assert_eq!((answer.reply_to, answer.status), (Some(stored.id), MessageStatus::Complete));
    assert_eq!(answer.content, "ok");
    assert!(answer.seq > stored.seq);
    let seen = world.told.seen();
    assert_eq!(
        seen,
        vec![
            ("message", stored.id),
            ("message", answer.id), // its row, `streaming` (announced by `start`)
            ("start", answer.id),
            ("chunk", answer.id),
            ("end", answer.id)
        ],
        "the question, then its answer"
    );
}

#[tokio::test]
async fn an_answer_whose_question_was_not_stored_never_appears_and_closes_its_request() {
    let db = TempDatabase::sqlite();
    let mut world = world(&db, Duration::from_secs(30)).await;
    let asked = question(&world, "lost question", None);
    let write = world.engine.on_arriving_question(&world.room, &asked, "ada").expect("an answer is wanted");
    next_request(&mut world.requests).await;
    assert!(!world.dropped.load(Ordering::SeqCst));

    write.not_stored(); // the question's write failed
    settled(&world.engine).await;
    assert!(world.dropped.load(Ordering::SeqCst), "the model's request is closed");
    assert!(history(&world).await.is_empty(), "no answer row");
    assert!(world.told.seen().is_empty(), "nothing reached the room");
}

#[tokio::test]
async fn a_question_committed_already_bounds_the_history_its_answer_reads() {
    let db = TempDatabase::sqlite();
    let mut world = world(&db, Duration::ZERO).await;
    // The question's commit is visible when the answer reads (the commit raced ahead of the
    // answer), and a later message is stored after it: the model sees the question last.
    let asked = question(&world, "the question", None);
    let stored = world.store.append_message(asked.clone()).await.expect("question").into_message();
    world.store.append_message(question(&world, "said after it", None)).await.expect("later message");
    let write = world.engine.on_arriving_question(&world.room, &asked, "ada").expect("an answer is wanted");

    let request = next_request(&mut world.requests).await;
    let text = user_text(&request);
    assert_eq!(text.matches("the question").count(), 1, "the question once: {text}");
    assert!(!text.contains("said after it"), "nothing after the question: {text}");

    write.stored(&stored);
    settled(&world.engine).await;
    let answers = history(&world).await.into_iter().filter(|m| m.role == MessageRole::Assistant).count();
    assert_eq!(answers, 1);
}

#[tokio::test]
async fn a_retry_of_a_stored_question_does_not_ask_the_model() {
    let db = TempDatabase::sqlite();
    let mut world = world(&db, Duration::ZERO).await;
    let first = question(&world, "asked once", Some("retry-1"));
    world.store.append_message(first.clone()).await.expect("the first send");

    // The same send again (a lost ack): the store will find it a duplicate.
    let retry = NewMessage { id: MessageId::new(), ..first };
    let write = world.engine.on_arriving_question(&world.room, &retry, "ada").expect("an answer is wanted");
    let asked = tokio::time::timeout(Duration::from_millis(500), world.requests.recv()).await;
    assert!(asked.is_err(), "the model was asked for a retry: {asked:?}");
    write.not_stored();
    settled(&world.engine).await;
    assert_eq!(history(&world).await.len(), 1, "only the first send");
    assert!(world.told.seen().is_empty());
}
