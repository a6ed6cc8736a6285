// Pure geometry and aggregation for the dashboard's SVG charts: a "nice" scale, bar rectangles
// (stacked when a day has several series) and the sums the cards and text alternatives show.
import type { DayStats, ModelStats } from "./types";

/** The smallest 1, 2 or 5 × 10ⁿ at or above `max` (at least 1): the top of the scale. */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    const top = step * magnitude;
    // Float noise (0.30000000000000004) must not push a round number up a step.
    if (top >= max * (1 - 1e-12)) return top;
  }
  return 10 * magnitude;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Rectangles of a bar chart `width` × `height` (SVG units, y down) whose columns hold
 *  `stacks[i]` (one value per series, stacked bottom up). `gap` is the share of each column left
 *  empty; the scale reaches at least `minTop` (an empty chart still has a sensible axis). Also
 *  returns the scale's top, for the axis. */
export function stackedBars(
  stacks: readonly (readonly number[])[],
  width: number,
  height: number,
  gap = 0.2,
  minTop = 1,
): { top: number; bars: Rect[][] } {
  const top = niceMax(Math.max(minTop, ...stacks.map((s) => s.reduce((a, b) => a + Math.max(0, b), 0))));
  const column = stacks.length > 0 ? width / stacks.length : 0;
  const barWidth = column * (1 - gap);
  const bars = stacks.map((stack, i) => {
    let base = height;
    return stack.map((value) => {
      const h = (Math.max(0, value) / top) * height;
      base -= h;
      return { x: i * column + (column - barWidth) / 2, y: base, width: barWidth, height: h };
    });
  });
  return { top, bars };
}

export interface Totals {
  messages: number;
  answers: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

/** The window's totals (what each chart's text alternative states). */
export function dayTotals(days: readonly DayStats[]): Totals {
  const t: Totals = { messages: 0, answers: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 };
  for (const d of days) {
    t.messages += d.messages;
    t.answers += d.answers;
    t.inputTokens += d.inputTokens;
    t.outputTokens += d.outputTokens;
    t.costMicros += d.costMicros;
  }
  return t;
}

/** Models by answers, most first (ties by name), each with its share of the busiest (0–1). */
export function modelBars(models: readonly ModelStats[]): { model: ModelStats; share: number }[] {
  const sorted = [...models].sort((a, b) => b.answers - a.answers || a.model.localeCompare(b.model));
  const top = Math.max(0, ...sorted.map((m) => m.answers));
  return sorted.map((model) => ({ model, share: top > 0 ? model.answers / top : 0 }));
}

/** All models together (the models table's totals row). */
export function modelTotals(models: readonly ModelStats[]): Omit<Totals, "messages"> {
  const t = { answers: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 };
  for (const m of models) {
    t.answers += m.answers;
    t.inputTokens += m.inputTokens;
    t.outputTokens += m.outputTokens;
    t.costMicros += m.costMicros;
  }
  return t;
}
