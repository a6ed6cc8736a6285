//! Delivery of committed changes to sockets, in commit order.
//!
//! The message writer calls [`ChatEvents`] (a [`RoomEvents`]) right after each commit; events
//! are queued and one task delivers them one after another, so every socket receives a room's
//! `message` events in `seq` order. Each payload is built once per change and serialized once
//! per broadcast and namespace (`/chat` and its alias, [`crate::namespaces`]), whatever the
//! number of receivers. The queue is unbounded because the writer must never block on a slow
//! consumer; deliveries themselves only enqueue packets on sockets, so it drains quickly.

use crate::{namespaces, rooms};
use chatbot_domain::{MessageId, MessageRole, MessageStatus, RoomId, SessionId, UserId};
use chatbot_protocol::MessageDto;
use chatbot_service::{AnswerUsage, RoomEvents, SessionEnd};
use chatbot_store::{Message, Room};
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Longest `roomActivity` preview, in characters.
const PREVIEW_CHARS: usize = 120;

enum Change {
    Message(Box<Message>),
    AnswerStarted(Box<Message>),
    AnswerChunk { room: RoomId, answer: MessageId, index: u64, text: String },
    AnswerFinished(Box<Message>, AnswerUsage),
    MemberAdded(RoomId, UserId),
    MemberRemoved(RoomId, UserId),
    RoomDeleted(RoomId),
    RoomUpdated(Box<Room>),
    SessionRevoked(SessionId, SessionEnd),
}

/// The services' view of the gateway: queues changes for delivery.
pub struct ChatEvents {
    changes: mpsc::UnboundedSender<Change>,
}

/// The receiving end, handed to [`crate::layer`].
pub struct EventQueue(mpsc::UnboundedReceiver<Change>);

/// Creates the pair: the sink goes to the services, the queue to the gateway.
pub fn event_channel() -> (Arc<ChatEvents>, EventQueue) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Arc::new(ChatEvents { changes: tx }), EventQueue(rx))
}

impl ChatEvents {
    fn push(&self, change: Change) {
        // Fails only after the delivery task ended (shutdown): nothing is left to deliver to.
        let _ = self.changes.send(change);
    }
}

