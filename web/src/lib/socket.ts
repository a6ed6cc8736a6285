// The one module that owns the Socket.IO connection to /chat.
//
// - Connects with auth.token, asking for a fresh token on every (re)connect.
// - On every `connected`, re-joins the open room with `since` = the last seq seen, so whatever
//   was missed while disconnected arrives (gap-free, merged by id), and resends unacked messages
//   with their original clientId (the server stores each clientId once).
// - Assembles streaming answers by chunk index (see chat/streams.ts).
// - Feeds presence and typing events to lib/presenceEvents.ts and throttles our own typing;
//   history beyond what a join carries comes over REST (lib/paging.ts).
import { io, type Socket } from "socket.io-client";
import { catchUpSince, lastSeq, mergeMessages, upsertLocal, type ChatMessage } from "../chat/messages";
import { applyJoinPresence, dropTypist, idleSender, typingEmits, type TypingSender } from "../chat/presence";
import { chatStore, initialChatState, patch, sortRooms } from "../chat/state";
import { applyChunk, applySnapshot, dropStream, endStream, startStream } from "../chat/streams";
import { freshAccessToken, refreshTokens } from "./api";
import { catchUpForward } from "./paging";
import { onTyping, onUserJoined, onUserLeft, onUserStatus, stopTypingExpiry } from "./presenceEvents";
import type { Ack, ErrorBody, JoinAck, Message, Room, RoomActivity, StreamEvent, User } from "./types";

let socket: Socket | null = null;
/** Rooms this socket has joined (re-joined on every `connected`). */
let joined = new Set<string>();
/** Sends waiting for an ack, by clientId. */
const inflight = new Set<string>();
/** For live streams whose row we have not seen: the room's last seq when they started. */
const streamHints = new Map<string, { roomId: string; since: number }>();

const ACK_TIMEOUT = 15_000;

function newClientId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : "c-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
}

async function call<T>(event: string, payload: unknown): Promise<Ack<T>> {
  if (!socket?.connected) return { ok: false, error: { code: "offline", message: "not connected" } };
  try {
    return (await socket.timeout(ACK_TIMEOUT).emitWithAck(event, payload)) as Ack<T>;
  } catch {
    return { ok: false, error: { code: "timeout", message: "no answer from the server" } };
  }
}

function setRoomError(roomId: string, error: ErrorBody | undefined): void {
  patch((s) => ({ roomError: { ...s.roomError, [roomId]: error } }));
}

function upsertRoom(room: Partial<Room> & { id: string }): void {
  patch((s) => {
    const i = s.rooms.findIndex((r) => r.id === room.id);
    const rooms = [...s.rooms];
    if (i >= 0) rooms[i] = { ...rooms[i]!, ...room };
    else rooms.push({ visibility: "private", lastSeq: 0, unreadCount: 0, name: room.id, ...room });
    return { rooms: sortRooms(rooms) };
  });
}

function markRead(roomId: string): void {
  const list = chatStore.get().messages[roomId] ?? [];
  const seq = lastSeq(list);
  upsertRoom({ id: roomId, unreadCount: 0 });
  if (seq > 0) void call("sync_read", { roomId, seq });
}

// ---- incoming events ----------------------------------------------------------------------

function onMessage(m: Message): void {
  streamHints.delete(m.id);
  patch((s) => {
    const list = s.messages[m.roomId];
    const done = m.status !== "streaming";
    return {
      messages: list ? { ...s.messages, [m.roomId]: mergeMessages(list, [m]) } : s.messages,
      streams: done ? dropStream(s.streams, m.id) : s.streams,
      // Their message is here: they are no longer typing it.
      typing: m.userId ? dropTypist(s.typing, m.roomId, m.userId) : s.typing,
    };
  });
  const room = chatStore.get().rooms.find((r) => r.id === m.roomId);
  const current = chatStore.get().currentRoom === m.roomId;
  upsertRoom({
    id: m.roomId,
    lastMessage: m,
    preview: undefined,
    lastSeq: Math.max(room?.lastSeq ?? 0, m.seq),
    unreadCount: current ? 0 : (room?.unreadCount ?? 0) + (m.userId === chatStore.get().user?.id ? 0 : 1),
  });
  if (current && typeof document !== "undefined" && document.visibilityState === "visible") markRead(m.roomId);
}

