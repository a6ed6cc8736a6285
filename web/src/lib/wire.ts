// Generated from the Rust types of crates/protocol by `make wire-types`; do not edit.
// A test (crates/protocol/tests/wire_types.rs) fails when this file is stale.

/** When the assistant answers in a room (SPEC §6). */
export type AiMode = "always" | "mention" | "off";

/** `stop` and `regenerate`. */
export interface AnswerAck {
  messageId: MessageId;
  roomId: RoomId;
}

/**
 * `stop`, `regenerate` and `selectBranch` (an answer), `delete` (one's own message): a message in
 * a room.
 */
export interface AnswerRef {
  messageId: string;
  roomId: string;
}

/** The author of a message, as the original front end expects it. */
export interface AuthorDto {
  id: UserId;
  name: string;
}

/** `branchSelected`: the room now follows `answerId` among the answers to `questionId`. */
export interface BranchSelected {
  answerId: MessageId;
  questionId: MessageId;
  roomId: RoomId;
}

/** `connected`: the first event on a new socket (the original client sends nothing before it). */
export interface Connected {
  /** The user's connected devices, this one included. */
  deviceCount: number;
  serverTime?: string | null;
  socketId: string;
  user: ConnectedUser;
  userId: UserId;
}

/** The signed-in user, as `connected` shows them. */
export interface ConnectedUser {
  email: string;
  id: UserId;
  name: string;
  role: UserRole;
}

/** `edit {roomId, messageId, content}`: new text for one's own message. */
export interface Edit {
  content: string;
  messageId: string;
  roomId: string;
}

/** `typing`: nothing to say. */
export type EmptyAck = Record<string, never>;

/** `exception`: a client event that failed and was sent without an ack callback. */
export interface Exception {
  code: string;
  message: string;
  retryAfter?: number | null;
  /** Always `error`. */
  status: string;
}

/** `join {roomId, since?}`. */
export interface Join {
  roomId: string;
  /** The last seq the client saw; the ack carries every later message. */
  since?: number | null;
}

/**
 * `join`: the room, its members (and who of them is online), the history from `since` (or the
 * newest), whether more follows, and answers still streaming.
 */
export interface JoinAck {
  hasMore: boolean;
  members: MemberDto[];
  messages: MessageDto[];
  online: UserId[];
  room: RoomDto;
  streaming: StreamingAnswer[];
}

/**
 * `memberAdded`, to every member's sockets and the new member's; for a new room, to each of
 * its first members alone.
 */
export interface MemberAdded {
  roomId: RoomId;
  userId: UserId;
}

export interface MemberDto {
  /** Only for the member themself, the room's owner and admins; never in `general`. */
  email?: string | null;
  joinedAt: string;
  lastReadSeq: number;
  name: string;
  role: MemberRole;
  userId: UserId;
}

/** `memberRemoved`, to every member's sockets and the removed member's. */
export interface MemberRemoved {
  roomId: RoomId;
  userId: UserId;
}

/** A member's role within one room. */
export type MemberRole = "owner" | "member";

/**
 * `edit`, `delete` (the message as it now is) and `selectBranch` (the question, with its
 * `activeReply`).
 */
export interface MessageAck {
  message: MessageDto;
}

/** `messageDeleted`: the message is a tombstone now (its text is gone; its `seq` stays). */
export interface MessageDeleted {
  deletedAt?: string | null;
  messageId: MessageId;
  roomId: RoomId;
  seq: number;
}

export interface MessageDto {
  activeReply?: MessageId | null;
  clientId?: string | null;
  content: string;
  createdAt: string;
  deletedAt?: string | null;
  editedAt?: string | null;
  error?: string | null;
  id: MessageId;
  model?: string | null;
  /** On an answer: the question text it answered, when the question was edited since. */
  prompt?: string | null;
  replyTo?: MessageId | null;
  role: MessageRole;
  roomId: RoomId;
  seq: number;
  status: MessageStatus;
  /** Same as `content` (original clients read `text`). */
  text: string;
  /** Same as `createdAt` (original clients read `timestamp`). */
  timestamp: string;
  updatedAt: string;
  user?: AuthorDto | null;
  userId?: UserId | null;
  userName?: string | null;
}

/** `messageEdited`: the whole message as it now reads (`editedAt` set). */
export type MessageEdited = MessageDto;

export type MessageId = string;

/** Who wrote a message. */
export type MessageRole = "user" | "assistant" | "system";

/** Lifecycle of a message; only assistant answers pass through the non-`complete` states. */
export type MessageStatus = "complete" | "streaming" | "stopped" | "failed" | "interrupted";

/** `readSync` (and the `sync_read` ack): the user's read position in a room, for their devices. */
export interface ReadSync {
  roomId: RoomId;
  seq: number;
}

/** `leave`. */
export interface RoomAck {
  roomId: RoomId;
}

/** `roomActivity`: a new message in a room the socket is a member of but has not joined. */
export interface RoomActivity {
  createdAt?: string | null;
  /** The message's first characters. */
  preview: string;
  roomId: RoomId;
  seq: number;
}

/** `roomDeleted`, to every member's sockets. */
export interface RoomDeleted {
  roomId: RoomId;
}

