//! A [`Store`] that keeps in memory what every answer reads before it asks the model: its room's
//! newest messages ([`Store::prompt_history`]) and its requester's spending today
//! ([`Store::usage_on_day`]). Each read costs a round trip to the database's worker thread or
//! server (0.7–2.8 ms measured between an answer's start and the end of both reads, while the
//! database itself took 15–400 µs), and the answer's first token waited for both
//! (docs/decisions/035-recent-history-in-memory.md). Beside them, each live session's reading
//! ([`Store::authenticate_with_rooms`]), which every socket's handshake and, for its user, every
//! REST request's authentication reads (docs/decisions/038-handshakes-from-memory.md).
//!
//! What is kept is filled by one read, then kept current by the writes that pass through this
//! store: so it is right only while every write to those rows does. One process, one database:
//! the server installs it only when it runs alone (no `REDIS_URL`), since other instances' writes
//! would not pass through it. Any write that may or may not have committed (an error other than
//! "not found" or a conflict) drops what it may have touched.

mod history;
mod sessions;
mod slots;
mod spending;

use crate::error::{StoreError, StoreResult};
use crate::records::*;
use crate::store::Store;
use chatbot_domain::{AiMode, MemberRole, MessageId, MessageStatus, RoomId, SessionId, UserId, UserRole};
use chatbot_metrics::metrics;
use history::{Histories, Lookup, Window};
use sessions::Sessions;
use slots::Found;
use spending::{Spending, today};
use std::sync::Arc;
use time::OffsetDateTime;

/// How much [`recent`] keeps.
#[derive(Debug, Clone, Copy)]
pub struct RecentSettings {
    /// Messages kept per room: at least what answers read (a larger read is passed through).
    pub history_window: u32,
    /// Bytes of history kept over all rooms (estimated); the rooms used least recently go first.
    pub history_bytes: usize,
    /// How long a user's spending is trusted before it is read again (a budget set from the
    /// command line is seen within it); [`SPENDING_READ_AGAIN_AFTER`] unless a test is quicker.
    pub spending_read_again_after: std::time::Duration,
    /// How long a session's handshake reading is trusted before it is read again (a session
    /// ended or an account deactivated from the command line is seen within it);
    /// [`SESSION_READ_AGAIN_AFTER`] unless a test is quicker.
    pub session_read_again_after: std::time::Duration,
}

pub use sessions::READ_AGAIN_AFTER as SESSION_READ_AGAIN_AFTER;
pub use spending::READ_AGAIN_AFTER as SPENDING_READ_AGAIN_AFTER;

/// `inner`, with answers' history and spending reads, and sessions' readings, served from memory
/// (see the module docs: only where every write to the database passes through the returned
/// store).
pub fn recent(inner: Arc<dyn Store>, settings: RecentSettings) -> Arc<dyn Store> {
    let window = usize::try_from(settings.history_window).unwrap_or(usize::MAX);
    Arc::new(Recent {
        inner,
        histories: Histories::new(window, settings.history_bytes),
        spending: Arc::new(Spending::reading_again_after(settings.spending_read_again_after)),
        sessions: Arc::new(Sessions::reading_again_after(settings.session_read_again_after)),
    })
}

struct Recent {
    inner: Arc<dyn Store>,
    histories: Histories,
    /// Shared with the background reads that refresh it.
    spending: Arc<Spending>,
    /// Shared with the background reads that refresh it.
    sessions: Arc<Sessions>,
}

/// Whether a failed write may have committed: "not found" and "conflict" are answered before
/// anything is written; anything else (a lost connection during the commit, say) may not be.
fn may_have_written(err: &StoreError) -> bool {
    !matches!(err, StoreError::NotFound | StoreError::Conflict(_))
}

/// Gives a fill's slot back if the read that fills it is dropped before it ends.
struct FillGuard<F: FnMut()> {
    abandon: Option<F>,
}

