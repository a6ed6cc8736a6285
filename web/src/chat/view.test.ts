import { describe, expect, it } from "vitest";
import type { Message } from "../lib/types";
import { mergeMessages } from "./messages";
import { applyChunk, applySnapshot, startStream } from "./streams";
import { buildView } from "./view";

const q: Message = {
  id: "q",
  roomId: "r",
  seq: 1,
  userId: "u",
  userName: "Ada",
  role: "user",
  content: "hi",
  status: "complete",
  model: null,
  replyTo: null,
  clientId: "c1",
  createdAt: "2026-01-01T00:00:00Z",
};
const row: Message = { ...q, id: "a", seq: 2, role: "assistant", userId: null, content: "", status: "streaming", replyTo: "q", clientId: null };

describe("message view", () => {
  it("shows a stored streaming row with its live text", () => {
    const list = mergeMessages([], [q, row]);
    const streams = applySnapshot({}, "r", { messageId: "a", content: "Hel", nextIndex: 1 });
    const view = buildView(list, streams, "r");
    expect(view.map((v) => [v.id, v.status, v.content])).toEqual([
      ["q", "complete", "hi"],
      ["a", "streaming", "Hel"],
    ]);
  });

  it("appends streams without a row, only for their room", () => {
    let streams = startStream({}, { roomId: "r", messageId: "a", model: "demo", replyTo: "q" });
    streams = applyChunk(streams, { roomId: "r", messageId: "a", index: 0, token: "Hi" });
    streams = startStream(streams, { roomId: "other", messageId: "b" });
    const view = buildView(mergeMessages([], [q]), streams, "r");
    expect(view.map((v) => v.id)).toEqual(["q", "a"]);
    expect(view[1]!.streaming).toBe(true);
    expect(view[1]!.model).toBe("demo");
  });
});
