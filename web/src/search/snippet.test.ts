import { describe, expect, it } from "vitest";
import { snippetPieces, snippetText } from "./snippet";

describe("snippets", () => {
  it("keeps the matched pieces apart and joins the rest", () => {
    const pieces = snippetPieces([
      { text: "\n  …said ", match: false },
      { text: "", match: true },
      { text: "hello", match: false },
      { text: " world", match: false },
      { text: "안녕", match: true },
      { text: "하세요\n\n세계  ", match: false },
    ]);
    expect(pieces).toEqual([
      { text: "…said hello world", match: false },
      { text: "안녕", match: true },
      { text: "하세요 세계", match: false },
    ]);
  });

  it("is plain text: markup stays text", () => {
    const pieces = snippetPieces([{ text: "<img src=x onerror=alert(1)>", match: true }]);
    expect(pieces).toEqual([{ text: "<img src=x onerror=alert(1)>", match: true }]);
    expect(snippetText([{ text: "a ", match: false }, { text: "b", match: true }])).toBe("a b");
  });

  it("copes with a missing snippet", () => {
    expect(snippetPieces(undefined)).toEqual([]);
    expect(snippetPieces(null)).toEqual([]);
    expect(snippetText([])).toBe("");
  });
});
