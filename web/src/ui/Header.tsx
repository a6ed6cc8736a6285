import type { ConnectionStatus } from "../chat/state";
import { api } from "../lib/api";
import { useT } from "../lib/i18n";
import type { User } from "../lib/types";
import { ConnectionStatusBadge } from "./ConnectionBanner";
import { LangSwitch } from "./LangSwitch";
import { ThemeToggle } from "./ThemeToggle";

interface Props {
  title: string;
  status: ConnectionStatus;
  user: User | null;
  demo: boolean;
  drawerOpen: boolean;
  onMenu: () => void;
}

export function Header({ title, status, user, demo, drawerOpen, onMenu }: Props) {
  const t = useT();
  return (
    <header className="flex items-center gap-2 border-b border-zinc-200 px-2 py-2 sm:px-3 dark:border-zinc-800">
      <button
        type="button"
        onClick={onMenu}
        aria-label={drawerOpen ? t("closeRooms") : t("openRooms")}
        aria-expanded={drawerOpen}
        aria-controls="room-drawer"
        className="rounded-md p-2 hover:bg-zinc-200 md:hidden dark:hover:bg-zinc-800"
      >
        <span aria-hidden="true">☰</span>
      </button>
      <h1 className="min-w-0 flex-1 truncate font-semibold">{title}</h1>
      {demo && (
        <span
          className="hidden rounded bg-amber-100 px-2 py-0.5 text-xs text-amber-900 sm:inline dark:bg-amber-900/50 dark:text-amber-100"
          title={t("demoModel")}
        >
          {t("demoModel")}
        </span>
      )}
      {demo && (
        <span className="rounded bg-amber-100 px-1 text-xs text-amber-900 sm:hidden dark:bg-amber-900/50 dark:text-amber-100" title={t("demoModel")}>
          {t("demoBadge")}
        </span>
      )}
      <ConnectionStatusBadge status={status} />
      {user?.role === "admin" && (
        <a href="#/admin" data-testid="admin-link" className="rounded-md px-2 py-1 text-sm hover:bg-zinc-200 dark:hover:bg-zinc-800">
          {t("admin")}
        </a>
      )}
      <LangSwitch />
      <ThemeToggle />
      <button type="button" onClick={() => void api.logout()} className="rounded-md px-2 py-1 text-sm hover:bg-zinc-200 dark:hover:bg-zinc-800">
        {t("signOut")}
      </button>
    </header>
  );
}
