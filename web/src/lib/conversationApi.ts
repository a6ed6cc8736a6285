// REST calls of the conversation features (docs/conversations.md): history around a message, a
// question's answers, search (cancellable), export (a file, fetched with the bearer token) and
// share links. Same authentication as lib/api.ts: a fresh token, one refresh and retry on a 401.
import { ApiError, freshAccessToken, parseError, refreshTokens, request } from "./api";
import type { SearchPage, Share, ShareSnapshot } from "./conversationTypes";
import type { Message } from "./types";

interface FetchOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** A request under /api with the bearer token (none when signed out); a 401 refreshes the token
 *  once and retries. Throws an ApiError for any error status; the caller reads the body. */
export async function authedFetch(path: string, opts: FetchOptions = {}): Promise<Response> {
  const { method = "GET", body, signal } = opts;
  const send = (token: string | null) =>
    fetch("/api" + path, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: "Bearer " + token } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      ...(signal ? { signal } : {}),
    });
  let res = await send(await freshAccessToken());
  if (res.status === 401) {
    const token = await refreshTokens();
    if (!token) throw new ApiError(401, "unauthorized", "not signed in");
    res = await send(token);
  }
  if (!res.ok) throw await parseError(res);
  return res;
}

const room = (roomId: string) => "/rooms/" + encodeURIComponent(roomId);
const message = (roomId: string, messageId: string) => room(roomId) + "/messages/" + encodeURIComponent(messageId);

export type ExportFormat = "md" | "json";

export const conversationApi = {
  /** History around `seq` (it included), in ascending seq order. */
  around: (roomId: string, seq: number, limit = 50) =>
    request<{ messages: Message[] }>(room(roomId) + "/messages?" + new URLSearchParams({ around: String(seq), limit: String(limit) }).toString()).then(
      (r) => r.messages,
    ),
  /** Every answer to a question, in branch order (branch k = index k). */
  replies: (roomId: string, questionId: string) =>
    request<{ messages: Message[] }>(message(roomId, questionId) + "/replies").then((r) => r.messages),
  /** One page of search results; `signal` cancels a request a newer query made stale. */
  async search(params: { q: string; before?: string | null; roomId?: string; limit?: number }, signal?: AbortSignal): Promise<SearchPage> {
    const q = new URLSearchParams({ q: params.q });
    if (params.before) q.set("before", params.before);
    if (params.roomId) q.set("roomId", params.roomId);
    if (params.limit !== undefined) q.set("limit", String(params.limit));
    const res = await authedFetch("/search?" + q.toString(), signal ? { signal } : {});
    const body = (await res.json()) as Partial<SearchPage>;
    return { results: body.results ?? [], nextBefore: body.nextBefore ?? null };
  },
  /** The room's history as a file: the Blob and the server's Content-Disposition header. */
  async exportRoom(roomId: string, format: ExportFormat): Promise<{ blob: Blob; disposition: string | null }> {
    const res = await authedFetch(room(roomId) + "/export?format=" + format);
    return { blob: await res.blob(), disposition: res.headers.get("content-disposition") };
  },
  shares: (roomId: string) => request<{ shares: Share[] }>(room(roomId) + "/shares").then((r) => r.shares),
  createShare: (roomId: string, expiresInHours: number | null) =>
    request<{ share: Share }>(room(roomId) + "/shares", {
      method: "POST",
      body: expiresInHours === null ? {} : { expiresInHours },
    }).then((r) => r.share),
  revokeShare: (roomId: string, shareId: string) =>
    request<void>(room(roomId) + "/shares/" + encodeURIComponent(shareId), { method: "DELETE" }),
  /** A share link's snapshot; an ApiError 401 when the server wants a signed-in reader. */
  async snapshot(token: string): Promise<ShareSnapshot> {
    const res = await authedFetch("/shares/" + encodeURIComponent(token));
    return (await res.json()) as ShareSnapshot;
  },
};
