//! Who is online: a count of connected sockets per user, in this process.
//!
//! A user is online while any of their devices is connected. `user_status` goes only to sockets
//! that share a room with the user (their `member:` rooms), never to everyone.

use crate::rooms;
use chatbot_domain::UserId;
use chatbot_store::User;
use serde_json::json;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use std::collections::HashMap;
use std::sync::Mutex;

pub struct Presence {
    max_per_user: usize,
    sockets: Mutex<HashMap<UserId, usize>>,
}

impl Presence {
    pub fn new(max_per_user: usize) -> Self {
        Self { max_per_user: max_per_user.max(1), sockets: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, usize>> {
        // Each operation is a single map update, so a poisoned lock holds consistent data.
        self.sockets.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a device slot: the user's socket count after it, or `None` at the limit.
    pub fn reserve(&self, user: UserId) -> Option<usize> {
        let mut sockets = self.lock();
        let count = sockets.entry(user).or_insert(0);
        if *count >= self.max_per_user {
            return None;
        }
        *count += 1;
        Some(*count)
    }

    /// Gives a slot back; returns the user's remaining sockets.
    pub fn release(&self, user: UserId) -> usize {
        let mut sockets = self.lock();
        let Some(count) = sockets.get_mut(&user) else { return 0 };
        *count = count.saturating_sub(1);
        let remaining = *count;
        if remaining == 0 {
            sockets.remove(&user);
        }
        remaining
    }

    pub fn devices(&self, user: UserId) -> usize {
        self.lock().get(&user).copied().unwrap_or(0)
    }

    pub fn is_online(&self, user: UserId) -> bool {
        self.devices(user) > 0
    }

    pub fn total(&self) -> usize {
        self.lock().values().sum()
    }
}

/// Sends `user_status` to the sockets sharing a room with `user`, except the user's own.
pub async fn announce<A: Adapter>(
    socket: &SocketRef<A>,
    io: &SocketIo<A>,
    member_rooms: &[String],
    user: &User,
    online: bool,
    devices: usize,
) {
    if member_rooms.is_empty() {
        return;
    }
    let payload = json!({
        "userId": user.id,
        "online": online,
        "status": if online { "online" } else { "offline" },
        "userName": user.name,
        "deviceCount": devices,
    });
    for others in crate::namespaces::others(socket, io) {
        let result =
            others.to(member_rooms.to_vec()).except(rooms::user(user.id)).emit("user_status", &payload).await;
        if let Err(err) = result {
            tracing::debug!(error = %err, "user_status not delivered");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_devices_and_enforces_the_limit() {
        let presence = Presence::new(2);
        let user = UserId::new();
        assert_eq!(presence.reserve(user), Some(1));
        assert_eq!(presence.reserve(user), Some(2));
        assert_eq!(presence.reserve(user), None);
        assert!(presence.is_online(user));
        assert_eq!(presence.release(user), 1);
        assert_eq!(presence.release(user), 0);
        assert!(!presence.is_online(user));
        assert_eq!(presence.release(user), 0, "releasing too often is harmless");
        assert_eq!(presence.total(), 0);
    }
}
