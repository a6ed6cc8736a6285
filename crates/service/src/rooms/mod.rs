//! Rooms and their members, with the access rules in one place; what members say in them is
//! in [`messages`].
//!
//! Rule of thumb: to anyone who is not a member, a room does not exist (404), so room ids leak
//! nothing. Members read; the owner (or an admin) changes settings and membership; anyone may
//! leave; a signed-in user may join a public room by adding themselves.

use crate::access_cache::AccessCache;
use crate::accounts::Actor;
use crate::answers::{AnswerEngine, StreamingAnswer};
use crate::error::{ServiceError, ServiceResult};
use crate::events::RoomEvents;
use crate::limit::Limit;
use crate::throttle::ThrottleDecision;
use crate::writer::MessageWriter;
use chatbot_domain::{
    AiMode, ClientId, Email, MemberRole, MessageContent, MessageId, MessageRole, MessageStatus, RoomId,
    RoomName, RoomVisibility, TextField, UserId,
};
use chatbot_store::{
    Appended, HistoryQuery, Member, Message, NewMessage, NewRoom, Room, RoomPatch, RoomSummary, Store,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod edits;
mod export;
mod messages;
mod search;
mod shares;

pub use export::{ExportPage, RoomExport};
pub use messages::{JOIN_HISTORY, JOIN_MEMBERS, JoinSnapshot, PostedMessage};
pub use search::{SearchPage, SearchResult, SnippetPiece};
pub use shares::SharedSnapshot;

/// Limits the room service enforces.
#[derive(Debug, Clone)]
pub struct RoomSettings {
    pub max_room_name_chars: usize,
    pub max_description_chars: usize,
    pub max_system_prompt_chars: usize,
    pub max_message_bytes: usize,
    pub max_room_members: u32,
    /// Rooms one user may own (admins: no limit).
    pub max_rooms_per_user: u32,
    /// Most message text (bytes) a join snapshot carries; the rest is paged over REST.
    pub join_history_bytes: usize,
    /// Messages one user may post within the window, by REST and Socket.IO together.
    pub send_rate: (u32, Duration),
    /// Where the send and lookup limits are counted across instances (`REDIS_URL`).
    pub shared: Option<chatbot_redis::shared::Shared>,
    /// Largest page of messages or members.
    pub max_page: u32,
    /// Longest model id a room may name (`limits.max_model_id_chars`).
    pub max_model_id_chars: usize,
    /// Longest `clientId` of a send (`limits.max_client_id_chars`).
    pub max_client_id_chars: usize,
    /// How long `send` trusts a cached membership check (see [`AccessCache`]); zero disables it.
    pub membership_cache_ttl: Duration,
    /// Members one user may add by email address within the window: the registration
    /// throttle's numbers, so neither path tells which addresses have accounts faster.
    pub email_lookups: (u32, Duration),
    /// Live share links one room may have (`limits.max_shares_per_room`).
    pub max_shares_per_room: u32,
    /// Share links open without signing in (`share_links_public`).
    pub share_links_public: bool,
}

/// A new room, as received.
#[derive(Debug, Clone, Default)]
pub struct NewRoomInput {
    pub name: String,
    pub description: Option<String>,
    pub visibility: Option<RoomVisibility>,
    pub system_prompt: Option<String>,
    pub model: Option<String>,
    pub ai_mode: Option<AiMode>,
    /// Other users to add as members.
    pub members: Vec<UserId>,
}

/// A room change, as received: `None` leaves a field alone; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct RoomUpdate {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub visibility: Option<RoomVisibility>,
    pub system_prompt: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub ai_mode: Option<AiMode>,
}

/// Who to add to a room.
#[derive(Debug, Clone)]
pub enum MemberRef {
    Id(UserId),
    Email(String),
}

pub struct RoomService {
    store: Arc<dyn Store>,
    settings: RoomSettings,
    writer: MessageWriter,
    events: Arc<dyn RoomEvents>,
    answers: Arc<AnswerEngine>,
    /// Shared with the background reads that refresh it.
    access: Arc<AccessCache>,
    email_lookups: Limit,
    /// One send rate per user, whichever transport the message came by.
    send_limit: Limit,
    /// Counts membership changes seen by this process (see [`RoomService::membership_changes`]).
    membership_changes: AtomicU64,
}

