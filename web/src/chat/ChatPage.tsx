import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { api } from "../lib/api";
import { describeError } from "../lib/errors";
import { useT } from "../lib/i18n";
import { loadOlder } from "../lib/paging";
import { navigate, roomPath, settingsPath } from "../lib/router";
import * as chat from "../lib/socket";
import { NewRoomDialog } from "../rooms/NewRoomDialog";
import { RoomList } from "../rooms/RoomList";
import { RoomMenu } from "../rooms/RoomMenu";
import { SearchBox } from "../search/SearchBox";
import { ShareDialog } from "../share/ShareDialog";
import { ConnectionBanner } from "../ui/ConnectionBanner";
import { Header } from "../ui/Header";
import { SettingsIcon } from "../ui/icons";
import { iconButton } from "../ui/styles";
import { arrangeBranches, type ShownMessage } from "./branches";
import { Composer } from "./Composer";
import { canLoadOlder } from "./history";
import { MessageList } from "./MessageList";
import { typistNames } from "./presence";
import { patch, useChat } from "./state";
import { TypingIndicator } from "./TypingIndicator";
import { buildView } from "./view";

// Pages that most visits never open: loaded on demand, outside the initial chunk.
const RoomSettings = lazy(() => import("../rooms/RoomSettings"));
const AccountPage = lazy(() => import("../account/AccountPage"));

export type ChatView = "chat" | "settings" | "account";

/** The signed-in screen: header, room list and, in the main area, the open room's messages,
 *  its settings, or the account page. It owns the socket's lifetime, so moving between these
 *  keeps the connection (and presence) up. */
