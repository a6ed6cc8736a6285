//! The newest messages of the rooms whose answers read them lately, as [`PromptMessage`]s: filled
//! by one read of a room's newest window, then kept current by this process's writes to it (a new
//! message is appended, an answer's text and end replace its row, an edit or a delete drops the
//! room, whose answers' kept texts change with it). Bounded in bytes over all rooms; the rooms
//! used least recently go first.

use super::slots::{Slot, Slots};
use crate::records::{Message, PromptMessage};
use chatbot_domain::{MessageId, MessageStatus, RoomId};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

/// How a history read is answered.
pub(super) enum Lookup<T> {
    Hit(T),
    /// Not kept: read the room's newest window and give it to [`Histories::fill`] with this
    /// ticket.
    Fill(u64),
    /// Read as asked, keep nothing (an older slice than is kept, a read of more than the window,
    /// a fill already in flight).
    Pass,
}

pub(super) struct Histories {
    /// Messages kept per room: what answers ask for (more is read as asked).
    window: usize,
    /// Bytes kept at most, over all rooms (estimated: see [`size_of_message`]).
    budget: usize,
    state: Mutex<State>,
}

struct State {
    rooms: Slots<RoomId, Window>,
    /// Kept answers still streaming, and their rooms: a partial write names only its message.
    streaming: HashMap<MessageId, RoomId>,
    bytes: usize,
    /// Counts lookups: a room's last use, for eviction.
    clock: u64,
}

/// A room's newest messages.
pub(super) struct Window {
    /// Ascending seq without gaps (a room's seqs have none; deleted messages stay as tombstones).
    messages: VecDeque<PromptMessage>,
    /// The seq the room's next message gets; `None`: the room had no message when read.
    next_seq: Option<i64>,
    /// The room's first message is kept (it has no older one): any older slice is empty.
    from_start: bool,
    bytes: usize,
    used: u64,
}

impl Window {
    /// The room's newest `window` messages as read (`read.len() < window`: all of them).
    pub(super) fn read(read: Vec<PromptMessage>, window: usize) -> Self {
        let from_start = read.len() < window;
        let next_seq = read.last().map(|m| m.seq + 1);
        let bytes = WINDOW_BYTES + read.iter().map(size_of_message).sum::<usize>();
        Self { messages: read.into(), next_seq, from_start, bytes, used: 0 }
    }

    /// A room created now: it has no message, and its first gets `next_seq`.
    fn empty(next_seq: i64) -> Self {
        Self {
            messages: VecDeque::new(),
            next_seq: Some(next_seq),
            from_start: true,
            bytes: WINDOW_BYTES,
            used: 0,
        }
    }

    /// The newest `limit` messages with `seq < before` (of all, without `before`), if this window
    /// holds them all.
    pub(super) fn serve(&self, before: Option<i64>, limit: usize) -> Option<Vec<PromptMessage>> {
        let end = match before {
            None => self.messages.len(),
            Some(before) => {
                // Past the window's end: a write this process has not been told of yet.
                if self.next_seq.is_none_or(|next| before > next) {
                    return None;
                }
                self.messages.partition_point(|m| m.seq < before)
            }
        };
        let start = end.saturating_sub(limit);
        if end - start < limit && !self.from_start {
            return None;
        }
        Some(self.messages.range(start..end).cloned().collect())
    }

    /// Appends the room's next message; `false` when it is not the next (a write this window
    /// missed).
    fn append(
        &mut self,
        message: &Message,
        window: usize,
        streaming: &mut HashMap<MessageId, RoomId>,
    ) -> bool {
        if self.next_seq.is_some_and(|next| message.seq != next) {
            return false;
        }
        let kept = PromptMessage::from(message);
        self.bytes += size_of_message(&kept);
        self.messages.push_back(kept);
        self.next_seq = Some(message.seq + 1);
        if message.status == MessageStatus::Streaming {
            streaming.insert(message.id, message.room_id);
        }
        while self.messages.len() > window {
            if let Some(old) = self.messages.pop_front() {
                self.bytes -= size_of_message(&old);
                streaming.remove(&old.id);
            }
            self.from_start = false;
        }
        true
    }

