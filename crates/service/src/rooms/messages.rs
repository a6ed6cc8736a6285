//! Messages in rooms: posting, history, joining with catch-up, read positions, and the answers
//! they start. The same service as [`super`] (`impl RoomService`), split by subject.

use super::*;

/// A stored message and whether this call created it (`false`: an idempotent retry).
#[derive(Debug, Clone)]
pub struct PostedMessage {
    pub message: Message,
    pub created: bool,
}

/// What a socket receives when it joins a room.
#[derive(Debug, Clone)]
pub struct JoinSnapshot {
    pub summary: RoomSummary,
    /// The first members by user id, at most `JOIN_MEMBERS`; page the rest over REST.
    pub members: Vec<Member>,
    /// With `since`: the messages after it, oldest first, at most `JOIN_HISTORY`. Without: the
    /// newest `JOIN_HISTORY`, oldest first.
    pub messages: Vec<Message>,
    /// More messages after `since` than fit: page the rest over REST.
    pub has_more: bool,
    /// True when this join made the user a member (a public room).
    pub joined_now: bool,
}

/// Most members listed in a join snapshot (SPEC §3).
pub const JOIN_MEMBERS: u32 = 100;
/// Most messages in a join snapshot (SPEC §3).
pub const JOIN_HISTORY: u32 = 200;

impl RoomService {
    pub async fn messages(
        &self,
        actor: &Actor,
        room_id: RoomId,
        query: HistoryQuery,
    ) -> ServiceResult<Vec<Message>> {
        self.membership(actor, room_id).await?;
        let query = HistoryQuery { limit: query.limit.clamp(1, self.settings.max_page), ..query };
        Ok(self.store.list_messages(room_id, query).await?)
    }

    /// Stores a user's message, durably, before returning. The same `client_id` again returns the
    /// first message (`created: false`) and stores nothing.
    pub async fn post_message(
        &self,
        actor: &Actor,
        room_id: RoomId,
        content: &str,
        client_id: Option<&str>,
    ) -> ServiceResult<PostedMessage> {
        let content = MessageContent::parse(content, self.settings.max_message_bytes)?;
        let client_id =
            client_id.map(|id| ClientId::parse(id, self.settings.max_client_id_chars)).transpose()?;
        if let ThrottleDecision::Deny { retry_after } =
            self.send_limit.try_acquire(&actor.id().to_string()).await
        {
            return Err(ServiceError::RateLimited {
                message: "you are sending messages too fast",
                retry_after,
            });
        }
        let room = self.room_if_member(room_id, actor.id()).await?;
        let new = NewMessage {
            id: MessageId::new(),
            room_id,
            user_id: Some(actor.id()),
            role: MessageRole::User,
            content: content.into_inner(),
            status: MessageStatus::Complete,
            model: None,
            reply_to: None,
            client_id: client_id.map(ClientId::into_inner),
        };
        // The answer starts now, beside the commit, and appears once the message is stored
        // (decision 033).
        let answering = self.answers.on_arriving_question(&room, &new, &actor.user.name);
        let appended = self.writer.append(new).await;
        let tell = |stored: Option<&Message>| {
            if let Some(answering) = answering {
                match stored {
                    Some(message) => answering.stored(message),
                    None => answering.not_stored(),
                }
            }
        };
        Ok(match appended {
            Ok(Appended::Created(message)) => {
                tell(Some(&message));
                PostedMessage { message, created: true }
            }
            Ok(Appended::Duplicate(message)) => {
                tell(None);
                if message.room_id != room_id {
                    return Err(ServiceError::Conflict("clientId was already used for another room".into()));
                }
                PostedMessage { message, created: false }
            }
            Err(err) => {
                tell(None);
                return Err(err);
            }
        })
    }

    /// The answers streaming in a room (call after the socket joined it: see `join`).
    pub fn streaming(&self, room_id: RoomId) -> Vec<StreamingAnswer> {
        self.answers.streaming(room_id)
    }

    /// Stops a streaming answer; any member may.
    pub async fn stop_answer(
        &self,
        actor: &Actor,
        room_id: RoomId,
        message_id: MessageId,
    ) -> ServiceResult<()> {
        self.membership(actor, room_id).await?;
        self.answers.stop(room_id, message_id)
    }

    /// Stops the answer if this instance is generating it (asked by another instance, which
    /// checked the member's right to); false when it is not streaming here.
    pub fn stop_here(&self, room_id: RoomId, message_id: MessageId) -> bool {
        self.answers.stop(room_id, message_id).is_ok()
    }

    /// Whether the answer is stored as still streaming in that room (generated on some
    /// instance): checked before a stop is relayed to the others.
    pub async fn streaming_stored(
        &self,
        actor: &Actor,
        room_id: RoomId,
        message_id: MessageId,
    ) -> ServiceResult<bool> {
        self.membership(actor, room_id).await?;
        Ok(matches!(
            self.store.message(message_id).await?,
            Some(m) if m.room_id == room_id && m.status == MessageStatus::Streaming
        ))
    }

