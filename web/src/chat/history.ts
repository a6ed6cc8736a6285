// Paging older history (pure). Seqs are gap-free from 1 per room and history includes deleted
// messages, so the lowest stored seq tells whether anything older exists; a page shorter than
// asked for means the start of the room was reached.
import type { Message } from "../lib/types";
import { mergeMessages, type ChatMessage } from "./messages";

/** Messages asked for per older page. */
export const OLDER_PAGE = 50;

/** The lowest stored seq in a list, or null when nothing is stored yet. */
export function oldestSeq(list: readonly ChatMessage[]): number | null {
  let min: number | null = null;
  for (const m of list) if (!m.local && m.seq > 0 && (min === null || m.seq < min)) min = m.seq;
  return min;
}

/** Whether messages older than the loaded ones may exist. */
export function canLoadOlder(list: readonly ChatMessage[], exhausted: boolean): boolean {
  const oldest = oldestSeq(list);
  return !exhausted && oldest !== null && oldest > 1;
}

/** Whether an older page (asked with `limit`) reached the start of the room. */
export function reachedStart(page: readonly Message[], limit: number): boolean {
  if (page.length < limit) return true;
  return page.some((m) => m.seq <= 1);
}

/** Prepends an older page: merged by id (a message already loaded, or already arrived live, is
 *  kept once), in seq order, optimistic messages still last. */
export function prependOlder(list: readonly ChatMessage[], page: readonly Message[]): ChatMessage[] {
  return mergeMessages(list, page);
}
