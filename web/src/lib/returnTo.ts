// Where to go after signing in, when a page sent the user to sign in first (a share link opened
// while signed out). Kept in sessionStorage: this tab only, gone with it.
const KEY = "chatbot.returnTo";

function storage(): Storage | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null;
  }
}

/** Remembers an app path (`/share/<token>`); anything that is not a path of this app is ignored. */
export function setReturnTo(path: string): void {
  if (/^\/[^/\\]/.test(path)) storage()?.setItem(KEY, path);
}

export function peekReturnTo(): string | null {
  const path = storage()?.getItem(KEY) ?? null;
  return path && /^\/[^/\\]/.test(path) ? path : null;
}

export function clearReturnTo(): void {
  storage()?.removeItem(KEY);
}
