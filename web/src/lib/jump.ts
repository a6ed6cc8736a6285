// Opening a room at a message (a search result): the room opens with its history around the
// message, filled forward to the newest without a hole (chat/fill.ts), and the message list
// scrolls to the message and highlights it (chat/state.ts `focus`). An answer the room does not
// follow is shown in its question's place on this page.
import { nextFillAfter } from "../chat/fill";
import { oldestSeq } from "../chat/history";
import { mergeMessages } from "../chat/messages";
import { chatStore, patch } from "../chat/state";
import { api } from "./api";
import { conversationApi } from "./conversationApi";
import { navigate, roomPath } from "./router";
import { showBranch } from "./socket/conversations";
import { setRoomError } from "./socket/session";

const AROUND = 50;
const FORWARD = 200;
let nonce = 0;

const maxSeq = (page: readonly { seq: number }[]) => page.reduce((max, m) => Math.max(max, m.seq), 0);

/** Opens `roomId` scrolled to the message `messageId` (at `seq`), highlighted. */
export async function openAt(roomId: string, messageId: string, seq: number): Promise<void> {
  const mine = ++nonce;
  patch({ focus: { roomId, messageId, seq, nonce: mine } });
  navigate(roomPath(roomId));
  if (chatStore.get().messages[roomId]?.some((m) => m.id === messageId)) {
    showBranch(roomId, messageId);
    return; // loaded: the list scrolls there
  }
  let page;
  try {
    page = await conversationApi.around(roomId, seq, AROUND);
  } catch (err) {
    setRoomError(roomId, errorBody(err));
    return;
  }
  if (nonce !== mine) return; // another result was chosen meanwhile
  const from = page.reduce((min, m) => Math.min(min, m.seq), seq);
  patch((s) => {
    const list = s.messages[roomId] ?? [];
    const oldest = oldestSeq(list);
    // Older messages than the page were loaded already: whether more exist is known.
    const olderDone = oldest !== null && oldest < from ? (s.olderDone[roomId] ?? false) : from <= 1;
    return {
      messages: { ...s.messages, [roomId]: mergeMessages(list, page) },
      olderDone: { ...s.olderDone, [roomId]: olderDone },
    };
  });
  showBranch(roomId, messageId);
  await fillForward(roomId, from, maxSeq(page));
}

/** Loads what is missing after seq `from` until the list reaches the room's newest message. */
async function fillForward(roomId: string, from: number, pageEnd: number): Promise<void> {
  let newest: number | null = chatStore.get().rooms.find((r) => r.id === roomId)?.lastSeq || null;
  if (newest !== null && newest < pageEnd) newest = null;
  for (let i = 0; i < 50; i++) {
    const list = chatStore.get().messages[roomId];
    if (!list) return; // left the room (or signed out)
    const after = nextFillAfter(list, from, newest);
    if (after === null) return;
    let page;
    try {
      page = await api.messages(roomId, { after, limit: FORWARD });
    } catch {
      return; // the next join catches up
    }
    patch((s) => {
      const current = s.messages[roomId];
      return current ? { messages: { ...s.messages, [roomId]: mergeMessages(current, page) } } : {};
    });
    if (page.length === 0) return;
    if (page.length < FORWARD) newest = Math.max(newest ?? 0, maxSeq(page));
  }
}

function errorBody(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === "string" ? e.code : "network", message: typeof e?.message === "string" ? e.message : String(err) };
}
