//! The admin console (SPEC §4 Admin): figures, usage reports, rooms and their conversations,
//! failed answers and per-user budgets. Every method checks the actor is an admin; reading a
//! conversation and every change are written to the audit log.

use crate::accounts::Actor;
use crate::error::{ServiceError, ServiceResult};
use crate::rooms::RoomService;
use chatbot_domain::{MessageId, RoomId, UserId};
use chatbot_metrics::metrics;
use chatbot_store::{
    AdminRoom, AdminRoomQuery, DayFigures, FailedAnswer, HistoryQuery, Message, Store, UsageGroup, UsageLine,
    UsageSums, User,
};
use serde_json::json;
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime};

/// Longest window the dashboard and the usage reports cover, in days.
pub const MAX_REPORT_DAYS: i64 = 366;

/// The dashboard: stored figures and this instance's live ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    pub figures: chatbot_store::DashboardFigures,
    /// Every day of the window, oldest first (days with nothing are zeros).
    pub days: Vec<DayFigures>,
    pub live_connections: i64,
    pub live_streams: i64,
    pub queued_answers: i64,
}

/// A budget change: `None` leaves it as it is, `Some(None)` returns to the server default.
#[derive(Debug, Clone, Copy, Default)]
pub struct BudgetChange {
    pub tokens: Option<Option<i64>>,
    pub cost: Option<Option<i64>>,
}

pub struct AdminService {
    store: Arc<dyn Store>,
    rooms: Arc<RoomService>,
}

fn invalid(field: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(chatbot_domain::ValidationError::new(field, message))
}

fn require_admin(actor: &Actor) -> ServiceResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(ServiceError::Forbidden("administrators only")) }
}

pub use chatbot_domain::day_text;

impl AdminService {
    pub fn new(store: Arc<dyn Store>, rooms: Arc<RoomService>) -> Self {
        Self { store, rooms }
    }

    /// The last `days` UTC days (1 to [`MAX_REPORT_DAYS`]), today included.
    pub async fn dashboard(&self, actor: &Actor, days: u32) -> ServiceResult<Dashboard> {
        require_admin(actor)?;
        let days = i64::from(days);
        if !(1..=MAX_REPORT_DAYS).contains(&days) {
            return Err(invalid("days", format!("must be from 1 to {MAX_REPORT_DAYS}")));
        }
        let now = OffsetDateTime::now_utc();
        let today = now.date();
        let first = today - Duration::days(days - 1);
        let figures = self
            .store
            .dashboard(&day_text(first), (now - Duration::hours(24), now - Duration::days(7)))
            .await?;
        let mut stored = figures.days.iter().peekable();
        let mut filled = Vec::with_capacity(usize::try_from(days).unwrap_or(0));
        let mut day = first;
        while day <= today {
            let text = day_text(day);
            match stored.next_if(|d| d.day == text) {
                Some(found) => filled.push(found.clone()),
                None => filled.push(DayFigures { day: text, ..DayFigures::default() }),
            }
            day = day.next_day().unwrap_or(day + Duration::days(1));
        }
        let process = metrics();
        Ok(Dashboard {
            figures,
            days: filled,
            live_connections: process.ws_connections().get(),
            live_streams: process.llm_active_streams().get(),
            queued_answers: process.llm_queue_depth().get(),
        })
    }

    /// Usage from `from` to `to` (UTC days, inclusive), grouped, with the totals.
    /// `actor`: `None` for the operator's shell (`chatbot usage`).
    pub async fn usage(
        &self,
        actor: Option<&Actor>,
        group: UsageGroup,
        from: Date,
        to: Date,
    ) -> ServiceResult<(Vec<UsageLine>, UsageSums)> {
        if let Some(actor) = actor {
            require_admin(actor)?;
        }
        if from > to {
            return Err(invalid("from", "must not be after `to`"));
        }
        if (to - from).whole_days() >= MAX_REPORT_DAYS {
            return Err(invalid("to", format!("a report covers at most {MAX_REPORT_DAYS} days")));
        }
        let lines = self.store.usage_report(group, &day_text(from), &day_text(to)).await?;
        let mut totals = UsageSums::default();
        for line in &lines {
            let s = &line.sums;
            totals.answers += s.answers;
            totals.input_tokens += s.input_tokens;
            totals.output_tokens += s.output_tokens;
            totals.cache_read_tokens += s.cache_read_tokens;
            totals.cache_creation_tokens += s.cache_creation_tokens;
            totals.cost += s.cost;
        }
        Ok((lines, totals))
    }

