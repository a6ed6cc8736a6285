import { useT } from "../lib/i18n";
import { buttonPrimary } from "../ui/styles";
import type { SsoProvider } from "./providers";

const buttonOutline =
  "rounded-md border border-zinc-400 bg-white px-4 py-2 font-medium hover:bg-zinc-100 dark:border-zinc-600 dark:bg-zinc-900 dark:hover:bg-zinc-800";

/** "Sign in with <name>": a link, since single sign-on leaves the app (a full page navigation to
 *  the server, then the provider). The main action when there is no password form. */
export function SsoButton({ sso, primary }: { sso: SsoProvider; primary: boolean }) {
  const t = useT();
  return (
    <a href={sso.startUrl} data-testid="sso-signin" className={(primary ? buttonPrimary : buttonOutline) + " block text-center"}>
      {t("signInWith", { name: sso.name })}
    </a>
  );
}

/** The line between the single sign-on button and the password form. */
export function OrDivider() {
  const t = useT();
  return (
    <div className="flex items-center gap-3 text-sm text-zinc-600 dark:text-zinc-400" aria-hidden="true">
      <span className="h-px flex-1 bg-zinc-300 dark:bg-zinc-700" />
      {t("or")}
      <span className="h-px flex-1 bg-zinc-300 dark:bg-zinc-700" />
    </div>
  );
}
