//! Set-based planning of a batch append, shared by both backends.
//!
//! Appending one message costs several statements (idempotency check, seq bump, insert, read
//! back). A batch instead runs a fixed handful whatever its size (PostgreSQL: one lookup of
//! earlier `client_id`s, one seq bump for all its rooms, one multi-row insert, one lookup of
//! author names; SQLite: usually one insert, see `sqlite::append_new_batch`). What is left (which
//! message is a duplicate of which, which seq or position each gets, the rows to return) is
//! decided here, in memory, the same way for SQLite and PostgreSQL.

use crate::error::{StoreError, StoreResult};
use crate::records::{Appended, Message, NewMessage};
use chatbot_domain::{RoomId, UserId};
use std::collections::HashMap;
use time::OffsetDateTime;

/// What happens to one message of the batch.
#[derive(Debug)]
enum Slot {
    /// Its `client_id` was stored before this batch: that message is the answer.
    Existing(Box<Message>),
    /// An earlier message of this batch has the same author and `client_id`.
    SameAs(usize),
    /// To be inserted.
    New,
}

/// The decisions that need no database round trip.
#[derive(Debug)]
pub(crate) struct Plan {
    slots: Vec<Slot>,
    /// New messages per room, rooms in order of first appearance.
    pub room_counts: Vec<(RoomId, i64)>,
}

