//! Delivery of committed changes to sockets, in commit order.
//!
//! The message writer calls [`ChatEvents`] (a [`RoomEvents`]) right after each commit; events
//! are queued and one task delivers them one after another, so every socket receives a room's
//! `message` events in `seq` order. Each payload is built once per change and serialized once
//! per broadcast and namespace (`/chat` and its alias, [`crate::namespaces`]), whatever the
//! number of receivers.
//!
//! The writer must never wait for delivery, and deliveries only enqueue packets on sockets (a
//! socket that does not read is disconnected by the transport), so the queue drains quickly.
//! Should it not (a starved process), it is bounded in bytes of room traffic
//! (`limits.fanout_queue_bytes`): past the bound a room's changes are dropped, and once the
//! delivery task reaches that point the sockets that joined the room are disconnected, so their
//! clients reconnect and catch up from the database (`join {since}`) instead of missing events
//! while connected. Membership, deletion and session changes are never dropped (rare and small).

use crate::cluster::{Cluster, Order, Relayed};
use crate::json_text::JsonText;
use crate::{namespaces, rooms};
use chatbot_domain::{Message, Room};
use chatbot_domain::{MessageId, MessageStatus, RoomId, SessionId, UserId};
use chatbot_metrics::metrics;
use chatbot_protocol::events::{
    BranchSelected, MemberAdded, MemberRemoved, MessageDeleted, MessageEdited, RoomActivity, RoomDeleted,
    RoomUpdated, ServerEvent, SessionRevoked, StreamChunk, StreamEnd, StreamStart, UsageDto, message_event,
};
use chatbot_redis::relay::Incoming;
use chatbot_service::RoomService;
use chatbot_service::{AnswerUsage, RoomEvents, SessionEnd};
use serde::{Deserialize, Serialize};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::mpsc;

enum Change {
    Message(Box<Message>),
    AnswerStarted(Box<Message>),
    AnswerChunk {
        room: RoomId,
        answer: MessageId,
        index: u64,
        text: String,
    },
    AnswerFinished(Box<Message>, AnswerUsage),
    MemberAdded(RoomId, UserId),
    RoomCreated(RoomId, Vec<UserId>),
    MemberRemoved(RoomId, UserId),
    RoomDeleted(RoomId),
    RoomUpdated(Box<Room>),
    /// Edited, or deleted (`deleted_at` set).
    MessageChanged(Box<Message>),
    BranchSelected {
        room: RoomId,
        question: MessageId,
        answer: MessageId,
    },
    SessionRevoked(SessionId, SessionEnd),
    /// Changes of this room were dropped at the queue's bound: end its joined sockets.
    Lagged(RoomId),
}

/// What a queued change costs the bound, beyond its text: the rest of a message row, roughly.
const CHANGE_OVERHEAD_BYTES: usize = 256;

impl Change {
    /// The room of room traffic (messages, answers, settings), with its weight in the bound;
    /// `None` for changes that are never dropped.
    fn room_traffic(&self) -> Option<(RoomId, usize)> {
        let (room, text) = match self {
            Change::Message(m)
            | Change::AnswerStarted(m)
            | Change::AnswerFinished(m, _)
            | Change::MessageChanged(m) => (m.room_id, m.content.len()),
            Change::AnswerChunk { room, text, .. } => (*room, text.len()),
            Change::BranchSelected { room, .. } => (*room, 0),
            Change::RoomUpdated(room) => {
                (room.id, room.system_prompt.as_ref().map_or(0, String::len) + room.name.len())
            }
            _ => return None,
        };
        Some((room, text + CHANGE_OVERHEAD_BYTES))
    }
}

/// The bound on queued room traffic, shared by both ends of the queue.
struct Bound {
    limit: usize,
    queued: AtomicUsize,
    /// Whether `lagging` holds any room (read without the lock on the fast path).
    any_lagging: AtomicBool,
    /// Rooms whose changes are being dropped until the delivery task ends their sockets.
    lagging: Mutex<HashSet<RoomId>>,
}

