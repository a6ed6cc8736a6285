// The dashboard's charts, in plain SVG. Every bar is an SVG element carrying its number for
// tests and tools (`data-testid="chart-<name>-bar"`, `data-value`, `data-label`) and a <title>
// for hover; each chart also has a text alternative: a summary as the SVG's label and the
// numbers in a visually hidden table.
import { useId } from "react";
import { modelBars, modelTotals, stackedBars } from "./chart";
import { formatDay } from "./format";
import { useAdminT } from "./i18n";
import { muted } from "./styles";
import type { DayStats, ModelStats } from "./types";

export interface Series {
  key: string;
  label: string;
  /** Tailwind fill classes (light and dark). */
  fill: string;
  /** Legend swatch classes (the same colours as a background). */
  swatch: string;
  value: (d: DayStats) => number;
}

const W = 700;
const H = 200;

const frame = "min-w-0 rounded-2xl border border-zinc-200/80 bg-white p-3 shadow-sm sm:p-4 dark:border-zinc-800 dark:bg-zinc-900";

/** Bars per day, one colour per series (stacked bottom up). */
export function DayChart(props: {
  name: string;
  title: string;
  days: readonly DayStats[];
  series: readonly Series[];
  /** Values in titles and the text alternative. */
  format: (n: number) => string;
  /** Values on the axis (shorter). */
  axis: (n: number) => string;
  /** The least top of the scale. */
  minTop?: number;
  lang: string;
}) {
  const { name, title, days, series, format, axis, minTop, lang } = props;
  const t = useAdminT();
  const id = useId();
  const { top, bars } = stackedBars(
    days.map((d) => series.map((s) => s.value(d))),
    W,
    H,
    0.2,
    minTop,
  );
  const perDay = days.map((d) => series.reduce((sum, s) => sum + s.value(d), 0));
  const total = perDay.reduce((a, b) => a + b, 0);
  const summary = t("adm_chartSummary", { title, total: format(total), n: days.length, max: format(Math.max(0, ...perDay)) });
  const first = days[0];
  const last = days[days.length - 1];
  return (
    <figure className={frame} data-testid={"chart-" + name} data-total={total}>
      <figcaption id={id} className="mb-2 flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1">
        <span className="font-semibold">{title}</span>
        {series.length > 1 && (
          <span className="flex flex-wrap gap-x-3 text-xs" aria-hidden="true">
            {series.map((s) => (
              <span key={s.key} className="inline-flex items-center gap-1">
                <span className={"inline-block h-2.5 w-2.5 rounded-sm " + s.swatch} />
                {s.label}
              </span>
            ))}
          </span>
        )}
      </figcaption>
      <div className="flex gap-2">
        <div className={"flex w-14 shrink-0 flex-col justify-between text-right text-xs tabular-nums " + muted} aria-hidden="true">
          <span>{axis(top)}</span>
          <span>{axis(top / 2)}</span>
          <span>{axis(0)}</span>
        </div>
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={summary} className="h-40 min-w-0 flex-1 overflow-visible">
          {[0, 0.5, 1].map((f) => (
            <line key={f} x1={0} x2={W} y1={H * f} y2={H * f} vectorEffect="non-scaling-stroke" className="stroke-zinc-200 dark:stroke-zinc-700" strokeWidth={1} />
          ))}
          {bars.map((stack, i) =>
            stack.map((r, s) => {
              const day = days[i]!;
              const sr = series[s]!;
              const value = sr.value(day);
              return (
                <rect
                  key={day.day + sr.key}
                  data-testid={"chart-" + name + "-bar"}
                  data-value={value}
                  data-label={day.day}
                  data-series={sr.key}
                  x={r.x}
                  y={r.y}
                  width={r.width}
                  height={r.height}
                  className={sr.fill}
                >
                  <title>{`${formatDay(day.day, lang)} · ${sr.label}: ${format(value)}`}</title>
                </rect>
              );
            }),
          )}
        </svg>
      </div>
      {first && last && (
        <div className={"ml-16 flex justify-between text-xs " + muted} aria-hidden="true">
          <span>{formatDay(first.day, lang)}</span>
          <span>{formatDay(last.day, lang)}</span>
        </div>
      )}
      <div className="sr-only">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t("adm_day")}</th>
              {series.map((s) => (
                <th key={s.key} scope="col">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                {series.map((s) => (
                  <td key={s.key}>{format(s.value(d))}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** One horizontal bar per model: answers, with tokens and cost in the hover title. */
export function ModelChart(props: { title: string; models: readonly ModelStats[]; formatInt: (n: number) => string; formatUsd: (n: number) => string }) {
  const { title, models, formatInt, formatUsd } = props;
  const t = useAdminT();
  const rows = modelBars(models);
  const total = rows.reduce((sum, r) => sum + r.model.answers, 0);
  const all = modelTotals(models);
  return (
    <figure className={frame} data-testid="chart-models" data-total={total}>
      <figcaption className="mb-2 font-semibold">{title}</figcaption>
      {rows.length === 0 ? (
        <p className={"text-sm " + muted}>{t("adm_noModels")}</p>
      ) : (
        <>
          <div className="flex flex-col gap-2" role="img" aria-label={t("adm_modelsSummary", { title, n: rows.length, total: formatInt(total) })}>
            {rows.map(({ model: m, share }) => {
              const hover = `${m.provider}/${m.model}: ${formatInt(m.answers)} ${t("adm_answers")}, ${formatInt(m.inputTokens)} + ${formatInt(m.outputTokens)} tokens, ${formatUsd(m.costMicros)}`;
              return (
                <div key={m.provider + "/" + m.model} className="flex items-center gap-2 text-sm">
                  <span className="w-28 shrink-0 truncate sm:w-44" title={m.provider + "/" + m.model}>
                    {m.model}
                  </span>
                  <svg viewBox="0 0 100 10" preserveAspectRatio="none" className="h-4 min-w-0 flex-1">
                    <rect x={0} y={0} width={100} height={10} className="fill-zinc-100 dark:fill-zinc-800" />
                    <rect
                      data-testid="chart-models-bar"
                      data-value={m.answers}
                      data-label={m.model}
                      x={0}
                      y={0}
                      width={share * 100}
                      height={10}
                      className="fill-violet-600 dark:fill-violet-400"
                    >
                      <title>{hover}</title>
                    </rect>
                  </svg>
                  <span className="w-12 shrink-0 text-right tabular-nums">{formatInt(m.answers)}</span>
                </div>
              );
            })}
          </div>
          <div className="sr-only">
            <table>
              <caption>{title}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("model")}</th>
                  <th scope="col">{t("adm_answers")}</th>
                  <th scope="col">{t("adm_inputTokens")}</th>
                  <th scope="col">{t("adm_outputTokens")}</th>
                  <th scope="col">{t("adm_cost")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ model: m }) => (
                  <tr key={m.provider + "/" + m.model}>
                    <th scope="row">{m.provider + "/" + m.model}</th>
                    <td>{formatInt(m.answers)}</td>
                    <td>{formatInt(m.inputTokens)}</td>
                    <td>{formatInt(m.outputTokens)}</td>
                    <td>{formatUsd(m.costMicros)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t("adm_total")}</th>
                  <td>{formatInt(all.answers)}</td>
                  <td>{formatInt(all.inputTokens)}</td>
                  <td>{formatInt(all.outputTokens)}</td>
                  <td>{formatUsd(all.costMicros)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
        </>
      )}
    </figure>
  );
}
