//! The client → server events of SPEC §3. Each handler parses its payload, lets the services
//! decide, and returns the ack body; [`dispatch`] applies the per-socket event limit and
//! answers (ack or `exception`).

use crate::cluster::Relayed;
use crate::connection::{Connection, connection_of, on_disconnect};
use crate::fanout::{emit, emit_except};
use crate::json_text::JsonText;
use crate::payload::{self, ReadMark};
use crate::reply::{EventError, HasAck, respond};
use crate::turn::{Admission, Ticket};
use crate::{Gateway, namespaces, rooms};
use chatbot_metrics::metrics;
use chatbot_protocol::acks::{AnswerAck, EmptyAck, JoinAck, MessageAck, RoomAck, SendAck, StreamingAnswer};
use chatbot_protocol::events::{ReadSync, ServerEvent, UserJoined, UserLeft, UserTyping};
use chatbot_protocol::{MemberDto, MessageDto, RoomDto};
use chatbot_service::ServiceError;
use serde::Serialize;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Event, SocketRef, State, TryData};
use std::future::Future;
use std::sync::Arc;
use tracing::Instrument as _;

/// What a handler works with.
pub struct Ctx<A: Adapter> {
    pub socket: SocketRef<A>,
    /// For broadcasts that must reach both chat namespaces ([`crate::namespaces`]).
    pub io: SocketIo<A>,
    pub gateway: Arc<Gateway>,
    pub conn: Arc<Connection>,
}

/// A successful ack's whole body (`ok: true` included), or the refusal.
type Outcome = Result<JsonText, EventError>;

/// Registers the event handlers on a socket that passed the handshake: one handler that routes
/// by event name. socketioxide keeps each socket's handlers in a map of its own; a dozen named
/// ones cost every socket about 0.5 KB for as long as it lives (heap profile in
/// docs/benchmarks.md, "Where a socket's bytes go"), one fallback costs nothing per socket.
pub fn register<A: Adapter>(socket: &SocketRef<A>) {
    socket.on_fallback(route::<A>);
    socket.on_disconnect(on_disconnect::<A>);
}

/// Runs the handler of `event` (SPEC §3), or refuses an unknown one.
#[allow(clippy::too_many_arguments)] // socketioxide hands each part to a handler as an argument
async fn route<A: Adapter>(
    s: SocketRef<A>,
    io: SocketIo<A>,
    State(g): State<Arc<Gateway>>,
    Event(event): Event,
    TryData(d): TryData<Value>,
    ack: AckSender<A>,
    HasAck(h): HasAck,
    Ticket(t): Ticket,
) {
    let d = d.unwrap_or(Value::Null);
    macro_rules! to {
        ($event:literal, $handler:expr) => {
            dispatch($event, (s, io), g, (d, t), ack, h, $handler).await
        };
    }
    match event.as_str() {
        "join" => to!("join", join::<A>),
        "leave" => to!("leave", leave::<A>),
        "send" => to!("send", send::<A>),
        "typing" => to!("typing", typing::<A>),
        "sync_read" => to!("sync_read", sync_read::<A>),
        "getRooms" => to!("getRooms", get_rooms::<A>),
        "stop" => to!("stop", stop::<A>),
        "regenerate" => to!("regenerate", regenerate::<A>),
        "edit" => to!("edit", edit::<A>),
        "delete" => to!("delete", delete::<A>),
        "selectBranch" => to!("selectBranch", select_branch::<A>),
        _ => unknown_event(s, event, ack, h, t).await,
    }
}

