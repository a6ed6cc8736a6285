// Test fixtures shared by the chat modules' unit tests (imported by tests only).
import type { Message } from "../lib/types";

/** A stored user message with `seq` (id `m<seq>`, one second apart), overridden by `extra`. */
export function msg(seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: "m" + seq,
    roomId: "r",
    seq,
    userId: "u",
    userName: "Ada",
    role: "user",
    content: "message " + seq,
    status: "complete",
    model: null,
    replyTo: null,
    clientId: null,
    createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    ...extra,
  };
}