export function ChatPage({ roomId, view }: { roomId: string | null; view: ChatView }) {
  const t = useT();
  const state = useChat();
  const [drawer, setDrawer] = useState(false);
  const [dialog, setDialog] = useState(false);
  const [sharing, setSharing] = useState(false);

  useEffect(() => {
    chat.connect();
    api.models().then((models) => patch({ models }), () => undefined);
    api.me().then((user) => patch({ user }), () => undefined);
    return () => chat.disconnect();
  }, []);

  // Also when the status enters or leaves idle: a disconnect resets the state, open room included.
  const idle = state.status === "idle";
  useEffect(() => {
    chat.openRoom(roomId);
  }, [roomId, idle]);

  // No room chosen: open the first one (the built-in `general` at least).
  useEffect(() => {
    if (view === "chat" && !roomId && state.rooms.length > 0) navigate(roomPath(state.rooms[0]!.id));
  }, [view, roomId, state.rooms]);

  useEffect(() => {
    if (!drawer) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setDrawer(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [drawer]);

  const room = state.rooms.find((r) => r.id === roomId) ?? null;
  const messages = roomId ? state.messages[roomId] : undefined;
  const viewed = useMemo(() => (roomId ? buildView(messages ?? [], state.streams, roomId) : []), [messages, state.streams, roomId]);
  const live = viewed.find((v) => v.streaming);
  // One answer per question (its branches behind `‹ k/n ›`): chat/branches.ts.
  const items = useMemo(
    () => arrangeBranches(viewed, { replies: state.replies, choices: state.branchChoices }),
    [viewed, state.replies, state.branchChoices],
  );
  // Branches the loaded history does not hold are asked for.
  useEffect(() => {
    if (roomId && messages) chat.loadMissingBranches(roomId);
  }, [roomId, messages]);
  const focus = roomId && state.focus?.roomId === roomId ? state.focus : null;
  const demoModels = useMemo(() => new Set(state.models.filter((m) => m.demo).map((m) => m.id)), [state.models]);
  const defaultModel = state.models.find((m) => m.default) ?? state.models[0];
  const roomError = roomId ? state.roomError[roomId] : undefined;
  // Expired entries are dropped from the state by a timer (lib/presenceEvents.ts), which
  // re-renders; reading the clock here also hides one that lapsed before that timer fired.
  // eslint-disable-next-line react-hooks/purity -- deliberate: typing entries expire by wall-clock time, and every render should show only the unexpired ones
  const typists = roomId ? typistNames(state.typing, roomId, Date.now()) : [];
  const me = state.user?.id ?? null;
  const isOnline = useCallback(
    (userId: string) => (userId === me ? state.status === "connected" : Boolean(state.online[userId])),
    [me, state.status, state.online],
  );

  const members = roomId ? state.members[roomId] : undefined;
  const memberCount = room?.memberCount ?? members?.length ?? 0;
  const onlineCount = members?.filter((m) => isOnline(m.userId)).length ?? 0;
  // Only once the join ack told us who is online (no "0 online" flash before it).
  const subtitle =
    view !== "account" && room && members && memberCount > 1
      ? t("membersCount", { n: memberCount }) + " · " + t("onlineCount", { n: onlineCount })
      : undefined;

  const onRegenerate = useCallback((id: string) => roomId && void chat.regenerate(roomId, id), [roomId]);
  const onRetry = useCallback((v: ShownMessage) => v.message && chat.retrySend(v.message), []);
  const onEdit = useCallback(
    (id: string, content: string) => (roomId ? chat.editMessage(roomId, id, content) : Promise.resolve(null)),
    [roomId],
  );
  const onDelete = useCallback((id: string) => (roomId ? chat.deleteMessage(roomId, id) : Promise.resolve(null)), [roomId]);
  const onSelectBranch = useCallback(
    (questionId: string, answerId: string) => roomId && void chat.selectBranch(roomId, questionId, answerId),
    [roomId],
  );
  const onFocused = useCallback(() => patch({ focus: null }), []);
  const canShare = room?.myRole === "owner" || state.user?.role === "admin";
  const onLoadOlder = useCallback(() => roomId && void loadOlder(roomId), [roomId]);
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
          className="rounded-md bg-indigo-600 px-3 py-1 text-sm font-medium text-white hover:bg-indigo-700"
        >
          + {t("newRoom")}
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {state.roomsLoaded || state.rooms.length > 0 ? (
          <RoomList rooms={state.rooms} currentRoom={view === "account" ? null : roomId} onSelect={() => setDrawer(false)} />
        ) : (
          <p className="p-4 text-sm text-zinc-600 dark:text-zinc-400">{t("loading")}</p>
        )}
      </div>
    </nav>
  );

  const roomMenu = roomId && view !== "account" && (
    <RoomMenu roomId={roomId} roomName={room?.name ?? roomId} canShare={canShare} onShare={() => setSharing(true)} />
  );

  const settingsLink = roomId && view !== "account" && (
    <a
      href={"#" + (view === "settings" ? roomPath(roomId) : settingsPath(roomId))}
      data-testid="room-settings"
      aria-label={view === "settings" ? t("backToChat") : t("roomSettings")}
      title={view === "settings" ? t("backToChat") : t("roomSettings")}
      aria-current={view === "settings" ? "page" : undefined}
      className={iconButton + (view === "settings" ? " bg-zinc-200 dark:bg-zinc-800" : "")}
    >
      <SettingsIcon className="h-5 w-5" />
    </a>
  );

  const fallback = <p className="m-auto text-zinc-600 dark:text-zinc-400">{t("loading")}</p>;
  let main;
  if (view === "account") {
    main = (
      <Suspense fallback={fallback}>
        <AccountPage user={state.user} />
      </Suspense>
    );
  } else if (view === "settings" && roomId) {
    main = (
      <Suspense fallback={fallback}>
        <RoomSettings
          key={"settings:" + roomId}
          roomId={roomId}
          user={state.user}
          models={state.models}
          isOnline={isOnline}
          update={state.roomUpdates[roomId]}
          membersVersion={state.memberChanges[roomId] ?? 0}
          onRoomChanged={chat.updateRoom}
          onMembersChanged={() => chat.refreshRoom(roomId)}
          onLeave={async (action) => navigate(await chat.leaveOrDeleteRoom(roomId, action))}
        />
      </Suspense>
    );
  } else if (roomId) {
    main = (
      <>
        <MessageList
          key={"messages:" + roomId}
          items={items}
          userId={me}
          demoModels={demoModels}
          onRegenerate={onRegenerate}
          onRetry={onRetry}
          onEdit={onEdit}
          onDelete={onDelete}
          onSelectBranch={onSelectBranch}
          focus={focus}
          onFocused={onFocused}
          loaded={messages !== undefined}
          canLoadOlder={canLoadOlder(messages ?? [], state.olderDone[roomId] ?? false)}
          loadingOlder={state.loadingOlder[roomId] ?? false}
          onLoadOlder={onLoadOlder}
        />
        {roomError && (
          <p role="alert" className="mx-auto w-full max-w-3xl px-3 text-sm text-red-700 dark:text-red-400">
            {describeError(t, roomError)}
          </p>
        )}
        <TypingIndicator names={typists} />
        <Composer
          key={"composer:" + roomId}
          disabled={false}
          streaming={Boolean(live)}
          onSend={(text) => chat.send(roomId, text)}
          onStop={onStop}
          onTyping={(typing) => chat.typing(roomId, typing)}
        />
      </>
    );
  } else {
    main = <p className="m-auto text-zinc-600 dark:text-zinc-400">{t("selectRoom")}</p>;
  }

  return (
    <div className="flex h-full flex-col">
      <Header
        title={view === "account" ? t("account") : (room?.name ?? t("appName"))}
        subtitle={subtitle}
        status={state.status}
        user={state.user}
        demo={Boolean(defaultModel?.demo)}
        drawerOpen={drawer}
        onMenu={() => setDrawer((d) => !d)}
        actions={
          <>
            <SearchBox mobileButton={!roomMenu} />
            {roomMenu}
            {settingsLink}
          </>
        }
        accountOpen={view === "account"}
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
        <main className="flex min-w-0 flex-1 flex-col">{main}</main>
      </div>
      <NewRoomDialog open={dialog} onClose={() => setDialog(false)} onCreate={createRoom} />
      {roomId && canShare && (
        <ShareDialog key={"share:" + roomId} roomId={roomId} roomName={room?.name ?? roomId} open={sharing} onClose={() => setSharing(false)} />
      )}
    </div>
  );
}
