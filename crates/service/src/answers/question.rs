//! The question an answer replies to, which may still be on its way to the database when its
//! answer starts (docs/decisions/033-answers-start-before-the-question-commits.md).
//!
//! Why: a durable commit takes 1–10 ms here, and 50 questions sent at once queue behind each
//! other's commits; an answer that waited for its question's commit before asking the model
//! added all of that to its first token. An answer now asks the model while its question is
//! committed, and waits for the commit only before it appears in the room: the room still sees
//! the question first, and an answer whose question was not stored (a failed write, or the retry
//! of a message stored already) is dropped without ever having appeared.

use chatbot_domain::{MessageId, MessageRole, MessageStatus};
use chatbot_store::{Message, NewMessage, PromptMessage};
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio::sync::oneshot::error::TryRecvError;

/// How an arriving question's write ended: the `seq` it was stored with (all the answer needs
/// of the stored row), or `None` when it was not created (the write failed, or it was a
/// duplicate of a message stored before).
type Landing = oneshot::Receiver<Option<i64>>;

/// Handed to whoever stores a question whose answer has started: say how its write ended.
/// Dropping it unsaid counts as "not stored" (the answer is dropped unseen).
#[derive(Debug)]
pub struct QuestionWrite(oneshot::Sender<Option<i64>>);

impl QuestionWrite {
    /// The question is stored, created by this write: its answer may appear.
    pub fn stored(self, message: &Message) {
        // The answer may have ended already (shutdown): nobody to tell, nothing lost.
        let _ = self.0.send(Some(message.seq));
    }

    /// The question was not created (a duplicate, or a failed write): its answer is dropped.
    pub fn not_stored(self) {
        let _ = self.0.send(None);
    }
}

/// The question of a queued answer.
#[derive(Debug)]
pub(super) struct Question {
    /// The question as stored, or as sent while it arrives (its `seq` is 0 until its write is
    /// heard of).
    pub message: Message,
    /// `Some` while the question's write has not been heard of.
    landing: Option<Landing>,
}

/// Where a question stands when its answer starts or needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    Stored,
    Arriving,
    /// Never stored: the answer is dropped unseen.
    Gone,
}

impl Question {
    /// A question read from or written to the database already.
    pub fn stored(message: Message) -> Self {
        Self { message, landing: None }
    }

    /// A question being written now by the caller, who says how it ended through the returned
    /// [`QuestionWrite`]. `author_name` is shown to the model when several people talk.
    pub fn arriving(new: &NewMessage, author_name: &str) -> (Self, QuestionWrite) {
        let now = OffsetDateTime::now_utc();
        let message = Message {
            id: new.id,
            room_id: new.room_id,
            seq: 0,
            user_id: new.user_id,
            user_name: Some(author_name.to_owned()),
            role: MessageRole::User,
            content: new.content.clone(),
            status: MessageStatus::Complete,
            model: None,
            reply_to: None,
            client_id: new.client_id.clone(),
            error: None,
            created_at: now,
            updated_at: now,
            edited_at: None,
            deleted_at: None,
            prompt: None,
            active_reply: None,
        };
        let (tell, landing) = oneshot::channel();
        (Self { message, landing: Some(landing) }, QuestionWrite(tell))
    }

    pub fn id(&self) -> MessageId {
        self.message.id
    }

    /// Where the question stands now, without waiting.
    pub fn standing(&mut self) -> Standing {
        let Some(landing) = self.landing.as_mut() else { return Standing::Stored };
        match landing.try_recv() {
            Err(TryRecvError::Empty) => Standing::Arriving,
            Ok(Some(seq)) => {
                self.message.seq = seq;
                self.landing = None;
                Standing::Stored
            }
            Ok(None) | Err(TryRecvError::Closed) => Standing::Gone,
        }
    }

    /// Takes out the wait for the question's write: it resolves to whether the question was
    /// stored. Taken out so that the answer can read the question while it waits.
    pub fn take_landing(&mut self) -> impl Future<Output = bool> + Send + use<> {
        let landing = self.landing.take();
        async move {
            match landing {
                None => true,
                Some(landing) => matches!(landing.await, Ok(Some(_))),
            }
        }
    }

    /// The same user sent this `client_id` before, among `history`: the question is a retry,
    /// which the store will find to be a duplicate.
    pub fn is_retry_among(&self, history: &[PromptMessage]) -> bool {
        let q = &self.message;
        q.client_id.is_some()
            && history.iter().any(|m| m.id != q.id && m.user_id == q.user_id && m.client_id == q.client_id)
    }
}
