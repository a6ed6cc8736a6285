// What the message list shows: stored messages with the live text of their streams, then
// streams whose row has not arrived yet (pure).
import type { ChatMessage } from "./messages";
import type { StreamState, Streams } from "./streams";

export interface ViewMessage {
  message: ChatMessage | null;
  id: string;
  role: string;
  status: string;
  content: string;
  userName: string | null;
  model: string | null;
  replyTo: string | null;
  error: string | null;
  streaming: boolean;
}

function fromStream(s: StreamState, m: ChatMessage | null): ViewMessage {
  return {
    message: m,
    id: s.messageId,
    role: "assistant",
    status: s.done ? s.status : "streaming",
    content: s.content,
    userName: m?.userName ?? null,
    model: s.model ?? m?.model ?? null,
    replyTo: s.replyTo ?? m?.replyTo ?? null,
    error: s.error ?? m?.error ?? null,
    streaming: !s.done,
  };
}

/** A stored message as the list shows it (no live stream text). */
export function rowView(m: ChatMessage): ViewMessage {
  return {
    message: m,
    id: m.id,
    role: m.role,
    status: m.local ?? m.status,
    content: m.content,
    userName: m.userName,
    model: m.model,
    replyTo: m.replyTo,
    error: m.error ?? null,
    streaming: m.status === "streaming",
  };
}

export function buildView(messages: readonly ChatMessage[], streams: Streams, roomId: string): ViewMessage[] {
  const out: ViewMessage[] = [];
  const seen = new Set<string>();
  for (const m of messages) {
    const s = streams[m.id];
    seen.add(m.id);
    out.push(s ? fromStream(s, m) : rowView(m));
  }
  for (const s of Object.values(streams)) if (s.roomId === roomId && !seen.has(s.messageId)) out.push(fromStream(s, null));
  return out;
}
