// Editing and deleting one's messages, and following branches (docs/conversations.md): what the
// app asks (`edit`, `delete`, `selectBranch`, with acks) and the server's `messageEdited`,
// `messageDeleted` and `branchSelected`, applied through chat/edits.ts.
import { questionsNeedingReplies } from "../../chat/branches";
import {
  applyBranchSelected,
  applyDeleted,
  applyEdited,
  applyPrompts,
  chooseUnlisted,
  setActiveReply,
} from "../../chat/edits";
import { canLoadOlder } from "../../chat/history";
import type { ChatMessage } from "../../chat/messages";
import { chatStore, patch } from "../../chat/state";
import { conversationApi } from "../conversationApi";
import type { BranchSelectedEvent, MessageDeletedEvent } from "../conversationTypes";
import type { ErrorBody, Message, StreamEvent } from "../types";
import { call, setRoomError, upsertRoom } from "./session";

function updateList(roomId: string, update: (list: ChatMessage[]) => ChatMessage[]): void {
  patch((s) => {
    const list = s.messages[roomId];
    if (!list) return {};
    const next = update(list);
    return next === list ? {} : { messages: { ...s.messages, [roomId]: next } };
  });
}

/** The room list's preview of a room whose last message changed text. */
function updatePreview(roomId: string, messageId: string, content: string, deletedAt?: string | null): void {
  const room = chatStore.get().rooms.find((r) => r.id === roomId);
  if (!room?.lastMessage || room.lastMessage.id !== messageId) return;
  upsertRoom({ id: roomId, preview: undefined, lastMessage: { ...room.lastMessage, content, ...(deletedAt ? { deletedAt } : {}) } });
}

/** `messageEdited` (and an edit's ack). A question that has answers: their prompts are asked
 *  for again, as the server records them. */
export function onMessageEdited(m: Message): void {
  const before = chatStore.get().messages[m.roomId]?.find((x) => x.id === m.id);
  updateList(m.roomId, (list) => applyEdited(list, m));
  updatePreview(m.roomId, m.id, m.content);
  const hasAnswers = chatStore.get().messages[m.roomId]?.some((x) => x.replyTo === m.id);
  if (before && before.content !== m.content && hasAnswers) void loadReplies(m.roomId, [m.id], true);
}

export function onMessageDeleted(ev: MessageDeletedEvent): void {
  updateList(ev.roomId, (list) => applyDeleted(list, ev));
  updatePreview(ev.roomId, ev.messageId, "", ev.deletedAt ?? new Date().toISOString());
}

export function onBranchSelected(ev: BranchSelectedEvent): void {
  choose(ev.roomId, ev.questionId, ev.answerId);
  if (!chatStore.get().messages[ev.roomId]?.some((x) => x.id === ev.questionId)) return;
  updateList(ev.roomId, (list) => applyBranchSelected(list, ev));
}

/** A new answer to a question (a regenerate, or an edited question answered again): the room
 *  follows the newest branch again. */
export function onStreamBranch(ev: StreamEvent): void {
  if (ev.start && ev.replyTo) choose(ev.roomId, ev.replyTo, null);
}

function choose(roomId: string, questionId: string, answerId: string | null): void {
  patch((s) => {
    const list = s.messages[roomId] ?? [];
    const messages = setActiveReply(list, questionId, answerId);
    const branchChoices = chooseUnlisted(s.branchChoices, list, questionId, answerId);
    return {
      ...(messages !== list ? { messages: { ...s.messages, [roomId]: messages } } : {}),
      ...(branchChoices !== s.branchChoices ? { branchChoices } : {}),
    };
  });
}

/** Shows this answer among its question's branches, on this page only (a search result opened
 *  in an answer the room does not follow; the room's choice is not changed). */
export function showBranch(roomId: string, answerId: string): void {
  const answer = chatStore.get().messages[roomId]?.find((m) => m.id === answerId);
  if (answer?.role === "assistant" && answer.replyTo) choose(roomId, answer.replyTo, answerId);
}

/** Edits one's own message; resolves to the error to show, or null when it was saved. */
export async function editMessage(roomId: string, messageId: string, content: string): Promise<ErrorBody | null> {
  const ack = await call<{ message: Message }>("edit", { roomId, messageId, content });
  if (!ack.ok) return ack.error;
  if (ack.message) onMessageEdited(ack.message);
  return null;
}

/** Deletes one's own message (it becomes a tombstone); resolves to the error to show, or null. */
export async function deleteMessage(roomId: string, messageId: string): Promise<ErrorBody | null> {
  const ack = await call<{ message: Message }>("delete", { roomId, messageId });
  if (!ack.ok) return ack.error;
  const m = ack.message;
  if (m) onMessageDeleted({ roomId, messageId, seq: m.seq, deletedAt: m.deletedAt ?? null });
  return null;
}

/** Follows another branch of a question (for the whole room): shown at once, undone when the
 *  server refuses. */
export async function selectBranch(roomId: string, questionId: string, answerId: string): Promise<void> {
  const s = chatStore.get();
  const question = s.messages[roomId]?.find((x) => x.id === questionId);
  const before = question ? (question.activeReply ?? null) : (s.branchChoices[questionId] ?? null);
  choose(roomId, questionId, answerId);
  // The ack carries the question (as `message`; docs/conversations.md calls it `question`).
  const ack = await call<{ message?: Message; question?: Message }>("selectBranch", { roomId, messageId: answerId });
  if (ack.ok) {
    const q = ack.message ?? ack.question;
    if (q?.id === questionId && q.activeReply) choose(roomId, questionId, q.activeReply);
    setRoomError(roomId, undefined);
    return;
  }
  choose(roomId, questionId, before);
  setRoomError(roomId, ack.error);
}

const inflight = new Set<string>();

/** Asks for every answer of these questions (`GET …/replies`); `force` asks again for questions
 *  asked before. A failure is remembered as no extra answers (not asked again on every render). */
export async function loadReplies(roomId: string, questionIds: readonly string[], force = false): Promise<void> {
  await Promise.all(
    questionIds.map(async (qid) => {
      if (inflight.has(qid) || (!force && qid in chatStore.get().replies)) return;
      inflight.add(qid);
      let answers: Message[] = [];
      try {
        answers = await conversationApi.replies(roomId, qid);
      } catch {
        /* offline or gone: branches show what is loaded */
      } finally {
        inflight.delete(qid);
      }
      patch((s) => {
        const list = s.messages[roomId];
        const next = list ? applyPrompts(list, answers) : undefined;
        return {
          replies: { ...s.replies, [qid]: answers },
          ...(list && next && next !== list ? { messages: { ...s.messages, [roomId]: next } } : {}),
        };
      });
    }),
  );
}

/** Loads the branches the open room's history does not hold (see chat/branches.ts). */
export function loadMissingBranches(roomId: string): void {
  const s = chatStore.get();
  const list = s.messages[roomId];
  if (!list) return;
  const need = questionsNeedingReplies(list, { olderExists: canLoadOlder(list, s.olderDone[roomId] ?? false), fetched: s.replies });
  if (need.length > 0) void loadReplies(roomId, need);
}