impl Bound {
    fn lagging(&self) -> std::sync::MutexGuard<'_, HashSet<RoomId>> {
        // One insert or remove per critical section: a poisoned lock holds consistent data.
        self.lagging.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The services' view of the gateway: queues changes for delivery.
pub struct ChatEvents {
    /// Each change with the moment it was queued (for `chatbot_fanout_delay_seconds`).
    changes: mpsc::UnboundedSender<(Change, Instant)>,
    bound: Arc<Bound>,
}

/// The receiving end, handed to [`crate::layer`].
pub struct EventQueue {
    changes: mpsc::UnboundedReceiver<(Change, Instant)>,
    bound: Arc<Bound>,
}

/// Creates the pair: the sink goes to the services, the queue to the gateway. At most
/// `limit_bytes` of room traffic wait in between (see the module documentation).
pub fn event_channel(limit_bytes: usize) -> (Arc<ChatEvents>, EventQueue) {
    let (tx, rx) = mpsc::unbounded_channel();
    let bound = Arc::new(Bound {
        limit: limit_bytes,
        queued: AtomicUsize::new(0),
        any_lagging: AtomicBool::new(false),
        lagging: Mutex::new(HashSet::new()),
    });
    (Arc::new(ChatEvents { changes: tx, bound: bound.clone() }), EventQueue { changes: rx, bound })
}

impl ChatEvents {
    fn push(&self, change: Change) {
        if let Some((room, bytes)) = change.room_traffic() {
            let bound = &self.bound;
            let over = bound.queued.load(Ordering::Acquire).saturating_add(bytes) > bound.limit;
            if over || bound.any_lagging.load(Ordering::Acquire) {
                let mut lagging = bound.lagging();
                if lagging.contains(&room) {
                    return; // its sockets are about to be ended; the database has the change
                }
                if over {
                    lagging.insert(room);
                    bound.any_lagging.store(true, Ordering::Release);
                    tracing::warn!(room_id = %room, "real-time queue full: the room's sockets will resync");
                    self.send(Change::Lagged(room));
                    return;
                }
            }
            bound.queued.fetch_add(bytes, Ordering::AcqRel);
        }
        self.send(change);
    }

    fn send(&self, change: Change) {
        // Fails only after the delivery task ended (shutdown): nothing is left to deliver to.
        let _ = self.changes.send((change, Instant::now()));
    }
}

impl EventQueue {
    /// The next change and when it was queued, uncounted from the bound as it leaves the queue.
    async fn next(&mut self) -> Option<(Change, Instant)> {
        let (change, queued) = self.changes.recv().await?;
        self.taken(&change);
        Some((change, queued))
    }

    /// Uncounts `change`, just taken from the queue; a `Lagged` marker lets its room flow again.
    fn taken(&self, change: &Change) {
        if let Some((_, bytes)) = change.room_traffic() {
            let _ = self
                .bound
                .queued
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| Some(q.saturating_sub(bytes)));
        }
        if let Change::Lagged(room) = change {
            // From here on the room's changes flow again: its sockets are ended by the caller,
            // and everything dropped before is in the database for their catch-up.
            let mut lagging = self.bound.lagging();
            lagging.remove(room);
            self.bound.any_lagging.store(!lagging.is_empty(), Ordering::Release);
        }
    }
}

impl RoomEvents for ChatEvents {
    fn message_stored(&self, message: &Message) {
        // An answer is announced as a `message` only once its stream has ended (SPEC §3); its
        // row still takes its place in the room's order (other instances wait for every seq).
        self.push(Change::Message(Box::new(message.clone())));
    }

    fn answer_started(&self, answer: &Message) {
        self.push(Change::AnswerStarted(Box::new(answer.clone())));
    }

    fn answer_chunk(&self, room: RoomId, answer: MessageId, index: u64, text: &str) {
        self.push(Change::AnswerChunk { room, answer, index, text: text.to_owned() });
    }

    fn answer_finished(&self, answer: &Message, usage: AnswerUsage) {
        self.push(Change::AnswerFinished(Box::new(answer.clone()), usage));
    }

    fn member_added(&self, room: RoomId, user: UserId) {
        self.push(Change::MemberAdded(room, user));
    }

    fn room_created(&self, room: RoomId, members: &[UserId]) {
        self.push(Change::RoomCreated(room, members.to_vec()));
    }

    fn member_removed(&self, room: RoomId, user: UserId) {
        self.push(Change::MemberRemoved(room, user));
    }

    fn room_deleted(&self, room: RoomId) {
        self.push(Change::RoomDeleted(room));
    }

    fn message_changed(&self, message: &Message) {
        self.push(Change::MessageChanged(Box::new(message.clone())));
    }

    fn branch_selected(&self, room: RoomId, question: MessageId, answer: MessageId) {
        self.push(Change::BranchSelected { room, question, answer });
    }

    fn room_updated(&self, room: &Room) {
        self.push(Change::RoomUpdated(Box::new(room.clone())));
    }

