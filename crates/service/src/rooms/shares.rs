//! Read-only share links: the room's owner (or an admin) makes a link to a snapshot of the
//! history, which opens for signed-in users (or anyone, by setting) until it expires or is revoked
//! (docs/conversations.md, "Share links"). Creating and revoking are audit-logged.

use super::*;
use base64::Engine as _;
use chatbot_domain::ValidationError;
use chatbot_store::ShareLink;
use time::OffsetDateTime;

/// Longest expiry a link may be given (a year); without one a link lasts until revoked.
pub const MAX_SHARE_HOURS: u32 = 24 * 366;
/// Most messages one page of a shared snapshot holds.
pub const SHARE_PAGE: u32 = 200;

/// What a share link shows: the link, the room's name and a page of the snapshot.
#[derive(Debug, Clone)]
pub struct SharedSnapshot {
    pub share: ShareLink,
    pub room_name: String,
    pub messages: Vec<Message>,
    /// More of the snapshot after the last message here: ask again with `after` = its seq.
    pub has_more: bool,
}

impl RoomService {
    /// A new link to the room's history as it is now; `expires_in_hours` (at most
    /// [`MAX_SHARE_HOURS`]) or until revoked.
    pub async fn create_share(
        &self,
        actor: &Actor,
        room_id: RoomId,
        expires_in_hours: Option<u32>,
    ) -> ServiceResult<ShareLink> {
        let summary = self.summary(actor, room_id).await?;
        self.require_manager(actor, &summary)?;
        let hours = match expires_in_hours {
            Some(0) => return Err(ValidationError::new("expiresInHours", "must be at least 1").into()),
            Some(h) if h > MAX_SHARE_HOURS => {
                return Err(
                    ValidationError::new("expiresInHours", format!("at most {MAX_SHARE_HOURS}")).into()
                );
            }
            other => other,
        };
        let now = OffsetDateTime::now_utc();
        let live = self.store.list_shares(room_id).await?.iter().filter(|s| s.is_live(now)).count();
        if live >= self.settings.max_shares_per_room as usize {
            return Err(ServiceError::Conflict(format!(
                "this room has {live} live share links, the most it may have; revoke one first"
            )));
        }
        let bytes: [u8; 32] = rand::random();
        let share = ShareLink {
            id: uuid::Uuid::now_v7(),
            token: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
            room_id,
            created_by: Some(actor.id()),
            up_to_seq: summary.room.last_seq,
            created_at: now,
            expires_at: hours.map(|h| now + time::Duration::hours(i64::from(h))),
            revoked_at: None,
        };
        self.store.create_share(&share).await?;
        self.audit(actor, "share.create", &share).await;
        Ok(share)
    }

    /// The room's links, newest first (the owner or an admin).
    pub async fn shares(&self, actor: &Actor, room_id: RoomId) -> ServiceResult<Vec<ShareLink>> {
        let summary = self.summary(actor, room_id).await?;
        self.require_manager(actor, &summary)?;
        Ok(self.store.list_shares(room_id).await?)
    }

    /// Revokes a link: it stops opening at once.
    pub async fn revoke_share(
        &self,
        actor: &Actor,
        room_id: RoomId,
        share_id: uuid::Uuid,
    ) -> ServiceResult<()> {
        let summary = self.summary(actor, room_id).await?;
        self.require_manager(actor, &summary)?;
        let share = self.store.revoke_share(room_id, share_id, OffsetDateTime::now_utc()).await?;
        let share = share.ok_or(ServiceError::NotFound("share link"))?;
        self.audit(actor, "share.revoke", &share).await;
        Ok(())
    }

    /// What a link shows `viewer` (`None`: not signed in): a page of the snapshot after `after`.
    /// A link that is unknown, expired or revoked does not exist (404), whoever asks.
    pub async fn open_share(
        &self,
        viewer: Option<&Actor>,
        token: &str,
        after: Option<i64>,
    ) -> ServiceResult<SharedSnapshot> {
        if viewer.is_none() && !self.settings.share_links_public {
            return Err(ServiceError::Unauthorized("sign in to open this link"));
        }
        let share = self.store.share_by_token(token).await?.filter(|s| s.is_live(OffsetDateTime::now_utc()));
        let share = share.ok_or(ServiceError::NotFound("share link"))?;
        let room = self.room(share.room_id).await?;
        let query = HistoryQuery {
            before: Some(share.up_to_seq + 1),
            after: Some(after.unwrap_or(0).max(0)),
            limit: SHARE_PAGE,
        };
        let messages = self.store.list_messages(share.room_id, query).await?;
        let has_more =
            messages.last().is_some_and(|m| m.seq < share.up_to_seq) && messages.len() == SHARE_PAGE as usize;
        Ok(SharedSnapshot { share, room_name: room.name, messages, has_more })
    }

    async fn audit(&self, actor: &Actor, action: &str, share: &ShareLink) {
        let detail = serde_json::json!({
            "shareId": share.id,
            "upToSeq": share.up_to_seq,
            "expiresAt": share.expires_at.and_then(|at| at.format(&time::format_description::well_known::Rfc3339).ok()),
        });
        crate::audit::record(
            self.store.as_ref(),
            Some(actor.id()),
            action,
            Some(share.room_id.to_string()),
            detail,
        )
        .await;
    }
}
