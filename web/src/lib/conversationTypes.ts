// Payloads of the conversation features (docs/conversations.md): edits and deletes, branches,
// search and share links. The events come from the server's generated types (wire.ts); the REST
// bodies of search and share links are declared here until wire.ts carries them.
import type { Message, MessageRole } from "./types";
import type * as wire from "./wire";

/** `messageDeleted`: the message became a tombstone (empty content, `deletedAt` set). */
export type MessageDeletedEvent = wire.MessageDeleted;

/** `branchSelected`: the room now follows `answerId` for `questionId`. */
export type BranchSelectedEvent = wire.BranchSelected;

/** A piece of a search result's text; the matched terms have `match: true`. */
export interface SnippetPiece {
  text: string;
  match: boolean;
}

export interface SearchResult {
  messageId: string;
  roomId: string;
  roomName: string;
  seq: number;
  role: MessageRole;
  userName: string | null;
  createdAt: string;
  snippet: SnippetPiece[];
}

/** `GET /api/search`: one page, best match first; `nextBefore` (opaque) asks for the next. */
export interface SearchPage {
  results: SearchResult[];
  nextBefore: string | null;
}

export interface Share {
  id: string;
  token: string;
  url: string;
  roomId: string;
  upToSeq: number;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** `GET /api/shares/:token`: the snapshot a share link shows (the server shows its reader only
 *  some of the link's fields). */
export interface ShareSnapshot {
  share: Pick<Share, "upToSeq" | "createdAt" | "expiresAt"> & Partial<Share>;
  room: { name: string };
  messages: Message[];
}
