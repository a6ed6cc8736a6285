// Message times in the UI language (pure): today's as a time, older ones with their date.

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "3:04 PM" today, "12/1/26, 3:04 PM" on another day; the raw text when it is not a time. */
export function formatMessageTime(iso: string | null | undefined, lang: string, now: Date = new Date(), timeZone?: string): string {
  if (!iso) return "";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const zone = timeZone ? { timeZone } : {};
  const today = timeZone ? false : sameDay(new Date(at), now);
  const opts: Intl.DateTimeFormatOptions = today ? { timeStyle: "short", ...zone } : { dateStyle: "short", timeStyle: "short", ...zone };
  return new Intl.DateTimeFormat(lang, opts).format(at);
}