    fn session_revoked(&self, _user: UserId, session: SessionId, why: SessionEnd) {
        self.push(Change::SessionRevoked(session, why));
    }
}

/// One thing to do to the sockets of a chat namespace. A change becomes a short list of these
/// ([`plan`]), built once and applied to each namespace ([`apply`]), on this instance and, through
/// the relay, on every other ([`crate::cluster`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub(crate) enum Op {
    /// Emit `event` to the sockets in any of `to`, except those in `except`.
    Emit { to: Vec<String>, except: Option<String>, event: Cow<'static, str>, payload: JsonText },
    /// Make the sockets in `to` join `rooms`.
    Join { to: String, rooms: Vec<String> },
    /// Make the sockets in `to` leave `rooms`.
    Leave { to: Vec<String>, rooms: Vec<String> },
    /// End the connections of the sockets in `to`.
    Disconnect { to: String },
}

/// The event's name and its payload as JSON, built once for every receiver.
fn event<E: ServerEvent>(payload: &E) -> (&'static str, JsonText) {
    (E::NAME, JsonText::of(payload))
}

pub(crate) fn emit<E: ServerEvent>(to: String, payload: &E) -> Op {
    let (event, payload) = event(payload);
    Op::Emit { to: vec![to], except: None, event: Cow::Borrowed(event), payload }
}

/// `emit` to the sockets of `to` except those in `except`.
pub(crate) fn emit_except<E: ServerEvent>(to: Vec<String>, except: Option<String>, payload: &E) -> Op {
    let (event, payload) = event(payload);
    Op::Emit { to, except, event: Cow::Borrowed(event), payload }
}

/// Where a change stands in its room's `seq` order: every stored message, answers included
/// (whose row is announced by its stream, not as a `message`).
fn order_of(change: &Change) -> Option<Order> {
    match change {
        Change::Message(message) => Some(Order { room: message.room_id, seq: message.seq }),
        _ => None,
    }
}

/// What a change means for sockets, whichever namespace they connected to.
fn plan(change: Change, assistant_name: &str) -> Vec<Op> {
    match change {
        // Its stream announces it; the row only holds its place in the room's order.
        Change::Message(message) if message.status == MessageStatus::Streaming => Vec::new(),
        Change::Message(message) => {
            let joined = rooms::joined(message.room_id);
            vec![
                emit(joined.clone(), &message_event(&message, assistant_name)),
                // Members whose sockets have not joined the room keep their room list current.
                emit_except(vec![rooms::members(message.room_id)], Some(joined), &RoomActivity::of(&message)),
            ]
        }
        Change::AnswerStarted(answer) => {
            let start = StreamStart {
                room_id: answer.room_id,
                message_id: answer.id,
                start: true,
                model: answer.model.clone(),
                reply_to: answer.reply_to,
            };
            vec![emit(rooms::joined(answer.room_id), &start)]
        }
        Change::AnswerChunk { room, answer, index, text } => {
            let chunk = StreamChunk { room_id: room, message_id: answer, token: text, index };
            vec![emit(rooms::joined(room), &chunk)]
        }
        Change::AnswerFinished(answer, usage) => {
            let joined = rooms::joined(answer.room_id);
            let end = StreamEnd {
                room_id: answer.room_id,
                message_id: answer.id,
                end: true,
                status: answer.status,
                content: answer.content.clone(),
                usage: UsageDto {
                    input_tokens: usage.input_tokens,
                    output_tokens: usage.output_tokens,
                    cache_read_tokens: usage.cache_read_tokens,
                    cache_creation_tokens: usage.cache_creation_tokens,
                    cost: usage.cost,
                },
                error: answer.error.clone(),
            };
            vec![
                emit(joined.clone(), &end),
                // Then, once, the finished answer as a message, as the original client expects.
                emit(joined.clone(), &message_event(&answer, assistant_name)),
                emit_except(vec![rooms::members(answer.room_id)], Some(joined), &RoomActivity::of(&answer)),
            ]
        }
        // Membership changes reach every member's sockets (joined to the room or not) and the
        // affected user's, so room lists and member lists stay current without polling.
        Change::MemberAdded(room, user) => vec![
            Op::Join { to: rooms::user(user), rooms: vec![rooms::members(room)] },
            emit(rooms::members(room), &MemberAdded { room_id: room, user_id: user }),
        ],
        // Each member's own sockets: into the room's member group, and told (the web app lists the
        // room); no one else is told, as there is no earlier member count to change.
        Change::RoomCreated(room, members) => members
            .into_iter()
            .flat_map(|user| {
                [
                    Op::Join { to: rooms::user(user), rooms: vec![rooms::members(room)] },
                    emit(rooms::user(user), &MemberAdded { room_id: room, user_id: user }),
                ]
            })
            .collect(),
        Change::MemberRemoved(room, user) => vec![
            emit_except(
                vec![rooms::members(room), rooms::user(user)],
                None,
                &MemberRemoved { room_id: room, user_id: user },
            ),
            Op::Leave { to: vec![rooms::user(user)], rooms: vec![rooms::joined(room), rooms::members(room)] },
        ],
        Change::RoomDeleted(room) => {
            let everyone = vec![rooms::joined(room), rooms::members(room)];
            vec![
                emit_except(everyone.clone(), None, &RoomDeleted { room_id: room }),
                Op::Leave { to: everyone.clone(), rooms: everyone },
            ]
        }
        Change::RoomUpdated(room) => vec![emit(rooms::members(room.id), &RoomUpdated::from(&*room))],
        Change::MessageChanged(message) if message.deleted_at.is_some() => {
            vec![emit(rooms::joined(message.room_id), &MessageDeleted::of(&message))]
        }
        Change::MessageChanged(message) => {
            let edited = MessageEdited(message_event(&message, assistant_name));
            vec![emit(rooms::joined(message.room_id), &edited)]
        }
        Change::BranchSelected { room, question, answer } => vec![emit(
            rooms::joined(room),
            &BranchSelected { room_id: room, question_id: question, answer_id: answer },
        )],
        // Dropped deliveries: the sockets in the room reconnect and catch up from the database.
        Change::Lagged(room) => vec![Op::Disconnect { to: rooms::joined(room) }],
        // Tell the device why, then end its connections: the client must not reconnect with a
        // token whose session is gone (its next refresh fails too).
        Change::SessionRevoked(session, why) => vec![
            emit(rooms::session(session), &SessionRevoked { session_id: session, reason: why.as_str() }),
            Op::Disconnect { to: rooms::session(session) },
        ],
    }
}

