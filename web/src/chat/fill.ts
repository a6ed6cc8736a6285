// Filling history forward after a jump (pure): a search result opens its room with the page
// around the message, which may end far from the newest message and leave a hole before what
// was loaded already. The room's list must stay gap-free up to the newest (what catch-up, read
// marks and paging rely on), so it is filled forward from the page, skipping what is loaded.
import type { ChatMessage } from "./messages";

/** The `after` of the next forward request to fill the list from seq `from` on, or null when it
 *  is complete: no seq missing after `from`, and the last seq is the room's newest (`newest`,
 *  null when not known: then a request past the end is needed to know). */
export function nextFillAfter(list: readonly ChatMessage[], from: number, newest: number | null): number | null {
  const seqs = new Set<number>();
  let last = 0;
  for (const m of list) {
    if (m.local || m.seq <= 0) continue;
    seqs.add(m.seq);
    if (m.seq > last) last = m.seq;
  }
  for (let s = from + 1; s <= last; s++) if (!seqs.has(s)) return s - 1;
  if (newest !== null && last >= newest) return null;
  return Math.max(last, from);
}
