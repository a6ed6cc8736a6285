import { useState } from "react";
import { errorSentence } from "../lib/errors";
import { useT } from "../lib/i18n";
import type { ErrorBody } from "../lib/types";

interface Props {
  onEdit: () => void;
  /** Deletes the message; resolves to the error to show, or null. */
  onDelete: () => Promise<ErrorBody | null>;
}

const small =
  "rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-200 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100";

/** "Edit" and "Delete" beside the author of one's own message (before its text, which stays the
 *  last line of the item); deleting asks first. On devices with a mouse they show while the
 *  message is hovered or focused. */
export function OwnMessageActions({ onEdit, onDelete }: Props) {
  const t = useT();
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);

  const remove = async () => {
    setBusy(true);
    setError(null);
    const err = await onDelete();
    setBusy(false);
    if (err) setError(err);
    else setConfirm(false);
  };

  if (confirm)
    return (
      <div className="flex flex-wrap items-center justify-end gap-2">
        <span>{t("deleteMessageQuestion")}</span>
        <button
          type="button"
          data-testid="message-delete-confirm"
          disabled={busy}
          onClick={() => void remove()}
          className="rounded bg-red-700 px-2 py-0.5 font-medium text-white hover:bg-red-800 disabled:opacity-50"
        >
          {t("confirmDeleteMessage")}
        </button>
        <button type="button" onClick={() => setConfirm(false)} className={small}>
          {t("cancel")}
        </button>
        {error && (
          <p role="alert" className="w-full text-right text-red-700 dark:text-red-400">
            {errorSentence(t, { code: error.code })}
          </p>
        )}
      </div>
    );

  return (
    <div className="-my-0.5 flex gap-1 transition-opacity [@media(hover:hover)]:opacity-0 [@media(hover:hover)]:group-focus-within:opacity-100 [@media(hover:hover)]:group-hover:opacity-100">
      <button type="button" data-testid="message-edit" onClick={onEdit} className={small}>
        {t("edit")}
      </button>
      <button type="button" data-testid="message-delete" onClick={() => setConfirm(true)} className={small}>
        {t("deleteMessage")}
      </button>
    </div>
  );
}