function onStream(ev: StreamEvent): void {
  const s = chatStore.get();
  if (ev.start) {
    const list = s.messages[ev.roomId] ?? [];
    if (!list.some((m) => m.id === ev.messageId)) {
      streamHints.set(ev.messageId, { roomId: ev.roomId, since: lastSeq(list) });
    }
    patch((st) => ({ streams: startStream(st.streams, ev), roomError: { ...st.roomError, [ev.roomId]: undefined } }));
  } else if (ev.end) {
    patch((st) => ({ streams: endStream(st.streams, ev) }));
  } else if (typeof ev.token === "string" && typeof ev.index === "number") {
    const { token, index } = ev;
    patch((st) => ({ streams: applyChunk(st.streams, { roomId: ev.roomId, messageId: ev.messageId, token, index }) }));
  }
}

function onRoomActivity(a: RoomActivity): void {
  const s = chatStore.get();
  const room = s.rooms.find((r) => r.id === a.roomId);
  if (room && a.seq <= room.lastSeq) return;
  if (!room) {
    void refreshRooms();
    return;
  }
  upsertRoom({
    id: a.roomId,
    lastSeq: a.seq,
    preview: a.preview,
    updatedAt: a.createdAt,
    lastMessage: room.lastMessage ? { ...room.lastMessage, content: a.preview, createdAt: a.createdAt } : null,
    unreadCount: s.currentRoom === a.roomId ? 0 : room.unreadCount + 1,
  });
}

// ---- connection ---------------------------------------------------------------------------

async function onConnected(payload: { user?: User }): Promise<void> {
  patch({ status: "connected", ...(payload.user ? { user: payload.user } : {}) });
  void refreshRooms();
  const current = chatStore.get().currentRoom;
  const rooms = new Set(joined);
  if (current) rooms.add(current);
  joined = new Set();
  for (const roomId of rooms) await join(roomId);
}

export function connect(): void {
  if (socket) return;
  patch({ status: "connecting" });
  socket = io("/chat", {
    path: "/socket.io/",
    // Called on every (re)connect attempt: always a fresh token.
    auth: (cb) => {
      freshAccessToken()
        .then((token) => cb({ token: token ?? "" }))
        .catch(() => cb({ token: "" }));
    },
  });
  const s = socket;
  s.on("connected", (p: { user?: User }) => void onConnected(p));
  s.on("message", onMessage);
  s.on("stream", onStream);
  s.on("roomActivity", onRoomActivity);
  s.on("userTyping", onTyping);
  s.on("user_status", onUserStatus);
  s.on("userJoined", onUserJoined);
  s.on("userLeft", onUserLeft);
  s.on("readSync", (ev: { roomId: string; seq: number }) => {
    const room = chatStore.get().rooms.find((r) => r.id === ev.roomId);
    if (room && ev.seq >= room.lastSeq) upsertRoom({ id: ev.roomId, unreadCount: 0 });
  });
  s.on("disconnect", (reason) => {
    if (socket !== s) return;
    patch({ status: "reconnecting" });
    // A server-side disconnect is not retried by the client on its own.
    if (reason === "io server disconnect") setTimeout(() => socket === s && s.connect(), 1000);
  });
  s.on("connect_error", (err: Error & { data?: { code?: string } }) => {
    if (socket !== s) return;
    patch({ status: "reconnecting" });
    const code = err.data?.code ?? err.message.split(":")[0];
    if (s.active) return; // transport error: the manager retries with back-off
    // Refused by the server (middleware): retry ourselves, with a fresh token when that was why.
    const retry = () => setTimeout(() => socket === s && s.connect(), 2000);
    if (code === "unauthorized") {
      refreshTokens()
        .then((token) => (token ? retry() : undefined)) // no token: signed out, App shows sign-in
        .catch(retry);
    } else retry();
  });
}

