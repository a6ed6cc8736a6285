import { useT } from "../lib/i18n";
import { dismissNotice, useNotice } from "../lib/notice";
import { CloseIcon } from "./icons";

/** The current notice (lib/notice.ts), over the top of the page; it never takes the focus. */
export function NoticeToast() {
  const t = useT();
  const notice = useNotice();
  return (
    <div aria-live="polite" className="pointer-events-none fixed inset-x-0 top-14 z-50 flex justify-center px-3">
      {notice && (
        <div
          role="status"
          data-testid="notice"
          data-notice={notice.key}
          className="pointer-events-auto flex max-w-md items-start gap-2 rounded-lg border border-zinc-200 bg-white px-4 py-2 text-sm shadow-lg dark:border-zinc-700 dark:bg-zinc-800"
        >
          <span className="min-w-0 flex-1">{t(notice.key, notice.vars)}</span>
          <button
            type="button"
            data-testid="notice-dismiss"
            onClick={() => dismissNotice(notice.id)}
            aria-label={t("dismiss")}
            title={t("dismiss")}
            className="-mr-2 rounded p-0.5 text-zinc-600 dark:text-zinc-400 hover:bg-zinc-200 hover:text-zinc-800 dark:hover:bg-zinc-700 dark:hover:text-zinc-100"
          >
            <CloseIcon className="h-4 w-4" />
          </button>
        </div>
      )}
    </div>
  );
}
