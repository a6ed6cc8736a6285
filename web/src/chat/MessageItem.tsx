import { lazy, memo, Suspense, useState } from "react";
import { errorSentence } from "../lib/errors";
import { useT } from "../lib/i18n";
import type { ErrorBody } from "../lib/types";
import { CursorIcon, RegenerateIcon } from "../ui/icons";
import type { ShownMessage } from "./branches";
import { BranchSwitch } from "./BranchSwitch";
import { MessageEditor } from "./MessageEditor";
import { OwnMessageActions } from "./OwnMessageActions";

const Markdown = lazy(() => import("./Markdown"));

interface Props {
  view: ShownMessage;
  mine: boolean;
  demo: boolean;
  canRegenerate: boolean;
  onRegenerate: (id: string) => void;
  onRetry: (view: ShownMessage) => void;
  /** One's own stored question: it may be edited and deleted. */
  canModify?: boolean;
  onEdit?: (id: string, content: string) => Promise<ErrorBody | null>;
  onDelete?: (id: string) => Promise<ErrorBody | null>;
  /** Switches the question's shown answer (absent: no branch controls). */
  onSelectBranch?: (questionId: string, answerId: string) => void;
  /** Scrolled to from a search result: outlined for a moment. */
  highlighted?: boolean;
}

export const MessageItem = memo(function MessageItem(props: Props) {
  const { view, mine, demo, canRegenerate, onRegenerate, onRetry, canModify = false, onEdit, onDelete, onSelectBranch, highlighted = false } = props;
  const t = useT();
  const [editing, setEditing] = useState(false);
  const assistant = view.role === "assistant";
  const local = view.message?.local;
  const deleted = Boolean(view.message?.deletedAt);
  const edited = !deleted && Boolean(view.message?.editedAt);
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
  const modifiable = canModify && !deleted && onEdit !== undefined && onDelete !== undefined;
  const branch = view.branch && view.branch.count > 1 && onSelectBranch ? view.branch : null;

  let bubble;
  if (deleted) {
    bubble = (
      <div
        data-testid="message-bubble"
        className="max-w-[90%] min-w-0 rounded-2xl border border-dashed border-zinc-400 px-3 py-2 sm:max-w-[75%] dark:border-zinc-600"
      >
        <p data-testid="message-deleted" className="text-sm text-zinc-600 italic dark:text-zinc-400">
          {t("messageDeleted")}
        </p>
      </div>
    );
  } else if (editing && modifiable && onEdit) {
    bubble = <MessageEditor initial={view.content} onSave={(content) => onEdit(view.id, content)} onDone={() => setEditing(false)} />;
  } else {
    bubble = (
      <div
        data-testid="message-bubble"
        data-prompt-shown={view.promptShown ? "true" : undefined}
        title={view.promptShown ? t("promptShown") : undefined}
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
    );
  }

  return (
    <li
      data-testid="message"
      data-role={assistant ? "assistant" : "user"}
      data-status={view.status}
      data-message-id={view.id}
      data-deleted={deleted ? "true" : undefined}
      data-highlighted={highlighted ? "true" : undefined}
      className={
        "group flex flex-col gap-1 rounded-xl transition-shadow " +
        (mine ? "items-end" : "items-start") +
        (highlighted ? " ring-2 ring-amber-400 ring-offset-4 ring-offset-white dark:ring-amber-300 dark:ring-offset-zinc-950" : "")
      }
    >
      <div className={"flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400" + (mine ? " justify-end" : "")}>
        {modifiable && onDelete && !editing && <OwnMessageActions onEdit={() => setEditing(true)} onDelete={() => onDelete(view.id)} />}
        <span className="font-medium">{mine ? t("you") : (view.userName ?? (assistant ? t("assistant") : ""))}</span>
        {assistant && demo && (
          <span className="rounded bg-amber-100 px-1 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100" title={t("demoModel")}>
            {t("demoBadge")}
          </span>
        )}
        {edited && <span data-testid="message-edited">{t("edited")}</span>}
        {statusText && <span aria-live={view.streaming ? "off" : "polite"}>{statusText}</span>}
      </div>
      {bubble}
      {err && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          {local === "failed"
            ? errorSentence(t, { code: err, ...(view.message?.retryAfter !== undefined ? { retryAfter: view.message.retryAfter } : {}) }, "send")
            : errorSentence(t, { code: err }, "answer")}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-2">
        {local === "failed" && (
          <button type="button" onClick={() => onRetry(view)} className="text-xs underline">
            {t("retry")}
          </button>
        )}
        {branch && onSelectBranch && <BranchSwitch branch={branch} onSelect={onSelectBranch} />}
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