/// Applies `ops` in order to the sockets of one namespace.
async fn apply<A: Adapter>(chat: BroadcastOperators<A>, ops: &[Op]) -> Result<(), String> {
    let mut outcome = Ok(());
    for op in ops {
        let chat = chat.clone();
        let result = match op {
            Op::Emit { to, except: None, event, payload } => {
                chat.to(to.clone()).emit(event.as_ref(), payload).await.map_err(|e| e.to_string())
            }
            Op::Emit { to, except: Some(except), event, payload } => chat
                .to(to.clone())
                .except(except.clone())
                .emit(event.as_ref(), payload)
                .await
                .map_err(|e| e.to_string()),
            Op::Join { to, rooms } => {
                chat.to(to.clone()).join(rooms.clone()).await.map_err(|e| e.to_string())
            }
            Op::Leave { to, rooms } => {
                chat.to(to.clone()).leave(rooms.clone()).await.map_err(|e| e.to_string())
            }
            Op::Disconnect { to } => chat.to(to.clone()).disconnect().await.map_err(|e| e.to_string()),
        };
        // Keep going: one failed delivery must not keep the others from happening.
        outcome = outcome.and(result);
    }
    outcome
}

/// Applies `ops` to both chat namespaces of this instance.
async fn apply_everywhere<A: Adapter>(io: &SocketIo<A>, ops: &[Op]) {
    if ops.is_empty() {
        return;
    }
    for chat in namespaces::everyone(io) {
        if let Err(err) = apply(chat, ops).await {
            tracing::warn!(error = %err, "real-time delivery incomplete");
        }
    }
}

/// Delivers, in order, what the sequencer lets through.
async fn deliver<A: Adapter>(io: &SocketIo<A>, cluster: &Cluster, ops: Vec<Op>, order: Option<Order>) {
    for ready in cluster.admit(ops, order) {
        apply_everywhere(io, &ready).await;
    }
}

/// What the delivery task needs besides its queue.
pub struct Delivery {
    pub assistant_name: String,
    pub cluster: Arc<Cluster>,
    /// Entries of the other instances, when clustered.
    pub incoming: Option<mpsc::Receiver<Incoming>>,
    /// Acts on relayed requests to stop an answer this instance generates.
    pub rooms: Arc<RoomService>,
}

