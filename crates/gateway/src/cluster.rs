//! Several instances behind one load balancer (SPEC §5, decision 020).
//!
//! Every delivery this instance makes (a list of [`Op`]s: emits, joins, leaves, disconnects on
//! named Socket.IO rooms) is also appended to the Redis relay; every other instance reads it and
//! applies the same ops to its own sockets. So a socket receives the same events whichever
//! instance it is connected to, and handlers stay as they are.
//!
//! Three things need more than forwarding:
//! - Order. Each room's `seq` is allocated by the database, but two instances append to the relay
//!   in whatever order their commits finish, so seq 6 from one may arrive before seq 5 from
//!   another. Deliveries that carry a room `seq` ([`Order`]) pass through [`Sequencer`], which
//!   holds a message until the one before it has been delivered, or until `gap_wait` passes
//!   (the one before was lost with Redis; clients see the jump and repair with `join {since}`).
//! - Answers in progress elsewhere. A late joiner on this instance must get the text so far of an
//!   answer another instance generates: [`Mirror`] follows every relayed `stream` event (and, at
//!   start-up, the relay's retained entries) so `join` can answer from memory.
//! - Stopping an answer generated elsewhere: a [`Relayed::Stop`] that only its generator acts on.

use crate::fanout::Op;
use crate::json_text::JsonText;
use chatbot_domain::{MessageId, RoomId};
use chatbot_metrics::metrics;
use chatbot_redis::relay::RelaySender;
use chatbot_redis::shared::Shared;
use chatbot_service::StreamingAnswer;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where a delivery stands in its room's `seq` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Order {
    pub room: RoomId,
    pub seq: i64,
}

/// What one instance tells the others. The sender lends its ops (serialized, not copied); the
/// receiver owns them.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "camelCase")]
pub(crate) enum Relayed<'a> {
    /// Apply these ops to your sockets (in `seq` order when `order` is set).
    Deliver {
        ops: Cow<'a, [Op]>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        order: Option<Order>,
    },
    /// Stop this answer if you are generating it.
    Stop { room: RoomId, message: MessageId },
}

/// This instance's part in a cluster; inert (no relay) on a single instance.
pub struct Cluster {
    relay: Option<RelaySender>,
    /// Limits and presence counted across instances.
    shared: Option<Shared>,
    gap_wait: Duration,
    order: Mutex<Sequencer>,
    mirror: Mutex<Mirror>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section leaves the data consistent; a panic elsewhere does not poison it.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Cluster {
    /// A single instance: nothing is relayed, nothing is reordered.
    pub fn single() -> Self {
        Self::new(None, None, Duration::ZERO)
    }

    /// One of several instances, relaying through `relay` and counting devices in `shared`; a
    /// room message waits at most `gap_wait` for the one before it.
    pub fn new(relay: Option<RelaySender>, shared: Option<Shared>, gap_wait: Duration) -> Self {
        Self { relay, shared, gap_wait, order: Mutex::default(), mirror: Mutex::default() }
    }

    /// Where devices are counted across instances, when clustered.
    pub fn shared(&self) -> Option<&Shared> {
        self.shared.as_ref()
    }

    pub fn is_clustered(&self) -> bool {
        self.relay.is_some()
    }

    /// Tells the other instances (no-op on a single instance).
    pub(crate) fn publish(&self, relayed: &Relayed<'_>) {
        let Some(relay) = &self.relay else { return };
        match serde_json::to_string(relayed) {
            Ok(body) => {
                if relay.publish(body) {
                    metrics().relay_published().inc();
                }
            }
            Err(err) => tracing::warn!(error = %err, "relay: delivery not serializable"),
        }
    }

    /// Relays ops a handler has just applied to this instance's sockets; `ops` is only called
    /// when there are other instances (a single one builds nothing).
    pub(crate) fn relay_ops(&self, ops: impl FnOnce() -> Vec<Op>) {
        if self.is_clustered() {
            self.publish(&Relayed::Deliver { ops: Cow::Owned(ops()), order: None });
        }
    }

    /// What to deliver now, in order, given a delivery with its place in its room's order.
    pub(crate) fn admit(&self, ops: Vec<Op>, order: Option<Order>) -> Vec<Vec<Op>> {
        match order {
            Some(order) if self.is_clustered() => lock(&self.order).admit(order, ops, Instant::now()),
            _ => vec![ops],
        }
    }

    /// A socket on this instance joined `room`, whose last message was `last_seq` when its
    /// history was read: if no delivery of the room was seen yet, later ones start from there.
    pub fn seed(&self, room: RoomId, last_seq: i64) {
        if self.is_clustered() {
            lock(&self.order).seed(room, last_seq);
        }
    }

    /// When the next held delivery must go out even if the one before it never comes.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        lock(&self.order).oldest_hold().map(|since| since + self.gap_wait)
    }

