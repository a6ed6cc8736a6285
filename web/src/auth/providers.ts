// The ways in this server offers (`GET /api/auth/providers`): password sign-in and sign-up, and
// single sign-on with one provider. Asked once per page load (again after a failure); until the
// answer is in, the sign-in and sign-up pages show neither way.
import { request } from "../lib/api";
import { createStore, useStore } from "../lib/store";

export interface SsoProvider {
  /** The provider's display name ("Sign in with <name>"). */
  name: string;
  /** Where the browser goes (a full page navigation) to start a sign-in. */
  startUrl: string;
}

export interface Providers {
  password: boolean;
  sso: SsoProvider | null;
}

/** What a server that cannot say (an older one, or an error) offers: passwords only. */
const PASSWORD_ONLY: Providers = { password: true, sso: null };

/** The server's answer, checked: a start URL must be a path of this site. */
export function readProviders(body: unknown): Providers {
  if (typeof body !== "object" || body === null) return PASSWORD_ONLY;
  const { password, sso } = body as { password?: unknown; sso?: unknown };
  let provider: SsoProvider | null = null;
  if (typeof sso === "object" && sso !== null) {
    const { name, startUrl } = sso as { name?: unknown; startUrl?: unknown };
    if (typeof name === "string" && typeof startUrl === "string" && /^\/(?![/\\])/.test(startUrl)) {
      provider = { name: name.trim() || "SSO", startUrl };
    }
  }
  return { password: password !== false, sso: provider };
}

const store = createStore<Providers | null>(null);
let asking: Promise<void> | null = null;

/** Asks the server (once; again after a failure, which reads as passwords only meanwhile). */
export function loadProviders(): Promise<void> {
  asking ??= request<unknown>("/auth/providers", { auth: false }).then(
    (body) => store.set(readProviders(body)),
    () => {
      asking = null;
      store.set(PASSWORD_ONLY);
    },
  );
  return asking;
}

/** The server's ways in; null until known. */
export function useProviders(): Providers | null {
  return useStore(store);
}
