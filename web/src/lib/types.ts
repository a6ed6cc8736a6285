// Wire types of the REST API and the Socket.IO /chat namespace (README, SPEC §3/§4).

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
}

export interface Room {
  id: string;
  name: string;
  description?: string | null;
  visibility: "private" | "public";
  model?: string | null;
  aiMode?: string;
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
  role: string;
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

export interface StreamSnapshot {
  messageId: string;
  content: string;
  nextIndex: number;
}

export interface JoinAck {
  room: Room;
  members: Member[];
  online: string[] | unknown[];
  messages: Message[];
  hasMore: boolean;
  streaming: StreamSnapshot[];
}

export interface StreamEvent {
  roomId: string;
  messageId: string;
  start?: true;
  end?: true;
  model?: string;
  replyTo?: string | null;
  token?: string;
  index?: number;
  status?: string;
  content?: string;
  error?: string | null;
}

export interface RoomActivity {
  roomId: string;
  seq: number;
  createdAt: string;
  preview: string;
}

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
