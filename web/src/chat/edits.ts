// Edits, deletes and branch choices applied to a room's message list (pure, no I/O): what
// `messageEdited`, `messageDeleted`, `branchSelected` and a new answer's start do to it.
import type { BranchSelectedEvent, MessageDeletedEvent } from "../lib/conversationTypes";
import type { Message } from "../lib/types";
import type { ChatMessage } from "./messages";

/** Whether a message is a tombstone (deleted: its row stays, its text is gone). */
export function isDeleted(m: Pick<Message, "deletedAt">): boolean {
  return m.deletedAt !== undefined && m.deletedAt !== null;
}

/** Whether the user may edit or delete a message: their own stored question, not deleted. */
export function canModify(m: ChatMessage | null | undefined, userId: string | null): boolean {
  return Boolean(m && userId !== null && m.role === "user" && m.userId === userId && !m.local && !isDeleted(m));
}

function replaceAt(list: readonly ChatMessage[], i: number, m: ChatMessage): ChatMessage[] {
  const next = [...list];
  next[i] = m;
  return next;
}

/** `messageEdited` (or an edit's ack): the whole message replaces the listed one. A message not
 *  listed (outside the loaded history) changes nothing. An edit never undoes a deletion.
 *  A question's new text: its answers that replied to the text it had until now (`prompt` null)
 *  keep that text as their `prompt`, as the server records it. */
export function applyEdited(list: readonly ChatMessage[], m: Message): ChatMessage[] {
  const i = list.findIndex((x) => x.id === m.id);
  if (i < 0) return list as ChatMessage[];
  const prev = list[i]!;
  if (isDeleted(prev) && !isDeleted(m)) return list as ChatMessage[];
  // The server's copy of a question carries its activeReply; an event without it keeps ours.
  const activeReply = m.activeReply !== undefined ? m.activeReply : prev.activeReply;
  const next = replaceAt(list, i, { ...prev, ...m, ...(activeReply !== undefined ? { activeReply } : {}) });
  if (prev.role !== "user" || prev.content === m.content || isDeleted(m)) return next;
  return next.map((x) => (x.role === "assistant" && x.replyTo === m.id && !x.prompt ? { ...x, prompt: prev.content } : x));
}

/** The `prompt` of listed answers as the server has them (from `GET …/replies`). */
export function applyPrompts(list: readonly ChatMessage[], answers: readonly Message[]): ChatMessage[] {
  const prompts = new Map(answers.map((a) => [a.id, a.prompt ?? null]));
  let changed = false;
  const next = list.map((x) => {
    if (!prompts.has(x.id)) return x;
    const prompt = prompts.get(x.id)!;
    if ((x.prompt ?? null) === prompt) return x;
    changed = true;
    return { ...x, prompt };
  });
  return changed ? next : (list as ChatMessage[]);
}

/** `messageDeleted`: the listed message becomes a tombstone (`now` stands in for an event
 *  without its time). */
export function applyDeleted(list: readonly ChatMessage[], ev: MessageDeletedEvent, now = new Date().toISOString()): ChatMessage[] {
  const i = list.findIndex((x) => x.id === ev.messageId);
  if (i < 0) return list as ChatMessage[];
  const prev = list[i]!;
  return replaceAt(list, i, { ...prev, content: "", deletedAt: ev.deletedAt ?? prev.deletedAt ?? now });
}

/** Sets which answer a question follows (null: the newest). Returns the same list when the
 *  question is not listed or already follows it. */
export function setActiveReply(list: readonly ChatMessage[], questionId: string, answerId: string | null): ChatMessage[] {
  const i = list.findIndex((x) => x.id === questionId);
  if (i < 0) return list as ChatMessage[];
  const prev = list[i]!;
  if ((prev.activeReply ?? null) === answerId) return list as ChatMessage[];
  return replaceAt(list, i, { ...prev, activeReply: answerId });
}

/** `branchSelected`. */
export function applyBranchSelected(list: readonly ChatMessage[], ev: BranchSelectedEvent): ChatMessage[] {
  return setActiveReply(list, ev.questionId, ev.answerId);
}

/** The choices of questions that are not listed (their answers may be): question id → answer id,
 *  null for the newest. Listed questions keep theirs in `activeReply`. */
export type BranchChoices = Record<string, string | null>;

/** Records a choice for a question that is not listed (the same map when nothing changes). */
export function chooseUnlisted(choices: BranchChoices, list: readonly ChatMessage[], questionId: string, answerId: string | null): BranchChoices {
  if (list.some((m) => m.id === questionId)) return choices;
  if (choices[questionId] === answerId) return choices;
  return { ...choices, [questionId]: answerId };
}