    /// Deliveries whose predecessors did not arrive within `gap_wait`, in order.
    pub(crate) fn overdue(&self) -> Vec<Vec<Op>> {
        lock(&self.order).release_older_than(Instant::now(), self.gap_wait)
    }

    /// Follows the `stream` events among `ops` (another instance's answers).
    pub(crate) fn observe(&self, ops: &[Op]) {
        let mut mirror = lock(&self.mirror);
        for op in ops {
            if let Op::Emit { event, payload, .. } = op
                && event == "stream"
            {
                mirror.observe(payload);
            }
        }
    }

    /// Answers other instances are streaming in `room`, with their text so far.
    pub fn streaming_elsewhere(&self, room: RoomId) -> Vec<StreamingAnswer> {
        lock(&self.mirror).streaming(room)
    }

    /// Forgets rooms and answers nothing has happened in for [`IDLE`], so that memory follows
    /// the rooms in use rather than every room ever seen (and an answer whose end was lost with
    /// Redis does not linger). A room forgotten is followed afresh from its next message.
    pub(crate) fn prune(&self) {
        let now = Instant::now();
        lock(&self.order).prune(now);
        lock(&self.mirror).prune(now);
    }
}

/// How long a room or an answer may stay silent before [`Cluster::prune`] forgets it.
const IDLE: Duration = Duration::from_secs(600);

/// Per-room `seq` order of deliveries (see the module documentation).
#[derive(Default)]
pub(crate) struct Sequencer {
    rooms: HashMap<RoomId, RoomOrder>,
}

struct RoomOrder {
    /// The highest `seq` delivered.
    delivered: i64,
    /// The last delivery or join seen.
    touched: Instant,
    /// Deliveries waiting for a lower `seq`, by seq.
    held: BTreeMap<i64, Vec<Op>>,
    /// Since when the oldest of `held` has waited.
    holding_since: Option<Instant>,
}

impl RoomOrder {
    fn at(delivered: i64) -> Self {
        Self { delivered, touched: Instant::now(), held: BTreeMap::new(), holding_since: None }
    }

    /// Takes the held deliveries that now follow on, in order.
    fn release_following(&mut self, out: &mut Vec<Vec<Op>>) {
        while let Some(entry) = self.held.first_entry() {
            if *entry.key() != self.delivered + 1 {
                break;
            }
            self.delivered = *entry.key();
            out.push(entry.remove());
        }
        if self.held.is_empty() {
            self.holding_since = None;
        }
    }
}

impl Sequencer {
    fn seed(&mut self, room: RoomId, last_seq: i64) {
        self.rooms.entry(room).or_insert_with(|| RoomOrder::at(last_seq)).touched = Instant::now();
    }

    fn admit(&mut self, order: Order, ops: Vec<Op>, now: Instant) -> Vec<Vec<Op>> {
        let Some(room) = self.rooms.get_mut(&order.room) else {
            // The first delivery of a room this instance sees: nothing to wait for.
            self.rooms.insert(order.room, RoomOrder::at(order.seq));
            return vec![ops];
        };
        room.touched = now;
        if order.seq <= room.delivered {
            // Late (its gap was given up on) or read in a join's history: deliver it rather
            // than lose it; clients recognise messages by id.
            return vec![ops];
        }
        if order.seq > room.delivered + 1 {
            metrics().relay_reordered().inc();
            room.held.insert(order.seq, ops);
            room.holding_since.get_or_insert(now);
            return Vec::new();
        }
        room.delivered = order.seq;
        let mut out = vec![ops];
        room.release_following(&mut out);
        out
    }

    fn prune(&mut self, now: Instant) {
        self.rooms.retain(|_, room| !room.held.is_empty() || now.duration_since(room.touched) < IDLE);
    }

    fn oldest_hold(&self) -> Option<Instant> {
        self.rooms.values().filter_map(|r| r.holding_since).min()
    }

    fn release_older_than(&mut self, now: Instant, wait: Duration) -> Vec<Vec<Op>> {
        let mut out = Vec::new();
        for room in self.rooms.values_mut() {
            if room.holding_since.is_some_and(|since| now.duration_since(since) >= wait) {
                // Give up on the gap: deliver what waited, from its lowest seq on.
                if let Some(first) = room.held.keys().next() {
                    room.delivered = first - 1;
                }
                room.release_following(&mut out);
                // Another gap further on waits afresh.
                if !room.held.is_empty() {
                    room.holding_since = Some(now);
                }
            }
        }
        out
    }
}