    /// Replaces a kept message with its new state; `false` when the window cannot tell (the
    /// message is newer than it knows of, or not where its seq says).
    fn replace(&mut self, message: &Message) -> bool {
        let Some(first) = self.messages.front().map(|m| m.seq) else {
            return false; // the room was empty when read: this message is one it missed
        };
        if self.next_seq.is_none_or(|next| message.seq >= next) {
            return false;
        }
        let Ok(at) = usize::try_from(message.seq - first) else {
            return true; // older than the window: nothing kept of it
        };
        match self.messages.get_mut(at) {
            Some(kept) if kept.id == message.id => {
                let new = PromptMessage::from(message);
                self.bytes = self.bytes - size_of_message(kept) + size_of_message(&new);
                *kept = new;
                true
            }
            _ => false,
        }
    }

    /// A streaming answer's text so far.
    fn partial(&mut self, id: MessageId, content: &str) {
        if let Some(kept) = self.messages.iter_mut().rev().find(|m| m.id == id) {
            self.bytes = self.bytes - kept.content.len() + content.len();
            content.clone_into(&mut kept.content);
        }
    }
}

/// The bytes kept, for `chatbot_recent_history_bytes`.
fn publish(state: &State) {
    chatbot_metrics::metrics().recent_history_bytes().set(i64::try_from(state.bytes).unwrap_or(i64::MAX));
}

/// What a kept room costs before its messages (so that empty ones count against the budget too).
const WINDOW_BYTES: usize = std::mem::size_of::<Window>() + std::mem::size_of::<RoomId>();

/// What a kept message costs, estimated: its record and its texts (allocator overhead aside).
fn size_of_message(m: &PromptMessage) -> usize {
    let texts = [m.user_name.as_deref(), m.client_id.as_deref(), m.prompt.as_deref()];
    std::mem::size_of::<PromptMessage>()
        + m.content.len()
        + texts.iter().map(|t| t.map_or(0, str::len)).sum::<usize>()
}

impl Histories {
    pub(super) fn new(window: usize, budget: usize) -> Self {
        let state = State { rooms: Slots::new(), streaming: HashMap::new(), bytes: 0, clock: 0 };
        Self { window, budget, state: Mutex::new(state) }
    }

