// State and helpers shared by the parts of the /chat connection (lib/socket.ts says what the
// connection does): the socket, the rooms it joined, sends in flight, and the ack call.
import type { Socket } from "socket.io-client";
import { lastSeq } from "../../chat/messages";
import { idleSender } from "../../chat/presence";
import { ReadSync } from "../../chat/readSync";
import { upsertRoomIn } from "../../chat/rooms";
import { chatStore, patch } from "../../chat/state";
import type { Ack, ErrorBody, Room } from "../types";

/** What the connection knows between events; reset when the session ends. */
export const live = {
  socket: null as Socket | null,
  /** Rooms this socket has joined (re-joined on every `connected`). */
  joined: new Set<string>(),
  /** Sends waiting for an ack, by clientId. */
  inflight: new Set<string>(),
  /** For live streams whose row we have not seen: the room's last seq when they started. */
  streamHints: new Map<string, { roomId: string; since: number }>(),
  /** Rooms this client is leaving or deleting itself: their removal event needs no notice. */
  expectedGone: new Set<string>(),
  /** How often each room left the list: a room loaded before its latest removal is stale. */
  removals: new Map<string, number>(),
  /** Rooms where a jump in seq showed that deliveries were missed: the last seq seen before it. */
  missed: new Map<string, number>(),
  /** Joined rooms waiting to be re-joined (see `scheduleRejoin`). */
  rejoins: new Map<string, ReturnType<typeof setTimeout>>(),
  /** Bumped when the session ends: answers that arrive afterwards belong to no one. */
  generation: 0,
  typingSender: idleSender,
  /** Read receipts, at most one per room and second (see `ReadSync`). */
  readSync: new ReadSync((roomId, seq) => void call("sync_read", { roomId, seq })),
};

export const REJOIN_DELAY = 150;

const ACK_TIMEOUT = 15_000;

export function newClientId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : "c-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
}

export async function call<T>(event: string, payload: unknown): Promise<Ack<T>> {
  if (!live.socket?.connected) return { ok: false, error: { code: "offline", message: "not connected" } };
  try {
    return (await live.socket.timeout(ACK_TIMEOUT).emitWithAck(event, payload)) as Ack<T>;
  } catch {
    return { ok: false, error: { code: "timeout", message: "no answer from the server" } };
  }
}

export function setRoomError(roomId: string, error: ErrorBody | undefined): void {
  patch((s) => ({ roomError: { ...s.roomError, [roomId]: error } }));
}

export function upsertRoom(room: Partial<Room> & { id: string }): void {
  patch((s) => ({ rooms: upsertRoomIn(s.rooms, room) }));
}

export function markRead(roomId: string): void {
  const list = chatStore.get().messages[roomId] ?? [];
  const seq = lastSeq(list);
  upsertRoom({ id: roomId, unreadCount: 0 });
  live.readSync.mark(roomId, seq);
}