/// Answers streaming on other instances, rebuilt from their relayed `stream` events.
#[derive(Default)]
pub(crate) struct Mirror {
    rooms: HashMap<RoomId, Vec<Mirrored>>,
}

struct Mirrored {
    answer: StreamingAnswer,
    /// The last event seen.
    touched: Instant,
    /// False once a chunk was missed (this instance started after the answer did, or Redis lost
    /// entries): its text so far is then unknown here, and it is left out of joins.
    whole: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StreamEvent {
    room_id: RoomId,
    message_id: MessageId,
    #[serde(default)]
    start: bool,
    #[serde(default)]
    end: bool,
    token: Option<String>,
    index: Option<u64>,
}

impl Mirror {
    fn observe(&mut self, payload: &JsonText) {
        let Ok(event) = serde_json::from_str::<StreamEvent>(payload.as_str()) else { return };
        let answers = self.rooms.entry(event.room_id).or_default();
        let position = answers.iter().position(|m| m.answer.message_id == event.message_id);
        if event.end {
            if let Some(position) = position {
                answers.swap_remove(position);
            }
            if answers.is_empty() {
                self.rooms.remove(&event.room_id);
            }
            return;
        }
        let fresh =
            || StreamingAnswer { message_id: event.message_id, content: String::new(), next_index: 0 };
        let mirrored = match position {
            Some(position) => &mut answers[position],
            None => {
                answers.push(Mirrored { answer: fresh(), whole: event.start, touched: Instant::now() });
                let last = answers.len() - 1;
                &mut answers[last]
            }
        };
        mirrored.touched = Instant::now();
        if let (Some(token), Some(index)) = (event.token, event.index) {
            if index == mirrored.answer.next_index {
                mirrored.answer.content.push_str(&token);
                mirrored.answer.next_index += 1;
            } else if index > mirrored.answer.next_index {
                mirrored.whole = false;
                mirrored.answer.next_index = index + 1;
            }
        }
    }

    fn prune(&mut self, now: Instant) {
        self.rooms.retain(|_, answers| {
            answers.retain(|m| now.duration_since(m.touched) < IDLE);
            !answers.is_empty()
        });
    }

