//! Answer leases across instances (SPEC §3 guarantee 5, §5): before an answer starts, its
//! instance takes the room's one answer slot and one of its requester's
//! `llm.per_user_concurrency` slots in Redis, so two instances never stream in one room at once
//! and a user's answers count against one limit wherever they were asked. The lease is renewed
//! while the answer runs and lapses by itself if the instance dies, so the next answer waits at
//! most one lease for a dead instance.
//!
//! Redis unreachable: the answer proceeds under the instance's own limits (logged once by
//! [`Shared::note`]); the per-room queue of each instance still holds.

use chatbot_domain::{RoomId, UserId};
use chatbot_redis::shared::{AnswerLease, Shared};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often a waiting answer asks again.
const RETRY: Duration = Duration::from_millis(100);

/// Held leases, renewed in the background and given back when dropped.
pub(super) struct HeldLease {
    shared: Shared,
    lease: AnswerLease,
    renewing: JoinHandle<()>,
}

impl Drop for HeldLease {
    fn drop(&mut self) {
        self.renewing.abort();
        let (shared, lease) = (self.shared.clone(), self.lease.clone());
        tokio::spawn(async move {
            let result = shared.release_answer(&lease).await;
            shared.note(&result);
        });
    }
}

/// Waits for the room's slot and one of the user's, then holds them; `None` when Redis cannot
/// be reached (the caller goes on under its local limits).
pub(super) async fn take(
    shared: &Shared,
    room: RoomId,
    user: UserId,
    per_user: usize,
    ttl: Duration,
) -> Option<HeldLease> {
    let (room_key, user_key) = (room.to_string(), user.to_string());
    let lease = loop {
        let result = shared.lease_answer(&room_key, &user_key, per_user, ttl).await;
        shared.note(&result);
        match result {
            Ok(Some(lease)) => break lease,
            Ok(None) => tokio::time::sleep(RETRY).await,
            Err(_) => return None,
        }
    };
    let renewing = tokio::spawn({
        let (shared, lease) = (shared.clone(), lease.clone());
        async move {
            let mut ticks = tokio::time::interval(ttl / 3);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let result = shared.renew_answer(&lease, per_user, ttl).await;
                shared.note(&result);
                if let Ok(false) = result {
                    tracing::warn!(
                        "an answer's lease was lost (Redis lost it or it lapsed): another answer may start in its room"
                    );
                }
            }
        }
    });
    Some(HeldLease { shared: shared.clone(), lease, renewing })
}
