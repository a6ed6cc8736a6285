import { useT } from "../lib/i18n";
import { toggleTheme, useTheme } from "../lib/prefs";
import { MoonIcon, SunIcon } from "./icons";
import { iconButton } from "./styles";

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
      className={iconButton}
    >
      {theme === "dark" ? <SunIcon className="h-5 w-5" /> : <MoonIcon className="h-5 w-5" />}
    </button>
  );
}
