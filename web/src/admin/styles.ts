// Tailwind class strings of the admin pages (kept out of component files, which export
// components only).
export const th = "whitespace-nowrap px-3 py-2 text-left font-semibold";
export const thNum = "whitespace-nowrap px-3 py-2 text-right font-semibold";
export const td = "px-3 py-2 align-middle";
export const tdNum = "whitespace-nowrap px-3 py-2 text-right align-middle tabular-nums";
export const table = "w-full border-collapse text-sm";
export const thead = "border-b border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-900";
export const row = "border-b border-zinc-200/80 last:border-b-0 dark:border-zinc-800";
export const muted = "text-zinc-600 dark:text-zinc-400";
export const link = "text-indigo-700 underline hover:text-indigo-900 dark:text-indigo-300 dark:hover:text-indigo-200";
/** A compact input or select inside a table row. */
export const smallInput =
  "rounded-md border border-zinc-500 bg-white px-2 py-1 text-sm placeholder:text-zinc-500 dark:bg-zinc-950 dark:placeholder:text-zinc-400";
/** The frame of a table: scrolls sideways inside itself. */
export const tableRegion =
  "max-w-full overflow-x-auto rounded-2xl border border-zinc-200/80 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900";
