import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useT } from "../lib/i18n";
import type { ErrorBody } from "../lib/types";
import { ArrowDownIcon, ArrowUpIcon } from "../ui/icons";
import type { ShownMessage } from "./branches";
import { canModify } from "./edits";
import { MessageItem } from "./MessageItem";

interface Props {
  items: ShownMessage[];
  userId: string | null;
  demoModels: ReadonlySet<string>;
  onRegenerate: (id: string) => void;
  onRetry: (view: ShownMessage) => void;
  onEdit: (id: string, content: string) => Promise<ErrorBody | null>;
  onDelete: (id: string) => Promise<ErrorBody | null>;
  onSelectBranch: (questionId: string, answerId: string) => void;
  /** A message to scroll to and highlight (a search result), once it is listed. */
  focus: { messageId: string; nonce: number } | null;
  /** The focus was shown (it is not shown again when the list comes back). */
  onFocused: () => void;
  /** The room's history has arrived (its join was answered). */
  loaded: boolean;
  /** Older messages exist and are not loaded yet. */
  canLoadOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
}

const NEAR_BOTTOM = 48;
/** Scrolling this close to the top loads the previous page. */
const NEAR_TOP = 160;
/** How long a message opened from a search result stays highlighted (ms). */
const HIGHLIGHT_MS = 4000;

/** Messages with auto-scroll that pauses while the user has scrolled up (a pill then offers the
 *  new messages). Scrolling to the top loads older messages, prepended without moving what the
 *  user is looking at. Render it with `key={roomId}`: its scroll state belongs to one room. */
export function MessageList(props: Props) {
  const { items, userId, demoModels, onRegenerate, onRetry, onEdit, onDelete, onSelectBranch, focus, onFocused } = props;
  const { loaded, canLoadOlder, loadingOlder, onLoadOlder } = props;
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [pill, setPill] = useState(false);
  const count = items.length;
  const firstId = items[0]?.id;
  const lastId = items[count - 1]?.id;
  const lastContent = items[count - 1]?.content.length ?? 0;

  const toBottom = useCallback(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
    stick.current = true;
    setPill(false);
  }, []);

  const maybeLoadOlder = useCallback(() => {
    const el = ref.current;
    if (!el || !canLoadOlder || loadingOlder) return;
    if (el.scrollTop < NEAR_TOP || el.scrollHeight <= el.clientHeight) onLoadOlder();
  }, [canLoadOlder, loadingOlder, onLoadOlder]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM;
    if (stick.current) setPill(false);
    maybeLoadOlder();
  };

  // Prepended older messages: keep the message that was first at the same place on screen.
  // (The browser's own scroll anchoring is off for this list, so it does not adjust twice.)
  const anchor = useRef<{ id: string; top: number } | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const prev = anchor.current;
    if (prev && firstId && prev.id !== firstId && !stick.current) {
      const node = el.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(prev.id)}"]`);
      if (node) el.scrollTop += node.offsetTop - prev.top;
    }
    const first = firstId ? el.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(firstId)}"]`) : null;
    anchor.current = firstId && first ? { id: firstId, top: first.offsetTop } : null;
  }, [firstId]);

  // New messages at the end: follow them while at the bottom, else offer the pill.
  const prevLast = useRef(lastId);
  useLayoutEffect(() => {
    const appended = lastId !== prevLast.current && prevLast.current !== undefined;
    prevLast.current = lastId;
    if (stick.current) {
      const el = ref.current;
      if (el) el.scrollTop = el.scrollHeight;
    } else if (appended) setPill(true);
  }, [lastId, count, lastContent]);

  // A search result: once its message is listed, scroll it to the middle and outline it for a
  // moment. The list stops following new messages, as when the user scrolls up.
  const [highlight, setHighlight] = useState<string | null>(null);
  const focused = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !focus || focused.current === focus.nonce) return;
    const node = el.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(focus.messageId)}"]`);
    if (!node) return;
    focused.current = focus.nonce;
    stick.current = false;
    node.scrollIntoView({ block: "center" });
    setHighlight(focus.messageId);
    onFocused();
  }, [focus, items, onFocused]);
  useEffect(() => {
    if (!highlight) return;
    const timer = setTimeout(() => setHighlight(null), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlight]);

  // A short history that does not fill the screen cannot be scrolled up: load more at once.
  useEffect(() => {
    if (loaded) maybeLoadOlder();
  }, [loaded, count, maybeLoadOlder]);

  let lastAssistant = -1;
  items.forEach((v, i) => {
    if (v.role === "assistant" && !v.streaming && v.message && v.replyTo) lastAssistant = i;
  });

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={ref}
        onScroll={onScroll}
        data-testid="message-list"
        data-loaded={loaded}
        className="relative h-full overflow-y-auto px-3 py-4 [overflow-anchor:none] sm:px-6"
        aria-live="polite"
        aria-relevant="additions"
        aria-busy={!loaded || loadingOlder}
      >
        {!loaded && count === 0 ? (
          <p className="mt-10 text-center text-zinc-600 dark:text-zinc-400">{t("loading")}</p>
        ) : count === 0 ? (
          <p className="mt-10 text-center text-zinc-600 dark:text-zinc-400">{t("noMessages")}</p>
        ) : (
          <>
            <div className="mx-auto mb-3 flex h-8 max-w-3xl items-center justify-center">
              {canLoadOlder || loadingOlder ? (
                <button
                  type="button"
                  data-testid="load-older"
                  onClick={onLoadOlder}
                  disabled={loadingOlder}
                  className="inline-flex items-center gap-1 rounded-full border border-zinc-300 px-3 py-1 text-xs text-zinc-600 hover:bg-zinc-100 disabled:opacity-70 dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800"
                >
                  {loadingOlder ? (
                    t("loadingOlder")
                  ) : (
                    <>
                      <ArrowUpIcon />
                      {t("loadOlder")}
                    </>
                  )}
                </button>
              ) : (
                loaded && (
                  <p data-testid="history-start" className="text-xs text-zinc-600 dark:text-zinc-400">
                    {t("historyStart")}
                  </p>
                )
              )}
            </div>
            <ol className="mx-auto flex max-w-3xl flex-col gap-4">
              {items.map((v, i) => (
                <MessageItem
                  key={v.message?.clientId && v.message.local ? "local-" + v.message.clientId : v.id}
                  view={v}
                  mine={v.role === "user" && v.message?.userId === userId && userId !== null}
                  demo={v.model !== null && demoModels.has(v.model)}
                  canRegenerate={i === lastAssistant}
                  onRegenerate={onRegenerate}
                  onRetry={onRetry}
                  canModify={canModify(v.message, userId)}
                  onEdit={onEdit}
                  onDelete={onDelete}
                  onSelectBranch={onSelectBranch}
                  highlighted={highlight === v.id}
                />
              ))}
            </ol>
          </>
        )}
      </div>
      {pill && (
        <button
          type="button"
          onClick={toBottom}
          className="absolute bottom-3 left-1/2 inline-flex -translate-x-1/2 items-center gap-1.5 rounded-full bg-indigo-600 px-4 py-1.5 text-sm text-white shadow-lg hover:bg-indigo-700"
        >
          <ArrowDownIcon />
          {t("newMessages")}
        </button>
      )}
    </div>
  );
}
