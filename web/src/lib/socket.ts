// The one module that owns the Socket.IO connection to /chat.
//
// - Connects with auth.token, asking for a fresh token on every (re)connect.
// - On every `connected`, re-joins the open room with `since` = the last seq seen, so whatever
//   was missed while disconnected arrives (gap-free, merged by id), and resends unacked messages
//   with their original clientId (the server stores each clientId once).
// - A jump in seq on a joined room (a delivery the server dropped because this socket's queue
//   was full) re-joins it the same way, from the last seq seen before the jump.
// - Assembles streaming answers by chunk index (see chat/streams.ts).
// - Feeds presence and typing events to lib/presenceEvents.ts and throttles our own typing;
//   history beyond what a join carries comes over REST (lib/paging.ts).
// - Keeps the room list current with membership and room events (rules: chat/rooms.ts): a room
//   we are added to appears, one we are removed from (or that is deleted) goes, and when it was
//   the open one the app moves to the general room with a notice.
// - A revoked session (`sessionRevoked`) goes back to sign-in at once. Any other server-side
//   disconnect is retried once with a refreshed token; when that refresh fails, the session is
//   over and the app goes back to sign-in too.
import { io, type Socket } from "socket.io-client";
import { catchUpSince, lastSeq, mergeMessages, missedBefore, upsertLocal, type ChatMessage } from "../chat/messages";
import { applyJoinPresence, dropTypist, idleSender, typingEmits, type TypingSender } from "../chat/presence";
import { adjustMemberCount, applyRoomUpdated, dropRoomFrom, fallbackPath, memberAction, upsertRoomIn } from "../chat/rooms";
import { chatStore, initialChatState, patch, sortRooms } from "../chat/state";
import { applyChunk, applySnapshot, dropStream, endStream, startStream } from "../chat/streams";
import { api, freshAccessToken, refreshTokens } from "./api";
import type { StringKey } from "./i18n";
import { showNotice } from "./notice";
import { catchUpForward } from "./paging";
import { onTyping, onUserJoined, onUserLeft, onUserStatus, stopTypingExpiry } from "./presenceEvents";
import { navigate } from "./router";
import { clearTokens } from "./tokens";
import type {
  Ack,
  ErrorBody,
  JoinAck,
  MemberEvent,
  Message,
  Room,
  RoomActivity,
  RoomUpdatedEvent,
  StreamEvent,
  User,
} from "./types";

let socket: Socket | null = null;
/** Rooms this socket has joined (re-joined on every `connected`). */
let joined = new Set<string>();
/** Sends waiting for an ack, by clientId. */
const inflight = new Set<string>();
/** For live streams whose row we have not seen: the room's last seq when they started. */
const streamHints = new Map<string, { roomId: string; since: number }>();
/** Rooms this client is leaving or deleting itself: their removal event needs no notice. */
const expectedGone = new Set<string>();
/** How often each room left the list: a room loaded before its latest removal is stale. */
const removals = new Map<string, number>();
/** Rooms where a jump in seq showed that deliveries were missed: the last seq seen before it. */
const missed = new Map<string, number>();
/** Joined rooms waiting to be re-joined (see `scheduleRejoin`). */
const rejoins = new Map<string, ReturnType<typeof setTimeout>>();
/** Bumped when the session ends: answers that arrive afterwards belong to no one. */
let generation = 0;
const REJOIN_DELAY = 150;

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
  patch((s) => ({ rooms: upsertRoomIn(s.rooms, room) }));
}

function markRead(roomId: string): void {
  const list = chatStore.get().messages[roomId] ?? [];
  const seq = lastSeq(list);
  upsertRoom({ id: roomId, unreadCount: 0 });
  if (seq > 0) void call("sync_read", { roomId, seq });
}

// ---- incoming events ----------------------------------------------------------------------

