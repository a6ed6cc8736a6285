// The admin console (#/admin…, lazy-loaded in its own chunk): a header, the navigation between
// its pages, and the page. Signed-in users who are not administrators see why they cannot use it.
import type { ReactNode } from "react";
import type { AdminPage } from "../lib/router";
import { LangSwitch } from "../ui/LangSwitch";
import { ThemeToggle } from "../ui/ThemeToggle";
import { AuditPage } from "./AuditPage";
import { DashboardPage } from "./DashboardPage";
import { useMe } from "./data";
import { ErrorsPage } from "./ErrorsPage";
import { useAdminT, type AdminKey } from "./i18n";
import { RoomsPage } from "./RoomsPage";
import { adminPath, NAV_PAGES, navPageOf, type NavPage } from "./routes";
import { muted } from "./styles";
import { ThreadPage } from "./ThreadPage";
import { ErrorLine } from "./ui";
import { UsagePage } from "./UsagePage";
import { UsersPage } from "./UsersPage";

const NAV_LABEL: Record<NavPage, AdminKey> = {
  dashboard: "adm_dashboard",
  users: "adm_users",
  rooms: "adm_rooms",
  usage: "adm_usage",
  audit: "adm_audit",
  errors: "adm_errors",
};

export default function AdminApp({ page, roomId }: { page: AdminPage; roomId: string | null }) {
  const t = useAdminT();
  const me = useMe();
  const admin = me.data?.role === "admin";

  let body: ReactNode;
  if (me.error !== undefined) body = <ErrorLine error={me.error} />;
  else if (!me.data) body = <p className={muted}>{t("loading")}</p>;
  else if (!admin)
    body = (
      <p role="alert" data-testid="admin-forbidden" className="rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-900 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-100">
        {t("adm_forbidden")}
      </p>
    );
  else body = pageBody(page, roomId);

  return (
    <div className="flex h-full flex-col">
      <header className="flex items-center gap-1.5 border-b border-zinc-200 bg-white/70 px-2 py-1.5 backdrop-blur sm:gap-2 sm:px-3 dark:border-zinc-800 dark:bg-zinc-950/70">
        <h1 className="min-w-0 flex-1 truncate font-semibold">{t("adm_title")}</h1>
        <a href="#/" data-testid="admin-back" className="shrink-0 rounded-md px-2 py-1 text-sm hover:bg-zinc-200 dark:hover:bg-zinc-800">
          {t("backToChat")}
        </a>
        <span className="hidden sm:inline-flex">
          <LangSwitch />
        </span>
        <ThemeToggle />
      </header>
      {admin && <AdminNav current={navPageOf(page)} />}
      <main className="min-h-0 flex-1 overflow-y-auto" data-testid="admin-page" data-page={admin ? page : "none"}>
        <div className="mx-auto flex max-w-6xl min-w-0 flex-col gap-4 p-3 sm:p-6">{body}</div>
      </main>
    </div>
  );
}

function AdminNav({ current }: { current: NavPage }) {
  const t = useAdminT();
  return (
    <nav aria-label={t("adm_nav")} className="border-b border-zinc-200 px-2 py-1.5 sm:px-3 dark:border-zinc-800">
      <ul className="mx-auto flex max-w-6xl flex-wrap gap-1">
        {NAV_PAGES.map((p) => (
          <li key={p}>
            <a
              href={"#" + adminPath(p)}
              data-testid={"admin-nav-" + p}
              aria-current={p === current ? "page" : undefined}
              className={
                "block rounded-md px-2.5 py-1 text-sm " +
                (p === current
                  ? "bg-indigo-600 font-medium text-white"
                  : "text-zinc-800 hover:bg-zinc-200 dark:text-zinc-200 dark:hover:bg-zinc-800")
              }
            >
              {t(NAV_LABEL[p])}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function pageBody(page: AdminPage, roomId: string | null): ReactNode {
  switch (page) {
    case "users":
      return <UsersPage />;
    case "rooms":
      return <RoomsPage />;
    case "thread":
      return roomId ? <ThreadPage key={roomId} roomId={roomId} /> : <RoomsPage />;
    case "usage":
      return <UsagePage />;
    case "audit":
      return <AuditPage />;
    case "errors":
      return <ErrorsPage />;
    default:
      return <DashboardPage />;
  }
}
