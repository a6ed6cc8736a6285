//! Per-user daily budgets (tokens and micro-dollars, UTC day), with what answers in flight may
//! still spend held back: the check alone let every answer started before the first one
//! finished pass it, so a user asking in many rooms at once could overshoot by all of them.
//! With several instances the holds are kept in Redis ([`Shared::reserve_budget`]), so an answer
//! started on one instance sees what answers on the others hold; while Redis is unreachable each
//! instance holds its own.

use chatbot_domain::UserId;
use chatbot_redis::shared::{BudgetAsk, BudgetHold, Shared};
use chatbot_store::{Store, UsageTotals};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// Tokens and micro-dollars.
type Amount = (u64, u64);

pub(super) struct Budget {
    store: Arc<dyn Store>,
    tokens: Option<u64>,
    cost: Option<u64>,
    /// Per user: the worst case of their answers in flight, until each records its usage.
    held: Arc<Mutex<HashMap<UserId, Amount>>>,
    shared: Option<Shared>,
}

/// How long a hold in Redis outlives an instance that died without giving it back.
const SHARED_HOLD_LIFE: std::time::Duration = std::time::Duration::from_secs(1800);

/// What one answer holds of its requester's budget; given back when dropped.
pub(super) struct Reservation {
    user: UserId,
    amount: Amount,
    held: Arc<Mutex<HashMap<UserId, Amount>>>,
    /// Held in Redis instead of `held` (several instances).
    shared: Option<(Shared, BudgetHold)>,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some((shared, hold)) = self.shared.take() {
            shared.release_budget(&hold);
            return;
        }
        let mut held = lock(&self.held);
        if let Some(total) = held.get_mut(&self.user) {
            total.0 = total.0.saturating_sub(self.amount.0);
            total.1 = total.1.saturating_sub(self.amount.1);
            if *total == (0, 0) {
                held.remove(&self.user);
            }
        }
    }
}

fn lock(held: &Mutex<HashMap<UserId, Amount>>) -> std::sync::MutexGuard<'_, HashMap<UserId, Amount>> {
    // Each critical section is one map update: a poisoned lock still holds consistent data.
    held.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Budget {
    pub(super) fn new(
        store: Arc<dyn Store>,
        tokens: Option<u64>,
        cost: Option<u64>,
        shared: Option<Shared>,
    ) -> Self {
        Self { store, tokens, cost, held: Arc::new(Mutex::new(HashMap::new())), shared }
    }

    /// Today's spending of `user` and their own budgets: read apart from [`Self::reserve`] so
    /// that the read runs beside the answer's history read (the reservation needs the prompt's
    /// size, which needs the history). `unavailable` when the spending cannot be read (a budget
    /// that cannot be checked is not a budget).
    pub(super) async fn spending(&self, user: UserId) -> Result<UsageTotals, &'static str> {
        let today = crate::admin::day_text(OffsetDateTime::now_utc().date());
        // One read gives today's spending and the user's own budgets, which replace the
        // server's defaults (set by an admin: PATCH /api/admin/users/:id, `chatbot user budget`).
        self.store.usage_on_day(user, &today).await.map_err(|err| {
            tracing::warn!(error = %err, "could not read usage for the budget check: answer refused");
            "unavailable"
        })
    }

    /// Admits an answer that may spend up to `worst` (tokens, micro-dollars), given the
    /// requester's `totals` ([`Self::spending`]): refused with `quota_exceeded` when today's
    /// spending plus what answers in flight hold reaches a budget. `None` when no budget is set.
    pub(super) async fn reserve(
        &self,
        user: UserId,
        totals: UsageTotals,
        worst_tokens: u64,
        worst_cost: u64,
    ) -> Result<Option<Reservation>, &'static str> {
        let own = |budget: Option<i64>| budget.map(|b| u64::try_from(b).unwrap_or(0));
        let token_budget = own(totals.token_budget).or(self.tokens);
        let cost_budget = own(totals.cost_budget).or(self.cost);
        if token_budget.is_none() && cost_budget.is_none() {
            return Ok(None);
        }
        if let Some(shared) = &self.shared {
            let ask = BudgetAsk {
                spent_tokens: u64::try_from(totals.tokens).unwrap_or(0),
                spent_cost: u64::try_from(totals.cost).unwrap_or(0),
                token_budget,
                cost_budget,
                worst_tokens,
                worst_cost,
            };
            let result = shared.reserve_budget(&user.to_string(), ask, SHARED_HOLD_LIFE).await;
            shared.note(&result);
            match result {
                Ok(Some(hold)) => {
                    return Ok(Some(Reservation {
                        user,
                        amount: (worst_tokens, worst_cost),
                        held: self.held.clone(),
                        shared: Some((shared.clone(), hold)),
                    }));
                }
                Ok(None) => return Err("quota_exceeded"),
                Err(_) => {} // Redis unreachable: hold it here
            }
        }
        let mut held = lock(&self.held);
        let holding = held.get(&user).copied().unwrap_or((0, 0));
        let spent_tokens = u64::try_from(totals.tokens).unwrap_or(0) + holding.0;
        let spent_cost = u64::try_from(totals.cost).unwrap_or(0) + holding.1;
        if token_budget.is_some_and(|t| spent_tokens >= t) || cost_budget.is_some_and(|c| spent_cost >= c) {
            return Err("quota_exceeded");
        }
        let total = held.entry(user).or_insert((0, 0));
        total.0 += worst_tokens;
        total.1 += worst_cost;
        Ok(Some(Reservation {
            user,
            amount: (worst_tokens, worst_cost),
            held: self.held.clone(),
            shared: None,
        }))
    }
}