/// Delivers queued changes (and, when clustered, the other instances' deliveries) until the
/// services drop their sink.
pub async fn run<A: Adapter>(io: SocketIo<A>, mut changes: EventQueue, delivery: Delivery) {
    let Delivery { assistant_name, cluster, mut incoming, rooms } = delivery;
    let delay = metrics().fanout_delay();
    let mut prune = tokio::time::interval(std::time::Duration::from_secs(60));
    prune.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let deadline = cluster.next_deadline();
        tokio::select! {
            _ = prune.tick(), if cluster.is_clustered() => cluster.prune(),
            change = changes.next() => {
                let Some((change, queued)) = change else { break };
                let local_only = matches!(change, Change::Lagged(_));
                let order = order_of(&change);
                let ops = plan(change, &assistant_name);
                if !local_only && cluster.is_clustered() {
                    cluster.publish(&Relayed::Deliver { ops: Cow::Borrowed(&ops), order });
                }
                deliver(&io, &cluster, ops, order).await;
                delay.observe(queued.elapsed());
            }
            entry = next_incoming(&mut incoming) => {
                let Some(entry) = entry else {
                    incoming = None; // the relay ended (shutdown)
                    continue;
                };
                metrics().relay_received().inc();
                match serde_json::from_str::<Relayed<'_>>(&entry.body) {
                    Ok(Relayed::Deliver { ops, order }) => {
                        let ops = ops.into_owned();
                        cluster.observe(&ops);
                        if !entry.replayed {
                            for room in removals_in(&ops) {
                                rooms.removed_elsewhere(room);
                            }
                            if adds_members(&ops) {
                                rooms.added_elsewhere();
                            }
                            deliver(&io, &cluster, ops, order).await;
                        }
                    }
                    Ok(Relayed::Stop { room, message }) if !entry.replayed => {
                        rooms.stop_here(room, message);
                    }
                    Ok(Relayed::Stop { .. }) => {}
                    Err(err) => tracing::warn!(error = %err, "relay: an entry of another instance was not understood"),
                }
            }
            () = sleep_until(deadline) => {
                for ready in cluster.overdue() {
                    apply_everywhere(&io, &ready).await;
                }
            }
        }
    }
}

/// The chat rooms whose members' sockets `ops` send out (a member removed, a room deleted).
fn removals_in(ops: &[Op]) -> Vec<RoomId> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Leave { rooms, .. } => Some(rooms),
            _ => None,
        })
        .flatten()
        .filter_map(|name| rooms::members_of(name))
        .collect()
}

/// Whether `ops` send a user's sockets into a chat room's member group (a member added).
fn adds_members(ops: &[Op]) -> bool {
    ops.iter().any(|op| match op {
        Op::Join { rooms, .. } => rooms.iter().any(|name| rooms::members_of(name).is_some()),
        _ => false,
    })
}

