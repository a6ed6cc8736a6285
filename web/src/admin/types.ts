// Wire types of the admin API (`/api/admin/*`, SPEC §4), as the server sends them. Money is in
// micro-dollars (1 USD = 1,000,000) everywhere on the wire; days are `YYYY-MM-DD` (UTC) and
// times RFC 3339.
import type { MessageDto, UserRole } from "../lib/wire";

/** `GET /api/admin/dashboard?days=N`. */
export interface Dashboard {
  generatedAt: string;
  users: { total: number; active24h: number; active7d: number; admins: number; deactivated: number };
  rooms: { total: number };
  messages: { total: number };
  live: { connections: number; streams: number; queued: number };
  /** Oldest first; every day of the window is present (zeros included). */
  days: DayStats[];
  models: ModelStats[];
}

export interface DayStats {
  day: string;
  messages: number;
  answers: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

export interface ModelStats {
  provider: string;
  model: string;
  answers: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

/** A user as an administrator sees them (`GET /api/admin/users`, `PATCH /api/admin/users/:id`). */
export interface AdminUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  isActive: boolean;
  createdAt: string;
  lastLoginAt?: string | null;
  /** Last sign-in or token refresh. */
  lastActiveAt?: string | null;
  /** Tokens per day; null (or absent) = the server's default. */
  dailyTokenBudget?: number | null;
  /** Micro-dollars per day; null (or absent) = the server's default. */
  dailyCostBudget?: number | null;
}

export interface UserPage {
  users: AdminUser[];
  nextCursor: string | null;
}

/** `PATCH /api/admin/users/:id`: absent fields stay; a budget set to null goes back to the default. */
export interface UserPatch {
  role?: UserRole;
  isActive?: boolean;
  dailyTokenBudget?: number | null;
  dailyCostBudget?: number | null;
}

export interface AdminRoom {
  id: string;
  name: string;
  ownerId: string | null;
  ownerName: string | null;
  members: number;
  messages: number;
  lastActivityAt: string | null;
  createdAt: string;
  model: string | null;
  aiMode: string;
}

export interface RoomPage {
  rooms: AdminRoom[];
  nextCursor: string | null;
}

/** `GET /api/admin/rooms/:id/thread`: a page of the room's messages, oldest first. */
export interface Thread {
  room: AdminRoom;
  messages: MessageDto[];
  /** Older messages exist before the first one (`before` = its seq). */
  hasMore: boolean;
}

export type UsageGroup = "user" | "room" | "model" | "day";
export const USAGE_GROUPS: readonly UsageGroup[] = ["user", "room", "model", "day"];

export interface UsageTotals {
  answers: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costMicros: number;
}

export interface UsageRow extends UsageTotals {
  key: string;
  label: string;
}

/** `GET /api/admin/usage?groupBy&from&to` (`&format=csv`: the same rows as text/csv). */
export interface UsageReport {
  groupBy: UsageGroup;
  from: string;
  to: string;
  rows: UsageRow[];
  totals: UsageTotals;
}

/** One audit log entry (crates/http `AuditEntryDto`). */
export interface AuditEntry {
  id: string;
  /** Null for the system or an anonymous client. */
  actorId: string | null;
  actorEmail?: string | null;
  /** e.g. `user.deactivated`, `auth.login_failed`. */
  action: string;
  target: string | null;
  detail: unknown;
  createdAt: string;
}

/** Newest first; `nextCursor` is the `before` of the next page. */
export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

/** An answer that failed (`GET /api/admin/errors`). */
export interface FailedAnswer {
  messageId: string;
  roomId: string;
  roomName: string | null;
  model: string | null;
  /** The stable error code the answer failed with (`quota_exceeded`, `upstream`, …). */
  code: string | null;
  at: string;
}

export interface ErrorPage {
  errors: FailedAnswer[];
  nextCursor: string | null;
}
