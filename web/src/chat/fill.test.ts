import { describe, expect, it } from "vitest";
import { nextFillAfter } from "./fill";
import { mergeMessages, type ChatMessage } from "./messages";
import { msg } from "./testMessages";

const seqs = (...ranges: [number, number][]) => mergeMessages([], ranges.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => msg(a + i))));

describe("filling history forward after a jump", () => {
  it("asks for the first hole after the page", () => {
    // The page around seq 100 (75–125) and the newest page (500–550).
    expect(nextFillAfter(seqs([75, 125], [500, 550]), 75, 550)).toBe(125);
    expect(nextFillAfter(seqs([75, 325], [500, 550]), 75, 550)).toBe(325);
  });

  it("is done when nothing is missing up to the newest", () => {
    expect(nextFillAfter(seqs([75, 550]), 75, 550)).toBeNull();
    expect(nextFillAfter(seqs([75, 550]), 75, 540)).toBeNull();
  });

  it("goes past the end when the newest seq is not known, or not loaded yet", () => {
    expect(nextFillAfter(seqs([75, 125]), 75, null)).toBe(125);
    expect(nextFillAfter(seqs([75, 125]), 75, 130)).toBe(125);
    expect(nextFillAfter([], 10, null)).toBe(10);
  });

  it("ignores messages not stored yet", () => {
    const local: ChatMessage = { ...msg(0), id: "local", local: "sending" };
    expect(nextFillAfter([...seqs([1, 3]), local], 1, 3)).toBeNull();
  });
});