impl RoomService {
    pub fn new(
        store: Arc<dyn Store>,
        settings: RoomSettings,
        writer: MessageWriter,
        events: Arc<dyn RoomEvents>,
        answers: Arc<AnswerEngine>,
    ) -> Self {
        let access = Arc::new(AccessCache::new(settings.membership_cache_ttl));
        let email_lookups = Limit::new("email-lookup", settings.email_lookups, settings.shared.clone());
        let send_limit = Limit::new("send", settings.send_rate, settings.shared.clone());
        Self {
            store,
            settings,
            writer,
            events,
            answers,
            access,
            email_lookups,
            send_limit,
            membership_changes: AtomicU64::new(0),
        }
    }

    /// How many membership changes (members added or removed, rooms deleted) this process has
    /// committed or received from other instances so far, each counted after its commit and
    /// before its sockets are sent into or out of the room. A caller that reads a room list, then
    /// subscribes a socket to it, compares this before and after: a change means the user's
    /// sockets may have been sent into or out of a room before this one was among them, and the
    /// list must be read again.
    pub fn membership_changes(&self) -> u64 {
        self.membership_changes.load(Ordering::Acquire)
    }

    fn removed(&self, room_id: RoomId) {
        self.access.invalidate(room_id);
        self.membership_changes.fetch_add(1, Ordering::AcqRel);
    }

    fn added(&self) {
        self.membership_changes.fetch_add(1, Ordering::AcqRel);
    }

    /// Another instance removed a member of `room_id` (or the room): forget what this one
    /// cached about its members, and count the change, before its sockets are sent out of the
    /// room, so joins and connects racing with it read their room again.
    pub fn removed_elsewhere(&self, room_id: RoomId) {
        self.removed(room_id);
    }

    /// Another instance added a member to a room: count the change before the member's sockets
    /// here are sent into it, so a connect racing with it reads its rooms again.
    pub fn added_elsewhere(&self) {
        self.added();
    }

    pub fn answers(&self) -> &Arc<AnswerEngine> {
        &self.answers
    }

    pub fn settings(&self) -> &RoomSettings {
        &self.settings
    }

    pub async fn create(&self, actor: &Actor, input: NewRoomInput) -> ServiceResult<RoomSummary> {
        let name = RoomName::parse(&input.name, self.settings.max_room_name_chars)?;
        let description = TextField::parse(
            "description",
            input.description.as_deref(),
            self.settings.max_description_chars,
        )?;
        let system_prompt = TextField::parse(
            "systemPrompt",
            input.system_prompt.as_deref(),
            self.settings.max_system_prompt_chars,
        )?;
        let model = TextField::parse("model", input.model.as_deref(), self.settings.max_model_id_chars)?;
        self.check_model(model.clone().into_inner().as_deref())?;
        let mut members = input.members;
        members.sort();
        members.dedup();
        members.retain(|id| *id != actor.id());
        if members.len() + 1 > self.settings.max_room_members as usize {
            return Err(ServiceError::Conflict(format!(
                "a room may have at most {} members",
                self.settings.max_room_members
            )));
        }
        let max_rooms = self.settings.max_rooms_per_user;
        if !actor.is_admin() && self.store.count_owned_rooms(actor.id()).await? >= i64::from(max_rooms) {
            return Err(ServiceError::Conflict(format!(
                "you own {max_rooms} rooms, the most allowed; delete one to create another"
            )));
        }
        let new = NewRoom {
            id: RoomId::new(),
            name: name.into_inner(),
            description: description.into_inner(),
            owner_id: actor.id(),
            visibility: input.visibility.unwrap_or(RoomVisibility::Private),
            system_prompt: system_prompt.into_inner(),
            model: model.into_inner(),
            // SPEC §6: a room with one human answers every message; several humans talk among
            // themselves and call the assistant by name.
            ai_mode: input.ai_mode.unwrap_or(if members.is_empty() {
                AiMode::Always
            } else {
                AiMode::Mention
            }),
        };
        let room = self.store.create_room(new, &members).await.map_err(|e| match e {
            chatbot_store::StoreError::NotFound => ServiceError::NotFound("user"),
            other => other.into(),
        })?;
        self.added();
        let everyone: Vec<UserId> = std::iter::once(actor.id()).chain(members).collect();
        self.events.room_created(room.id, &everyone);
        self.summary(actor, room.id).await
    }

