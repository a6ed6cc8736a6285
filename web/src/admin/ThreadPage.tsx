// One room's conversation, oldest first, as an administrator reads it (read-only): who wrote
// each message, when, its status, and its text (plain, or rendered as Markdown on request).
import { lazy, Suspense, useId, useState } from "react";
import { errorSentence } from "../lib/errors";
import { langStore } from "../lib/prefs";
import { useStore } from "../lib/store";
import type { MessageDto, MessageStatus } from "../lib/wire";
import { buttonSecondary } from "../ui/styles";
import { useThread } from "./data";
import { formatDateTime } from "./format";
import { useAdminT, type AdminKey, type AT } from "./i18n";
import { adminPath } from "./routes";
import { link, muted } from "./styles";
import { ListState, PageHeading } from "./ui";

// The chat's renderer, in its own chunk already: loaded only when asked for here.
const Markdown = lazy(() => import("../chat/Markdown"));

const STATUS: Record<MessageStatus, AdminKey> = {
  complete: "adm_msg_complete",
  streaming: "adm_msg_streaming",
  stopped: "adm_msg_stopped",
  failed: "adm_msg_failed",
  interrupted: "adm_msg_interrupted",
};

function author(t: AT, m: MessageDto): string {
  if (m.role === "assistant") return t("assistant") + (m.model ? ` · ${m.model}` : "");
  if (m.role === "system") return t("adm_system");
  return m.userName ?? m.user?.name ?? m.userId ?? "?";
}

export function ThreadPage({ roomId }: { roomId: string }) {
  const t = useAdminT();
  const id = useId();
  const thread = useThread(roomId);
  const [markdown, setMarkdown] = useState(false);
  const room = thread.meta;
  return (
    <>
      <p>
        <a href={"#" + adminPath("rooms")} className={link + " text-sm"}>
          ← {t("adm_allRooms")}
        </a>
      </p>
      <PageHeading title={room ? `${t("adm_thread")}: ${room.name}` : t("adm_thread")}>
        <label htmlFor={id} className="flex items-center gap-2 text-sm">
          <input id={id} type="checkbox" data-testid="admin-thread-markdown" checked={markdown} onChange={(e) => setMarkdown(e.target.checked)} className="h-4 w-4" />
          {t("adm_markdown")}
        </label>
      </PageHeading>
      {thread.hasMore && (
        <div>
          <button type="button" data-testid="admin-thread-older" disabled={thread.loadingMore} onClick={thread.more} className={buttonSecondary}>
            {thread.loadingMore ? t("loading") : t("adm_older")}
          </button>
        </div>
      )}
      {thread.items.length > 0 && (
        <ol className="flex flex-col gap-2" data-testid="admin-thread" aria-busy={thread.loading}>
          {thread.items.map((m) => (
            <ThreadMessage key={m.id} message={m} markdown={markdown} />
          ))}
        </ol>
      )}
      {!thread.loading && !thread.error && thread.items.length === 0 ? (
        <p className={"text-sm " + muted}>{t("adm_noThread")}</p>
      ) : (
        <ListState loading={thread.loading} empty={thread.items.length === 0} error={thread.error} />
      )}
    </>
  );
}

function ThreadMessage({ message: m, markdown }: { message: MessageDto; markdown: boolean }) {
  const t = useAdminT();
  const lang = useStore(langStore);
  const plain = <p className="whitespace-pre-wrap wrap-anywhere">{m.content}</p>;
  const assistant = m.role === "assistant";
  return (
    <li
      data-testid="admin-thread-message"
      data-role={m.role}
      data-status={m.status}
      data-seq={m.seq}
      className={
        "min-w-0 rounded-xl border p-3 " +
        (assistant ? "border-indigo-200 bg-indigo-50/60 dark:border-indigo-900 dark:bg-indigo-950/30" : "border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900")
      }
    >
      <div className="mb-1 flex flex-wrap items-baseline gap-x-2 gap-y-0.5 text-xs">
        <span className="font-semibold text-zinc-900 dark:text-zinc-100">{author(t, m)}</span>
        <span className={muted}>#{m.seq}</span>
        <time dateTime={m.createdAt} className={muted}>
          {formatDateTime(m.createdAt, lang)}
        </time>
        {m.status !== "complete" && (
          <span className="rounded-full bg-amber-100 px-2 py-0.5 text-amber-900 dark:bg-amber-900/50 dark:text-amber-100">{(STATUS[m.status] as AdminKey | undefined) ? t(STATUS[m.status]) : m.status}</span>
        )}
      </div>
      {markdown ? <Suspense fallback={plain}>{<Markdown text={m.content} />}</Suspense> : plain}
      {m.error && (
        <p className="mt-1 text-xs text-red-700 dark:text-red-400">
          {errorSentence(t, { code: m.error }, "answer")} ({m.error})
        </p>
      )}
    </li>
  );
}
