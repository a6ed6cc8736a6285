// The one module that owns the Socket.IO connection to /chat.
//
// - Connects with auth.token, asking for a fresh token on every (re)connect.
// - On every `connected`, re-joins the open room with `since` = the last seq seen, so whatever
//   was missed while disconnected arrives (gap-free, merged by id), and resends unacked messages
//   with their original clientId (the server stores each clientId once).
// - A jump in seq on a joined room (a delivery the server dropped because this socket's queue
//   was full) re-joins it the same way, from the last seq seen before the jump.
// - Assembles streaming answers by chunk index (see chat/streams.ts).
// - Feeds presence and typing events to lib/presenceEvents.ts and throttles our own typing;
//   history beyond what a join carries comes over REST (lib/paging.ts).
// - Keeps the room list current with membership and room events (rules: chat/rooms.ts): a room
//   we are added to appears, one we are removed from (or that is deleted) goes, and when it was
//   the open one the app moves to the general room with a notice.
// - A revoked session (`sessionRevoked`) goes back to sign-in at once. Any other server-side
//   disconnect is retried once with a refreshed token; when that refresh fails, the session is
//   over and the app goes back to sign-in too.
//
// The parts: socket/session.ts (shared state, the ack call), socket/connection.ts (connecting,
// re-joining, ending), socket/incoming.ts (server events), socket/actions.ts (what the app asks),
// socket/conversations.ts (edits, deletes and branches: both directions).
export { connect, disconnect, isConnected } from "./socket/connection";
export { deleteMessage, editMessage, loadMissingBranches, selectBranch } from "./socket/conversations";
export {
  addRoom,
  leaveOrDeleteRoom,
  openRoom,
  refreshRoom,
  refreshRooms,
  regenerate,
  removeRoom,
  retrySend,
  send,
  stop,
  typing,
  updateRoom,
} from "./socket/actions";
