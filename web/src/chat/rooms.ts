// The room list's rules for live room and membership changes (pure, no I/O): lib/socket.ts
// applies `memberAdded`, `memberRemoved`, `roomUpdated` and `roomDeleted` through these.
import { roomPath } from "../lib/router";
import type { MemberEvent, Room, RoomUpdatedEvent } from "../lib/types";
import { sortRooms } from "./state";

/** The built-in room every account belongs to: where a removed room's reader is sent. */
export const GENERAL_ROOM = "general";

/** Adds a room or merges fields into the listed one; keeps the list in activity order. */
export function upsertRoomIn(rooms: readonly Room[], room: Partial<Room> & { id: string }): Room[] {
  const i = rooms.findIndex((r) => r.id === room.id);
  const next = [...rooms];
  if (i >= 0) next[i] = { ...next[i]!, ...room };
  else next.push({ visibility: "private", lastSeq: 0, unreadCount: 0, name: room.id, ...room });
  return sortRooms(next);
}

/** Drops a room from the list (the same list when it is not there). */
export function dropRoomFrom(rooms: readonly Room[], roomId: string): Room[] {
  return rooms.some((r) => r.id === roomId) ? rooms.filter((r) => r.id !== roomId) : (rooms as Room[]);
}

/** The room fields a `roomUpdated` event carries. */
export function roomUpdateFields(ev: RoomUpdatedEvent): Partial<Room> & { id: string } {
  return {
    id: ev.roomId,
    name: ev.name,
    description: ev.description,
    visibility: ev.visibility,
    systemPrompt: ev.systemPrompt,
    model: ev.model,
    aiMode: ev.aiMode,
    ...(ev.updatedAt ? { updatedAt: ev.updatedAt } : {}),
  };
}

/** Applies `roomUpdated` to the list: only to a room listed (the same list otherwise). */
export function applyRoomUpdated(rooms: readonly Room[], ev: RoomUpdatedEvent): Room[] {
  return rooms.some((r) => r.id === ev.roomId) ? upsertRoomIn(rooms, roomUpdateFields(ev)) : (rooms as Room[]);
}

function time(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** A room's settings as a `roomUpdated` event leaves them; an event older than the copy (the
 *  copy was loaded or saved after it) changes nothing. */
export function applyRoomUpdate(room: Room, ev: RoomUpdatedEvent): Room {
  if (ev.roomId !== room.id) return room;
  const evAt = time(ev.updatedAt);
  const roomAt = time(room.updatedAt);
  if (evAt !== null && roomAt !== null && evAt < roomAt) return room;
  return { ...room, ...roomUpdateFields(ev) };
}

/** Changes a listed room's member count by `delta` (when the list knows the count). */
export function adjustMemberCount(rooms: readonly Room[], roomId: string, delta: number): Room[] {
  const i = rooms.findIndex((r) => r.id === roomId);
  const count = i >= 0 ? rooms[i]!.memberCount : undefined;
  if (count === undefined) return rooms as Room[];
  const next = [...rooms];
  next[i] = { ...rooms[i]!, memberCount: Math.max(0, count + delta) };
  return next;
}

/** What a membership event means to this client:
 *  - `insertRoom`: we were added (load the room into the list);
 *  - `dropRoom`: we were removed (take it out of the list);
 *  - `refreshOpenRoom`: someone else joined or left the open room (fresh members and count);
 *  - `countOnly`: someone else joined or left another room (adjust its count). */
export type MemberAction = "insertRoom" | "dropRoom" | "refreshOpenRoom" | "countOnly";

export function memberAction(
  kind: "added" | "removed",
  ev: MemberEvent,
  selfId: string | null,
  currentRoom: string | null,
): MemberAction {
  if (selfId !== null && ev.userId === selfId) return kind === "added" ? "insertRoom" : "dropRoom";
  return ev.roomId === currentRoom ? "refreshOpenRoom" : "countOnly";
}

/** Where to go when the open room is gone: the general room (or the first room, when the room
 *  gone is general itself). */
export function fallbackPath(goneRoomId: string): string {
  return goneRoomId === GENERAL_ROOM ? "/" : roomPath(GENERAL_ROOM);
}
