import { useState, type FormEvent } from "react";
import { api } from "../lib/api";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import { peekReturnTo } from "../lib/returnTo";
import { navigate } from "../lib/router";
import { Field } from "../ui/Field";
import { buttonPrimary } from "../ui/styles";
import { AuthLayout } from "./AuthLayout";

export function SignUpPage() {
  const t = useT();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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

  return (
    <AuthLayout title={t("signUp")}>
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
        <p className="text-sm">
          {t("haveAccount")}{" "}
          <a href="#/login" className="text-indigo-600 underline dark:text-indigo-400">
            {t("signIn")}
          </a>
        </p>
      </form>
    </AuthLayout>
  );
}