    /// Asks for a new answer to the question `answer_id` answered.
    pub async fn regenerate(
        &self,
        actor: &Actor,
        room_id: RoomId,
        answer_id: MessageId,
    ) -> ServiceResult<()> {
        self.membership(actor, room_id).await?;
        let room = self.room(room_id).await?;
        let question = self.answers.regenerate(actor, room, answer_id).await?;
        // The new answer is a new branch, and the room follows the newest from now on.
        self.store.set_active_reply(question, None).await?;
        Ok(())
    }

    /// Up to `limit` messages around `seq` (it included, about half before it): where a search
    /// result opens its room.
    pub async fn messages_around(
        &self,
        actor: &Actor,
        room_id: RoomId,
        seq: i64,
        limit: u32,
    ) -> ServiceResult<Vec<Message>> {
        self.membership(actor, room_id).await?;
        let limit = limit.clamp(1, self.settings.max_page);
        let older = HistoryQuery { before: Some(seq.saturating_add(1)), after: None, limit: limit / 2 + 1 };
        let mut messages = self.store.list_messages(room_id, older).await?;
        let rest = limit.saturating_sub(u32::try_from(messages.len()).unwrap_or(limit));
        if rest > 0 {
            let newer = HistoryQuery { before: None, after: Some(seq), limit: rest };
            messages.extend(self.store.list_messages(room_id, newer).await?);
        }
        Ok(messages)
    }

    /// Joins a room for live updates: the room, its first members and the history the caller
    /// missed. Joining a public room you are not in makes you a member; any other room you are
    /// not a member of does not exist (404).
    pub async fn join(
        &self,
        actor: &Actor,
        room_id: RoomId,
        since: Option<i64>,
    ) -> ServiceResult<JoinSnapshot> {
        let seen = self.access.generation();
        let (summary, joined_now) = match self.store.room_for_member(room_id, actor.id()).await? {
            Some(summary) => {
                // A member who joins usually sends next: their first `send` needs no read either.
                self.access.fill(seen, &summary.room, actor.id());
                (summary, false)
            }
            None => {
                self.add_member(actor, room_id, MemberRef::Id(actor.id())).await?;
                (self.summary(actor, room_id).await?, true)
            }
        };
        let mut members = self.store.list_members(room_id, None, JOIN_MEMBERS).await?;
        withhold_emails(actor, room_id, summary.my_role, &mut members);
        let budget = self.settings.join_history_bytes;
        let (messages, has_more) = match since {
            Some(since) => {
                let query = HistoryQuery { before: None, after: Some(since.max(0)), limit: JOIN_HISTORY + 1 };
                let mut messages = self.store.list_messages(room_id, query).await?;
                let mut has_more = messages.len() > JOIN_HISTORY as usize;
                messages.truncate(JOIN_HISTORY as usize);
                // Contiguous from `since`: the newest that do not fit are paged forward.
                let fit = fitting(messages.iter(), budget);
                has_more |= fit < messages.len();
                messages.truncate(fit);
                (messages, has_more)
            }
            None => {
                let query = HistoryQuery { before: None, after: None, limit: JOIN_HISTORY };
                let mut messages = self.store.list_messages(room_id, query).await?;
                // Ending at the newest: the oldest that do not fit are paged backwards.
                let fit = fitting(messages.iter().rev(), budget);
                messages.drain(..messages.len() - fit);
                (messages, false)
            }
        };
        Ok(JoinSnapshot { summary, members, messages, has_more, joined_now })
    }

    /// The seq of a message in a room the caller belongs to (for read markers by message id).
    pub async fn seq_of(&self, actor: &Actor, room_id: RoomId, message_id: MessageId) -> ServiceResult<i64> {
        self.membership(actor, room_id).await?;
        match self.store.message(message_id).await? {
            Some(message) if message.room_id == room_id => Ok(message.seq),
            _ => Err(ServiceError::NotFound("message")),
        }
    }

    /// Marks the room read up to `seq` for this user; returns the stored position.
    pub async fn mark_read(&self, actor: &Actor, room_id: RoomId, seq: i64) -> ServiceResult<i64> {
        self.membership(actor, room_id).await?;
        Ok(self.store.mark_read(room_id, actor.id(), seq.max(0)).await?)
    }
}

/// How many of `messages`, taken in order, fit in `budget` bytes of text: at least one, so a
/// single message larger than the budget still arrives.
fn fitting<'a>(messages: impl Iterator<Item = &'a Message>, budget: usize) -> usize {
    let mut used = 0usize;
    let mut count = 0;
    for message in messages {
        used = used.saturating_add(message.content.len());
        if used > budget && count > 0 {
            break;
        }
        count += 1;
    }
    count
}
