// Typed REST client. Tokens live in localStorage; a 401 triggers one refresh (single-flight:
// concurrent callers share it, because a refresh token presented twice signs the device out),
// then the request is retried once. A failed refresh ends the session (back to sign-in).
import {
  clearTokens,
  getAccessToken,
  getRefreshToken,
  secondsLeft,
  setTokens,
} from "./tokens";
import type { AuthResponse, ErrorBody, Member, Message, ModelInfo, Room, RoomPatch, Session, User } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
    /** `details` of the error body (for validation errors: `{field}`). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const BASE = "/api";
let refreshing: Promise<string | null> | null = null;

/** Reads `{error: {code, message, details?, retryAfter?}}`; the top-level `message` and
 *  `statusCode` some bodies also carry (for older clients) are not needed. */
export async function parseError(res: Response): Promise<ApiError> {
  let body: { error?: ErrorBody } = {};
  try {
    body = (await res.json()) as { error?: ErrorBody };
  } catch {
    /* not JSON */
  }
  const e = body.error;
  return new ApiError(res.status, e?.code ?? "http_" + res.status, e?.message ?? res.statusText, e?.retryAfter, e?.details);
}

/** Exchanges the refresh token for a new pair. Single-flight; resolves to the new access token,
 *  or null when the session is over (tokens are then cleared). */
export function refreshTokens(): Promise<string | null> {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    const refreshToken = getRefreshToken();
    if (!refreshToken) {
      clearTokens();
      return null;
    }
    try {
      const res = await fetch(BASE + "/auth/refresh", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken }),
      });
      if (res.ok) {
        const body = (await res.json()) as AuthResponse;
        setTokens(body.accessToken, body.refreshToken);
        return body.accessToken;
      }
      if (res.status === 401 || res.status === 403 || res.status === 404) {
        clearTokens(); // expired or revoked session: back to sign-in
        return null;
      }
      throw await parseError(res);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** An access token valid for at least `margin` more seconds (refreshing when needed). */
export async function freshAccessToken(margin = 30): Promise<string | null> {
  const token = getAccessToken();
  if (!token) return getRefreshToken() ? refreshTokens() : null;
  const left = secondsLeft(token);
  if (left !== null && left < margin) return refreshTokens();
  return token;
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  auth?: boolean;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return (await requestWithStatus<T>(path, opts)).body;
}

/** As `request`, with the response status (e.g. 201 created vs 200 already there). */
export async function requestWithStatus<T>(path: string, opts: RequestOptions = {}): Promise<{ status: number; body: T }> {
  const { method = "GET", body, auth = true } = opts;
  const send = (token: string | null) =>
    fetch(BASE + path, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(auth && token ? { authorization: "Bearer " + token } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  let res = await send(auth ? await freshAccessToken() : null);
  if (auth && res.status === 401) {
    const token = await refreshTokens();
    if (!token) throw new ApiError(401, "unauthorized", "session expired");
    res = await send(token);
    if (res.status === 401) clearTokens();
  }
  if (!res.ok) throw await parseError(res);
  return { status: res.status, body: (await readBody(res)) as T };
}

/** The JSON body, or undefined when there is none: a DELETE may answer 204 No Content or 200
 *  with a small JSON body (`{ok, id}`), and callers of such requests use neither. */
async function readBody(res: Response): Promise<unknown> {
  if (res.status === 204 || res.status === 205) return undefined;
  const text = await res.text();
  return text.trim() === "" ? undefined : JSON.parse(text);
}

async function authenticate(path: string, body: unknown): Promise<User> {
  const res = await request<AuthResponse>(path, { method: "POST", body, auth: false });
  setTokens(res.accessToken, res.refreshToken);
  return res.user;
}

export const api = {
  register: (email: string, name: string, password: string) =>
    authenticate("/auth/register", { email, name, password }),
  login: (email: string, password: string) => authenticate("/auth/login", { email, password }),
  async logout(): Promise<void> {
    const refreshToken = getRefreshToken();
    try {
      if (refreshToken) await request<void>("/auth/logout", { method: "POST", body: { refreshToken }, auth: false });
    } finally {
      clearTokens();
    }
  },
  me: () => request<User | { user: User }>("/auth/me").then((r) => ("user" in r ? r.user : r)),
  rooms: () => request<{ rooms: Room[] } | Room[]>("/rooms").then((r) => (Array.isArray(r) ? r : r.rooms)),
  createRoom: (name: string) =>
    request<Room | { room: Room }>("/rooms", { method: "POST", body: { name } }).then((r) =>
      "room" in r ? r.room : r,
    ),
  /** History in ascending seq order: `before` pages backwards, `after` forwards (limit ≤ 200). */
  messages: (roomId: string, params: { before?: number; after?: number; limit?: number } = {}) =>
    request<{ messages: Message[] }>(roomUrl(roomId) + "/messages" + query(params)).then((r) => r.messages),
  models: () => request<{ models: ModelInfo[] }>("/models", { auth: false }).then((r) => r.models),
  room: (roomId: string) => request<{ room: Room }>(roomUrl(roomId)).then((r) => r.room),
  updateRoom: (roomId: string, patch: RoomPatch) =>
    request<{ room: Room }>(roomUrl(roomId), { method: "PATCH", body: patch }).then((r) => r.room),
  deleteRoom: (roomId: string) => request<void>(roomUrl(roomId), { method: "DELETE" }),
  members: (roomId: string, params: { after?: string; limit?: number } = {}) =>
    request<{ members: Member[] }>(roomUrl(roomId) + "/members" + query(params)).then((r) => r.members),
  /** Adds a member by email; `created` is false when they already were one. */
  addMember: (roomId: string, email: string) =>
    requestWithStatus<{ member: Member }>(roomUrl(roomId) + "/members", { method: "POST", body: { email } }).then((r) => ({
      member: r.body.member,
      created: r.status === 201,
    })),
  /** Removes a member (owner or admin), or leaves the room when `userId` is the caller. */
  removeMember: (roomId: string, userId: string) =>
    request<void>(roomUrl(roomId) + "/members/" + encodeURIComponent(userId), { method: "DELETE" }),
  sessions: () => request<{ sessions: Session[] }>("/auth/sessions").then((r) => r.sessions),
  revokeSession: (id: string) => request<void>("/auth/sessions/" + encodeURIComponent(id), { method: "DELETE" }),
};

function roomUrl(roomId: string): string {
  return "/rooms/" + encodeURIComponent(roomId);
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return qs ? "?" + qs : "";
}