/// The distinct `(user_id, client_id)` pairs of the batch, to look earlier messages up by.
pub(crate) fn client_keys(batch: &[NewMessage]) -> Vec<(UserId, &str)> {
    let mut pairs: Vec<(UserId, &str)> = batch.iter().filter_map(key).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The statement that finds earlier messages with any of `pairs` as their author and key:
/// one search of the `(user_id, client_id)` index per pair. (`client_id IN (…)` alone cannot use
/// that index and scanned it whole, and `user_id IN (…) AND client_id IN (…)` probed every
/// author × key combination; the partial index also needs `client_id IS NOT NULL` spelled out
/// for SQLite to use it.)
pub(crate) fn earlier_messages_sql(message_select: &str, pairs: usize) -> String {
    format!(
        "WITH k(u, c) AS (VALUES {}) {message_select}\
         WHERE m.client_id IS NOT NULL AND (m.user_id, m.client_id) IN (SELECT u, c FROM k)",
        values(2, pairs)
    )
}

fn key(message: &NewMessage) -> Option<(UserId, &str)> {
    Some((message.user_id?, message.client_id.as_deref()?))
}

/// Classifies each message. `earlier` are stored messages whose `client_id` appears in the batch
/// (possibly of other users; only exact author + key matches count).
pub(crate) fn plan(batch: &[NewMessage], earlier: Vec<Message>) -> Plan {
    let mut stored: HashMap<(UserId, String), Message> = HashMap::new();
    for message in earlier {
        if let (Some(user), Some(client)) = (message.user_id, message.client_id.clone()) {
            stored.insert((user, client), message);
        }
    }
    let mut first_in_batch: HashMap<(UserId, &str), usize> = HashMap::new();
    let mut room_counts: Vec<(RoomId, i64)> = Vec::new();
    let mut slots = Vec::with_capacity(batch.len());
    for (i, message) in batch.iter().enumerate() {
        let slot = match key(message) {
            None => Slot::New,
            Some((user, client)) => match stored.get(&(user, client.to_owned())) {
                Some(first) => Slot::Existing(Box::new(first.clone())),
                None => match first_in_batch.get(&(user, client)) {
                    Some(&first) => Slot::SameAs(first),
                    None => {
                        first_in_batch.insert((user, client), i);
                        Slot::New
                    }
                },
            },
        };
        if matches!(slot, Slot::New) {
            match room_counts.iter_mut().find(|(room, _)| *room == message.room_id) {
                Some((_, count)) => *count += 1,
                None => room_counts.push((message.room_id, 1)),
            }
        }
        slots.push(slot);
    }
    Plan { slots, room_counts }
}

/// Seq for each new message, given each room's `last_seq` after the bump (rooms missing from
/// `bumped` do not exist). `None` for messages that are not inserted.
pub(crate) fn assign_seqs(
    batch: &[NewMessage],
    plan: &Plan,
    bumped: &HashMap<RoomId, i64>,
) -> Vec<Option<i64>> {
    let mut next: HashMap<RoomId, i64> = plan
        .room_counts
        .iter()
        .filter_map(|(room, count)| bumped.get(room).map(|last| (*room, last - count + 1)))
        .collect();
    batch
        .iter()
        .zip(&plan.slots)
        .map(|(message, slot)| match slot {
            Slot::New => next.get_mut(&message.room_id).map(|seq| {
                *seq += 1;
                *seq - 1
            }),
            _ => None,
        })
        .collect()
}

/// The outcome of every message, in input order.
pub(crate) fn outcomes(
    batch: &[NewMessage],
    plan: Plan,
    seqs: &[Option<i64>],
    names: &HashMap<UserId, String>,
    at: OffsetDateTime,
) -> Vec<StoreResult<Appended>> {
    let mut created: Vec<Option<Message>> = vec![None; batch.len()];
    let mut results = Vec::with_capacity(batch.len());
    for (i, (new, slot)) in batch.iter().zip(plan.slots).enumerate() {
        let result = match slot {
            Slot::Existing(message) => Ok(Appended::Duplicate(*message)),
            Slot::SameAs(first) => {
                created[first].clone().map(Appended::Duplicate).ok_or(StoreError::NotFound)
            }
            Slot::New => match seqs[i] {
                Some(seq) => {
                    let user_name = new.user_id.and_then(|id| names.get(&id).cloned());
                    let message = Message {
                        id: new.id,
                        room_id: new.room_id,
                        seq,
                        user_id: new.user_id,
                        user_name,
                        role: new.role,
                        content: new.content.clone(),
                        status: new.status,
                        model: new.model.clone(),
                        reply_to: new.reply_to,
                        client_id: new.client_id.clone(),
                        error: None,
                        created_at: at,
                        updated_at: at,
                        edited_at: None,
                        deleted_at: None,
                        prompt: None,
                        active_reply: None,
                    };
                    created[i] = Some(message.clone());
                    Ok(Appended::Created(message))
                }
                None => Err(StoreError::NotFound),
            },
        };
        results.push(result);
    }
    results
}

// The generated statements below are SQLite's (PostgreSQL binds one array per column instead).
// They use anonymous `?` parameters: SQLite resolves named and numbered ones (`$n`) by a linear
// scan of the statement's parameter list, both when parsing and when sqlx binds, so a batch of n
// parameters cost O(n²): a 256-message insert (3,072 parameters) spent most of its time in
// `strncmp` (perf, docs/benchmarks.md). Anonymous `?` are positional: O(1) each.

/// `?, ?, …` (`count` of them), for `IN (…)` lists.
pub(crate) fn list(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// `(?, ?), (?, ?), …`: `rows` tuples of `width` parameters.
pub(crate) fn values(width: usize, rows: usize) -> String {
    let row = format!("({})", list(width));
    vec![row; rows].join(", ")
}

/// Distinct authors of the inserted messages, for the name lookup.
pub(crate) fn authors(batch: &[NewMessage], seqs: &[Option<i64>]) -> Vec<UserId> {
    let mut ids: Vec<UserId> =
        batch.iter().zip(seqs).filter(|(_, seq)| seq.is_some()).filter_map(|(m, _)| m.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatbot_domain::{MessageId, MessageRole, MessageStatus};

    fn new(room: RoomId, user: UserId, client: Option<&str>) -> NewMessage {
        NewMessage {
            id: MessageId::new(),
            room_id: room,
            user_id: Some(user),
            role: MessageRole::User,
            content: "x".into(),
            status: MessageStatus::Complete,
            model: None,
            reply_to: None,
            client_id: client.map(str::to_owned),
        }
    }

    #[test]
    fn seqs_follow_input_order_per_room_and_skip_duplicates() {
        let (a, b, user) = (RoomId::new(), RoomId::new(), UserId::new());
        let batch =
            vec![new(a, user, Some("k")), new(b, user, None), new(a, user, Some("k")), new(a, user, None)];
        let plan = plan(&batch, Vec::new());
        assert_eq!(plan.room_counts, vec![(a, 2), (b, 1)]);
        let bumped = HashMap::from([(a, 12), (b, 1)]);
        assert_eq!(assign_seqs(&batch, &plan, &bumped), vec![Some(11), Some(1), None, Some(12)]);
        let results = outcomes(
            &batch,
            plan,
            &[Some(11), Some(1), None, Some(12)],
            &HashMap::new(),
            OffsetDateTime::now_utc(),
        );
        let Ok(Appended::Duplicate(dup)) = &results[2] else { panic!("{:?}", results[2]) };
        assert_eq!(dup.seq, 11);
    }

    #[test]
    fn missing_rooms_fail_their_messages_only() {
        let (gone, here, user) = (RoomId::new(), RoomId::new(), UserId::new());
        let batch = vec![new(gone, user, Some("k")), new(here, user, None), new(gone, user, Some("k"))];
        let plan = plan(&batch, Vec::new());
        let seqs = assign_seqs(&batch, &plan, &HashMap::from([(here, 1)]));
        let results = outcomes(&batch, plan, &seqs, &HashMap::new(), OffsetDateTime::now_utc());
        assert!(matches!(results[0], Err(StoreError::NotFound)));
        assert!(matches!(results[1], Ok(Appended::Created(_))));
        assert!(matches!(results[2], Err(StoreError::NotFound)), "a duplicate of a failed message fails too");
    }

    #[test]
    fn earlier_keys_only_match_the_same_author() {
        let (room, alice, bob) = (RoomId::new(), UserId::new(), UserId::new());
        let at = OffsetDateTime::now_utc();
        let first = Message {
            id: MessageId::new(),
            room_id: room,
            seq: 1,
            user_id: Some(alice),
            user_name: None,
            role: MessageRole::User,
            content: "first".into(),
            status: MessageStatus::Complete,
            model: None,
            reply_to: None,
            client_id: Some("k".into()),
            error: None,
            created_at: at,
            updated_at: at,
            edited_at: None,
            deleted_at: None,
            prompt: None,
            active_reply: None,
        };
        let batch = vec![new(room, alice, Some("k")), new(room, bob, Some("k"))];
        let plan = plan(&batch, vec![first]);
        assert_eq!(plan.room_counts, vec![(room, 1)], "only bob's message is new");
    }

    #[test]
    fn client_keys_are_distinct_pairs_searched_pairwise() {
        let (room, alice, bob) = (RoomId::new(), UserId::new(), UserId::new());
        let batch = vec![
            new(room, alice, Some("k")),
            new(room, bob, Some("k")),
            new(room, alice, Some("k")),
            new(room, alice, None),
        ];
        let mut expected = vec![(alice, "k"), (bob, "k")];
        expected.sort_unstable();
        assert_eq!(client_keys(&batch), expected);
        assert_eq!(
            earlier_messages_sql("SELECT m.id FROM messages m ", 2),
            "WITH k(u, c) AS (VALUES (?, ?), (?, ?)) SELECT m.id FROM messages m \
             WHERE m.client_id IS NOT NULL AND (m.user_id, m.client_id) IN (SELECT u, c FROM k)"
        );
    }

    #[test]
    fn placeholders_are_anonymous_rows_of_columns() {
        assert_eq!(values(2, 2), "(?, ?), (?, ?)");
        assert_eq!(list(3), "?, ?, ?");
    }
}