function onMessage(m: Message): void {
  // A jump in seq on a joined room: some delivery never reached this socket (its queue on the
  // server was full). Re-join with `since` to fetch what is missing from the database.
  const known = chatStore.get().messages[m.roomId];
  if (known && joined.has(m.roomId)) {
    const openStreams = [...streamHints.values()].filter((h) => h.roomId === m.roomId).length;
    if (missedBefore(known, m.seq, openStreams)) {
      missed.set(m.roomId, Math.min(missed.get(m.roomId) ?? Infinity, lastSeq(known)));
      scheduleRejoin(m.roomId);
    }
  }
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
    updatedAt: a.createdAt ?? undefined,
    lastMessage: room.lastMessage
      ? { ...room.lastMessage, content: a.preview, createdAt: a.createdAt ?? room.lastMessage.createdAt }
      : null,
    unreadCount: s.currentRoom === a.roomId ? 0 : room.unreadCount + 1,
  });
}

// ---- rooms and membership ----------------------------------------------------------------

function onMember(kind: "added" | "removed", ev: MemberEvent): void {
  const s = chatStore.get();
  switch (memberAction(kind, ev, s.user?.id ?? null, s.currentRoom)) {
    case "insertRoom":
      void loadRoom(ev.roomId);
      return;
    case "dropRoom":
      roomGone(ev.roomId, "roomRemovedNotice");
      return;
    case "refreshOpenRoom":
      bumpMembers(ev.roomId);
      scheduleRejoin(ev.roomId);
      return;
    case "countOnly":
      bumpMembers(ev.roomId);
      patch((st) => ({ rooms: adjustMemberCount(st.rooms, ev.roomId, kind === "added" ? 1 : -1) }));
      return;
  }
}

/** Tells member lists (the settings page) to reload. */
function bumpMembers(roomId: string): void {
  patch((s) => ({ memberChanges: { ...s.memberChanges, [roomId]: (s.memberChanges[roomId] ?? 0) + 1 } }));
}

/** Re-joins a joined room soon, for its fresh members, count and presence, or for messages
 *  that never arrived (several reasons close together make one re-join). */
function scheduleRejoin(roomId: string): void {
  const pending = rejoins.get(roomId);
  if (pending) clearTimeout(pending);
  rejoins.set(
    roomId,
    setTimeout(() => {
      rejoins.delete(roomId);
      if (joined.has(roomId)) void join(roomId);
    }, REJOIN_DELAY),
  );
}

/** Loads a room we were just added to into the list (unless it went again meanwhile). */
async function loadRoom(roomId: string): Promise<void> {
  const gen = generation;
  const removed = removals.get(roomId) ?? 0;
  let room: Room;
  try {
    room = await api.room(roomId);
  } catch {
    return; // gone again, or offline: the next getRooms (on reconnect) has the truth
  }
  if (gen !== generation || (removals.get(roomId) ?? 0) !== removed) return;
  const current = chatStore.get().currentRoom === roomId;
  upsertRoom(current ? { ...room, unreadCount: 0 } : room);
}

/** A room left the list (we were removed, or it was deleted). When it was open, the app moves
 *  to the general room and says why, unless this client itself left or deleted it. */
function roomGone(roomId: string, why: StringKey): void {
  const s = chatStore.get();
  const name = s.rooms.find((r) => r.id === roomId)?.name ?? roomId;
  const wasOpen = s.currentRoom === roomId;
  const expected = expectedGone.delete(roomId);
  removeRoom(roomId);
  if (wasOpen && !expected) {
    showNotice(why, { name });
    navigate(fallbackPath(roomId));
  }
}

function onRoomUpdated(ev: RoomUpdatedEvent): void {
  patch((s) => ({ rooms: applyRoomUpdated(s.rooms, ev), roomUpdates: { ...s.roomUpdates, [ev.roomId]: ev } }));
}

// ---- connection ---------------------------------------------------------------------------

/** Ends the session on this device: back to sign-in, saying why. */
function sessionOver(why: StringKey): void {
  showNotice(why, undefined, { sticky: true });
  disconnect();
  clearTokens(); // App shows the sign-in page
}

/** The server ended the connection (not a revocation, which says so first): its token may have
 *  lapsed. One refresh decides: a new token reconnects, none means the session is over. */
