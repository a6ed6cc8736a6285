// Presence and typing events applied to the chat state (the rules are in chat/presence.ts), with
// the timer that makes typing indicators expire when they are not renewed.
import {
  applyTyping,
  applyUserStatus,
  dropTypist,
  dropTypistEverywhere,
  nextExpiry,
  pruneTyping,
  type StatusChange,
} from "../chat/presence";
import { chatStore, patch } from "../chat/state";
import type { TypingEvent } from "./types";

let typingTimer: ReturnType<typeof setTimeout> | null = null;

/** Expires typing entries that were not renewed (re-armed for the next one to expire). */
function scheduleTypingExpiry(): void {
  if (typingTimer) clearTimeout(typingTimer);
  typingTimer = null;
  const next = nextExpiry(chatStore.get().typing);
  if (next === null) return;
  typingTimer = setTimeout(() => {
    typingTimer = null;
    const s = chatStore.get();
    const pruned = pruneTyping(s.typing, Date.now());
    if (pruned !== s.typing) patch({ typing: pruned });
    scheduleTypingExpiry();
  }, Math.max(0, next - Date.now()) + 25);
}

export function onTyping(ev: TypingEvent): void {
  const s = chatStore.get();
  const typing = applyTyping(s.typing, ev, Date.now(), s.user?.id ?? null);
  if (typing === s.typing) return;
  patch({ typing });
  scheduleTypingExpiry();
}

export function onUserStatus(ev: StatusChange): void {
  const s = chatStore.get();
  const online = applyUserStatus(s.online, ev);
  // Gone offline (e.g. a closed tab): whatever they were typing will not be sent.
  const typing = online[ev.userId] === false ? dropTypistEverywhere(s.typing, ev.userId) : s.typing;
  if (online !== s.online || typing !== s.typing) patch({ online, typing });
}

export function onUserJoined(ev: { roomId: string; userId: string }): void {
  // Joining takes a connected socket: they are online.
  onUserStatus({ userId: ev.userId, online: true });
}

export function onUserLeft(ev: { roomId: string; userId: string }): void {
  // They left the room (opened another one): their typing there is over.
  const s = chatStore.get();
  const typing = dropTypist(s.typing, ev.roomId, ev.userId);
  if (typing !== s.typing) patch({ typing });
}

/** Stops the expiry timer (signed out). */
export function stopTypingExpiry(): void {
  if (typingTimer) clearTimeout(typingTimer);
  typingTimer = null;
}
