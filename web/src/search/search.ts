// The search box's state (pure, no I/O): the query whose results are shown, the pages loaded so
// far and the cursor of the next. Every request has an id; an answer to any but the latest is
// dropped, so a slow answer to an old query never replaces a newer one.
import type { SearchPage, SearchResult } from "../lib/conversationTypes";

/** The server accepts 1–200 characters. */
export const MAX_QUERY = 200;
/** Typing pauses this long (ms) before a search starts. */
export const SEARCH_DEBOUNCE = 250;
/** Results per page. */
export const SEARCH_PAGE = 20;

export type SearchStatus = "idle" | "loading" | "more" | "done" | "error";

export interface SearchState {
  /** The query of the results shown (or being fetched); empty when idle. */
  query: string;
  results: SearchResult[];
  nextBefore: string | null;
  status: SearchStatus;
  error: unknown;
  /** The id of the latest request. */
  request: number;
}

export const idleSearch: SearchState = { query: "", results: [], nextBefore: null, status: "idle", error: null, request: 0 };

/** What to search for: the text trimmed (inner spaces collapsed), at most MAX_QUERY characters
 *  (whole characters, so no Hangul syllable or emoji is cut in half); null when nothing is left. */
export function normalizeQuery(text: string): string | null {
  const q = text.trim().replace(/\s+/g, " ");
  if (q === "") return null;
  return Array.from(q).slice(0, MAX_QUERY).join("").trim();
}

/** A new query: its first page is on its way; earlier results go. */
export function searchStarted(s: SearchState, query: string, request: number): SearchState {
  return { ...s, query, results: [], nextBefore: null, status: "loading", error: null, request };
}

/** Whether there is a next page to ask for now (again, after it failed). */
export function canLoadMore(s: SearchState): boolean {
  return (s.status === "done" || s.status === "error") && s.nextBefore !== null;
}

/** The next page of the same query is on its way. */
export function moreStarted(s: SearchState, request: number): SearchState {
  return canLoadMore(s) ? { ...s, status: "more", error: null, request } : s;
}

/** A page arrived: the first replaces, a next one appends (a result already shown is not
 *  repeated). An answer to a request other than the latest is ignored. */
export function pageArrived(s: SearchState, request: number, page: SearchPage): SearchState {
  if (request !== s.request || (s.status !== "loading" && s.status !== "more")) return s;
  const seen = new Set(s.status === "more" ? s.results.map((r) => r.messageId) : []);
  const fresh = page.results.filter((r) => !seen.has(r.messageId) && (seen.add(r.messageId), true));
  const results = s.status === "more" ? [...s.results, ...fresh] : fresh;
  return { ...s, results, nextBefore: page.nextBefore, status: "done" };
}

/** The latest request failed: the results loaded so far stay. */
export function searchFailed(s: SearchState, request: number, error: unknown): SearchState {
  if (request !== s.request) return s;
  return { ...s, status: "error", error };
}
