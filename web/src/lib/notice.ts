// One short, non-blocking notice at a time (e.g. "you were removed from a room"), shown by
// ui/NoticeToast.tsx over whichever page is up. It holds a string key, translated when shown,
// so a language switch applies to it too. Plain notices go away by themselves; sticky ones
// (why the app went back to sign-in) stay until dismissed or the next sign-in.
import type { StringKey } from "./i18n";
import { createStore, useStore } from "./store";

export interface Notice {
  id: number;
  key: StringKey;
  vars?: Record<string, string | number>;
  sticky: boolean;
}

/** How long a plain notice stays up, in ms. */
export const NOTICE_MS = 6000;

const noticeStore = createStore<Notice | null>(null);
let nextId = 1;
let timer: ReturnType<typeof setTimeout> | null = null;

export function showNotice(key: StringKey, vars?: Record<string, string | number>, opts: { sticky?: boolean } = {}): void {
  if (timer) clearTimeout(timer);
  timer = null;
  const notice: Notice = { id: nextId++, key, ...(vars ? { vars } : {}), sticky: opts.sticky ?? false };
  noticeStore.set(notice);
  if (!notice.sticky) timer = setTimeout(() => dismissNotice(notice.id), NOTICE_MS);
}

/** Hides the notice (only notice `id`, when given: a newer one stays). */
export function dismissNotice(id?: number): void {
  const current = noticeStore.get();
  if (!current || (id !== undefined && current.id !== id)) return;
  if (timer) clearTimeout(timer);
  timer = null;
  noticeStore.set(null);
}

/** Hides a sticky notice (signed in again: the reason for signing in is moot). */
export function dismissStickyNotice(): void {
  const current = noticeStore.get();
  if (current?.sticky) dismissNotice(current.id);
}

export function currentNotice(): Notice | null {
  return noticeStore.get();
}

export function useNotice(): Notice | null {
  return useStore(noticeStore);
}
