import { describe, expect, it } from "vitest";
import type { Member, Room, User } from "../lib/types";
import { canDelete, canLeave, canManage, draftOf, errorField, isDirty, mergeMembers, rebaseDraft, roomPatch, sortMembers } from "./settings";

const room = (extra: Partial<Room> = {}): Room => ({
  id: "r1",
  name: "Team",
  visibility: "private",
  systemPrompt: null,
  model: null,
  aiMode: "always",
  myRole: "owner",
  lastSeq: 0,
  unreadCount: 0,
  ...extra,
});
const user = (role: "user" | "admin" = "user"): User => ({ id: "u1", email: "a@example.com", name: "Ada", role });
const member = (userId: string, name: string, role: Member["role"] = "member", email?: string): Member => ({ userId, name, role, email });

describe("room settings", () => {
  it("an unchanged draft patches nothing", () => {
    const r = room({ systemPrompt: "Be brief.", model: "demo" });
    expect(roomPatch(r, draftOf(r))).toEqual({});
    expect(isDirty(r, draftOf(r))).toBe(false);
  });

  it("patches only what changed, trimming the name", () => {
    const r = room();
    const draft = { ...draftOf(r), name: "  Renamed  ", aiMode: "mention" as const };
    expect(roomPatch(r, draft)).toEqual({ name: "Renamed", aiMode: "mention" });
  });

  it("clears an emptied prompt and the model back to the default (null)", () => {
    const r = room({ systemPrompt: "Be brief.", model: "demo" });
    expect(roomPatch(r, { ...draftOf(r), systemPrompt: "  ", model: "" })).toEqual({ systemPrompt: null, model: null });
    expect(roomPatch(room(), { ...draftOf(room()), systemPrompt: "Hi", model: "demo" })).toEqual({ systemPrompt: "Hi", model: "demo" });
  });

  it("owners and admins manage; the general room is never deleted; owners cannot leave", () => {
    expect(canManage(room({ myRole: "owner" }), user())).toBe(true);
    expect(canManage(room({ myRole: "member" }), user())).toBe(false);
    expect(canManage(room({ myRole: "member" }), user("admin"))).toBe(true);
    expect(canManage(room(), null)).toBe(true);
    expect(canDelete(room({ id: "general", myRole: "member" }), user("admin"))).toBe(false);
    expect(canDelete(room({ myRole: "member" }), user())).toBe(false);
    expect(canLeave(room({ myRole: "owner" }))).toBe(false);
    expect(canLeave(room({ myRole: "member" }))).toBe(true);
  });

  it("a change made elsewhere refreshes the fields not edited and keeps unsaved edits", () => {
    const before = room({ name: "Team", systemPrompt: "Be brief." });
    const after = room({ name: "Renamed", systemPrompt: "Be kind.", aiMode: "off" });
    // Nothing edited: the form shows the new settings.
    expect(rebaseDraft(before, after, draftOf(before))).toEqual(draftOf(after));
    // The prompt is being edited: it stays; the rest follows the room.
    const editing = { ...draftOf(before), systemPrompt: "Answer in French." };
    expect(rebaseDraft(before, after, editing)).toEqual({ ...draftOf(after), systemPrompt: "Answer in French." });
    // Saved here: the draft already is the saved room.
    expect(rebaseDraft(before, after, draftOf(after))).toEqual(draftOf(after));
  });

    it("maps a validation error to its field", () => {
    expect(errorField({ field: "name" })).toBe("name");
    expect(errorField({ field: "systemPrompt" })).toBe("systemPrompt");
    expect(errorField({ field: "visibility" })).toBeNull();
    expect(errorField(undefined)).toBeNull();
  });
});

describe("members", () => {
  it("owner first, then you, then by name", () => {
    const list = [member("3", "Zed"), member("1", "Bob"), member("2", "Amy", "owner"), member("u1", "Ada")];
    expect(sortMembers(list, "u1").map((m) => m.name)).toEqual(["Amy", "Ada", "Bob", "Zed"]);
  });

  it("merges pages by user id", () => {
    const list = mergeMembers([member("1", "Bob", "member", "bob@example.com")], [member("1", "Bob"), member("2", "Amy")]);
    expect(list.map((m) => m.userId)).toEqual(["1", "2"]);
  });
});
