// A tiny hash router: #/login, #/signup, #/ (chat), #/r/<roomId>, #/admin.
import { createStore, useStore } from "./store";

export type Route =
  | { name: "login" }
  | { name: "signup" }
  | { name: "chat"; roomId: string | null }
  | { name: "admin" };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  if (path === "/login") return { name: "login" };
  if (path === "/signup") return { name: "signup" };
  if (path === "/admin") return { name: "admin" };
  const m = /^\/r\/([^/]+)$/.exec(path);
  if (m?.[1]) return { name: "chat", roomId: decodeURIComponent(m[1]) };
  return { name: "chat", roomId: null };
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

export const roomPath = (roomId: string) => "/r/" + encodeURIComponent(roomId);
