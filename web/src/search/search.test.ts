import { describe, expect, it } from "vitest";
import type { SearchResult } from "../lib/conversationTypes";
import { canLoadMore, idleSearch, MAX_QUERY, moreStarted, normalizeQuery, pageArrived, searchFailed, searchStarted } from "./search";

const result = (id: string): SearchResult => ({
  messageId: id,
  roomId: "r",
  roomName: "Room",
  seq: 1,
  role: "user",
  userName: "Ada",
  createdAt: "2026-01-01T00:00:00Z",
  snippet: [{ text: id, match: true }],
});

describe("search state", () => {
  it("normalizes what is typed", () => {
    expect(normalizeQuery("   ")).toBeNull();
    expect(normalizeQuery("  안녕   세계 \n")).toBe("안녕 세계");
    const long = "가".repeat(MAX_QUERY + 5);
    expect(Array.from(normalizeQuery(long)!)).toHaveLength(MAX_QUERY);
    // Whole characters: an emoji (two UTF-16 units) is never cut in half.
    expect(normalizeQuery("😀".repeat(MAX_QUERY + 1))).toBe("😀".repeat(MAX_QUERY));
  });

  it("shows the first page, then appends the next ones without repeats", () => {
    let s = searchStarted(idleSearch, "hello", 1);
    expect(s.status).toBe("loading");
    s = pageArrived(s, 1, { results: [result("a"), result("b")], nextBefore: "c1" });
    expect(s).toMatchObject({ status: "done", nextBefore: "c1" });
    expect(canLoadMore(s)).toBe(true);
    s = moreStarted(s, 2);
    expect(s.status).toBe("more");
    expect(canLoadMore(s)).toBe(false);
    expect(moreStarted(s, 3)).toBe(s); // one page at a time
    s = pageArrived(s, 2, { results: [result("b"), result("c")], nextBefore: null });
    expect(s.results.map((r) => r.messageId)).toEqual(["a", "b", "c"]);
    expect(canLoadMore(s)).toBe(false);
  });

  it("drops answers to stale requests", () => {
    let s = searchStarted(idleSearch, "hel", 1);
    s = searchStarted(s, "hello", 2);
    const stale = pageArrived(s, 1, { results: [result("old")], nextBefore: null });
    expect(stale).toBe(s);
    expect(searchFailed(s, 1, new Error("aborted"))).toBe(s);
    s = pageArrived(s, 2, { results: [result("new")], nextBefore: null });
    expect(s.results.map((r) => r.messageId)).toEqual(["new"]);
    expect(s.query).toBe("hello");
    // A late duplicate of the answer changes nothing.
    expect(pageArrived(s, 2, { results: [], nextBefore: null })).toBe(s);
  });

  it("keeps what was loaded when a next page fails", () => {
    let s = pageArrived(searchStarted(idleSearch, "x", 1), 1, { results: [result("a")], nextBefore: "n" });
    s = searchFailed(moreStarted(s, 2), 2, { code: "network" });
    expect(s).toMatchObject({ status: "error", error: { code: "network" } });
    expect(s.results).toHaveLength(1);
    expect(canLoadMore(s)).toBe(true); // it may be asked for again
    expect(canLoadMore(searchFailed(searchStarted(s, "y", 3), 3, "offline"))).toBe(false);
  });
});
