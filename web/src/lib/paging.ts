// History over REST (the socket module owns live delivery): forward catch-up past what a join
// ack holds, and older pages when the user scrolls up (prepended without duplicates).
import { OLDER_PAGE, oldestSeq, prependOlder, reachedStart } from "../chat/history";
import { lastSeq, mergeMessages } from "../chat/messages";
import { chatStore, patch } from "../chat/state";
import { api, ApiError } from "./api";
import type { Message } from "./types";

/** A join ack holds at most 200 missed messages (`hasMore` when there were more): the rest
 *  comes over REST, oldest first, until a short page. */
export async function catchUpForward(roomId: string): Promise<void> {
  const limit = 200;
  for (let pages = 0; pages < 50; pages++) {
    const after = lastSeq(chatStore.get().messages[roomId] ?? []);
    let page: Message[];
    try {
      page = await api.messages(roomId, { after, limit });
    } catch {
      return; // the next reconnect catches up again
    }
    if (!chatStore.get().messages[roomId]) return; // left the room (or signed out) meanwhile
    patch((s) => ({ messages: { ...s.messages, [roomId]: mergeMessages(s.messages[roomId] ?? [], page) } }));
    if (page.length < limit) break;
  }
  patch((s) => ({ hasMore: { ...s.hasMore, [roomId]: false } }));
}

/** Loads the page of history before the oldest loaded message (prepended, without duplicates).
 *  One request per room at a time. */
export async function loadOlder(roomId: string): Promise<void> {
  const s = chatStore.get();
  if (s.loadingOlder[roomId] || s.olderDone[roomId]) return;
  const oldest = oldestSeq(s.messages[roomId] ?? []);
  if (oldest === null || oldest <= 1) {
    patch((st) => ({ olderDone: { ...st.olderDone, [roomId]: true } }));
    return;
  }
  patch((st) => ({ loadingOlder: { ...st.loadingOlder, [roomId]: true } }));
  try {
    const page = await api.messages(roomId, { before: oldest, limit: OLDER_PAGE });
    patch((st) => {
      const list = st.messages[roomId];
      if (!list) return {}; // left the room (or signed out) meanwhile
      return {
        messages: { ...st.messages, [roomId]: prependOlder(list, page) },
        olderDone: { ...st.olderDone, [roomId]: reachedStart(page, OLDER_PAGE) },
      };
    });
  } catch (err) {
    const error =
      err instanceof ApiError
        ? { code: err.code, message: err.message, retryAfter: err.retryAfter }
        : { code: "network", message: String(err) };
    patch((st) => ({ roomError: { ...st.roomError, [roomId]: error } }));
  } finally {
    patch((st) => ({ loadingOlder: { ...st.loadingOlder, [roomId]: false } }));
  }
}
