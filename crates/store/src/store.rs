use crate::error::StoreResult;
use crate::records::*;
use chatbot_domain::{MemberRole, MessageId, MessageStatus, RoomId, SessionId, UserId, UserRole};
use time::OffsetDateTime;

/// Everything the server stores, behind one interface with one implementation per backend.
///
/// Contract notes that both backends honour (and `tests/conformance.rs` checks):
/// - "Not a member" and "no such room" are indistinguishable to callers that ask per user
///   (`None`), so outsiders learn nothing about rooms they cannot see.
/// - Every method that writes more than one row does so in one transaction.
/// - Timestamps are UTC, with at least microsecond precision.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;

    /// A cheap round trip, for `/readyz`.
    async fn ping(&self) -> StoreResult<()>;

    /// Closes the pools, waiting for in-flight statements.
    async fn close(&self);

    // ---- users -------------------------------------------------------------------------------

    /// Creates a user. When `first_becomes_admin` is set and no user exists yet, the new user is
    /// stored as `admin` whatever `new.role` says; this check and the insert are atomic, so two
    /// concurrent first registrations cannot both become admin.
    /// Errors: `Conflict("email")` when the email is taken.
    async fn create_user(&self, new: NewUser, first_becomes_admin: bool) -> StoreResult<User>;
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// `email` must already be normalised (lowercase).
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// Ascending by id (creation order).
    async fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<User>>;
    async fn count_users(&self) -> StoreResult<i64>;
    /// Errors: `NotFound`.
    async fn set_user_role(&self, id: UserId, role: UserRole) -> StoreResult<User>;
    /// Errors: `NotFound`.
    async fn set_user_active(&self, id: UserId, active: bool) -> StoreResult<User>;
    async fn record_login(&self, id: UserId, at: OffsetDateTime) -> StoreResult<()>;

    // ---- sessions (refresh tokens) -------------------------------------------------------------

    async fn create_session(&self, new: NewSession) -> StoreResult<Session>;
    /// Presents the token with hash `token_hash` for rotation, atomically:
    /// - live (not revoked, not replaced, not expired at `now`): retire it (`revoked_at = now`,
    ///   `replaced_by = next.id`), insert `next` (same family), return `Rotated`;
    /// - already retired or revoked: revoke every live token of its family, return `Reused`;
    /// - expired: `Expired`; unknown: `Unknown`.
    /// Two concurrent rotations of one token: exactly one gets `Rotated`.
    /// `next.family_id` and `next.user_id` are ignored and taken from the presented token.
    ///
    /// With a `grace` period, a token retired *by rotation* less than `grace` ago, whose family
    /// still has a live token, is not treated as reuse: `next` joins the family as another live
    /// token (`Rotated`). Two tabs of one browser refreshing at the same moment then both succeed
    /// instead of signing the device out; a thief gets only that short window.
    async fn rotate_session_with_grace(
        &self,
        token_hash: &str,
        next: NewSession,
        now: OffsetDateTime,
        grace: time::Duration,
    ) -> StoreResult<Rotation>;

    /// [`Store::rotate_session_with_grace`] without a grace period: every reuse revokes.
    async fn rotate_session(
        &self,
        token_hash: &str,
        next: NewSession,
        now: OffsetDateTime,
    ) -> StoreResult<Rotation> {
        self.rotate_session_with_grace(token_hash, next, now, time::Duration::ZERO).await
    }
    /// Revokes every live token of the family of the token with this hash; returns the family.
    async fn revoke_session_by_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(UserId, SessionId)>>;
    /// Revokes a family of this user; `false` when the user has no live family with that id.
    async fn revoke_family(
        &self,
        user_id: UserId,
        family_id: SessionId,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// The user's signed-in devices: families with a live token at `now` (one entry per family,
    /// its newest live token), newest sign-in first.
    async fn list_devices(&self, user_id: UserId, now: OffsetDateTime) -> StoreResult<Vec<Device>>;
    /// Deletes sessions that expired before `before` (they can never be used again); returns how
    /// many. Run periodically so the table holds live devices, not every token ever issued.
    async fn prune_sessions(&self, before: OffsetDateTime) -> StoreResult<u64>;
    /// The user, if active and if the family still has a live token at `now`: what an access
    /// token needs to be honoured (a signed-out device loses access at once).
    async fn authenticate(
        &self,
        user_id: UserId,
        family_id: SessionId,
        now: OffsetDateTime,
    ) -> StoreResult<Option<User>>;
    /// [`Store::authenticate`] and the ids of the user's rooms, in one statement: a socket's
    /// handshake needs both, and on SQLite each statement is a hop to a worker thread.
    async fn authenticate_with_rooms(
        &self,
        user_id: UserId,
        family_id: SessionId,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Authenticated>>;
    /// Which of `families` still honour their access tokens at `now` (live token, active user):
    /// the real-time gateway's periodic check, so sockets of a device signed out by another
    /// process (the CLI, another instance) end too.
    async fn live_sessions(&self, families: &[SessionId], now: OffsetDateTime)
    -> StoreResult<Vec<SessionId>>;

    // ---- rooms and members ----------------------------------------------------------------------

    /// Creates the room, its owner as `owner` member and `members` as `member` (unknown user ids
    /// are an error: `NotFound`), in one transaction.
    async fn create_room(&self, new: NewRoom, members: &[UserId]) -> StoreResult<Room>;
    async fn room(&self, id: RoomId) -> StoreResult<Option<Room>>;
    /// The room if the user is a member of it, in one lookup (the hot path of posting).
    async fn room_if_member(&self, id: RoomId, user_id: UserId) -> StoreResult<Option<Room>>;
    /// The room as seen by a member; `None` if no such room or the user is not a member.
    async fn room_for_member(&self, id: RoomId, user_id: UserId) -> StoreResult<Option<RoomSummary>>;
    /// The user's rooms, most recent activity first (newest message, else creation), with unread
    /// counts and last message. `limit` caps the count.
    async fn list_rooms_for_user(&self, user_id: UserId, limit: u32) -> StoreResult<Vec<RoomSummary>>;
    /// The ids of the rooms this user is a member of, in no order: whom a user's going offline is
    /// announced to (the socket's own room list may already be cleared by then).
    async fn member_room_ids(&self, user_id: UserId) -> StoreResult<Vec<RoomId>>;
    /// Rooms this user owns (for the rooms-per-user limit).
    async fn count_owned_rooms(&self, user_id: UserId) -> StoreResult<i64>;
    /// Errors: `NotFound`. Sets `updated_at`.
    async fn update_room(&self, id: RoomId, patch: RoomPatch) -> StoreResult<Room>;
    /// Deletes the room with its members and messages. `false` if there was no such room.
    async fn delete_room(&self, id: RoomId) -> StoreResult<bool>;

    async fn member(&self, room_id: RoomId, user_id: UserId) -> StoreResult<Option<Member>>;
    /// Adds a member; if already a member, changes nothing. Returns the membership and whether it
    /// was created now. Errors: `NotFound` (no such room or user).
    async fn add_member(
        &self,
        room_id: RoomId,
        user_id: UserId,
        role: MemberRole,
    ) -> StoreResult<(Member, bool)>;
    /// `false` if the user was not a member.
    async fn remove_member(&self, room_id: RoomId, user_id: UserId) -> StoreResult<bool>;
    /// Ascending by user id, after the cursor.
    async fn list_members(
        &self,
        room_id: RoomId,
        after: Option<UserId>,
        limit: u32,
    ) -> StoreResult<Vec<Member>>;
    async fn count_members(&self, room_id: RoomId) -> StoreResult<i64>;
    /// Moves the read position forward to `min(seq, room.last_seq)`; never backwards. Returns the
    /// stored position. Errors: `NotFound` when not a member.
    async fn mark_read(&self, room_id: RoomId, user_id: UserId, seq: i64) -> StoreResult<i64>;

    // ---- messages ---------------------------------------------------------------------------------

    /// Appends a message with the room's next seq, atomically with bumping `rooms.last_seq`.
    /// With `client_id` set and the same user having sent it before (in any room), returns
    /// `Duplicate(first message)` and writes nothing. Errors: `NotFound` (no such room).
    async fn append_message(&self, new: NewMessage) -> StoreResult<Appended>;
    /// Appends several messages in one transaction (group commit: one durable commit for the
    /// batch). Results are in input order and each is what `append_message` would have returned;
    /// a missing room fails only its own message. Within a room, seqs follow input order.
    async fn append_messages(&self, batch: Vec<NewMessage>) -> StoreResult<Vec<StoreResult<Appended>>>;
    async fn message(&self, id: MessageId) -> StoreResult<Option<Message>>;
    /// Messages of a room in ascending seq order, deleted ones included (clients render them as
    /// deleted). See [`HistoryQuery`].
    async fn list_messages(&self, room_id: RoomId, query: HistoryQuery) -> StoreResult<Vec<Message>>;
    /// The newest `limit` messages of a room with `seq < before` (or the newest of all), in
    /// ascending seq order, deleted ones included, as an answer's prompt reads them: only the
    /// columns it uses ([`PromptMessage`]).
    async fn prompt_history(
        &self,
        room_id: RoomId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<PromptMessage>>;

    /// Replaces an (assistant) message's content, status and error; sets `updated_at`. Used to
    /// flush a streaming answer and to finish it. Errors: `NotFound`.
    async fn update_message(
        &self,
        id: MessageId,
        content: &str,
        status: MessageStatus,
        error: Option<&str>,
    ) -> StoreResult<Message>;
    /// Finishes an answer in one transaction: its usage (when it spent anything) and its final
    /// content, status and error, so nobody sees a finished answer without what it cost, nor a
    /// cost without the answer. Errors: `NotFound` (and nothing is recorded).
    async fn finish_answer(
        &self,
        id: MessageId,
        content: &str,
        status: MessageStatus,
        error: Option<&str>,
        usage: Option<NewUsage>,
    ) -> StoreResult<Message>;
    /// Several answers' writes in one transaction (group commit, as `append_messages`): results in
    /// input order, each what `update_message` (a partial text) or `finish_answer` (an end) would
    /// have done; a missing row fails only its own write, and nothing of it is recorded.
    async fn write_answers(&self, batch: Vec<AnswerWrite>) -> StoreResult<Vec<StoreResult<AnswerWritten>>>;
    /// Replaces a message's text and sets `edited_at` (and `updated_at`) to `at`, in one
    /// transaction with keeping the old text on each of its answers that has none yet (`prompt`:
    /// the question they answered) and following its newest answer again (`active_reply` cleared).
    /// A deleted message is not changed. Errors: `NotFound` (no such message, or deleted).
    async fn edit_message(&self, id: MessageId, content: &str, at: OffsetDateTime) -> StoreResult<Message>;
    /// Leaves a tombstone: empty text, `deleted_at = at`; its answers forget the older texts of it
    /// they kept (`prompt`), so nothing of what was said stays. Errors: `NotFound` (no such
    /// message, or already deleted).
    async fn delete_message(&self, id: MessageId, at: OffsetDateTime) -> StoreResult<Message>;
    /// Sets the answer a question's room follows (`None`: the newest). Errors: `NotFound`.
    async fn set_active_reply(&self, question: MessageId, answer: Option<MessageId>) -> StoreResult<Message>;
    /// Every answer to `question`, ascending seq: its branches in order.
    async fn replies(&self, question: MessageId) -> StoreResult<Vec<Message>>;
    /// The usage of the room's answers with `after < seq <= up_to`, one line per answer.
    async fn usage_of_messages(
        &self,
        room_id: RoomId,
        after: i64,
        up_to: i64,
    ) -> StoreResult<Vec<MessageUsage>>;
    /// Messages of the user's rooms (not deleted) holding every term: the window `offset ..
    /// offset + limit` of them, newest first, each with its rank (the caller orders by it). SQLite
    /// finds terms anywhere in the text (trigram index; terms under three characters by a scan of
    /// the candidates), PostgreSQL as word prefixes (tsvector index).
    async fn search_messages(&self, query: &SearchQuery) -> StoreResult<Vec<SearchHit>>;
    /// Stores a new share link. Errors: `NotFound` (no such room).
    async fn create_share(&self, share: &ShareLink) -> StoreResult<()>;
    /// The room's links, newest first.
    async fn list_shares(&self, room_id: RoomId) -> StoreResult<Vec<ShareLink>>;
    /// The link with this token, whatever its state.
    async fn share_by_token(&self, token: &str) -> StoreResult<Option<ShareLink>>;
    /// Revokes a link of the room at `at` and returns it; `None` when the room has no such link or
    /// it was revoked already.
    async fn revoke_share(
        &self,
        room_id: RoomId,
        id: uuid::Uuid,
        at: OffsetDateTime,
    ) -> StoreResult<Option<ShareLink>>;
    /// Marks `interrupted` every `streaming` message not written since `not_flushed_since`: its
    /// writer is gone (a live answer is flushed every flush interval, even without new text).
    /// Returns them as they now are, so their end can be announced (whichever instance sweeps:
    /// each row is returned to exactly one caller).
    async fn interrupt_streaming(&self, not_flushed_since: OffsetDateTime) -> StoreResult<Vec<Message>>;

    // ---- usage -------------------------------------------------------------------------------------

    async fn record_usage(&self, usage: NewUsage) -> StoreResult<()>;
    /// The user's usage on one UTC day (`YYYY-MM-DD`), with the user's own daily budgets.
    async fn usage_on_day(&self, user_id: UserId, day: &str) -> StoreResult<UsageTotals>;

    // ---- audit -------------------------------------------------------------------------------------

    async fn record_audit(&self, entry: NewAuditEntry) -> StoreResult<()>;

    // ---- the admin console (sums kept on write; see `shared::admin`) ---------------------------

    /// Users (with how many were active since each of `active_since`), rooms, messages, and per
    /// day and per model from `first_day` (`YYYY-MM-DD`, UTC) on.
    async fn dashboard(
        &self,
        first_day: &str,
        active_since: (OffsetDateTime, OffsetDateTime),
    ) -> StoreResult<DashboardFigures>;
    /// Usage from `from` to `to` (days, inclusive), grouped; most expensive first (by day: in order).
    async fn usage_report(&self, group: UsageGroup, from: &str, to: &str) -> StoreResult<Vec<UsageLine>>;
    /// Rooms in creation order, with owner name, member count and last activity.
    async fn admin_rooms(&self, query: &AdminRoomQuery) -> StoreResult<Vec<AdminRoom>>;
    /// Failed answers, newest first, older than `before`.
    async fn failed_answers(&self, before: Option<MessageId>, limit: u32) -> StoreResult<Vec<FailedAnswer>>;
    /// A user's own daily budgets (`None`: the server's default).
    async fn set_user_budget(&self, id: UserId, tokens: Option<i64>, cost: Option<i64>) -> StoreResult<User>;
    /// Newest first, filtered and paged by `query`. The log is append-only: nothing updates or
    /// deletes its rows.
    async fn audit_page(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>>;
    /// Newest first.
    async fn list_audit(&self, action: Option<&str>, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.audit_page(&AuditQuery { action: action.map(str::to_owned), limit, ..AuditQuery::default() })
            .await
    }
}

/// Families asked about per statement in [`Store::live_sessions`] (well under SQLite's limit of
/// bound parameters).
pub(crate) const LIVE_SESSIONS_CHUNK: usize = 500;

/// The statement of [`Store::live_sessions`] for `n` families (`$2` … `$n+1`; `$1` is now), the
/// same text on both backends.
pub(crate) fn live_sessions_sql(n: usize) -> String {
    let list = (0..n).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
    format!(
        "SELECT DISTINCT s.family_id FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.family_id IN ({list}) AND u.is_active = TRUE \
           AND s.revoked_at IS NULL AND s.replaced_by IS NULL AND s.expires_at > $1"
    )
}
