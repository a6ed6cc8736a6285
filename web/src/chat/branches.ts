// Branches (pure, no I/O): the answers to one question (same `replyTo`) are its branches, in seq
// order. The list shows one of them, the question's `activeReply` or else the newest, where the
// question's first answer sits, with `k/n` to switch; the question above it shows the text that
// answer replied to (its `prompt`, when the question was edited since).
import type { Message } from "../lib/types";
import type { BranchChoices } from "./edits";
import type { ChatMessage } from "./messages";
import { rowView, type ViewMessage } from "./view";

/** Where the shown answer is among its question's branches. */
export interface BranchInfo {
  questionId: string;
  /** 0-based: branch 0 is the first answer. */
  index: number;
  count: number;
  prevId: string | null;
  nextId: string | null;
}

export interface ShownMessage extends ViewMessage {
  /** On an answer: its place among the question's branches. */
  branch?: BranchInfo;
  /** On a question: `content` is the text the shown answer replied to, not the current one. */
  promptShown?: boolean;
}

export interface BranchSources {
  /** Every answer of a question as `GET …/replies` gave it, for questions whose answers are not
   *  all in the loaded history. */
  replies?: Readonly<Record<string, readonly Message[]>>;
  /** The choice of questions that are not in the list (see chat/edits.ts). */
  choices?: BranchChoices;
}

const isAnswer = (v: ViewMessage): v is ViewMessage & { replyTo: string } => v.role === "assistant" && v.replyTo !== null;

/** Stored answers by seq; answers still without a row (a stream that just started) are the
 *  newest, after them, in the order given. */
function seqOf(v: ViewMessage): number {
  const seq = v.message?.seq ?? 0;
  return seq > 0 && !v.message?.local ? seq : Number.POSITIVE_INFINITY;
}

/** A question's branches: the listed answers and those fetched over REST, once each (a listed
 *  answer's view wins: it has the live text), in branch order. */
export function branchesOf(listed: readonly ViewMessage[], fetched: readonly Message[] = []): ViewMessage[] {
  const byId = new Map<string, ViewMessage>();
  for (const m of fetched) byId.set(m.id, rowView(m));
  for (const v of listed) byId.set(v.id, v);
  const order = new Map(listed.map((v, i) => [v.id, i]));
  return [...byId.values()].sort((a, b) => {
    const sa = seqOf(a);
    const sb = seqOf(b);
    if (sa !== sb) return sa < sb ? -1 : 1;
    return (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0);
  });
}

/** The answer a question follows among its branches: `active` when it is one, else the newest. */
export function pickShown(branches: readonly ViewMessage[], active: string | null | undefined): number {
  if (active) {
    const i = branches.findIndex((v) => v.id === active);
    if (i >= 0) return i;
  }
  return branches.length - 1;
}

/** The list as shown: one answer per question (with its branch info), placed where the
 *  question's first listed answer is (right after the question when none is listed), and
 *  questions showing the text their shown answer replied to. */
export function arrangeBranches(items: readonly ViewMessage[], sources: BranchSources = {}): ShownMessage[] {
  const { replies = {}, choices = {} } = sources;
  const listed = new Map<string, ViewMessage[]>();
  for (const v of items) {
    if (!isAnswer(v)) continue;
    const group = listed.get(v.replyTo);
    if (group) group.push(v);
    else listed.set(v.replyTo, [v]);
  }
  const questions = new Map<string, ViewMessage>();
  for (const v of items) if (v.role === "user") questions.set(v.id, v);

  const shown = new Map<string, ShownMessage>();
  for (const qid of new Set([...listed.keys(), ...Object.keys(replies)])) {
    const branches = branchesOf(listed.get(qid) ?? [], replies[qid] ?? []);
    if (branches.length === 0) continue;
    const q = questions.get(qid);
    const active = q ? q.message?.activeReply : choices[qid];
    const index = pickShown(branches, active);
    shown.set(qid, {
      ...branches[index]!,
      branch: {
        questionId: qid,
        index,
        count: branches.length,
        prevId: branches[index - 1]?.id ?? null,
        nextId: branches[index + 1]?.id ?? null,
      },
    });
  }

  const out: ShownMessage[] = [];
  const placed = new Set<string>();
  for (const v of items) {
    if (isAnswer(v)) {
      if (placed.has(v.replyTo)) continue;
      placed.add(v.replyTo);
      out.push(shown.get(v.replyTo) ?? v);
      continue;
    }
    const answer = v.role === "user" ? shown.get(v.id) : undefined;
    const prompt = answer?.message?.prompt;
    const deleted = Boolean(v.message?.deletedAt);
    out.push(answer && typeof prompt === "string" && !deleted && prompt !== v.content ? { ...v, content: prompt, promptShown: true } : v);
    // Its answers are all outside the loaded history: the shown one goes right after it.
    if (answer && !listed.has(v.id)) {
      placed.add(v.id);
      out.push(answer);
    }
  }
  return out;
}

/** Questions whose answers may not all be loaded, so their branches are asked for over REST:
 *  a listed question following an answer that is not listed, and the questions (older than the
 *  loaded history) of listed answers when older history exists. `fetched` are skipped. */
export function questionsNeedingReplies(
  list: readonly ChatMessage[],
  opts: { olderExists: boolean; fetched: Readonly<Record<string, unknown>> },
): string[] {
  const ids = new Set(list.map((m) => m.id));
  const need = new Set<string>();
  for (const m of list) {
    if (m.local) continue;
    if (m.role === "user" && m.activeReply && !ids.has(m.activeReply)) need.add(m.id);
    if (m.role === "assistant" && m.replyTo && !ids.has(m.replyTo) && opts.olderExists) need.add(m.replyTo);
  }
  return [...need].filter((id) => !(id in opts.fetched)).sort();
}
