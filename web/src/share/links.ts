// Share links (pure): the expiry choices of a new link, its address and whether it still works.
import type { StringKey } from "../lib/i18n";
import type { Share } from "../lib/conversationTypes";

export interface ExpiryOption {
  /** What the select holds. */
  value: string;
  label: StringKey;
  /** `expiresInHours` of the request; null: the link never expires. */
  hours: number | null;
}

export const EXPIRY_OPTIONS: readonly ExpiryOption[] = [
  { value: "never", label: "shareExpiry_never", hours: null },
  { value: "1d", label: "shareExpiry_1d", hours: 24 },
  { value: "7d", label: "shareExpiry_7d", hours: 7 * 24 },
  { value: "30d", label: "shareExpiry_30d", hours: 30 * 24 },
];

/** The `expiresInHours` of a select value (an unknown one: never). */
export function expiryHours(value: string): number | null {
  return EXPIRY_OPTIONS.find((o) => o.value === value)?.hours ?? null;
}

/** The app's route of a share token. */
export function sharePath(token: string): string {
  return "/share/" + encodeURIComponent(token);
}

/** The link to hand out: the server's `url` made absolute against this origin; the app's own
 *  address of the token when the server gave none. */
export function shareUrl(share: Pick<Share, "url" | "token">, origin: string): string {
  const url = share.url?.trim();
  if (url) {
    try {
      return new URL(url, origin).href;
    } catch {
      /* not a URL: fall back to ours */
    }
  }
  return origin + "/#" + sharePath(share.token);
}

export type ShareState = "active" | "revoked" | "expired";

export function shareState(share: Pick<Share, "revokedAt" | "expiresAt">, now: number): ShareState {
  if (share.revokedAt) return "revoked";
  if (share.expiresAt) {
    const at = Date.parse(share.expiresAt);
    if (!Number.isNaN(at) && at <= now) return "expired";
  }
  return "active";
}

/** Links that work first (newest first), then revoked and expired ones (newest first). */
export function sortShares(shares: readonly Share[], now: number): Share[] {
  const rank = (s: Share) => (shareState(s, now) === "active" ? 0 : 1);
  return [...shares].sort((a, b) => rank(a) - rank(b) || (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}
