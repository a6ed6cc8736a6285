//! Each user's spending today and own budgets, as the budget check before every answer reads them
//! ([`crate::Store::usage_on_day`]): filled by one read, then kept current by this process's usage
//! writes (each adds what it recorded) and dropped by a budget change. A budget changed from the
//! command line (`chatbot user budget`: another process) is not seen here: each user's entry is
//! read again once it is [`READ_AGAIN_AFTER`] old. So that an answer of a user who keeps asking
//! never waits for that read, an entry past half that age is read again in the background while
//! it is still served ([`Found::Kept`]'s `refresh`, [`Slots::serve_ahead`]).

use super::slots::{Found, Slots};
use crate::records::{NewUsage, UsageTotals, day_text};
use chatbot_domain::UserId;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Users kept at most; past it everything is dropped (and refilled by the next reads): one entry
/// is a few dozen bytes, so the bound only guards against a store of every user who ever asked.
const USERS_KEPT: usize = 65_536;

/// How long an entry is trusted for the user's budgets, which other processes may change.
pub const READ_AGAIN_AFTER: Duration = Duration::from_secs(5);

pub(super) struct Spending {
    users: Mutex<Slots<UserId, Today>>,
    /// [`READ_AGAIN_AFTER`], shorter in tests.
    read_again_after: Duration,
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
    pub(super) fn reading_again_after(read_again_after: Duration) -> Self {
        Self { users: Mutex::new(Slots::new()), read_again_after }
    }

    fn users(&self) -> MutexGuard<'_, Slots<UserId, Today>> {
        // Each critical section is one map update: a poisoned lock holds usable data.
        self.users.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn lookup(&self, user: UserId, day: &str) -> Found<UsageTotals> {
        self.lookup_at(user, day, Instant::now())
    }

    fn lookup_at(&self, user: UserId, day: &str, now: Instant) -> Found<UsageTotals> {
        let mut users = self.users();
        let age_of = |kept: &Today| (kept.day == day).then(|| now.saturating_duration_since(kept.read_at));
        if let Some((value, refresh)) =
            users.serve_ahead(user, self.read_again_after, age_of, |kept| kept.totals)
        {
            return Found::Kept { value, refresh };
        }
        if users.map.len() >= USERS_KEPT {
            users.forget_all();
        }
        users.begin_fill(user).map_or(Found::Pass, Found::Fill)
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

#[cfg(test)]
mod tests {
    use super::*;

    const AGE: Duration = Duration::from_secs(10);

    fn totals(tokens: i64) -> UsageTotals {
        UsageTotals { tokens, ..UsageTotals::default() }
    }

    fn kept(found: &Found<UsageTotals>) -> Option<(i64, Option<u64>)> {
        match found {
            Found::Kept { value, refresh } => Some((value.tokens, *refresh)),
            Found::Fill(_) | Found::Pass => None,
        }
    }

    /// A user's entry filled with `tokens`, with the moment it counts as read (just after the fill,
    /// so it is at least as old as the moments computed from this one say).
    fn kept_entry(tokens: i64) -> (Spending, UserId, String, Instant) {
        let spending = Spending::reading_again_after(AGE);
        let (user, day) = (UserId::new(), today());
        let Found::Fill(ticket) = spending.lookup(user, &day) else { panic!("nothing kept yet") };
        spending.fill(user, ticket, &day, totals(tokens));
        (spending, user, day, Instant::now())
    }

    #[test]
    fn an_entry_past_half_its_age_is_served_while_one_refresh_reads_it_again() {
        let (spending, user, day, read_at) = kept_entry(7);

        let young = spending.lookup_at(user, &day, read_at + AGE / 4);
        assert_eq!(kept(&young), Some((7, None)), "young: served, no refresh");

        let due = spending.lookup_at(user, &day, read_at + AGE * 3 / 4);
        let Some((7, Some(ticket))) = kept(&due) else { panic!("past half its age: served and refreshed") };
        let again = spending.lookup_at(user, &day, read_at + AGE * 3 / 4);
        assert_eq!(kept(&again), Some((7, None)), "served meanwhile, the one refresh in flight");

        spending.fill(user, ticket, &day, totals(9));
        let refreshed_at = Instant::now();
        let after = spending.lookup_at(user, &day, refreshed_at + AGE / 4);
        assert_eq!(kept(&after), Some((9, None)), "the refresh's read, young again");
    }

    #[test]
    fn an_entry_past_its_age_is_read_before_it_is_served() {
        let (spending, user, day, read_at) = kept_entry(7);
        assert!(matches!(spending.lookup_at(user, &day, read_at + AGE), Found::Fill(_)));
    }

    #[test]
    fn a_refresh_that_does_not_end_leaves_the_entry_served_only_up_to_its_age() {
        let (spending, user, day, read_at) = kept_entry(2);
        let Some((2, Some(_))) = kept(&spending.lookup_at(user, &day, read_at + AGE / 2)) else {
            panic!("due for a refresh")
        };
        assert!(matches!(spending.lookup_at(user, &day, read_at + AGE), Found::Pass));
    }

    #[test]
    fn a_usage_written_during_a_refresh_is_counted_and_the_refresh_dropped() {
        let (spending, user, day, read_at) = kept_entry(7);
        let Some((7, Some(ticket))) = kept(&spending.lookup_at(user, &day, read_at + AGE / 2)) else {
            panic!("due for a refresh")
        };
        let usage = NewUsage {
            id: uuid::Uuid::new_v4(),
            message_id: None,
            user_id: Some(user),
            room_id: None,
            provider: "demo".into(),
            model: "demo".into(),
            input_tokens: 3,
            output_tokens: 0,
            cache_creation_tokens: 0,
            cache_read_tokens: 0,
            cost: 0,
            ttft_ms: None,
            duration_ms: None,
        };
        spending.spent(&usage, &day, &day);
        spending.fill(user, ticket, &day, totals(7)); // read before the write: must not be kept
        assert_eq!(kept(&spending.lookup_at(user, &day, read_at + AGE / 4)).map(|k| k.0), Some(10));
    }
}