export interface RoomDto {
  aiMode: AiMode;
  createdAt: string;
  description?: string | null;
  id: RoomId;
  lastMessage?: MessageDto | null;
  lastReadSeq: number;
  lastSeq: number;
  memberCount: number;
  model?: string | null;
  /** The caller's role in this room. */
  myRole: MemberRole;
  name: string;
  ownerId?: UserId | null;
  systemPrompt?: string | null;
  /** Messages by others after `lastReadSeq`. */
  unreadCount: number;
  updatedAt: string;
  visibility: RoomVisibility;
}

/** A UUID, or `general` for the built-in public room. */
export type RoomId = string;

/** `leave {roomId}`. */
export interface RoomOnly {
  roomId: string;
}

/** `roomUpdated`: the settings every member may read (what `GET /api/rooms/:id` shows of them). */
export interface RoomUpdated {
  aiMode: AiMode;
  description?: string | null;
  model?: string | null;
  name: string;
  roomId: RoomId;
  systemPrompt?: string | null;
  updatedAt?: string | null;
  visibility: RoomVisibility;
}

/** `private`: members only. `public`: any signed-in user may join and so become a member. */
export type RoomVisibility = "private" | "public";

/** `send {roomId, content, clientId?}`. */
export interface Send {
  clientId?: string | null;
  /** `text` is what the original client sends. */
  content: string;
  roomId: string;
}

/** `send`: the stored message; `duplicate` when its `clientId` had been sent before. */
export interface SendAck {
  duplicate: boolean;
  message: MessageDto;
}

export type SessionId = string;

/** `sessionRevoked`: this device's session ended; the server disconnects it next. */
export interface SessionRevoked {
  /** `signed_out`, `token_reused`, `deactivated`, or `ended` (noticed by a periodic check). */
  reason: string;
  sessionId: SessionId;
}

/** `stream` with a piece of an answer's text; `index` counts 0, 1, 2, … per answer. */
export interface StreamChunk {
  index: number;
  messageId: MessageId;
  roomId: RoomId;
  token: string;
}

/** `stream` at the end of an answer: how it ended, its whole text and its usage. */
export interface StreamEnd {
  content: string;
  /** Always `true`. */
  end: boolean;
  error?: string | null;
  messageId: MessageId;
  roomId: RoomId;
  status: MessageStatus;
  usage: UsageDto;
}

/** `stream` at the start of an answer: its message id, before any text. */
export interface StreamStart {
  messageId: MessageId;
  model?: string | null;
  replyTo?: MessageId | null;
  roomId: RoomId;
  /** Always `true`. */
  start: boolean;
}

/**
 * An answer still streaming when a socket joins: its text so far and the index of the next
 * chunk, so chunks that also arrive as events are recognised (no gap, no duplicate).
 */
export interface StreamingAnswer {
  content: string;
  messageId: MessageId;
  nextIndex: number;
}

/** `sync_read {roomId, seq}` or, as the original client sends it, `{roomId, messageId}`. */
export interface SyncRead {
  messageId?: string | null;
  roomId: string;
  seq?: number | null;
}

/** `typing {roomId, isTyping}`. */
export interface Typing {
  isTyping: boolean;
  roomId: string;
}

/** Token usage and cost (micro-dollars) of a finished answer. */
export interface UsageDto {
  cacheCreationTokens: number;
  cacheReadTokens: number;
  cost: number;
  inputTokens: number;
  outputTokens: number;
}

export interface UserDto {
  createdAt: string;
  email: string;
  id: UserId;
  isActive: boolean;
  lastLoginAt?: string | null;
  name: string;
  role: UserRole;
}

export type UserId = string;

/** `userJoined`: another socket joined a room this socket is in. */
export interface UserJoined {
  name: string;
  roomId: RoomId;
  userId: UserId;
  /** Same as `name` (the original client reads `userName`). */
  userName: string;
}

/** `userLeft`: another socket left a room this socket is in. */
export interface UserLeft {
  name: string;
  roomId: RoomId;
  userId: UserId;
  userName: string;
}

/** What a user may do across the whole server. */
export type UserRole = "user" | "admin";

/** `user_status`: a user sharing a room with this socket came online or went offline. */
export interface UserStatus {
  deviceCount: number;
  online: boolean;
  /** `online` or `offline` (the original client reads this). */
  status: string;
  userId: UserId;
  userName: string;
}

/** `userTyping`: another member started or stopped typing in a joined room. */
export interface UserTyping {
  isTyping: boolean;
  name: string;
  roomId: RoomId;
  userId: UserId;
  userName: string;
}

/** Every event the server emits on `/chat`, by name. */
export interface ServerEvents {
  branchSelected: BranchSelected;
  connected: Connected;
  exception: Exception;
  memberAdded: MemberAdded;
  memberRemoved: MemberRemoved;
  message: MessageDto;
  messageDeleted: MessageDeleted;
  messageEdited: MessageEdited;
  readSync: ReadSync;
  roomActivity: RoomActivity;
  roomDeleted: RoomDeleted;
  roomUpdated: RoomUpdated;
  sessionRevoked: SessionRevoked;
  stream: StreamStart | StreamChunk | StreamEnd;
  userJoined: UserJoined;
  userLeft: UserLeft;
  userTyping: UserTyping;
  user_status: UserStatus;
}
