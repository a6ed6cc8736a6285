// Usage and cost over a range of days, grouped by user, room, model or day, with totals and a
// CSV download of the same report.
import { useId, useState } from "react";
import { describeError } from "../lib/errors";
import { langStore } from "../lib/prefs";
import { useStore } from "../lib/store";
import { usageCsvPath } from "./api";
import { useUsage } from "./data";
import { csvFilename, defaultRange, formatInt, formatUsd } from "./format";
import { useAdminT, type AdminKey } from "./i18n";
import { muted, row, smallInput, table, td, tdNum, th, thead, thNum } from "./styles";
import { USAGE_GROUPS, type UsageGroup, type UsageTotals } from "./types";
import { ListState, PageHeading, TableRegion } from "./ui";

const GROUP_LABEL: Record<UsageGroup, AdminKey> = {
  user: "adm_group_user",
  room: "adm_group_room",
  model: "adm_group_model",
  day: "adm_group_day",
};

export function UsagePage() {
  const t = useAdminT();
  const lang = useStore(langStore);
  const id = useId();
  const [groupBy, setGroupBy] = useState<UsageGroup>("user");
  const [range, setRange] = useState(() => defaultRange(new Date()));
  const usage = useUsage({ groupBy, ...range });
  const [csvError, setCsvError] = useState<unknown>(undefined);
  const report = usage.data;

  const int = (n: number) => formatInt(n, lang);
  const numbers = (r: UsageTotals) => [int(r.answers), int(r.inputTokens), int(r.outputTokens), int(r.cacheReadTokens), int(r.cacheWriteTokens), formatUsd(r.costMicros, lang)];

  const download = async () => {
    setCsvError(undefined);
    try {
      await usage.download();
    } catch (err) {
      setCsvError(err);
    }
  };

  return (
    <>
      <PageHeading title={t("adm_usage")} />
      <form className="flex flex-wrap items-end gap-3" onSubmit={(e) => e.preventDefault()} aria-label={t("adm_filters")}>
        <div className="flex flex-col gap-1">
          <label htmlFor={id + "-group"} className="text-sm font-medium">
            {t("adm_groupBy")}
          </label>
          <select id={id + "-group"} data-testid="admin-usage-group" value={groupBy} onChange={(e) => setGroupBy(e.target.value as UsageGroup)} className={smallInput + " py-1.5"}>
            {USAGE_GROUPS.map((g) => (
              <option key={g} value={g}>
                {t(GROUP_LABEL[g])}
              </option>
            ))}
          </select>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={id + "-from"} className="text-sm font-medium">
            {t("adm_from")}
          </label>
          <input
            id={id + "-from"}
            type="date"
            data-testid="admin-usage-from"
            value={range.from}
            max={range.to}
            onChange={(e) => e.target.value && setRange((r) => ({ ...r, from: e.target.value }))}
            className={smallInput}
          />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={id + "-to"} className="text-sm font-medium">
            {t("adm_to")}
          </label>
          <input
            id={id + "-to"}
            type="date"
            data-testid="admin-usage-to"
            value={range.to}
            min={range.from}
            onChange={(e) => e.target.value && setRange((r) => ({ ...r, to: e.target.value }))}
            className={smallInput}
          />
        </div>
        <a
          href={"/api" + usageCsvPath({ groupBy, ...range })}
          download={csvFilename(groupBy, range.from, range.to)}
          data-testid="admin-usage-csv"
          onClick={(e) => {
            e.preventDefault();
            void download();
          }}
          className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-100 dark:border-zinc-600 dark:hover:bg-zinc-800"
        >
          {t("adm_downloadCsv")}
        </a>
      </form>
      <p className={"text-xs " + muted}>{t("adm_utcNote")}</p>
      {csvError !== undefined && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {describeError(t, csvError)}
        </p>
      )}
      {report && report.rows.length > 0 && (
        <TableRegion label={t("adm_usage")}>
          <table className={table} data-testid="admin-usage" data-group={report.groupBy} aria-busy={usage.loading}>
            <thead className={thead}>
              <tr>
                <th scope="col" className={th}>{t(GROUP_LABEL[report.groupBy] ?? "adm_group_user")}</th>
                <th scope="col" className={thNum}>{t("adm_answers")}</th>
                <th scope="col" className={thNum}>{t("adm_inputTokens")}</th>
                <th scope="col" className={thNum}>{t("adm_outputTokens")}</th>
                <th scope="col" className={thNum}>{t("adm_cacheRead")}</th>
                <th scope="col" className={thNum}>{t("adm_cacheWrite")}</th>
                <th scope="col" className={thNum}>{t("adm_cost")}</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((r) => (
                <tr key={r.key} data-testid="admin-usage-row" data-key={r.key} data-answers={r.answers} data-cost={r.costMicros} className={row}>
                  <th scope="row" className={td + " text-left font-medium"}>
                    {r.label || r.key}
                  </th>
                  {numbers(r).map((n, i) => (
                    <td key={i} className={tdNum}>
                      {n}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
            <tfoot className="border-t-2 border-zinc-300 font-semibold dark:border-zinc-600">
              <tr data-testid="admin-usage-total" data-answers={report.totals.answers} data-cost={report.totals.costMicros}>
                <th scope="row" className={td + " text-left"}>
                  {t("adm_total")}
                </th>
                {numbers(report.totals).map((n, i) => (
                  <td key={i} className={tdNum}>
                    {n}
                  </td>
                ))}
              </tr>
            </tfoot>
          </table>
        </TableRegion>
      )}
      <ListState loading={usage.loading} empty={!report || report.rows.length === 0} error={usage.error} />
    </>
  );
}
