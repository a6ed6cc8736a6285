// Single sign-on in the browser (docs/sso.md). The sign-in button is a full page navigation to
// the server's start URL; the server sends the browser back to
// `/auth/sso#accessToken=…&refreshToken=…&expiresIn=…` when it worked, or to
// `/login?ssoError=<reason>` when it did not. The fragment never reaches a server: it is read
// here once, the tokens kept as after a password sign-in, and the address replaced at once.
import type { StringKey } from "../lib/i18n";
import { peekReturnTo } from "../lib/returnTo";
import { setTokens } from "../lib/tokens";

/** The path the server sends a successful single sign-on to. */
export const SSO_LANDING_PATH = "/auth/sso";

export interface SsoTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lasts, as the server said; null when missing or not a number. */
  expiresIn: number | null;
}

/** The tokens in the landing page's fragment (`#accessToken=…&refreshToken=…&expiresIn=…`), or
 *  null when either token is missing. */
export function parseSsoFragment(hash: string): SsoTokens | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const accessToken = params.get("accessToken");
  const refreshToken = params.get("refreshToken");
  if (!accessToken || !refreshToken) return null;
  const raw = params.get("expiresIn");
  const expiresIn = raw === null || raw.trim() === "" ? NaN : Number(raw);
  return { accessToken, refreshToken, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : null };
}

/** What the landing page becomes: the tokens to keep (null when the fragment has none) and the
 *  address that replaces it (the saved return path or the chat; the sign-in page with an error
 *  when there were no tokens). */
export function ssoLanding(hash: string, returnTo: string | null): { tokens: SsoTokens | null; url: string } {
  const tokens = parseSsoFragment(hash);
  return { tokens, url: tokens ? "/#" + (returnTo ?? "/") : "/?ssoError=failed#/login" };
}

/** On the landing page (`/auth/sso`), keeps the tokens and replaces the address (and so the
 *  history entry) with the page to show; elsewhere does nothing. The router calls it before it
 *  reads its first route. */
export function finishSsoSignIn(): void {
  if (location.pathname.replace(/\/+$/, "") !== SSO_LANDING_PATH) return;
  const { tokens, url } = ssoLanding(location.hash, peekReturnTo());
  // Off the address bar and out of the history before anything else runs.
  history.replaceState(null, "", url);
  if (tokens) setTokens(tokens.accessToken, tokens.refreshToken);
}

/** Why a single sign-on failed, as the server names it in `?ssoError=`. */
export const SSO_ERRORS = [
  "refused",
  "expired",
  "rejected",
  "unverified_email",
  "deactivated",
  "unavailable",
  "bad_request",
  "not_configured",
  "failed",
] as const;
export type SsoError = (typeof SSO_ERRORS)[number];

/** The `ssoError` of a query string (`?ssoError=refused`); an unknown reason reads as `failed`. */
export function ssoErrorOf(search: string): SsoError | null {
  const reason = new URLSearchParams(search).get("ssoError");
  if (reason === null) return null;
  return (SSO_ERRORS as readonly string[]).includes(reason) ? (reason as SsoError) : "failed";
}

/** The query string without its `ssoError` ("" when nothing is left). */
export function withoutSsoError(search: string): string {
  const params = new URLSearchParams(search);
  params.delete("ssoError");
  const rest = params.toString();
  return rest ? "?" + rest : "";
}

/** The message explaining each reason. */
export const SSO_ERROR_TEXT: Record<SsoError, StringKey> = {
  refused: "ssoErrorRefused",
  expired: "ssoErrorExpired",
  rejected: "ssoErrorRejected",
  unverified_email: "ssoErrorUnverifiedEmail",
  deactivated: "ssoErrorDeactivated",
  unavailable: "ssoErrorUnavailable",
  bad_request: "ssoErrorBadRequest",
  not_configured: "ssoErrorNotConfigured",
  failed: "ssoErrorFailed",
};

/** Removes `ssoError` from the address (once shown, a reload or a copied address does not show
 *  it again). */
export function clearSsoError(): void {
  if (ssoErrorOf(location.search) === null) return;
  history.replaceState(history.state, "", location.pathname + withoutSsoError(location.search) + location.hash);
}
