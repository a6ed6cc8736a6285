import { lazy, memo, Suspense } from "react";
import { errorSentence } from "../lib/errors";
import { useT } from "../lib/i18n";
import { CursorIcon, RegenerateIcon } from "../ui/icons";
import type { ViewMessage } from "./view";

const Markdown = lazy(() => import("./Markdown"));

interface Props {
  view: ViewMessage;
  mine: boolean;
  demo: boolean;
  canRegenerate: boolean;
  onRegenerate: (id: string) => void;
  onRetry: (view: ViewMessage) => void;
}

export const MessageItem = memo(function MessageItem({ view, mine, demo, canRegenerate, onRegenerate, onRetry }: Props) {
  const t = useT();
  const assistant = view.role === "assistant";
  const local = view.message?.local;
  const plain = <p className="wrap-anywhere whitespace-pre-wrap">{view.content}</p>;
  const statusText =
    view.status === "streaming"
      ? t("streaming")
      : view.status === "stopped"
        ? t("stopped")
        : view.status === "sending"
          ? t("sending")
          : view.status === "failed" || view.status === "error"
            ? t("failed")
            : null;
  const err = local === "failed" ? view.message?.localError : view.error;
  return (
    <li
      data-testid="message"
      data-role={assistant ? "assistant" : "user"}
      data-status={view.status}
      data-message-id={view.id}
      className={"flex flex-col gap-1 " + (mine ? "items-end" : "items-start")}
    >
      <div className="flex items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
        <span className="font-medium">{mine ? t("you") : (view.userName ?? (assistant ? t("assistant") : ""))}</span>
        {assistant && demo && (
          <span className="rounded bg-amber-100 px-1 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100" title={t("demoModel")}>
            {t("demoBadge")}
          </span>
        )}
        {statusText && <span aria-live={view.streaming ? "off" : "polite"}>{statusText}</span>}
      </div>
      <div
        data-testid="message-bubble"
        className={
          "max-w-[90%] min-w-0 rounded-2xl px-3 py-2 sm:max-w-[75%] " +
          (mine
            ? "bg-indigo-600 text-white"
            : assistant
              ? "w-full bg-zinc-100 dark:bg-zinc-800/70"
              : "bg-zinc-200 dark:bg-zinc-800")
        }
      >
        {assistant ? (
          view.content ? (
            <Suspense fallback={plain}>
              <Markdown text={view.content} />
            </Suspense>
          ) : (
            <span aria-label={t("streaming")} className="inline-block animate-pulse">
              <CursorIcon />
            </span>
          )
        ) : (
          plain
        )}
      </div>
      {err && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          {local === "failed"
            ? errorSentence(t, { code: err, ...(view.message?.retryAfter !== undefined ? { retryAfter: view.message.retryAfter } : {}) }, "send")
            : errorSentence(t, { code: err }, "answer")}
        </p>
      )}
      <div className="flex gap-2">
        {local === "failed" && (
          <button type="button" onClick={() => onRetry(view)} className="text-xs underline">
            {t("retry")}
          </button>
        )}
        {canRegenerate && (
          <button
            type="button"
            data-testid="regenerate"
            onClick={() => onRegenerate(view.id)}
            className="inline-flex items-center gap-1 rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-600 dark:hover:bg-zinc-800"
          >
            <RegenerateIcon />
            {t("regenerate")}
          </button>
        )}
      </div>
    </li>
  );
});
