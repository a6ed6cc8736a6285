// Room settings logic (pure): the editable draft, the PATCH body with only what changed, who
// may do what (mirroring the server's rules, which stay the authority), and member ordering.
import type { AiMode, Member, Room, RoomPatch, User } from "../lib/types";

export interface RoomDraft {
  name: string;
  systemPrompt: string;
  /** "" = the server's default model. */
  model: string;
  aiMode: AiMode;
}

export type DraftField = keyof RoomDraft;

export function draftOf(room: Room): RoomDraft {
  return {
    name: room.name,
    systemPrompt: room.systemPrompt ?? "",
    model: room.model ?? "",
    aiMode: room.aiMode ?? "always",
  };
}

/** The PATCH body: only the fields that changed; an emptied prompt or model is cleared (null). */
export function roomPatch(room: Room, draft: RoomDraft): RoomPatch {
  const before = draftOf(room);
  const patch: RoomPatch = {};
  const name = draft.name.trim();
  if (name !== before.name) patch.name = name;
  if (draft.systemPrompt !== before.systemPrompt) patch.systemPrompt = draft.systemPrompt.trim() === "" ? null : draft.systemPrompt;
  if (draft.model !== before.model) patch.model = draft.model === "" ? null : draft.model;
  if (draft.aiMode !== before.aiMode) patch.aiMode = draft.aiMode;
  return patch;
}

export function isDirty(room: Room, draft: RoomDraft): boolean {
  return Object.keys(roomPatch(room, draft)).length > 0;
}

/** The draft once the room changed from `before` to `after` (saved here, or changed elsewhere):
 *  each field not edited (still as in `before`) takes its new value; edited fields stay as typed,
 *  so a change made elsewhere never clobbers unsaved edits. */
export function rebaseDraft(before: Room, after: Room, draft: RoomDraft): RoomDraft {
  const was = draftOf(before);
  const now = draftOf(after);
  const pick = <K extends DraftField>(key: K): RoomDraft[K] => (draft[key] === was[key] ? now[key] : draft[key]);
  return { name: pick("name"), systemPrompt: pick("systemPrompt"), model: pick("model"), aiMode: pick("aiMode") };
}

/** Settings and membership are changed by the room's owner or an admin. */
export function canManage(room: Room, user: User | null): boolean {
  return user?.role === "admin" || room.myRole === "owner";
}

/** The built-in `general` room is never deleted. */
export function canDelete(room: Room, user: User | null): boolean {
  return canManage(room, user) && room.id !== "general";
}

/** Anyone but the owner may leave (an owner deletes the room instead). */
export function canLeave(room: Room): boolean {
  return room.myRole !== "owner";
}

/** The form field a validation error names (`details.field`), if it is one of ours. */
export function errorField(details: unknown): DraftField | null {
  const field = (details as { field?: unknown } | null | undefined)?.field;
  return field === "name" || field === "systemPrompt" || field === "model" || field === "aiMode" ? field : null;
}

/** Owner first, then you, then everyone else by name. */
export function sortMembers(members: readonly Member[], selfId: string | null): Member[] {
  const rank = (m: Member) => (m.role === "owner" ? 0 : m.userId === selfId ? 1 : 2);
  return [...members].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}

/** Adds a page of members (paged by user id) without duplicates. */
export function mergeMembers(list: readonly Member[], page: readonly Member[]): Member[] {
  const byId = new Map(list.map((m) => [m.userId, m]));
  for (const m of page) byId.set(m.userId, m);
  return [...byId.values()];
}
