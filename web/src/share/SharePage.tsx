import { useCallback, useEffect, useMemo, useState } from "react";
import { arrangeBranches } from "../chat/branches";
import { setActiveReply } from "../chat/edits";
import { mergeMessages, type ChatMessage } from "../chat/messages";
import { MessageItem } from "../chat/MessageItem";
import { rowView } from "../chat/view";
import { ApiError } from "../lib/api";
import { conversationApi } from "../lib/conversationApi";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import { setReturnTo } from "../lib/returnTo";
import { navigate } from "../lib/router";
import { LangSwitch } from "../ui/LangSwitch";
import { ThemeToggle } from "../ui/ThemeToggle";
import { sharePath } from "./links";

type Load = { status: "loading" } | { status: "ok"; roomName: string } | { status: "notFound" } | { status: "error"; error: unknown };

const noop = () => undefined;

/** A share link's snapshot (`#/share/<token>`): the room's name and its messages, read-only (no
 *  composer; switching a question's answers only changes what this page shows). Render it with
 *  `key={token}`. A server that wants a signed-in reader (401) sends the user to sign in, and
 *  back here afterwards. */
export function SharePage({ token }: { token: string }) {
  const t = useT();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [messages, setMessages] = useState<ChatMessage[]>([]);

  useEffect(() => {
    let live = true;
    conversationApi.snapshot(token).then(
      (snap) => {
        if (!live) return;
        setMessages(mergeMessages([], snap.messages));
        setLoad({ status: "ok", roomName: snap.room.name });
      },
      (err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 401) {
          setReturnTo(sharePath(token));
          navigate("/login");
        } else if (err instanceof ApiError && err.status === 404) setLoad({ status: "notFound" });
        else setLoad({ status: "error", error: err });
      },
    );
    return () => {
      live = false;
    };
  }, [token]);

  const items = useMemo(() => arrangeBranches(messages.map(rowView)), [messages]);
  const onSelectBranch = useCallback((questionId: string, answerId: string) => {
    setMessages((list) => setActiveReply(list, questionId, answerId));
  }, []);

  const title = load.status === "ok" ? load.roomName : t("sharedConversation");
  return (
    <div className="flex h-full flex-col">
      <header className="flex items-center gap-2 border-b border-zinc-200 bg-white/70 px-3 py-1.5 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/70">
        <div className="min-w-0 flex-1">
          <h1 data-testid="share-room-name" className="truncate leading-tight font-semibold">
            {title}
          </h1>
          <p className="truncate text-xs leading-tight text-zinc-600 dark:text-zinc-400">{t("sharedReadOnly")}</p>
        </div>
        <span className="hidden sm:inline-flex">
          <LangSwitch />
        </span>
        <ThemeToggle />
        <a href="#/" className="shrink-0 rounded-md px-2 py-1 text-sm text-indigo-700 hover:bg-zinc-200 dark:text-indigo-300 dark:hover:bg-zinc-800">
          {t("openApp")}
        </a>
      </header>
      <main className="min-h-0 flex-1 overflow-y-auto px-3 py-4 sm:px-6">
        {load.status === "loading" && <p className="mt-10 text-center text-zinc-600 dark:text-zinc-400">{t("loading")}</p>}
        {load.status === "notFound" && (
          <p data-testid="share-not-found" role="alert" className="mt-10 text-center text-zinc-700 dark:text-zinc-300">
            {t("shareNotFound")}
          </p>
        )}
        {load.status === "error" && (
          <p role="alert" className="mt-10 text-center text-red-700 dark:text-red-400">
            {describeError(t, load.error)}
          </p>
        )}
        {load.status === "ok" && (
          <div data-testid="share-view" className="mx-auto max-w-3xl">
            {items.length === 0 ? (
              <p className="mt-10 text-center text-zinc-600 dark:text-zinc-400">{t("noMessages")}</p>
            ) : (
              <ol className="flex flex-col gap-4">
                {items.map((v) => (
                  <MessageItem
                    key={v.id}
                    view={v}
                    mine={false}
                    demo={false}
                    canRegenerate={false}
                    onRegenerate={noop}
                    onRetry={noop}
                    onSelectBranch={onSelectBranch}
                  />
                ))}
              </ol>
            )}
          </div>
        )}
      </main>
    </div>
  );
}
