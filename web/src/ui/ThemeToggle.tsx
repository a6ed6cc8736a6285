import { useT } from "../lib/i18n";
import { toggleTheme, useTheme } from "../lib/prefs";

export function ThemeToggle() {
  const theme = useTheme();
  const t = useT();
  const label = theme === "dark" ? t("themeToggleLight") : t("themeToggleDark");
  return (
    <button
      type="button"
      data-testid="theme-toggle"
      onClick={toggleTheme}
      aria-label={label}
      title={label}
      className="rounded-md p-2 hover:bg-zinc-200 dark:hover:bg-zinc-800"
    >
      <span aria-hidden="true">{theme === "dark" ? "☀️" : "🌙"}</span>
    </button>
  );
}
