import { describe, expect, it } from "vitest";
import { msg } from "./testMessages";
import { canLoadOlder, oldestSeq, prependOlder, reachedStart } from "./history";
import { mergeMessages, upsertLocal, type ChatMessage } from "./messages";


const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));

describe("older history", () => {
  it("knows whether older messages may exist", () => {
    const list = mergeMessages([], range(151, 350));
    expect(oldestSeq(list)).toBe(151);
    expect(canLoadOlder(list, false)).toBe(true);
    expect(canLoadOlder(list, true)).toBe(false);
    expect(canLoadOlder(mergeMessages([], range(1, 20)), false)).toBe(false);
    expect(canLoadOlder([], false)).toBe(false);
  });

  it("ignores optimistic messages when finding the oldest", () => {
    const local: ChatMessage = { ...msg(0, { id: "local-x", clientId: "x" }), local: "sending" };
    const list = upsertLocal(mergeMessages([], range(60, 70)), local);
    expect(oldestSeq(list)).toBe(60);
  });

  it("prepends a page in seq order, optimistic messages last", () => {
    const local: ChatMessage = { ...msg(0, { id: "local-x", clientId: "x" }), local: "sending" };
    let list = upsertLocal(mergeMessages([], range(101, 150)), local);
    list = prependOlder(list, range(51, 100));
    expect(list.map((m) => m.seq)).toEqual([...range(51, 150).map((m) => m.seq), 0]);
    expect(list[list.length - 1]!.local).toBe("sending");
  });

  it("never duplicates: an overlapping page or a message that also arrived live is kept once", () => {
    let list = mergeMessages([], range(40, 60));
    list = prependOlder(list, range(11, 45)); // overlaps 40..45
    list = mergeMessages(list, [msg(61), msg(60)]); // live arrivals, one repeated
    list = prependOlder(list, range(11, 20)); // the same page twice
    const seqs = list.map((m) => m.seq);
    expect(seqs).toEqual(range(11, 61).map((m) => m.seq));
    expect(new Set(list.map((m) => m.id)).size).toBe(list.length);
  });

  it("a short page, or one that holds seq 1, reached the start", () => {
    expect(reachedStart(range(1, 50), 50)).toBe(true);
    expect(reachedStart(range(10, 30), 50)).toBe(true);
    expect(reachedStart(range(51, 100), 50)).toBe(false);
    expect(reachedStart([], 50)).toBe(true);
  });
});
