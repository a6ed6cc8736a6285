import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useT } from "../lib/i18n";
import { MessageItem } from "./MessageItem";
import type { ViewMessage } from "./view";

interface Props {
  items: ViewMessage[];
  userId: string | null;
  demoModels: ReadonlySet<string>;
  onRegenerate: (id: string) => void;
  onRetry: (view: ViewMessage) => void;
  typing: string[];
}

const NEAR_BOTTOM = 48;

/** Messages with auto-scroll that pauses while the user has scrolled up (a pill then offers the
 *  new messages). */
export function MessageList({ items, userId, demoModels, onRegenerate, onRetry, typing }: Props) {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [pill, setPill] = useState(false);
  const count = items.length;
  const lastContent = items[count - 1]?.content.length ?? 0;

  const toBottom = useCallback(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
    stick.current = true;
    setPill(false);
  }, []);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM;
    if (stick.current) setPill(false);
  };

  const prevCount = useRef(count);
  useLayoutEffect(() => {
    const grew = count > prevCount.current;
    prevCount.current = count;
    if (stick.current) {
      const el = ref.current;
      if (el) el.scrollTop = el.scrollHeight;
    } else if (grew) setPill(true);
  }, [count, lastContent]);

  useEffect(() => {
    stick.current = true;
  }, []);

  let lastAssistant = -1;
  items.forEach((v, i) => {
    if (v.role === "assistant" && !v.streaming && v.message && v.replyTo) lastAssistant = i;
  });

  return (
    <div className="relative min-h-0 flex-1">
      <div ref={ref} onScroll={onScroll} className="h-full overflow-y-auto px-3 py-4 sm:px-6" aria-live="polite" aria-relevant="additions">
        {count === 0 ? (
          <p className="mt-10 text-center text-zinc-500">{t("noMessages")}</p>
        ) : (
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
              />
            ))}
          </ol>
        )}
        {typing.length > 0 && (
          <p className="mx-auto mt-2 max-w-3xl text-xs text-zinc-500">
            {typing.join(", ")} {t("typing")}
          </p>
        )}
      </div>
      {pill && (
        <button
          type="button"
          onClick={toBottom}
          className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full bg-indigo-600 px-4 py-1.5 text-sm text-white shadow-lg hover:bg-indigo-500"
        >
          ↓ {t("newMessages")}
        </button>
      )}
    </div>
  );
}
