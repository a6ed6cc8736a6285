//! Who is online: a count of connected sockets per user, in this process and, with several
//! instances, in Redis across all of them ([`chatbot_redis::shared::Shared`]: the sockets-per-user
//! limit, `deviceCount` and online/offline hold for the user's devices on every instance).
//!
//! A user is online while any of their devices is connected. `user_status` goes only to sockets
//! that share a room with the user (their `member:` rooms), never to everyone.

use crate::rooms;
use chatbot_domain::User;
use chatbot_domain::UserId;
use chatbot_protocol::events::{ServerEvent, UserStatus};
use chatbot_redis::shared::Shared;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Sockets per user, shared with the [`DeviceSlot`]s handed out.
type Counts = Mutex<HashMap<UserId, usize>>;

pub struct Presence {
    max_per_user: usize,
    sockets: Arc<Counts>,
}

fn lock(counts: &Counts) -> std::sync::MutexGuard<'_, HashMap<UserId, usize>> {
    // Each operation is a single map update, so a poisoned lock holds consistent data.
    counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Presence {
    pub fn new(max_per_user: usize) -> Self {
        Self { max_per_user: max_per_user.max(1), sockets: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// Takes a device slot, or `None` at the limit. The slot is given back when it is released
    /// or dropped, whichever comes first: a handshake that the Socket.IO library abandons after
    /// our middleware ran (the connection dropped while the token was being checked) never
    /// reaches our disconnect handler, but its socket, and the slot with it, is dropped.
    pub fn reserve(&self, user: UserId) -> Option<DeviceSlot> {
        let mut sockets = lock(&self.sockets);
        let count = sockets.entry(user).or_insert(0);
        if *count >= self.max_per_user {
            return None;
        }
        *count += 1;
        Some(DeviceSlot {
            counts: self.sockets.clone(),
            user,
            devices: *count,
            held: AtomicBool::new(true),
            everywhere: Mutex::new(None),
        })
    }

    pub fn devices(&self, user: UserId) -> usize {
        lock(&self.sockets).get(&user).copied().unwrap_or(0)
    }

    pub fn is_online(&self, user: UserId) -> bool {
        self.devices(user) > 0
    }

    pub fn total(&self) -> usize {
        lock(&self.sockets).values().sum()
    }
}

/// One connected device of a user, counted in [`Presence`] until released or dropped.
pub struct DeviceSlot {
    counts: Arc<Counts>,
    user: UserId,
    devices: usize,
    held: AtomicBool,
    /// Counted across instances too (Redis answered at connect), until given back there.
    everywhere: Mutex<Option<Shared>>,
}

impl DeviceSlot {
    /// The user's connected devices when this slot was taken, this one included (on every
    /// instance, when counted there).
    pub fn devices_at_reserve(&self) -> usize {
        self.devices
    }

    /// Counts this device across instances too, unless the user is at `max` there: false at
    /// the limit. Redis unreachable: counted here only (true).
    pub async fn reserve_everywhere(&mut self, shared: &Shared, max: usize) -> bool {
        let result = shared.device_connected(&self.user.to_string(), max).await;
        shared.note(&result);
        match result {
            Ok(Some(devices)) => {
                self.devices = usize::try_from(devices).unwrap_or(usize::MAX);
                *self.everywhere.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some(shared.clone());
                true
            }
            Ok(None) => false,
            Err(_) => true,
        }
    }

    /// The cross-instance count to give back, once (later calls: `None`).
    fn take_everywhere(&self) -> Option<Shared> {
        self.everywhere.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    /// Gives the slot back here and across instances: the user's devices left on every
    /// instance (on this one only when not counted across instances or Redis is unreachable).
    pub async fn release_everywhere(&self) -> usize {
        let here = self.release();
        let Some(shared) = self.take_everywhere() else { return here };
        let result = shared.device_disconnected(&self.user.to_string()).await;
        shared.note(&result);
        result.map_or(here, |left| usize::try_from(left).unwrap_or(usize::MAX))
    }

    /// Gives the slot back (once; later calls change nothing): the user's remaining devices.
    pub fn release(&self) -> usize {
        let mut sockets = lock(&self.counts);
        if !self.held.swap(false, Ordering::AcqRel) {
            return sockets.get(&self.user).copied().unwrap_or(0);
        }
        let Some(count) = sockets.get_mut(&self.user) else { return 0 };
        *count = count.saturating_sub(1);
        let remaining = *count;
        if remaining == 0 {
            sockets.remove(&self.user);
        }
        remaining
    }
}

impl Drop for DeviceSlot {
    fn drop(&mut self) {
        self.release();
        // A handshake abandoned after it was counted across instances never reaches the
        // disconnect handler: uncount it in the background.
        if let Some(shared) = self.take_everywhere() {
            let user = self.user.to_string();
            tokio::spawn(async move {
                let result = shared.device_disconnected(&user).await;
                shared.note(&result);
            });
        }
    }
}

/// Which of `users` are online: across instances when Redis answers, else on this one.
pub async fn online(presence: &Presence, shared: Option<&Shared>, users: &[UserId]) -> Vec<UserId> {
    if let Some(shared) = shared {
        let keys: Vec<String> = users.iter().map(ToString::to_string).collect();
        let result = shared.online(&keys).await;
        shared.note(&result);
        if let Ok(flags) = result {
            return users.iter().zip(flags).filter(|(_, on)| *on).map(|(u, _)| *u).collect();
        }
    }
    users.iter().copied().filter(|u| presence.is_online(*u)).collect()
}

/// Sends `user_status` to the sockets sharing a room with `user`, except the user's own.
pub async fn announce<A: Adapter>(
    socket: &SocketRef<A>,
    io: &SocketIo<A>,
    cluster: &crate::Cluster,
    member_rooms: &[String],
    user: &User,
    online: bool,
    devices: usize,
) {
    if member_rooms.is_empty() {
        return;
    }
    let payload = UserStatus::new(user, online, devices);
    for others in crate::namespaces::others(socket, io) {
        let result = others
            .to(member_rooms.to_vec())
            .except(rooms::user(user.id))
            .emit(UserStatus::NAME, &payload)
            .await;
        if let Err(err) = result {
            tracing::debug!(error = %err, "user_status not delivered");
        }
    }
    cluster.relay_ops(|| {
        vec![crate::fanout::emit_except(member_rooms.to_vec(), Some(rooms::user(user.id)), &payload)]
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_devices_and_enforces_the_limit() {
        let presence = Presence::new(2);
        let user = UserId::new();
        let first = presence.reserve(user).expect("first slot");
        let second = presence.reserve(user).expect("second slot");
        assert_eq!((first.devices_at_reserve(), second.devices_at_reserve()), (1, 2));
        assert!(presence.reserve(user).is_none(), "a third device is over the limit");
        assert!(presence.is_online(user));
        assert_eq!(first.release(), 1);
        assert_eq!(first.release(), 1, "releasing twice gives back one slot");
        assert_eq!(second.release(), 0);
        assert!(!presence.is_online(user));
        assert_eq!(presence.total(), 0);
    }

    #[test]
    fn a_dropped_slot_is_given_back() {
        let presence = Presence::new(1);
        let user = UserId::new();
        let slot = presence.reserve(user).expect("slot");
        drop(slot);
        assert_eq!(presence.total(), 0);
        let again = presence.reserve(user).expect("the slot is free again");
        assert_eq!(again.release(), 0);
        drop(again);
        assert_eq!(presence.total(), 0, "dropping a released slot changes nothing");
    }
}
