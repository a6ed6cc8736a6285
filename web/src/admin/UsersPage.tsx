// Users: search, role, deactivate / activate (confirmed), daily token and cost budgets.
import { useState } from "react";
import { ApiError } from "../lib/api";
import { describeError } from "../lib/errors";
import { langStore } from "../lib/prefs";
import { useStore } from "../lib/store";
import type { UserRole } from "../lib/wire";
import { buttonDanger, buttonDangerOutline, buttonSecondary } from "../ui/styles";
import { useDebounced, useUsers } from "./data";
import { dollarsInput, formatDateTime, parseDollars, parseTokens } from "./format";
import { useAdminT, type AT } from "./i18n";
import { SearchBox } from "./SearchBox";
import { muted, row, smallInput, table, td, th, thead } from "./styles";
import type { AdminUser, UserPatch } from "./types";
import { ListState, MoreButton, PageHeading, TableRegion } from "./ui";

export function UsersPage() {
  const t = useAdminT();
  const [search, setSearch] = useState("");
  const users = useUsers(useDebounced(search.trim()));
  return (
    <>
      <PageHeading title={t("adm_users")} />
      <SearchBox label={t("adm_searchUsers")} value={search} onChange={setSearch} />
      <p className={"text-sm " + muted}>{t("adm_budgetHint")}</p>
      {users.items.length > 0 && (
        <TableRegion label={t("adm_users")}>
          <table className={table} data-testid="admin-users" aria-busy={users.loading}>
            <thead className={thead}>
              <tr>
                <th scope="col" className={th}>{t("name")}</th>
                <th scope="col" className={th}>{t("email")}</th>
                <th scope="col" className={th}>{t("role")}</th>
                <th scope="col" className={th}>{t("adm_status")}</th>
                <th scope="col" className={th}>{t("adm_budgets")}</th>
                <th scope="col" className={th}>{t("adm_lastSeen")}</th>
              </tr>
            </thead>
            <tbody>
              {users.items.map((u) => (
                <UserRow key={`${u.id}:${u.dailyTokenBudget ?? ""}:${u.dailyCostBudget ?? ""}`} user={u} onSave={users.save} />
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      <ListState loading={users.loading} empty={users.items.length === 0} error={users.error} />
      <MoreButton hasMore={users.hasMore} loading={users.loadingMore} onMore={users.more} />
    </>
  );
}

function saveError(t: AT, err: unknown, patch: UserPatch): string {
  if (err instanceof ApiError && err.status === 409 && patch.isActive === false) return t("adm_selfDeactivate");
  return describeError(t, err);
}

function UserRow({ user, onSave }: { user: AdminUser; onSave: (userId: string, patch: UserPatch) => Promise<void> }) {
  const t = useAdminT();
  const lang = useStore(langStore);
  const [tokens, setTokens] = useState(user.dailyTokenBudget == null ? "" : String(user.dailyTokenBudget));
  const [dollars, setDollars] = useState(dollarsInput(user.dailyCostBudget));
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const lastSeen = user.lastActiveAt ?? user.lastLoginAt;
  const parsedTokens = parseTokens(tokens);
  const parsedDollars = parseDollars(dollars);
  const valid = parsedTokens.ok && parsedDollars.ok;
  const changed =
    valid && (parsedTokens.value !== (user.dailyTokenBudget ?? null) || parsedDollars.value !== (user.dailyCostBudget ?? null));

  const run = async (patch: UserPatch) => {
    setBusy(true);
    setError(null);
    try {
      await onSave(user.id, patch);
      setConfirm(false);
    } catch (err) {
      setError(saveError(t, err, patch));
    } finally {
      setBusy(false);
    }
  };

  const saveBudgets = () => {
    if (!parsedTokens.ok || !parsedDollars.ok) return;
    void run({ dailyTokenBudget: parsedTokens.value, dailyCostBudget: parsedDollars.value });
  };

  return (
    <tr data-testid="admin-user-row" data-user-id={user.id} data-email={user.email} data-active={user.isActive} data-role={user.role} className={row}>
      <td className={td + " min-w-28 font-medium"}>{user.name}</td>
      <td className={td + " min-w-48 break-all"}>{user.email}</td>
      <td className={td}>
        <select
          data-testid="admin-user-role"
          aria-label={t("adm_roleOf", { name: user.name })}
          value={user.role}
          disabled={busy}
          onChange={(e) => void run({ role: e.target.value as UserRole })}
          className={smallInput}
        >
          <option value="user">{t("role_user")}</option>
          <option value="admin">{t("role_admin")}</option>
        </select>
      </td>
      <td className={td}>
        <div className="flex flex-wrap items-center gap-2">
          <span
            className={
              "rounded-full px-2 py-0.5 text-xs " +
              (user.isActive
                ? "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/50 dark:text-emerald-100"
                : "bg-zinc-200 text-zinc-800 dark:bg-zinc-700 dark:text-zinc-100")
            }
          >
            {user.isActive ? t("adm_active") : t("adm_inactive")}
          </span>
          {!user.isActive ? (
            <button type="button" data-testid="admin-user-activate" disabled={busy} onClick={() => void run({ isActive: true })} aria-label={t("adm_activateOf", { name: user.name })} className={buttonSecondary}>
              {t("adm_activate")}
            </button>
          ) : confirm ? (
            <span role="group" aria-label={t("adm_deactivateOf", { name: user.name })} className="flex flex-wrap items-center gap-2">
              <span className="text-sm font-medium">{t("areYouSure")}</span>
              <button type="button" disabled={busy} onClick={() => setConfirm(false)} className={buttonSecondary}>
                {t("cancel")}
              </button>
              <button type="button" data-testid="admin-user-confirm" autoFocus disabled={busy} onClick={() => void run({ isActive: false })} className={buttonDanger}>
                {t("adm_confirmDeactivate")}
              </button>
            </span>
          ) : (
            <button type="button" data-testid="admin-user-deactivate" disabled={busy} onClick={() => setConfirm(true)} aria-label={t("adm_deactivateOf", { name: user.name })} className={buttonDangerOutline}>
              {t("adm_deactivate")}
            </button>
          )}
        </div>
      </td>
      <td className={td}>
        <form
          className="flex flex-wrap items-center gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            saveBudgets();
          }}
        >
          <label className="flex items-center gap-1 text-xs">
            <span aria-hidden="true" className={muted}>{t("adm_tokenBudget")}</span>
            <input
              data-testid="admin-user-token-budget"
              aria-label={t("adm_tokenBudgetOf", { name: user.name })}
              inputMode="numeric"
              placeholder={t("adm_default")}
              value={tokens}
              onChange={(e) => setTokens(e.target.value)}
              aria-invalid={!parsedTokens.ok}
              className={smallInput + " w-24"}
            />
          </label>
          <label className="flex items-center gap-1 text-xs">
            <span aria-hidden="true" className={muted}>{t("adm_costBudget")}</span>
            <input
              data-testid="admin-user-cost-budget"
              aria-label={t("adm_costBudgetOf", { name: user.name })}
              inputMode="decimal"
              placeholder={t("adm_default")}
              value={dollars}
              onChange={(e) => setDollars(e.target.value)}
              aria-invalid={!parsedDollars.ok}
              className={smallInput + " w-20"}
            />
          </label>
          <button type="submit" data-testid="admin-user-save" disabled={busy || !changed} aria-label={t("adm_saveBudgetsOf", { name: user.name })} className={buttonSecondary}>
            {busy ? t("saving") : t("save")}
          </button>
        </form>
        {!valid && <p className="mt-1 text-xs text-red-700 dark:text-red-400">{t("adm_invalidBudget")}</p>}
        {error && (
          <p role="alert" data-testid="admin-user-error" className="mt-1 max-w-xs text-xs text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
      </td>
      <td className={td + " whitespace-nowrap " + muted}>{lastSeen ? formatDateTime(lastSeen, lang) : t("adm_never")}</td>
    </tr>
  );
}