async fn dispatch<A, F, Fut>(
    event: &'static str,
    (socket, io): (SocketRef<A>, SocketIo<A>),
    gateway: Arc<Gateway>,
    (data, ticket): (Value, Admission),
    ack: AckSender<A>,
    has_ack: bool,
    handler: F,
) where
    A: Adapter,
    F: FnOnce(Ctx<A>, Value) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let outcome = match (connection_of(&socket), ticket) {
        (Some(conn), Admission::Granted(ticket)) => {
            let turnstile = conn.clone();
            let _turn = turnstile.turnstile.wait(ticket).await;
            // Debug level: created only when a trace exporter asks for it (the log filter does
            // not), so an untraced server pays nothing per event.
            let span = tracing::debug_span!(
                "socket.io",
                event,
                socket_id = %socket.id,
                user_id = %conn.actor.user.id,
            );
            handler(Ctx { socket: socket.clone(), io, gateway, conn }, data).instrument(span).await
        }
        (Some(_), Admission::Limited(retry_after)) => {
            Err(EventError::rate_limited("too many events on this connection", retry_after))
        }
        _ => Err(EventError::new("unauthorized", "not authenticated")),
    };
    match &outcome {
        Ok(_) => metrics().ws_event(event, "ok"),
        Err(err) => {
            metrics().ws_event(event, err.code);
            tracing::debug!(event, code = err.code, message = %err.message, "event refused");
        }
    }
    respond(&socket, ack, has_ack, event, outcome);
}

/// Unknown events: ignored without an ack (old or newer clients), `bad_request` with one. They
/// count against the socket's event rate like any other, and take their turn in its order.
async fn unknown_event<A: Adapter>(
    socket: SocketRef<A>,
    event: String,
    ack: AckSender<A>,
    has_ack: bool,
    admission: Admission,
) {
    tracing::debug!(%event, "unknown event");
    let refusal = match (connection_of(&socket), admission) {
        (Some(conn), Admission::Granted(ticket)) => {
            // Its ticket must be used, or every later event of this socket would wait forever.
            let _turn = conn.turnstile.wait(ticket).await;
            EventError::bad_request(format!("unknown event `{event}`"))
        }
        (Some(_), Admission::Limited(retry_after)) => {
            EventError::rate_limited("too many events on this connection", retry_after)
        }
        _ => EventError::new("unauthorized", "not authenticated"),
    };
    metrics().ws_event("unknown", refusal.code);
    if has_ack {
        respond(&socket, ack, true, "unknown", Err(refusal));
    }
}

/// A successful ack: `ok: true` and the body's fields, written straight to JSON text.
fn ack<T: Serialize>(body: T) -> Outcome {
    #[derive(Serialize)]
    struct Acked<T> {
        ok: bool,
        #[serde(flatten)]
        body: T,
    }
    Ok(JsonText::of(&Acked { ok: true, body }))
}

async fn join<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::Join = payload::parse("join", data)?;
    let room_id = payload::room_id(&request.room_id)?;
    let changes = ctx.gateway.rooms.membership_changes();
    let snapshot = ctx.gateway.rooms.join(&ctx.conn.actor, room_id, request.since).await?;
    let groups = vec![rooms::joined(room_id), rooms::members(room_id)];
    ctx.socket.join(groups.clone());
    // A removal that committed while the snapshot was read has already sent this user's sockets
    // out of the room, before this socket was in it: when a membership change happened
    // meanwhile, ask again now that it is (the same rule as at connect). A removal after this
    // point reaches the socket through the usual `memberRemoved` + leave.
    if ctx.gateway.rooms.membership_changes() != changes
        && let Err(err) = ctx.gateway.rooms.membership(&ctx.conn.actor, room_id).await
    {
        ctx.socket.leave(groups);
        return Err(err.into());
    }
    // Read after joining: a chunk produced from now on reaches this socket as an event, and the
    // snapshot holds every chunk before `nextIndex`, so together there is no gap (a chunk in
    // both is recognised by its index).
    // Answers generated by other instances come from the relay's mirror, with the same rule.
    let cluster = &ctx.gateway.cluster;
    cluster.seed(room_id, snapshot.summary.room.last_seq);
    let streaming: Vec<StreamingAnswer> = ctx
        .gateway
        .rooms
        .streaming(room_id)
        .into_iter()
        .chain(cluster.streaming_elsewhere(room_id))
        .map(|a| StreamingAnswer { message_id: a.message_id, content: a.content, next_index: a.next_index })
        .collect();
    let user = &ctx.conn.actor.user;
    let joined = UserJoined::new(room_id, user);
    for others in namespaces::others(&ctx.socket, &ctx.io) {
        if let Err(err) = others.to(rooms::joined(room_id)).emit(UserJoined::NAME, &joined).await {
            tracing::debug!(error = %err, "userJoined not delivered");
        }
    }
    cluster.relay_ops(|| vec![emit(rooms::joined(room_id), &joined)]);
    let members: Vec<_> = snapshot.members.iter().map(|m| m.user_id).collect();
    let online = crate::presence::online(&ctx.gateway.presence, cluster.shared(), &members).await;
    ack(JoinAck {
        room: RoomDto::from(&snapshot.summary),
        members: snapshot.members.iter().map(MemberDto::from).collect(),
        online,
        messages: snapshot.messages.iter().map(MessageDto::from).collect(),
        has_more: snapshot.has_more,
        streaming,
    })
}

