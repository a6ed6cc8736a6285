import type { ReactNode } from "react";
import type { ConnectionStatus } from "../chat/state";
import { api } from "../lib/api";
import { useT } from "../lib/i18n";
import type { User } from "../lib/types";
import { ConnectionStatusBadge } from "./ConnectionBanner";
import { MenuIcon } from "./icons";
import { LangSwitch } from "./LangSwitch";
import { ThemeToggle } from "./ThemeToggle";
import { iconButton } from "./styles";

interface Props {
  title: string;
  /** A second, smaller line under the title (members and who is online). */
  subtitle?: string;
  status: ConnectionStatus;
  user: User | null;
  demo: boolean;
  drawerOpen: boolean;
  onMenu: () => void;
  /** Controls for what the page shows (e.g. the room settings link). */
  actions?: ReactNode;
  accountOpen?: boolean;
}

export function Header({ title, subtitle, status, user, demo, drawerOpen, onMenu, actions, accountOpen }: Props) {
  const t = useT();
  const initial = (user?.name.trim()[0] ?? "?").toUpperCase();
  return (
    // Above the page (z-20): its menus and search results open over the content below.
    <header className="relative z-20 flex items-center gap-1.5 border-b border-zinc-200 bg-white/70 px-2 py-1.5 backdrop-blur sm:gap-2 sm:px-3 dark:border-zinc-800 dark:bg-zinc-950/70">
      <button
        type="button"
        onClick={onMenu}
        aria-label={drawerOpen ? t("closeRooms") : t("openRooms")}
        aria-expanded={drawerOpen}
        aria-controls="room-drawer"
        className={iconButton + " md:hidden"}
      >
        <MenuIcon className="h-5 w-5" />
      </button>
      <div className="min-w-0 flex-1">
        <h1 className="truncate font-semibold leading-tight">{title}</h1>
        {subtitle && (
          <p data-testid="room-presence" className="truncate text-xs leading-tight text-zinc-600 dark:text-zinc-400">
            {subtitle}
          </p>
        )}
      </div>
      {actions}
      {demo && (
        <span
          className="hidden rounded bg-amber-100 px-2 py-0.5 text-xs text-amber-900 lg:inline dark:bg-amber-900/50 dark:text-amber-100"
          title={t("demoModel")}
        >
          {t("demoModel")}
        </span>
      )}
      {demo && (
        <span className="rounded bg-amber-100 px-1 text-xs text-amber-900 lg:hidden dark:bg-amber-900/50 dark:text-amber-100" title={t("demoModel")}>
          {t("demoBadge")}
        </span>
      )}
      <ConnectionStatusBadge status={status} />
      {user?.role === "admin" && (
        <a href="#/admin" data-testid="admin-link" className="hidden rounded-md px-2 py-1 text-sm hover:bg-zinc-200 sm:inline dark:hover:bg-zinc-800">
          {t("admin")}
        </a>
      )}
      <span className="hidden sm:inline-flex">
        <LangSwitch />
      </span>
      <ThemeToggle />
      <a
        href="#/account"
        data-testid="account-link"
        aria-label={user ? t("accountOf", { name: user.name }) : t("account")}
        title={t("account")}
        aria-current={accountOpen ? "page" : undefined}
        className="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full hover:bg-zinc-200 dark:hover:bg-zinc-800"
      >
        <span
          aria-hidden="true"
          className={
            "flex h-7 w-7 items-center justify-center rounded-full text-sm font-semibold text-white " +
            (accountOpen ? "bg-indigo-700 ring-2 ring-indigo-300 dark:ring-indigo-500" : "bg-indigo-600")
          }
        >
          {initial}
        </span>
      </a>
      <button
        type="button"
        onClick={() => void api.logout()}
        className="hidden rounded-md px-2 py-1 text-sm hover:bg-zinc-200 sm:block dark:hover:bg-zinc-800"
      >
        {t("signOut")}
      </button>
    </header>
  );
}
