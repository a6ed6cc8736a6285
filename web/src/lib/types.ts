// Wire types of the REST API and the Socket.IO /chat namespace (README, SPEC §3/§4).

import type * as wire from "./wire";

export type Role = "user" | "admin";

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface AuthResponse {
  user: User;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export type MessageRole = "user" | "assistant" | "system";

export interface Message {
  id: string;
  roomId: string;
  seq: number;
  userId: string | null;
  userName: string | null;
  role: MessageRole;
  content: string;
  status: string;
  model: string | null;
  replyTo: string | null;
  clientId: string | null;
  error?: string | null;
  createdAt: string;
  /** Set when its author edited the text (docs/conversations.md). */
  editedAt?: string | null;
  /** Set on a tombstone: a deleted message keeps its row (and seq) with empty content. */
  deletedAt?: string | null;
  /** An answer: the question text it replied to, when the question was edited since (else null). */
  prompt?: string | null;
  /** A question: the answer (branch) the room follows; null or absent means the newest. */
  activeReply?: string | null;
}

/** When the assistant answers in a room (SPEC §6). */
export type AiMode = "always" | "mention" | "off";
export const AI_MODES: readonly AiMode[] = ["always", "mention", "off"];

export type MemberRole = "owner" | "member";

export interface Room {
  id: string;
  name: string;
  description?: string | null;
  /** Null for the built-in `general` room. */
  ownerId?: string | null;
  visibility: "private" | "public";
  systemPrompt?: string | null;
  model?: string | null;
  aiMode?: AiMode;
  /** The caller's role in this room. */
  myRole?: MemberRole;
  lastSeq: number;
  lastReadSeq?: number;
  unreadCount: number;
  memberCount?: number;
  lastMessage?: Message | null;
  /** Preview from a `roomActivity` event (newer than lastMessage when set). */
  preview?: string;
  updatedAt?: string;
}

export interface Member {
  userId: string;
  name: string;
  email?: string;
  role: MemberRole;
  lastReadSeq?: number;
  joinedAt?: string;
}

/** PATCH /api/rooms/:id: absent fields stay, `null` clears an optional one. */
export interface RoomPatch {
  name?: string;
  systemPrompt?: string | null;
  model?: string | null;
  aiMode?: AiMode;
}

/** A signed-in device (GET /api/auth/sessions). */
export interface Session {
  id: string;
  userAgent: string | null;
  signedInAt: string;
  lastUsedAt: string;
  expiresAt: string;
  /** The device making the request. */
  current: boolean;
}

export interface ModelInfo {
  id: string;
  provider: string;
  label: string;
  demo?: boolean;
  default?: boolean;
}

export interface ErrorBody {
  code: string;
  message: string;
  retryAfter?: number;
  details?: unknown;
}

// The payloads of server events are generated from the server's Rust types (wire.ts, checked by
// a server test); these names are what the app calls them.
export type StreamSnapshot = wire.StreamingAnswer;

export interface JoinAck {
  room: Room;
  members: Member[];
  /** User ids of the members (of `members`) that are online. */
  online: string[];
  messages: Message[];
  hasMore: boolean;
  streaming: StreamSnapshot[];
}

/** `stream`: an answer's start, a chunk, or its end, read through one shape. */
export type StreamEvent = Pick<wire.StreamChunk, "roomId" | "messageId"> &
  Partial<Omit<wire.StreamStart & wire.StreamChunk & wire.StreamEnd, "roomId" | "messageId">>;

/** `user_status`: a user's first device connected or last one went away. */
export type UserStatusEvent = wire.UserStatus;

export type TypingEvent = wire.UserTyping;

export type RoomActivity = wire.RoomActivity;

/** `memberAdded` / `memberRemoved`: sent to the room's members and to the user concerned. */
export type MemberEvent = wire.MemberAdded | wire.MemberRemoved;

/** `roomUpdated`: a room's settings changed (what `GET /api/rooms/:id` shows of them). */
export type RoomUpdatedEvent = wire.RoomUpdated;

/** `sessionRevoked`: this device was signed out elsewhere; the server disconnects it next. */
export type SessionRevokedEvent = wire.SessionRevoked;

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
