// Message list merging (pure, no I/O): by id, in seq order, with optimistic (not yet acked)
// messages matched to their stored copy by clientId.
import type { Message } from "../lib/types";

export interface ChatMessage extends Message {
  /** Local state of an optimistic message: waiting for its ack, or refused. */
  local?: "sending" | "failed";
  /** Error code of a refused send (rate_limited, too_large, …). */
  localError?: string;
  localErrorMessage?: string;
  retryAfter?: number;
}

function order(a: ChatMessage, b: ChatMessage): number {
  const al = a.local ? 1 : 0;
  const bl = b.local ? 1 : 0;
  if (al !== bl) return al - bl; // stored messages first, in seq order; local ones after
  if (!al) return a.seq - b.seq;
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}

/** Merges stored messages into a list: no duplicates (by id, and an optimistic message is
 *  replaced by the stored one with its clientId), sorted by seq, local ones last. A newer copy of
 *  a message (e.g. its final text after streaming) replaces the older one. */
export function mergeMessages(list: readonly ChatMessage[], incoming: readonly Message[]): ChatMessage[] {
  if (incoming.length === 0) return list as ChatMessage[];
  const byId = new Map<string, ChatMessage>();
  const clientIds = new Set<string>();
  for (const m of list) byId.set(m.id, m);
  for (const m of incoming) {
    byId.set(m.id, { ...m });
    if (m.clientId) clientIds.add(m.clientId);
  }
  const out: ChatMessage[] = [];
  for (const m of byId.values()) {
    if (m.local && m.clientId && clientIds.has(m.clientId)) continue;
    out.push(m);
  }
  return out.sort(order);
}

/** Adds or updates a local (optimistic) message, keyed by its clientId. */
export function upsertLocal(list: readonly ChatMessage[], m: ChatMessage): ChatMessage[] {
  const rest = list.filter((x) => !(x.local && x.clientId === m.clientId));
  // Already stored (ack raced the update): keep the stored one.
  if (list.some((x) => !x.local && x.clientId === m.clientId)) return list as ChatMessage[];
  return [...rest, m].sort(order);
}

export function removeLocal(list: readonly ChatMessage[], clientId: string): ChatMessage[] {
  return list.filter((x) => !(x.local && x.clientId === clientId));
}

/** The highest stored seq (what to pass as `since` when re-joining). */
export function lastSeq(list: readonly ChatMessage[]): number {
  let max = 0;
  for (const m of list) if (!m.local && m.seq > max) max = m.seq;
  return max;
}

/** Whether a live `message` with this `seq` shows that deliveries before it were lost: seqs
 *  have no holes (SPEC §3), so anything past the last stored seq + 1 means some message never
 *  arrived (the server drops deliveries to a socket whose queue is full). Each answer still
 *  streaming whose row we have not seen (`openStreams`) holds one seq of its own. */
export function missedBefore(list: readonly ChatMessage[], seq: number, openStreams = 0): boolean {
  return seq > lastSeq(list) + 1 + openStreams;
}

/** Local messages still waiting to be (re)sent. */
export function unsent(list: readonly ChatMessage[]): ChatMessage[] {
  return list.filter((m) => m.local === "sending");
}

/** The `since` to re-join with: the last stored seq, but never past an answer that was still
 *  streaming (its row has a seq from when it started, and its final text arrives as a message we
 *  must not skip). `openHints` are the last seqs seen when live streams without a row started. */
export function catchUpSince(list: readonly ChatMessage[], openHints: readonly number[] = []): number {
  let since = lastSeq(list);
  for (const m of list) if (!m.local && m.status === "streaming" && m.seq - 1 < since) since = m.seq - 1;
  for (const h of openHints) if (h < since) since = h;
  return Math.max(0, since);
}
