// Opening, keeping and ending the /chat connection: a fresh token on every (re)connect,
// re-joins after `connected`, and what a server-side disconnect or refusal means.
import { io, type Socket } from "socket.io-client";
import { idleSender } from "../../chat/presence";
import { chatStore, initialChatState, patch } from "../../chat/state";
import { freshAccessToken, refreshTokens } from "../api";
import type { StringKey } from "../i18n";
import { showNotice } from "../notice";
import { onTyping, onUserJoined, onUserLeft, onUserStatus, stopTypingExpiry } from "../presenceEvents";
import { clearTokens } from "../tokens";
import type { MemberEvent, User } from "../types";
import { join, refreshRooms } from "./actions";
import { onBranchSelected, onMessageDeleted, onMessageEdited, onStreamBranch } from "./conversations";
import { onMember, onMessage, onReadSync, onRoomActivity, onRoomUpdated, onStream, roomGone } from "./incoming";
import { live } from "./session";

/** Ends the session on this device: back to sign-in, saying why. */
export function sessionOver(why: StringKey): void {
  showNotice(why, undefined, { sticky: true });
  disconnect();
  clearTokens(); // App shows the sign-in page
}

/** The server ended the connection (not a revocation, which says so first): its token may have
 *  lapsed. One refresh decides: a new token reconnects, none means the session is over. */
export async function reauthenticate(s: Socket): Promise<void> {
  let token: string | null;
  try {
    token = await refreshTokens();
  } catch {
    // The refresh itself failed (network, server error): try again a little later.
    setTimeout(() => live.socket === s && s.connect(), 2000);
    return;
  }
  if (!token) {
    if (live.socket === s || live.socket === null) sessionOver("sessionEnded");
    return;
  }
  if (live.socket === s) s.connect();
}

export async function onConnected(payload: { user?: User }): Promise<void> {
  patch({ status: "connected", ...(payload.user ? { user: payload.user } : {}) });
  void refreshRooms();
  const current = chatStore.get().currentRoom;
  const rooms = new Set(live.joined);
  if (current) rooms.add(current);
  live.joined = new Set();
  for (const roomId of rooms) await join(roomId);
}

export function connect(): void {
  if (live.socket) return;
  patch({ status: "connecting" });
  live.socket = io("/chat", {
    path: "/socket.io/",
    // Called on every (re)connect attempt: always a fresh token.
    auth: (cb) => {
      freshAccessToken()
        .then((token) => cb({ token: token ?? "" }))
        .catch(() => cb({ token: "" }));
    },
  });
  const s = live.socket;
  s.on("connected", (p: { user?: User }) => void onConnected(p));
  s.on("message", onMessage);
  s.on("stream", onStream);
  s.on("stream", onStreamBranch);
  s.on("messageEdited", onMessageEdited);
  s.on("messageDeleted", onMessageDeleted);
  s.on("branchSelected", onBranchSelected);
  s.on("roomActivity", onRoomActivity);
  s.on("userTyping", onTyping);
  s.on("user_status", onUserStatus);
  s.on("userJoined", onUserJoined);
  s.on("userLeft", onUserLeft);
  s.on("readSync", onReadSync);
  s.on("memberAdded", (ev: MemberEvent) => onMember("added", ev));
  s.on("memberRemoved", (ev: MemberEvent) => onMember("removed", ev));
  s.on("roomUpdated", onRoomUpdated);
  s.on("roomDeleted", (ev: { roomId: string }) => roomGone(ev.roomId, "roomDeletedNotice"));
  s.on("sessionRevoked", () => {
    if (live.socket === s) sessionOver("signedOutElsewhere");
  });
  s.on("disconnect", (reason) => {
    if (live.socket !== s) return;
    patch({ status: "reconnecting" });
    // A server-side disconnect is not retried by the client on its own.
    if (reason === "io server disconnect") void reauthenticate(s);
  });
  s.on("connect_error", (err: Error & { data?: { code?: string } }) => {
    if (live.socket !== s) return;
    patch({ status: "reconnecting" });
    const code = err.data?.code ?? err.message.split(":")[0];
    if (s.active) return; // transport error: the manager retries with back-off
    // Refused by the server (middleware): retry ourselves, with a fresh token when that was why.
    const retry = () => setTimeout(() => live.socket === s && s.connect(), 2000);
    if (code === "unauthorized") {
      refreshTokens()
        .then((token) => (token ? retry() : sessionOver("sessionEnded"))) // no token: back to sign-in
        .catch(retry);
    } else retry();
  });
}

export function disconnect(): void {
  live.socket?.removeAllListeners();
  live.socket?.disconnect();
  live.socket = null;
  live.generation++;
  live.joined = new Set();
  live.inflight.clear();
  live.streamHints.clear();
  live.expectedGone.clear();
  live.removals.clear();
  for (const pending of live.rejoins.values()) clearTimeout(pending);
  live.rejoins.clear();
  live.missed.clear();
  live.readSync.clear();
  live.typingSender = idleSender;
  stopTypingExpiry();
  chatStore.set(initialChatState);
}

export function isConnected(): boolean {
  return live.socket?.connected ?? false;
}

