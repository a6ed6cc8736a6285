// The chat state the UI renders (rooms, messages, streams, connection), owned and updated by
// lib/socket.ts. Components read it with useChat() and never fetch.
import { createStore, useStore } from "../lib/store";
import type { ErrorBody, Member, Message, ModelInfo, Room, RoomUpdatedEvent, User } from "../lib/types";
import type { BranchChoices } from "./edits";
import type { ChatMessage } from "./messages";
import type { OnlineMap, TypingRooms } from "./presence";
import type { Streams } from "./streams";

export type ConnectionStatus = "idle" | "connecting" | "connected" | "reconnecting";

export interface ChatState {
  status: ConnectionStatus;
  user: User | null;
  rooms: Room[];
  roomsLoaded: boolean;
  currentRoom: string | null;
  messages: Record<string, ChatMessage[]>;
  hasMore: Record<string, boolean>;
  /** Rooms whose oldest message is loaded (older pages: chat/history.ts). */
  olderDone: Record<string, boolean>;
  /** Rooms with an older page on its way. */
  loadingOlder: Record<string, boolean>;
  /** The first members of each joined room (from its join ack). */
  members: Record<string, Member[]>;
  /** Presence of the users sharing a room with us (join acks, then `user_status`). */
  online: OnlineMap;
  streams: Streams;
  typing: TypingRooms;
  /** The last failed action per room (stop/regenerate/join), shown inline. */
  roomError: Record<string, ErrorBody | undefined>;
  /** The latest `roomUpdated` per room (an open settings page applies it to its form). */
  roomUpdates: Record<string, RoomUpdatedEvent>;
  /** Bumped on every membership change of another user per room (member lists reload). */
  memberChanges: Record<string, number>;
  models: ModelInfo[];
  /** Every answer of questions whose answers are not all loaded (`GET …/replies`), by question. */
  replies: Record<string, Message[]>;
  /** Branch choices of questions outside the loaded history (chat/edits.ts). */
  branchChoices: BranchChoices;
  /** The message a search result opened: scrolled to and highlighted once it is listed. */
  focus: Focus | null;
}

export interface Focus {
  roomId: string;
  messageId: string;
  seq: number;
  /** Distinguishes two jumps to the same message. */
  nonce: number;
}

export const initialChatState: ChatState = {
  status: "idle",
  user: null,
  rooms: [],
  roomsLoaded: false,
  currentRoom: null,
  messages: {},
  hasMore: {},
  olderDone: {},
  loadingOlder: {},
  members: {},
  online: {},
  streams: {},
  typing: {},
  roomError: {},
  roomUpdates: {},
  memberChanges: {},
  models: [],
  replies: {},
  branchChoices: {},
  focus: null,
};

export const chatStore = createStore<ChatState>(initialChatState);

export function useChat(): ChatState {
  return useStore(chatStore);
}

export function patch(p: Partial<ChatState> | ((s: ChatState) => Partial<ChatState>)): void {
  chatStore.set((s) => ({ ...s, ...(typeof p === "function" ? p(s) : p) }));
}

function activity(r: Room): string {
  return r.lastMessage?.createdAt ?? r.updatedAt ?? "";
}

/** Rooms, most recently active first. */
export function sortRooms(rooms: Room[]): Room[] {
  return [...rooms].sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : 0));
}
