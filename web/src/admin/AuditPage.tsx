// The audit log, newest first, filtered by action and a range of days; read-only.
import { useId, useState } from "react";
import { langStore } from "../lib/prefs";
import { useStore } from "../lib/store";
import { buttonSecondary } from "../ui/styles";
import { useAudit } from "./data";
import { dayRangeToTimes, formatDateTime, shortJson } from "./format";
import { useAdminT } from "./i18n";
import { muted, row, smallInput, table, td, th, thead } from "./styles";
import { ListState, MoreButton, PageHeading, TableRegion } from "./ui";

interface Filter {
  action: string;
  from: string;
  to: string;
}

export function AuditPage() {
  const t = useAdminT();
  const lang = useStore(langStore);
  const id = useId();
  // What the form holds, and what was last applied (the list follows only the latter).
  const [draft, setDraft] = useState<Filter>({ action: "", from: "", to: "" });
  const [applied, setApplied] = useState<Filter>(draft);
  const audit = useAudit({ action: applied.action.trim() || undefined, ...dayRangeToTimes(applied.from, applied.to) });

  const field = (key: keyof Filter, label: string, type: "text" | "date", hint?: string) => (
    <div className="flex flex-col gap-1">
      <label htmlFor={id + key} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={id + key}
        type={type}
        data-testid={"admin-audit-" + key}
        value={draft[key]}
        placeholder={hint}
        onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}
        className={smallInput + " py-1.5"}
      />
    </div>
  );

  return (
    <>
      <PageHeading title={t("adm_audit")} />
      <form
        className="flex flex-wrap items-end gap-3"
        aria-label={t("adm_filters")}
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(draft);
        }}
      >
        {field("action", t("adm_action"), "text", t("adm_actionHint"))}
        {field("from", t("adm_from"), "date")}
        {field("to", t("adm_to"), "date")}
        <button type="submit" data-testid="admin-audit-apply" className={buttonSecondary + " py-2"}>
          {t("adm_apply")}
        </button>
      </form>
      <p className={"text-xs " + muted}>{t("adm_utcNote")}</p>
      {audit.items.length > 0 && (
        <TableRegion label={t("adm_audit")}>
          <table className={table} data-testid="admin-audit" aria-busy={audit.loading}>
            <thead className={thead}>
              <tr>
                <th scope="col" className={th}>{t("adm_time")}</th>
                <th scope="col" className={th}>{t("adm_actor")}</th>
                <th scope="col" className={th}>{t("adm_action")}</th>
                <th scope="col" className={th}>{t("adm_target")}</th>
                <th scope="col" className={th}>{t("adm_detail")}</th>
              </tr>
            </thead>
            <tbody>
              {audit.items.map((e) => {
                const full = shortJson(e.detail, Infinity);
                return (
                  <tr key={e.id} data-testid="admin-audit-row" data-action={e.action} data-target={e.target ?? ""} className={row}>
                    <td className={td + " whitespace-nowrap"}>
                      <time dateTime={e.createdAt}>{formatDateTime(e.createdAt, lang)}</time>
                    </td>
                    <td className={td}>{e.actorEmail ?? e.actorId ?? <span className={muted}>{t("adm_system")}</span>}</td>
                    <td className={td + " font-mono text-xs"}>{e.action}</td>
                    <td className={td + " font-mono text-xs break-all"}>{e.target ?? ""}</td>
                    <td className={td + " max-w-xs font-mono text-xs break-all " + muted} title={full || undefined}>
                      {shortJson(e.detail)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableRegion>
      )}
      <ListState loading={audit.loading} empty={audit.items.length === 0} error={audit.error} />
      <MoreButton hasMore={audit.hasMore} loading={audit.loadingMore} onMore={audit.more} />
    </>
  );
}