export function disconnect(): void {
  socket?.removeAllListeners();
  socket?.disconnect();
  socket = null;
  joined = new Set();
  inflight.clear();
  streamHints.clear();
  typingSender = idleSender;
  stopTypingExpiry();
  chatStore.set(initialChatState);
}

export function isConnected(): boolean {
  return socket?.connected ?? false;
}

// ---- actions ------------------------------------------------------------------------------

export async function refreshRooms(): Promise<void> {
  const ack = await call<{ rooms: Room[] }>("getRooms", {});
  if (!ack.ok) return;
  const current = chatStore.get().currentRoom;
  const rooms = ack.rooms.map((r) => (r.id === current ? { ...r, unreadCount: 0 } : r));
  patch({ rooms: sortRooms(rooms), roomsLoaded: true });
}

async function join(roomId: string): Promise<void> {
  const list = chatStore.get().messages[roomId];
  const hints = [...streamHints.values()].filter((h) => h.roomId === roomId).map((h) => h.since);
  const since = list ? catchUpSince(list, hints) : undefined;
  const ack = await call<JoinAck>("join", since === undefined ? { roomId } : { roomId, since });
  if (!ack.ok) {
    if (ack.error.code !== "offline") setRoomError(roomId, ack.error);
    return;
  }
  joined.add(roomId);
  patch((s) => {
    let streams = s.streams;
    for (const snap of ack.streaming ?? []) streams = applySnapshot(streams, roomId, snap);
    // Streams that ended while we were away: their final row is in `messages`.
    const live = new Set((ack.streaming ?? []).map((x) => x.messageId));
    for (const m of ack.messages) if (m.status !== "streaming" && !live.has(m.id)) streams = dropStream(streams, m.id);
    return {
      messages: { ...s.messages, [roomId]: mergeMessages(s.messages[roomId] ?? [], ack.messages) },
      // A first load (no list yet) starts at the newest messages: older ones may exist.
      olderDone: s.messages[roomId] ? s.olderDone : { ...s.olderDone, [roomId]: false },
      hasMore: { ...s.hasMore, [roomId]: ack.hasMore || (s.hasMore[roomId] ?? false) },
      members: { ...s.members, [roomId]: ack.members },
      online: applyJoinPresence(s.online, ack.members.map((m) => m.userId), ack.online ?? []),
      streams,
      roomError: { ...s.roomError, [roomId]: undefined },
    };
  });
  upsertRoom({ ...ack.room, unreadCount: 0 });
  flushUnsent(roomId);
  if (ack.hasMore) await catchUpForward(roomId);
  if (chatStore.get().currentRoom === roomId) markRead(roomId);
}

/** Opens a room (joins it; leaves the previously open one so its activity arrives as
 *  `roomActivity` and counts as unread). */
export function openRoom(roomId: string | null): void {
  const prev = chatStore.get().currentRoom;
  if (prev === roomId) return;
  patch({ currentRoom: roomId });
  if (prev && typingSender.typing && typingSender.roomId === prev) typing(prev, false);
  if (prev && joined.has(prev)) {
    joined.delete(prev);
    void call("leave", { roomId: prev });
  }
  if (roomId) {
    upsertRoom({ id: roomId, unreadCount: 0 });
    void join(roomId);
  }
}