async fn leave<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::RoomOnly = payload::parse("leave", data)?;
    let room_id = payload::room_id(&request.room_id)?;
    ctx.gateway.rooms.membership(&ctx.conn.actor, room_id).await?;
    ctx.socket.leave(rooms::joined(room_id));
    let user = &ctx.conn.actor.user;
    let left = UserLeft::new(room_id, user);
    for others in namespaces::others(&ctx.socket, &ctx.io) {
        if let Err(err) = others.to(rooms::joined(room_id)).emit(UserLeft::NAME, &left).await {
            tracing::debug!(error = %err, "userLeft not delivered");
        }
    }
    ctx.gateway.cluster.relay_ops(|| vec![emit(rooms::joined(room_id), &left)]);
    ack(RoomAck { room_id })
}

/// Stores the message (durably, before the ack); the writer announces it to the room in seq
/// order. A repeated `clientId` returns the first message and announces nothing.
async fn send<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::Send = payload::parse("send", data)?;
    let room_id = payload::room_id(&request.room_id)?;
    let actor = &ctx.conn.actor;
    let posted = ctx
        .gateway
        .rooms
        .post_message(actor, room_id, &request.content, request.client_id.as_deref())
        .await?;
    ack(SendAck { message: MessageDto::from(&posted.message), duplicate: !posted.created })
}

/// Forwards typing state to the others in the room. Only sockets that joined the room (and so
/// were members at the time) may type in it.
async fn typing<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::Typing = payload::parse("typing", data)?;
    let room_id = payload::room_id(&request.room_id)?;
    let room = rooms::joined(room_id);
    if !ctx.socket.rooms().iter().any(|r| *r == room) {
        return Err(EventError::new("not_found", "join the room first"));
    }
    if ctx.conn.typing.should_forward(room_id, request.is_typing) {
        let user = &ctx.conn.actor.user;
        let payload = UserTyping {
            room_id,
            user_id: user.id,
            name: user.name.clone(),
            user_name: user.name.clone(),
            is_typing: request.is_typing,
        };
        for others in namespaces::others(&ctx.socket, &ctx.io) {
            let sent =
                others.to(room.clone()).except(rooms::user(user.id)).emit(UserTyping::NAME, &payload).await;
            if let Err(err) = sent {
                tracing::debug!(error = %err, "userTyping not delivered");
            }
        }
        ctx.gateway.cluster.relay_ops(|| vec![emit_except(vec![room], Some(rooms::user(user.id)), &payload)]);
    }
    ack(EmptyAck {})
}

