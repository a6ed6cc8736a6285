//! What the services tell the real-time layer. The gateway implements [`RoomEvents`]; the CLI
//! and tests without sockets use [`NoEvents`].

use chatbot_domain::{RoomId, UserId};
use chatbot_store::Message;

/// Notifications of committed changes, delivered in commit order.
///
/// Implementations must not block: they are called on the message writer's task, between a
/// batch's commit and its acknowledgements. Queue the work and return.
pub trait RoomEvents: Send + Sync + 'static {
    /// A new message was committed (never called for an idempotent duplicate).
    fn message_stored(&self, message: &Message);
    /// `user` became a member of `room`.
    fn member_added(&self, room: RoomId, user: UserId);
    /// `user` is no longer a member of `room`.
    fn member_removed(&self, room: RoomId, user: UserId);
    /// The room and its history are gone.
    fn room_deleted(&self, room: RoomId);
}

/// Ignores every event.
pub struct NoEvents;

impl RoomEvents for NoEvents {
    fn message_stored(&self, _: &Message) {}
    fn member_added(&self, _: RoomId, _: UserId) {}
    fn member_removed(&self, _: RoomId, _: UserId) {}
    fn room_deleted(&self, _: RoomId) {}
}