    /// The rooms `user` is a member of now: whom their going offline is announced to.
    pub async fn member_room_ids(&self, user: UserId) -> ServiceResult<Vec<RoomId>> {
        Ok(self.store.member_room_ids(user).await?)
    }

    pub async fn list(&self, actor: &Actor, limit: u32) -> ServiceResult<Vec<RoomSummary>> {
        Ok(self.store.list_rooms_for_user(actor.id(), limit.clamp(1, 500)).await?)
    }

    /// The room as its member sees it; 404 for everyone else.
    pub async fn summary(&self, actor: &Actor, room_id: RoomId) -> ServiceResult<RoomSummary> {
        self.store.room_for_member(room_id, actor.id()).await?.ok_or(ServiceError::NotFound("room"))
    }

    pub async fn update(
        &self,
        actor: &Actor,
        room_id: RoomId,
        update: RoomUpdate,
    ) -> ServiceResult<RoomSummary> {
        let summary = self.summary(actor, room_id).await?;
        self.require_manager(actor, &summary)?;
        let text = |field, value: Option<Option<String>>, max| -> ServiceResult<Option<Option<String>>> {
            value.map(|v| Ok(TextField::parse(field, v.as_deref(), max)?.into_inner())).transpose()
        };
        let patch = RoomPatch {
            name: update
                .name
                .map(|n| RoomName::parse(&n, self.settings.max_room_name_chars).map(RoomName::into_inner))
                .transpose()?,
            description: text("description", update.description, self.settings.max_description_chars)?,
            visibility: update.visibility,
            system_prompt: text("systemPrompt", update.system_prompt, self.settings.max_system_prompt_chars)?,
            model: text("model", update.model, self.settings.max_model_id_chars)?,
            ai_mode: update.ai_mode,
        };
        if let Some(model) = &patch.model {
            self.check_model(model.as_deref())?;
        }
        if room_id.is_general() && patch.visibility == Some(RoomVisibility::Private) {
            return Err(ServiceError::Conflict("the general room is always public".into()));
        }
        let room = self.store.update_room(room_id, patch).await?;
        self.access.invalidate(room_id);
        self.events.room_updated(&room);
        self.summary(actor, room_id).await
    }

    /// Deletes a room whoever its members are (the admin console; the caller has checked the
    /// actor is an admin). The general room stays. `false` when there was no such room.
    pub(crate) async fn delete_any(&self, room_id: RoomId) -> ServiceResult<bool> {
        if room_id.is_general() {
            return Err(ServiceError::Forbidden("the general room cannot be deleted"));
        }
        let deleted = self.store.delete_room(room_id).await?;
        self.removed(room_id);
        if deleted {
            self.events.room_deleted(room_id);
        }
        Ok(deleted)
    }

    pub async fn delete(&self, actor: &Actor, room_id: RoomId) -> ServiceResult<()> {
        let summary = self.summary(actor, room_id).await?;
        if room_id.is_general() {
            return Err(ServiceError::Forbidden("the general room cannot be deleted"));
        }
        self.require_manager(actor, &summary)?;
        let deleted = self.store.delete_room(room_id).await?;
        self.removed(room_id);
        if deleted {
            self.events.room_deleted(room_id);
        }
        Ok(())
    }

    /// The size of a page of history, members or rooms: `requested` within `limits.max_page`,
    /// else `default`.
    pub fn page_size(&self, requested: Option<u32>, default: u32) -> ServiceResult<u32> {
        Ok(chatbot_domain::page_size(requested, default, self.settings.max_page)?)
    }

