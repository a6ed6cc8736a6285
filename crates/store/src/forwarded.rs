//! The methods of [`crate::Store`] that a wrapper forwards to the store it wraps, listed once for
//! every wrapper (`measured`, `recent`): each passes its own macro, which receives
//! `[its own tokens] fn name(&self, arg: Type, …) -> Return; …` for every method but `backend`,
//! `close` and the provided `list_audit`. A method added to the trait is added here, and every
//! wrapper then forwards it (or, where a wrapper handles it, does not compile until it says so).

macro_rules! store_methods {
    ($callback:ident $($own:tt)*) => {
        $callback! { [$($own)*]
            fn ping(&self) -> StoreResult<()>;
            fn create_user(&self, new: NewUser, first_becomes_admin: bool) -> StoreResult<User>;
            fn user(&self, id: UserId) -> StoreResult<Option<User>>;
            fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
            fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<User>>;
            fn count_users(&self) -> StoreResult<i64>;
            fn set_user_role(&self, id: UserId, role: UserRole) -> StoreResult<User>;
            fn set_user_active(&self, id: UserId, active: bool) -> StoreResult<User>;
            fn record_login(&self, id: UserId, at: OffsetDateTime) -> StoreResult<()>;
            fn create_session(&self, new: NewSession) -> StoreResult<Session>;
            fn rotate_session_with_grace(&self, token_hash: &str, next: NewSession, now: OffsetDateTime, grace: time::Duration) -> StoreResult<Rotation>;
            fn revoke_session_by_token(&self, token_hash: &str, now: OffsetDateTime) -> StoreResult<Option<(UserId, SessionId)>>;
            fn revoke_family(&self, user_id: UserId, family_id: SessionId, now: OffsetDateTime) -> StoreResult<bool>;
            fn list_devices(&self, user_id: UserId, now: OffsetDateTime) -> StoreResult<Vec<Device>>;
            fn prune_sessions(&self, before: OffsetDateTime) -> StoreResult<u64>;
            fn authenticate(&self, user_id: UserId, family_id: SessionId, now: OffsetDateTime) -> StoreResult<Option<User>>;
            fn authenticate_with_rooms(&self, user_id: UserId, family_id: SessionId, now: OffsetDateTime) -> StoreResult<Option<Authenticated>>;
            fn live_sessions(&self, families: &[SessionId], now: OffsetDateTime) -> StoreResult<Vec<SessionId>>;
            fn create_room(&self, new: NewRoom, members: &[UserId]) -> StoreResult<Room>;
            fn room(&self, id: RoomId) -> StoreResult<Option<Room>>;
            fn room_if_member(&self, id: RoomId, user_id: UserId) -> StoreResult<Option<Room>>;
            fn room_for_member(&self, id: RoomId, user_id: UserId) -> StoreResult<Option<RoomSummary>>;
            fn list_rooms_for_user(&self, user_id: UserId, limit: u32) -> StoreResult<Vec<RoomSummary>>;
            fn member_room_ids(&self, user_id: UserId) -> StoreResult<Vec<RoomId>>;
            fn count_owned_rooms(&self, user_id: UserId) -> StoreResult<i64>;
            fn update_room(&self, id: RoomId, patch: RoomPatch) -> StoreResult<Room>;
            fn delete_room(&self, id: RoomId) -> StoreResult<bool>;
            fn member(&self, room_id: RoomId, user_id: UserId) -> StoreResult<Option<Member>>;
            fn add_member(&self, room_id: RoomId, user_id: UserId, role: MemberRole) -> StoreResult<(Member, bool)>;
            fn remove_member(&self, room_id: RoomId, user_id: UserId) -> StoreResult<bool>;
            fn list_members(&self, room_id: RoomId, after: Option<UserId>, limit: u32) -> StoreResult<Vec<Member>>;
            fn count_members(&self, room_id: RoomId) -> StoreResult<i64>;
            fn mark_read(&self, room_id: RoomId, user_id: UserId, seq: i64) -> StoreResult<i64>;
            fn append_message(&self, new: NewMessage) -> StoreResult<Appended>;
            fn append_messages(&self, batch: Vec<NewMessage>) -> StoreResult<Vec<StoreResult<Appended>>>;
            fn message(&self, id: MessageId) -> StoreResult<Option<Message>>;
            fn list_messages(&self, room_id: RoomId, query: HistoryQuery) -> StoreResult<Vec<Message>>;
            fn prompt_history(&self, room_id: RoomId, before: Option<i64>, limit: u32) -> StoreResult<Vec<PromptMessage>>;
            fn update_message(&self, id: MessageId, content: &str, status: MessageStatus, error: Option<&str>) -> StoreResult<Message>;
            fn finish_answer(&self, id: MessageId, content: &str, status: MessageStatus, error: Option<&str>, usage: Option<NewUsage>) -> StoreResult<Message>;
            fn write_answers(&self, batch: Vec<AnswerWrite>) -> StoreResult<Vec<StoreResult<AnswerWritten>>>;
            fn edit_message(&self, id: MessageId, content: &str, at: OffsetDateTime) -> StoreResult<Message>;
            fn delete_message(&self, id: MessageId, at: OffsetDateTime) -> StoreResult<Message>;
            fn set_active_reply(&self, question: MessageId, answer: Option<MessageId>) -> StoreResult<Message>;
            fn replies(&self, question: MessageId) -> StoreResult<Vec<Message>>;
            fn usage_of_messages(&self, room_id: RoomId, after: i64, up_to: i64) -> StoreResult<Vec<MessageUsage>>;
            fn search_messages(&self, query: &SearchQuery) -> StoreResult<Vec<SearchHit>>;
            fn create_share(&self, share: &ShareLink) -> StoreResult<()>;
            fn list_shares(&self, room_id: RoomId) -> StoreResult<Vec<ShareLink>>;
            fn share_by_token(&self, token: &str) -> StoreResult<Option<ShareLink>>;
            fn revoke_share(&self, room_id: RoomId, id: uuid::Uuid, at: OffsetDateTime) -> StoreResult<Option<ShareLink>>;
            fn interrupt_streaming(&self, not_flushed_since: OffsetDateTime) -> StoreResult<Vec<Message>>;
            fn record_usage(&self, usage: NewUsage) -> StoreResult<()>;
            fn usage_on_day(&self, user_id: UserId, day: &str) -> StoreResult<UsageTotals>;
            fn record_audit(&self, entry: NewAuditEntry) -> StoreResult<()>;
            fn audit_page(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>>;
            fn dashboard(&self, first_day: &str, active_since: (OffsetDateTime, OffsetDateTime)) -> StoreResult<DashboardFigures>;
            fn usage_report(&self, group: UsageGroup, from: &str, to: &str) -> StoreResult<Vec<UsageLine>>;
            fn admin_rooms(&self, query: &AdminRoomQuery) -> StoreResult<Vec<AdminRoom>>;
            fn failed_answers(&self, before: Option<MessageId>, limit: u32) -> StoreResult<Vec<FailedAnswer>>;
            fn set_user_budget(&self, id: UserId, tokens: Option<i64>, cost: Option<i64>) -> StoreResult<User>;
        }
    };
}

pub(crate) use store_methods;