async function reauthenticate(s: Socket): Promise<void> {
  let token: string | null;
  try {
    token = await refreshTokens();
  } catch {
    // The refresh itself failed (network, server error): try again a little later.
    setTimeout(() => socket === s && s.connect(), 2000);
    return;
  }
  if (!token) {
    if (socket === s || socket === null) sessionOver("sessionEnded");
    return;
  }
  if (socket === s) s.connect();
}

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
  s.on("memberAdded", (ev: MemberEvent) => onMember("added", ev));
  s.on("memberRemoved", (ev: MemberEvent) => onMember("removed", ev));
  s.on("roomUpdated", onRoomUpdated);
  s.on("roomDeleted", (ev: { roomId: string }) => roomGone(ev.roomId, "roomDeletedNotice"));
  s.on("sessionRevoked", () => {
    if (socket === s) sessionOver("signedOutElsewhere");
  });
  s.on("disconnect", (reason) => {
    if (socket !== s) return;
    patch({ status: "reconnecting" });
    // A server-side disconnect is not retried by the client on its own.
    if (reason === "io server disconnect") void reauthenticate(s);
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
        .then((token) => (token ? retry() : sessionOver("sessionEnded"))) // no token: back to sign-in
        .catch(retry);
    } else retry();
  });
}

export function disconnect(): void {
  socket?.removeAllListeners();
  socket?.disconnect();
  socket = null;
  generation++;
  joined = new Set();
  inflight.clear();
  streamHints.clear();
  expectedGone.clear();
  removals.clear();
  for (const pending of rejoins.values()) clearTimeout(pending);
  rejoins.clear();
  missed.clear();
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
  const gap = missed.get(roomId);
  const fromList = list ? catchUpSince(list, hints) : undefined;
  // Messages after a jump in seq are in the list already; catch up from before the jump.
  const since = fromList !== undefined && gap !== undefined ? Math.min(fromList, gap) : fromList;
  const ack = await call<JoinAck>("join", since === undefined ? { roomId } : { roomId, since });
  if (!ack.ok) {
    if (ack.error.code !== "offline") setRoomError(roomId, ack.error);
    return;
  }
  if (gap !== undefined && missed.get(roomId) === gap) missed.delete(roomId);
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
  removals.set(roomId, (removals.get(roomId) ?? 0) + 1);
  const pending = rejoins.get(roomId);
  if (pending) clearTimeout(pending);
  rejoins.delete(roomId);
  missed.delete(roomId);
  patch((s) => {
    const messages = { ...s.messages };
    delete messages[roomId];
    const roomUpdates = { ...s.roomUpdates };
    delete roomUpdates[roomId];
    return {
      rooms: dropRoomFrom(s.rooms, roomId),
      messages,
      roomUpdates,
      olderDone: { ...s.olderDone, [roomId]: false },
      currentRoom: s.currentRoom === roomId ? null : s.currentRoom,
    };
  });
}

/** Leaves (`leave`) or deletes (`delete`) a room over REST and forgets it. The server's own
 *  `memberRemoved`/`roomDeleted` for it, which may arrive before the answer, is then expected:
 *  no notice. Resolves to where the app should go next. */
export async function leaveOrDeleteRoom(roomId: string, action: "leave" | "delete"): Promise<string> {
  const userId = chatStore.get().user?.id;
  expectedGone.add(roomId);
  try {
    if (action === "delete") await api.deleteRoom(roomId);
    else if (userId) await api.removeMember(roomId, userId);
    else throw new Error("not signed in");
  } catch (err) {
    expectedGone.delete(roomId);
    throw err;
  }
  removeRoom(roomId);
  // The event may still be on its way: it finds the room gone and the expectation met.
  setTimeout(() => expectedGone.delete(roomId), 5000);
  return fallbackPath(roomId);
}

/** Joins an open room again, soon: fresh room data, members and presence (after a membership
 *  change; several in a row make one re-join). */
export function refreshRoom(roomId: string): void {
  if (joined.has(roomId)) scheduleRejoin(roomId);
}
