import { typingText, useT } from "../lib/i18n";

/** "Alice is typing…" above the composer. The line keeps its height when empty, so the layout
 *  does not jump as people start and stop typing. */
export function TypingIndicator({ names }: { names: readonly string[] }) {
  const t = useT();
  return (
    <div className="mx-auto h-5 w-full max-w-3xl px-3 sm:px-6" aria-live="polite">
      {names.length > 0 && (
        <p data-testid="typing-indicator" className="flex items-center gap-1.5 truncate text-xs text-zinc-600 dark:text-zinc-400">
          <span aria-hidden="true" className="typing-dots inline-flex gap-0.5">
            <span />
            <span />
            <span />
          </span>
          {typingText(t, names)}
        </p>
      )}
    </div>
  );
}
