// Small pieces every admin page uses: a horizontally scrolling table region, the loading /
// empty / error lines and the "more" button of paged lists.
import type { ReactNode } from "react";
import { describeError } from "../lib/errors";
import { buttonSecondary } from "../ui/styles";
import { useAdminT } from "./i18n";
import { muted, tableRegion } from "./styles";

/** A table that scrolls sideways inside itself on narrow screens (never the page); focusable so
 *  the keyboard can scroll it too. */
export function TableRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className={tableRegion}>
      {children}
    </div>
  );
}

export function ErrorLine({ error }: { error: unknown }) {
  const t = useAdminT();
  if (error === undefined || error === null) return null;
  return (
    <p role="alert" data-testid="admin-error" className="text-sm text-red-700 dark:text-red-400">
      {describeError(t, error)}
    </p>
  );
}

/** "Loading…" while the first page comes, "Nothing found." when it came empty. */
export function ListState({ loading, empty, error }: { loading: boolean; empty: boolean; error: unknown }) {
  const t = useAdminT();
  if (error !== undefined && error !== null) return <ErrorLine error={error} />;
  if (loading && empty) return <p className={"text-sm " + muted}>{t("loading")}</p>;
  if (empty) return <p className={"text-sm " + muted} data-testid="admin-empty">{t("adm_noResults")}</p>;
  return null;
}

export function MoreButton({ hasMore, loading, onMore }: { hasMore: boolean; loading: boolean; onMore: () => void }) {
  const t = useAdminT();
  if (!hasMore) return null;
  return (
    <div>
      <button type="button" data-testid="admin-more" disabled={loading} onClick={onMore} className={buttonSecondary}>
        {loading ? t("loading") : t("adm_more")}
      </button>
    </div>
  );
}

export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-2">
      <h2 className="text-xl font-bold">{title}</h2>
      {children}
    </div>
  );
}
