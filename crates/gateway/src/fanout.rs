//! Delivery of committed changes to sockets, in commit order.
//!
//! The message writer calls [`ChatEvents`] (a [`RoomEvents`]) right after each commit; events
//! are queued and one task delivers them one after another, so every socket receives a room's
//! `message` events in `seq` order. Each payload is serialized once per broadcast, whatever the
//! number of receivers. The queue is unbounded because the writer must never block on a slow
//! consumer; deliveries themselves only enqueue packets on sockets, so it drains quickly.

use crate::{NAMESPACE, rooms};
use chatbot_domain::{MessageId, MessageRole, MessageStatus, RoomId, SessionId, UserId};
use chatbot_protocol::MessageDto;
use chatbot_service::{AnswerUsage, RoomEvents};
use chatbot_store::{Message, Room};
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
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
    SessionRevoked(SessionId),
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

    fn session_revoked(&self, _user: UserId, session: SessionId) {
        self.push(Change::SessionRevoked(session));
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

/// Delivers queued changes until the services drop their sink.
pub async fn run<A: Adapter>(io: SocketIo<A>, EventQueue(mut changes): EventQueue, assistant_name: String) {
    while let Some(change) = changes.recv().await {
        let Some(chat) = io.of(NAMESPACE) else { continue };
        let result = match change {
            Change::Message(message) => {
                let joined = rooms::joined(message.room_id);
                let delivered = chat
                    .clone()
                    .to(joined.clone())
                    .emit("message", &message_event(&message, &assistant_name))
                    .await;
                // Members whose sockets have not joined the room keep their room list current.
                let activity = chat
                    .to(rooms::members(message.room_id))
                    .except(joined)
                    .emit("roomActivity", &activity_event(&message))
                    .await;
                delivered.and(activity).map_err(|e| e.to_string())
            }
            Change::AnswerStarted(answer) => {
                let start = json!({
                    "roomId": answer.room_id, "messageId": answer.id, "start": true,
                    "model": answer.model, "replyTo": answer.reply_to,
                });
                chat.to(rooms::joined(answer.room_id)).emit("stream", &start).await.map_err(|e| e.to_string())
            }
            Change::AnswerChunk { room, answer, index, text } => {
                let chunk = json!({ "roomId": room, "messageId": answer, "token": text, "index": index });
                chat.to(rooms::joined(room)).emit("stream", &chunk).await.map_err(|e| e.to_string())
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
                let ended = chat.clone().to(joined.clone()).emit("stream", &end).await;
                // Then, once, the finished answer as a message, as the original client expects.
                let message = chat
                    .clone()
                    .to(joined.clone())
                    .emit("message", &message_event(&answer, &assistant_name))
                    .await;
                let activity = chat
                    .to(rooms::members(answer.room_id))
                    .except(joined)
                    .emit("roomActivity", &activity_event(&answer))
                    .await;
                ended.and(message).and(activity).map_err(|e| e.to_string())
            }
            // Membership changes reach every member's sockets (joined to the room or not) and the
            // affected user's, so room lists and member lists stay current without polling.
            Change::MemberAdded(room, user) => {
                let joined = chat.clone().to(rooms::user(user)).join(rooms::members(room)).await;
                let told = chat
                    .to(rooms::members(room))
                    .emit("memberAdded", &json!({ "roomId": room, "userId": user }))
                    .await;
                joined.map_err(|e| e.to_string()).and(told.map_err(|e| e.to_string()))
            }
            Change::MemberRemoved(room, user) => {
                let told = chat
                    .clone()
                    .to(vec![rooms::members(room), rooms::user(user)])
                    .emit("memberRemoved", &json!({ "roomId": room, "userId": user }))
                    .await;
                let left =
                    chat.to(rooms::user(user)).leave(vec![rooms::joined(room), rooms::members(room)]).await;
                told.map_err(|e| e.to_string()).and(left.map_err(|e| e.to_string()))
            }
            Change::RoomDeleted(room) => {
                let everyone = vec![rooms::joined(room), rooms::members(room)];
                let told =
                    chat.clone().to(everyone.clone()).emit("roomDeleted", &json!({ "roomId": room })).await;
                let left = chat.to(everyone.clone()).leave(everyone).await;
                told.map_err(|e| e.to_string()).and(left.map_err(|e| e.to_string()))
            }
            Change::RoomUpdated(room) => chat
                .to(rooms::members(room.id))
                .emit("roomUpdated", &room_updated_event(&room))
                .await
                .map_err(|e| e.to_string()),
            Change::SessionRevoked(session) => {
                // Tell the device why, then end its connections: the client must not reconnect
                // with a token whose session is gone (its next refresh fails too).
                let target = rooms::session(session);
                let told = chat
                    .clone()
                    .to(target.clone())
                    .emit("sessionRevoked", &json!({ "sessionId": session, "reason": "signed_out" }))
                    .await;
                let ended = chat.to(target).disconnect().await;
                told.map_err(|e| e.to_string()).and(ended.map_err(|e| e.to_string()))
            }
        };
        if let Err(err) = result {
            tracing::warn!(error = %err, "real-time delivery incomplete");
        }
    }
}