    pub async fn members(
        &self,
        actor: &Actor,
        room_id: RoomId,
        after: Option<UserId>,
        limit: u32,
    ) -> ServiceResult<Vec<Member>> {
        let me = self.membership(actor, room_id).await?;
        let mut members =
            self.store.list_members(room_id, after, limit.clamp(1, self.settings.max_page)).await?;
        withhold_emails(actor, room_id, me.role, &mut members);
        Ok(members)
    }

    /// Adds a member. The owner or an admin adds anyone; any signed-in user may add themselves to
    /// a public room (joining it). Adding an existing member succeeds and changes nothing.
    /// Returns the membership and whether it is new.
    pub async fn add_member(
        &self,
        actor: &Actor,
        room_id: RoomId,
        who: MemberRef,
    ) -> ServiceResult<(Member, bool)> {
        // Access first, so that an outsider learns nothing about the address it gave.
        let my_role = self.store.room_for_member(room_id, actor.id()).await?.map(|summary| summary.my_role);
        let manager = actor.is_admin() || my_role == Some(MemberRole::Owner);
        let target = match who {
            MemberRef::Id(id) => id,
            MemberRef::Email(email) => {
                if !manager {
                    // Only a manager adds someone else, and only by email can one not know the id.
                    return Err(match my_role {
                        Some(_) => ServiceError::Forbidden("only the room's owner or an admin may do this"),
                        None => ServiceError::NotFound("room"),
                    });
                }
                let email = Email::parse(&email)?;
                self.reserve_email_lookup(actor).await?;
                self.store.user_by_email(email.as_str()).await?.ok_or(ServiceError::NotFound("user"))?.id
            }
        };
        match my_role {
            Some(_) if target != actor.id() && !manager => {
                return Err(ServiceError::Forbidden("only the room's owner or an admin may do this"));
            }
            Some(_) => {}
            None => {
                let joinable = target == actor.id()
                    && self
                        .store
                        .room(room_id)
                        .await?
                        .is_some_and(|r| r.visibility == RoomVisibility::Public);
                if !joinable {
                    return Err(ServiceError::NotFound("room"));
                }
            }
        }
        if let Some(mut existing) = self.store.member(room_id, target).await? {
            withhold_emails(
                actor,
                room_id,
                my_role.unwrap_or(MemberRole::Member),
                std::slice::from_mut(&mut existing),
            );
            return Ok((existing, false));
        }
        let target_user = self.store.user(target).await?;
        if !target_user.is_some_and(|u| u.is_active) {
            return Err(ServiceError::NotFound("user"));
        }
        if self.store.count_members(room_id).await? >= i64::from(self.settings.max_room_members) {
            return Err(ServiceError::Conflict(format!(
                "the room is full ({} members)",
                self.settings.max_room_members
            )));
        }
        let (mut member, created) = self.store.add_member(room_id, target, MemberRole::Member).await?;
        if created {
            self.added();
            self.events.member_added(room_id, target);
        }
        withhold_emails(
            actor,
            room_id,
            my_role.unwrap_or(MemberRole::Member),
            std::slice::from_mut(&mut member),
        );
        Ok((member, created))
    }

    /// Removes a member: the owner or an admin removes anyone but the owner; anyone may leave.
    pub async fn remove_member(&self, actor: &Actor, room_id: RoomId, target: UserId) -> ServiceResult<()> {
        let summary = self.summary(actor, room_id).await?;
        if target != actor.id() {
            self.require_manager(actor, &summary)?;
        }
        let member = self.store.member(room_id, target).await?.ok_or(ServiceError::NotFound("member"))?;
        if member.role == MemberRole::Owner {
            return Err(ServiceError::Conflict("the owner cannot leave the room; delete it instead".into()));
        }
        let removed = self.store.remove_member(room_id, target).await?;
        self.removed(room_id);
        if removed {
            self.events.member_removed(room_id, target);
        }
        Ok(())
    }

