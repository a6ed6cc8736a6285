// Addresses of the admin pages (lib/router.ts parses them).
import type { AdminPage } from "../lib/router";

/** The pages of the admin navigation, in order; the conversation viewer sits under `rooms`. */
export const NAV_PAGES = ["dashboard", "users", "rooms", "usage", "audit", "errors"] as const satisfies readonly AdminPage[];
export type NavPage = (typeof NAV_PAGES)[number];

export function adminPath(page: NavPage): string {
  return page === "dashboard" ? "/admin" : "/admin/" + page;
}

export function threadPath(roomId: string): string {
  return "/admin/rooms/" + encodeURIComponent(roomId);
}

/** The navigation entry a page belongs to (the conversation viewer: rooms). */
export function navPageOf(page: AdminPage): NavPage {
  return page === "thread" ? "rooms" : page;
}