impl<F: FnMut()> FillGuard<F> {
    fn disarm(&mut self) {
        self.abandon = None;
    }
}

impl<F: FnMut()> Drop for FillGuard<F> {
    fn drop(&mut self) {
        if let Some(abandon) = self.abandon.as_mut() {
            abandon();
        }
    }
}

/// Reads the user's spending and keeps it under `ticket` (a first fill or a refresh); a failed or
/// cancelled read gives the ticket back.
async fn fill_spending(
    inner: &dyn Store,
    spending: &Spending,
    user_id: UserId,
    day: &str,
    ticket: u64,
) -> StoreResult<UsageTotals> {
    let mut guard = FillGuard { abandon: Some(|| spending.abandon(user_id, ticket)) };
    let totals = inner.usage_on_day(user_id, day).await?;
    guard.disarm();
    spending.fill(user_id, ticket, day, totals);
    Ok(totals)
}

/// Reads the session's handshake reading and keeps it under `ticket` (a first fill or a refresh);
/// a failed or cancelled read gives the ticket back.
async fn fill_session(
    inner: &dyn Store,
    sessions: &Sessions,
    (user_id, family_id): (UserId, SessionId),
    ticket: u64,
) -> StoreResult<Option<Authenticated>> {
    let mut guard = FillGuard { abandon: Some(|| sessions.abandon(user_id, family_id, ticket)) };
    let read = inner.authenticate_with_rooms(user_id, family_id, OffsetDateTime::now_utc()).await?;
    guard.disarm();
    sessions.fill(user_id, family_id, ticket, read.as_ref());
    Ok(read)
}

impl Recent {
    /// A batch of message writes failed as a whole: what it touched is dropped.
    fn appends_failed(&self, rooms: &[RoomId], err: &StoreError) {
        if may_have_written(err) {
            for room in rooms {
                self.histories.forget(*room);
            }
        }
    }

    /// A write to a message of an unknown room failed: if it may have committed, nothing kept
    /// can be trusted to match it.
    fn message_write_failed(&self, err: &StoreError) {
        if may_have_written(err) {
            self.histories.forget_all();
        }
    }

    /// Reads the user's spending again in a task of its own, while the kept entry is served (see
    /// the spending module's documentation): the answer that found the entry old does not wait.
    fn refresh_spending(&self, user_id: UserId, day: &str, ticket: u64) {
        let (inner, spending, day) = (Arc::clone(&self.inner), Arc::clone(&self.spending), day.to_owned());
        tokio::spawn(async move {
            if let Err(err) = fill_spending(&*inner, &spending, user_id, &day, ticket).await {
                tracing::warn!(error = %err, "refreshing a user's spending failed; read again when needed");
            }
        });
    }

    /// Reads the session again in a task of its own, while the kept reading is served: the
    /// connect that found it old does not wait.
    fn refresh_session(&self, key: (UserId, SessionId), ticket: u64) {
        let (inner, sessions) = (Arc::clone(&self.inner), Arc::clone(&self.sessions));
        tokio::spawn(async move {
            if let Err(err) = fill_session(&*inner, &sessions, key, ticket).await {
                tracing::warn!(error = %err, "refreshing a session failed; read again when needed");
            }
        });
    }

    /// A session write that failed: if it may have committed, its reach is not known here.
    fn session_write_failed(&self, err: &StoreError) {
        if may_have_written(err) {
            self.sessions.forget_all();
        }
    }

    fn usage_write_failed(&self, user: Option<UserId>, err: &StoreError) {
        if let (Some(user), true) = (user, may_have_written(err)) {
            self.spending.forget(user);
        }
    }
}

