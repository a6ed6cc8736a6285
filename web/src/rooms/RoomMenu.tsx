import { useCallback, useId, useRef, useState } from "react";
import type { ExportFormat } from "../lib/conversationApi";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import { searchExpanded } from "../search/searchUi";
import { MoreIcon } from "../ui/icons";
import { iconButton } from "../ui/styles";
import { useDismiss } from "../ui/usePopover";
import { exportRoom } from "./exportRoom";

interface Props {
  roomId: string;
  roomName: string;
  /** The room's owner or an admin: may make share links. */
  canShare: boolean;
  onShare: () => void;
}

const item =
  "block w-full rounded-md px-3 py-2 text-left text-sm hover:bg-zinc-100 disabled:opacity-50 dark:hover:bg-zinc-800";

/** The room's "⋯" menu in the header: export (Markdown, JSON) and share links; on narrow
 *  screens, search too (the header has no room for its own button there). */
export function RoomMenu({ roomId, roomName, canShare, onShare }: Props) {
  const t = useT();
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [error, setError] = useState<string | null>(null);
  const close = useCallback(() => setOpen(false), []);
  useDismiss(open, ref, close);

  const download = async (format: ExportFormat) => {
    setBusy(format);
    setError(null);
    try {
      await exportRoom(roomId, roomName, format);
      setOpen(false);
    } catch (err) {
      setError(describeError(t, err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        data-testid="room-menu"
        aria-label={t("roomMenu")}
        title={t("roomMenu")}
        aria-expanded={open}
        aria-controls={id}
        onClick={() => {
          setError(null);
          setOpen((o) => !o);
        }}
        className={iconButton + (open ? " bg-zinc-200 dark:bg-zinc-800" : "")}
      >
        <MoreIcon className="h-5 w-5" />
      </button>
      {open && (
        <div
          id={id}
          className="fixed inset-x-2 top-14 z-40 rounded-xl sm:absolute sm:inset-x-auto sm:top-full sm:right-0 sm:mt-1 sm:w-56 border border-zinc-200 bg-white p-1 text-zinc-900 shadow-xl dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
        >
          <button
            type="button"
            data-testid="search-open"
            onClick={() => {
              setOpen(false);
              searchExpanded.set(true);
            }}
            className={item + " sm:hidden"}
          >
            {t("openSearch")}
          </button>
          <button type="button" data-testid="export-md" disabled={busy !== null} onClick={() => void download("md")} className={item}>
            {busy === "md" ? t("exporting") : t("exportMarkdown")}
          </button>
          <button type="button" data-testid="export-json" disabled={busy !== null} onClick={() => void download("json")} className={item}>
            {busy === "json" ? t("exporting") : t("exportJson")}
          </button>
          {canShare && (
            <button
              type="button"
              data-testid="share-open"
              onClick={() => {
                setOpen(false);
                onShare();
              }}
              className={item}
            >
              {t("share")}
            </button>
          )}
          {error && (
            <p role="alert" className="px-3 py-2 text-xs text-red-700 dark:text-red-400">
              {error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
