import { useState, type FormEvent } from "react";
import { api } from "../lib/api";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import { peekReturnTo } from "../lib/returnTo";
import { navigate } from "../lib/router";
import { Field } from "../ui/Field";
import { buttonPrimary } from "../ui/styles";
import { AuthLayout } from "./AuthLayout";

export function SignInPage() {
  const t = useT();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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
    </AuthLayout>
  );
}
