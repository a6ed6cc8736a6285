import { describe, expect, it } from "vitest";
import { msg } from "./testMessages";
import { applyBranchSelected, applyDeleted, applyEdited, applyPrompts, canModify, chooseUnlisted, isDeleted, setActiveReply } from "./edits";
import { mergeMessages, type ChatMessage } from "./messages";


describe("edits and deletes", () => {
  const list = mergeMessages([], [msg(1, { activeReply: "m2" }), msg(2, { role: "assistant", userId: null, replyTo: "m1" })]);

  it("replaces an edited message, keeping its activeReply when the event has none", () => {
    const edited = { ...msg(1, { content: "fixed", editedAt: "2026-01-02T00:00:00Z" }) };
    const next = applyEdited(list, edited);
    expect(next[0]).toMatchObject({ content: "fixed", editedAt: "2026-01-02T00:00:00Z", activeReply: "m2" });
    expect(applyEdited(list, { ...edited, activeReply: null })[0]!.activeReply).toBeNull();
    expect(applyEdited(list, msg(9))).toBe(list);
  });

  it("keeps the old question text on the answers that replied to it", () => {
    const three = mergeMessages(list, [msg(3, { role: "assistant", userId: null, replyTo: "m1", prompt: "older still" })]);
    const next = applyEdited(three, msg(1, { content: "second try" }));
    expect(next.map((m) => m.prompt ?? null)).toEqual([null, "message 1", "older still"]);
    // The same text again (the ack and the event of one edit) changes no prompt.
    expect(applyEdited(next, msg(1, { content: "second try" })).map((m) => m.prompt ?? null)).toEqual([null, "message 1", "older still"]);
    // The server's prompts win.
    const fixed = applyPrompts(next, [msg(2, { role: "assistant", replyTo: "m1", prompt: null }), msg(8, { prompt: "x" })]);
    expect(fixed.map((m) => m.prompt ?? null)).toEqual([null, null, "older still"]);
    expect(applyPrompts(fixed, [msg(2, { prompt: null })])).toBe(fixed);
  });

  it("turns a deleted message into a tombstone that a late edit does not revive", () => {
    const next = applyDeleted(list, { roomId: "r", messageId: "m1", seq: 1, deletedAt: "2026-01-03T00:00:00Z" });
    expect(next[0]).toMatchObject({ content: "", deletedAt: "2026-01-03T00:00:00Z", seq: 1 });
    expect(isDeleted(next[0]!)).toBe(true);
    expect(applyEdited(next, msg(1, { content: "late edit" }))).toBe(next);
    expect(applyDeleted(list, { roomId: "r", messageId: "nope", seq: 5, deletedAt: "x" })).toBe(list);
    // An event without its time still makes a tombstone.
    const untimed = applyDeleted(list, { roomId: "r", messageId: "m1", seq: 1, deletedAt: null }, "2026-01-04T00:00:00Z");
    expect(untimed[0]).toMatchObject({ content: "", deletedAt: "2026-01-04T00:00:00Z" });
  });

  it("offers edit and delete on one's own stored, undeleted questions only", () => {
    const own = list[0]!;
    expect(canModify(own, "u")).toBe(true);
    expect(canModify(own, "someone else")).toBe(false);
    expect(canModify(own, null)).toBe(false);
    expect(canModify(list[1], "u")).toBe(false); // an answer
    expect(canModify({ ...own, deletedAt: "2026-01-01T00:00:00Z" }, "u")).toBe(false);
    const local: ChatMessage = { ...own, local: "sending" };
    expect(canModify(local, "u")).toBe(false);
    expect(canModify(null, "u")).toBe(false);
  });
});

describe("branch choices", () => {
  const list = mergeMessages([], [msg(1)]);

  it("sets a listed question's activeReply", () => {
    const next = applyBranchSelected(list, { roomId: "r", questionId: "m1", answerId: "a" });
    expect(next[0]!.activeReply).toBe("a");
    expect(setActiveReply(next, "m1", "a")).toBe(next);
    expect(setActiveReply(next, "m1", null)[0]!.activeReply).toBeNull();
    expect(setActiveReply(list, "unknown", "a")).toBe(list);
  });

  it("keeps choices of unlisted questions aside", () => {
    const choices = chooseUnlisted({}, list, "q0", "a1");
    expect(choices).toEqual({ q0: "a1" });
    expect(chooseUnlisted(choices, list, "q0", "a1")).toBe(choices);
    expect(chooseUnlisted(choices, list, "m1", "a1")).toBe(choices);
  });
});
