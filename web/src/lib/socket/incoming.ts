// Events the server sends on /chat, applied to the chat state (rules in chat/*.ts).
import { lastSeq, mergeMessages, missedBefore } from "../../chat/messages";
import { dropTypist } from "../../chat/presence";
import { adjustMemberCount, applyRoomUpdated, fallbackPath, memberAction } from "../../chat/rooms";
import { chatStore, patch } from "../../chat/state";
import { applyChunk, dropStream, endStream, startStream } from "../../chat/streams";
import { api } from "../api";
import type { StringKey } from "../i18n";
import { showNotice } from "../notice";
import { navigate } from "../router";
import type { MemberEvent, Message, Room, RoomActivity, RoomUpdatedEvent, StreamEvent } from "../types";
import { join, refreshRooms, removeRoom } from "./actions";
import { live, markRead, REJOIN_DELAY, upsertRoom } from "./session";

export function onMessage(m: Message): void {
  // A jump in seq on a joined room: some delivery never reached this socket (its queue on the
  // server was full). Re-join with `since` to fetch what is missing from the database.
  const known = chatStore.get().messages[m.roomId];
  if (known && live.joined.has(m.roomId)) {
    const openStreams = [...live.streamHints.values()].filter((h) => h.roomId === m.roomId).length;
    if (missedBefore(known, m.seq, openStreams)) {
      live.missed.set(m.roomId, Math.min(live.missed.get(m.roomId) ?? Infinity, lastSeq(known)));
      scheduleRejoin(m.roomId);
    }
  }
  live.streamHints.delete(m.id);
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

export function onStream(ev: StreamEvent): void {
  const s = chatStore.get();
  if (ev.start) {
    const list = s.messages[ev.roomId] ?? [];
    if (!list.some((m) => m.id === ev.messageId)) {
      live.streamHints.set(ev.messageId, { roomId: ev.roomId, since: lastSeq(list) });
    }
    patch((st) => ({ streams: startStream(st.streams, ev), roomError: { ...st.roomError, [ev.roomId]: undefined } }));
  } else if (ev.end) {
    patch((st) => ({ streams: endStream(st.streams, ev) }));
  } else if (typeof ev.token === "string" && typeof ev.index === "number") {
    const { token, index } = ev;
    patch((st) => ({ streams: applyChunk(st.streams, { roomId: ev.roomId, messageId: ev.messageId, token, index }) }));
  }
}

export function onRoomActivity(a: RoomActivity): void {
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

export function onMember(kind: "added" | "removed", ev: MemberEvent): void {
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
export function bumpMembers(roomId: string): void {
  patch((s) => ({ memberChanges: { ...s.memberChanges, [roomId]: (s.memberChanges[roomId] ?? 0) + 1 } }));
}

/** Re-joins a joined room soon, for its fresh members, count and presence, or for messages
 *  that never arrived (several reasons close together make one re-join). */
export function scheduleRejoin(roomId: string): void {
  const pending = live.rejoins.get(roomId);
  if (pending) clearTimeout(pending);
  live.rejoins.set(
    roomId,
    setTimeout(() => {
      live.rejoins.delete(roomId);
      if (live.joined.has(roomId)) void join(roomId);
    }, REJOIN_DELAY),
  );
}

/** Loads a room we were just added to into the list (unless it went again meanwhile). */
export async function loadRoom(roomId: string): Promise<void> {
  const gen = live.generation;
  const removed = live.removals.get(roomId) ?? 0;
  let room: Room;
  try {
    room = await api.room(roomId);
  } catch {
    return; // gone again, or offline: the next getRooms (on reconnect) has the truth
  }
  if (gen !== live.generation || (live.removals.get(roomId) ?? 0) !== removed) return;
  const current = chatStore.get().currentRoom === roomId;
  upsertRoom(current ? { ...room, unreadCount: 0 } : room);
}

/** A room left the list (we were removed, or it was deleted). When it was open, the app moves
 *  to the general room and says why, unless this client itself left or deleted it. */
export function roomGone(roomId: string, why: StringKey): void {
  const s = chatStore.get();
  const name = s.rooms.find((r) => r.id === roomId)?.name ?? roomId;
  const wasOpen = s.currentRoom === roomId;
  const expected = live.expectedGone.delete(roomId);
  removeRoom(roomId);
  if (wasOpen && !expected) {
    showNotice(why, { name });
    navigate(fallbackPath(roomId));
  }
}

export function onRoomUpdated(ev: RoomUpdatedEvent): void {
  patch((s) => ({ rooms: applyRoomUpdated(s.rooms, ev), roomUpdates: { ...s.roomUpdates, [ev.roomId]: ev } }));
}

/** `readSync`: another device of ours read the room up to `seq`. */
export function onReadSync(ev: { roomId: string; seq: number }): void {
  const room = chatStore.get().rooms.find((r) => r.id === ev.roomId);
  if (room && ev.seq >= room.lastSeq) upsertRoom({ id: ev.roomId, unreadCount: 0 });
}
