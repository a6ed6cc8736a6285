// Pure formatting and parsing for the admin pages: numbers, money (micro-dollars on the wire,
// dollars on screen and in inputs), days and times, date ranges, file names.
import type { UsageGroup } from "./types";

const MICROS = 1_000_000;

export function formatInt(n: number, lang: string): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(n);
}

/** "1.2K", "3.4M" (Korean: "1.2천", "340만"): chart axes and cards with big numbers. */
export function formatCompact(n: number, lang: string): string {
  return new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 }).format(n);
}

/** Micro-dollars as dollars: "$1.23"; amounts under a cent keep four decimals ("$0.0042"),
 *  so a day of cheap answers does not read as free. */
export function formatUsd(micros: number, lang: string): string {
  const dollars = micros / MICROS;
  const small = dollars !== 0 && Math.abs(dollars) < 0.01;
  return new Intl.NumberFormat(lang, {
    style: "currency",
    currency: "USD",
    currencyDisplay: "narrowSymbol",
    minimumFractionDigits: small ? 4 : 2,
    maximumFractionDigits: small ? 4 : 2,
  }).format(dollars);
}

/** What a cost budget input shows: dollars without trailing zeros; empty for the default (null). */
export function dollarsInput(micros: number | null | undefined): string {
  if (micros === null || micros === undefined) return "";
  return String(Math.round(micros) / MICROS);
}

/** What a budget input holds: a value, the server default (empty input), or nothing valid. */
export type Parsed = { ok: true; value: number | null } | { ok: false };

/** Dollars typed by a person ("1.5", "$2", " 0.25 ") as micro-dollars; empty = default. */
export function parseDollars(text: string): Parsed {
  if (text.trim() === "") return { ok: true, value: null };
  const s = text.trim().replace(/^\$\s*/, "").replaceAll(",", "");
  if (!/^\d+(\.\d{0,6})?$|^\.\d{1,6}$/.test(s)) return { ok: false };
  return { ok: true, value: Math.round(Number(s) * MICROS) };
}

/** A whole number of tokens ("50000", "50,000"); empty = default. */
export function parseTokens(text: string): Parsed {
  const s = text.trim().replaceAll(",", "").replaceAll("_", "");
  if (s === "") return { ok: true, value: null };
  if (!/^\d{1,15}$/.test(s)) return { ok: false };
  return { ok: true, value: Number(s) };
}

/** A date and time in the UI language ("12/1/26, 3:04 PM"); the raw text when it is not one. */
export function formatDateTime(iso: string | null | undefined, lang: string, timeZone?: string): string {
  if (!iso) return "";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short", ...(timeZone ? { timeZone } : {}) }).format(at);
}

/** A UTC day ("2026-12-01") short: "Dec 1" / "12월 1일". */
export function formatDay(day: string, lang: string): string {
  const at = Date.parse(day + "T00:00:00Z");
  if (Number.isNaN(at)) return day;
  return new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", timeZone: "UTC" }).format(at);
}

/** `YYYY-MM-DD` of a moment, in UTC (the server counts days in UTC). */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The day `n` days after (negative: before) a `YYYY-MM-DD` day. */
export function addDays(day: string, n: number): string {
  const at = new Date(day + "T00:00:00Z");
  at.setUTCDate(at.getUTCDate() + n);
  return utcDay(at);
}

/** The usage page's default range: the last `days` days, today (UTC) included. */
export function defaultRange(now: Date, days = 30): { from: string; to: string } {
  const to = utcDay(now);
  return { from: addDays(to, -(days - 1)), to };
}

/** Both ends of a range of days (either may be empty) as the RFC 3339 times the audit API takes:
 *  from the start of `from` to the end of `to` (the start of the next day, exclusive). */
export function dayRangeToTimes(from: string, to: string): { from?: string; to?: string } {
  const valid = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(d + "T00:00:00Z"));
  return {
    ...(valid(from) ? { from: from + "T00:00:00Z" } : {}),
    ...(valid(to) ? { to: addDays(to, 1) + "T00:00:00Z" } : {}),
  };
}

/** "usage-model-2026-11-02-2026-12-01.csv" (the name the server gives the same report). */
export function csvFilename(groupBy: UsageGroup, from: string, to: string): string {
  const safe = (s: string) => s.replace(/[^0-9A-Za-z-]/g, "");
  return `usage-${safe(groupBy)}-${safe(from)}-${safe(to)}.csv`;
}

/** An audit entry's detail on one line, cut at `max` characters; empty for no detail. */
export function shortJson(value: unknown, max = 80): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object" && Object.keys(value).length === 0) return "";
  let text: string;
  try {
    text = JSON.stringify(value) ?? "";
  } catch {
    text = "…"; // a cycle or a BigInt: nothing readable to show
  }
  return text.length > max ? text.slice(0, Math.max(0, max - 1)) + "…" : text;
}