function emitSend(m: ChatMessage): void {
  const clientId = m.clientId!;
  if (inflight.has(clientId) || !socket?.connected) return;
  inflight.add(clientId);
  void call<{ message: Message }>("send", { roomId: m.roomId, content: m.content, clientId }).then((ack) => {
    inflight.delete(clientId);
    if (ack.ok) {
      onMessage(ack.message);
      return;
    }
    const { code } = ack.error;
    if (code === "timeout" || code === "offline") {
      // Unknown outcome: resend with the same clientId (stored at most once).
      if (socket?.connected) setTimeout(() => emitSend(m), 1000);
      return;
    }
    patch((s) => ({
      messages: {
        ...s.messages,
        [m.roomId]: upsertLocal(s.messages[m.roomId] ?? [], {
          ...m,
          local: "failed",
          localError: code,
          localErrorMessage: ack.error.message,
          ...(ack.error.retryAfter !== undefined ? { retryAfter: ack.error.retryAfter } : {}),
        }),
      },
    }));
  });
}

function flushUnsent(roomId: string): void {
  for (const m of chatStore.get().messages[roomId] ?? []) if (m.local === "sending") emitSend(m);
}

/** Optimistic send: shown at once, acked or retried after a reconnect with its clientId. */
export function send(roomId: string, content: string): void {
  const s = chatStore.get();
  const clientId = newClientId();
  const m: ChatMessage = {
    id: "local-" + clientId,
    roomId,
    seq: 0,
    userId: s.user?.id ?? null,
    userName: s.user?.name ?? null,
    role: "user",
    content,
    status: "sending",
    model: null,
    replyTo: null,
    clientId,
    createdAt: new Date().toISOString(),
    local: "sending",
  };
  patch((st) => ({ messages: { ...st.messages, [roomId]: upsertLocal(st.messages[roomId] ?? [], m) } }));
  emitSend(m);
  typing(roomId, false);
}

export function retrySend(m: ChatMessage): void {
  const again: ChatMessage = { ...m, local: "sending", localError: undefined, localErrorMessage: undefined };
  patch((st) => ({ messages: { ...st.messages, [m.roomId]: upsertLocal(st.messages[m.roomId] ?? [], again) } }));
  emitSend(again);
}

export async function stop(roomId: string, messageId: string): Promise<void> {
  const ack = await call("stop", { roomId, messageId });
  setRoomError(roomId, ack.ok ? undefined : ack.error);
}

export async function regenerate(roomId: string, messageId: string): Promise<void> {
  const ack = await call("regenerate", { roomId, messageId });
  setRoomError(roomId, ack.ok ? undefined : ack.error);
}

let typingSender: TypingSender = idleSender;

/** Tells the room whether we are typing (throttled: chat/presence.ts `typingEmits`). */
export function typing(roomId: string, isTyping: boolean): void {
  if (!socket?.connected) {
    typingSender = idleSender;
    return;
  }
  const { sender, emit } = typingEmits(typingSender, roomId, isTyping, Date.now());
  typingSender = sender;
  for (const ev of emit) socket.emit("typing", ev, () => undefined);
}

/** Adds a room created over REST to the list. */
export function addRoom(room: Room): void {
  upsertRoom(room);
}

/** Applies a room's changed settings (e.g. after a PATCH) to the list and the header. */
export function updateRoom(room: Partial<Room> & { id: string }): void {
  upsertRoom(room);
}

/** Forgets a room we left or deleted. */
export function removeRoom(roomId: string): void {
  joined.delete(roomId);
  patch((s) => {
    const messages = { ...s.messages };
    delete messages[roomId];
    return {
      rooms: s.rooms.filter((r) => r.id !== roomId),
      messages,
      olderDone: { ...s.olderDone, [roomId]: false },
      currentRoom: s.currentRoom === roomId ? null : s.currentRoom,
    };
  });
}

/** Joins an open room again: fresh room data, members and presence (e.g. after a member was
 *  added, since the server does not announce that to the room). */
export function refreshRoom(roomId: string): Promise<void> {
  return joined.has(roomId) ? join(roomId) : Promise.resolve();
}
