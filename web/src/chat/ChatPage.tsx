import { useCallback, useEffect, useMemo, useState } from "react";
import { api } from "../lib/api";
import { errorText, useT } from "../lib/i18n";
import { navigate, roomPath } from "../lib/router";
import * as chat from "../lib/socket";
import { NewRoomDialog } from "../rooms/NewRoomDialog";
import { RoomList } from "../rooms/RoomList";
import { ConnectionBanner } from "../ui/ConnectionBanner";
import { Header } from "../ui/Header";
import { Composer } from "./Composer";
import { MessageList } from "./MessageList";
import { patch, useChat } from "./state";
import { buildView, type ViewMessage } from "./view";

/** The chat screen: wires the socket module's state to the components. */
export function ChatPage({ roomId }: { roomId: string | null }) {
  const t = useT();
  const state = useChat();
  const [drawer, setDrawer] = useState(false);
  const [dialog, setDialog] = useState(false);

  useEffect(() => {
    chat.connect();
    api.models().then((models) => patch({ models }), () => undefined);
    api.me().then((user) => patch({ user }), () => undefined);
    return () => chat.disconnect();
  }, []);

  useEffect(() => {
    chat.openRoom(roomId);
  }, [roomId, state.status === "idle"]);

  // No room chosen: open the first one (the built-in `general` at least).
  useEffect(() => {
    if (!roomId && state.rooms.length > 0) navigate(roomPath(state.rooms[0]!.id));
  }, [roomId, state.rooms]);

  useEffect(() => {
    if (!drawer) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setDrawer(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [drawer]);

  const room = state.rooms.find((r) => r.id === roomId) ?? null;
  const messages = roomId ? state.messages[roomId] : undefined;
  const items = useMemo(() => (roomId ? buildView(messages ?? [], state.streams, roomId) : []), [messages, state.streams, roomId]);
  const live = items.find((v) => v.streaming);
  const demoModels = useMemo(() => new Set(state.models.filter((m) => m.demo).map((m) => m.id)), [state.models]);
  const defaultModel = state.models.find((m) => m.default) ?? state.models[0];
  const roomError = roomId ? state.roomError[roomId] : undefined;
  const typists = roomId ? Object.values(state.typing[roomId] ?? {}).filter((x) => x.until > Date.now()).map((x) => x.name) : [];

  const onRegenerate = useCallback((id: string) => roomId && void chat.regenerate(roomId, id), [roomId]);
  const onRetry = useCallback((v: ViewMessage) => v.message && chat.retrySend(v.message), []);
  const onStop = () => roomId && live && void chat.stop(roomId, live.id);

  const createRoom = async (name: string) => {
    const created = await api.createRoom(name);
    chat.addRoom({ ...created, unreadCount: 0 });
    navigate(roomPath(created.id));
    setDrawer(false);
  };

  const sidebar = (
    <nav aria-label={t("rooms")} className="flex h-full flex-col">
      <div className="flex items-center justify-between border-b border-zinc-200 p-3 dark:border-zinc-800">
        <h2 className="font-semibold">{t("rooms")}</h2>
        <button
          type="button"
          data-testid="new-room"
          onClick={() => setDialog(true)}
          className="rounded-md bg-indigo-600 px-3 py-1 text-sm font-medium text-white hover:bg-indigo-500"
        >
          + {t("newRoom")}
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {state.roomsLoaded || state.rooms.length > 0 ? (
          <RoomList rooms={state.rooms} currentRoom={roomId} onSelect={() => setDrawer(false)} />
        ) : (
          <p className="p-4 text-sm text-zinc-500">{t("loading")}</p>
        )}
      </div>
    </nav>
  );

  return (
    <div className="flex h-full flex-col">
      <Header
        title={room?.name ?? t("appName")}
        status={state.status}
        user={state.user}
        demo={Boolean(defaultModel?.demo)}
        drawerOpen={drawer}
        onMenu={() => setDrawer((d) => !d)}
      />
      <ConnectionBanner status={state.status} />
      <div className="flex min-h-0 flex-1">
        <aside className="hidden w-72 shrink-0 border-r border-zinc-200 bg-zinc-50 md:block dark:border-zinc-800 dark:bg-zinc-900/50">
          {sidebar}
        </aside>
        {drawer && (
          <div className="fixed inset-0 z-30 md:hidden">
            <button type="button" aria-label={t("closeRooms")} className="absolute inset-0 bg-black/40" onClick={() => setDrawer(false)} />
            <aside id="room-drawer" className="absolute inset-y-0 left-0 w-[min(18rem,85vw)] bg-zinc-50 shadow-xl dark:bg-zinc-900">
              {sidebar}
            </aside>
          </div>
        )}
        <main className="flex min-w-0 flex-1 flex-col">
          {roomId ? (
            <>
              <MessageList
                items={items}
                userId={state.user?.id ?? null}
                demoModels={demoModels}
                onRegenerate={onRegenerate}
                onRetry={onRetry}
                typing={typists}
              />
              {roomError && (
                <p role="alert" className="mx-auto w-full max-w-3xl px-3 text-sm text-red-600 dark:text-red-400">
                  {errorText(t, roomError.code, roomError.message, roomError.retryAfter)}
                </p>
              )}
              <Composer
                disabled={false}
                streaming={Boolean(live)}
                onSend={(text) => chat.send(roomId, text)}
                onStop={onStop}
                onTyping={(typing) => chat.typing(roomId, typing)}
              />
            </>
          ) : (
            <p className="m-auto text-zinc-500">{t("selectRoom")}</p>
          )}
        </main>
      </div>
      <NewRoomDialog open={dialog} onClose={() => setDialog(false)} onCreate={createRoom} />
    </div>
  );
}