    /// The room, for callers that already checked membership.
    pub async fn room(&self, room_id: RoomId) -> ServiceResult<Room> {
        self.store.room(room_id).await?.ok_or(ServiceError::NotFound("room"))
    }

    /// A room's model must be one of `/api/models` (or unset: the default).
    fn check_model(&self, model: Option<&str>) -> ServiceResult<()> {
        match model {
            Some(id) if !self.answers.models().contains(id) => {
                Err(ServiceError::Invalid(chatbot_domain::ValidationError::new(
                    "model",
                    format!("`{id}` is not a configured model (see /api/models)"),
                )))
            }
            _ => Ok(()),
        }
    }

    /// The caller's membership, or 404: a single-row lookup, for paths that only need to know
    /// the caller may act (the room summary with its counts is much more work).
    /// The room, if `user` is a member: one lookup answers both "may this user post here?" and
    /// "does the room want an answer?". Served from the [`AccessCache`] when it can be.
    async fn room_if_member(&self, room_id: RoomId, user: UserId) -> ServiceResult<Arc<Room>> {
        if let Some(hit) = self.access.get(room_id, user) {
            if hit.refresh {
                self.refresh_membership(room_id, user);
            }
            return Ok(hit.room);
        }
        let seen = self.access.generation();
        let room = self.store.room_if_member(room_id, user).await?.ok_or(ServiceError::NotFound("room"))?;
        self.access.fill(seen, &room, user);
        Ok(Arc::new(room))
    }

    /// Reads a membership past half the cache's TTL again in a task of its own, while the cached
    /// one is served: the message that found it old does not wait (see [`AccessCache`]).
    fn refresh_membership(&self, room_id: RoomId, user: UserId) {
        let (store, access) = (Arc::clone(&self.store), Arc::clone(&self.access));
        tokio::spawn(async move {
            let seen = access.generation();
            match store.room_if_member(room_id, user).await {
                Ok(Some(room)) => access.fill(seen, &room, user),
                // Removed elsewhere (another instance, the command line): stop serving it at once.
                Ok(None) => access.invalidate(room_id),
                Err(err) => {
                    access.refresh_failed(room_id, user);
                    tracing::warn!(error = %err, %room_id, "refreshing a cached membership failed");
                }
            }
        });
    }

    pub async fn membership(&self, actor: &Actor, room_id: RoomId) -> ServiceResult<Member> {
        self.store.member(room_id, actor.id()).await?.ok_or(ServiceError::NotFound("room"))
    }

    /// Counts one lookup of an account by email address against the actor's allowance. Anyone
    /// may own a room, so adding members by address would otherwise tell anyone which addresses
    /// have accounts, faster than the registration throttle lets registering tell it.
    async fn reserve_email_lookup(&self, actor: &Actor) -> ServiceResult<()> {
        if actor.is_admin() {
            return Ok(()); // admins see every account anyway
        }
        match self.email_lookups.try_acquire(&actor.id().to_string()).await {
            ThrottleDecision::Allow => Ok(()),
            ThrottleDecision::Deny { retry_after } => Err(ServiceError::RateLimited {
                message: "too many members added by email address; try again later",
                retry_after,
            }),
        }
    }

    fn require_manager(&self, actor: &Actor, summary: &RoomSummary) -> ServiceResult<()> {
        if actor.is_admin() || summary.my_role == MemberRole::Owner {
            Ok(())
        } else {
            Err(ServiceError::Forbidden("only the room's owner or an admin may do this"))
        }
    }
}

/// The privacy rule for email addresses in member lists: a member always sees their own; the
/// room's owner and admins see every member's, except in `general`, where everyone is a member
/// and an address list would be a directory of every account.
fn withhold_emails(actor: &Actor, room_id: RoomId, my_role: MemberRole, members: &mut [Member]) {
    let sees_all = !room_id.is_general() && (actor.is_admin() || my_role == MemberRole::Owner);
    for member in members.iter_mut().filter(|m| m.user_id != actor.id() && !sees_all) {
        member.email = None;
    }
}
