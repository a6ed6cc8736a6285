// Token storage (localStorage) and a tiny subscription for "signed in / signed out".

const ACCESS = "chatbot.accessToken";
const REFRESH = "chatbot.refreshToken";

type Listener = () => void;
const listeners = new Set<Listener>();

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export function getAccessToken(): string | null {
  return storage()?.getItem(ACCESS) ?? null;
}

export function getRefreshToken(): string | null {
  return storage()?.getItem(REFRESH) ?? null;
}

export function setTokens(access: string, refresh: string): void {
  const s = storage();
  s?.setItem(ACCESS, access);
  s?.setItem(REFRESH, refresh);
  listeners.forEach((l) => l());
}

export function clearTokens(): void {
  const s = storage();
  s?.removeItem(ACCESS);
  s?.removeItem(REFRESH);
  listeners.forEach((l) => l());
}

export function onTokensChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Seconds until the JWT expires (negative when expired); null when unreadable. */
export function secondsLeft(token: string, now = Date.now()): number | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const exp = (JSON.parse(json) as { exp?: number }).exp;
    return typeof exp === "number" ? exp - now / 1000 : null;
  } catch {
    return null;
  }
}
