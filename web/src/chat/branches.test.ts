import { describe, expect, it } from "vitest";
import type { Message } from "../lib/types";
import { msg } from "./testMessages";
import { arrangeBranches, branchesOf, pickShown, questionsNeedingReplies } from "./branches";
import { mergeMessages } from "./messages";
import { startStream } from "./streams";
import { buildView, rowView } from "./view";

const answer = (seq: number, replyTo: string, extra: Partial<Message> = {}) =>
  msg(seq, { role: "assistant", userId: null, userName: null, replyTo, content: "answer " + seq, ...extra });

const view = (list: Message[]) => buildView(mergeMessages([], list), {}, "r");
const shape = (items: ReturnType<typeof arrangeBranches>) =>
  items.map((v) => (v.branch ? `${v.id}:${v.branch.index + 1}/${v.branch.count}` : v.id));

describe("branches", () => {
  it("shows the newest answer of a question, where its first answer was", () => {
    const items = view([msg(1), answer(2, "m1"), msg(3, { userId: "u2" }), answer(4, "m1"), answer(5, "m3")]);
    expect(shape(arrangeBranches(items))).toEqual(["m1", "m4:2/2", "m3", "m5:1/1"]);
  });

  it("shows the question's activeReply with its neighbours", () => {
    const items = view([msg(1, { activeReply: "m3" }), answer(2, "m1"), answer(3, "m1"), answer(4, "m1")]);
    const [, shown] = arrangeBranches(items);
    expect(shown!.id).toBe("m3");
    expect(shown!.branch).toEqual({ questionId: "m1", index: 1, count: 3, prevId: "m2", nextId: "m4" });
  });

  it("falls back to the newest when activeReply names no known answer", () => {
    const items = view([msg(1, { activeReply: "gone" }), answer(2, "m1"), answer(3, "m1")]);
    expect(shape(arrangeBranches(items))).toEqual(["m1", "m3:2/2"]);
  });

  it("shows the text the shown answer replied to above it", () => {
    const items = view([msg(1, { content: "new text", editedAt: "2026-01-01T00:00:00Z", activeReply: "m2" }), answer(2, "m1", { prompt: "old text" }), answer(3, "m1", { prompt: null })]);
    const [q] = arrangeBranches(items);
    expect(q!.content).toBe("old text");
    expect(q!.promptShown).toBe(true);
    // The newest answered the current text (prompt null).
    const [q2] = arrangeBranches(view([msg(1, { content: "new text" }), answer(2, "m1", { prompt: "old text" }), answer(3, "m1")]));
    expect(q2!.content).toBe("new text");
    expect(q2!.promptShown).toBeUndefined();
  });

  it("never shows an old prompt on a deleted question", () => {
    const items = view([msg(1, { content: "", deletedAt: "2026-01-01T00:00:00Z", activeReply: "m2" }), answer(2, "m1", { prompt: "old" })]);
    expect(arrangeBranches(items)[0]!.content).toBe("");
  });

  it("makes a new answer, still streaming without a row, the shown branch", () => {
    const list = mergeMessages([], [msg(1), answer(2, "m1")]);
    const streams = startStream({}, { roomId: "r", messageId: "live", replyTo: "m1" });
    const shown = arrangeBranches(buildView(list, streams, "r"));
    expect(shape(shown)).toEqual(["m1", "live:2/2"]);
    expect(shown[1]!.streaming).toBe(true);
  });

  it("counts answers fetched over REST that are outside the loaded history", () => {
    // The page starts at seq 5: answer 2 (to question 1) is older than it.
    const items = view([answer(5, "m1"), msg(6), answer(7, "m6")]);
    const replies = { m1: [answer(2, "m1"), answer(5, "m1")] };
    expect(shape(arrangeBranches(items, { replies }))).toEqual(["m5:2/2", "m6", "m7:1/1"]);
    // A choice made for the unlisted question applies.
    expect(shape(arrangeBranches(items, { replies, choices: { m1: "m2" } }))).toEqual(["m2:1/2", "m6", "m7:1/1"]);
  });

  it("puts the shown answer right after its question when none of its answers is listed", () => {
    const items = view([msg(1, { activeReply: "m9" })]);
    const shown = arrangeBranches(items, { replies: { m1: [answer(9, "m1"), answer(12, "m1")] } });
    expect(shape(shown)).toEqual(["m1", "m9:1/2"]);
  });

  it("orders branches by seq, rowless streams last", () => {
    const a = rowView(answer(4, "q"));
    const b = rowView(answer(2, "q"));
    const live = { ...rowView(answer(0, "q")), id: "live", message: null };
    expect(branchesOf([a, live, b]).map((v) => v.id)).toEqual(["m2", "m4", "live"]);
    expect(branchesOf([a], [answer(2, "q"), answer(4, "q", { content: "stale" })]).map((v) => v.content)).toEqual(["answer 2", "answer 4"]);
    expect(pickShown([a, b], "m2")).toBe(1);
    expect(pickShown([a, b], null)).toBe(1);
  });

  it("leaves user messages without answers and other roles alone", () => {
    const items = view([msg(1), msg(2, { role: "system", userId: null })]);
    expect(arrangeBranches(items)).toEqual(items);
  });
});

describe("which questions' answers to fetch", () => {
  it("asks for questions following an unloaded answer, and for those of answers older history may hold", () => {
    const list = mergeMessages([], [answer(5, "m1"), msg(6, { activeReply: "m3" }), answer(7, "m6"), msg(8), answer(9, "m8")]);
    expect(questionsNeedingReplies(list, { olderExists: true, fetched: {} })).toEqual(["m1", "m6"]);
    expect(questionsNeedingReplies(list, { olderExists: false, fetched: {} })).toEqual(["m6"]);
    expect(questionsNeedingReplies(list, { olderExists: true, fetched: { m1: [], m6: [] } })).toEqual([]);
  });
});
