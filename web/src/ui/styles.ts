// Tailwind class strings shared by several components (kept out of component files, so those
// export components only).
export const buttonPrimary =
  "rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-50";
export const buttonSecondary =
  "rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-600 dark:hover:bg-zinc-800";
export const buttonDanger =
  "rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-50";
export const buttonDangerOutline =
  "rounded-md border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50 disabled:opacity-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950/40";
/** Text inputs, selects and textareas outside the auth forms; read-only ones look muted. */
export function inputClass(readOnly = false): string {
  return (
    "w-full rounded-md border border-zinc-500 px-3 py-2 text-base placeholder:text-zinc-500 dark:placeholder:text-zinc-400 " +
    (readOnly ? "bg-zinc-50 text-zinc-600 dark:bg-zinc-900 dark:text-zinc-300" : "bg-white dark:bg-zinc-950")
  );
}
/** A section of a settings page: a light, translucent card. */
export const card =
  "rounded-2xl border border-zinc-200/80 bg-white/70 p-4 shadow-sm backdrop-blur sm:p-5 dark:border-zinc-800 dark:bg-zinc-900/60";
/** A square, icon-only button or link (header controls). */
export const iconButton =
  "inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-md hover:bg-zinc-200 dark:hover:bg-zinc-800";