    pub(super) fn window(&self) -> usize {
        self.window
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Each critical section leaves the maps consistent: a poisoned lock holds usable data.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn lookup(&self, room: RoomId, before: Option<i64>, limit: u32) -> Lookup<Vec<PromptMessage>> {
        let Ok(limit) = usize::try_from(limit) else { return Lookup::Pass };
        if limit > self.window || self.budget == 0 {
            return Lookup::Pass;
        }
        let mut state = self.state();
        state.clock += 1;
        let now = state.clock;
        match state.rooms.map.get_mut(&room) {
            Some(Slot::Kept(window)) => match window.serve(before, limit) {
                Some(found) => {
                    window.used = now;
                    Lookup::Hit(found)
                }
                None => Lookup::Pass,
            },
            Some(Slot::Filling { .. }) => Lookup::Pass,
            None => state.rooms.begin_fill(room).map_or(Lookup::Pass, Lookup::Fill),
        }
    }

    /// Keeps the room's newest window, read under `ticket`, unless the room was written since.
    pub(super) fn fill(&self, room: RoomId, ticket: u64, mut window: Window) {
        let mut state = self.state();
        state.clock += 1;
        window.used = state.clock;
        let bytes = window.bytes;
        let streaming: Vec<MessageId> =
            window.messages.iter().filter(|m| m.status == MessageStatus::Streaming).map(|m| m.id).collect();
        if state.rooms.finish_fill(room, ticket, window) {
            state.bytes += bytes;
            state.streaming.extend(streaming.into_iter().map(|id| (id, room)));
            self.evict(&mut state);
            publish(&state);
        }
    }

    /// A room created now, with `last_seq` (0: no message yet): kept from the start, so that
    /// its first answers need no read either.
    pub(super) fn created(&self, room: RoomId, last_seq: i64) {
        if self.budget == 0 {
            return;
        }
        let mut state = self.state();
        state.clock += 1;
        let mut window = Window::empty(last_seq + 1);
        window.used = state.clock;
        if state.rooms.keep_new(room, window) {
            state.bytes += WINDOW_BYTES;
            self.evict(&mut state);
            publish(&state);
        }
    }

    pub(super) fn abandon(&self, room: RoomId, ticket: u64) {
        self.state().rooms.abandon_fill(room, ticket);
    }

    /// A message stored now.
    pub(super) fn appended(&self, message: &Message) {
        let window = self.window;
        self.change(message.room_id, |w, streaming| w.append(message, window, streaming));
    }

    /// A message's new state (an answer's end, a branch chosen, an answer swept).
    pub(super) fn replaced(&self, message: &Message) {
        self.change(message.room_id, |w, _| w.replace(message));
        if message.status != MessageStatus::Streaming {
            self.state().streaming.remove(&message.id);
        }
    }

    /// A streaming answer's text so far.
    pub(super) fn partial(&self, id: MessageId, content: &str) {
        let room = self.state().streaming.get(&id).copied();
        if let Some(room) = room {
            self.change(room, |w, _| {
                w.partial(id, content);
                true
            });
        }
    }

    /// Drops what is kept of the room (an edit or a delete changes other rows than its own).
    pub(super) fn forget(&self, room: RoomId) {
        self.change(room, |_, _| false);
    }

    /// Drops everything (a write failed in a way that may or may not have committed).
    pub(super) fn forget_all(&self) {
        let mut state = self.state();
        state.rooms.forget_all();
        state.streaming.clear();
        state.bytes = 0;
        publish(&state);
    }

    /// Applies a committed write to the room's window (`false` from `apply` drops it), keeping the
    /// byte count.
    fn change(&self, room: RoomId, apply: impl FnOnce(&mut Window, &mut HashMap<MessageId, RoomId>) -> bool) {
        let mut state = self.state();
        let State { rooms, streaming, bytes, .. } = &mut *state;
        let before = rooms.kept(&room).map_or(0, |w| w.bytes);
        rooms.written(room, |w| apply(w, streaming));
        let after = rooms.kept(&room).map_or(0, |w| w.bytes);
        *bytes = *bytes - before + after;
        if after > before {
            self.evict(&mut state);
        }
        if after != before {
            publish(&state);
        }
    }

    /// Drops the least recently used rooms until the kept bytes fit the budget. A scan of the kept
    /// rooms per room dropped: rooms are few beside their messages, and this runs only when over.
    fn evict(&self, state: &mut State) {
        while state.bytes > self.budget {
            let oldest = state
                .rooms
                .map
                .iter()
                .filter_map(|(room, slot)| match slot {
                    Slot::Kept(w) => Some((w.used, *room, w.bytes)),
                    Slot::Filling { .. } => None,
                })
                .min();
            let Some((_, room, bytes)) = oldest else { break };
            state.rooms.map.remove(&room);
            state.bytes -= bytes;
        }
    }

    /// Bytes and rooms kept now (for tests and the metrics).
    #[cfg(test)]
    fn kept(&self) -> (usize, usize) {
        let state = self.state();
        let rooms = state.rooms.map.values().filter(|s| matches!(s, Slot::Kept(_))).count();
        (state.bytes, rooms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatbot_domain::MessageRole;
    use time::OffsetDateTime;

    fn message(room: RoomId, seq: i64, status: MessageStatus) -> Message {
        let now = OffsetDateTime::now_utc();
        Message {
            id: MessageId::new(),
            room_id: room,
            seq,
            user_id: None,
            user_name: None,
            role: MessageRole::Assistant,
            content: format!("message {seq}"),
            status,
            model: None,
            reply_to: None,
            client_id: None,
            error: None,
            created_at: now,
            updated_at: now,
            edited_at: None,
            deleted_at: None,
            prompt: None,
            active_reply: None,
        }
    }

    fn room_of(room: RoomId, seqs: std::ops::RangeInclusive<i64>) -> Vec<Message> {
        seqs.map(|seq| message(room, seq, MessageStatus::Complete)).collect()
    }

    fn seqs(found: &Lookup<Vec<PromptMessage>>) -> Option<Vec<i64>> {
        match found {
            Lookup::Hit(found) => Some(found.iter().map(|m| m.seq).collect()),
            _ => None,
        }
    }

    /// Fills `room` as a read of its newest `window` of `messages` would.
    fn filled(histories: &Histories, room: RoomId, messages: &[Message]) {
        let Lookup::Fill(ticket) = histories.lookup(room, None, 1) else { panic!("not kept yet") };
        let start = messages.len().saturating_sub(histories.window());
        let read = messages[start..].iter().map(PromptMessage::from).collect();
        histories.fill(room, ticket, Window::read(read, histories.window()));
    }

    #[test]
    fn slices_are_served_only_when_the_window_holds_all_of_them() {
        let histories = Histories::new(4, 1 << 20);
        let (small, big) = (RoomId::new(), RoomId::new());
        filled(&histories, small, &room_of(small, 1..=3));
        filled(&histories, big, &room_of(big, 1..=10));

        assert_eq!(seqs(&histories.lookup(small, None, 4)), Some(vec![1, 2, 3]), "the whole room");
        assert_eq!(seqs(&histories.lookup(small, Some(2), 4)), Some(vec![1]), "from its start");
        assert_eq!(seqs(&histories.lookup(big, None, 4)), Some(vec![7, 8, 9, 10]));
        assert_eq!(seqs(&histories.lookup(big, Some(10), 2)), Some(vec![8, 9]));
        assert!(matches!(histories.lookup(big, Some(9), 4), Lookup::Pass), "reaches older than kept");
        assert!(matches!(histories.lookup(big, None, 5), Lookup::Pass), "more than the window");
        assert!(matches!(histories.lookup(big, Some(12), 2), Lookup::Pass), "past the newest known");
        assert_eq!(seqs(&histories.lookup(big, Some(11), 1)), Some(vec![10]), "up to the newest");
    }

    #[test]
    fn writes_keep_the_window_current_or_drop_it() {
        let histories = Histories::new(3, 1 << 20);
        let room = RoomId::new();
        filled(&histories, room, &room_of(room, 1..=2));
        let answer = message(room, 3, MessageStatus::Streaming);
        histories.appended(&answer);
        histories.partial(answer.id, "so far");
        let found = match histories.lookup(room, None, 3) {
            Lookup::Hit(found) => found,
            _ => panic!("kept"),
        };
        assert_eq!((found[2].content.as_str(), found[2].status), ("so far", MessageStatus::Streaming));
        let finished = Message { content: "done".into(), status: MessageStatus::Complete, ..answer.clone() };
        histories.replaced(&finished);
        assert!(histories.state().streaming.is_empty(), "an ended answer takes no more partial texts");
        histories.appended(&message(room, 4, MessageStatus::Complete));
        assert_eq!(seqs(&histories.lookup(room, None, 3)), Some(vec![2, 3, 4]), "the window slides");
        assert!(
            matches!(histories.lookup(room, Some(2), 1), Lookup::Pass),
            "its start is no longer the room's"
        );

        histories.appended(&message(room, 6, MessageStatus::Complete));
        assert_eq!(histories.kept(), (0, 0), "a gap (a write not seen) drops the room");
    }

    #[test]
    fn the_least_recently_used_rooms_go_past_the_budget() {
        let one_room = WINDOW_BYTES + 3 * (std::mem::size_of::<PromptMessage>() + "message 1".len());
        let histories = Histories::new(3, one_room + one_room / 2);
        let (first, second) = (RoomId::new(), RoomId::new());
        filled(&histories, first, &room_of(first, 1..=3));
        filled(&histories, second, &room_of(second, 1..=3));
        assert_eq!(histories.kept().1, 1, "only one room fits");
        assert!(matches!(histories.lookup(first, None, 3), Lookup::Fill(_)), "the older one went");
        assert!(seqs(&histories.lookup(second, None, 3)).is_some(), "the newer one stayed");
    }

    #[test]
    fn a_room_created_here_is_kept_from_its_first_message() {
        let histories = Histories::new(3, 1 << 20);
        let room = RoomId::new();
        histories.created(room, 0);
        assert_eq!(seqs(&histories.lookup(room, None, 3)), Some(vec![]), "no read for an empty room");
        assert_eq!(seqs(&histories.lookup(room, Some(1), 3)), Some(vec![]));
        histories.appended(&message(room, 1, MessageStatus::Complete));
        assert_eq!(seqs(&histories.lookup(room, None, 3)), Some(vec![1]));
        assert_eq!(seqs(&histories.lookup(room, Some(2), 3)), Some(vec![1]));
        let other = RoomId::new();
        histories.created(other, 0);
        histories.appended(&message(other, 2, MessageStatus::Complete));
        assert!(
            matches!(histories.lookup(other, None, 3), Lookup::Fill(_)),
            "not its first message: dropped"
        );
    }

    #[test]
    fn a_window_read_while_the_room_was_written_is_not_kept() {
        let histories = Histories::new(3, 1 << 20);
        let room = RoomId::new();
        let Lookup::Fill(ticket) = histories.lookup(room, None, 3) else { panic!("not kept yet") };
        let before = room_of(room, 1..=2).iter().map(PromptMessage::from).collect();
        histories.appended(&message(room, 3, MessageStatus::Complete)); // committed during the read
        histories.fill(room, ticket, Window::read(before, 3));
        assert_eq!(histories.kept(), (0, 0));
    }
}