/// The `Store` impl: the methods this store handles (`[…]`, first), and every other method of the
/// trait ([`crate::forwarded`]) passed through. The methods handled are named here once more, so
/// that they are not passed through as well: one named here and not handled, or handled and not
/// named, does not compile.
macro_rules! recent_methods {
    ([$($own:tt)*] $($list:tt)*) => {
        recent_methods!(@munch [$($own)*] [] $($list)*);
    };
    (@munch [$($own:tt)*] [$($kept:tt)*]) => {
        #[async_trait::async_trait]
        impl Store for Recent {
            fn backend(&self) -> &'static str {
                self.inner.backend()
            }

            async fn close(&self) {
                self.inner.close().await;
            }

            $($kept)*

            $($own)*
        }
    };
    (@munch $own:tt $kept:tt fn prompt_history $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn usage_on_day $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn append_message $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn append_messages $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn update_message $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn finish_answer $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn write_answers $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn edit_message $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn delete_message $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn set_active_reply $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn interrupt_streaming $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn create_room $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn update_room $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn create_user $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn delete_room $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn record_usage $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn set_user_budget $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn authenticate $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn authenticate_with_rooms $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn set_user_role $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn set_user_active $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn record_login $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn rotate_session_with_grace $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn revoke_session_by_token $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn revoke_family $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn prune_sessions $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn add_member $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn remove_member $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt $kept:tt fn live_sessions $args:tt -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own $kept $($rest)*);
    };
    (@munch $own:tt [$($kept:tt)*] fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty; $($rest:tt)*) => {
        recent_methods!(@munch $own [
            $($kept)*
            async fn $name(&self $(, $arg: $ty)*) -> $ret {
                self.inner.$name($($arg),*).await
            }
        ] $($rest)*);
    };
}

