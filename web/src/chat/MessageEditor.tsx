import { useId, useState, type KeyboardEvent } from "react";
import { errorSentence } from "../lib/errors";
import { useT } from "../lib/i18n";
import type { ErrorBody } from "../lib/types";
import { buttonSecondary } from "../ui/styles";

interface Props {
  initial: string;
  /** Saves the text; resolves to the error to show, or null when saved. */
  onSave: (content: string) => Promise<ErrorBody | null>;
  onDone: () => void;
}

/** Inline editor of one's own message: Enter saves, Shift+Enter adds a line, Esc cancels. */
export function MessageEditor({ initial, onSave, onDone }: Props) {
  const t = useT();
  const id = useId();
  const [text, setText] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);

  const save = async () => {
    const content = text.trim();
    if (!content || busy) return;
    if (content === initial.trim()) {
      onDone();
      return;
    }
    setBusy(true);
    setError(null);
    const err = await onSave(content);
    setBusy(false);
    if (err) setError(err);
    else onDone();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onDone();
    } else if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void save();
    }
  };

  return (
    <form
      className="flex w-full max-w-[90%] min-w-0 flex-col gap-1.5 sm:max-w-[75%]"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label htmlFor={id} className="sr-only">
        {t("editMessage")}
      </label>
      <textarea
        id={id}
        data-testid="message-edit-input"
        autoFocus
        value={text}
        rows={Math.min(8, Math.max(2, text.split("\n").length))}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby={id + "-hint"}
        className="w-full resize-y rounded-xl border border-zinc-500 bg-white px-3 py-2 text-base dark:bg-zinc-900"
      />
      <p id={id + "-hint"} className="text-xs text-zinc-600 dark:text-zinc-400">
        {t("editHint")}
      </p>
      {error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          {errorSentence(t, { code: error.code, ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}) }, "send")}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <button type="button" onClick={onDone} className={buttonSecondary}>
          {t("cancel")}
        </button>
        <button
          type="submit"
          data-testid="message-edit-save"
          disabled={busy || text.trim() === ""}
          className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
        >
          {busy ? t("saving") : t("save")}
        </button>
      </div>
    </form>
  );
}
