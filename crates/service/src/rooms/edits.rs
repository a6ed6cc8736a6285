//! Changing what was said: editing and deleting one's own messages, and choosing which answer
//! (branch) of a question the room follows. See docs/conversations.md.

use super::*;
use time::OffsetDateTime;

impl RoomService {
    /// Replaces the text of the caller's own message. When the room's AI mode answers the new
    /// text, it gets a new answer: a new branch beside the answers to the old text, which keep
    /// the text they answered (`prompt`).
    pub async fn edit_message(
        &self,
        actor: &Actor,
        room_id: RoomId,
        message_id: MessageId,
        content: &str,
    ) -> ServiceResult<Message> {
        let content = MessageContent::parse(content, self.settings.max_message_bytes)?;
        let room = self.room_if_member(room_id, actor.id()).await?;
        self.own_message(actor, room_id, message_id, "edited").await?;
        let edited = self.store.edit_message(message_id, content.as_str(), OffsetDateTime::now_utc()).await?;
        self.events.message_changed(&edited);
        if let Err(err) = self.answers.on_user_message(&room, &edited) {
            tracing::warn!(room_id = %room_id, error = %err, "answer to an edited message not queued");
        }
        Ok(edited)
    }

    /// Deletes the caller's own message: a tombstone stays (so `seq` has no gap), its text is
    /// gone from history, search, exports and share links.
    pub async fn delete_message(
        &self,
        actor: &Actor,
        room_id: RoomId,
        message_id: MessageId,
    ) -> ServiceResult<Message> {
        self.membership(actor, room_id).await?;
        self.own_message(actor, room_id, message_id, "deleted").await?;
        let deleted = self.store.delete_message(message_id, OffsetDateTime::now_utc()).await?;
        self.events.message_changed(&deleted);
        Ok(deleted)
    }

    /// Makes `answer_id` the answer its question's room follows (what the web app shows, and
    /// what the model is shown from then on). Any member may. With `question`, the answer must
    /// reply to it (else: not found). Returns the question.
    pub async fn select_branch(
        &self,
        actor: &Actor,
        room_id: RoomId,
        answer_id: MessageId,
        question: Option<MessageId>,
    ) -> ServiceResult<Message> {
        self.membership(actor, room_id).await?;
        let answer = self.message_in_room(room_id, answer_id).await?;
        let question = match (answer.role, answer.reply_to) {
            (MessageRole::Assistant, Some(id)) if question.is_none_or(|q| q == id) => id,
            (MessageRole::Assistant, Some(_)) => {
                return Err(ServiceError::NotFound("answer to that question"));
            }
            _ => return Err(ServiceError::Conflict("only an answer to a question can be selected".into())),
        };
        let question = self.store.set_active_reply(question, Some(answer_id)).await?;
        self.events.branch_selected(room_id, question.id, answer_id);
        Ok(question)
    }

    /// Every answer to a question, in branch order.
    pub async fn replies(
        &self,
        actor: &Actor,
        room_id: RoomId,
        question_id: MessageId,
    ) -> ServiceResult<Vec<Message>> {
        self.membership(actor, room_id).await?;
        self.message_in_room(room_id, question_id).await?;
        Ok(self.store.replies(question_id).await?)
    }

    /// The message, if it is in that room (else: not found, whatever room it is in).
    pub(super) async fn message_in_room(
        &self,
        room_id: RoomId,
        message_id: MessageId,
    ) -> ServiceResult<Message> {
        match self.store.message(message_id).await? {
            Some(message) if message.room_id == room_id => Ok(message),
            _ => Err(ServiceError::NotFound("message")),
        }
    }

    /// The caller's own, not deleted, user message in that room; `what` names the change refused.
    async fn own_message(
        &self,
        actor: &Actor,
        room_id: RoomId,
        message_id: MessageId,
        what: &str,
    ) -> ServiceResult<Message> {
        let message = self.message_in_room(room_id, message_id).await?;
        if message.role != MessageRole::User {
            return Err(ServiceError::Conflict(format!("only people's messages can be {what}")));
        }
        if message.user_id != Some(actor.id()) {
            return Err(ServiceError::Forbidden("only the author may change a message"));
        }
        if message.deleted_at.is_some() {
            return Err(ServiceError::Conflict("the message was deleted".into()));
        }
        Ok(message)
    }
}