    pub async fn rooms(&self, actor: &Actor, query: &AdminRoomQuery) -> ServiceResult<Vec<AdminRoom>> {
        require_admin(actor)?;
        Ok(self.store.admin_rooms(query).await?)
    }

    /// One room's conversation, oldest first: `limit` messages before `before` (a seq), and
    /// whether older ones exist. The read is audited (`room.thread_read`): admins may read any
    /// conversation, and their users may ask who did.
    pub async fn thread(
        &self,
        actor: &Actor,
        room_id: RoomId,
        before: Option<i64>,
        limit: u32,
    ) -> ServiceResult<(AdminRoom, Vec<Message>, bool)> {
        require_admin(actor)?;
        let room = self.room(room_id).await?;
        let mut messages = self
            .store
            .list_messages(room_id, HistoryQuery { before, after: None, limit: limit.saturating_add(1) })
            .await?;
        let has_more = messages.len() > limit as usize;
        if has_more {
            // The store gives the newest `limit + 1` in ascending order: the extra is the oldest.
            messages.remove(0);
        }
        self.audit(
            actor,
            "room.thread_read",
            Some(room_id.to_string()),
            json!({ "before": before, "count": messages.len() }),
        )
        .await;
        Ok((room, messages, has_more))
    }

    async fn room(&self, room_id: RoomId) -> ServiceResult<AdminRoom> {
        let query = AdminRoomQuery { only: Some(room_id), limit: 1, ..AdminRoomQuery::default() };
        self.store.admin_rooms(&query).await?.into_iter().next().ok_or(ServiceError::NotFound("room"))
    }

    /// Deletes any room but `general`; its members' sockets are told (`roomDeleted`). Audited.
    pub async fn delete_room(&self, actor: &Actor, room_id: RoomId) -> ServiceResult<()> {
        require_admin(actor)?;
        let room = self.room(room_id).await?;
        if !self.rooms.delete_any(room_id).await? {
            return Err(ServiceError::NotFound("room"));
        }
        self.audit(actor, "room.deleted", Some(room_id.to_string()), json!({ "name": room.room.name })).await;
        Ok(())
    }

    /// Failed answers, newest first, older than the one `before` names.
    pub async fn errors(
        &self,
        actor: &Actor,
        before: Option<MessageId>,
        limit: u32,
    ) -> ServiceResult<Vec<FailedAnswer>> {
        require_admin(actor)?;
        Ok(self.store.failed_answers(before, limit).await?)
    }

    /// Sets a user's own daily budgets (tokens, micro-dollars). Audited (`user.budget_changed`).
    pub async fn set_budget(
        &self,
        actor: Option<&Actor>,
        user_id: UserId,
        change: BudgetChange,
    ) -> ServiceResult<User> {
        if let Some(actor) = actor {
            require_admin(actor)?;
        }
        for (field, value) in [("dailyTokenBudget", change.tokens), ("dailyCostBudget", change.cost)] {
            if let Some(Some(v)) = value
                && v < 0
            {
                return Err(invalid(field, "must be 0 or more (null: the server default)"));
            }
        }
        let user = self.store.user(user_id).await?.ok_or(ServiceError::NotFound("user"))?;
        let tokens = change.tokens.unwrap_or(user.daily_token_budget);
        let cost = change.cost.unwrap_or(user.daily_cost_budget);
        if (tokens, cost) == (user.daily_token_budget, user.daily_cost_budget) {
            return Ok(user);
        }
        let updated = self.store.set_user_budget(user_id, tokens, cost).await?;
        let detail = json!({
            "email": user.email,
            "dailyTokenBudget": { "from": user.daily_token_budget, "to": tokens },
            "dailyCostBudget": { "from": user.daily_cost_budget, "to": cost },
        });
        let target = Some(user_id.to_string());
        crate::audit::record(
            self.store.as_ref(),
            actor.map(Actor::id),
            "user.budget_changed",
            target,
            detail,
        )
        .await;
        Ok(updated)
    }

    /// Audit writes never fail the action they describe; a failure is logged.
    async fn audit(&self, actor: &Actor, action: &str, target: Option<String>, detail: serde_json::Value) {
        crate::audit::record(self.store.as_ref(), Some(actor.id()), action, target, detail).await;
    }
}
