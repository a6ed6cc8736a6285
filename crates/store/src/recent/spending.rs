//! Each user's spending today and own budgets, as the budget check before every answer reads them
//! ([`crate::Store::usage_on_day`]): filled by one read, then kept current by this process's usage
//! writes (each adds what it recorded) and dropped by a budget change. A budget changed from the
//! command line (`chatbot user budget`: another process) is not seen here: each user's entry is
//! read again once it is [`READ_AGAIN_AFTER`] old.

use super::history::Lookup;
use super::slots::Slots;
use crate::records::{NewUsage, UsageTotals, day_text};
use chatbot_domain::UserId;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Users kept at most; past it everything is dropped (and refilled by the next reads): one entry
/// is a few dozen bytes, so the bound only guards against a store of every user who ever asked.
const USERS_KEPT: usize = 65_536;

/// How long an entry is trusted for the user's budgets, which other processes may change.
pub(super) const READ_AGAIN_AFTER: Duration = Duration::from_secs(5);

pub(super) struct Spending {
    users: Mutex<Slots<UserId, Today>>,
}

/// One user's totals on one UTC day.
struct Today {
    day: String,
    totals: UsageTotals,
    read_at: Instant,
}

/// The UTC day now, as usage rows are counted in (`YYYY-MM-DD`).
pub(super) fn today() -> String {
    day_text(OffsetDateTime::now_utc().date())
}

impl Spending {
    pub(super) fn new() -> Self {
        Self { users: Mutex::new(Slots::new()) }
    }

    fn users(&self) -> MutexGuard<'_, Slots<UserId, Today>> {
        // Each critical section is one map update: a poisoned lock holds usable data.
        self.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn lookup(&self, user: UserId, day: &str) -> Lookup<UsageTotals> {
        let mut users = self.users();
        let fresh = |kept: &&mut Today| kept.day == day && kept.read_at.elapsed() < READ_AGAIN_AFTER;
        if let Some(kept) = users.kept(&user).filter(fresh) {
            return Lookup::Hit(kept.totals);
        }
        if users.map.len() >= USERS_KEPT {
            users.forget_all();
        }
        users.begin_fill(user).map_or(Lookup::Pass, Lookup::Fill)
    }

    pub(super) fn fill(&self, user: UserId, ticket: u64, day: &str, totals: UsageTotals) {
        let read_at = Instant::now();
        self.users().finish_fill(user, ticket, Today { day: day.to_owned(), totals, read_at });
    }

    /// A user created now: nothing spent, no budget of their own.
    pub(super) fn created(&self, user: UserId) {
        let today = Today { day: today(), totals: UsageTotals::default(), read_at: Instant::now() };
        self.users().keep_new(user, today);
    }

    pub(super) fn abandon(&self, user: UserId, ticket: u64) {
        self.users().abandon_fill(user, ticket);
    }

    /// A usage row stored between `day_before` and `day_after` (the UTC days read before the
    /// write began and after it ended): counted into the kept day when the row is surely of it.
    pub(super) fn spent(&self, usage: &NewUsage, day_before: &str, day_after: &str) {
        let Some(user) = usage.user_id else { return };
        self.users().written(user, |kept| {
            if kept.day != day_before || day_before != day_after {
                return false;
            }
            let tokens = usage.input_tokens
                + usage.output_tokens
                + usage.cache_creation_tokens
                + usage.cache_read_tokens;
            kept.totals.tokens = kept.totals.tokens.saturating_add(tokens);
            kept.totals.cost = kept.totals.cost.saturating_add(usage.cost);
            true
        });
    }

    /// The user's budgets changed, or a usage write may or may not have committed.
    pub(super) fn forget(&self, user: UserId) {
        self.users().forget(user);
    }
}
