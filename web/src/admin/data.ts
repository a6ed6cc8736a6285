// Data for the admin pages: hooks that fetch through api.ts and hold what came back, so the
// page components only render state and call the actions these return. A hook's loader is
// identified by its useCallback identity: new parameters mean a new first page, and an answer
// that arrives for parameters no longer current is dropped.
import { useCallback, useEffect, useState } from "react";
import { api } from "../lib/api";
import type { MessageDto } from "../lib/wire";
import { adminApi, type AuditQuery, type UsageQuery } from "./api";
import { saveBlob } from "./download";
import { csvFilename } from "./format";
import type { AdminRoom, AdminUser, AuditEntry, FailedAnswer, UserPatch } from "./types";

export interface Async<T> {
  /** The last answer for the current parameters (kept while reloading them). */
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` whenever it changes identity (or on `reload`) and holds its result. */
export function useAsync<T>(load: () => Promise<T>): Async<T> {
  const [version, setVersion] = useState(0);
  const [result, setResult] = useState<{ load: unknown; version: number; data?: T; error?: unknown }>({ load: null, version: -1 });
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setResult({ load, version, data }),
      (error: unknown) => live && setResult({ load, version, error }),
    );
    return () => {
      live = false;
    };
  }, [load, version]);
  const same = result.load === load;
  return {
    data: same ? result.data : undefined,
    error: same && result.version === version ? result.error : undefined,
    loading: !same || result.version !== version,
    reload: useCallback(() => setVersion((v) => v + 1), []),
  };
}

/** One page of a list and the cursor of the next (null: none), with what else came with it. */
export interface PageOf<T, C, M = undefined> {
  items: T[];
  next: C | null;
  meta?: M;
}

export interface Paged<T, M = undefined> {
  items: T[];
  /** What came with the first page (the thread's room). */
  meta: M | undefined;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  more: () => void;
  reload: () => void;
  /** Changes the loaded items in place (an updated or deleted row). */
  update: (change: (items: T[]) => T[]) => void;
}

interface PagedState<T, C, M> {
  source: unknown;
  version: number;
  items: T[];
  next: C | null;
  meta?: M;
  error?: unknown;
  loadingMore: boolean;
}

/** A list read page by page with a cursor: `fetchPage(null)` is the first page, `more()` asks
 *  for the next and appends it (or, with `prepend`, puts it first: older messages). */
export function usePaged<T, C, M = undefined>(fetchPage: (cursor: C | null) => Promise<PageOf<T, C, M>>, prepend = false): Paged<T, M> {
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<PagedState<T, C, M>>({ source: null, version: -1, items: [], next: null, loadingMore: false });

  useEffect(() => {
    let live = true;
    fetchPage(null).then(
      (page) => live && setState({ source: fetchPage, version, items: page.items, next: page.next, meta: page.meta, loadingMore: false }),
      (error: unknown) => live && setState({ source: fetchPage, version, items: [], next: null, error, loadingMore: false }),
    );
    return () => {
      live = false;
    };
  }, [fetchPage, version]);

  const current = state.source === fetchPage && state.version === version;
  const next = current ? state.next : null;
  const busy = current && state.loadingMore;

  const more = useCallback(() => {
    if (next === null || busy) return;
    const mine = (s: PagedState<T, C, M>) => s.source === fetchPage && s.version === version;
    setState((s) => (mine(s) ? { ...s, loadingMore: true, error: undefined } : s));
    fetchPage(next).then(
      (page) =>
        setState((s) =>
          mine(s) ? { ...s, items: prepend ? [...page.items, ...s.items] : [...s.items, ...page.items], next: page.next, loadingMore: false } : s,
        ),
      (error: unknown) => setState((s) => (mine(s) ? { ...s, error, loadingMore: false } : s)),
    );
  }, [fetchPage, version, next, busy, prepend]);

  return {
    items: state.source === fetchPage ? state.items : [],
    meta: state.source === fetchPage ? state.meta : undefined,
    loading: !current,
    loadingMore: busy,
    error: current ? state.error : undefined,
    hasMore: next !== null,
    more,
    reload: useCallback(() => setVersion((v) => v + 1), []),
    update: useCallback((change: (items: T[]) => T[]) => setState((s) => ({ ...s, items: change(s.items) })), []),
  };
}

/** `value`, once it has stopped changing for `ms` (search boxes ask once per pause). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** The signed-in user (is it an admin?). */
export function useMe() {
  return useAsync(api.me);
}

export function useDashboard(days: number) {
  return useAsync(useCallback(() => adminApi.dashboard(days), [days]));
}

export function useUsers(search: string) {
  const list = usePaged<AdminUser, string>(
    useCallback((after) => adminApi.users(search, after).then((p) => ({ items: p.users, next: p.nextCursor })), [search]),
  );
  const { update } = list;
  /** Applies a change on the server, then shows the user as the server answered. */
  const save = useCallback(
    async (userId: string, patch: UserPatch) => {
      const user = await adminApi.updateUser(userId, patch);
      update((items) => items.map((u) => (u.id === user.id ? user : u)));
    },
    [update],
  );
  return { ...list, save };
}

export function useRooms(search: string) {
  const list = usePaged<AdminRoom, string>(
    useCallback((after) => adminApi.rooms(search, after).then((p) => ({ items: p.rooms, next: p.nextCursor })), [search]),
  );
  const { update } = list;
  const remove = useCallback(
    async (roomId: string) => {
      await adminApi.deleteRoom(roomId);
      update((items) => items.filter((r) => r.id !== roomId));
    },
    [update],
  );
  return { ...list, remove };
}

/** A room's messages, oldest first; `more()` puts the previous page before them. */
export function useThread(roomId: string) {
  return usePaged<MessageDto, number, AdminRoom>(
    useCallback(
      (before) =>
        adminApi.thread(roomId, before).then((p) => ({
          items: p.messages,
          next: p.hasMore && p.messages[0] ? p.messages[0].seq : null,
          meta: p.room,
        })),
      [roomId],
    ),
    true,
  );
}

export function useUsage(query: UsageQuery) {
  const { groupBy, from, to } = query;
  const report = useAsync(useCallback(() => adminApi.usage({ groupBy, from, to }), [groupBy, from, to]));
  const download = useCallback(async () => {
    saveBlob(await adminApi.usageCsv({ groupBy, from, to }), csvFilename(groupBy, from, to));
  }, [groupBy, from, to]);
  return { ...report, download };
}

export function useAudit(filter: Omit<AuditQuery, "before">) {
  const { action, from, to, limit } = filter;
  return usePaged<AuditEntry, string>(
    useCallback(
      (before) => adminApi.audit({ action, from, to, limit, before }).then((p) => ({ items: p.entries, next: p.nextCursor })),
      [action, from, to, limit],
    ),
  );
}

export function useErrors() {
  return usePaged<FailedAnswer, string>(
    useCallback((before: string | null) => adminApi.errors(before).then((p) => ({ items: p.errors, next: p.nextCursor })), []),
  );
}
