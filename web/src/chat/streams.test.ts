import { describe, expect, it } from "vitest";
import { applyChunk, applySnapshot, dropStream, endStream, startStream, type Streams } from "./streams";

const R = "room-1";
const M = "msg-1";
const chunk = (s: Streams, index: number, token: string) => applyChunk(s, { roomId: R, messageId: M, index, token });

describe("stream assembly", () => {
  it("appends chunks in index order", () => {
    let s = startStream({}, { roomId: R, messageId: M, model: "demo", replyTo: "q" });
    s = chunk(s, 0, "Hel");
    s = chunk(s, 1, "lo");
    expect(s[M]!.content).toBe("Hello");
    expect(s[M]!.nextIndex).toBe(2);
    expect(s[M]!.model).toBe("demo");
  });

  it("ignores duplicate chunks", () => {
    let s = chunk(chunk({}, 0, "a"), 1, "b");
    s = chunk(s, 1, "b");
    s = chunk(s, 0, "a");
    expect(s[M]!.content).toBe("ab");
  });

  it("buffers out-of-order chunks until the gap is filled", () => {
    let s = chunk({}, 2, "c");
    s = chunk(s, 1, "b");
    expect(s[M]!.content).toBe("");
    s = chunk(s, 0, "a");
    expect(s[M]!.content).toBe("abc");
    expect(s[M]!.nextIndex).toBe(3);
    expect(Object.keys(s[M]!.pending)).toHaveLength(0);
  });

  it("late join: snapshot then later chunks, ignoring chunks the snapshot covers", () => {
    let s = applySnapshot({}, R, { messageId: M, content: "Hello, wor", nextIndex: 4 });
    s = chunk(s, 3, "wor"); // already in the snapshot
    s = chunk(s, 5, "!");
    s = chunk(s, 4, "ld");
    expect(s[M]!.content).toBe("Hello, world!");
    expect(s[M]!.nextIndex).toBe(6);
  });

  it("late join: chunks that raced ahead of the snapshot are kept when they follow it", () => {
    let s = chunk({}, 2, "dup"); // covered by the snapshot
    s = chunk(s, 4, "e");
    s = applySnapshot(s, R, { messageId: M, content: "abcd", nextIndex: 4 });
    expect(s[M]!.content).toBe("abcde");
    expect(s[M]!.nextIndex).toBe(5);
  });

  it("an older snapshot never rewinds a live stream", () => {
    let s = chunk(chunk(chunk({}, 0, "a"), 1, "b"), 2, "c");
    s = applySnapshot(s, R, { messageId: M, content: "ab", nextIndex: 2 });
    expect(s[M]!.content).toBe("abc");
  });

  it("end carries the authoritative text and status; later chunks are ignored", () => {
    let s = chunk({}, 0, "par");
    s = endStream(s, { roomId: R, messageId: M, status: "stopped", content: "partial" });
    s = chunk(s, 1, "x");
    expect(s[M]!.content).toBe("partial");
    expect(s[M]!.status).toBe("stopped");
    expect(s[M]!.done).toBe(true);
    expect(dropStream(s, M)).toEqual({});
  });
});
