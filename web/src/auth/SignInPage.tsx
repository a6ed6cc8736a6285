import { useEffect, useState, type FormEvent } from "react";
import { api } from "../lib/api";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import { peekReturnTo } from "../lib/returnTo";
import { navigate } from "../lib/router";
import { Field } from "../ui/Field";
import { buttonPrimary } from "../ui/styles";
import { AuthLayout } from "./AuthLayout";
import { loadProviders, useProviders } from "./providers";
import { clearSsoError, SSO_ERROR_TEXT, ssoErrorOf } from "./sso";
import { OrDivider, SsoButton } from "./SsoButton";

export function SignInPage() {
  const t = useT();
  const providers = useProviders();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Why the last single sign-on failed (`/login?ssoError=…`): read once, then off the address.
  const [ssoError] = useState(() => ssoErrorOf(location.search));

  useEffect(() => {
    void loadProviders();
    clearSsoError();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.login(email, password);
      navigate(peekReturnTo() ?? "/");
    } catch (err) {
      setError(describeError(t, err, "signIn"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthLayout title={t("signIn")}>
      <div className="flex flex-col gap-4">
        {ssoError && (
          <p role="alert" data-testid="sso-error" data-reason={ssoError} className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950/40 dark:text-red-300">
            {t(SSO_ERROR_TEXT[ssoError])}
          </p>
        )}
        {providers?.sso && <SsoButton sso={providers.sso} primary={!providers.password} />}
        {providers?.sso && providers.password && <OrDivider />}
        {providers?.password && (
          <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4" noValidate>
            <Field label={t("email")} testId="login-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            <Field label={t("password")} testId="login-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            {error && (
              <p role="alert" className="text-sm text-red-700 dark:text-red-400">
                {error}
              </p>
            )}
            <button type="submit" data-testid="login-submit" disabled={busy} className={buttonPrimary}>
              {t("signIn")}
            </button>
            <p className="text-sm">
              {t("noAccount")}{" "}
              <a href="#/signup" className="text-indigo-600 underline dark:text-indigo-400">
                {t("signUp")}
              </a>
            </p>
          </form>
        )}
        {providers && !providers.password && !providers.sso && (
          <p role="alert" data-testid="no-sign-in" className="text-sm">
            {t("noWayIn")}
          </p>
        )}
      </div>
    </AuthLayout>
  );
}
