import { useId, useState, type KeyboardEvent } from "react";
import { useT } from "../lib/i18n";
import { StopIcon } from "../ui/icons";

interface Props {
  disabled: boolean;
  streaming: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
  onTyping: (typing: boolean) => void;
}

/** Enter sends, Shift+Enter inserts a newline, Esc stops the streaming answer. */
export function Composer({ disabled, streaming, onSend, onStop, onTyping }: Props) {
  const t = useT();
  const id = useId();
  const [text, setText] = useState("");

  const submit = () => {
    const content = text.trim();
    if (!content || disabled) return;
    onSend(content);
    setText("");
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape" && streaming) {
      e.preventDefault();
      onStop();
    }
  };

  return (
    <form
      className="border-t border-zinc-200 p-2 sm:p-3 dark:border-zinc-800"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="mx-auto flex max-w-3xl items-end gap-2">
        <label htmlFor={id} className="sr-only">
          {t("composerLabel")}
        </label>
        <textarea
          id={id}
          data-testid="composer"
          rows={Math.min(6, Math.max(1, text.split("\n").length))}
          value={text}
          placeholder={t("composerPlaceholder")}
          onChange={(e) => {
            setText(e.target.value);
            onTyping(e.target.value.length > 0);
          }}
          onBlur={() => onTyping(false)}
          onKeyDown={onKeyDown}
          className="min-h-[2.75rem] flex-1 resize-none rounded-xl border border-zinc-500 bg-white px-3 py-2 text-base placeholder:text-zinc-500 dark:bg-zinc-900 dark:placeholder:text-zinc-400"
        />
        {streaming && (
          <button
            type="button"
            data-testid="stop"
            onClick={onStop}
            title={t("stop") + " (Esc)"}
            className="inline-flex h-11 items-center gap-1.5 rounded-xl border border-zinc-300 px-3 font-medium hover:bg-zinc-100 dark:border-zinc-600 dark:hover:bg-zinc-800"
          >
            <StopIcon />
            {t("stop")}
          </button>
        )}
        <button
          type="submit"
          data-testid="send"
          disabled={disabled || text.trim() === ""}
          className="h-11 rounded-xl bg-indigo-600 px-4 font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
        >
          {t("send")}
        </button>
      </div>
    </form>
  );
}
