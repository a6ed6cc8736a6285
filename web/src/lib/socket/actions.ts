// What the app asks of the connection: joining and leaving rooms, sending (optimistically, with
// retries under the same clientId), stop/regenerate, typing, and room-list changes made over REST.
import { catchUpSince, mergeMessages, upsertLocal, type ChatMessage } from "../../chat/messages";
import { applyJoinPresence, idleSender, typingEmits } from "../../chat/presence";
import { dropRoomFrom, fallbackPath } from "../../chat/rooms";
import { chatStore, patch, sortRooms } from "../../chat/state";
import { applySnapshot, dropStream } from "../../chat/streams";
import { api } from "../api";
import { catchUpForward } from "../paging";
import type { JoinAck, Message, Room } from "../types";
import { onMessage, scheduleRejoin } from "./incoming";
import { call, live, markRead, newClientId, setRoomError, upsertRoom } from "./session";

export async function refreshRooms(): Promise<void> {
  const ack = await call<{ rooms: Room[] }>("getRooms", {});
  if (!ack.ok) return;
  const current = chatStore.get().currentRoom;
  const rooms = ack.rooms.map((r) => (r.id === current ? { ...r, unreadCount: 0 } : r));
  patch({ rooms: sortRooms(rooms), roomsLoaded: true });
}

/** Times a join refused `rate_limited` is tried again (after the wait the server names). */
const JOIN_RETRIES = 3;

export async function join(roomId: string, retries = JOIN_RETRIES): Promise<void> {
  const list = chatStore.get().messages[roomId];
  const hints = [...live.streamHints.values()].filter((h) => h.roomId === roomId).map((h) => h.since);
  const gap = live.missed.get(roomId);
  const fromList = list ? catchUpSince(list, hints) : undefined;
  // Messages after a jump in seq are in the list already; catch up from before the jump.
  const since = fromList !== undefined && gap !== undefined ? Math.min(fromList, gap) : fromList;
  const ack = await call<JoinAck>("join", since === undefined ? { roomId } : { roomId, since });
  if (!ack.ok) {
    const { error } = ack;
    // The socket's event budget was spent (a burst of other events): the room is still wanted
    // while it is open, so ask again once the server's window has passed.
    if (error.code === "rate_limited" && retries > 0 && chatStore.get().currentRoom === roomId) {
      const wait = Math.min(Math.max(error.retryAfter ?? 1, 1), 10) * 1000;
      setTimeout(() => {
        if (chatStore.get().currentRoom === roomId && !live.joined.has(roomId)) void join(roomId, retries - 1);
      }, wait);
      return;
    }
    if (error.code !== "offline") setRoomError(roomId, error);
    return;
  }
  if (gap !== undefined && live.missed.get(roomId) === gap) live.missed.delete(roomId);
  live.joined.add(roomId);
  patch((s) => {
    let streams = s.streams;
    for (const snap of ack.streaming ?? []) streams = applySnapshot(streams, roomId, snap);
    // Streams that ended while we were away: their final row is in `messages`.
    const stillStreaming = new Set((ack.streaming ?? []).map((x) => x.messageId));
    for (const m of ack.messages) {
      if (m.status !== "streaming" && !stillStreaming.has(m.id)) streams = dropStream(streams, m.id);
    }
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
  if (prev && live.typingSender.typing && live.typingSender.roomId === prev) typing(prev, false);
  if (prev && live.joined.has(prev)) {
    live.joined.delete(prev);
    void call("leave", { roomId: prev });
  }
  if (roomId) {
    upsertRoom({ id: roomId, unreadCount: 0 });
    void join(roomId);
  }
}

export function emitSend(m: ChatMessage): void {
  const clientId = m.clientId!;
  if (live.inflight.has(clientId) || !live.socket?.connected) return;
  live.inflight.add(clientId);
  void call<{ message: Message }>("send", { roomId: m.roomId, content: m.content, clientId }).then((ack) => {
    live.inflight.delete(clientId);
    if (ack.ok) {
      onMessage(ack.message);
      return;
    }
    const { code } = ack.error;
    if (code === "timeout" || code === "offline") {
      // Unknown outcome: resend with the same clientId (stored at most once).
      if (live.socket?.connected) setTimeout(() => emitSend(m), 1000);
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

export function flushUnsent(roomId: string): void {
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

/** Tells the room whether we are typing (throttled: chat/presence.ts `typingEmits`). */
export function typing(roomId: string, isTyping: boolean): void {
  if (!live.socket?.connected) {
    live.typingSender = idleSender;
    return;
  }
  const { sender, emit } = typingEmits(live.typingSender, roomId, isTyping, Date.now());
  live.typingSender = sender;
  for (const ev of emit) live.socket.emit("typing", ev, () => undefined);
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
  live.joined.delete(roomId);
  live.removals.set(roomId, (live.removals.get(roomId) ?? 0) + 1);
  const pending = live.rejoins.get(roomId);
  if (pending) clearTimeout(pending);
  live.rejoins.delete(roomId);
  live.missed.delete(roomId);
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
  live.expectedGone.add(roomId);
  try {
    if (action === "delete") await api.deleteRoom(roomId);
    else if (userId) await api.removeMember(roomId, userId);
    else throw new Error("not signed in");
  } catch (err) {
    live.expectedGone.delete(roomId);
    throw err;
  }
  removeRoom(roomId);
  // The event may still be on its way: it finds the room gone and the expectation met.
  setTimeout(() => live.expectedGone.delete(roomId), 5000);
  return fallbackPath(roomId);
}

/** Joins an open room again, soon: fresh room data, members and presence (after a membership
 *  change; several in a row make one re-join). */
export function refreshRoom(roomId: string): void {
  if (live.joined.has(roomId)) scheduleRejoin(roomId);
}

