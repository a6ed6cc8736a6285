import { describe, expect, it } from "vitest";
import type { Room, RoomUpdatedEvent } from "../lib/types";
import {
  adjustMemberCount,
  applyRoomUpdate,
  applyRoomUpdated,
  dropRoomFrom,
  fallbackPath,
  memberAction,
  roomUpdateFields,
  upsertRoomIn,
} from "./rooms";

const room = (id: string, extra: Partial<Room> = {}): Room => ({
  id,
  name: "Room " + id,
  visibility: "private",
  lastSeq: 0,
  unreadCount: 0,
  updatedAt: "2025-01-01T00:00:00Z",
  ...extra,
});

const updated = (roomId: string, extra: Partial<RoomUpdatedEvent> = {}): RoomUpdatedEvent => ({
  roomId,
  name: "Renamed",
  description: null,
  visibility: "private",
  systemPrompt: "Be brief.",
  model: null,
  aiMode: "mention",
  updatedAt: "2025-01-02T00:00:00Z",
  ...extra,
});

describe("room list: membership", () => {
  it("inserts a room we were added to, in activity order, and merges a listed one", () => {
    const list = [room("a", { updatedAt: "2025-01-03T00:00:00Z" }), room("b")];
    const added = upsertRoomIn(list, room("c", { updatedAt: "2025-01-02T00:00:00Z" }));
    expect(added.map((r) => r.id)).toEqual(["a", "c", "b"]);
    const merged = upsertRoomIn(added, { id: "b", unreadCount: 3 });
    expect(merged).toHaveLength(3);
    expect(merged.find((r) => r.id === "b")?.unreadCount).toBe(3);
    expect(merged.find((r) => r.id === "b")?.name).toBe("Room b");
  });

  it("drops a room we left or that was deleted; the same list when it is not there", () => {
    const list = [room("a"), room("b")];
    expect(dropRoomFrom(list, "a").map((r) => r.id)).toEqual(["b"]);
    expect(dropRoomFrom(list, "zzz")).toBe(list);
  });

  it("tells our own membership changes from other people's", () => {
    const ev = { roomId: "r", userId: "me" };
    expect(memberAction("added", ev, "me", null)).toBe("insertRoom");
    expect(memberAction("removed", ev, "me", "r")).toBe("dropRoom");
    const other = { roomId: "r", userId: "bob" };
    expect(memberAction("added", other, "me", "r")).toBe("refreshOpenRoom");
    expect(memberAction("removed", other, "me", "r")).toBe("refreshOpenRoom");
    expect(memberAction("added", other, "me", "elsewhere")).toBe("countOnly");
    // Before we know who we are, nothing is taken as ours.
    expect(memberAction("removed", ev, null, "r")).toBe("refreshOpenRoom");
  });

  it("counts other members in and out of a listed room (when the count is known)", () => {
    const list = [room("a", { memberCount: 2 }), room("b")];
    expect(adjustMemberCount(list, "a", 1)[0]?.memberCount).toBe(3);
    expect(adjustMemberCount(list, "a", -5)[0]?.memberCount).toBe(0);
    expect(adjustMemberCount(list, "b", 1)).toBe(list);
    expect(adjustMemberCount(list, "c", 1)).toBe(list);
  });

  it("moves a reader of a room that went to the general room (or the first one, from general)", () => {
    expect(fallbackPath("r1")).toBe("/r/general");
    expect(fallbackPath("general")).toBe("/");
  });
});

describe("room list: settings changes", () => {
  it("takes every setting roomUpdated carries", () => {
    expect(roomUpdateFields(updated("a"))).toEqual({
      id: "a",
      name: "Renamed",
      description: null,
      visibility: "private",
      systemPrompt: "Be brief.",
      model: null,
      aiMode: "mention",
      updatedAt: "2025-01-02T00:00:00Z",
    });
    expect(roomUpdateFields(updated("a", { updatedAt: null }))).not.toHaveProperty("updatedAt");
  });

  it("renames a listed room and keeps what the event does not carry", () => {
    const list = [room("a", { unreadCount: 2, myRole: "member", memberCount: 3 }), room("b")];
    const next = applyRoomUpdated(list, updated("a"));
    const a = next.find((r) => r.id === "a")!;
    expect(a).toMatchObject({ name: "Renamed", aiMode: "mention", unreadCount: 2, myRole: "member", memberCount: 3 });
  });

  it("ignores an update of a room not listed (it is not ours)", () => {
    const list = [room("a")];
    expect(applyRoomUpdated(list, updated("x"))).toBe(list);
  });

  it("updates an open settings page's copy, unless the copy is newer than the event", () => {
    const loaded = room("a", { myRole: "owner", updatedAt: "2025-01-01T00:00:00.500Z" });
    const next = applyRoomUpdate(loaded, updated("a"));
    expect(next).toMatchObject({ name: "Renamed", systemPrompt: "Be brief.", myRole: "owner" });
    const newer = room("a", { updatedAt: "2025-01-05T00:00:00Z" });
    expect(applyRoomUpdate(newer, updated("a"))).toBe(newer);
    // Differently precise timestamps compare as times, not as text.
    const sameSecond = room("a", { updatedAt: "2025-01-02T00:00:00.25Z" });
    expect(applyRoomUpdate(sameSecond, updated("a", { updatedAt: "2025-01-02T00:00:00.3Z" })).name).toBe("Renamed");
    expect(applyRoomUpdate(room("b"), updated("a")).name).toBe("Room b");
  });
});