impl RoomEvents for ChatEvents {
    fn message_stored(&self, message: &Message) {
        // An answer is announced as a `message` only once its stream has ended (SPEC §3).
        if message.status != MessageStatus::Streaming {
            self.push(Change::Message(Box::new(message.clone())));
        }
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

    fn member_removed(&self, room: RoomId, user: UserId) {
        self.push(Change::MemberRemoved(room, user));
    }

    fn room_deleted(&self, room: RoomId) {
        self.push(Change::RoomDeleted(room));
    }

    fn room_updated(&self, room: &Room) {
        self.push(Change::RoomUpdated(Box::new(room.clone())));
    }

    fn session_revoked(&self, _user: UserId, session: SessionId, why: SessionEnd) {
        self.push(Change::SessionRevoked(session, why));
    }
}

/// The `message` event: the stored message as the REST API renders it, with the assistant's
/// display name for answers.
pub fn message_event(message: &Message, assistant_name: &str) -> Value {
    let mut event = json!(MessageDto::from(message));
    if message.role == MessageRole::Assistant {
        event["userName"] = json!(assistant_name);
    }
    event
}

fn activity_event(message: &Message) -> Value {
    let preview: String = message.content.chars().take(PREVIEW_CHARS).collect();
    json!({
        "roomId": message.room_id,
        "seq": message.seq,
        "createdAt": message.created_at.format(&time::format_description::well_known::Rfc3339).ok(),
        "preview": preview,
    })
}

/// `roomUpdated`: the settings every member may read (what `GET /api/rooms/:id` shows of them).
fn room_updated_event(room: &Room) -> Value {
    json!({
        "roomId": room.id,
        "name": room.name,
        "description": room.description,
        "visibility": room.visibility,
        "systemPrompt": room.system_prompt,
        "model": room.model,
        "aiMode": room.ai_mode,
        "updatedAt": room.updated_at.format(&time::format_description::well_known::Rfc3339).ok(),
    })
}

/// One thing to do to the sockets of a chat namespace. A change becomes a short list of these
/// ([`plan`]), built once and applied to each namespace ([`apply`]).
#[derive(Debug, PartialEq)]
enum Op {
    /// Emit `event` to the sockets in any of `to`, except those in `except`.
    Emit { to: Vec<String>, except: Option<String>, event: &'static str, payload: Value },
    /// Make the sockets in `to` join `rooms`.
    Join { to: String, rooms: Vec<String> },
    /// Make the sockets in `to` leave `rooms`.
    Leave { to: Vec<String>, rooms: Vec<String> },
    /// End the connections of the sockets in `to`.
    Disconnect { to: String },
}

fn emit(to: String, event: &'static str, payload: Value) -> Op {
    Op::Emit { to: vec![to], except: None, event, payload }
}

/// What a change means for sockets, whichever namespace they connected to.
fn plan(change: Change, assistant_name: &str) -> Vec<Op> {
    match change {
        Change::Message(message) => {
            let joined = rooms::joined(message.room_id);
            vec![
                emit(joined.clone(), "message", message_event(&message, assistant_name)),
                // Members whose sockets have not joined the room keep their room list current.
                Op::Emit {
                    to: vec![rooms::members(message.room_id)],
                    except: Some(joined),
                    event: "roomActivity",
                    payload: activity_event(&message),
                },
            ]
        }
        Change::AnswerStarted(answer) => {
            let start = json!({
                "roomId": answer.room_id, "messageId": answer.id, "start": true,
                "model": answer.model, "replyTo": answer.reply_to,
            });
            vec![emit(rooms::joined(answer.room_id), "stream", start)]
        }
        Change::AnswerChunk { room, answer, index, text } => {
            let chunk = json!({ "roomId": room, "messageId": answer, "token": text, "index": index });
            vec![emit(rooms::joined(room), "stream", chunk)]
        }
        Change::AnswerFinished(answer, usage) => {
            let joined = rooms::joined(answer.room_id);
            let mut end = json!({
                "roomId": answer.room_id, "messageId": answer.id, "end": true,
                "status": answer.status, "content": answer.content,
                "usage": {
                    "inputTokens": usage.input_tokens, "outputTokens": usage.output_tokens,
                    "cacheReadTokens": usage.cache_read_tokens, "cacheCreationTokens": usage.cache_creation_tokens,
                    "cost": usage.cost,
                },
            });
            if let Some(error) = &answer.error {
                end["error"] = json!(error);
            }
            vec![
                emit(joined.clone(), "stream", end),
                // Then, once, the finished answer as a message, as the original client expects.
                emit(joined.clone(), "message", message_event(&answer, assistant_name)),
                Op::Emit {
                    to: vec![rooms::members(answer.room_id)],
                    except: Some(joined),
                    event: "roomActivity",
                    payload: activity_event(&answer),
                },
            ]
        }
        // Membership changes reach every member's sockets (joined to the room or not) and the
        // affected user's, so room lists and member lists stay current without polling.
        Change::MemberAdded(room, user) => vec![
            Op::Join { to: rooms::user(user), rooms: vec![rooms::members(room)] },
            emit(rooms::members(room), "memberAdded", json!({ "roomId": room, "userId": user })),
        ],
        Change::MemberRemoved(room, user) => vec![
            Op::Emit {
                to: vec![rooms::members(room), rooms::user(user)],
                except: None,
                event: "memberRemoved",
                payload: json!({ "roomId": room, "userId": user }),
            },
            Op::Leave { to: vec![rooms::user(user)], rooms: vec![rooms::joined(room), rooms::members(room)] },
        ],
        Change::RoomDeleted(room) => {
            let everyone = vec![rooms::joined(room), rooms::members(room)];
            vec![
                Op::Emit {
                    to: everyone.clone(),
                    except: None,
                    event: "roomDeleted",
                    payload: json!({ "roomId": room }),
                },
                Op::Leave { to: everyone.clone(), rooms: everyone },
            ]
        }
        Change::RoomUpdated(room) => {
            vec![emit(rooms::members(room.id), "roomUpdated", room_updated_event(&room))]
        }
        // Tell the device why, then end its connections: the client must not reconnect with a
        // token whose session is gone (its next refresh fails too).
        Change::SessionRevoked(session, why) => vec![
            emit(
                rooms::session(session),
                "sessionRevoked",
                json!({ "sessionId": session, "reason": why.as_str() }),
            ),
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
                chat.to(to.clone()).emit(*event, payload).await.map_err(|e| e.to_string())
            }
            Op::Emit { to, except: Some(except), event, payload } => chat
                .to(to.clone())
                .except(except.clone())
                .emit(*event, payload)
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

/// Delivers queued changes until the services drop their sink.
pub async fn run<A: Adapter>(io: SocketIo<A>, EventQueue(mut changes): EventQueue, assistant_name: String) {
    while let Some(change) = changes.recv().await {
        let ops = plan(change, &assistant_name);
        for chat in namespaces::everyone(&io) {
            if let Err(err) = apply(chat, &ops).await {
                tracing::warn!(error = %err, "real-time delivery incomplete");
            }
        }
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
            vec![emit(
                rooms::joined(room()),
                "stream",
                json!({ "roomId": room(), "messageId": answer, "token": "안녕", "index": 3 })
            )]
        );
    }

    #[test]
    fn membership_changes_move_sockets_between_groups() {
        let added = plan(Change::MemberAdded(room(), user()), "Bot");
        assert_eq!(added[0], Op::Join { to: rooms::user(user()), rooms: vec![rooms::members(room())] });
        assert!(matches!(&added[1], Op::Emit { event: "memberAdded", .. }));

        let removed = plan(Change::MemberRemoved(room(), user()), "Bot");
        assert!(
            matches!(&removed[0], Op::Emit { event: "memberRemoved", to, .. } if to.contains(&rooms::user(user()))),
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

    #[test]
    fn a_revoked_session_is_told_then_disconnected() {
        let session: SessionId = "0e1d2c3b-4a59-4867-9786-a5b4c3d2e1f0".parse().expect("session id");
        let ops = plan(Change::SessionRevoked(session, SessionEnd::Deactivated), "Bot");
        assert!(matches!(
            &ops[0],
            Op::Emit { event: "sessionRevoked", payload, .. } if payload["reason"] == "deactivated"
        ));
        assert_eq!(ops[1], Op::Disconnect { to: rooms::session(session) });
    }
}
