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
import { OrDivider, SsoButton } from "./SsoButton";

export function SignUpPage() {
  const t = useT();
  const providers = useProviders();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void loadProviders();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.register(email, name, password);
      navigate(peekReturnTo() ?? "/");
    } catch (err) {
      setError(describeError(t, err, "signUp"));
    } finally {
      setBusy(false);
    }
  };

  const signInLink = (
    <p className="text-sm">
      {t("haveAccount")}{" "}
      <a href="#/login" className="text-indigo-600 underline dark:text-indigo-400">
        {t("signIn")}
      </a>
    </p>
  );

  // Password sign-up turned off: accounts are made by the first single sign-on.
  if (providers && !providers.password) {
    return (
      <AuthLayout title={t("signUp")}>
        <div className="flex flex-col gap-4">
          <p data-testid="signup-sso-only" className="text-sm">
            {providers.sso ? t("signUpThroughSso", { name: providers.sso.name }) : t("noWayIn")}
          </p>
          {providers.sso && <SsoButton sso={providers.sso} primary />}
          {signInLink}
        </div>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={t("signUp")}>
      {providers && (
        <div className="flex flex-col gap-4">
          {providers.sso && <SsoButton sso={providers.sso} primary={false} />}
          {providers.sso && <OrDivider />}
          <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4" noValidate>
            <Field label={t("email")} testId="signup-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            <Field label={t("name")} testId="signup-name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
            <Field
              label={t("password")}
              testId="signup-password"
              type="password"
              autoComplete="new-password"
              required
              minLength={10}
              hint={t("passwordHint")}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            {error && (
              <p role="alert" className="text-sm text-red-700 dark:text-red-400">
                {error}
              </p>
            )}
            <button type="submit" data-testid="signup-submit" disabled={busy} className={buttonPrimary}>
              {t("createAccount")}
            </button>
            {signInLink}
          </form>
        </div>
      )}
    </AuthLayout>
  );
}
