import { describe, expect, it } from "vitest";
import { msg } from "./testMessages";
import { catchUpSince, lastSeq, mergeMessages, missedBefore, unsent, upsertLocal, type ChatMessage } from "./messages";


describe("message merge", () => {
  it("orders by seq and drops duplicates", () => {
    let list: ChatMessage[] = mergeMessages([], [msg(2), msg(1)]);
    list = mergeMessages(list, [msg(2), msg(3)]);
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it("catch-up after a reconnect fills the gap in seq order", () => {
    let list: ChatMessage[] = mergeMessages([], [msg(1), msg(2), msg(5)]); // 5 arrived live before the gap was noticed
    expect(lastSeq(list)).toBe(5);
    list = mergeMessages(list, [msg(3), msg(4), msg(5), msg(6)]);
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("a live message past the last seq + 1 means deliveries were missed", () => {
    const list: ChatMessage[] = mergeMessages([], [msg(1), msg(2)]);
    expect(missedBefore(list, 3)).toBe(false);
    expect(missedBefore(list, 2)).toBe(false); // a copy of what we have
    expect(missedBefore(list, 4)).toBe(true);
    expect(missedBefore([], 1)).toBe(false); // a room's first message
    expect(missedBefore([], 2)).toBe(true);
  });

  it("an answer still streaming holds a seq of its own: no gap for it", () => {
    const list: ChatMessage[] = mergeMessages([], [msg(1), msg(2)]);
    // Answer 3 started (its row unseen), then message 4 arrived.
    expect(missedBefore(list, 4, 1)).toBe(false);
    expect(missedBefore(list, 5, 1)).toBe(true);
    // Optimistic messages have no seq yet and do not count.
    const withLocal = upsertLocal(list, { ...msg(0, { id: "local-c9", clientId: "c9" }), local: "sending" });
    expect(missedBefore(withLocal, 3)).toBe(false);
  });

  it("replaces an optimistic message by its stored copy (same clientId)", () => {
    const local: ChatMessage = { ...msg(0, { id: "local-c1", clientId: "c1" }), local: "sending" };
    let list = upsertLocal(mergeMessages([], [msg(1)]), local);
    expect(list.map((m) => m.id)).toEqual(["m1", "local-c1"]);
    expect(unsent(list)).toHaveLength(1);
    list = mergeMessages(list, [msg(2, { clientId: "c1" })]);
    expect(list.map((m) => m.id)).toEqual(["m1", "m2"]);
    // The `message` event and the ack both deliver it: still once.
    list = mergeMessages(list, [msg(2, { clientId: "c1" })]);
    expect(list).toHaveLength(2);
    expect(unsent(list)).toHaveLength(0);
  });

  it("a newer copy replaces the older one (final text of an answer)", () => {
    let list: ChatMessage[] = mergeMessages([], [msg(1, { role: "assistant", status: "streaming", content: "Hel" })]);
    list = mergeMessages(list, [msg(1, { role: "assistant", status: "complete", content: "Hello" })]);
    expect(list).toHaveLength(1);
    expect(list[0]!.content).toBe("Hello");
  });

  it("re-joins from before an answer that was still streaming", () => {
    const list = mergeMessages([], [msg(1), msg(2, { role: "assistant", status: "streaming" }), msg(3)]);
    expect(catchUpSince(list)).toBe(1);
    expect(catchUpSince(mergeMessages([], [msg(1), msg(3)]))).toBe(3);
    expect(catchUpSince(mergeMessages([], [msg(1), msg(3)]), [2])).toBe(2);
  });
});
