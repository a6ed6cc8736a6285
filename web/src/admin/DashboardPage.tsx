// The dashboard: counts at a glance and, over a window of days, messages, tokens and cost per
// day and answers per model.
import { useId, useState } from "react";
import { langStore } from "../lib/prefs";
import { useStore } from "../lib/store";
import { buttonSecondary } from "../ui/styles";
import { DayChart, ModelChart, type Series } from "./charts";
import { useDashboard } from "./data";
import { formatCompact, formatDateTime, formatInt, formatUsd } from "./format";
import { useAdminT } from "./i18n";
import { muted, smallInput } from "./styles";
import { ErrorLine, PageHeading } from "./ui";

const WINDOWS = [7, 14, 30, 90];

function Card({ name, label, value, sub, lang }: { name: string; label: string; value: number; sub?: string; lang: string }) {
  return (
    <div data-testid={"admin-card-" + name} data-value={value} className="flex flex-col gap-0.5 rounded-2xl border border-zinc-200/80 bg-white p-3 shadow-sm sm:p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <dt className={"text-sm " + muted}>{label}</dt>
      <dd className="text-2xl font-semibold tabular-nums" title={formatInt(value, lang)}>
        {value >= 100_000 ? formatCompact(value, lang) : formatInt(value, lang)}
      </dd>
      {sub && <dd className={"text-xs " + muted}>{sub}</dd>}
    </div>
  );
}

export function DashboardPage() {
  const t = useAdminT();
  const lang = useStore(langStore);
  const id = useId();
  const [days, setDays] = useState(14);
  const { data, error, loading, reload } = useDashboard(days);

  const int = (n: number) => formatInt(n, lang);
  const compact = (n: number) => formatCompact(n, lang);
  const usd = (micros: number) => formatUsd(micros, lang);
  const series = (key: string, label: string, color: "indigo" | "sky" | "amber" | "emerald", value: Series["value"]): Series => ({
    key,
    label,
    value,
    ...COLORS[color],
  });

  return (
    <>
      <PageHeading title={t("adm_dashboard")}>
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor={id} className="text-sm font-medium">
            {t("adm_window")}
          </label>
          <select id={id} data-testid="admin-dashboard-days" value={days} onChange={(e) => setDays(Number(e.target.value))} className={smallInput}>
            {WINDOWS.map((n) => (
              <option key={n} value={n}>
                {t("adm_lastDays", { n })}
              </option>
            ))}
          </select>
          <button type="button" onClick={reload} disabled={loading} className={buttonSecondary}>
            {t("adm_refresh")}
          </button>
        </div>
      </PageHeading>
      <ErrorLine error={error} />
      {!data ? (
        !error && <p className={muted}>{t("loading")}</p>
      ) : (
        <div className="flex flex-col gap-4" data-testid="admin-dashboard" data-days={data.days.length} aria-busy={loading}>
          <p className={"text-xs " + muted}>{t("adm_generatedAt", { d: formatDateTime(data.generatedAt, lang) })}</p>
          <dl className="grid grid-cols-2 gap-2 sm:grid-cols-3 sm:gap-3 lg:grid-cols-4">
            <Card
              name="users"
              label={t("adm_card_users")}
              value={data.users.total}
              sub={t("adm_card_usersSub", { admins: int(data.users.admins), deactivated: int(data.users.deactivated) })}
              lang={lang}
            />
            <Card name="active24h" label={t("adm_card_active24h")} value={data.users.active24h} lang={lang} />
            <Card name="active7d" label={t("adm_card_active7d")} value={data.users.active7d} lang={lang} />
            <Card name="rooms" label={t("adm_card_rooms")} value={data.rooms.total} lang={lang} />
            <Card name="messages" label={t("adm_card_messages")} value={data.messages.total} lang={lang} />
            <Card name="connections" label={t("adm_card_connections")} value={data.live.connections} lang={lang} />
            <Card name="streams" label={t("adm_card_streams")} value={data.live.streams} sub={t("adm_card_streamsSub", { n: int(data.live.queued) })} lang={lang} />
          </dl>
          <div className="grid grid-cols-1 gap-3 lg:grid-cols-2">
            <DayChart
              name="messages"
              title={t("adm_chart_messages")}
              days={data.days}
              series={[series("messages", t("adm_messages"), "indigo", (d) => d.messages)]}
              format={int}
              axis={compact}
              lang={lang}
            />
            <DayChart
              name="tokens"
              title={t("adm_chart_tokens")}
              days={data.days}
              series={[
                series("input", t("adm_inputTokens"), "sky", (d) => d.inputTokens),
                series("output", t("adm_outputTokens"), "amber", (d) => d.outputTokens),
              ]}
              format={int}
              axis={compact}
              lang={lang}
            />
            <DayChart
              name="cost"
              title={t("adm_chart_cost")}
              days={data.days}
              series={[series("cost", t("adm_cost"), "emerald", (d) => d.costMicros)]}
              format={usd}
              axis={usd}
              minTop={10_000}
              lang={lang}
            />
            <ModelChart title={t("adm_chart_models")} models={data.models} formatInt={int} formatUsd={usd} />
          </div>
        </div>
      )}
    </>
  );
}

// Whole class names (Tailwind finds only those written out in the source).
const COLORS = {
  indigo: { fill: "fill-indigo-600 dark:fill-indigo-400", swatch: "bg-indigo-600 dark:bg-indigo-400" },
  sky: { fill: "fill-sky-600 dark:fill-sky-400", swatch: "bg-sky-600 dark:bg-sky-400" },
  amber: { fill: "fill-amber-500 dark:fill-amber-300", swatch: "bg-amber-500 dark:bg-amber-300" },
  emerald: { fill: "fill-emerald-600 dark:fill-emerald-400", swatch: "bg-emerald-600 dark:bg-emerald-400" },
} as const;
