import { describe, expect, it } from "vitest";
import {
  addDays,
  csvFilename,
  dayRangeToTimes,
  defaultRange,
  dollarsInput,
  formatCompact,
  formatDateTime,
  formatDay,
  formatInt,
  formatUsd,
  parseDollars,
  parseTokens,
  shortJson,
} from "./format";

describe("numbers and money", () => {
  it("groups digits in the UI language", () => {
    expect(formatInt(1234567, "en")).toBe("1,234,567");
    expect(formatInt(1234567, "ko")).toBe("1,234,567");
    expect(formatInt(0, "en")).toBe("0");
    expect(formatCompact(1234, "en")).toBe("1.2K");
    expect(formatCompact(3_400_000, "en")).toBe("3.4M");
    expect(formatCompact(34_000, "ko")).toBe("3.4만");
  });

  it("shows micro-dollars as dollars, keeping sub-cent amounts visible", () => {
    expect(formatUsd(0, "en")).toBe("$0.00");
    expect(formatUsd(1_230_000, "en")).toBe("$1.23");
    expect(formatUsd(1_234_567_890, "en")).toBe("$1,234.57");
    expect(formatUsd(4_200, "en")).toBe("$0.0042");
    expect(formatUsd(10_000, "en")).toBe("$0.01");
    expect(formatUsd(2_500_000, "ko")).toBe("$2.50");
  });

  it("parses a cost budget in dollars into micro-dollars; empty means the default", () => {
    expect(parseDollars("")).toEqual({ ok: true, value: null });
    expect(parseDollars("   ")).toEqual({ ok: true, value: null });
    expect(parseDollars("2")).toEqual({ ok: true, value: 2_000_000 });
    expect(parseDollars("$1.5")).toEqual({ ok: true, value: 1_500_000 });
    expect(parseDollars(" 0.25 ")).toEqual({ ok: true, value: 250_000 });
    expect(parseDollars(".1")).toEqual({ ok: true, value: 100_000 });
    expect(parseDollars("1,000")).toEqual({ ok: true, value: 1_000_000_000 });
    expect(parseDollars("0.000001")).toEqual({ ok: true, value: 1 });
    expect(parseDollars("0.07")).toEqual({ ok: true, value: 70_000 }); // no float noise (0.07 * 1e6 = 70000.00000000001)
    for (const bad of ["-1", "abc", "1.2.3", "1e3", "0.0000001", "$"]) expect(parseDollars(bad)).toEqual({ ok: false });
  });

  it("shows a cost budget back as dollars, and the default as an empty input", () => {
    expect(dollarsInput(null)).toBe("");
    expect(dollarsInput(undefined)).toBe("");
    expect(dollarsInput(1_500_000)).toBe("1.5");
    expect(dollarsInput(70_000)).toBe("0.07");
    expect(dollarsInput(0)).toBe("0");
    for (const micros of [1, 70_000, 1_500_000, 123_456_789]) {
      expect(parseDollars(dollarsInput(micros))).toEqual({ ok: true, value: micros });
    }
  });

  it("parses a token budget as a whole number; empty means the default", () => {
    expect(parseTokens("")).toEqual({ ok: true, value: null });
    expect(parseTokens("50000")).toEqual({ ok: true, value: 50_000 });
    expect(parseTokens("50,000")).toEqual({ ok: true, value: 50_000 });
    expect(parseTokens("0")).toEqual({ ok: true, value: 0 });
    for (const bad of ["1.5", "-3", "ten", "1e6"]) expect(parseTokens(bad)).toEqual({ ok: false });
  });
});

describe("days and times", () => {
  it("formats times and UTC days in the UI language", () => {
    expect(formatDateTime("2026-12-01T15:04:00Z", "en", "UTC")).toBe("12/1/26, 3:04 PM");
    expect(formatDateTime(null, "en")).toBe("");
    expect(formatDateTime("not a time", "en")).toBe("not a time");
    expect(formatDay("2026-12-01", "en")).toBe("Dec 1");
    expect(formatDay("2026-12-01", "ko")).toBe("12월 1일");
  });

  it("moves between days across months and years", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
  });

  it("defaults the usage range to the last 30 days, today (UTC) included", () => {
    expect(defaultRange(new Date("2026-12-01T23:30:00Z"))).toEqual({ from: "2026-11-02", to: "2026-12-01" });
    // Just after midnight UTC: today is already the new day, whatever the local time zone says.
    expect(defaultRange(new Date("2027-01-01T00:10:00Z"))).toEqual({ from: "2026-12-03", to: "2027-01-01" });
    expect(defaultRange(new Date("2026-12-01T12:00:00Z"), 7)).toEqual({ from: "2026-11-25", to: "2026-12-01" });
  });

  it("turns a range of days into the audit API's times: the last day is included", () => {
    expect(dayRangeToTimes("2026-12-01", "2026-12-02")).toEqual({ from: "2026-12-01T00:00:00Z", to: "2026-12-03T00:00:00Z" });
    expect(dayRangeToTimes("", "")).toEqual({});
    expect(dayRangeToTimes("2026-12-01", "")).toEqual({ from: "2026-12-01T00:00:00Z" });
    expect(dayRangeToTimes("yesterday", "2026-13-45")).toEqual({});
  });
});

describe("files and details", () => {
  it("names the CSV like the server does", () => {
    expect(csvFilename("model", "2026-11-02", "2026-12-01")).toBe("usage-model-2026-11-02-2026-12-01.csv");
    expect(csvFilename("user", "../x", "a b")).toBe("usage-user-x-ab.csv");
  });

  it("shortens an audit detail to one line", () => {
    expect(shortJson({})).toBe("");
    expect(shortJson(null)).toBe("");
    expect(shortJson({ reason: "abuse" })).toBe('{"reason":"abuse"}');
    const long = shortJson({ text: "x".repeat(200) }, 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith("…")).toBe(true);
    expect(shortJson({ text: "x".repeat(200) }, Infinity)).toHaveLength(211);
  });
});
