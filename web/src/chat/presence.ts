// Who is typing and who is online (pure, no I/O; lib/socket.ts applies events through these).
//
// Typing: a `userTyping {isTyping: true}` holds for TYPING_TTL unless renewed; the sender renews
// every TYPING_RENEW while still typing (the server forwards at most one per second), so a
// renewal always lands before the entry expires, and a lost "stopped" cannot leave a ghost.
import type { TypingEvent, UserStatusEvent } from "../lib/types";

export const TYPING_TTL = 6000;
export const TYPING_RENEW = 3000;

export interface Typist {
  name: string;
  until: number;
}

/** Typists per room, by user id. */
export type TypingRooms = Record<string, Record<string, Typist>>;

/** Online state by user id (missing: unknown, shown as offline). */
export type OnlineMap = Record<string, boolean>;

function withRoom(typing: TypingRooms, roomId: string, room: Record<string, Typist>): TypingRooms {
  const next = { ...typing };
  if (Object.keys(room).length === 0) delete next[roomId];
  else next[roomId] = room;
  return next;
}

/** Applies a `userTyping` event (events about `selfId`, e.g. from another device, are ignored). */
export function applyTyping(typing: TypingRooms, ev: TypingEvent, now: number, selfId: string | null): TypingRooms {
  if (ev.userId === selfId) return typing;
  const room = { ...(typing[ev.roomId] ?? {}) };
  if (ev.isTyping) room[ev.userId] = { name: ev.name ?? ev.userName ?? "", until: now + TYPING_TTL };
  else if (room[ev.userId]) delete room[ev.userId];
  else return typing;
  return withRoom(typing, ev.roomId, room);
}

/** Forgets one typist (their message arrived, or they left). */
export function dropTypist(typing: TypingRooms, roomId: string, userId: string): TypingRooms {
  const room = typing[roomId];
  if (!room?.[userId]) return typing;
  const rest = { ...room };
  delete rest[userId];
  return withRoom(typing, roomId, rest);
}

/** Forgets a user in every room (their last device went offline: no "stopped" will come). */
export function dropTypistEverywhere(typing: TypingRooms, userId: string): TypingRooms {
  let out = typing;
  for (const roomId of Object.keys(typing)) out = dropTypist(out, roomId, userId);
  return out;
}

/** Drops expired entries; returns the same object when nothing expired. */
export function pruneTyping(typing: TypingRooms, now: number): TypingRooms {
  let out: TypingRooms | null = null;
  for (const [roomId, room] of Object.entries(typing)) {
    const live = Object.entries(room).filter(([, t]) => t.until > now);
    if (live.length === Object.keys(room).length) continue;
    out = withRoom(out ?? typing, roomId, Object.fromEntries(live));
  }
  return out ?? typing;
}

/** When the next entry expires (ms timestamp), or null when nobody is typing. */
export function nextExpiry(typing: TypingRooms): number | null {
  let next: number | null = null;
  for (const room of Object.values(typing)) for (const t of Object.values(room)) if (next === null || t.until < next) next = t.until;
  return next;
}

/** Names of the people typing in a room right now, in a stable order. */
export function typistNames(typing: TypingRooms, roomId: string, now: number): string[] {
  return Object.values(typing[roomId] ?? {})
    .filter((t) => t.until > now)
    .map((t) => t.name)
    .sort((a, b) => a.localeCompare(b));
}

/** What a status change needs of a `user_status` event (a joining user implies the rest). */
export type StatusChange = Pick<UserStatusEvent, "userId" | "online"> & Partial<Pick<UserStatusEvent, "status">>;

export function applyUserStatus(online: OnlineMap, ev: StatusChange): OnlineMap {
  const value = ev.online ?? ev.status === "online";
  return online[ev.userId] === value ? online : { ...online, [ev.userId]: value };
}

/** A join ack lists the room's (first) members and which of them are online. */
export function applyJoinPresence(online: OnlineMap, memberIds: readonly string[], onlineIds: readonly string[]): OnlineMap {
  const on = new Set(onlineIds);
  let out: OnlineMap | null = null;
  for (const id of memberIds) {
    const value = on.has(id);
    if (online[id] !== value) (out ??= { ...online })[id] = value;
  }
  return out ?? online;
}

/** What this client last told the server about its own typing. */
export interface TypingSender {
  roomId: string | null;
  typing: boolean;
  sentAt: number;
}

export const idleSender: TypingSender = { roomId: null, typing: false, sentAt: 0 };

/** Client-side throttle of the `typing` events to emit: "started" once and renewed every
 *  TYPING_RENEW while typing goes on, "stopped" once; switching rooms stops the old room first. */
export function typingEmits(
  sender: TypingSender,
  roomId: string,
  isTyping: boolean,
  now: number,
): { sender: TypingSender; emit: { roomId: string; isTyping: boolean }[] } {
  const emit: { roomId: string; isTyping: boolean }[] = [];
  let current = sender;
  if (current.typing && current.roomId !== null && current.roomId !== roomId) {
    emit.push({ roomId: current.roomId, isTyping: false });
    current = idleSender;
  }
  if (isTyping) {
    if (!current.typing || now - current.sentAt >= TYPING_RENEW) {
      emit.push({ roomId, isTyping: true });
      current = { roomId, typing: true, sentAt: now };
    }
  } else if (current.typing) {
    emit.push({ roomId, isTyping: false });
    current = { roomId, typing: false, sentAt: now };
  }
  return { sender: current, emit };
}
