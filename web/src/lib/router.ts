// A tiny hash router: #/login, #/signup, #/ (chat), #/r/<roomId>, #/r/<roomId>/settings,
// #/account, #/admin[/users|/rooms|/rooms/<roomId>|/usage|/audit|/errors], #/share/<token> (a
// share link's snapshot; the address /share/<token> is the same page). The addresses /login and
// /signup are those pages too (the server sends a failed single sign-on to /login?ssoError=…);
// /auth/sso, where a single sign-on lands with the tokens in its fragment, is handled before the
// first route is read (auth/sso.ts).
import { finishSsoSignIn } from "../auth/sso";
import { createStore, useStore } from "./store";

export type Route =
  | { name: "login" }
  | { name: "signup" }
  | { name: "chat"; roomId: string | null }
  | { name: "roomSettings"; roomId: string }
  | { name: "account" }
  | { name: "admin"; page: AdminPage; roomId: string | null }
  | { name: "share"; token: string };

/** The admin console's pages; `thread` is one room's conversation (#/admin/rooms/<roomId>). */
export type AdminPage = "dashboard" | "users" | "rooms" | "thread" | "usage" | "audit" | "errors";
const ADMIN_PAGES = ["users", "rooms", "usage", "audit", "errors"];

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  if (path === "/login") return { name: "login" };
  if (path === "/signup") return { name: "signup" };
  const admin = /^\/admin(?:\/([a-z]+)(?:\/([^/]+))?)?\/?$/.exec(path);
  if (admin) {
    const [, sub = "", id] = admin;
    if (sub === "rooms" && id) return { name: "admin", page: "thread", roomId: safeDecode(id) };
    const page = !id && ADMIN_PAGES.includes(sub) ? (sub as AdminPage) : "dashboard";
    return { name: "admin", page, roomId: null };
  }
  if (path === "/account") return { name: "account" };
  const share = /^\/share\/([^/]+)\/?$/.exec(path);
  if (share?.[1]) return { name: "share", token: safeDecode(share[1]) };
  const m = /^\/r\/([^/]+)(\/settings)?$/.exec(path);
  if (m?.[1]) {
    const roomId = safeDecode(m[1]);
    return m[2] ? { name: "roomSettings", roomId } : { name: "chat", roomId };
  }
  return { name: "chat", roomId: null };
}

/** The hash of a page opened by its path (a share link `/share/<token>` the server serves the app
 *  at, or `/login` and `/signup`), or null when the address already has its route in the hash. */
export function hashFromPath(pathname: string, hash: string): string | null {
  if (hash !== "" && hash !== "#") return null;
  const m = /^\/share\/([^/]+)\/?$/.exec(pathname);
  if (m) return "#/share/" + m[1];
  const auth = /^\/(login|signup)\/?$/.exec(pathname);
  return auth ? "#/" + auth[1] : null;
}

if (typeof window !== "undefined") {
  // First the single sign-on landing page: its fragment holds tokens, not a route; they are kept
  // and the address replaced (by the chat or the saved return path) before anything reads it.
  finishSsoSignIn();
  const hash = hashFromPath(location.pathname, location.hash);
  if (hash) history.replaceState(history.state, "", "/" + location.search + hash);
}

const routeStore = createStore<Route>(
  typeof location === "undefined" ? { name: "chat", roomId: null } : parseHash(location.hash),
);

if (typeof window !== "undefined") {
  window.addEventListener("hashchange", () => routeStore.set(parseHash(location.hash)));
}

export function navigate(path: string): void {
  if (location.hash !== "#" + path) location.hash = path;
}

export function useRoute(): Route {
  return useStore(routeStore);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export const roomPath = (roomId: string) => "/r/" + encodeURIComponent(roomId);
export const settingsPath = (roomId: string) => roomPath(roomId) + "/settings";