crate::forwarded::store_methods!(recent_methods
        async fn prompt_history(
            &self,
            room_id: RoomId,
            before: Option<i64>,
            limit: u32,
        ) -> StoreResult<Vec<PromptMessage>> {
            let lookup = self.histories.lookup(room_id, before, limit);
            let source = if matches!(lookup, Lookup::Hit(_)) { "memory" } else { "database" };
            metrics().recent_read("history", source);
            let ticket = match lookup {
                Lookup::Hit(found) => return Ok(found),
                Lookup::Pass => return self.inner.prompt_history(room_id, before, limit).await,
                Lookup::Fill(ticket) => ticket,
            };
            let mut guard = FillGuard { abandon: Some(|| self.histories.abandon(room_id, ticket)) };
            let window = self.histories.window();
            let read = self.inner.prompt_history(room_id, None, u32::try_from(window).unwrap_or(u32::MAX)).await?;
            guard.disarm();
            let window = Window::read(read, window);
            let found = window.serve(before, usize::try_from(limit).unwrap_or(usize::MAX));
            self.histories.fill(room_id, ticket, window);
            match found {
                Some(found) => Ok(found),
                None => self.inner.prompt_history(room_id, before, limit).await,
            }
        }

        async fn usage_on_day(&self, user_id: UserId, day: &str) -> StoreResult<UsageTotals> {
            let found = self.spending.lookup(user_id, day);
            let source = if matches!(found, Found::Kept { .. }) { "memory" } else { "database" };
            metrics().recent_read("spending", source);
            let ticket = match found {
                Found::Kept { value: totals, refresh } => {
                    if let Some(ticket) = refresh {
                        self.refresh_spending(user_id, day, ticket);
                    }
                    return Ok(totals);
                }
                Found::Pass => return self.inner.usage_on_day(user_id, day).await,
                Found::Fill(ticket) => ticket,
            };
            fill_spending(&*self.inner, &self.spending, user_id, day, ticket).await
        }

        async fn append_message(&self, new: NewMessage) -> StoreResult<Appended> {
            let room = new.room_id;
            let appended = self.inner.append_message(new).await;
            match &appended {
                Ok(Appended::Created(message)) => self.histories.appended(message),
                Ok(Appended::Duplicate(_)) => {}
                Err(err) => self.appends_failed(&[room], err),
            }
            appended
        }

        async fn append_messages(&self, batch: Vec<NewMessage>) -> StoreResult<Vec<StoreResult<Appended>>> {
            let rooms: Vec<RoomId> = batch.iter().map(|m| m.room_id).collect();
            let results = self.inner.append_messages(batch).await;
            match &results {
                Ok(results) => {
                    for (result, room) in results.iter().zip(&rooms) {
                        match result {
                            Ok(Appended::Created(message)) => self.histories.appended(message),
                            Ok(Appended::Duplicate(_)) => {}
                            Err(err) => self.appends_failed(&[*room], err),
                        }
                    }
                }
                Err(err) => self.appends_failed(&rooms, err),
            }
            results
        }

        async fn update_message(
            &self,
            id: MessageId,
            content: &str,
            status: MessageStatus,
            error: Option<&str>,
        ) -> StoreResult<Message> {
            let updated = self.inner.update_message(id, content, status, error).await;
            match &updated {
                Ok(message) => self.histories.replaced(message),
                Err(err) => self.message_write_failed(err),
            }
            updated
        }

        async fn finish_answer(
            &self,
            id: MessageId,
            content: &str,
            status: MessageStatus,
            error: Option<&str>,
            usage: Option<NewUsage>,
        ) -> StoreResult<Message> {
            let spent = usage.clone();
            let day_before = today();
            let finished = self.inner.finish_answer(id, content, status, error, usage).await;
            match &finished {
                Ok(message) => {
                    self.histories.replaced(message);
                    if let Some(usage) = &spent {
                        self.spending.spent(usage, &day_before, &today());
                    }
                }
                Err(err) => {
                    self.message_write_failed(err);
                    self.usage_write_failed(spent.and_then(|u| u.user_id), err);
                }
            }
            finished
        }

        async fn write_answers(&self, batch: Vec<AnswerWrite>) -> StoreResult<Vec<StoreResult<AnswerWritten>>> {
            // What each write needs to be followed here: partial texts, and the usage of ends.
            let followed: Vec<(MessageId, Option<String>, Option<NewUsage>)> = batch
                .iter()
                .map(|write| match write {
                    AnswerWrite::Partial { id, content } => (*id, Some(content.clone()), None),
                    AnswerWrite::Finish { id, usage, .. } => (*id, None, usage.as_deref().cloned()),
                })
                .collect();
            let day_before = today();
            let results = self.inner.write_answers(batch).await;
            let day_after = today();
            match &results {
                Ok(results) => {
                    for (result, (id, partial, usage)) in results.iter().zip(&followed) {
                        match result {
                            Ok(AnswerWritten::Partial) => {
                                if let Some(content) = partial {
                                    self.histories.partial(*id, content);
                                }
                            }
                            Ok(AnswerWritten::Finished(message)) => {
                                self.histories.replaced(message);
                                if let Some(usage) = usage {
                                    self.spending.spent(usage, &day_before, &day_after);
                                }
                            }
                            Err(err) => {
                                self.message_write_failed(err);
                                self.usage_write_failed(usage.as_ref().and_then(|u| u.user_id), err);
                            }
                        }
                    }
                }
                Err(err) => {
                    self.message_write_failed(err);
                    for (_, _, usage) in &followed {
                        self.usage_write_failed(usage.as_ref().and_then(|u| u.user_id), err);
                    }
                }
            }
            results
        }

        async fn edit_message(&self, id: MessageId, content: &str, at: OffsetDateTime) -> StoreResult<Message> {
            // An edit also changes the question's answers (the text they answered, the branch
            // followed): the room is read afresh.
            let edited = self.inner.edit_message(id, content, at).await;
            match &edited {
                Ok(message) => self.histories.forget(message.room_id),
                Err(err) => self.message_write_failed(err),
            }
            edited
        }

        async fn delete_message(&self, id: MessageId, at: OffsetDateTime) -> StoreResult<Message> {
            let deleted = self.inner.delete_message(id, at).await;
            match &deleted {
                Ok(message) => self.histories.forget(message.room_id),
                Err(err) => self.message_write_failed(err),
            }
            deleted
        }

        async fn set_active_reply(&self, question: MessageId, answer: Option<MessageId>) -> StoreResult<Message> {
            let chosen = self.inner.set_active_reply(question, answer).await;
            match &chosen {
                Ok(message) => self.histories.replaced(message),
                Err(err) => self.message_write_failed(err),
            }
            chosen
        }

        async fn interrupt_streaming(&self, not_flushed_since: OffsetDateTime) -> StoreResult<Vec<Message>> {
            let swept = self.inner.interrupt_streaming(not_flushed_since).await;
            match &swept {
                Ok(messages) => messages.iter().for_each(|m| self.histories.replaced(m)),
                Err(err) => self.message_write_failed(err),
            }
            swept
        }

        async fn create_room(&self, new: NewRoom, members: &[UserId]) -> StoreResult<Room> {
            let new_owner = new.owner_id;
            let created = self.inner.create_room(new, members).await;
            // Only rooms whose assistant may answer: the others' messages would be kept for
            // nothing (a room switched on later is read at its first answer).
            if let Some(room) = created.as_ref().ok().filter(|room| room.ai_mode != AiMode::Off) {
                self.histories.created(room.id, room.last_seq);
            }
            // Its members' handshakes list it now (tried or not: a failure may have committed).
            for user in members.iter().chain([&new_owner]) {
                self.sessions.forget_user(*user);
            }
            created
        }

        async fn update_room(&self, id: RoomId, patch: RoomPatch) -> StoreResult<Room> {
            let updated = self.inner.update_room(id, patch).await;
            if let Some(room) = updated.as_ref().ok().filter(|room| room.ai_mode == AiMode::Off) {
                self.histories.forget(room.id); // no more answers: nothing to keep its history for
            }
            updated
        }

        async fn create_user(&self, new: NewUser, first_becomes_admin: bool) -> StoreResult<User> {
            let created = self.inner.create_user(new, first_becomes_admin).await;
            if let Ok(user) = &created {
                self.spending.created(user.id);
            }
            created
        }

        async fn delete_room(&self, id: RoomId) -> StoreResult<bool> {
            let deleted = self.inner.delete_room(id).await;
            self.histories.forget(id);
            // Its members are not known here; a room deleted is rare.
            self.sessions.forget_all();
            deleted
        }

        async fn record_usage(&self, usage: NewUsage) -> StoreResult<()> {
            let spent = usage.clone();
            let day_before = today();
            let recorded = self.inner.record_usage(usage).await;
            match &recorded {
                Ok(()) => self.spending.spent(&spent, &day_before, &today()),
                Err(err) => self.usage_write_failed(spent.user_id, err),
            }
            recorded
        }

        async fn set_user_budget(&self, id: UserId, tokens: Option<i64>, cost: Option<i64>) -> StoreResult<User> {
            let set = self.inner.set_user_budget(id, tokens, cost).await;
            self.spending.forget(id);
            self.sessions.forget_user(id); // the user's row, which a handshake reads
            set
        }

        async fn authenticate_with_rooms(
            &self,
            user_id: UserId,
            family_id: SessionId,
            now: OffsetDateTime,
        ) -> StoreResult<Option<Authenticated>> {
            let found = self.sessions.lookup(user_id, family_id);
            let source = if matches!(found, Found::Kept { .. }) { "memory" } else { "database" };
            metrics().recent_read("session", source);
            let ticket = match found {
                Found::Kept { value: authenticated, refresh } => {
                    if let Some(ticket) = refresh {
                        self.refresh_session((user_id, family_id), ticket);
                    }
                    return Ok(Some(*authenticated));
                }
                Found::Pass => return self.inner.authenticate_with_rooms(user_id, family_id, now).await,
                Found::Fill(ticket) => ticket,
            };
            fill_session(&*self.inner, &self.sessions, (user_id, family_id), ticket).await
        }

        async fn authenticate(
            &self,
            user_id: UserId,
            family_id: SessionId,
            now: OffsetDateTime,
        ) -> StoreResult<Option<User>> {
            // A request's authentication is served by the session's kept reading as a handshake
            // is; one not kept is filled by the handshake's read (the user and their rooms).
            if let Some((user, refresh)) = self.sessions.user(user_id, family_id) {
                metrics().recent_read("session", "memory");
                if let Some(ticket) = refresh {
                    self.refresh_session((user_id, family_id), ticket);
                }
                return Ok(Some(user));
            }
            Ok(self.authenticate_with_rooms(user_id, family_id, now).await?.map(|read| read.user))
        }

        async fn set_user_role(&self, id: UserId, role: UserRole) -> StoreResult<User> {
            let set = self.inner.set_user_role(id, role).await;
            self.sessions.forget_user(id);
            set
        }

        async fn set_user_active(&self, id: UserId, active: bool) -> StoreResult<User> {
            let set = self.inner.set_user_active(id, active).await;
            self.sessions.forget_user(id);
            set
        }

        async fn record_login(&self, id: UserId, at: OffsetDateTime) -> StoreResult<()> {
            let recorded = self.inner.record_login(id, at).await;
            self.sessions.forget_user(id);
            recorded
        }

        async fn rotate_session_with_grace(
            &self,
            token_hash: &str,
            next: NewSession,
            now: OffsetDateTime,
            grace: time::Duration,
        ) -> StoreResult<Rotation> {
            let rotated = self.inner.rotate_session_with_grace(token_hash, next, now, grace).await;
            match &rotated {
                // A refresh also sets the user's `last_active_at`; a reuse ends the family.
                Ok(Rotation::Rotated { user_id, .. } | Rotation::Reused { user_id, .. }) => {
                    self.sessions.forget_user(*user_id);
                }
                Ok(Rotation::Expired | Rotation::Unknown) => {}
                Err(err) => self.session_write_failed(err),
            }
            rotated
        }

        async fn revoke_session_by_token(
            &self,
            token_hash: &str,
            now: OffsetDateTime,
        ) -> StoreResult<Option<(UserId, SessionId)>> {
            let revoked = self.inner.revoke_session_by_token(token_hash, now).await;
            match &revoked {
                Ok(Some((user_id, family_id))) => self.sessions.forget(*user_id, *family_id),
                Ok(None) => {}
                Err(err) => self.session_write_failed(err),
            }
            revoked
        }

        async fn revoke_family(&self, user_id: UserId, family_id: SessionId, now: OffsetDateTime) -> StoreResult<bool> {
            let revoked = self.inner.revoke_family(user_id, family_id, now).await;
            self.sessions.forget(user_id, family_id);
            revoked
        }

        async fn prune_sessions(&self, before: OffsetDateTime) -> StoreResult<u64> {
            let pruned = self.inner.prune_sessions(before).await;
            // Pruned rows are of sessions past their end, which a kept reading does not know.
            self.sessions.forget_all();
            pruned
        }

        async fn live_sessions(&self, families: &[SessionId], now: OffsetDateTime) -> StoreResult<Vec<SessionId>> {
            let live = self.inner.live_sessions(families, now).await;
            // The gateway's periodic check found a session ended by another process: new sockets
            // of it are refused from now on, not only once its reading is old.
            if let Ok(live) = &live {
                let live: std::collections::HashSet<&SessionId> = live.iter().collect();
                if families.iter().any(|family| !live.contains(family)) {
                    self.sessions.forget_all();
                }
            }
            live
        }

        async fn add_member(&self, room_id: RoomId, user_id: UserId, role: MemberRole) -> StoreResult<(Member, bool)> {
            let added = self.inner.add_member(room_id, user_id, role).await;
            self.sessions.forget_user(user_id);
            added
        }

        async fn remove_member(&self, room_id: RoomId, user_id: UserId) -> StoreResult<bool> {
            let removed = self.inner.remove_member(room_id, user_id).await;
            self.sessions.forget_user(user_id);
            removed
        }
);
