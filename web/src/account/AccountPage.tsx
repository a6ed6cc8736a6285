// The account page (route #/account, lazy-loaded): who you are, your preferences, and the
// devices signed in to your account, each of which can be signed out.
import { useCallback, useEffect, useId, useState } from "react";
import { api } from "../lib/api";
import { describeError } from "../lib/errors";
import { useT, type T } from "../lib/i18n";
import { langStore, setLang, setTheme, themeStore, type Lang, type Theme } from "../lib/prefs";
import { useStore } from "../lib/store";
import type { Session, User } from "../lib/types";
import { buttonDangerOutline, buttonSecondary, card, inputClass } from "../ui/styles";
import { deviceName, formatWhen, sortSessions } from "./sessions";

function deviceLabel(t: T, s: Session): string {
  const d = deviceName(s.userAgent);
  if (!d) return t("unknownDevice");
  return d.os ? t("deviceOn", { b: d.browser, os: d.os }) : d.browser;
}

export default function AccountPage({ user }: { user: User | null }) {
  const t = useT();
  return (
    <div className="min-h-0 flex-1 overflow-y-auto" data-testid="account-page">
      <div className="mx-auto flex max-w-2xl flex-col gap-5 p-3 sm:p-6">
        <h2 className="text-xl font-bold">{t("account")}</h2>
        <Profile user={user} />
        <Sessions />
        <Preferences />
      </div>
    </div>
  );
}

function Profile({ user }: { user: User | null }) {
  const t = useT();
  const id = useId();
  return (
    <section className={card + " flex flex-col gap-3"} aria-labelledby={id}>
      <h3 id={id} className="font-semibold">
        {t("profile")}
      </h3>
      {!user ? (
        <p className="text-zinc-600 dark:text-zinc-400">{t("loading")}</p>
      ) : (
        <div className="flex items-center gap-3">
          <span aria-hidden="true" className="flex h-12 w-12 shrink-0 items-center justify-center rounded-full bg-indigo-600 text-lg font-semibold text-white">
            {(user.name.trim()[0] ?? "?").toUpperCase()}
          </span>
          <dl className="min-w-0 flex-1 text-sm">
            <dt className="sr-only">{t("name")}</dt>
            <dd data-testid="account-name" className="truncate text-base font-medium">
              {user.name}
            </dd>
            <dt className="sr-only">{t("email")}</dt>
            <dd data-testid="account-email" className="truncate text-zinc-600 dark:text-zinc-400">
              {user.email}
            </dd>
            <dt className="sr-only">{t("role")}</dt>
            <dd className="text-zinc-600 dark:text-zinc-400">
              {user.role === "admin" ? t("role_admin") : t("role_user")}
              {user.role === "admin" && (
                <>
                  {" · "}
                  <a href="#/admin" className="text-indigo-700 underline dark:text-indigo-300">
                    {t("admin")}
                  </a>
                </>
              )}
            </dd>
          </dl>
        </div>
      )}
    </section>
  );
}

function Sessions() {
  const t = useT();
  const id = useId();
  const lang = useStore(langStore);
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setSessions(sortSessions(await api.sessions()));
    } catch (err) {
      setError(describeError(t, err));
    }
  }, [t]);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- load() sets state only after its await, never synchronously (a known false positive of the rule: React issue #34905)
    void load();
  }, [load]);

  const revoke = async (ids: string[]) => {
    setError(null);
    setBusy(ids.length === 1 ? ids[0]! : "others");
    try {
      for (const sid of ids) await api.revokeSession(sid);
    } catch (err) {
      setError(describeError(t, err));
    } finally {
      setBusy(null);
      await load();
    }
  };

  const others = sessions?.filter((s) => !s.current) ?? [];

  return (
    <section className={card + " flex flex-col gap-3"} aria-labelledby={id}>
      <div>
        <h3 id={id} className="font-semibold">
          {t("sessions")}
        </h3>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{t("sessionsHint")}</p>
      </div>
      {error && (
        <p role="alert" data-testid="session-error" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      {sessions === null ? (
        !error && <p className="text-sm text-zinc-600 dark:text-zinc-400">{t("loading")}</p>
      ) : (
        <ul className="flex flex-col divide-y divide-zinc-200/80 dark:divide-zinc-800" data-testid="session-list">
          {sessions.map((s) => {
            const label = deviceLabel(t, s);
            return (
              <li key={s.id} data-testid="session-item" data-current={s.current} data-session-id={s.id} className="flex flex-wrap items-center gap-x-3 gap-y-2 py-3">
                <span className="min-w-0 flex-1">
                  <span className="flex flex-wrap items-center gap-2">
                    <span className="truncate font-medium">{label}</span>
                    {s.current && (
                      <span className="rounded-full bg-emerald-100 px-2 py-0.5 text-xs text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200">
                        {t("thisDevice")}
                      </span>
                    )}
                  </span>
                  <span className="block text-xs text-zinc-600 dark:text-zinc-400">
                    {t("lastActive", { d: formatWhen(s.lastUsedAt, lang) })} · {t("signedInAt", { d: formatWhen(s.signedInAt, lang) })}
                  </span>
                </span>
                {s.current ? (
                  <button type="button" data-testid="sign-out-here" onClick={() => void api.logout()} className={buttonSecondary + " shrink-0"}>
                    {t("signOutThisDevice")}
                  </button>
                ) : (
                  <button
                    type="button"
                    data-testid="session-revoke"
                    disabled={busy !== null}
                    onClick={() => void revoke([s.id])}
                    aria-label={t("signOutDeviceLabel", { device: label })}
                    className={buttonDangerOutline + " shrink-0"}
                  >
                    {t("signOut")}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {sessions !== null && others.length === 0 && <p className="text-sm text-zinc-600 dark:text-zinc-400">{t("noOtherSessions")}</p>}
      {others.length > 1 && (
        <div>
          <button type="button" disabled={busy !== null} onClick={() => void revoke(others.map((s) => s.id))} className={buttonDangerOutline}>
            {t("signOutOthers")}
          </button>
        </div>
      )}
    </section>
  );
}

function Preferences() {
  const t = useT();
  const id = useId();
  const lang = useStore(langStore);
  const theme = useStore(themeStore);
  return (
    <section className={card + " flex flex-col gap-3"} aria-labelledby={id}>
      <h3 id={id} className="font-semibold">
        {t("preferences")}
      </h3>
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="flex flex-col gap-1">
          <label htmlFor={id + "-lang"} className="text-sm font-medium">
            {t("language")}
          </label>
          <select id={id + "-lang"} value={lang} onChange={(e) => setLang(e.target.value as Lang)} className={inputClass()}>
            <option value="en">English</option>
            <option value="ko">한국어</option>
          </select>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={id + "-theme"} className="text-sm font-medium">
            {t("theme")}
          </label>
          <select
            id={id + "-theme"}
            value={theme ?? "system"}
            onChange={(e) => setTheme(e.target.value === "system" ? null : (e.target.value as Theme))}
            className={inputClass()}
          >
            <option value="system">{t("themeSystem")}</option>
            <option value="light">{t("themeLight")}</option>
            <option value="dark">{t("themeDark")}</option>
          </select>
        </div>
      </div>
    </section>
  );
}
