import { describe, expect, it } from "vitest";
import { dayTotals, modelBars, modelTotals, niceMax, stackedBars } from "./chart";
import type { DayStats, ModelStats } from "./types";

describe("chart scale", () => {
  it("rounds the top of the scale up to 1, 2 or 5 times a power of ten", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(-5)).toBe(1);
    expect(niceMax(Number.NaN)).toBe(1);
    expect(niceMax(1)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(10)).toBe(10);
    expect(niceMax(11)).toBe(20);
    expect(niceMax(199)).toBe(200);
    expect(niceMax(201)).toBe(500);
    expect(niceMax(0.3)).toBe(0.5);
    expect(niceMax(0.1 + 0.2)).toBe(0.5);
    expect(niceMax(0.2)).toBe(0.2);
    expect(niceMax(1_234_567)).toBe(2_000_000);
  });
});

describe("bars", () => {
  it("places one bar per day, as tall as its share of the scale", () => {
    const { top, bars } = stackedBars([[5], [10], [0]], 300, 100, 0.2);
    expect(top).toBe(10);
    expect(bars).toHaveLength(3);
    expect(bars[0]![0]).toEqual({ x: 10, y: 50, width: 80, height: 50 });
    expect(bars[1]![0]).toEqual({ x: 110, y: 0, width: 80, height: 100 });
    expect(bars[2]![0]).toEqual({ x: 210, y: 100, width: 80, height: 0 });
  });

  it("stacks the series of a day bottom up, scaled by the biggest day's sum", () => {
    const { top, bars } = stackedBars([[30, 10], [5, 5]], 200, 100, 0);
    expect(top).toBe(50);
    const [input, output] = bars[0]!;
    expect(input).toEqual({ x: 0, y: 40, width: 100, height: 60 });
    expect(output).toEqual({ x: 0, y: 20, width: 100, height: 20 });
    expect(bars[1]![1]!.y).toBe(80);
  });

  it("draws nothing for no days, and treats negative values as zero", () => {
    expect(stackedBars([], 100, 100)).toEqual({ top: 1, bars: [] });
    expect(stackedBars([[-4]], 100, 100).bars[0]![0]!.height).toBe(0);
  });

  it("keeps a minimum scale, so that an empty cost chart still reads in cents", () => {
    expect(stackedBars([[0], [0]], 100, 100, 0.2, 10_000).top).toBe(10_000);
    expect(stackedBars([[25_000]], 100, 100, 0.2, 10_000).top).toBe(50_000);
  });
});

const day = (d: string, n: number): DayStats => ({ day: d, messages: n, answers: n / 2, inputTokens: n * 10, outputTokens: n * 20, costMicros: n * 1000 });
const model = (name: string, answers: number): ModelStats => ({ provider: "demo", model: name, answers, inputTokens: answers, outputTokens: 2 * answers, costMicros: 0 });

describe("sums", () => {
  it("totals the window", () => {
    expect(dayTotals([day("2026-12-01", 2), day("2026-12-02", 4)])).toEqual({
      messages: 6,
      answers: 3,
      inputTokens: 60,
      outputTokens: 120,
      costMicros: 6000,
    });
    expect(dayTotals([])).toEqual({ messages: 0, answers: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 });
  });

  it("orders models by answers with their share of the busiest", () => {
    const rows = modelBars([model("b", 2), model("a", 8), model("c", 2)]);
    expect(rows.map((r) => [r.model.model, r.share])).toEqual([
      ["a", 1],
      ["b", 0.25],
      ["c", 0.25],
    ]);
    expect(modelBars([model("idle", 0)])[0]!.share).toBe(0);
    expect(modelTotals([model("a", 1), model("b", 2)])).toEqual({ answers: 3, inputTokens: 3, outputTokens: 6, costMicros: 0 });
  });
});
