import { describe, expect, it } from "vitest";
import {
  applyJoinPresence,
  applyTyping,
  applyUserStatus,
  dropTypist,
  dropTypistEverywhere,
  idleSender,
  nextExpiry,
  pruneTyping,
  TYPING_RENEW,
  TYPING_TTL,
  typingEmits,
  typistNames,
  type TypingRooms,
} from "./presence";

const ev = (userId: string, isTyping: boolean, roomId = "r", name = userId.toUpperCase()) => ({ roomId, userId, name, userName: name, isTyping });

describe("typing indicators", () => {
  it("shows a typist until the entry expires without renewal", () => {
    let typing: TypingRooms = {};
    typing = applyTyping(typing, ev("alice", true), 1000, "me");
    expect(typistNames(typing, "r", 1000)).toEqual(["ALICE"]);
    expect(nextExpiry(typing)).toBe(1000 + TYPING_TTL);
    expect(typistNames(typing, "r", 1000 + TYPING_TTL - 1)).toEqual(["ALICE"]);
    expect(typistNames(typing, "r", 1000 + TYPING_TTL)).toEqual([]);
    expect(pruneTyping(typing, 1000 + TYPING_TTL)).toEqual({});
    expect(nextExpiry({})).toBeNull();
  });

  it("a renewal extends the entry; stopping removes it at once", () => {
    let typing = applyTyping({}, ev("alice", true), 0, "me");
    typing = applyTyping(typing, ev("alice", true), 4000, "me");
    expect(typistNames(typing, "r", TYPING_TTL + 1)).toEqual(["ALICE"]);
    typing = applyTyping(typing, ev("alice", false), 5000, "me");
    expect(typistNames(typing, "r", 5000)).toEqual([]);
    expect(typing).toEqual({});
  });

  it("ignores our own events and unknown stops (same object back)", () => {
    const typing = applyTyping({}, ev("alice", true), 0, "me");
    expect(applyTyping(typing, ev("me", true), 0, "me")).toBe(typing);
    expect(applyTyping(typing, ev("bob", false), 0, "me")).toBe(typing);
  });

  it("keeps rooms apart, sorts names, and prunes only what expired", () => {
    let typing = applyTyping({}, ev("zoe", true, "r"), 0, null);
    typing = applyTyping(typing, ev("alice", true, "r"), 2000, null);
    typing = applyTyping(typing, ev("bob", true, "other"), 0, null);
    expect(typistNames(typing, "r", 2000)).toEqual(["ALICE", "ZOE"]);
    expect(typistNames(typing, "other", 0)).toEqual(["BOB"]);
    const pruned = pruneTyping(typing, TYPING_TTL);
    expect(typistNames(pruned, "r", TYPING_TTL)).toEqual(["ALICE"]);
    expect(pruned.other).toBeUndefined();
    expect(pruneTyping(pruned, TYPING_TTL)).toBe(pruned);
  });

  it("a message from a typist drops them", () => {
    const typing = applyTyping({}, ev("alice", true), 0, null);
    expect(dropTypist(typing, "r", "alice")).toEqual({});
    expect(dropTypist(typing, "r", "bob")).toBe(typing);
  });

  it("going offline drops a typist in every room", () => {
    let typing = applyTyping({}, ev("alice", true, "r1"), 0, null);
    typing = applyTyping(typing, ev("alice", true, "r2"), 0, null);
    typing = applyTyping(typing, ev("bob", true, "r2"), 0, null);
    const after = dropTypistEverywhere(typing, "alice");
    expect(typistNames(after, "r1", 0)).toEqual([]);
    expect(typistNames(after, "r2", 0)).toEqual(["BOB"]);
    expect(dropTypistEverywhere(after, "alice")).toBe(after);
  });
});

describe("typing throttle (what the composer emits)", () => {
  it("emits a start once, renews while typing goes on, and one stop", () => {
    let s = idleSender;
    let r = typingEmits(s, "r", true, 0);
    expect(r.emit).toEqual([{ roomId: "r", isTyping: true }]);
    s = r.sender;
    r = typingEmits(s, "r", true, TYPING_RENEW - 1);
    expect(r.emit).toEqual([]);
    r = typingEmits(r.sender, "r", true, TYPING_RENEW);
    expect(r.emit).toEqual([{ roomId: "r", isTyping: true }]);
    r = typingEmits(r.sender, "r", false, TYPING_RENEW + 10);
    expect(r.emit).toEqual([{ roomId: "r", isTyping: false }]);
    r = typingEmits(r.sender, "r", false, TYPING_RENEW + 20);
    expect(r.emit).toEqual([]);
  });

  it("a renewal always arrives before the receiver's entry expires", () => {
    expect(TYPING_RENEW).toBeLessThan(TYPING_TTL - 1000);
  });

  it("typing in another room stops the first one", () => {
    const a = typingEmits(idleSender, "a", true, 0);
    const b = typingEmits(a.sender, "b", true, 10);
    expect(b.emit).toEqual([
      { roomId: "a", isTyping: false },
      { roomId: "b", isTyping: true },
    ]);
  });

  it("a stop without a start sends nothing", () => {
    expect(typingEmits(idleSender, "r", false, 0).emit).toEqual([]);
  });
});

describe("presence", () => {
  it("join acks set the listed members; user_status updates one user", () => {
    let online = applyJoinPresence({}, ["a", "b", "c"], ["a", "c"]);
    expect(online).toEqual({ a: true, b: false, c: true });
    online = applyUserStatus(online, { userId: "b", online: true, status: "online" });
    online = applyUserStatus(online, { userId: "a", online: false, status: "offline" });
    expect(online).toEqual({ a: false, b: true, c: true });
  });

  it("returns the same object when nothing changes", () => {
    const online = { a: true };
    expect(applyUserStatus(online, { userId: "a", online: true })).toBe(online);
    expect(applyJoinPresence(online, ["a"], ["a"])).toBe(online);
  });
});
