// The admin API (`/api/admin/*`): typed calls over lib/api.ts's authenticated request (token
// refresh included). Only the data hooks (data.ts) call these; components never do.
import { ApiError, freshAccessToken, parseError, refreshTokens, request } from "../lib/api";
import type { AuditPage, Dashboard, ErrorPage, RoomPage, Thread, UsageGroup, UsageReport, AdminUser, UserPage, UserPatch } from "./types";

type Params = Record<string, string | number | null | undefined>;

/** `?a=1&b=x` of the params that are set (empty strings count as unset). */
export function queryString(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const qs = q.toString();
  return qs ? "?" + qs : "";
}

const id = (value: string) => encodeURIComponent(value);

export interface UsageQuery {
  groupBy: UsageGroup;
  /** `YYYY-MM-DD`, both ends included. */
  from: string;
  to: string;
}

export interface AuditQuery {
  action?: string;
  /** RFC 3339. */
  from?: string;
  to?: string;
  before?: string | null;
  limit?: number;
}

/** The CSV endpoint's path under /api (what the download link points at). */
export function usageCsvPath(q: UsageQuery): string {
  return "/admin/usage" + queryString({ groupBy: q.groupBy, from: q.from, to: q.to, format: "csv" });
}

export const adminApi = {
  dashboard: (days: number) => request<Dashboard>("/admin/dashboard" + queryString({ days })),
  users: (search: string, after: string | null, limit?: number) =>
    request<UserPage>("/admin/users" + queryString({ search, after, limit })),
  updateUser: (userId: string, patch: UserPatch) =>
    request<AdminUser>("/admin/users/" + id(userId), { method: "PATCH", body: patch }),
  rooms: (search: string, after: string | null, limit?: number) =>
    request<RoomPage>("/admin/rooms" + queryString({ search, after, limit })),
  deleteRoom: (roomId: string) => request<unknown>("/admin/rooms/" + id(roomId), { method: "DELETE" }),
  thread: (roomId: string, before: number | null, limit?: number) =>
    request<Thread>("/admin/rooms/" + id(roomId) + "/thread" + queryString({ before, limit })),
  usage: (q: UsageQuery) => request<UsageReport>("/admin/usage" + queryString({ groupBy: q.groupBy, from: q.from, to: q.to })),
  audit: (q: AuditQuery) => request<AuditPage>("/admin/audit" + queryString({ ...q })),
  errors: (before: string | null, limit?: number) => request<ErrorPage>("/admin/errors" + queryString({ before, limit })),

  /** The usage report as CSV. A plain link cannot send the bearer token, so it is fetched here
   *  (refreshing the token once on a 401, as `request` does) and saved from a Blob. */
  async usageCsv(q: UsageQuery): Promise<Blob> {
    const send = (token: string | null) =>
      fetch("/api" + usageCsvPath(q), { headers: token ? { authorization: "Bearer " + token } : {} });
    let res = await send(await freshAccessToken());
    if (res.status === 401) {
      const token = await refreshTokens();
      if (!token) throw new ApiError(401, "unauthorized", "session expired");
      res = await send(token);
    }
    if (!res.ok) throw await parseError(res);
    return res.blob();
  },
};