    fn streaming(&self, room: RoomId) -> Vec<StreamingAnswer> {
        self.rooms
            .get(&room)
            .map(|answers| answers.iter().filter(|m| m.whole).map(|m| m.answer.clone()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn room() -> RoomId {
        "7f0c1a52-4a43-4a7e-9d59-2b8f7a3c1e01".parse().expect("room id")
    }

    /// A relayed `stream` event's payload.
    fn stream(event: serde_json::Value) -> JsonText {
        JsonText::of(&event)
    }

    fn op(n: i64) -> Vec<Op> {
        vec![Op::Emit {
            to: vec![format!("m{n}")],
            except: None,
            event: "message".into(),
            payload: JsonText::of(&n),
        }]
    }

    fn labels(out: Vec<Vec<Op>>) -> Vec<i64> {
        out.into_iter()
            .flatten()
            .map(|op| match op {
                Op::Emit { payload, .. } => payload.as_str().parse().expect("number"),
                _ => -1,
            })
            .collect()
    }

    fn admit(seq: &mut Sequencer, n: i64, now: Instant) -> Vec<i64> {
        labels(seq.admit(Order { room: room(), seq: n }, op(n), now))
    }

    #[test]
    fn a_message_waits_for_the_one_before_it() {
        let mut seq = Sequencer::default();
        let now = Instant::now();
        assert_eq!(admit(&mut seq, 4, now), [4], "the first one seen goes out");
        assert_eq!(admit(&mut seq, 6, now), Vec::<i64>::new(), "5 has not arrived");
        assert_eq!(admit(&mut seq, 7, now), Vec::<i64>::new());
        assert_eq!(admit(&mut seq, 5, now), [5, 6, 7], "5 releases what waited for it");
        assert_eq!(seq.oldest_hold(), None);
    }

    #[test]
    fn a_gap_is_given_up_on_after_the_wait() {
        let mut seq = Sequencer::default();
        let start = Instant::now();
        let wait = Duration::from_millis(300);
        admit(&mut seq, 1, start);
        admit(&mut seq, 3, start);
        admit(&mut seq, 6, start);
        assert!(labels(seq.release_older_than(start + Duration::from_millis(100), wait)).is_empty());
        let later = start + wait;
        assert_eq!(labels(seq.release_older_than(later, wait)), [3], "2 is lost; 6 waits for 4 and 5 afresh");
        assert_eq!(seq.oldest_hold(), Some(later));
        assert_eq!(labels(seq.release_older_than(later + wait, wait)), [6]);
        assert_eq!(admit(&mut seq, 2, later), [2], "a late one is still delivered, not lost");
    }

    #[test]
    fn a_join_seeds_where_the_room_stands() {
        let mut seq = Sequencer::default();
        seq.seed(room(), 10);
        let now = Instant::now();
        assert!(admit(&mut seq, 12, now).is_empty(), "11 is still to come");
        assert_eq!(admit(&mut seq, 11, now), [11, 12]);
        seq.seed(room(), 3);
        assert_eq!(admit(&mut seq, 13, now), [13], "a later join does not move a room already followed");
    }

    #[test]
    fn idle_rooms_are_forgotten_but_not_those_holding_messages() {
        let mut seq = Sequencer::default();
        let now = Instant::now();
        let other = RoomId::new();
        admit(&mut seq, 1, now);
        admit(&mut seq, 3, now); // waits for 2
        seq.admit(Order { room: other, seq: 7 }, op(7), now);
        seq.prune(now + IDLE + Duration::from_secs(1));
        assert!(seq.rooms.contains_key(&room()), "a room holding a message is kept");
        assert!(!seq.rooms.contains_key(&other), "an idle room is forgotten");
    }

    #[test]
    fn the_mirror_follows_an_answer_and_forgets_it_at_its_end() {
        let mut mirror = Mirror::default();
        let answer: MessageId = "9b2f4c1e-6d7a-4e8b-a1c2-d3e4f5a6b7c8".parse().expect("message id");
        mirror
            .observe(&stream(json!({"roomId": room(), "messageId": answer, "start": true, "model": "demo"})));
        mirror.observe(&stream(json!({"roomId": room(), "messageId": answer, "token": "안녕", "index": 0})));
        mirror
            .observe(&stream(json!({"roomId": room(), "messageId": answer, "token": "하세요", "index": 1})));
        mirror
            .observe(&stream(json!({"roomId": room(), "messageId": answer, "token": "하세요", "index": 1})));
        assert_eq!(
            mirror.streaming(room()),
            vec![StreamingAnswer { message_id: answer, content: "안녕하세요".into(), next_index: 2 }]
        );
        mirror.observe(&stream(
            json!({"roomId": room(), "messageId": answer, "end": true, "status": "complete"}),
        ));
        assert!(mirror.streaming(room()).is_empty());
    }

    #[test]
    fn an_answer_seen_from_its_middle_is_not_offered_to_joiners() {
        let mut mirror = Mirror::default();
        let answer = MessageId::new();
        mirror.observe(&stream(json!({"roomId": room(), "messageId": answer, "token": "later", "index": 5})));
        assert!(mirror.streaming(room()).is_empty());
    }

    #[test]
    fn a_stop_request_survives_the_wire() {
        let stop = Relayed::Stop { room: room(), message: MessageId::new() };
        let text = serde_json::to_string(&stop).expect("serializes");
        assert_eq!(serde_json::from_str::<Relayed<'_>>(&text).expect("parses"), stop);
    }

    #[test]
    fn a_delivery_survives_the_wire_with_its_payload_text_unchanged() {
        let payload = json!({"roomId": room(), "content": "\"quoted\" 한국어 \u{1F600}", "seq": 7});
        let ops = vec![Op::Emit {
            to: vec!["r".into()],
            except: Some("s".into()),
            event: "message".into(),
            payload: JsonText::of(&payload),
        }];
        let deliver = Relayed::Deliver { ops: Cow::Borrowed(&ops), order: None };
        let text = serde_json::to_string(&deliver).expect("serializes");
        assert!(text.contains(r#""payload":{"#), "the payload is relayed as JSON, not as a string: {text}");
        let Relayed::Deliver { ops: back, .. } = serde_json::from_str::<Relayed<'_>>(&text).expect("parses")
        else {
            panic!("not a delivery: {text}")
        };
        assert_eq!(back.as_ref(), ops.as_slice());
        let Op::Emit { payload: read, .. } = &back[0] else { panic!("not an emit") };
        assert_eq!(serde_json::from_str::<serde_json::Value>(read.as_str()).expect("json"), payload);
    }
}