/// Stores the read position; the user's other devices get `readSync`.
async fn sync_read<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::SyncRead = payload::parse("sync_read", data)?;
    let room_id = payload::room_id(&request.room_id)?;
    let actor = &ctx.conn.actor;
    let seq = match payload::read_mark(&request)? {
        ReadMark::Seq(seq) => seq,
        ReadMark::Message(id) => ctx.gateway.rooms.seq_of(actor, room_id, id).await?,
    };
    let stored = ctx.gateway.rooms.mark_read(actor, room_id, seq).await?;
    let payload = ReadSync { room_id, seq: stored };
    for others in namespaces::others(&ctx.socket, &ctx.io) {
        if let Err(err) = others.to(rooms::user(actor.id())).emit(ReadSync::NAME, &payload).await {
            tracing::debug!(error = %err, "readSync not delivered");
        }
    }
    ctx.gateway.cluster.relay_ops(|| vec![emit(rooms::user(actor.id()), &payload)]);
    ack(payload)
}

/// The caller's rooms without their system prompts (up to 20,000 characters each, for up to
/// 1,000 rooms: megabytes in one ack); a room's own page reads its prompt over REST.
async fn get_rooms<A: Adapter>(ctx: Ctx<A>, _: Value) -> Outcome {
    let rooms = ctx.gateway.rooms.list(&ctx.conn.actor, 1000).await?;
    let listed: Vec<Value> = rooms
        .iter()
        .map(|summary| {
            let mut room = serde_json::to_value(RoomDto::from(summary)).unwrap_or_default();
            if let Some(fields) = room.as_object_mut() {
                fields.remove("systemPrompt");
            }
            room
        })
        .collect();
    #[derive(Serialize)]
    struct Rooms {
        rooms: Vec<Value>,
    }
    ack(Rooms { rooms: listed })
}

/// Stops a streaming answer (any member may): it ends `stopped` with the text so far.
async fn stop<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::AnswerRef = payload::parse("stop", data)?;
    let (room_id, message_id) = payload::answer_ids(&request)?;
    let rooms = &ctx.gateway.rooms;
    match rooms.stop_answer(&ctx.conn.actor, room_id, message_id).await {
        Ok(()) => {}
        // Not generated here: if it streams on another instance, ask that one.
        Err(ServiceError::NotFound(_))
            if ctx.gateway.cluster.is_clustered()
                && rooms.streaming_stored(&ctx.conn.actor, room_id, message_id).await? =>
        {
            ctx.gateway.cluster.publish(&Relayed::Stop { room: room_id, message: message_id });
        }
        Err(err) => return Err(err.into()),
    }
    ack(AnswerAck { room_id, message_id })
}

/// New text for one's own message; the room gets `messageEdited` (and, when the AI answers
/// it, a new answer: another branch).
async fn edit<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::Edit = payload::parse("edit", data)?;
    let room_id = payload::room_id(&request.room_id)?;
    let message_id = payload::message_id(&request.message_id)?;
    let edited =
        ctx.gateway.rooms.edit_message(&ctx.conn.actor, room_id, message_id, &request.content).await?;
    ack(MessageAck { message: MessageDto::from(&edited) })
}

/// Deletes one's own message (a tombstone stays); the room gets `messageDeleted`.
async fn delete<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::AnswerRef = payload::parse("delete", data)?;
    let (room_id, message_id) = payload::answer_ids(&request)?;
    let deleted = ctx.gateway.rooms.delete_message(&ctx.conn.actor, room_id, message_id).await?;
    ack(MessageAck { message: MessageDto::from(&deleted) })
}

/// The room follows the given answer of its question from now on; the room gets
/// `branchSelected`. Acks the question.
async fn select_branch<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::AnswerRef = payload::parse("selectBranch", data)?;
    let (room_id, message_id) = payload::answer_ids(&request)?;
    let question = ctx.gateway.rooms.select_branch(&ctx.conn.actor, room_id, message_id, None).await?;
    ack(MessageAck { message: MessageDto::from(&question) })
}

/// A new answer to the question the given answer replied to.
async fn regenerate<A: Adapter>(ctx: Ctx<A>, data: Value) -> Outcome {
    let request: payload::AnswerRef = payload::parse("regenerate", data)?;
    let (room_id, message_id) = payload::answer_ids(&request)?;
    ctx.gateway.rooms.regenerate(&ctx.conn.actor, room_id, message_id).await?;
    ack(AnswerAck { room_id, message_id })
}