async fn next_incoming(incoming: &mut Option<mpsc::Receiver<Incoming>>) -> Option<Incoming> {
    match incoming {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room() -> RoomId {
        "7f0c1a52-4a43-4a7e-9d59-2b8f7a3c1e01".parse().expect("room id")
    }

    fn user() -> UserId {
        "3a6e1d5c-0d0a-4c51-8f6d-5a1c2b3d4e5f".parse().expect("user id")
    }

    #[test]
    fn a_chunk_is_one_stream_event_to_the_sockets_in_the_room() {
        let answer: MessageId = "9b2f4c1e-6d7a-4e8b-a1c2-d3e4f5a6b7c8".parse().expect("message id");
        let ops = plan(Change::AnswerChunk { room: room(), answer, index: 3, text: "안녕".into() }, "Bot");
        assert_eq!(
            ops,
            vec![Op::Emit {
                to: vec![rooms::joined(room())],
                except: None,
                event: "stream".into(),
                payload: JsonText::of(
                    &serde_json::json!({ "roomId": room(), "messageId": answer, "token": "안녕", "index": 3 })
                ),
            }]
        );
    }

    #[test]
    fn membership_changes_move_sockets_between_groups() {
        let added = plan(Change::MemberAdded(room(), user()), "Bot");
        assert_eq!(added[0], Op::Join { to: rooms::user(user()), rooms: vec![rooms::members(room())] });
        assert!(matches!(&added[1], Op::Emit { event, .. } if event == "memberAdded"));

        let removed = plan(Change::MemberRemoved(room(), user()), "Bot");
        assert!(
            matches!(&removed[0], Op::Emit { event, to, .. } if event == "memberRemoved" && to.contains(&rooms::user(user()))),
            "the removed user hears of it too"
        );
        assert_eq!(
            removed[1],
            Op::Leave {
                to: vec![rooms::user(user())],
                rooms: vec![rooms::joined(room()), rooms::members(room())]
            }
        );
    }

    fn kinds(queue: &mut EventQueue) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok((change, _queued)) = queue.changes.try_recv() {
            queue.taken(&change); // what `next` does, minus the waiting
            out.push(match change {
                Change::AnswerChunk { index, .. } => format!("chunk {index}"),
                Change::Lagged(_) => "lagged".into(),
                Change::MemberAdded(..) => "member added".into(),
                _ => "other".into(),
            });
        }
        out
    }

    #[test]
    fn past_the_bound_a_room_lags_once_and_its_changes_wait_for_its_sockets_to_resync() {
        let answer: MessageId = "9b2f4c1e-6d7a-4e8b-a1c2-d3e4f5a6b7c8".parse().expect("message id");
        // Room for two chunks of 10 bytes (each weighs 10 + the overhead).
        let (sink, mut queue) = event_channel(2 * (10 + CHANGE_OVERHEAD_BYTES));
        let other = RoomId::new();
        for index in 0..5 {
            sink.answer_chunk(room(), answer, index, "0123456789");
        }
        sink.member_added(room(), user());
        sink.answer_chunk(other, answer, 0, "0123456789");
        assert_eq!(
            kinds(&mut queue),
            ["chunk 0", "chunk 1", "lagged", "member added", "lagged"],
            "the third chunk lags the room, later ones are dropped; membership is never dropped; \
             another room over the bound lags too"
        );
        sink.answer_chunk(room(), answer, 5, "0123456789");
        assert_eq!(kinds(&mut queue), ["chunk 5"], "after the resync the room's changes flow again");
    }

    #[test]
    fn relayed_removals_are_recognised_by_the_rooms_they_empty() {
        let removed = plan(Change::MemberRemoved(room(), user()), "Bot");
        assert_eq!(removals_in(&removed), vec![room()]);
        let deleted = plan(Change::RoomDeleted(room()), "Bot");
        assert_eq!(removals_in(&deleted), vec![room()]);
        assert!(removals_in(&plan(Change::MemberAdded(room(), user()), "Bot")).is_empty());
    }

    #[test]
    fn a_new_room_is_told_to_each_first_member_alone() {
        let (owner, guest) = (user(), UserId::new());
        let ops = plan(Change::RoomCreated(room(), vec![owner, guest]), "Bot");
        let told: Vec<(String, String)> = ops
            .iter()
            .filter_map(|op| match op {
                Op::Emit { to, except: None, event, .. } => Some((to.join(","), event.to_string())),
                _ => None,
            })
            .collect();
        assert_eq!(
            told,
            [(rooms::user(owner), "memberAdded".to_owned()), (rooms::user(guest), "memberAdded".to_owned())]
        );
        assert!(ops.contains(&Op::Join { to: rooms::user(guest), rooms: vec![rooms::members(room())] }));
        assert!(adds_members(&ops), "a relayed creation counts as a membership change");
    }

    #[test]
    fn relayed_additions_are_recognised_by_their_member_group() {
        assert!(adds_members(&plan(Change::MemberAdded(room(), user()), "Bot")));
        assert!(!adds_members(&plan(Change::MemberRemoved(room(), user()), "Bot")));
        assert!(!adds_members(&plan(Change::RoomDeleted(room()), "Bot")));
    }

    #[test]
    fn a_lagged_room_ends_the_sockets_that_joined_it() {
        assert_eq!(plan(Change::Lagged(room()), "Bot"), vec![Op::Disconnect { to: rooms::joined(room()) }]);
    }

    #[test]
    fn a_revoked_session_is_told_then_disconnected() {
        let session: SessionId = "0e1d2c3b-4a59-4867-9786-a5b4c3d2e1f0".parse().expect("session id");
        let ops = plan(Change::SessionRevoked(session, SessionEnd::Deactivated), "Bot");
        assert!(matches!(
            &ops[0],
            Op::Emit { event, payload, .. } if event == "sessionRevoked"
                && serde_json::from_str::<serde_json::Value>(payload.as_str()).expect("json")["reason"] == "deactivated"
        ));
        assert_eq!(ops[1], Op::Disconnect { to: rooms::session(session) });
    }
}
